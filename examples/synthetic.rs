//! Writes a synthetic OCI layout with many files, for benchmarks of scale (memory per file,
//! merge speed, and later the TUI on 1,000,000 files).
//!
//!     cargo run --release --example synthetic -- OUT_DIR [FILES] [LAYERS]
//!
//! Paths look like node_modules trees; sizes vary; each layer after the first overwrites and
//! deletes some of the files before it, so waste and whiteouts are exercised too.

use std::io::Write;

use serde_json::json;
use sha2::{Digest, Sha256};

fn hex_sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).ok_or("usage: synthetic OUT_DIR [FILES] [LAYERS]")?);
    let files: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let layers: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(8);
    std::fs::create_dir_all(out.join("blobs/sha256"))?;
    let per_layer = files.div_ceil(layers);
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    let mut history = Vec::new();
    let body = vec![b'x'; 64 * 1024];
    for l in 0..layers {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..per_layer {
            let n = l * per_layer + i;
            if n >= files {
                break;
            }
            let path = format!("app/node_modules/pkg{}/lib/sub{}/file{}.js", n / 500, (n / 50) % 10, n);
            let size = (n * 7919) % 4096;
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(size as u64);
            b.append_data(&mut h, &path, &body[..size])?;
        }
        if l > 0 {
            // Overwrite a few files of the previous layer and delete one package.
            for i in 0..100.min(per_layer) {
                let n = (l - 1) * per_layer + i;
                let path = format!("app/node_modules/pkg{}/lib/sub{}/file{}.js", n / 500, (n / 50) % 10, n);
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o644);
                h.set_size(10);
                b.append_data(&mut h, &path, &body[..10])?;
            }
            let victim = ((l - 1) * per_layer + per_layer / 2) / 500;
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(0);
            b.append_data(&mut h, format!("app/node_modules/.wh.pkg{victim}"), &[][..])?;
        }
        let tar = b.into_inner()?;
        diff_ids.push(format!("sha256:{}", hex_sha(&tar)));
        let mut enc = zstd::Encoder::new(Vec::new(), 3)?;
        enc.write_all(&tar)?;
        let blob = enc.finish()?;
        let d = hex_sha(&blob);
        std::fs::write(out.join("blobs/sha256").join(&d), &blob)?;
        descs.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": format!("sha256:{d}"), "size": blob.len()}));
        history.push(json!({"created_by": format!("RUN /bin/sh -c generate layer {l} # buildkit")}));
    }
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
    }))?;
    let cd = hex_sha(&config);
    std::fs::write(out.join("blobs/sha256").join(&cd), &config)?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{cd}"), "size": config.len()},
        "layers": descs,
    }))?;
    let md = hex_sha(&manifest);
    std::fs::write(out.join("blobs/sha256").join(&md), &manifest)?;
    std::fs::write(out.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    std::fs::write(
        out.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{md}"),
            "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))?,
    )?;
    Ok(())
}
