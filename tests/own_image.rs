//! weigh's own image: the Dockerfile at the root, built by BuildKit on distroless's cc base
//! (assembled by scripts/real-images.sh, as no registry can be reached here) with the binary
//! these tests run, checked against the committed budget: weigh keeps itself lean.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod support;
use support::engine::Dockerd;

fn images_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh"),
    )
}

fn weigh(args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("weigh")).args(args).output().unwrap()
}

/// The build context: the Dockerfile and .dockerignore as committed, and the binary (without
/// its debug sections, as the build stage's `install -s` leaves it) in bin/.
fn context(dir: &Path) -> PathBuf {
    let ctx = dir.join("context");
    std::fs::create_dir_all(ctx.join("bin")).unwrap();
    for f in ["Dockerfile", ".dockerignore"] {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(f), ctx.join(f)).unwrap();
    }
    let bin = ctx.join("bin/weigh");
    std::fs::copy(assert_cmd::cargo::cargo_bin("weigh"), &bin).unwrap();
    let out = Command::new("strip").arg(&bin).output().expect("strip (binutils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ctx
}

#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn weighs_own_image_is_built_runs_and_keeps_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let engine = Dockerd::start();
    let base = images_dir().join("distroless-cc.docker.tar");
    let out = engine.docker(&["load", "-q", "-i", base.to_str().unwrap()]);
    assert!(out.status.success(), "docker load: {}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("/usr/bin/docker")
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_BUILDKIT", "1")
        .args(["build", "--progress=plain", "--network", "none"])
        .args([
            "--build-arg",
            "BINARY=prebuilt",
            "--build-arg",
            "RUNTIME=localhost/weigh/distroless-cc:latest",
        ])
        .args(["-t", "weigh:e2e"])
        .arg(&ctx)
        .output()
        .unwrap();
    assert!(out.status.success(), "docker build: {}", String::from_utf8_lossy(&out.stderr));

    // It runs: as the non-root user, on the base's C library, reading an image it is given.
    let out = engine.docker(&["run", "--rm", "--network", "none", "weigh:e2e", "--version"]);
    assert!(out.status.success(), "docker run: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("weigh "));
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/node-multi.oci.tar");
    let mount = format!("{}:/in/app.oci.tar:ro", demo.display());
    let out = engine.docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &mount,
        "weigh:e2e",
        "inspect",
        "--format",
        "json",
        "/in/app.oci.tar",
    ]);
    assert!(out.status.success(), "weigh in its image: {}", String::from_utf8_lossy(&out.stderr));
    let inside: Value = serde_json::from_slice(&out.stdout).unwrap();
    let host: Value =
        serde_json::from_slice(&weigh(&["inspect", "--format", "json", demo.to_str().unwrap()]).stdout)
            .unwrap();
    assert_eq!(inside["totals"], host["totals"]);

    let archive = dir.path().join("weigh.docker-save.tar");
    let out = engine.docker(&["save", "-o", archive.to_str().unwrap(), "weigh:e2e"]);
    assert!(out.status.success(), "docker save: {}", String::from_utf8_lossy(&out.stderr));
    let reference = format!("docker-archive:{}", archive.display());
    let budget = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/weigh-image.toml");
    let out = weigh(&["check", &reference, "--budget", budget.to_str().unwrap(), "--format", "json"]);
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(out.status.code(), Some(0), "weigh's image breaks its budget: {verdict:#}");
    assert_eq!(verdict["pass"], true);

    // The layers are the base's and one of weigh's, attributed to the Dockerfile's stages.
    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let out =
        weigh(&["inspect", "--format", "json", "--dockerfile", dockerfile.to_str().unwrap(), &reference]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bin =
        v["files"].as_array().unwrap().iter().find(|f| f["path"] == "/usr/local/bin/weigh").unwrap().clone();
    assert_eq!(bin["category"], "app", "{bin}");
    assert_eq!(v["image"]["user"], "65532:65532");
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["severity"] != "error"), "{}", v["findings"]);
}
