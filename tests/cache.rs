//! `--cache-dir`: layer indexes kept by diff_id give the same analysis as reading the layers,
//! spare reading them, and are only written for what was seen to hash to its diff_id.

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::*;

fn inspect(reference: &str, cache: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::cargo_bin("weigh").unwrap();
    cmd.args(["inspect", "--quiet", "--format", "json"]);
    if let Some(c) = cache {
        cmd.arg("--cache-dir").arg(c);
    }
    cmd.arg(reference).output().unwrap()
}

fn entries(cache: &Path) -> usize {
    walk(cache)
}

fn walk(p: &Path) -> usize {
    std::fs::read_dir(p)
        .map_or(0, |d| d.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
}

fn image() -> Img {
    Img::new(vec![
        Layer::new(vec![file("usr/lib/a.so", 5000, 1), file("etc/conf", 300, 2)]).comp(Comp::Gzip),
        Layer::new(vec![E::RawFile(
            "app/main.js".into(),
            (0..20000u32).map(|i| (i * 7 % 251) as u8).collect(),
        )])
        .comp(Comp::Zstd),
    ])
}

#[test]
fn cached_layers_give_the_same_analysis_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let img = image();
    write_dir(dir.path(), &oci_files(&[("latest", &img)]));
    let reference = format!("oci:{}", dir.path().display());
    let fresh = inspect(&reference, None);
    assert!(fresh.status.success());
    let first = inspect(&reference, Some(cache.path()));
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(entries(cache.path()), 2, "one entry per layer");
    let second = inspect(&reference, Some(cache.path()));
    assert_eq!(fresh.stdout, first.stdout);
    assert_eq!(fresh.stdout, second.stdout);

    // Replace the second layer's blob: read, it fails its digest; cached, it is not read.
    let built = build(&img);
    let digest = &built.layers[1].0;
    let size = built.blobs.iter().find(|(d, _)| d == digest).unwrap().1.len();
    let path = dir.path().join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
    std::fs::write(&path, vec![0u8; size]).unwrap();
    let broken = inspect(&reference, None);
    assert_eq!(broken.status.code(), Some(2));
    let cached = inspect(&reference, Some(cache.path()));
    assert!(cached.status.success(), "{}", String::from_utf8_lossy(&cached.stderr));
    assert_eq!(cached.stdout, fresh.stdout);
}

#[test]
fn a_layer_that_does_not_hash_to_its_diff_id_is_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    // Extra zero blocks keep the tar valid and the blob digest right, but the tar no longer
    // hashes to the diff_id the config declares.
    let mut layer = Layer::new(vec![file("x", 100, 3)]).comp(Comp::None);
    layer.mangle = Some(|b: &mut Vec<u8>| b.extend_from_slice(&[0u8; 1024]));
    let img = Img::new(vec![Layer::new(vec![file("y", 10, 4)]).comp(Comp::Gzip), layer]);
    write_dir(dir.path(), &oci_files(&[("latest", &img)]));
    let out = inspect(&format!("oci:{}", dir.path().display()), Some(cache.path()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(entries(cache.path()), 1, "only the layer that matched its diff_id");
}

fn files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(p).unwrap().flatten() {
        if e.path().is_dir() {
            files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[test]
fn damaged_cache_files_are_misses_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", &image())]));
    let reference = format!("oci:{}", dir.path().display());
    let fresh = inspect(&reference, None);
    assert!(inspect(&reference, Some(cache.path())).status.success());
    let mut paths = Vec::new();
    files(cache.path(), &mut paths);
    assert_eq!(paths.len(), 2);
    // One file with a flipped byte, one cut short.
    let mut a = std::fs::read(&paths[0]).unwrap();
    let mid = a.len() / 2;
    a[mid] ^= 0xff;
    std::fs::write(&paths[0], a).unwrap();
    let b = std::fs::read(&paths[1]).unwrap();
    std::fs::write(&paths[1], &b[..b.len() / 3]).unwrap();
    let out = inspect(&reference, Some(cache.path()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, fresh.stdout);
}
