//! End-to-end tier: weigh's numbers on real images (built by buildah and BuildKit from the
//! fixture apps by scripts/real-images.sh) against tools users already trust: `tar -tvf` of
//! every layer, the filesystem `umoci unpack` produces, and `dive --json`.
//!
//! Run through scripts/test.sh, which builds the images and sets WEIGH_REAL_IMAGES.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod support;
use support::inspect_json_in;
use support::real::{images_dir, run};

/// Image names that have a docker archive, e.g. `node-single-buildah`.
fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(images_dir())
        .unwrap()
        .filter_map(|e| {
            e.ok()?.file_name().into_string().ok()?.strip_suffix(".docker.tar").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "expected the node and python images, found {names:?}");
    names
}

fn weigh_json(reference: &str) -> Value {
    weigh_json_args(&["--top", "5", reference])
}

fn weigh_json_args(args: &[&str]) -> Value {
    inspect_json_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

struct TarListing {
    regular_bytes: u64,
    /// Non-directory entries that are not whiteouts.
    files: u64,
}

/// Parses GNU `tar -tvf`: `-rw-r--r-- root/root 1234 2026-01-01 00:00 path`.
fn tar_tvf(path: &Path) -> TarListing {
    let text = run(Command::new("tar").arg("-tvf").arg(path));
    let mut l = TarListing { regular_bytes: 0, files: 0 };
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let kind = line.chars().next().unwrap();
        let name = cols[5..].join(" ");
        let base = name.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        if base.starts_with(".wh.") {
            continue;
        }
        if kind == '-' {
            l.regular_bytes += cols[2].parse::<u64>().unwrap();
        }
        if kind != 'd' {
            l.files += 1;
        }
    }
    l
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn layer_sizes_and_counts_match_tar_tvf() {
    let dir = images_dir();
    for name in names() {
        let archive = dir.join(format!("{name}.docker.tar"));
        let tmp = tempfile::tempdir().unwrap();
        run(Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(tmp.path()));
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("manifest.json")).unwrap()).unwrap();
        let layer_paths: Vec<&str> =
            manifest[0]["Layers"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        let w = weigh_json(&archive.display().to_string());
        let layers = w["layers"].as_array().unwrap();
        assert_eq!(layers.len(), layer_paths.len(), "{name}");
        for (i, p) in layer_paths.iter().enumerate() {
            let t = tar_tvf(&tmp.path().join(p));
            let l = &layers[i];
            assert_eq!(l["size"].as_u64().unwrap(), t.regular_bytes, "{name} layer {i} bytes");
            let changed = l["added"]["files"].as_u64().unwrap() + l["modified"]["files"].as_u64().unwrap();
            assert_eq!(changed, t.files, "{name} layer {i} files");
        }
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn every_export_format_gives_the_same_numbers() {
    let dir = images_dir();
    let mut per_format = std::collections::BTreeMap::<&str, usize>::new();
    for name in names() {
        let base = weigh_json(&dir.join(format!("{name}.docker.tar")).display().to_string());
        let key = |v: &Value| {
            let layers: Vec<(u64, u64, u64, u64)> = v["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["size"].as_u64().unwrap(),
                        l["added"]["files"].as_u64().unwrap(),
                        l["modified"]["files"].as_u64().unwrap(),
                        l["deleted"]["bytes"].as_u64().unwrap(),
                    )
                })
                .collect();
            (
                v["totals"]["content_bytes"].clone(),
                v["totals"]["files"].clone(),
                v["totals"]["waste_bytes"].clone(),
                layers,
            )
        };
        let mut checked = 0;
        for (suffix, transport, compression) in
            [(".oci", "oci:", "gzip"), (".zstd.oci", "oci:", "zstd"), (".oci.tar", "oci-archive:", "gzip")]
        {
            let p = dir.join(format!("{name}{suffix}"));
            if !p.exists() {
                continue;
            }
            let v = weigh_json(&format!("{transport}{}", p.display()));
            assert_eq!(key(&v), key(&base), "{name}{suffix}");
            assert!(v["totals"]["compressed_bytes"].as_u64().unwrap() > 0, "{name}{suffix}");
            let non_empty =
                v["layers"].as_array().unwrap().iter().filter(|l| l["tar_size"].as_u64() > Some(1024));
            for l in non_empty {
                assert_eq!(l["compression"], compression, "{name}{suffix}");
            }
            assert_eq!(v["files"], base["files"], "{name}{suffix}: file lists differ");
            checked += 1;
            *per_format.entry(suffix).or_default() += 1;
        }
        assert!(checked >= 1, "{name}: expected an OCI export beside the docker archive");
    }
    // Each format is read for images of both apps (scripts/real-images.sh makes the zstd
    // layout and the oci-archive of the multi-stage images and the bases).
    for suffix in [".oci", ".zstd.oci", ".oci.tar"] {
        assert!(per_format.get(suffix).copied().unwrap_or(0) >= 4, "{suffix}: {per_format:?}");
    }
}

