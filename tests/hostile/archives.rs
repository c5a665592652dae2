//! Broken `docker save` archives, legacy and Docker 25+ (an OCI index beside manifest.json).

use std::path::Path;

use serde_json::json;

use super::Case;
use super::cases::{edit_json, is_config, small, write_archive};
use super::support::*;

/// Broken `docker save` archives.
pub(super) fn archives(dir: &Path) -> Vec<Case> {
    let mut v = Vec::new();
    let img = small();
    let good = docker_archive_files(&[(&["app:1"], &img)], true);
    v.push(Case::refused(
        "archive without manifest.json",
        write_archive(
            dir,
            "no-manifest",
            &good.iter().filter(|(n, _)| n != "manifest.json").cloned().collect::<Vec<_>>(),
        ),
        "manifest.json",
    ));
    v.push(Case::refused(
        "archive missing a layer",
        write_archive(
            dir,
            "no-layer",
            &good
                .iter()
                .filter(|(n, _)| !n.ends_with("layer.tar") || n.starts_with('0'))
                .cloned()
                .collect::<Vec<_>>(),
        ),
        "missing",
    ));
    let upper = edit_json(&good, is_config, |c| {
        let id = c["rootfs"]["diff_ids"][0].as_str().unwrap().to_string();
        c["rootfs"]["diff_ids"][0] = json!(format!("sha256:{}", id[7..].to_uppercase()));
    });
    // The config's name no longer matches its content: rename it to its new digest.
    let upper = rename_config(upper);
    v.push(Case::refused(
        "legacy archive with an uppercase diff_id",
        write_archive(dir, "upper-diff-id", &upper),
        "not a digest",
    ));
    let bad_name = edit_json(
        &good,
        |n| n == "manifest.json",
        |m| {
            let c = m[0]["Config"].as_str().unwrap().to_uppercase().replace(".JSON", ".json");
            m[0]["Config"] = json!(c);
        },
    );
    v.push(Case::refused(
        "config named by a malformed digest",
        write_archive(dir, "config-name", &bad_name),
        "digest",
    ));
    let tags = edit_json(
        &good,
        |n| n == "manifest.json",
        |m| {
            m[0]["RepoTags"] = json!(["evil\u{1b}]0;pwned\u{7}:\r1", "\u{1b}[2J:latest"]);
        },
    );
    v.push(Case::ok("control characters in RepoTags", write_archive(dir, "tags", &tags)));
    let swapped = edit_json(&good, is_config, |c| c["rootfs"]["diff_ids"].as_array_mut().unwrap().reverse());
    v.push(Case::refused(
        "legacy archive with its diff_ids swapped",
        write_archive(dir, "diff-id-swap", &rename_config(swapped)),
        "digest mismatch",
    ));
    // Docker 25+ archives with the config renamed to a name without a digest: only the OCI
    // index beside manifest.json says what the config must hash to.
    let oci = docker_archive_files(&[(&["app:1"], &img)], false);
    v.push(Case::ok(
        "config.json named by the index's manifest",
        write_archive(dir, "d25", &docker25(&oci, |_| {}, false)),
    ));
    v.push(Case::refused(
        "config.json changed after the index named it",
        write_archive(dir, "d25-tampered", &docker25(&oci, |c| c.extend_from_slice(b" "), false)),
        "digest mismatch",
    ));
    v.push(Case::refused(
        "config.json with no manifest in the index for its layers",
        write_archive(dir, "d25-other", &docker25(&oci, |_| {}, true)),
        "no manifest in index.json",
    ));
    let p = dir.join("cut.tar");
    write_tar(&p, &good);
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() * 2 / 3]).unwrap();
    v.push(Case::refused("archive cut short", format!("docker-archive:{}", p.display()), "weigh: "));
    let p = dir.join("empty.tar");
    std::fs::write(&p, b"").unwrap();
    v.push(Case::refused("an empty file", p.display().to_string(), "weigh: "));
    let p = dir.join("noise.bin");
    std::fs::write(&p, (0..100_000u32).map(|i| (i.wrapping_mul(97) >> 3) as u8).collect::<Vec<_>>()).unwrap();
    v.push(Case::refused("random bytes", p.display().to_string(), "weigh: "));
    v
}

/// Renames a legacy archive's config to the digest of its (changed) content.
fn rename_config(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let (old, new) = files
        .iter()
        .find(|(n, _)| n.ends_with(".json") && n != "manifest.json")
        .map(|(n, d)| (n.clone(), format!("{}.json", &sha256(d)[7..])))
        .unwrap();
    files
        .into_iter()
        .map(|(n, d)| {
            if n == old {
                (new.clone(), d)
            } else if n == "manifest.json" {
                let text = String::from_utf8(d).unwrap().replace(&old, &new);
                (n, text.into_bytes())
            } else {
                (n, d)
            }
        })
        .collect()
}

/// A Docker 25+ archive whose config is renamed `config.json`, with the index.json and the
/// image manifest Docker writes beside it. The manifest names the config's digest before
/// `tamper` changes it; `foreign` makes the manifest describe other layers.
fn docker25(
    files: &[(String, Vec<u8>)],
    tamper: impl Fn(&mut Vec<u8>),
    foreign: bool,
) -> Vec<(String, Vec<u8>)> {
    let entry: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    let config_name = entry[0]["Config"].as_str().unwrap().to_string();
    let config = files.iter().find(|(n, _)| *n == config_name).unwrap().1.clone();
    let layers: Vec<serde_json::Value> = entry[0]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let name = l.as_str().unwrap();
            let data = &files.iter().find(|(n, _)| n == name).unwrap().1;
            let digest = if foreign { format!("sha256:{}", "0".repeat(64)) } else { sha256(data) };
            json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": data.len()})
        })
        .collect();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(&config), "size": config.len()},
        "layers": layers,
    }))
    .unwrap();
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&manifest),
            "size": manifest.len(),
            "annotations": {"io.containerd.image.name": "docker.io/library/app:1", "org.opencontainers.image.ref.name": "1"},
        }],
    }))
    .unwrap();
    let mut out: Vec<(String, Vec<u8>)> =
        files.iter().filter(|(n, _)| *n != config_name && n != "manifest.json").cloned().collect();
    let mut changed = config;
    tamper(&mut changed);
    out.push(("config.json".into(), changed));
    out.push((blob_path(&sha256(&manifest)), manifest));
    out.push(("index.json".into(), index));
    let mut entry = entry;
    entry[0]["Config"] = json!("config.json");
    out.push(("manifest.json".into(), serde_json::to_vec(&entry).unwrap()));
    out
}
