//! For the end-to-end tier: where scripts/test.sh put the real images, and running the tools
//! whose output weigh's is held against.

use std::path::PathBuf;
use std::process::Command;

pub fn images_dir() -> PathBuf {
    let dir = std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh");
    let dir = PathBuf::from(dir);
    assert!(dir.is_dir(), "{} is not a directory", dir.display());
    dir
}

/// Runs `cmd`, which must succeed; its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
