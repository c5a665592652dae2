//! Every error a user can cause: one line on stderr naming the image (and layer), exit 2.

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::*;

fn weigh() -> Command {
    Command::cargo_bin("weigh").unwrap()
}

/// Runs `weigh inspect REF` and returns stderr, asserting exit 2 and a single line.
fn fails(reference: &str) -> String {
    let out = weigh().args(["inspect", reference]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{reference}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

fn layout(dir: &Path, img: &Img) -> String {
    write_dir(dir, &oci_files(&[("latest", img)]));
    format!("oci:{}", dir.display())
}

fn good() -> Img {
    Img::new(vec![
        Layer::new(vec![file("a", 5000, 1)]),
        Layer::new(vec![E::RawFile("b/c".into(), (0..20000u32).map(|i| (i * 7 % 251) as u8).collect())]),
    ])
}

#[test]
fn missing_file() {
    let e = fails("/definitely/not/here.tar");
    assert!(e.contains("/definitely/not/here.tar") && e.contains("no such file"), "{e}");
    let e = fails("oci:/definitely/not/here");
    assert!(e.contains("no such file"), "{e}");
}

#[test]
fn file_that_is_not_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, vec![7u8; 3000]).unwrap();
    let e = fails(&junk.display().to_string());
    assert!(e.contains("junk.bin") && e.contains("tar"), "{e}");

    let plain = dir.path().join("plain.tar");
    write_tar(&plain, &[("hello.txt".to_string(), b"hi".to_vec())]);
    let e = fails(&plain.display().to_string());
    assert!(e.contains("not a container image"), "{e}");

    let e = fails(&dir.path().display().to_string());
    assert!(e.contains("neither an OCI image layout"), "{e}");
}

#[test]
fn truncated_gzip_names_the_layer() {
    let mut img = good();
    img.layers[1].mangle = Some(|b| b.truncate(b.len() / 2));
    let dir = tempfile::tempdir().unwrap();
    let r = layout(dir.path(), &img);
    let e = fails(&r);
    assert!(e.contains(&r) && e.contains("layer 1") && e.contains("truncated"), "{e}");
}

#[test]
fn corrupt_blob_is_a_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout(dir.path(), &good());
    let b = build(&good());
    let layer0 = dir.path().join(format!("blobs/sha256/{}", b.layers[0].0.trim_start_matches("sha256:")));
    let mut data = std::fs::read(&layer0).unwrap();
    let n = data.len();
    // Flip a byte in the gzip trailer's CRC: still decodes as far as tar is concerned.
    data[n - 6] ^= 0xff;
    std::fs::write(&layer0, data).unwrap();
    let e = fails(&r);
    assert!(e.contains("layer 0") && e.contains("digest mismatch"), "{e}");
}

#[test]
fn digest_mismatch_with_valid_content() {
    // Replace a layer blob with a different valid gzip of the same length class.
    let dir = tempfile::tempdir().unwrap();
    let r = layout(dir.path(), &good());
    let b = build(&good());
    let layer0 = dir.path().join(format!("blobs/sha256/{}", b.layers[0].0.trim_start_matches("sha256:")));
    let other = compress(&tar_bytes(&[file("a", 5000, 2)]), Comp::Gzip);
    let orig = std::fs::read(&layer0).unwrap();
    let mut replacement = other.clone();
    replacement.resize(orig.len(), 0);
    std::fs::write(&layer0, &replacement).unwrap();
    let e = fails(&r);
    assert!(e.contains("layer 0") && e.contains("digest mismatch"), "{e}");
}

#[test]
fn missing_blob() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout(dir.path(), &good());
    let b = build(&good());
    std::fs::remove_file(
        dir.path().join(format!("blobs/sha256/{}", b.layers[1].0.trim_start_matches("sha256:"))),
    )
    .unwrap();
    let e = fails(&r);
    assert!(e.contains("layer 1") && e.contains("missing"), "{e}");
}

#[test]
fn missing_layer_in_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = docker_archive_files(&[(&["app:1"], &good())], true);
    let first = format!("{}/layer.tar", sha256(&build(&good()).layers[0].1).trim_start_matches("sha256:"));
    files.retain(|(n, _)| *n != first);
    let p = dir.path().join("x.tar");
    write_tar(&p, &files);
    let e = fails(&p.display().to_string());
    assert!(e.contains("missing"), "{e}");
}

#[test]
fn unknown_media_type() {
    let mut img = good();
    img.layers[0].media = Some("application/vnd.example.thing");
    let dir = tempfile::tempdir().unwrap();
    let e = fails(&layout(dir.path(), &img));
    assert!(e.contains("layer 0") && e.contains("unknown layer media type"), "{e}");
}

