//! Completion scripts and man pages load in the programs that use them.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn weigh(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("weigh").unwrap().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn script(shell: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("weigh.{shell}"));
    std::fs::write(&path, weigh(&["completions", shell])).unwrap();
    (dir, path)
}

/// Runs what bash runs on Tab: the completion function `complete -p weigh` names, with the
/// words of the line so far, and prints what it offers.
fn bash_offers(script: &std::path::Path, line: &[&str]) -> Vec<String> {
    let words = line.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ");
    let program = format!(
        r#"source '{}'
spec=$(complete -p weigh) || exit 3
fn=$(sed -n 's/.*-F \([^ ]*\).*/\1/p' <<<"$spec")
COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
"$fn" weigh "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script.display()
    );
    let out = Command::new("bash").arg("-c").arg(program).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let (_dir, path) = script("bash");
    assert_eq!(bash_offers(&path, &["weigh", "ins"]), ["inspect"]);
    let flags = bash_offers(&path, &["weigh", "inspect", "--form"]);
    assert_eq!(flags, ["--format"]);
    let formats = bash_offers(&path, &["weigh", "inspect", "--format", ""]);
    for f in ["text", "json", "html", "markdown"] {
        assert!(formats.iter().any(|x| x == f), "{f} not in {formats:?}");
    }
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let text = String::from_utf8(weigh(&["completions", shell])).unwrap();
        assert!(text.contains("inspect") && text.contains("compare"), "{shell}");
    }
    let out = Command::cargo_bin("weigh").unwrap().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn parses(program: &str, args: &[&str], shell: &str) {
    let (_dir, path) = script(shell);
    let out = Command::new(program)
        .args(args)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{program} ({e}): scripts/test.sh installs it"));
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "needs zsh: run scripts/test.sh"]
fn zsh_parses_its_script() {
    parses("zsh", &["-n"], "zsh");
}

#[test]
#[ignore = "needs fish: run scripts/test.sh"]
fn fish_parses_its_script() {
    parses("fish", &["--no-execute"], "fish");
}

#[test]
fn man_pages_are_written_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    weigh(&["man", dir.path().to_str().unwrap()]);
    for page in ["weigh.1", "weigh-inspect.1", "weigh-compare.1", "weigh-check.1", "weigh-tui.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page} is not roff");
    }
    let stdout = String::from_utf8(weigh(&["man"])).unwrap();
    assert!(stdout.contains(".TH weigh 1"), "{}", &stdout[..200.min(stdout.len())]);
}

#[test]
#[ignore = "needs man-db: run scripts/test.sh"]
fn man_renders_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    weigh(&["man", dir.path().to_str().unwrap()]);
    let out = Command::new("man")
        .arg("-l")
        .arg(dir.path().join("weigh-inspect.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (man-db)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("weigh-inspect") && text.contains("--platform"), "{text}");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let v = String::from_utf8(weigh(&["--version"])).unwrap();
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string());
    let want = match (option_env!("WEIGH_COMMIT").filter(|c| !c.is_empty()), head) {
        (Some(c), _) => format!("weigh {} (commit {c})", env!("CARGO_PKG_VERSION")),
        (None, Some(c)) => format!("weigh {} (commit {c})", env!("CARGO_PKG_VERSION")),
        (None, None) => format!("weigh {}", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(v.trim(), want);
}
