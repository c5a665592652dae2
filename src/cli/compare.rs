//! `weigh compare BEFORE AFTER`: what changed between two images, typically the single-stage
//! and the multi-stage build of one app; `weigh compare A B C ...`: several images side by
//! side, typically one Dockerfile's targets.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;

use super::options::{AttributionArgs, Globals, analyze, parse_platform};
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::compare::several::several;
use crate::compare::{DEFAULT_LEAKS, compare};
use crate::report::{self, html, json, markdown, text};
use crate::source::Platform;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two images: BEFORE (e.g. the single-stage build) and AFTER (e.g. the multi-stage
    /// build). Three or more: side by side, the layers they share and what each adds.
    #[arg(value_name = "IMAGE", num_args = 2.., required = true)]
    pub images: Vec<String>,
    /// The Dockerfile every image was built from (e.g. one target per app); each image's
    /// target is the stage its history matches.
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,
    /// The Dockerfile BEFORE was built from (stage attribution).
    #[arg(long, value_name = "FILE", conflicts_with = "dockerfile")]
    pub before_dockerfile: Option<PathBuf>,
    /// The Dockerfile AFTER was built from.
    #[arg(long, value_name = "FILE", conflicts_with = "dockerfile")]
    pub after_dockerfile: Option<PathBuf>,
    /// Two images side by side (what each adds beyond the layers both have) instead of
    /// BEFORE and AFTER.
    #[arg(long)]
    pub side_by_side: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Categories a production image should not carry, reported as leaks of AFTER
    /// (comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_category,
          default_values_t = DEFAULT_LEAKS.iter().map(|c| c.to_string()).collect::<Vec<_>>())]
    pub leaks: Vec<String>,
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Config file with classification rules; default: the nearest weigh.toml, from the
    /// current directory up to the repository root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_category(s: &str) -> Result<String, String> {
    Category::parse(s)
        .map(|c| c.to_string())
        .ok_or_else(|| format!("unknown category {s:?} (one of: {})", Category::names().join(", ")))
}

pub fn run(args: Args, g: &Globals) -> anyhow::Result<ExitCode> {
    let side = |dockerfile: &Option<PathBuf>| AttributionArgs {
        dockerfile: dockerfile.clone().or_else(|| args.dockerfile.clone()),
        config: args.config.clone(),
        ..AttributionArgs::default()
    };
    let out = match args.images.as_slice() {
        [before, after] if !args.side_by_side => {
            let before_opts = side(&args.before_dockerfile).options(args.platform.clone(), g)?;
            let after_opts = side(&args.after_dockerfile).options(args.platform.clone(), g)?;
            let before = analyze(before, &before_opts, g.quiet)?;
            let after = analyze(after, &after_opts, g.quiet)?;
            let leaks: Vec<Category> = args.leaks.iter().filter_map(|l| Category::parse(l)).collect();
            let c = compare(&before, &after, &leaks);
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let color = g.colored(to_terminal);
            match args.format {
                Format::Text => text::compare(&c, color),
                Format::Json => json::compare(&c),
                Format::Markdown => markdown::compare(&c),
                Format::Html => html::compare(&c, &before, &after),
            }
        }
        images => {
            if args.before_dockerfile.is_some() || args.after_dockerfile.is_some() {
                anyhow::bail!(
                    "--before-dockerfile and --after-dockerfile are for two images; give --dockerfile for several"
                );
            }
            let opts = side(&None).options(args.platform.clone(), g)?;
            let analyses: Vec<Analysis> =
                images.iter().map(|i| analyze(i, &opts, g.quiet)).collect::<anyhow::Result<_>>()?;
            let refs: Vec<&Analysis> = analyses.iter().collect();
            let s = several(&refs);
            match args.format {
                Format::Text => report::several::text(&s),
                Format::Json => json::several(&s),
                Format::Markdown => report::several::markdown(&s),
                Format::Html => html::several(&s, &refs),
            }
        }
    };
    match &args.output {
        Some(file) => std::fs::write(file, out).with_context(|| file.display().to_string())?,
        None => super::write_stdout(|w| w.write_all(out.as_bytes()))?,
    }
    Ok(ExitCode::SUCCESS)
}
