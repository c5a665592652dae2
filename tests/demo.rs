//! The committed demo images: the README's first command, and snapshots of what it prints.

use assert_cmd::Command;
use serde_json::Value;

fn inspect(args: &[&str]) -> String {
    let out = Command::cargo_bin("weigh").unwrap().arg("inspect").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_report_of_the_single_stage_demo() {
    insta::assert_snapshot!(inspect(&["fixtures/demo/node-single.oci.tar", "--top", "8"]));
}

#[test]
fn text_report_of_the_multi_stage_demo() {
    insta::assert_snapshot!(inspect(&["fixtures/demo/node-multi.oci.tar", "--top", "8"]));
}

#[test]
fn json_report_is_consistent() {
    let v: Value =
        serde_json::from_str(&inspect(&["--format", "json", "fixtures/demo/node-single.oci.tar"])).unwrap();
    assert_eq!(v["schema_version"], 3);
    let t = &v["totals"];
    let content = t["content_bytes"].as_u64().unwrap();
    let written = t["written_bytes"].as_u64().unwrap();
    assert_eq!(t["waste_bytes"].as_u64().unwrap(), written - content);
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.iter().map(|l| l["size"].as_u64().unwrap()).sum::<u64>(), written);
    assert_eq!(layers.iter().map(|l| l["final_bytes"].as_u64().unwrap()).sum::<u64>(), content);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len() as u64, t["files"].as_u64().unwrap());
    assert_eq!(files.iter().map(|f| f["size"].as_u64().unwrap()).sum::<u64>(), content);
    assert!(files.windows(2).all(|w| w[0]["path"].as_str() < w[1]["path"].as_str()), "sorted, unique paths");
    assert_eq!(v["largest_files"].as_array().unwrap().len(), 10);
    // Categories: one per file, adding up to the image; their totals agree with the files.
    let cats = v["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 11);
    assert_eq!(cats.iter().map(|c| c["bytes"].as_u64().unwrap()).sum::<u64>(), content);
    for c in cats {
        let of_files: u64 = files
            .iter()
            .filter(|f| f["category"] == c["category"])
            .map(|f| f["size"].as_u64().unwrap())
            .sum();
        assert_eq!(of_files, c["bytes"].as_u64().unwrap(), "{}", c["category"]);
    }
    assert_eq!(
        v["stages"].as_array().unwrap().iter().map(|s| s["bytes"].as_u64().unwrap()).sum::<u64>(),
        content
    );
    let ids: std::collections::HashSet<&str> =
        v["packages"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    for f in files {
        assert!(f["reason"].as_str().is_some_and(|r| !r.is_empty()), "{}", f["path"]);
        if let Some(p) = f["package"].as_str() {
            assert!(ids.contains(p), "{p}");
        }
    }
    // The single-stage image carries what a multi-stage build leaves behind.
    for p in [
        "/app/node_modules/typescript/package.json",
        "/usr/bin/x86_64-linux-gnu-g++-12",
        "/app/src/server.ts",
    ] {
        assert!(files.iter().any(|f| f["path"] == p), "{p}");
    }
}

#[test]
fn shared_base_layer_is_identical_in_both_demos() {
    let s: Value =
        serde_json::from_str(&inspect(&["--format", "json", "fixtures/demo/node-single.oci.tar"])).unwrap();
    let m: Value =
        serde_json::from_str(&inspect(&["--format", "json", "fixtures/demo/node-multi.oci.tar"])).unwrap();
    assert_eq!(s["layers"][0]["diff_id"], m["layers"][0]["diff_id"]);
    assert!(m["totals"]["content_bytes"].as_u64() < s["totals"]["content_bytes"].as_u64());
}

#[test]
fn multi_stage_demo_is_attributed_to_its_stages() {
    let v: Value = serde_json::from_str(&inspect(&[
        "--format",
        "json",
        "--dockerfile",
        "fixtures/node-app/Dockerfile.multi",
        "fixtures/demo/node-multi.oci.tar",
    ]))
    .unwrap();
    let layers = v["layers"].as_array().unwrap();
    let stages: Vec<Option<&str>> = layers.iter().map(|l| l["stage"].as_str()).collect();
    assert_eq!(stages, [None, Some("base"), Some("prod-deps"), Some("build"), Some("final")]);
    assert_eq!(layers[0]["base_image"], true);
    assert_eq!(layers[2]["instruction"], "COPY");
}

#[test]
fn a_dockerfile_that_does_not_match_is_refused() {
    let out = Command::cargo_bin("weigh")
        .unwrap()
        .args([
            "inspect",
            "--dockerfile",
            "fixtures/node-app/Dockerfile.multi",
            "fixtures/demo/node-single.oci.tar",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("does not match") && stderr.lines().count() == 1, "{stderr}");
}

/// What a spinner shows: each phase once, in order, and the end once, after classifying.
#[test]
fn progress_hears_every_phase_in_order() {
    use std::sync::Mutex;
    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);
    impl weigh::index::Progress for Heard {
        fn phase(&self, name: &'static str) {
            self.0.lock().unwrap().push(name.to_string());
        }
        fn finished(&self) {
            self.0.lock().unwrap().push("finished".into());
        }
    }
    let heard = Heard::default();
    weigh::analyze("fixtures/demo/node-multi.oci.tar", &weigh::Options::default(), &heard).unwrap();
    let got = heard.0.into_inner().unwrap();
    let want = ["reading layers", "merging layers", "classifying", "finished"];
    // Hashing comes between merging and classifying when a layer's hashes were deferred.
    let got: Vec<&str> =
        got.iter().map(String::as_str).filter(|p| *p != "hashing possible duplicates").collect();
    assert_eq!(got, want);
    let heard = Heard::default();
    assert!(weigh::analyze("fixtures/demo/missing.oci.tar", &weigh::Options::default(), &heard).is_err());
    assert!(heard.0.into_inner().unwrap().iter().filter(|p| *p == "finished").count() <= 1);
}
