//! Builds small images for tests: tar layers with any entries (whiteouts, hardlinks, ...),
//! compressed any way, written as OCI layouts, oci-archives or docker-save archives.
#![allow(dead_code)]

pub mod engine;
pub mod real;

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

#[derive(Clone)]
pub enum E {
    File(&'static str, Vec<u8>),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    /// Path with a `.wh.` whiteout for its last component.
    Whiteout(&'static str),
    /// Opaque marker in this directory.
    Opaque(&'static str),
    /// A raw tar path, for hostile names.
    RawFile(String, Vec<u8>),
    /// Bytes written into the tar stream as they are (whole 512-byte blocks: crafted headers).
    Raw(Vec<u8>),
}

pub fn file(path: &'static str, size: usize, fill: u8) -> E {
    E::File(path, vec![fill; size])
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Comp {
    None,
    Gzip,
    /// Gzip written as several concatenated members.
    GzipMulti,
    Zstd,
}

#[derive(Clone)]
pub struct Layer {
    pub entries: Vec<E>,
    pub comp: Comp,
    pub created_by: String,
    /// Overrides the descriptor's media type.
    pub media: Option<&'static str>,
    /// Changes the blob before it is digested, as a broken pusher would.
    pub mangle: Option<fn(&mut Vec<u8>)>,
    /// The blob and diff_id to use instead of the entries' (streams no tar builder writes).
    pub blob: Option<(Vec<u8>, String)>,
}

impl Layer {
    pub fn new(entries: Vec<E>) -> Layer {
        Layer {
            entries,
            comp: Comp::Gzip,
            created_by: "/bin/sh -c #(nop) ADD file:abc in /".into(),
            media: None,
            mangle: None,
            blob: None,
        }
    }
    pub fn comp(mut self, c: Comp) -> Layer {
        self.comp = c;
        self
    }
    pub fn by(mut self, cmd: &str) -> Layer {
        self.created_by = cmd.into();
        self
    }
}

pub fn tar_bytes(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(0);
        match e {
            E::File(p, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::RawFile(p, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                if p.len() > 100 {
                    // Long names need a GNU long-name entry, which the builder writes.
                    b.append_data(&mut h, p, &data[..]).unwrap();
                    continue;
                }
                // Bypass the builder's path checks: write the name bytes directly.
                let name = p.as_bytes();
                h.as_old_mut().name[..name.len()].copy_from_slice(name);
                h.set_cksum();
                b.append(&h, &data[..]).unwrap();
            }
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::Symlink(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Hardlink(p, t) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Whiteout(p) => {
                let (dir, base) =
                    p.rsplit_once('/').map(|(d, b)| (format!("{d}/"), b)).unwrap_or((String::new(), p));
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(0);
                b.append_data(&mut h, format!("{dir}.wh.{base}"), &[][..]).unwrap();
            }
            E::Raw(bytes) => {
                b.get_mut().write_all(bytes).unwrap();
            }
            E::Opaque(d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(0);
                b.append_data(&mut h, format!("{d}/.wh..wh..opq"), &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn compress(data: &[u8], comp: Comp) -> Vec<u8> {
    match comp {
        Comp::None => data.to_vec(),
        Comp::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Comp::GzipMulti => {
            let mut out = Vec::new();
            let mid = data.len() / 2;
            for part in [&data[..mid], &data[mid..]] {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(part).unwrap();
                out.extend(e.finish().unwrap());
            }
            out
        }
        Comp::Zstd => zstd::encode_all(data, 3).unwrap(),
    }
}

pub fn media_type(comp: Comp) -> &'static str {
    match comp {
        Comp::None => "application/vnd.oci.image.layer.v1.tar",
        Comp::Gzip | Comp::GzipMulti => "application/vnd.oci.image.layer.v1.tar+gzip",
        Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

#[derive(Clone)]
pub struct Img {
    pub layers: Vec<Layer>,
    pub os: &'static str,
    pub arch: &'static str,
    /// History entries that made no layer, inserted after the given layer index.
    pub empty_history: Vec<(usize, String)>,
    /// The config's `config` object (Cmd, WorkingDir, Env, ...).
    pub run: Value,
    /// Writes the config without any history, as some builders and flattening tools do.
    pub no_history: bool,
}

impl Img {
    pub fn new(layers: Vec<Layer>) -> Img {
        Img {
            layers,
            os: "linux",
            arch: "amd64",
            empty_history: Vec::new(),
            run: json!({"Env": ["PATH=/usr/bin"], "Cmd": ["node", "dist/server.js"], "WorkingDir": "/app"}),
            no_history: false,
        }
    }
    pub fn run(mut self, run: Value) -> Img {
        self.run = run;
        self
    }
    pub fn platform(mut self, os: &'static str, arch: &'static str) -> Img {
        self.os = os;
        self.arch = arch;
        self
    }
}

/// What writing an image produced: the blobs by digest, ready to place in any layout.
pub struct Built {
    pub blobs: Vec<(String, Vec<u8>)>,
    pub config_digest: String,
    pub config: Vec<u8>,
    pub manifest_digest: String,
    pub manifest: Vec<u8>,
    /// (digest, uncompressed tar) per layer.
    pub layers: Vec<(String, Vec<u8>, Comp)>,
}

pub fn build(img: &Img) -> Built {
    let mut blobs = Vec::new();
    let mut layer_descs = Vec::new();
    let mut diff_ids = Vec::new();
    let mut layers = Vec::new();
    let mut history = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let (tar, mut blob, diff_id) = match &l.blob {
            Some((blob, diff_id)) => (Vec::new(), blob.clone(), diff_id.clone()),
            None => {
                let tar = tar_bytes(&l.entries);
                let blob = compress(&tar, l.comp);
                let d = sha256(&tar);
                (tar, blob, d)
            }
        };
        if let Some(m) = l.mangle {
            m(&mut blob);
        }
        let d = sha256(&blob);
        diff_ids.push(diff_id);
        let media = l.media.unwrap_or(media_type(l.comp));
        layer_descs.push(json!({"mediaType": media, "digest": d, "size": blob.len()}));
        history.push(json!({"created_by": l.created_by, "created": "2026-01-01T00:00:00Z"}));
        for (after, cmd) in &img.empty_history {
            if *after == i {
                history.push(json!({"created_by": cmd, "empty_layer": true}));
            }
        }
        layers.push((d.clone(), tar, l.comp));
        blobs.push((d, blob));
    }
    let mut config = json!({
        "architecture": img.arch, "os": img.os, "created": "2026-01-01T00:00:00Z",
        "config": img.run,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    if img.no_history {
        config.as_object_mut().unwrap().remove("history");
    }
    let config = serde_json::to_vec(&config).unwrap();
    let config_digest = sha256(&config);
    blobs.push((config_digest.clone(), config.clone()));
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layer_descs,
    }))
    .unwrap();
    let manifest_digest = sha256(&manifest);
    blobs.push((manifest_digest.clone(), manifest.clone()));
    Built { blobs, config_digest, config, manifest_digest, manifest, layers }
}

pub fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

/// Files of an OCI layout: (relative path, bytes).
pub fn oci_files(images: &[(&str, &Img)]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("oci-layout".to_string(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())];
    let mut manifests = Vec::new();
    for (tag, img) in images {
        let b = build(img);
        for (d, data) in &b.blobs {
            files.push((blob_path(d), data.clone()));
        }
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": b.manifest_digest, "size": b.manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }));
    }
    files.push((
        "index.json".into(),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": manifests})).unwrap(),
    ));
    files
}

/// A layout whose one tag points at a multi-platform index (plus an attestation manifest).
pub fn oci_multiplatform_files(tag: &str, images: &[&Img]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("oci-layout".to_string(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())];
    let mut entries: Vec<Value> = Vec::new();
    for img in images {
        let b = build(img);
        for (d, data) in &b.blobs {
            files.push((blob_path(d), data.clone()));
        }
        entries.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": b.manifest_digest, "size": b.manifest.len(),
            "platform": {"os": img.os, "architecture": img.arch},
        }));
    }
    // BuildKit's attestation manifests look like this; they must never be chosen.
    let att = build(&Img::new(vec![Layer::new(vec![file("sbom.json", 10, b'x')])]));
    for (d, data) in &att.blobs {
        files.push((blob_path(d), data.clone()));
    }
    entries.push(json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": att.manifest_digest, "size": att.manifest.len(),
        "platform": {"os": "unknown", "architecture": "unknown"},
        "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
    }));
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
    }))
    .unwrap();
    let index_digest = sha256(&index);
    files.push((blob_path(&index_digest), index.clone()));
    files.push((
        "index.json".into(),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": index_digest, "size": index.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }]}))
        .unwrap(),
    ));
    files
}

/// Files of a `docker save` archive. Legacy: `<n>/layer.tar` and `<config hex>.json`;
/// otherwise the Docker 25+ form with blobs under `blobs/sha256/`.
pub fn docker_archive_files(images: &[(&[&str], &Img)], legacy: bool) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut manifest = Vec::new();
    for (tags, img) in images {
        let b = build(img);
        let hex = b.config_digest.trim_start_matches("sha256:").to_string();
        let config_name = if legacy { format!("{hex}.json") } else { blob_path(&b.config_digest) };
        files.push((config_name.clone(), b.config.clone()));
        let mut layer_names = Vec::new();
        for (_, tar, _) in &b.layers {
            // docker save stores layers uncompressed.
            let name = if legacy {
                format!("{}/layer.tar", sha256(tar).trim_start_matches("sha256:"))
            } else {
                blob_path(&sha256(tar))
            };
            files.push((name.clone(), tar.clone()));
            layer_names.push(name);
        }
        manifest.push(json!({"Config": config_name, "RepoTags": tags, "Layers": layer_names}));
    }
    files.push(("manifest.json".into(), serde_json::to_vec(&manifest).unwrap()));
    files
}

pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

pub fn write_tar(path: &Path, files: &[(String, Vec<u8>)]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut seen = std::collections::HashSet::new();
    for (name, data) in files {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.finish().unwrap();
}

/// `weigh -q inspect --format json ARGS`, run in `cwd` (where a Dockerfile, or none, is what
/// the test is about).
pub fn inspect_json_in(cwd: &Path, args: &[&str]) -> Value {
    json_in(cwd, "inspect", args)
}

/// `weigh -q COMMAND --format json ARGS`, run in `cwd`: the document it prints, which it must
/// print without failing.
pub fn json_in(cwd: &Path, command: &str, args: &[&str]) -> Value {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("weigh"))
        .current_dir(cwd)
        .args(["-q", command, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{command} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Each layer's stage in an inspect document.
pub fn layer_stages(v: &Value) -> Vec<Option<String>> {
    v["layers"].as_array().unwrap().iter().map(|l| l["stage"].as_str().map(String::from)).collect()
}

/// The classification notes of an inspect document.
pub fn notes(v: &Value) -> Vec<String> {
    v["classification"]["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect()
}