fn ref_name(layout: &Path) -> String {
    let index: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
        .as_str()
        .unwrap_or("latest")
        .to_string()
}

/// A directory for an unpacked image: in memory when there is room (an unpacked image is up
/// to a gigabyte of small files, several times faster to write and delete there), else the
/// usual temporary directory.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let room = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(shm)
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().nth(1)?.trim().parse::<u64>().ok());
    match room {
        Some(free) if free > 6 << 30 => tempfile::tempdir_in(shm).unwrap(),
        _ => tempfile::tempdir().unwrap(),
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn final_tree_matches_umoci_unpack() {
    let dir = images_dir();
    for name in names() {
        let layout = dir.join(format!("{name}.oci"));
        let tmp = scratch();
        let bundle = tmp.path().join("bundle");
        run(Command::new("umoci")
            .arg("unpack")
            .arg("--image")
            .arg(format!("{}:{}", layout.display(), ref_name(&layout)))
            .arg(&bundle));
        let rootfs = bundle.join("rootfs");
        let mut on_disk: BTreeMap<String, char> = BTreeMap::new();
        let mut inodes = HashSet::new();
        let mut bytes = 0u64;
        let mut stack = vec![rootfs.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let md = std::fs::symlink_metadata(e.path()).unwrap();
                let rel = format!("/{}", e.path().strip_prefix(&rootfs).unwrap().display());
                if md.is_dir() {
                    stack.push(e.path());
                    continue;
                }
                if md.is_file() && inodes.insert(md.ino()) {
                    bytes += md.len();
                }
                on_disk.insert(rel, if md.is_symlink() { 'l' } else { 'f' });
            }
        }
        let w = weigh_json(&format!("oci:{}", layout.display()));
        assert_eq!(w["totals"]["content_bytes"].as_u64().unwrap(), bytes, "{name}: bytes vs umoci unpack");
        let listed: BTreeMap<String, char> = w["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (f["path"].as_str().unwrap().to_string(), if f["kind"] == "symlink" { 'l' } else { 'f' })
            })
            .collect();
        let missing: Vec<_> = on_disk.keys().filter(|k| !listed.contains_key(*k)).take(5).collect();
        let extra: Vec<_> = listed.keys().filter(|k| !on_disk.contains_key(*k)).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: on disk only {missing:?}; weigh only {extra:?}"
        );
        assert_eq!(listed, on_disk, "{name}: file kinds differ");
    }
}

/// `dive --json` of a docker archive, run once per archive for all the tests that read it.
fn dive_json(archive: &Path) -> Value {
    static RUNS: std::sync::Mutex<BTreeMap<std::path::PathBuf, Value>> =
        std::sync::Mutex::new(BTreeMap::new());
    if let Some(v) = RUNS.lock().unwrap().get(archive) {
        return v.clone();
    }
    let v = run_dive_json(archive);
    RUNS.lock().unwrap().insert(archive.to_path_buf(), v.clone());
    v
}

