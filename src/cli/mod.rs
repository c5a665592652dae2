//! Command-line interface: clap definitions, one file per subcommand, exit codes.

mod check;
mod compare;
mod inspect;
mod options;
mod progress;
mod shell;
mod tui;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes: 0 ok; 1 a budget or check failed; 2 usage or input error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAIL: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "weigh",
    version = env!("WEIGH_VERSION"),
    about = "Explains the size of container images: which layer, stage and kind of file every byte is"
)]
pub struct Cli {
    /// No progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Registry user for docker:// images (default: the docker CLI's config.json and
    /// credential helpers); the password is read from stdin with --password-stdin.
    #[arg(long, global = true, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password (or token) from stdin.
    #[arg(long, global = true, requires = "username")]
    pub password_stdin: bool,
    /// A registry (HOST or HOST:PORT) reached over plain HTTP; loopback registries always are.
    #[arg(long, global = true, value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// Seconds a registry request may wait to connect or between reads before it is retried.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 60)]
    pub registry_timeout: u64,
    /// Seconds a whole registry pull may take, retries included.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 3600)]
    pub registry_deadline: u64,
    /// Keep each layer's index here, by diff_id, and reuse it: shared layers (a second run,
    /// two images on one base) are not read or downloaded again.
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Raise (or lower) one of the limits on what an image may make weigh do, as NAME=VALUE:
    /// entries, path-bytes, path-depth, layers, metadata, document, ratio (README "Limits").
    #[arg(long, global = true, value_name = "NAME=VALUE", value_parser = parse_limit)]
    pub limit: Vec<String>,
    /// When to colour terminal reports: auto (on a terminal, unless NO_COLOR is set), always,
    /// never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = options::ColorWhen::Auto)]
    pub color: options::ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Report where the bytes of one image are: layers, largest paths, waste, duplicates.
    Inspect(inspect::Args),
    /// Check an image against size budgets (weigh.toml [budget], or dive's .dive-ci): exit 0
    /// when every rule passes, 1 when one fails, 2 on errors.
    Check(check::Args),
    /// Compare two images (typically a single-stage and a multi-stage build): deltas by
    /// category, stage, package and directory; leaks; recommendations.
    Compare(compare::Args),
    /// Explore one image interactively: layers, the file tree, categories, details.
    Tui(tui::Args),
    /// Print a completion script for a shell (bash, zsh, fish, powershell, elvish).
    Completions(shell::CompletionsArgs),
    /// Write the man pages (weigh.1 to stdout, or every page into DIR).
    Man(shell::ManArgs),
}

/// Checks a `--limit` at parse time, so a mistyped one is a usage error.
fn parse_limit(s: &str) -> Result<String, String> {
    crate::limits::Limits::default().set(s)?;
    Ok(s.to_string())
}

/// Parses, runs, and maps every outcome to an exit code. Errors print as one line.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // `weigh IMAGE`: the TUI on a terminal, the report otherwise.
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(first) = args.get(1).and_then(|a| a.to_str())
        && !first.starts_with('-')
        && !matches!(first, "inspect" | "check" | "compare" | "tui" | "completions" | "man" | "help")
    {
        use std::io::IsTerminal;
        let sub = if std::io::stdout().is_terminal() { "tui" } else { "inspect" };
        args.insert(1, sub.into());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    EXIT_INPUT
                } else {
                    EXIT_OK
                });
            }
            // clap's first paragraph is the message (it may wrap onto a second line, as for
            // missing arguments); usage and tips follow and would make it several lines.
            let rendered = e.render().to_string();
            let first: Vec<&str> =
                rendered.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let first = first.join(" ");
            let msg = first.strip_prefix("error: ").unwrap_or(&first);
            eprintln!("weigh: {} (see weigh --help)", crate::report::fmt::printable(msg));
            return ExitCode::from(EXIT_INPUT);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("weigh: {}", crate::report::fmt::printable(&msg));
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// Writes a report to stdout. A reader that stops early (`weigh inspect x | head`) is not an
/// error.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing the report"))
        }
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let password = if cli.password_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| anyhow::anyhow!("reading the password from stdin: {e}"))?;
        Some(text.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let g = options::Globals {
        quiet: cli.quiet,
        registry: crate::source::registry::RegistryOptions {
            username: cli.username.clone(),
            password,
            insecure: cli.insecure_registry.clone(),
            timeout: Some(std::time::Duration::from_secs(cli.registry_timeout.max(1))),
            deadline: Some(std::time::Duration::from_secs(cli.registry_deadline.max(1))),
            ..Default::default()
        },
        cache_dir: cli.cache_dir.clone(),
        limits: {
            let mut l = crate::limits::Limits::default();
            for spec in &cli.limit {
                l.set(spec).map_err(anyhow::Error::msg)?;
            }
            l
        },
        color: cli.color,
    };
    match cli.command {
        Command::Inspect(args) => inspect::run(args, &g),
        Command::Check(args) => check::run(args, &g),
        Command::Compare(args) => compare::run(args, &g),
        Command::Tui(args) => tui::run(args, &g),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
    }
}
