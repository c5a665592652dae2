//! Makes the committed demo images (fixtures/demo/) from real builds: same paths, sizes,
//! modes, links, whiteouts, history and package metadata, with each file's bytes replaced by a
//! pattern derived from its content hash, so equal files stay equal and everything compresses
//! to almost nothing.
//!
//!     cargo run --release --example make_demo -- SOURCE_IMAGE OUT.oci.tar NAME
//!
//! SOURCE_IMAGE is any reference weigh reads (e.g. docker-archive:node-single-buildkit.docker.tar).

use std::io::{Read, Write};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use weigh::source::{Image, OpenOptions};

/// Files whose real bytes the analysis reads (package inventories, lock files, dpkg database):
/// kept verbatim so the demo classifies like the real image.
fn keep_verbatim(path: &str, size: u64) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    size <= 4 << 20
        && (weigh::classify::wants_content(path)
            || matches!(base, "os-release" | "INSTALLER" | "top_level.txt"))
}

/// apt names its index files after the mirror's host (`HOST_debian_dists_...`); the project's
/// text files name no package hosts, and reports of the demo are committed as snapshots.
fn scrub(name: &str) -> String {
    let lists = name.find("var/lib/apt/lists/").map(|i| i + "var/lib/apt/lists/".len());
    match lists.and_then(|start| Some((start, name[start..].find('_')?))) {
        Some((start, host_len)) if host_len > 0 => {
            format!("{}mirror.example{}", &name[..start], &name[start + host_len..])
        }
        _ => name.to_string(),
    }
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn pattern(content_hash: &[u8; 32], size: u64) -> Vec<u8> {
    let unit = hex::encode(&content_hash[..16]);
    unit.as_bytes().iter().copied().cycle().take(size as usize).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: make_demo SOURCE_IMAGE OUT.oci.tar NAME");
        std::process::exit(2);
    }
    let (source, out, name) = (&args[1], &args[2], &args[3]);
    let image = Image::open(source, &OpenOptions::default())?;
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut layer_descs = Vec::new();
    let mut diff_ids = Vec::new();
    for i in 0..image.layers.len() {
        let stream = image.open_layer(i, None)?;
        let mut archive = tar::Archive::new(stream);
        let mut builder = tar::Builder::new(Vec::new());
        for entry in archive.entries()? {
            let mut entry = entry?;
            let mut header = entry.header().clone();
            let path = entry.path_bytes().into_owned();
            let path = scrub(&String::from_utf8_lossy(&path));
            let link = entry.link_name_bytes().map(|l| scrub(&String::from_utf8_lossy(&l)));
            let kind = header.entry_type();
            if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
                continue;
            }
            if kind.is_file() {
                let mut data = Vec::with_capacity(entry.size() as usize);
                entry.read_to_end(&mut data)?;
                let body = if keep_verbatim(&path, data.len() as u64) {
                    data
                } else {
                    pattern(&Sha256::digest(&data).into(), data.len() as u64)
                };
                header.set_size(body.len() as u64);
                builder.append_data(&mut header, &path, &body[..])?;
            } else if let Some(link) = link.filter(|_| kind.is_symlink() || kind.is_hard_link()) {
                header.set_size(0);
                builder.append_link(&mut header, &path, &link)?;
            } else {
                header.set_size(0);
                builder.append_data(&mut header, &path, &[][..])?;
            }
        }
        let stream = archive.into_inner();
        stream.finish()?;
        let tar = builder.into_inner()?;
        diff_ids.push(format!("sha256:{}", sha256_hex(&tar)));
        let mut enc = zstd::Encoder::new(Vec::new(), 19)?;
        enc.long_distance_matching(true)?;
        enc.write_all(&tar)?;
        let blob = enc.finish()?;
        let digest = format!("sha256:{}", sha256_hex(&blob));
        layer_descs.push(json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
            "digest": digest,
            "size": blob.len(),
        }));
        eprintln!("layer {i}: {} tar bytes -> {} zstd bytes", tar.len(), blob.len());
        blobs.push((digest, blob));
    }
    let mut config: Value = serde_json::to_value(&image.config)?;
    config["rootfs"]["diff_ids"] = json!(diff_ids);
    let config = serde_json::to_vec(&config)?;
    let config_digest = format!("sha256:{}", sha256_hex(&config));
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layer_descs,
    }))?;
    let manifest_digest = format!("sha256:{}", sha256_hex(&manifest));
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": name},
        }],
    }))?;
    blobs.push((config_digest, config));
    blobs.push((manifest_digest, manifest));

    let mut out_tar = tar::Builder::new(std::fs::File::create(out)?);
    let mut add = |name: &str, data: &[u8]| -> std::io::Result<()> {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        out_tar.append_data(&mut h, name, data)
    };
    add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    add("index.json", &index)?;
    for (digest, data) in &blobs {
        add(&format!("blobs/sha256/{}", digest.trim_start_matches("sha256:")), data)?;
    }
    out_tar.finish()?;
    Ok(())
}
