//! Stages without being told: the history alone (one build above the base is the final
//! stage), and a Dockerfile found in the build context or the current directory, used only
//! when the image's history matches it.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

mod support;
use support::{inspect_json_in, layer_stages as stages, notes};

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";
const MULTI: &str = "fixtures/demo/node-multi.oci.tar";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory holding `dockerfile` as `Dockerfile`.
fn context(dockerfile: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(dockerfile), dir.path().join("Dockerfile")).unwrap();
    dir
}

#[test]
fn without_a_dockerfile_the_build_is_one_final_stage() {
    let empty = tempfile::tempdir().unwrap();
    let v = inspect_in(empty.path(), &[], SINGLE);
    let s = stages(&v);
    assert_eq!(s[0], None, "the base");
    assert!(s[1..].iter().all(|x| x.as_deref() == Some("final")), "{s:?}");
    assert!(v["layers"].as_array().unwrap()[1..].iter().all(|l| l["stage_from"] == "history"));
    let table: Vec<&str> =
        v["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(table.contains(&"final") && table.contains(&"base image"), "{table:?}");
    assert!(notes(&v).iter().any(|n| n.starts_with("stages from the history alone")), "{:?}", notes(&v));
    // The text says the same, and never `unattributed`.
    let out = Command::cargo_bin("weigh")
        .unwrap()
        .current_dir(empty.path())
        .args(["inspect"])
        .arg(root().join(SINGLE))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("unattributed") && text.contains("final"), "{text}");
}

#[test]
fn a_matching_dockerfile_in_the_context_gives_its_stages() {
    let ctx = context("fixtures/node-app/Dockerfile.multi");
    let empty = tempfile::tempdir().unwrap();
    let found = inspect_in(empty.path(), &["--context", ctx.path().to_str().unwrap()], MULTI);
    let given = inspect_in(
        empty.path(),
        &["--dockerfile", root().join("fixtures/node-app/Dockerfile.multi").to_str().unwrap()],
        MULTI,
    );
    assert_eq!(stages(&found), stages(&given));
    assert_eq!(stages(&found)[2].as_deref(), Some("prod-deps"));
    assert!(
        notes(&found).iter().any(|n| n.starts_with("stages from ") && n.contains("matches")),
        "{:?}",
        notes(&found)
    );
    // The current directory's Dockerfile, the same way.
    let here = inspect_in(ctx.path(), &[], MULTI);
    assert_eq!(stages(&here), stages(&given));
    assert!(
        notes(&here).iter().any(|n| n == "stages from ./Dockerfile: the image's history matches it"),
        "{:?}",
        notes(&here)
    );
}

#[test]
fn a_dockerfile_that_does_not_match_is_reported_not_used() {
    let ctx = context("fixtures/node-app/Dockerfile.single");
    let empty = tempfile::tempdir().unwrap();
    let v = inspect_in(empty.path(), &["--context", ctx.path().to_str().unwrap()], MULTI);
    assert!(stages(&v)[1..].iter().all(|s| s.as_deref() == Some("final")), "{:?}", stages(&v));
    let n = notes(&v);
    assert!(n.iter().any(|n| n.contains("Dockerfile is not used: the Dockerfile does not match")), "{n:?}");
    // In the current directory it may be any project's: tried, and quietly left alone.
    let v = inspect_in(ctx.path(), &[], MULTI);
    assert!(stages(&v)[1..].iter().all(|s| s.as_deref() == Some("final")));
    assert!(!notes(&v).iter().any(|n| n.contains("is not used")), "{:?}", notes(&v));
}

#[test]
fn target_and_context_need_a_dockerfile() {
    let empty = tempfile::tempdir().unwrap();
    for args in [vec!["--target", "final"], vec!["--context", empty.path().to_str().unwrap()]] {
        let out = Command::cargo_bin("weigh")
            .unwrap()
            .current_dir(empty.path())
            .arg("inspect")
            .args(&args)
            .arg(root().join(MULTI))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("Dockerfile"), "{err}");
    }
}

/// `weigh inspect --format json ARGS IMAGE` (a path in the repository) run in `cwd`.
fn inspect_in(cwd: &Path, args: &[&str], image: &str) -> Value {
    let image = root().join(image);
    let mut all = args.to_vec();
    all.push(image.to_str().unwrap());
    inspect_json_in(cwd, &all)
}

#[test]
fn layers_without_history_are_an_unknown_stage_said_once_with_why() {
    use support::{Img, Layer, file, oci_files, write_dir};
    let img = Img {
        no_history: true,
        ..Img::new(vec![
            Layer::new(vec![file("etc/os-release", 100, b'a')]),
            Layer::new(vec![file("app/server.js", 200, b'b')]),
        ])
    };
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("img");
    write_dir(&layout, &oci_files(&[("latest", &img)]));
    let empty = tempfile::tempdir().unwrap();
    let v = inspect_json_in(empty.path(), &[&format!("oci:{}", layout.display())]);
    assert_eq!(stages(&v), vec![None, None], "nothing says what made either layer");
    let unknown: Vec<String> = notes(&v).into_iter().filter(|n| n.contains("unknown stage")).collect();
    assert_eq!(unknown.len(), 1, "said once: {:?}", notes(&v));
    assert!(unknown[0].contains("layers 0, 1") && unknown[0].contains("no Dockerfile"), "{unknown:?}");
    let table: Vec<&str> =
        v["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(table, ["unknown stage"], "one row for both layers");
}
