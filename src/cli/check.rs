//! `weigh check IMAGE`: size budgets for CI. Exit 0 when every rule passes, 1 when any fails,
//! 2 for a usage or input error (never 1 for an error, never 0 for a failure).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;

use super::options::{AttributionArgs, Globals, analyze, parse_platform};
use crate::budget::{Budget, Metric, evaluate, starter::starter};
use crate::report::{github, json, junit, markdown, sarif, text};
use crate::source::Platform;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
    Sarif,
    Markdown,
    Github,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Image: docker-archive:FILE[:NAME:TAG], oci:DIR[:TAG], oci-archive:FILE[:TAG],
    /// docker://REF, docker-daemon:REF, or a path.
    pub image: String,
    /// Budget file (its [budget] table); default: the nearest weigh.toml with a [budget],
    /// looked for from the current directory up to the repository root, else dive's .dive-ci.
    #[arg(long, value_name = "FILE")]
    pub budget: Option<PathBuf>,
    /// Image to measure growth against (overrides `baseline` in the budget).
    #[arg(long, value_name = "IMAGE")]
    pub baseline: Option<String>,
    /// Write a starter [budget] for this image (to --budget, default weigh.toml) and exit.
    #[arg(long)]
    pub init: bool,
    /// Output format on stdout; default text, or github when GITHUB_ACTIONS=true.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write FORMAT to FILE; repeatable (--output junit=report.xml --output sarif=weigh.sarif).
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_output)]
    pub output: Vec<(Format, PathBuf)>,
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    #[command(flatten)]
    pub attribution: AttributionArgs,
}

fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (f, file) = s.split_once('=').ok_or_else(|| format!("{s:?} is not FORMAT=FILE"))?;
    let format = Format::from_str(f, true)
        .map_err(|_| format!("unknown format {f:?} (text, json, junit, sarif, markdown, github)"))?;
    if file.is_empty() {
        return Err(format!("{s:?} names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

/// The budget the check runs: --budget, else weigh.toml with a [budget], else .dive-ci.
fn load_budget(path: Option<&Path>) -> anyhow::Result<Budget> {
    let read = |p: &Path| std::fs::read_to_string(p).with_context(|| p.display().to_string());
    if let Some(p) = path {
        let text = read(p)?;
        let name = p.display().to_string();
        if p.file_name().is_some_and(|n| n == ".dive-ci") {
            return Ok(Budget::parse_dive_ci(&text, &name)?);
        }
        return Budget::parse(&text, &name)?.ok_or_else(|| anyhow::anyhow!("{name}: no [budget] table"));
    }
    if let Some(toml) = crate::config::find("weigh.toml")
        && let Some(b) = Budget::parse(&read(&toml)?, &toml.display().to_string())?
    {
        return Ok(b);
    }
    if let Some(dive) = crate::config::find(".dive-ci") {
        return Ok(Budget::parse_dive_ci(&read(&dive)?, &dive.display().to_string())?);
    }
    anyhow::bail!(
        "no budget: no [budget] in a weigh.toml and no .dive-ci here or up to the repository root (give --budget FILE, or write one with --init)"
    )
}

fn render(format: Format, v: &crate::budget::Verdict, seconds: f64) -> String {
    match format {
        Format::Text => text::verdict(v),
        Format::Json => json::verdict(v),
        Format::Junit => junit::render(v, seconds),
        Format::Sarif => sarif::render(v),
        Format::Markdown => markdown::verdict(v),
        Format::Github => github::verdict(v),
    }
}

pub fn run(args: Args, g: &Globals) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    if args.init {
        let target = args.budget.clone().unwrap_or_else(|| PathBuf::from("weigh.toml"));
        let existing = match std::fs::read_to_string(&target) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| target.display().to_string()),
        };
        let name = target.display().to_string();
        if let Some(t) = &existing
            && Budget::parse(t, &name)?.is_some()
        {
            anyhow::bail!("{name} already has a [budget]; edit it, or give --budget NEW_FILE");
        }
        let opts = args.attribution.options(args.platform.clone(), g)?;
        let a = analyze(&args.image, &opts, g.quiet)?;
        let mut text = existing.unwrap_or_default();
        if !text.is_empty() && !text.ends_with("\n\n") {
            text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
        }
        let starter = crate::report::toml::starter(&starter(&a));
        text.push_str(&starter);
        std::fs::write(&target, &text).with_context(|| name.clone())?;
        println!("wrote a starter [budget] to {name}:\n\n{starter}");
        return Ok(ExitCode::SUCCESS);
    }
    let budget = load_budget(args.budget.as_deref())?;
    // The budget file's [classify] rules are the ones its category limits mean.
    let mut attribution = args.attribution.clone();
    if attribution.config.is_none()
        && let Some(b) = &args.budget
        && b.file_name().is_none_or(|n| n != ".dive-ci")
    {
        attribution.config = Some(b.clone());
    }
    let baseline_ref = args.baseline.clone().or_else(|| budget.baseline.clone());
    let growth = budget.limits.iter().any(|l| matches!(l.metric, Metric::Growth | Metric::GrowthPercent));
    if growth && baseline_ref.is_none() {
        anyhow::bail!(
            "{}: a growth limit needs a baseline image: --baseline IMAGE, or baseline = \"...\" in [budget]",
            budget.source
        );
    }
    let opts = attribution.options(args.platform.clone(), g)?;
    let a = analyze(&args.image, &opts, g.quiet)?;
    let baseline = match &baseline_ref {
        Some(b) => {
            let same_rules =
                AttributionArgs { config: attribution.config.clone(), ..AttributionArgs::default() };
            Some(analyze(b, &same_rules.options(args.platform.clone(), g)?, g.quiet)?)
        }
        None => None,
    };
    let v = evaluate(&budget, &a, baseline.as_ref());
    let seconds = started.elapsed().as_secs_f64();
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let format = args.format.unwrap_or(if github { Format::Github } else { Format::Text });
    for (f, file) in &args.output {
        std::fs::write(file, render(*f, &v, seconds)).with_context(|| file.display().to_string())?;
    }
    if format == Format::Github
        && let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY")
        && !summary.is_empty()
    {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .with_context(|| format!("GITHUB_STEP_SUMMARY {summary}"))?;
        f.write_all(markdown::verdict(&v).as_bytes())
            .with_context(|| format!("GITHUB_STEP_SUMMARY {summary}"))?;
    }
    let out = render(format, &v, seconds);
    super::write_stdout(|w| w.write_all(out.as_bytes()))?;
    Ok(if v.pass { ExitCode::SUCCESS } else { ExitCode::from(super::EXIT_FAIL) })
}
