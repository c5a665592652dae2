//! `weigh inspect IMAGE`.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::ValueEnum;

use super::options::{AttributionArgs, Globals, analyze, parse_platform};
use crate::report;
use crate::source::Platform;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// A pull-request comment or step summary: the summary first, details folded.
    Markdown,
    /// One self-contained page: the treemap by category, layers, tables, findings.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Image: docker-archive:FILE[:NAME:TAG], oci:DIR[:TAG], oci-archive:FILE[:TAG],
    /// docker://REF, docker-daemon:REF, or a path.
    pub image: String,
    /// Platform to pick from a multi-platform index, os/arch[/variant]; default: this machine's.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// The most bytes a Markdown report may take; whole sections are left out (and named) to
    /// fit. The default suits a GitHub comment (65,536 characters at most).
    #[arg(long, value_name = "N", default_value_t = report::markdown_inspect::DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
    /// Length of the largest-directories, largest-files, waste and duplicates lists.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Only the layers and their history, from the manifest and config: no layer is read
    /// (nor, from a registry, downloaded).
    #[arg(long)]
    pub layers_only: bool,
    #[command(flatten)]
    pub attribution: AttributionArgs,
}

/// One layer as the manifest and config describe it.
#[derive(serde::Serialize)]
struct LayerLine {
    index: usize,
    digest: Option<String>,
    diff_id: Option<String>,
    media_type: Option<String>,
    compressed_bytes: Option<u64>,
    #[serde(flatten)]
    attribution: crate::attribute::Attribution,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<crate::attribute::HistoryInfo>,
}

/// `--layers-only`: the layers from the manifest and config, without reading any blob.
fn layers_only(args: &Args, g: &Globals) -> anyhow::Result<String> {
    let mut opts = args.attribution.options(args.platform.clone(), g)?;
    // The base boundary comes from the history alone here, as it always has for this listing.
    opts.base = None;
    let crate::pipeline::Layers { image, history, attribution: attributions, .. } =
        crate::layers(&args.image, &opts)?;
    let lines: Vec<LayerLine> = image
        .layers
        .iter()
        .zip(attributions)
        .zip(history)
        .enumerate()
        .map(|(index, ((l, attribution), history))| LayerLine {
            index,
            digest: l.digest.as_ref().map(ToString::to_string),
            diff_id: l.diff_id.as_ref().map(ToString::to_string),
            media_type: l.media_type.clone(),
            compressed_bytes: l.declared_size,
            attribution,
            history,
        })
        .collect();
    Ok(match args.format {
        Format::Json => {
            let doc = serde_json::json!({"image": image.id, "layers": lines});
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Markdown | Format::Html => anyhow::bail!("--layers-only writes text or JSON"),
        Format::Text => {
            let mut t = format!("{}\n\n  #  COMPRESSED  STAGE         COMMAND\n", image.id.reference);
            for l in &lines {
                let cmd = l.history.as_ref().and_then(|h| h.created_by.as_deref()).unwrap_or("");
                let stage = l.attribution.stage_label();
                t.push_str(&format!(
                    "{:>3}  {:>10}  {:<12}  {}\n",
                    l.index,
                    l.compressed_bytes.map(report::size).unwrap_or_else(|| "-".into()),
                    report::printable(stage),
                    report::printable(&report::fmt::short_command(cmd, 100)),
                ));
            }
            t
        }
    })
}

pub fn run(args: Args, g: &Globals) -> anyhow::Result<ExitCode> {
    if args.layers_only {
        let text = layers_only(&args, g)?;
        match &args.output {
            Some(file) => std::fs::write(file, text).with_context(|| file.display().to_string())?,
            None => super::write_stdout(|w| w.write_all(text.as_bytes()))?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let opts = args.attribution.options(args.platform.clone(), g)?;
    let analysis = analyze(&args.image, &opts, g.quiet)?;
    let text = match args.format {
        Format::Text => report::text::inspect(&analysis, args.top),
        Format::Json => {
            let mut v = Vec::new();
            report::json::write(&analysis, args.top, &mut v).context("writing the report")?;
            String::from_utf8(v).context("the JSON report")?
        }
        Format::Markdown => report::markdown_inspect::inspect(&analysis, args.top, args.max_bytes),
        Format::Html => report::html::inspect(&analysis, args.top),
    };
    match &args.output {
        Some(file) => std::fs::write(file, text).with_context(|| file.display().to_string())?,
        None => super::write_stdout(|w| w.write_all(text.as_bytes()))?,
    }
    Ok(ExitCode::SUCCESS)
}
