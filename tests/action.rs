//! The GitHub Action (action.yml, scripts/action.sh) run as a runner would: GITHUB_OUTPUT and
//! GITHUB_STEP_SUMMARY files, the INPUT_* environment action.yml sets, weigh on PATH.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";
const MULTI: &str = "fixtures/demo/node-multi.oci.tar";

struct Run {
    out: Output,
    outputs: HashMap<String, String>,
    summary: String,
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("weigh").parent().unwrap().to_path_buf()
}

fn action(dir: &Path, inputs: &[(&str, &str)]) -> Run {
    let (output, summary) = (dir.join("output"), dir.join("summary.md"));
    let _ = std::fs::remove_file(&output);
    let _ = std::fs::remove_file(&summary);
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.arg("scripts/action.sh")
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase()), v);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Run { out, outputs, summary: std::fs::read_to_string(&summary).unwrap_or_default() }
}

fn content_bytes(image: &str) -> i64 {
    let out = assert_cmd::Command::cargo_bin("weigh")
        .unwrap()
        .args(["inspect", "--format", "json", image])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["totals"]["content_bytes"].as_i64().unwrap()
}

fn budget(dir: &Path, text: &str) -> String {
    let p = dir.join("weigh.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn a_passing_budget_with_a_baseline_sets_every_output_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let b = budget(dir.path(), "[budget]\ntotal = \"2GB\"\ndev-dependencies = \"0B\"\n");
    let r = action(dir.path(), &[("image", MULTI), ("baseline", SINGLE), ("budget", &b)]);
    assert_eq!(r.out.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.out.stderr));
    assert_eq!(r.outputs["pass"], "true");
    assert_eq!(r.outputs["size"], content_bytes(MULTI).to_string());
    assert_eq!(r.outputs["delta"], (content_bytes(MULTI) - content_bytes(SINGLE)).to_string());
    assert!(r.outputs["delta"].starts_with('-'), "the multi-stage image is smaller");
    assert!(r.summary.contains("weigh check: PASS"), "{}", r.summary);
    assert!(r.summary.contains("### weigh compare"), "{}", r.summary);
}

#[test]
fn a_failing_budget_annotates_and_fails_the_step_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let b = budget(dir.path(), "[budget]\ndev-dependencies = \"0B\"\n");
    let r = action(dir.path(), &[("image", SINGLE), ("budget", &b)]);
    assert_eq!(r.out.status.code(), Some(1));
    assert_eq!(r.outputs["pass"], "false");
    assert_eq!(r.outputs["size"], content_bytes(SINGLE).to_string());
    assert_eq!(r.outputs["delta"], "", "no baseline, no delta");
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("::error") && l.contains("dev-dependencies")), "{stdout}");
    assert!(r.summary.contains("weigh check: FAIL"), "{}", r.summary);
    assert!(!r.summary.contains("weigh compare"));

    let r = action(dir.path(), &[("image", SINGLE), ("budget", &b), ("fail", "false")]);
    assert_eq!(r.out.status.code(), Some(0));
    assert_eq!(r.outputs["pass"], "false");
}

#[test]
fn an_image_that_cannot_be_read_is_an_error_annotation_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let b = budget(dir.path(), "[budget]\ntotal = \"1GB\"\n");
    let missing = dir.path().join("missing.tar");
    let r = action(dir.path(), &[("image", missing.to_str().unwrap()), ("budget", &b)]);
    assert_eq!(r.out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(stdout.contains("::error title=weigh::weigh check could not check"), "{stdout}");
    assert!(r.outputs.is_empty());
}

/// action.yml hands every input to the script as INPUT_NAME, the script reads each one, and
/// every output is one the script writes.
#[test]
fn action_yml_wires_inputs_and_outputs_to_the_script() {
    let yml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string("action.yml").unwrap()).unwrap();
    assert_eq!(yml["runs"]["using"].as_str(), Some("composite"));
    let step = &yml["runs"]["steps"][0];
    let id = step["id"].as_str().unwrap();
    assert!(step["run"].as_str().unwrap().contains("$GITHUB_ACTION_PATH/scripts/action.sh"));
    let script = std::fs::read_to_string("scripts/action.sh").unwrap();
    let inputs = yml["inputs"].as_mapping().unwrap();
    assert!(yml["inputs"]["image"]["required"].as_bool().unwrap());
    for (name, _) in inputs {
        let name = name.as_str().unwrap();
        let var = format!("INPUT_{}", name.to_uppercase());
        assert_eq!(
            step["env"][var.as_str()].as_str(),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{var}"
        );
        assert!(script.contains(&var), "the script never reads {var}");
    }
    for (name, o) in yml["outputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(o["value"].as_str(), Some(format!("${{{{ steps.{id}.outputs.{name} }}}}").as_str()));
        assert!(script.contains(&format!("echo \"{name}=")), "the script never writes {name}");
    }
}