fn run_dive_json(archive: &Path) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dive.json");
    run(Command::new("dive")
        .arg("--json")
        .arg(&out)
        .arg("--source")
        .arg("docker-archive")
        .arg(archive)
        .env("CI", "false"));
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn layer_list_matches_dive() {
    let dir = images_dir();
    for name in names() {
        let archive = dir.join(format!("{name}.docker.tar"));
        let dive = dive_json(&archive);
        let w = weigh_json(&archive.display().to_string());
        let dl = dive["layer"].as_array().unwrap();
        let wl = w["layers"].as_array().unwrap();
        assert_eq!(dl.len(), wl.len(), "{name}: layer count");
        for (d, l) in dl.iter().zip(wl) {
            assert_eq!(
                d["sizeBytes"].as_u64().unwrap(),
                l["size"].as_u64().unwrap(),
                "{name} layer {}",
                d["index"]
            );
            // dive shows created_by without a leading `/bin/sh -c `.
            let strip = |s: &str| s.trim().trim_start_matches("/bin/sh -c ").trim().to_string();
            let cmd = strip(d["command"].as_str().unwrap_or(""));
            assert_eq!(
                cmd,
                strip(l["created_by"].as_str().unwrap_or("")),
                "{name} layer {} command",
                d["index"]
            );
        }
        // dive's image size is the sum of what every layer wrote: weigh's written_bytes.
        assert_eq!(
            dive["image"]["sizeBytes"].as_u64().unwrap(),
            w["totals"]["written_bytes"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn multi_stage_layers_are_attributed_to_their_stages_with_both_builders() {
    let dir = images_dir();
    for builder in ["buildah", "buildkit"] {
        let archive = dir.join(format!("node-multi-{builder}.docker.tar"));
        let v = weigh_json_args(&[
            "--dockerfile",
            "fixtures/node-app/Dockerfile.multi",
            &archive.display().to_string(),
        ]);
        // Find the layers by what they hold, not by their history text.
        let layer_of = |path: &str| {
            let f = v["files"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["path"] == path)
                .unwrap_or_else(|| panic!("{path}"));
            f["layer"].as_u64().unwrap() as usize
        };
        let stage = |layer: usize| v["layers"][layer]["stage"].as_str().map(str::to_string);
        assert_eq!(
            stage(layer_of("/app/node_modules/express/package.json")).as_deref(),
            Some("prod-deps"),
            "{builder}"
        );
        assert_eq!(stage(layer_of("/app/dist/server.js")).as_deref(), Some("build"), "{builder}");
        assert_eq!(v["layers"][0]["base_image"], true, "{builder}");
        // The single-stage image does not fit the multi-stage Dockerfile: an error, not a guess.
        let single = dir.join(format!("node-single-{builder}.docker.tar"));
        let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
            .args(["inspect", "--quiet", "--dockerfile", "fixtures/node-app/Dockerfile.multi"])
            .arg(&single)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{builder}");
    }
}

fn category_bytes(v: &Value, category: &str) -> u64 {
    v["categories"].as_array().unwrap().iter().find(|c| c["category"] == category).unwrap()["bytes"]
        .as_u64()
        .unwrap()
}

fn packages_of(v: &Value, ecosystem: &str) -> Vec<Value> {
    v["packages"].as_array().unwrap().iter().filter(|p| p["ecosystem"] == ecosystem).cloned().collect()
}

/// Every image: the categories add up to the image, exactly, and agree with the files.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn category_totals_add_up_to_the_image() {
    let dir = images_dir();
    for name in names() {
        let v = weigh_json(&dir.join(format!("{name}.oci")).display().to_string());
        let content = v["totals"]["content_bytes"].as_u64().unwrap();
        let cats = v["categories"].as_array().unwrap();
        assert_eq!(cats.iter().map(|c| c["bytes"].as_u64().unwrap()).sum::<u64>(), content, "{name}");
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        for f in v["files"].as_array().unwrap() {
            *by.entry(f["category"].as_str().unwrap().to_string()).or_default() +=
                f["size"].as_u64().unwrap();
        }
        for c in cats {
            let k = c["category"].as_str().unwrap();
            assert_eq!(by.get(k).copied().unwrap_or(0), c["bytes"].as_u64().unwrap(), "{name} {k}");
        }
    }
}

/// Which package directory a path is in: the longest package path of the lockfile.
fn lock_package<'a>(dirs: &'a BTreeMap<String, bool>, path: &str) -> Option<(&'a str, bool)> {
    let mut best: Option<(&str, bool)> = None;
    for (d, &dev) in dirs {
        if path.starts_with(&format!("{d}/")) && best.is_none_or(|b| d.len() > b.0.len()) {
            best = Some((d.as_str(), dev));
        }
    }
    best
}

/// The node single-stage image, both builders: dev-dependencies are exactly the bytes of the
/// package directories the lockfile marks dev (read here from the fixture's package-lock.json
/// and summed from `tar -tvf` of the `npm ci` layer), and the packages a production install
/// (`npm ci --omit=dev`, the multi-stage image) leaves out are the ones weigh calls dev.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn node_single_stage_categories() {
    let dir = images_dir();
    let lock: Value =
        serde_json::from_slice(&std::fs::read("fixtures/node-app/package-lock.json").unwrap()).unwrap();
    let dirs: BTreeMap<String, bool> = lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, p)| (format!("app/{k}"), p["dev"] == true || p["devOptional"] == true))
        .collect();
    for builder in ["buildah", "buildkit"] {
        let name = format!("node-single-{builder}");
        let archive = dir.join(format!("{name}.docker.tar"));
        let v = weigh_json(&archive.display().to_string());
        // tar -tvf of the layer that ran `npm ci`.
        let tmp = tempfile::tempdir().unwrap();
        run(Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(tmp.path()));
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("manifest.json")).unwrap()).unwrap();
        let npm_ci = v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .position(|l| l["args"].as_str() == Some("npm ci"))
            .unwrap_or_else(|| panic!("{name}: no `npm ci` layer"));
        let layer_tar = tmp.path().join(manifest[0]["Layers"][npm_ci].as_str().unwrap());
        let listing = run(Command::new("tar").arg("-tvf").arg(&layer_tar));
        let mut dev_bytes = 0u64;
        for line in listing.lines().filter(|l| l.starts_with('-')) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let path = cols[5..].join(" ");
            if lock_package(&dirs, &path).is_some_and(|(_, dev)| dev) {
                dev_bytes += cols[2].parse::<u64>().unwrap();
            }
        }
        assert!(dev_bytes > 10_000_000, "{name}: {dev_bytes}");
        assert_eq!(category_bytes(&v, "dev-dependencies"), dev_bytes, "{name}");

        // npm's own production install is the other truth.
        let multi = weigh_json(&dir.join(format!("node-multi-{builder}.docker.tar")).display().to_string());
        let prod: HashSet<String> =
            packages_of(&multi, "npm").iter().map(|p| p["path"].as_str().unwrap().to_string()).collect();
        for p in packages_of(&v, "npm") {
            let path = p["path"].as_str().unwrap();
            assert_eq!(p["dev"] == true, !prod.contains(path), "{name}: {path}");
        }

        // The build toolchain, by package: what the apt-get line installed, and python3,
        // which only node-gyp needed.
        let debs = packages_of(&v, "deb");
        for want in ["gcc-12", "g++-12", "cpp-12", "binutils", "make", "python3", "python3.11-minimal"] {
            let p = debs.iter().find(|p| p["name"] == want).unwrap_or_else(|| panic!("{name}: no {want}"));
            assert_eq!(p["category"], "toolchain", "{name}: {want}: {}", p["reason"]);
        }
        let toolchain_files: HashSet<&str> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["category"] == "toolchain")
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        for f in [
            "/usr/bin/x86_64-linux-gnu-gcc-12",
            "/usr/bin/x86_64-linux-gnu-g++-12",
            "/usr/bin/x86_64-linux-gnu-ld.bfd",
            "/usr/bin/make",
            "/usr/bin/python3.11",
        ] {
            assert!(toolchain_files.contains(f), "{name}: {f}");
        }
        for f in v["files"].as_array().unwrap() {
            let path = f["path"].as_str().unwrap();
            if path.starts_with("/app/src/") && path.ends_with(".ts") {
                assert_eq!(f["category"], "source", "{name}: {path}");
            }
        }
        assert_eq!(v["classification"]["app_dir"], "/app");
        assert_eq!(v["classification"]["language"], "node");
    }
}