#[test]
fn path_escaping_the_root() {
    let img = Img::new(vec![Layer::new(vec![E::RawFile("../../etc/evil".into(), b"x".to_vec())])]);
    let dir = tempfile::tempdir().unwrap();
    let e = fails(&layout(dir.path(), &img));
    assert!(e.contains("layer 0") && e.contains("escapes"), "{e}");
}

#[test]
fn malformed_manifest() {
    let dir = tempfile::tempdir().unwrap();
    write_dir(
        dir.path(),
        &[("oci-layout".into(), b"{}".to_vec()), ("index.json".into(), b"{\"manifests\": 5}".to_vec())],
    );
    let e = fails(&format!("oci:{}", dir.path().display()));
    assert!(e.contains("index.json"), "{e}");
}

#[test]
fn wrong_platform_lists_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let arm = Img::new(vec![Layer::new(vec![file("x", 1, 1)])]).platform("linux", "arm64");
    write_dir(dir.path(), &oci_multiplatform_files("t", &[&good(), &arm]));
    let out = weigh()
        .args(["inspect", "--platform", "linux/ppc64le", &format!("oci:{}", dir.path().display())])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("linux/arm64") && stderr.contains("linux/amd64"), "{stderr}");
}

#[test]
fn usage_errors_are_one_line() {
    for args in [
        vec!["inspect", "--bogus", "x"],
        vec!["frobnicate"],
        vec!["inspect", "--platform", "nope", "x"],
        vec!["inspect"],
    ] {
        let out = weigh().args(&args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn unsupported_transport_is_clear() {
    let e = fails("containers-storage:app:latest");
    assert!(e.contains("not supported"), "{e}");
}

#[test]
fn remote_sources_fail_with_one_clear_line() {
    // No engine at DOCKER_HOST.
    let out = weigh()
        .env("DOCKER_HOST", "unix:///nonexistent-weigh/docker.sock")
        .args(["inspect", "docker-daemon:app:latest"])
        .output()
        .unwrap();
    let e = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("no Docker engine answers") && e.lines().count() == 1, "{e}");
    // Not a reference; nothing listening on a loopback port.
    let e = fails("docker://Not A Reference");
    assert!(e.contains("not a valid image reference"), "{e}");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = fails(&format!("docker://127.0.0.1:{port}/team/app:1"));
    assert!(e.contains("cannot connect") && e.contains("team/app"), "{e}");
    // A missing file is still a missing file, not a registry reference.
    let e = fails("missing-image.tar");
    assert!(e.contains("no such file"), "{e}");
}

#[test]
fn config_with_wrong_digest() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout(dir.path(), &good());
    let b = build(&good());
    let cfg = dir.path().join(format!("blobs/sha256/{}", b.config_digest.trim_start_matches("sha256:")));
    let mut data = std::fs::read(&cfg).unwrap();
    data.push(b' ');
    std::fs::write(&cfg, data).unwrap();
    let e = fails(&r);
    assert!(e.contains("config") && e.contains("digest mismatch"), "{e}");
}

#[test]
fn truncated_plain_layer_in_docker_archive() {
    // A header promising more bytes than the archive member holds.
    let mut tar = tar_bytes(&[file("big", 100_000, 3)]);
    tar.truncate(20_000);
    let dir = tempfile::tempdir().unwrap();
    let mut files = docker_archive_files(&[(&["app:1"], &good())], true);
    let first = format!("{}/layer.tar", sha256(&build(&good()).layers[0].1).trim_start_matches("sha256:"));
    for (name, data) in files.iter_mut() {
        if *name == first {
            *data = tar.clone();
        }
    }
    let p = dir.path().join("t.tar");
    write_tar(&p, &files);
    let e = fails(&p.display().to_string());
    assert!(e.contains("layer 0") && (e.contains("truncated") || e.contains("digest mismatch")), "{e}");
}

#[test]
fn layer_count_disagreeing_with_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = docker_archive_files(&[(&["app:1"], &good())], true);
    for (name, data) in files.iter_mut() {
        if name == "manifest.json" {
            let mut v: serde_json::Value = serde_json::from_slice(data).unwrap();
            v[0]["Layers"].as_array_mut().unwrap().pop();
            *data = serde_json::to_vec(&v).unwrap();
        }
    }
    let p = dir.path().join("c.tar");
    write_tar(&p, &files);
    let e = fails(&p.display().to_string());
    assert!(e.contains("diff_ids"), "{e}");
}

#[test]
fn gzip_file_of_an_archive_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar.gz");
    std::fs::write(&p, compress(&tar_bytes(&[file("x", 10, 1)]), Comp::Gzip)).unwrap();
    let e = fails(&p.display().to_string());
    assert!(e.contains("decompress"), "{e}");
}
