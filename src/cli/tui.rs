//! `weigh tui IMAGE [AFTER]`: the interactive explorer, of one image or of a comparison.

use std::process::ExitCode;

use super::options::{AttributionArgs, Globals, parse_platform};
use crate::source::Platform;
use crate::tui::model::Model;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Image: docker-archive:FILE[:NAME:TAG], oci:DIR[:TAG], oci-archive:FILE[:TAG],
    /// docker://REF, docker-daemon:REF, or a path.
    pub image: String,
    /// A second image: compare mode, IMAGE before and this one after.
    pub after: Option<String>,
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    #[command(flatten)]
    pub attribution: AttributionArgs,
}

pub fn run(args: Args, g: &Globals) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the TUI needs a terminal: use `weigh inspect` or `weigh compare` for a report");
    }
    let Args { image, after, platform, attribution } = args;
    let reference = match &after {
        Some(a) => format!("{image} and {a}"),
        None => image.clone(),
    };
    let opts = attribution.options(platform, g)?;
    crate::tui::run(&reference, move |progress| {
        let first = crate::analyze(&image, &opts, progress)?;
        Ok(match after {
            Some(after) => {
                let second = crate::analyze(&after, &opts, progress)?;
                Model::compare(first, second)
            }
            None => Model::new(first),
        })
    })?;
    Ok(ExitCode::SUCCESS)
}
