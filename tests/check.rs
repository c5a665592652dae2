//! `weigh check`: budgets, exit codes and the CI report formats, on the committed demo images.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";
const MULTI: &str = "fixtures/demo/node-multi.oci.tar";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `weigh -q check ARGS` in `dir`; (exit code, stdout, stderr).
fn check_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("weigh").unwrap();
    cmd.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .arg("-q")
        .arg("check");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn image(p: &str) -> String {
    root().join(p).display().to_string()
}

fn with_budget(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("weigh.toml"), text).unwrap();
    dir
}

const PROD_BUDGET: &str = "[budget]\ndev-dependencies = \"0B\"\ntoolchain = \"0B\"\n";

#[test]
fn single_stage_fails_the_production_budget_and_names_what_to_remove() {
    let dir = with_budget(PROD_BUDGET);
    let (code, out, err) = check_in(dir.path(), &[&image(SINGLE)], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    assert!(out.contains("FAIL  dev-dependencies ≤ 0 B"), "{out}");
    assert!(out.contains("FAIL  toolchain ≤ 0 B"), "{out}");
    // The largest dev package and the largest toolchain package are named.
    assert!(out.contains("npm typescript 5.9.3"), "{out}");
    assert!(out.contains("deb gcc-12 12.2.0"), "{out}");
    assert!(out.contains("FAIL: 0 of 2 rules passed, 2 failed"), "{out}");
}

#[test]
fn multi_stage_passes_the_production_budget() {
    let dir = with_budget(PROD_BUDGET);
    let (code, out, err) = check_in(dir.path(), &[&image(MULTI)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS: 2 of 2 rules passed"), "{out}");
}

#[test]
fn every_kind_of_limit() {
    let dir = with_budget(
        "[budget]\ntotal = \"2GB\"\ncompressed = 1\nlargest-layer = \"1GiB\"\nlayers = 6\nwaste = 0\nefficiency = 0.5\n\
         deny = [\"**/.git\", \"/app/src\"]\n\n[budget.stages]\n\"base image\" = \"300MB\"\n[budget.paths]\n\"/app/dist/**/*.map\" = \"0B\"\n",
    );
    let (code, out, _) = check_in(dir.path(), &["--format", "json", &image(SINGLE)], &[]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let result = |id: &str| v["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(result("total")["pass"], true);
    assert_eq!(result("compressed")["pass"], false);
    assert_eq!(result("largest-layer")["pass"], true);
    assert_eq!(result("layers")["pass"], false);
    assert_eq!(result("layers")["measured_value"], 7.0);
    assert_eq!(result("waste")["pass"], false);
    assert_eq!(result("efficiency")["pass"], true);
    let deny = result("deny");
    assert_eq!(deny["pass"], false);
    assert_eq!(deny["contributors"][0]["name"], "/app/src", "{deny}");
    assert_eq!(result("stage.base image")["pass"], true);
    let maps = result("paths./app/dist/**/*.map");
    assert_eq!(maps["pass"], false);
    assert!(
        maps["contributors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"].as_str().unwrap().ends_with(".map"))
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(4), Some(5)));
}

#[test]
fn growth_against_a_baseline() {
    let dir = with_budget("[budget]\ngrowth = \"10MB\"\ngrowth-percent = 5\n");
    let (code, out, _) = check_in(dir.path(), &["--baseline", &image(MULTI), &image(SINGLE)], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("growth against the baseline"), "{out}");
    assert!(out.contains("dev-dependencies"), "the growth names the categories that grew: {out}");
    let (code, out, _) = check_in(dir.path(), &["--baseline", &image(SINGLE), &image(MULTI)], &[]);
    assert_eq!(code, 0, "shrinking is fine: {out}");
    // Without a baseline the budget cannot be checked: a usage error.
    let (code, _, err) = check_in(dir.path(), &[&image(MULTI)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a baseline image"), "{err}");
}

#[test]
fn malformed_budgets_exit_2_naming_the_line() {
    for (text, want) in [
        ("[budget]\ntotal = \"350MB\"\ntotal-size = \"1GB\"\n", "weigh.toml:3: unknown key \"total-size\""),
        ("[budget]\n\ncompressed = \"big\"\n", "weigh.toml:3: compressed: \"big\" is not a size"),
        ("[budget.categories]\ntoolchain = \"0B\"\ndev = \"0B\"\n", "weigh.toml:3: unknown category \"dev\""),
        ("[budget]\ntotal = [\n", "weigh.toml:"),
    ] {
        let dir = with_budget(text);
        let (code, out, err) = check_in(dir.path(), &[&image(MULTI)], &[]);
        assert_eq!(code, 2, "{text}: {out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{text}: {err}");
    }
    // No budget at all, and a budget file without [budget].
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = check_in(empty.path(), &[&image(MULTI)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no budget"), "{err}");
    let dir = with_budget("[classify.paths]\n");
    let (code, _, err) = check_in(dir.path(), &["--budget", "weigh.toml", &image(MULTI)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no [budget] table"), "{err}");
    // A bad image is an input error, not a failed check.
    let dir = with_budget(PROD_BUDGET);
    let (code, _, err) = check_in(dir.path(), &["no-such-image.tar"], &[]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn init_writes_a_starter_budget_that_the_image_meets_where_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = check_in(dir.path(), &["--init", &image(MULTI)], &[]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(dir.path().join("weigh.toml")).unwrap();
    assert!(text.contains("dev-dependencies = \"0B\"") && text.contains("toolchain = \"0B\""), "{text}");
    assert!(text.contains("findings-severity = \"error\""), "{text}");
    // A second --init does not overwrite it.
    let (code, _, err) = check_in(dir.path(), &["--init", &image(MULTI)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("already has a [budget]"), "{err}");
    // The sizes have headroom: the image passes them; only carried leak categories fail.
    let (_, out, _) = check_in(dir.path(), &["--format", "json", &image(MULTI)], &[]);
    let v: Value = serde_json::from_str(&out).unwrap();
    for r in v["rules"].as_array().unwrap() {
        if !r["id"].as_str().unwrap().starts_with("category.") {
            assert_eq!(r["pass"], true, "{r}");
        }
    }
}

#[test]
fn dive_ci_rules_are_read_when_there_is_no_weigh_budget() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 1KB\n  highestUserWastedPercent: disabled\n",
    )
    .unwrap();
    let (code, out, _) = check_in(dir.path(), &[&image(SINGLE)], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(".dive-ci (dive's CI rules)"), "{out}");
    assert!(out.contains("pass  dive efficiency ≥ 0.95"), "{out}");
    assert!(out.contains("FAIL  dive wasted bytes ≤ 1.0 kB"), "{out}");
    assert!(out.contains("weigh counts only the hidden copies"), "{out}");
    assert!(!out.contains("UserWasted"), "disabled rules are skipped: {out}");
}

#[test]
fn github_actions_get_workflow_commands_and_a_step_summary() {
    let dir = with_budget(PROD_BUDGET);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let (code, out, _) = check_in(
        dir.path(),
        &[&image(SINGLE)],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(code, 1);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 2, "{out}");
    assert!(
        errors[0].starts_with("::error file=weigh.toml,line=2,title=weigh%3A category.dev-dependencies::"),
        "{}",
        errors[0]
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("# earlier step\n"), "appended, not replaced");
    assert!(md.contains("<details><summary>❌ dev-dependencies ≤ 0 B"), "{md}");
}

#[test]
fn several_formats_at_once() {
    let dir = with_budget(PROD_BUDGET);
    let (code, out, _) = check_in(
        dir.path(),
        &[
            "--format",
            "markdown",
            "--output",
            "junit=r.xml",
            "--output",
            "sarif=r.sarif",
            "--output",
            "json=r.json",
            &image(SINGLE),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("### ❌ weigh check: FAIL"), "{out}");
    let junit = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 2);
    assert_eq!(junit.matches("<failure ").count(), 2);
    let sarif: Value = serde_json::from_slice(&std::fs::read(dir.path().join("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let uris: Vec<&str> = results[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"app/node_modules/typescript"), "{uris:?}");
    let json: Value = serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["pass"], false);
    let (code, _, err) = check_in(dir.path(), &["--output", "yaml=x", &image(SINGLE)], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format \"yaml\""), "{err}");
}

/// The SARIF and JUnit files are valid against the published schemas (tests/data/schemas):
/// SARIF by Python's jsonschema, JUnit by xmllint (Debian's libxml2-utils), the tools
/// scripts/test.sh installs and runs this with.
#[test]
#[ignore = "needs xmllint and Python's jsonschema: run scripts/test.sh"]
fn sarif_and_junit_validate_against_their_schemas() {
    let dir = with_budget(
        "[budget]\ndev-dependencies = \"0B\"\ntotal = \"5GB\"\ndeny = [\"**/.git\", \"/app/src\"]\n",
    );
    let (code, _, _) =
        check_in(dir.path(), &["--output", "junit=r.xml", "--output", "sarif=r.sarif", &image(SINGLE)], &[]);
    assert_eq!(code, 1);
    let schemas = root().join("tests/data/schemas");
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))\n\
        errors = [f'{e.message} at {list(e.absolute_path)}' for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(doc)]\n\
        print('\\n'.join(errors)); sys.exit(1 if errors else 0)\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(schemas.join("sarif-schema-2.1.0.json"))
        .arg(dir.path().join("r.sarif"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schemas.join("junit.xsd"))
        .arg(dir.path().join("r.xml"))
        .output()
        .expect("xmllint (Debian's libxml2-utils; scripts/test.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
