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

/// The digest a member's name says it has: `blobs/sha256/<hex>` (Docker 25+), `<hex>.json`
/// (legacy config), `sha256:<hex>` (crane's tarballs). `None` for names that do not look like
/// a digest at all; a name that looks like one but is malformed (uppercase, short) is an error,
/// never a member left unchecked.
fn digest_from_name(name: &str) -> Result<Option<Digest>, String> {
    let trimmed = name.trim_start_matches("./");
    let claimed = if let Some(rest) = trimmed.strip_prefix("blobs/") {
        match rest.split_once('/') {
            Some((algo, hex)) => format!("{algo}:{hex}"),
            None => return Err(format!("{name:?} is not blobs/ALGORITHM/HEX")),
        }
    } else if trimmed.starts_with("sha256:") || trimmed.starts_with("sha512:") {
        trimmed.trim_end_matches(".json").to_string()
    } else {
        match trimmed.strip_suffix(".json") {
            Some(stem) if stem.len() >= 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()) => {
                format!("sha256:{stem}")
            }
            _ => return Ok(None),
        }
    };
    Digest::parse(&claimed).map(Some).ok_or_else(|| format!("{name:?} does not name a valid digest"))
}

fn named_digest(name: &str, what: &str) -> Result<Digest, SourceError> {
    match digest_from_name(name) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(SourceError::Malformed(format!("{what} {name:?} does not name a digest"))),
        Err(e) => Err(SourceError::Malformed(format!("manifest.json: {what} {e}"))),
    }
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
    let raw = store.read_small("manifest.json", opts.limits.document)?;
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
    let config_digest = digest_from_name(&entry.config)
        .map_err(|e| SourceError::Malformed(format!("manifest.json: config {e}")))?;
    let config_bytes =
        read_verified(store.as_ref(), &entry.config, config_digest.as_ref(), "image config", opts)?;
    let config = parse_config(&config_bytes, &entry.config)?;
    let platform = config_platform(&config);
    if let Some(wanted) = &opts.platform
        && !platform.satisfies(wanted)
    {
        return Err(SourceError::Selection(format!("the image is {platform}, not {wanted}")));
    }
    let diffs = diff_ids(&config)?;
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
            let digest =
                if location.contains("blobs/") { Some(named_digest(location, "layer")?) } else { None };
            let media_type =
                entry.layer_sources.as_ref().and_then(|s| s.get(&diff_id.to_string())?.media_type.clone());
            let verify = match &digest {
                Some(d) => Verify::Blob(d.clone()),
                None => Verify::DiffId(diff_id.clone()),
            };
            Ok(LayerSource {
                location: location.clone(),
                digest,
                diff_id: Some(diff_id),
                media_type,
                declared_size: None,
                verify,
            })
        })
        .collect::<Result<Vec<_>, SourceError>>()?;
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