/// The multi-stage images carry no devDependencies and no toolchain, with either builder.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn multi_stage_images_carry_no_dev_dependencies_or_toolchain() {
    let dir = images_dir();
    for app in ["node", "py"] {
        for builder in ["buildah", "buildkit"] {
            let name = format!("{app}-multi-{builder}");
            let v = weigh_json(&dir.join(format!("{name}.docker.tar")).display().to_string());
            for c in ["dev-dependencies", "toolchain"] {
                let leaked: Vec<String> = v["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["category"] == c)
                    .take(5)
                    .map(|f| format!("{} ({})", f["path"], f["reason"]))
                    .collect();
                assert_eq!(category_bytes(&v, c), 0, "{name} {c}: {leaked:?}");
            }
        }
    }
}

/// The Python single-stage image, both builders: the dev distributions are those a
/// production install (the multi-stage image's venv, `pip install -r requirements.txt`)
/// does not have; the toolchain is build-essential's and python3-dev's.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn python_single_stage_categories() {
    let dir = images_dir();
    for builder in ["buildah", "buildkit"] {
        let name = format!("py-single-{builder}");
        let v = weigh_json(&dir.join(format!("{name}.docker.tar")).display().to_string());
        let multi = weigh_json(&dir.join(format!("py-multi-{builder}.docker.tar")).display().to_string());
        let norm = |p: &Value| p["name"].as_str().unwrap().to_lowercase().replace(['_', '.'], "-");
        let prod: HashSet<String> = packages_of(&multi, "python").iter().map(norm).collect();
        let mut dev_bytes = 0;
        let mut dev_names = Vec::new();
        for p in packages_of(&v, "python") {
            let n = norm(&p);
            if ["pip", "setuptools", "wheel"].contains(&n.as_str()) {
                assert_eq!(p["category"], "runtime", "{name}: {n}");
                continue;
            }
            assert_eq!(p["dev"] == true, !prod.contains(&n), "{name}: {n}: {}", p["reason"]);
            if p["dev"] == true {
                dev_bytes += p["size"].as_u64().unwrap();
                dev_names.push(n);
            }
        }
        for tool in ["pytest", "black", "mypy"] {
            assert!(dev_names.iter().any(|n| n == tool), "{name}: {tool} not dev: {dev_names:?}");
        }
        assert_eq!(category_bytes(&v, "dev-dependencies"), dev_bytes, "{name}");
        let debs = packages_of(&v, "deb");
        for want in [
            "gcc-12",
            "g++-12",
            "cpp-12",
            "binutils",
            "make",
            "libc6-dev",
            "python3.11-dev",
            "build-essential",
        ] {
            let p = debs.iter().find(|p| p["name"] == want).unwrap_or_else(|| panic!("{name}: no {want}"));
            assert_eq!(p["category"], "toolchain", "{name}: {want}: {}", p["reason"]);
        }
        // The interpreter the image runs is the runtime, not the toolchain.
        let py = debs.iter().find(|p| p["name"] == "python3.11-minimal").unwrap();
        assert_eq!(py["category"], "runtime", "{name}");
        assert!(category_bytes(&v, "cache") > 0, "{name}: pip and apt caches");
        assert_eq!(v["classification"]["language"], "python");
    }
}

