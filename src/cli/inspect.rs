//! `weigh inspect IMAGE`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;

use std::path::PathBuf;

use crate::analysis::Analysis;
use crate::attribute::{attribute, dockerfile::Dockerfile, pair_history};
use crate::classify::Rules;
use crate::index::{Index, IndexOptions};
use crate::report;
use crate::source::{Image, OpenOptions, Platform};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
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

/// How layers are attributed to Dockerfile steps and stages.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AttributionArgs {
    /// The Dockerfile the image was built from: attributes layers to its stages.
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,
    /// The stage the image was built as (docker build --target); default: the last.
    #[arg(long, value_name = "STAGE", requires = "dockerfile")]
    pub target: Option<String>,
    /// The base image: its layers (a diff_id prefix of this image's) are the base.
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,
    /// Config file with classification rules; default: weigh.toml in the current directory
    /// when there is one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl AttributionArgs {
    /// The `--dockerfile`, parsed, when one was given.
    fn load_dockerfile(&self) -> anyhow::Result<Option<Dockerfile>> {
        let Some(path) = &self.dockerfile else { return Ok(None) };
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        Ok(Some(Dockerfile::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?))
    }
}

pub(crate) fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s).ok_or_else(|| format!("{s:?} is not os/arch[/variant]"))
}

/// Opens and indexes an image: the pipeline every subcommand starts with.
pub fn analyze(
    reference: &str,
    platform: Option<Platform>,
    attribution: &AttributionArgs,
    quiet: bool,
) -> anyhow::Result<Analysis> {
    analyze_with(reference, platform, attribution, None, quiet)
}

/// [`analyze`] reporting layer progress to `progress` instead of bars on stderr.
pub fn analyze_with(
    reference: &str,
    platform: Option<Platform>,
    attribution: &AttributionArgs,
    progress: Option<&dyn crate::index::Progress>,
    quiet: bool,
) -> anyhow::Result<Analysis> {
    let rules = Rules::load(attribution.config.as_deref())?;
    let opts = OpenOptions { platform };
    let image = Image::open(reference, &opts).with_context(|| reference.to_string())?;
    let dockerfile = attribution.load_dockerfile()?;
    let base_layers = match &attribution.base {
        Some(base) => {
            let b = Image::open(base, &opts).with_context(|| base.to_string())?;
            let ids = |i: &Image| i.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>();
            let (mine, theirs) = (ids(&image), ids(&b));
            if theirs.is_empty() || !mine.starts_with(&theirs) {
                anyhow::bail!(
                    "{reference}: not built on {base} (its layers are not a prefix of this image's)"
                );
            }
            Some(theirs.len())
        }
        None => None,
    };
    let history = pair_history(&image.config, image.layers.len());
    let target = attribution.target.as_deref();
    let layers = attribute(&history, dockerfile.as_ref().map(|d| (d, target)), base_layers)
        .map_err(|e| anyhow::anyhow!("{reference}: {e}"))?;
    let bars = super::progress::Bars::new(image.layers.len(), quiet || progress.is_some());
    let index = Index::build(&image, IndexOptions::default(), progress.unwrap_or(&bars));
    bars.clear();
    let index = index.with_context(|| reference.to_string())?;
    Ok(Analysis::new(&image, index, history, layers, &rules))
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
fn layers_only(args: &Args) -> anyhow::Result<String> {
    let opts = OpenOptions { platform: args.platform.clone() };
    let image = Image::open(&args.image, &opts).with_context(|| args.image.clone())?;
    let dockerfile = args.attribution.load_dockerfile()?;
    let history = pair_history(&image.config, image.layers.len());
    let target = args.attribution.target.as_deref();
    let attributions = attribute(&history, dockerfile.as_ref().map(|d| (d, target)), None)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.image))?;
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
        Format::Text => {
            let mut t = format!("{}\n\n  #  COMPRESSED  STAGE         COMMAND\n", image.id.reference);
            for l in &lines {
                let cmd = l.history.as_ref().and_then(|h| h.created_by.as_deref()).unwrap_or("");
                let stage = l.attribution.stage.as_deref().unwrap_or(if l.attribution.base_image {
                    "base image"
                } else {
                    "-"
                });
                t.push_str(&format!(
                    "{:>3}  {:>10}  {:<12}  {}\n",
                    l.index,
                    l.compressed_bytes.map(report::size).unwrap_or_else(|| "-".into()),
                    report::printable(stage),
                    report::printable(&crate::attribute::short_command(cmd, 100)),
                ));
            }
            t
        }
    })
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<ExitCode> {
    if args.layers_only {
        let text = layers_only(&args)?;
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing the report"),
            _ => Ok(ExitCode::SUCCESS),
        };
    }
    let analysis = analyze(&args.image, args.platform, &args.attribution, quiet)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Text => out.write_all(report::text::render(&analysis, args.top).as_bytes()),
        Format::Json => report::json::write(&analysis, args.top, &mut out),
    };
    match written.and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // `weigh inspect x | head` closes the pipe early; that is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing the report"),
    }
}
