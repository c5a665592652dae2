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
    /// The build context: its Dockerfile's stages are used when the image's history matches
    /// them (and a Dockerfile that does not match is reported, not used). Without this or
    /// --dockerfile, the current directory's Dockerfile is tried the same way.
    #[arg(long, value_name = "DIR", conflicts_with = "dockerfile")]
    pub context: Option<PathBuf>,
    /// The stage the image was built as (docker build --target); default: the last.
    #[arg(long, value_name = "STAGE")]
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
    /// `--context DIR`'s Dockerfile (an error when it has none, or it does not parse), else the
    /// current directory's when it has one that parses.
    fn found_dockerfile(&self) -> anyhow::Result<Option<crate::pipeline::FoundDockerfile>> {
        let (dir, asked) = match &self.context {
            Some(d) => (d.clone(), true),
            None => (PathBuf::from("."), false),
        };
        let Some(path) = ["Dockerfile", "Containerfile"].iter().map(|n| dir.join(n)).find(|p| p.is_file())
        else {
            if asked {
                anyhow::bail!("{}: no Dockerfile or Containerfile in the context", dir.display());
            }
            return Ok(None);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if asked => return Err(anyhow::Error::new(e).context(path.display().to_string())),
            Err(_) => return Ok(None),
        };
        match Dockerfile::parse(&text) {
            Ok(dockerfile) => Ok(Some(crate::pipeline::FoundDockerfile {
                path: path.display().to_string(),
                dockerfile,
                target: self.target.clone(),
                asked,
            })),
            Err(e) if asked => anyhow::bail!("{}: {e}", path.display()),
            Err(_) => Ok(None),
        }
    }

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
        let found_dockerfile = if dockerfile.is_some() { None } else { self.found_dockerfile()? };
        if self.target.is_some() && dockerfile.is_none() && found_dockerfile.is_none() {
            anyhow::bail!("--target names a stage of a Dockerfile: give --dockerfile FILE or --context DIR");
        }
        Ok(Options {
            platform,
            dockerfile,
            found_dockerfile,
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
