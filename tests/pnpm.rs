//! End-to-end tier for a pnpm monorepo (fixtures/pnpm-workspace: a shared library and two
//! apps), built by BuildKit as scripts/real-images.sh does: one Dockerfile in the pnpm docs'
//! pattern with a target per app (the store in a cache mount), the naive single stage, and
//! `pnpm deploy`. Held against what pnpm itself wrote: the lockfile's importers and the
//! files the images hold.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pnpm-workspace");

fn layout(name: &str) -> String {
    let dir = std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh");
    PathBuf::from(dir).join(format!("pnpm-{name}-buildkit.oci")).display().to_string()
}

/// weigh's JSON, run where no Dockerfile is (so only what the flags give is used).
fn weigh(args: &[&str]) -> Value {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
        .current_dir(empty.path())
        .arg("-q")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "weigh {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inspect(name: &str, extra: &[&str]) -> Value {
    let image = layout(name);
    let mut args = vec!["inspect", "--format", "json", image.as_str()];
    args.extend_from_slice(extra);
    weigh(&args)
}

fn dockerfile(name: &str) -> String {
    Path::new(WORKSPACE).join(name).display().to_string()
}

fn stages(v: &Value) -> Vec<String> {
    v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["stage"].as_str().unwrap_or("base image").to_string())
        .collect()
}

fn category(v: &Value, name: &str) -> u64 {
    v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == name)
        .map_or(0, |c| c["bytes"].as_u64().unwrap())
}

fn packages(v: &Value) -> &Vec<Value> {
    v["packages"].as_array().unwrap()
}

