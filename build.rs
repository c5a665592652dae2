//! `weigh --version` names the commit it was built from, when it was built from a git
//! checkout; a build without one (a crate tarball, an image build without `.git`) may pass
//! it in WEIGH_COMMIT.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WEIGH_COMMIT");
    let commit = std::env::var("WEIGH_COMMIT").ok().filter(|c| !c.is_empty()).or_else(git_commit);
    let version = env!("CARGO_PKG_VERSION");
    let full = match commit {
        Some(c) => format!("{version} (commit {c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=WEIGH_VERSION={full}");
}

fn git_commit() -> Option<String> {
    let git = Path::new(".git");
    // Rebuilt when HEAD moves: HEAD (a checkout), the branches (a commit; cargo watches a
    // directory's files) and packed-refs. Only paths that exist: cargo reruns a script every
    // time for one that does not.
    for f in ["HEAD", "refs/heads", "packed-refs"] {
        if git.join(f).exists() {
            println!("cargo:rerun-if-changed=.git/{f}");
        }
    }
    let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
    let c = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !c.is_empty()).then_some(c)
}
