//! `weigh tui IMAGE`: the interactive explorer.

use std::process::ExitCode;

use super::inspect::{AttributionArgs, analyze_with, parse_platform};
use crate::source::Platform;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Image: docker-archive:FILE[:NAME:TAG], oci:DIR[:TAG], oci-archive:FILE[:TAG], or a path.
    pub image: String,
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    #[command(flatten)]
    pub attribution: AttributionArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the TUI needs a terminal: use `weigh inspect` for a report");
    }
    let Args { image, platform, attribution } = args;
    let reference = image.clone();
    crate::tui::run(&reference, move |progress| {
        analyze_with(&image, platform, &attribution, Some(progress), true)
    })?;
    Ok(ExitCode::SUCCESS)
}