fn package<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    packages(v).iter().find(|p| p["ecosystem"] == "npm" && p["name"] == name)
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn each_app_has_its_layers_under_common_prod_deps_and_build() {
    for app in ["api", "web"] {
        let given = inspect(app, &["--dockerfile", &dockerfile("Dockerfile"), "--target", app]);
        let s = stages(&given);
        let set: BTreeSet<&str> = s.iter().map(String::as_str).collect();
        for want in ["common", "prod-deps", "build", "base"] {
            assert!(set.contains(want), "{app}: {s:?}");
        }
        // The layers the prod-deps stage made hold the node_modules; the build's the dist.
        let layers = given["layers"].as_array().unwrap();
        let by = |stage: &str| layers.iter().filter(|l| l["stage"] == stage).count();
        assert_eq!(by("prod-deps"), 3, "{app}: root, shared and the app's node_modules");
        assert_eq!(by("build"), 2, "{app}: shared's and the app's dist");
        // Without --target, the stage the history matches is the target: the same stages.
        let found = inspect(app, &["--dockerfile", &dockerfile("Dockerfile")]);
        assert_eq!(stages(&found), s, "{app}");
        let notes: Vec<&str> =
            found["classification"]["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
        if app == "api" {
            assert!(notes.iter().any(|n| n.starts_with("target api:")), "{notes:?}");
        }
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn the_single_stage_image_is_one_final_stage_with_its_store_as_cache() {
    let v = inspect("single", &[]);
    let s = stages(&v);
    assert_eq!(s[0], "base image");
    assert!(s[1..].iter().all(|x| x == "final"), "{s:?}");
    // The store the naive build left at $PNPM_HOME/store: every file under it is cache.
    let files = v["files"].as_array().unwrap();
    let store: Vec<&Value> =
        files.iter().filter(|f| f["path"].as_str().unwrap().starts_with("/pnpm/store/")).collect();
    assert!(store.len() > 100, "{}", store.len());
    assert!(
        store.iter().all(|f| f["category"] == "cache"),
        "{:?}",
        store.iter().find(|f| f["category"] != "cache")
    );
    // devDependencies through the .pnpm layout: the root's compiler and one app's test library.
    let ts = package(&v, "typescript").expect("typescript");
    assert_eq!(ts["category"], "dev-dependencies");
    assert!(ts["path"].as_str().unwrap().contains("/node_modules/.pnpm/typescript@"), "{ts}");
    let st = package(&v, "supertest").expect("supertest");
    assert_eq!(st["category"], "dev-dependencies");
    assert_eq!(st["members"], serde_json::json!(["packages/api"]));
    let express = package(&v, "express").expect("express");
    assert_eq!(express["category"], "dependencies");
    assert_eq!(express["members"], serde_json::json!(["packages/api"]));
    assert_eq!(package(&v, "dayjs").unwrap()["members"], serde_json::json!(["packages/web"]));
    assert!(category(&v, "dev-dependencies") > 20_000_000, "typescript alone is over 20 MB");
}

/// Every package pnpm's lockfile gives the apps' production, and nothing else: the packages
/// a `--prod` install puts in the store, as the lockfile's importers reach them.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn the_multi_stage_apps_carry_no_store_and_no_dev_dependencies() {
    for app in ["api", "web", "deploy"] {
        let v = inspect(app, &[]);
        assert_eq!(category(&v, "cache"), 0, "{app}: the cache mounts kept the store out");
        assert_eq!(category(&v, "dev-dependencies"), 0, "{app}");
        assert!(package(&v, "typescript").is_none() && package(&v, "supertest").is_none(), "{app}");
        let express = package(&v, "express").expect("express");
        assert_eq!(express["category"], "dependencies", "{app}");
        assert!(
            packages(&v)
                .iter()
                .filter(|p| p["ecosystem"] == "npm")
                .all(|p| p["category"] != "dev-dependencies"),
            "{app}"
        );
    }
    // pnpm deploy copies the workspace library into the app's store: the app's own code.
    let v = inspect("deploy", &[]);
    let shared = package(&v, "@demo/shared").expect("@demo/shared");
    assert_eq!(shared["category"], "app");
    assert_eq!(shared["members"], serde_json::json!(["packages/shared"]));
    assert!(
        shared["path"].as_str().unwrap().starts_with("/prod/api/node_modules/.pnpm/@demo+shared@file+"),
        "{shared}"
    );
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn comparing_the_apps_shows_the_shared_base_and_common_layers_and_what_each_adds() {
    let (api, web) = (layout("api"), layout("web"));
    let df = dockerfile("Dockerfile");
    let v = weigh(&["compare", "--format", "json", "--side-by-side", "--dockerfile", &df, &api, &web]);
    let shared: BTreeSet<&str> =
        v["shared_stages"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    for want in ["base image", "base", "common"] {
        assert!(shared.contains(want), "{shared:?}");
    }
    let layers = v["layers"].as_array().unwrap();
    let only = |i: u64| -> Vec<&str> {
        layers
            .iter()
            .filter(|l| l["images"].as_array().unwrap() == &[Value::from(i)])
            .map(|l| l["stage"].as_str().unwrap())
            .collect()
    };
    // Each app's own layers: its node_modules links (prod-deps) and the built code (build;
    // BuildKit's copy of the shared library's dist differs by its directories' times).
    for i in [0, 1] {
        let own = only(i);
        assert!(own.contains(&"prod-deps") && own.contains(&"build"), "{own:?}");
        assert!(own.iter().all(|s| ["prod-deps", "build", "api", "web"].contains(s)), "{own:?}");
    }
    for m in v["images"].as_array().unwrap() {
        let own = m["own"].as_u64().unwrap();
        assert!(own > 0 && own < 100_000, "an app adds only its dist and links: {m}");
        let adds: u64 = m["adds"].as_array().unwrap().iter().map(|c| c["bytes"].as_u64().unwrap()).sum();
        assert_eq!(adds, m["in_some"].as_u64().unwrap() + own);
    }
    // The three targets in one report: the single-stage image shares only the node base.
    let single = layout("single");
    let v = weigh(&["compare", "--format", "json", &api, &web, &single]);
    assert_eq!(v["shared_stages"], serde_json::json!(["base image"]));
    let adds_dev = |i: usize| {
        v["images"][i]["adds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == "dev-dependencies")
            .map_or(0, |c| c["bytes"].as_u64().unwrap())
    };
    assert_eq!((adds_dev(0), adds_dev(1)), (0, 0));
    assert!(adds_dev(2) > 20_000_000);
}
