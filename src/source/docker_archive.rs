//! `docker save` archives: the legacy layout (`<id>/layer.tar`, `<id>.json` config) and the
//! OCI-flavoured layout Docker 25+ writes (`blobs/sha256/...`), both described by manifest.json.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::store::Store;
use super::{
    Digest, Identity, Image, LayerSource, OpenOptions, SourceError, Transport, Verify, config_platform,
    diff_ids, parse_config, parse_json, read_verified,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
    #[serde(default)]
    layer_sources: Option<HashMap<String, Source>>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
}

/// `blobs/sha256/<hex>` (Docker 25+) or `<hex>.json` (legacy config) names carry their digest.
fn digest_from_name(name: &str) -> Option<Digest> {
    let trimmed = name.trim_start_matches("./");
    if let Some(rest) = trimmed.strip_prefix("blobs/") {
        let (algo, hex) = rest.split_once('/')?;
        return Digest::parse(&format!("{algo}:{hex}"));
    }
    let stem = trimmed.strip_suffix(".json")?;
    Digest::parse(&format!("sha256:{stem}"))
}

/// Compares tags loosely: `docker.io/library/app:1` and `app:1` name the same image.
fn normalize_tag(t: &str) -> &str {
    let t = t.strip_prefix("docker.io/").unwrap_or(t);
    t.strip_prefix("library/").unwrap_or(t)
}

pub(super) fn open(
    store: Arc<dyn Store>,
    selector: Option<&str>,
    opts: &OpenOptions,
) -> Result<Image, SourceError> {
    let raw = store.read_small("manifest.json")?;
    let entries: Vec<Entry> = parse_json(&raw, "manifest.json")?;
    if entries.is_empty() {
        return Err(SourceError::Malformed("manifest.json lists no images".into()));
    }
    let tags = |e: &Entry| e.repo_tags.clone().unwrap_or_default();
    let all_names = || {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let t = tags(e);
                if t.is_empty() { format!("@{i}") } else { t.join(", ") }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let idx = match selector {
        Some(sel) if sel.starts_with('@') => {
            let n: usize =
                sel[1..].parse().map_err(|_| SourceError::Selection(format!("bad image index {sel:?}")))?;
            if n >= entries.len() {
                return Err(SourceError::Selection(format!(
                    "archive has {} images, no {sel}; it holds: {}",
                    entries.len(),
                    all_names()
                )));
            }
            n
        }
        Some(sel) => entries
            .iter()
            .position(|e| tags(e).iter().any(|t| t == sel || normalize_tag(t) == normalize_tag(sel)))
            .ok_or_else(|| {
                SourceError::Selection(format!(
                    "no image tagged {sel:?} in the archive; it holds: {}",
                    all_names()
                ))
            })?,
        None if entries.len() == 1 => 0,
        None => {
            return Err(SourceError::Selection(format!(
                "archive holds {} images; pick one with docker-archive:FILE:NAME:TAG or :@N: {}",
                entries.len(),
                all_names()
            )));
        }
    };
    let entry = &entries[idx];
    let config_digest = digest_from_name(&entry.config);
    let config_bytes = read_verified(store.as_ref(), &entry.config, config_digest.as_ref(), "image config")?;
    let config = parse_config(&config_bytes, &entry.config)?;
    let platform = config_platform(&config);
    if let Some(wanted) = &opts.platform
        && !platform.satisfies(wanted)
    {
        return Err(SourceError::Selection(format!("the image is {platform}, not {wanted}")));
    }
    let diffs = diff_ids(&config);
    if diffs.len() != entry.layers.len() {
        return Err(SourceError::Malformed(format!(
            "manifest.json lists {} layers but the config has {} diff_ids",
            entry.layers.len(),
            diffs.len()
        )));
    }
    let layers = entry
        .layers
        .iter()
        .zip(diffs)
        .map(|(location, diff_id)| {
            let digest = digest_from_name(location).filter(|_| location.contains("blobs/"));
            let media_type = diff_id
                .as_ref()
                .and_then(|d| entry.layer_sources.as_ref()?.get(&d.to_string())?.media_type.clone());
            let verify = match (&digest, &diff_id) {
                (Some(d), _) => Verify::Blob(d.clone()),
                (None, Some(d)) => Verify::DiffId(d.clone()),
                (None, None) => Verify::None,
            };
            LayerSource {
                location: location.clone(),
                digest,
                diff_id,
                media_type,
                declared_size: None,
                verify,
            }
        })
        .collect();
    Ok(Image {
        id: Identity {
            reference: String::new(),
            transport: Transport::DockerArchive,
            name: tags(entry).into_iter().next(),
            digest: config_digest.clone(),
            config_digest,
            platform,
            available_platforms: Vec::new(),
            base_name: super::base_annotation(None, &config, super::BASE_NAME),
            base_digest: super::base_annotation(None, &config, super::BASE_DIGEST),
        },
        config,
        layers,
        store,
    })
}
