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

/// The charts really draw: the page is rendered in headless Chromium and the DOM after its
/// script ran holds the bars and the treemap. Needs Debian's `chromium` (scripts/test.sh
/// installs it).
#[test]
#[ignore = "needs chromium: run scripts/test.sh"]
fn html_charts_draw_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    compare(&["--format", "html", "--output", file.to_str().unwrap(), SINGLE, MULTI]);
    let profile = dir.path().join("profile");
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium (Debian's chromium package)");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-drawn=\"yes\""),
        "the script did not finish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let section = |id: &str| {
        let start = dom.find(&format!("id=\"{id}\"")).unwrap();
        let end = dom[start..].find("</svg>").unwrap() + start;
        dom[start..end].to_string()
    };
    let bars = section("bars");
    assert!(bars.matches("<rect").count() >= 8, "{bars}");
    for c in ["toolchain", "dev-dependencies", "runtime"] {
        assert!(bars.contains(&format!("data-category=\"{c}\"")), "{c}");
    }
    let treemap = section("treemap");
    assert!(treemap.matches("<rect").count() >= 20, "{}", treemap.len());
    assert!(treemap.contains("data-category=\"toolchain\""));
    // And a screenshot is not blank: the PNG of a drawn page is far larger than a blank one.
    let png = dir.path().join("shot.png");
    let status = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 40_000, "screenshot of {size} bytes looks blank");
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
