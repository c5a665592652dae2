//! End-to-end tier for the bases production stages ship on: an Alpine-format node image (apk
//! database, musl), a distroless one (dpkg `status.d`), an RPM one (a database Debian's rpm
//! wrote), and a Go service, as scripts/real-images.sh assembles them. Each inventory is held
//! against an independent reading: the database read here with a few lines of its own, `rpm
//! -qa`, `go version -m`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn images_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh"),
    )
}

fn archive(name: &str) -> PathBuf {
    images_dir().join(format!("{name}.docker.tar"))
}

fn weigh(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_weigh")).arg("-q").args(args).output().unwrap();
    assert!(out.status.success(), "weigh {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inspect(name: &str) -> Value {
    weigh(&["inspect", "--format", "json", &archive(name).display().to_string()])
}

/// The regular files under `prefix` as the image's final tree has them, read from the docker
/// archive's layers with the tar crate (a later layer's copy wins; these images delete
/// nothing).
fn final_files(name: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let mut outer = tar::Archive::new(std::fs::File::open(archive(name)).unwrap());
    let mut layers: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut manifest = Vec::new();
    for e in outer.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        if p == "manifest.json" {
            manifest = data;
        } else {
            layers.insert(p, data);
        }
    }
    let m: Value = serde_json::from_slice(&manifest).unwrap();
    let mut found = BTreeMap::new();
    for l in m[0]["Layers"].as_array().unwrap() {
        let mut t = tar::Archive::new(&layers[l.as_str().unwrap()][..]);
        for e in t.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().display().to_string().trim_start_matches("./").to_string();
            if e.header().entry_type().is_file() && path.starts_with(prefix) {
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                found.insert(path, data);
            }
        }
    }
    found
}

fn final_file(name: &str, path: &str) -> Option<Vec<u8>> {
    final_files(name, path).remove(path)
}

fn packages(v: &Value, ecosystem: &str) -> Vec<Value> {
    v["packages"].as_array().unwrap().iter().filter(|p| p["ecosystem"] == ecosystem).cloned().collect()
}

fn category_of_package(v: &Value, ecosystem: &str, name: &str) -> String {
    let p = packages(v, ecosystem)
        .into_iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no {ecosystem} package {name}"));
    p["category"].as_str().unwrap().to_string()
}

fn category_of_file(v: &Value, path: &str) -> String {
    let f = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no file {path}"));
    f["category"].as_str().unwrap().to_string()
}

