//! `weigh compare`: the single-stage and multi-stage demo images, in every format.

use assert_cmd::Command;
use serde_json::Value;

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";
const MULTI: &str = "fixtures/demo/node-multi.oci.tar";

fn compare(args: &[&str]) -> String {
    let out = Command::cargo_bin("weigh")
        .unwrap()
        .args(["-q", "compare"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&compare(&a)).unwrap()
}

#[test]
fn text_report() {
    insta::assert_snapshot!(compare(&[SINGLE, MULTI]));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(compare(&["--format", "markdown", SINGLE, MULTI]));
}

#[test]
fn json_report() {
    let v = json(&[SINGLE, MULTI]);
    // The tool version changes; the rest is the demo's.
    insta::assert_json_snapshot!(v, {".tool.version" => "[version]"});
}

#[test]
fn deltas_add_up() {
    let v = json(&[SINGLE, MULTI]);
    let total = &v["total"];
    let (before, after) = (total["before"].as_i64().unwrap(), total["after"].as_i64().unwrap());
    assert_eq!(total["delta"].as_i64().unwrap(), after - before);
    assert_eq!(v["before"]["content_bytes"].as_i64().unwrap(), before);
    assert_eq!(v["after"]["content_bytes"].as_i64().unwrap(), after);
    let cats = v["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 11);
    assert_eq!(cats.iter().map(|c| c["delta"].as_i64().unwrap()).sum::<i64>(), after - before);
    let comp = &v["compressed"];
    let cc = v["categories_compressed"].as_array().unwrap();
    assert_eq!(cc.iter().map(|c| c["delta"].as_i64().unwrap()).sum::<i64>(), comp["delta"].as_i64().unwrap());
    assert_eq!(cc.iter().map(|c| c["after"].as_i64().unwrap()).sum::<i64>(), comp["after"].as_i64().unwrap());
    // The headline: the largest savings are the toolchain, caches and devDependencies.
    let names: Vec<&str> = cats.iter().take(3).map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["toolchain", "cache", "dev-dependencies"]);
    // The base image layer is shared.
    assert_eq!(v["base"]["common_prefix"], 1);
    // The multi-stage image carries no dev-dependencies, toolchain, sources, caches or vcs data.
    assert_eq!(v["leaks"].as_array().unwrap().len(), 0, "{}", v["leaks"]);
    assert_eq!(v["recommendations"].as_array().unwrap().len(), 0, "{}", v["recommendations"]);
    // Packages removed by the multi-stage build.
    let typescript = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "typescript" && p["ecosystem"] == "npm")
        .unwrap();
    assert_eq!(typescript["change"], "removed");
    assert!(typescript["delta"].as_i64().unwrap() < -20_000_000);
}

#[test]
fn swapped_images_report_the_leaks_and_recommendations() {
    // Compared the other way round, AFTER is the single-stage image and carries it all.
    let v = json(&[MULTI, SINGLE]);
    let leak = |c: &str| {
        v["leaks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["category"] == c)
            .unwrap_or_else(|| panic!("{c}"))
            .clone()
    };
    assert!(leak("dev-dependencies")["bytes"].as_u64().unwrap() > 60_000_000);
    assert!(
        leak("toolchain")["top"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"].as_str().unwrap().starts_with("deb gcc-12"))
    );
    let recs: Vec<&str> =
        v["recommendations"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(recs.iter().any(|r| r.contains("npm ci --omit=dev")), "{recs:?}");
    assert!(recs.iter().any(|r| r.contains("build stage")), "{recs:?}");
    assert!(recs.iter().any(|r| r.contains("rm -rf /var/lib/apt/lists")), "{recs:?}");
    assert!(recs.iter().any(|r| r.contains("npm cache clean")), "{recs:?}");
    assert!(recs.iter().any(|r| r.contains("non-root")), "{recs:?}");
    // Each saving is what the image holds of it.
    let dev = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"].as_str().unwrap().contains("--omit=dev"))
        .unwrap();
    assert_eq!(dev["saves"], leak("dev-dependencies")["bytes"]);
}

#[test]
fn leak_categories_are_configurable() {
    let v = json(&["--leaks", "docs,runtime", SINGLE, MULTI]);
    let leaks: Vec<&str> =
        v["leaks"].as_array().unwrap().iter().map(|l| l["category"].as_str().unwrap()).collect();
    assert_eq!(leaks, ["docs", "runtime"]);
    let out = Command::cargo_bin("weigh")
        .unwrap()
        .args(["compare", "--leaks", "junk", SINGLE, MULTI])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown category"));
}

#[test]
fn html_is_one_self_contained_file() {
    let html = compare(&["--format", "html", SINGLE, MULTI]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // No fetches: no external scripts, styles, images or fonts.
    for bad in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(bad), "{bad}");
    }
    assert!(html.contains("id=\"weigh-data\"") && html.contains("id=\"treemap\""));
}

#[test]
fn an_image_compared_with_itself_has_no_changes() {
    let v = json(&[MULTI, MULTI]);
    assert_eq!(v["total"]["delta"], 0);
    assert!(v["categories"].as_array().unwrap().iter().all(|c| c["delta"] == 0));
    for k in ["packages", "directories", "only_before", "only_after"] {
        assert_eq!(v[k].as_array().unwrap().len(), 0, "{k}");
    }
    assert_eq!(v["base"]["common_prefix"], v["after"]["layers"]);
    assert_eq!(v["base"]["after_share"], 1.0);
}

#[test]
fn compare_errors_are_one_line_exit_2() {
    for args in [
        vec!["compare", SINGLE],
        vec!["compare", SINGLE, "missing.tar"],
        vec!["compare", "--format", "pdf", SINGLE, MULTI],
    ] {
        let out = Command::cargo_bin("weigh").unwrap().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = Command::cargo_bin("weigh").unwrap();
        cmd.args(["-q"]).args(args).args(["compare", SINGLE, MULTI]);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().contains('\u{1b}')
    };
    assert!(run(&["--color", "always"], true), "always colours, even with NO_COLOR and a pipe");
    assert!(!run(&["--color", "never"], false));
    assert!(!run(&[], false), "auto: not on a pipe");
    assert!(!run(&["--color", "auto"], true));
    let out = Command::cargo_bin("weigh")
        .unwrap()
        .args(["--color", "sometimes", "compare", SINGLE, MULTI])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
