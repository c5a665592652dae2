//! `weigh inspect --format markdown`: a pull-request comment. The summary comes first, the
//! details fold, the numbers are the JSON report's, and the `--max-bytes` cut leaves out whole
//! sections and names them.

use std::process::Command;

use serde_json::Value;

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";

fn weigh(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("weigh").unwrap().arg("-q").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().si().to_string()
}

#[test]
fn summary_first_details_folded_numbers_from_the_analysis() {
    let md = weigh(&["inspect", "--format", "markdown", SINGLE]);
    let v: Value = serde_json::from_str(&weigh(&["inspect", "--format", "json", SINGLE])).unwrap();
    assert!(md.starts_with("### weigh inspect: `fixtures/demo/node-single.oci.tar`"), "{md}");
    let first_fold = md.find("<details>").expect("details are folded");
    let summary = &md[..first_fold];
    assert!(
        summary
            .contains(&format!("**{}** uncompressed", size(v["totals"]["content_bytes"].as_u64().unwrap())))
    );
    // Every non-empty category is a row of the summary with the analysis' bytes.
    for c in v["categories"].as_array().unwrap().iter().filter(|c| c["files"].as_u64().unwrap() > 0) {
        let row = format!("| {} | {} |", c["category"].as_str().unwrap(), size(c["bytes"].as_u64().unwrap()));
        assert!(summary.contains(&row), "{row} not in the summary");
    }
    assert!(summary.contains("Findings:"));
    for fold in ["Layers (7)", "Stages", "Largest packages", "Largest files", "Waste: ", "Duplicates: "] {
        assert!(md.contains(&format!("<summary>{fold}")), "{fold}");
    }
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    assert!(md.len() <= 60_000);
    assert!(!md.contains("Left out"));
}

#[test]
fn max_bytes_leaves_out_whole_sections_and_names_them() {
    let full = weigh(&["inspect", "--format", "markdown", SINGLE]);
    for max in [4000usize, 2500, 1500] {
        let md = weigh(&["inspect", "--format", "markdown", "--max-bytes", &max.to_string(), SINGLE]);
        assert!(md.len() <= max, "{} > {max}", md.len());
        let note = md.lines().last().unwrap();
        assert!(note.starts_with(&format!("_Left out to stay within {max} bytes")), "{note}");
        // What is kept is the full report's beginning, section for section.
        let kept = &md[..md.rfind("\n_Left out").unwrap()];
        assert!(full.starts_with(kept.trim_end()), "kept sections are cut, not whole");
        let names = note.split_once("`--max-bytes`): ").unwrap().1.trim_end_matches("._");
        for name in names.split(", ") {
            assert!(full.contains(&format!("<summary>{name}</summary>")), "{name}");
            assert!(!md.contains(&format!("<summary>{name}</summary>")), "{name} is still there");
        }
    }
}

#[test]
fn layers_only_refuses_the_page_formats() {
    for format in ["markdown", "html"] {
        let out = assert_cmd::Command::cargo_bin("weigh")
            .unwrap()
            .args(["inspect", "--layers-only", "--format", format, SINGLE])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--layers-only writes text or JSON"));
    }
}

/// The real single-stage image (31,000 files, 30 packages' worth of tables) stays under
/// GitHub's comment limit, with every section in.
#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn the_real_single_stage_report_fits_a_github_comment() {
    let dir = std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh");
    for name in ["node-single-buildkit", "py-single-buildah"] {
        let archive = std::path::Path::new(&dir).join(format!("{name}.docker.tar"));
        let out = Command::new(assert_cmd::cargo::cargo_bin("weigh"))
            .args(["-q", "inspect", "--format", "markdown", "--top", "25"])
            .arg(&archive)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let md = String::from_utf8(out.stdout).unwrap();
        assert!(md.chars().count() < 65_536, "{name}: {} characters", md.chars().count());
        assert!(!md.contains("Left out"), "{name}: a section was left out at the default --max-bytes");
        assert!(md.contains("<summary>Largest packages"), "{name}");
    }
}