fn weigh_check(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weigh"))
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .args(["-q", "check"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert_ne!(code, 2, "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (code, String::from_utf8(out.stdout).unwrap())
}

/// The production budget: the single-stage image fails it naming its largest dev and
/// toolchain packages, the multi-stage image passes, with either builder.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn production_budget_fails_single_stage_and_passes_multi_stage() {
    let images = images_dir();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("weigh.toml"),
        "[budget]\ndev-dependencies = \"0B\"\ntoolchain = \"0B\"\n",
    )
    .unwrap();
    for builder in ["buildah", "buildkit"] {
        let single = images.join(format!("node-single-{builder}.oci")).display().to_string();
        let (code, out) = weigh_check(dir.path(), &["--format", "json", &single]);
        assert_eq!(code, 1, "{builder}: {out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let rule = |id: &str| v["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        let names = |id: &str| -> Vec<String> {
            rule(id)["contributors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect()
        };
        let dev = names("category.dev-dependencies");
        assert!(dev[0].starts_with("npm typescript "), "{builder}: {dev:?}");
        let tool = names("category.toolchain");
        assert!(tool.iter().take(3).any(|n| n.starts_with("deb gcc-12 ")), "{builder}: {tool:?}");
        assert!(tool.iter().any(|n| n.starts_with("deb cpp-12 ")), "{builder}: {tool:?}");
        let multi = images.join(format!("node-multi-{builder}.oci")).display().to_string();
        let (code, out) = weigh_check(dir.path(), &[&multi]);
        assert_eq!(code, 0, "{builder}: {out}");
    }
}

/// A `.dive-ci` gives the verdict `dive --ci` gives, and the numbers dive measures.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn dive_ci_rules_agree_with_dive() {
    let images = images_dir();
    for name in names() {
        let archive = images.join(format!("{name}.docker.tar"));
        let tmp = tempfile::tempdir().unwrap();
        let dive = dive_json(&archive);
        let eff = dive["image"]["efficiencyScore"].as_f64().unwrap();
        let wasted = dive["image"]["inefficientBytes"].as_u64().unwrap();
        // Thresholds on both sides of what dive measured, so every rule passes once and fails once.
        let configs = [
            format!("rules:\n  lowestEfficiency: {}\n  highestWastedBytes: {}\n  highestUserWastedPercent: disabled\n", eff - 0.001, wasted + 1000),
            format!("rules:\n  lowestEfficiency: {}\n  highestWastedBytes: disabled\n  highestUserWastedPercent: disabled\n", (eff + 0.0005).min(1.0)),
            format!("rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: {}\n  highestUserWastedPercent: disabled\n", wasted.saturating_sub(1000)),
            "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.001\n".to_string(),
            "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.5\n".to_string(),
        ];
        for (i, config) in configs.iter().enumerate() {
            std::fs::write(tmp.path().join(".dive-ci"), config).unwrap();
            let d = Command::new("dive")
                .current_dir(tmp.path())
                .args(["--ci", "--ci-config", ".dive-ci", "--source", "docker-archive"])
                .arg(&archive)
                .env("CI", "true")
                .output()
                .unwrap();
            let (code, out) = weigh_check(tmp.path(), &["--format", "json", &archive.display().to_string()]);
            assert_eq!(
                code,
                d.status.code().unwrap(),
                "{name} config {i}: {config}\ndive: {}\nweigh: {out}",
                String::from_utf8_lossy(&d.stdout)
            );
            let v: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["dive_ci"], true);
            for r in v["rules"].as_array().unwrap() {
                match r["id"].as_str().unwrap() {
                    "dive.lowestEfficiency" => {
                        assert!((r["measured_value"].as_f64().unwrap() - eff).abs() < 1e-12, "{name}: {r}")
                    }
                    "dive.highestWastedBytes" => {
                        assert_eq!(r["measured_value"].as_f64().unwrap(), wasted as f64, "{name}")
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn clean_multi_stage_images_have_no_findings_and_single_stage_ones_run_as_root() {
    let dir = images_dir();
    for name in names() {
        let v = weigh_json(&dir.join(format!("{name}.docker.tar")).display().to_string());
        let ids: Vec<&str> =
            v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        if name.contains("-multi-") {
            assert!(ids.is_empty(), "{name}: {}", v["findings"]);
        }
        if name.contains("-single-") {
            assert!(ids.contains(&"root-user"), "{name}: {ids:?}");
        }
    }
}
