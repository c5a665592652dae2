//! Raw flags shared by the subcommands, turned once into the library's [`Options`].

use std::path::PathBuf;

use anyhow::Context;

use crate::analysis::Analysis;
use crate::attribute::dockerfile::Dockerfile;
use crate::classify::Rules;
use crate::pipeline::Options;
use crate::source::Platform;
use crate::source::registry::RegistryOptions;

/// What the global flags say, for every image a subcommand opens.
#[derive(Clone, Default)]
pub struct Globals {
    pub quiet: bool,
    pub registry: RegistryOptions,
    pub cache_dir: Option<PathBuf>,
    pub limits: crate::limits::Limits,
    pub color: ColorWhen,
}

/// `--color`: when terminal reports are coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set to anything.
    #[default]
    Auto,
    Always,
    Never,
}

impl Globals {
    /// Whether a report going to a terminal (or not) is coloured.
    pub fn colored(&self, to_terminal: bool) -> bool {
        match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// How layers are attributed to Dockerfile steps and stages, and how files are classified.
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
    /// Config file with classification rules; default: the nearest weigh.toml, from the
    /// current directory up to the repository root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl AttributionArgs {
    /// The validated options: the Dockerfile parsed, the rules read.
    pub fn options(&self, platform: Option<Platform>, g: &Globals) -> anyhow::Result<Options> {
        let rules = Rules::load(self.config.as_deref())?;
        let dockerfile = match &self.dockerfile {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
                let d = Dockerfile::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Some((d, self.target.clone()))
            }
            None => None,
        };
        Ok(Options {
            platform,
            dockerfile,
            base: self.base.clone(),
            rules,
            registry: g.registry.clone(),
            cache_dir: g.cache_dir.clone(),
            limits: g.limits,
        })
    }
}

pub(crate) fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s).ok_or_else(|| format!("{s:?} is not os/arch[/variant]"))
}

/// [`crate::analyze`] with progress bars on stderr (none when `quiet`).
pub fn analyze(reference: &str, opts: &Options, quiet: bool) -> anyhow::Result<Analysis> {
    let bars = super::progress::Bars::new(quiet);
    Ok(crate::analyze(reference, opts, &bars)?)
}
