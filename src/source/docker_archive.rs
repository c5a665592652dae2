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

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
}

#[derive(Deserialize)]
struct IndexDoc {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct ManifestDoc {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

/// The most manifests of an archive's index.json read to find the one an entry stands for:
/// each is read whole (within the document limit), so an index listing millions cannot make
/// weigh read them all.
const MAX_INDEX_MANIFESTS: usize = 256;

/// The config digest for an entry whose config name carries none, from the OCI index Docker 25+
/// writes beside manifest.json: the manifest whose layers are the entry's layers (or, when
/// the layers' names carry no digests, the only manifest of an archive of one image). `None` when the archive has no index.json; then
/// nothing in the archive names the config's digest, and the layers are still checked against
/// the config's diff_ids.
fn digest_from_index(
    store: &dyn Store,
    entry: &Entry,
    entries: usize,
    opts: &OpenOptions,
) -> Result<Option<Digest>, SourceError> {
    if !store.exists("index.json") {
        return Ok(None);
    }
    let raw = store.read_small("index.json", opts.limits.document)?;
    let index: IndexDoc = parse_json(&raw, "index.json")?;
    let wanted: Vec<Option<Digest>> =
        entry.layers.iter().map(|l| digest_from_name(l).ok().flatten()).collect();
    // Layers named without digests (legacy `<id>/layer.tar`) cannot be compared: then only
    // an archive of one image and one manifest says which config is this entry's.
    let comparable = wanted.iter().all(Option::is_some);
    let (mut images, mut last) = (0, None);
    for (i, m) in index.manifests.iter().take(MAX_INDEX_MANIFESTS).enumerate() {
        let Some(digest) = Digest::parse(&m.digest) else {
            return Err(SourceError::Malformed(format!("index.json: manifest {i} has a malformed digest")));
        };
        let location = digest.blob_path();
        if !store.exists(&location) {
            continue; // an index may list platforms the archive does not carry
        }
        let bytes = read_verified(store, &location, Some(&digest), "image manifest", opts)?;
        let Ok(manifest) = serde_json::from_slice::<ManifestDoc>(&bytes) else {
            continue; // a nested index or an attestation, not an image manifest
        };
        let config = Digest::parse(&manifest.config.digest).ok_or_else(|| {
            SourceError::Malformed(format!("manifest {digest}: config digest is malformed"))
        })?;
        let layers: Vec<Option<Digest>> = manifest.layers.iter().map(|l| Digest::parse(&l.digest)).collect();
        if comparable && layers == wanted {
            return Ok(Some(config));
        }
        images += 1;
        last = Some(config);
    }
    if !comparable && entries == 1 && images == 1 {
        return Ok(last);
    }
    Err(SourceError::Malformed(format!(
        "config {:?} carries no digest, and no manifest in index.json has this image's layers",
        entry.config
    )))
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
    let config_digest = match digest_from_name(&entry.config)
        .map_err(|e| SourceError::Malformed(format!("manifest.json: config {e}")))?
    {
        Some(d) => Some(d),
        None => digest_from_index(store.as_ref(), entry, entries.len(), opts)?,
    };
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
        provenance: None,
        store,
    })
}