/// The categories add up to the image, and every package's size is the sum of its files.
fn sums_hold(v: &Value) {
    let cats: u64 = v["categories"].as_array().unwrap().iter().map(|c| c["bytes"].as_u64().unwrap()).sum();
    assert_eq!(cats, v["totals"]["content_bytes"].as_u64().unwrap());
    let mut by_pkg: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for f in v["files"].as_array().unwrap() {
        if let Some(p) = f["package"].as_str() {
            let e = by_pkg.entry(p).or_default();
            e.0 += f["size"].as_u64().unwrap();
            e.1 += 1;
        }
    }
    for p in v["packages"].as_array().unwrap() {
        let (bytes, files) = by_pkg.get(p["id"].as_str().unwrap()).copied().unwrap_or_default();
        assert_eq!(
            (p["size"].as_u64().unwrap(), p["files"].as_u64().unwrap()),
            (bytes, files),
            "{}",
            p["id"]
        );
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn alpine_toolchain_runtime_and_the_apk_inventory() {
    let v = inspect("alpine-single");
    sums_hold(&v);
    for p in ["gcc", "g++", "make", "binutils", "musl-dev", "libstdc++-dev", "python3", "isl26", "mpc1"] {
        assert_eq!(category_of_package(&v, "apk", p), "toolchain", "{p}");
    }
    // node in /usr/local loads libstdc++ (and libgcc): they are installed for it, whatever
    // else (g++) depends on them.
    assert_eq!(category_of_package(&v, "apk", "libstdc++"), "runtime");
    assert_eq!(category_of_package(&v, "apk", "libgcc"), "runtime");
    assert_eq!(category_of_package(&v, "apk", "musl"), "os");
    assert_eq!(category_of_package(&v, "apk", "busybox"), "os");
    assert_eq!(category_of_file(&v, "/usr/local/bin/node"), "runtime");
    assert_eq!(category_of_file(&v, "/usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1/cc1plus"), "toolchain");
    assert_eq!(category_of_file(&v, "/usr/local/lib/node_modules/npm/package.json"), "runtime");
    let toolchain =
        v["categories"].as_array().unwrap().iter().find(|c| c["category"] == "toolchain").unwrap();
    assert!(toolchain["bytes"].as_u64().unwrap() > 150_000_000, "{toolchain}");
    // The inventory, against the database read here: `P:` and `V:` of every record.
    let db = String::from_utf8(final_file("alpine-single", "lib/apk/db/installed").unwrap()).unwrap();
    let mut theirs = BTreeSet::new();
    let (mut name, mut version) = (String::new(), String::new());
    for line in db.lines().chain(std::iter::once("")) {
        if let Some(n) = line.strip_prefix("P:") {
            name = n.to_string();
        } else if let Some(x) = line.strip_prefix("V:") {
            version = x.to_string();
        } else if line.is_empty() && !name.is_empty() {
            theirs.insert((std::mem::take(&mut name), std::mem::take(&mut version)));
        }
    }
    let ours: BTreeSet<(String, String)> = packages(&v, "apk")
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["version"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(ours, theirs);
    // musl's node_modules: sharp's musl addon, a dependency; typescript a dev-dependency.
    assert_eq!(category_of_package(&v, "npm", "@img/sharp-linuxmusl-x64"), "dependencies");
    assert_eq!(category_of_package(&v, "npm", "typescript"), "dev-dependencies");
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn alpine_single_against_multi_stage_names_the_toolchain() {
    let c = weigh(&[
        "compare",
        "--format",
        "json",
        &archive("alpine-single").display().to_string(),
        &archive("alpine-multi").display().to_string(),
    ]);
    assert_eq!(c["categories"][0]["name"], "toolchain", "{}", c["categories"]);
    assert!(c["categories"][0]["delta"].as_i64().unwrap() < -150_000_000);
    let multi = inspect("alpine-multi");
    sums_hold(&multi);
    let cat = |c: &str| {
        multi["categories"].as_array().unwrap().iter().find(|x| x["category"] == c).unwrap()["bytes"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(cat("toolchain"), 0);
    assert_eq!(cat("dev-dependencies"), 0);
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn distroless_packages_from_status_d() {
    let v = inspect("distroless-node");
    sums_hold(&v);
    // The independent reading: every control paragraph in status.d, its Package and Version.
    let mut theirs = BTreeSet::new();
    for (path, control) in final_files("distroless-node", "var/lib/dpkg/status.d/") {
        if path.ends_with(".md5sums") {
            continue;
        }
        let text = String::from_utf8_lossy(&control);
        let field = |k: &str| text.lines().find_map(|l| l.strip_prefix(k)).unwrap().to_string();
        theirs.insert((field("Package: "), field("Version: ")));
    }
    let ours: BTreeSet<(String, String)> = packages(&v, "deb")
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["version"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 10, "{ours:?}");
    // libc6's files are its own, from its md5sums.
    let libc = packages(&v, "deb").into_iter().find(|p| p["name"] == "libc6").unwrap();
    assert!(libc["size"].as_u64().unwrap() > 5_000_000, "{libc}");
    assert_eq!(category_of_file(&v, "/nodejs/bin/node"), "runtime");
    assert_eq!(category_of_package(&v, "deb", "libstdc++6"), "runtime");
    // Both that load libstdc++ directly are named (readelf -d: node, and sharp's addon).
    let reason = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/var/lib/dpkg/status.d/libstdc++6")
        .map(|f| f["reason"].as_str().unwrap().to_string())
        .unwrap();
    assert!(reason.contains("/nodejs/bin/node") && reason.contains("sharp-linux-x64.node"), "{reason}");
    assert_eq!(v["image"]["user"], "65532");
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn rpm_inventory_matches_rpm_qa() {
    let v = inspect("rpm-node");
    sums_hold(&v);
    let reference = std::fs::read_to_string(images_dir().join("rpm-node.reference/rpm-qa.txt")).unwrap();
    let theirs: BTreeSet<(String, String, u64)> = reference
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    let ours: BTreeSet<(String, String, u64)> = packages(&v, "rpm")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["installed_size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ours, theirs);
    for p in ["gcc", "cpp", "binutils", "make", "glibc-devel"] {
        assert_eq!(category_of_package(&v, "rpm", p), "toolchain", "{p}");
    }
    assert_eq!(category_of_package(&v, "rpm", "nodejs"), "runtime");
    assert_eq!(category_of_package(&v, "rpm", "libstdc++"), "runtime");
    assert_eq!(category_of_package(&v, "rpm", "glibc"), "os");
    // Files the headers list are the package's: node is nodejs's.
    let node = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "/usr/bin/node").unwrap();
    assert!(node["package"].as_str().unwrap().starts_with("rpm:nodejs@"), "{node}");
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn go_modules_match_go_version_m() {
    let v = inspect("go-service");
    sums_hold(&v);
    let reference =
        std::fs::read_to_string(images_dir().join("go-service.reference/go-version-m.txt")).unwrap();
    let mut theirs = BTreeSet::new();
    for l in reference.lines() {
        let f: Vec<&str> = l.trim().split('\t').collect();
        if matches!(f[0], "mod" | "dep") && f.len() >= 3 {
            theirs.insert((f[1].to_string(), f[2].to_string()));
        }
    }
    let ours: BTreeSet<(String, String)> = packages(&v, "go")
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["version"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(ours, theirs);
    let bin = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "/app/server").unwrap();
    assert!(bin["package"].as_str().unwrap().starts_with("go:example.com/weigh-fixture-go@"), "{bin}");
    assert_eq!(bin["category"], "app");
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn a_deleted_token_is_found_in_its_layer_and_never_printed() {
    let token = std::fs::read_to_string(images_dir().join("alpine-secret.reference/secret.txt")).unwrap();
    let token = token.trim();
    let v = inspect("alpine-secret");
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "secret-in-hidden-layer")
        .unwrap_or_else(|| panic!("{}", v["findings"]));
    assert_eq!(f["paths"][0], "/app/.npmrc");
    assert_eq!(f["severity"], "error");
    // Written in layer 2, deleted in layer 3.
    assert_eq!(f["layer"], 2);
    assert!(f["title"].as_str().unwrap().contains("deleted in layer 3"), "{f}");
    // In no output of any command, in any format.
    let image = archive("alpine-secret").display().to_string();
    let budget = tempfile::tempdir().unwrap();
    std::fs::write(
        budget.path().join("weigh.toml"),
        "[budget]\nfindings = [\"secret\", \"secret-in-hidden-layer\"]\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for args in [
        vec!["inspect", image.as_str()],
        vec!["inspect", "--format", "json", image.as_str()],
        vec!["compare", image.as_str(), image.as_str()],
        vec!["compare", "--format", "markdown", image.as_str(), image.as_str()],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_weigh")).arg("-q").args(&args).output().unwrap();
        outputs.push((args.join(" "), out.stdout, out.stderr));
    }
    for format in ["text", "json", "junit", "sarif", "markdown", "github"] {
        let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
            .current_dir(budget.path())
            .args(["-q", "check", "--format", format, &image])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "check --format {format}: the findings rule fails");
        outputs.push((format!("check --format {format}"), out.stdout, out.stderr));
    }
    for (what, stdout, stderr) in outputs {
        for text in [String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)] {
            assert!(!text.contains(token), "{what} printed the token");
            assert!(!text.contains(&token[4..20]), "{what} printed part of the token");
        }
    }
    // SARIF has the finding as a rule of its own, at the path.
    let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
        .current_dir(budget.path())
        .args(["-q", "check", "--format", "sarif", &image])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "secret-in-hidden-layer"
            && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/.npmrc"),
        "{results:?}"
    );
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn libc_mismatch_is_an_error_naming_the_addons_and_a_musl_install_has_none() {
    let v = inspect("alpine-glibc");
    let libc: Vec<&Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "libc-mismatch").collect();
    assert!(!libc.is_empty());
    assert!(libc.iter().all(|f| f["severity"] == "error"));
    let paths: Vec<&str> =
        libc.iter().flat_map(|f| f["paths"].as_array().unwrap()).map(|p| p.as_str().unwrap()).collect();
    assert!(paths.iter().any(|p| p.ends_with("/@img/sharp-linux-x64/lib/sharp-linux-x64.node")), "{paths:?}");
    // The clean images: no finding at all.
    for name in ["alpine-multi", "distroless-node", "go-service"] {
        let v = inspect(name);
        assert_eq!(v["findings"], serde_json::json!([]), "{name}");
    }
    // A check on findings passes on the musl image and fails on the glibc one.
    let budget = tempfile::tempdir().unwrap();
    std::fs::write(budget.path().join("weigh.toml"), "[budget]\nfindings-severity = \"error\"\n").unwrap();
    for (name, code) in [("alpine-multi", 0), ("alpine-glibc", 1)] {
        let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
            .current_dir(budget.path())
            .args(["-q", "check", &archive(name).display().to_string()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{name}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
