//! `weigh inspect IMAGE`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;

use crate::analysis::Analysis;
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
    /// Image: docker-archive:FILE[:NAME:TAG], oci:DIR[:TAG], oci-archive:FILE[:TAG], or a path.
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
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s).ok_or_else(|| format!("{s:?} is not os/arch[/variant]"))
}

/// Opens and indexes an image: the pipeline every subcommand starts with.
pub fn analyze(reference: &str, platform: Option<Platform>, quiet: bool) -> anyhow::Result<Analysis> {
    let image = Image::open(reference, &OpenOptions { platform }).with_context(|| reference.to_string())?;
    let bars = super::progress::Bars::new(image.layers.len(), quiet);
    let index = Index::build(&image, IndexOptions::default(), &bars);
    bars.clear();
    let index = index.with_context(|| reference.to_string())?;
    Ok(Analysis::new(&image, index))
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<ExitCode> {
    let analysis = analyze(&args.image, args.platform, quiet)?;
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
