//! End-to-end tier: `weigh compare` of the real single-stage and multi-stage node images each
//! builder makes, held against each image inspected on its own.
//!
//! Run through scripts/test.sh, which builds the images and sets WEIGH_REAL_IMAGES.

use std::path::Path;

use serde_json::Value;

mod support;
use support::inspect_json_in;
use support::real::images_dir;

fn weigh_json(reference: &str) -> Value {
    inspect_json_in(Path::new(env!("CARGO_MANIFEST_DIR")), &["--top", "5", reference])
}

fn weigh_compare(args: &[&str]) -> Value {
    support::json_in(Path::new(env!("CARGO_MANIFEST_DIR")), "compare", args)
}

/// single → multi on the real node images: the deltas add up to the difference of the two
/// images' sizes (each measured on its own), the largest savings are the toolchain and the
/// devDependencies, and the multi-stage image leaks nothing. A deliberately leaky multi-stage
/// build (the final stage copies the build stage's node_modules) is caught with its bytes.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn compare_single_and_multi_stage_builds() {
    let dir = images_dir();
    let path = |n: &str| dir.join(format!("{n}.oci")).display().to_string();
    for builder in ["buildah", "buildkit"] {
        let (single, multi) =
            (path(&format!("node-single-{builder}")), path(&format!("node-multi-{builder}")));
        let v = weigh_compare(&[
            "--before-dockerfile",
            "fixtures/node-app/Dockerfile.single",
            "--after-dockerfile",
            "fixtures/node-app/Dockerfile.multi",
            &single,
            &multi,
        ]);
        let size = |r: &str| weigh_json(r)["totals"]["content_bytes"].as_i64().unwrap();
        let total = v["total"]["delta"].as_i64().unwrap();
        assert_eq!(total, size(&multi) - size(&single), "{builder}");
        let cats = v["categories"].as_array().unwrap();
        assert_eq!(cats.iter().map(|c| c["delta"].as_i64().unwrap()).sum::<i64>(), total, "{builder}");
        let top: Vec<&str> = cats.iter().take(3).map(|c| c["name"].as_str().unwrap()).collect();
        for c in ["toolchain", "dev-dependencies"] {
            assert!(top.contains(&c), "{builder}: {top:?}");
            let row = cats.iter().find(|r| r["name"] == c).unwrap();
            assert!(row["delta"].as_i64().unwrap() < -50_000_000, "{builder}: {row}");
            assert_eq!(row["after"], 0, "{builder}: {row}");
        }
        assert_eq!(v["leaks"].as_array().unwrap().len(), 0, "{builder}: {}", v["leaks"]);
        // With the Dockerfiles, the stages that made it into the multi-stage image.
        let stages: Vec<&str> = v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["after"].as_u64() > Some(0))
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        for s in ["prod-deps", "build", "base image"] {
            assert!(stages.contains(&s), "{builder}: {stages:?}");
        }
    }
    let leaky = path("node-leaky-buildkit");
    let v = weigh_compare(&[&path("node-multi-buildkit"), &leaky]);
    let leaks = v["leaks"].as_array().unwrap();
    let dev = leaks
        .iter()
        .find(|l| l["category"] == "dev-dependencies")
        .expect("the leaky build's devDependencies");
    let inspected = weigh_json(&leaky)["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "dev-dependencies")
        .unwrap()["bytes"]
        .clone();
    assert_eq!(dev["bytes"], inspected);
    assert!(dev["bytes"].as_u64().unwrap() > 50_000_000, "{dev}");
    assert!(dev["top"][0]["name"].as_str().unwrap().starts_with("npm typescript"), "{dev}");
    let recs: Vec<&str> =
        v["recommendations"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(recs[0].contains("npm ci --omit=dev"), "{recs:?}");
}
