//! OCI image layouts (a directory, or the same as a tar for oci-archive), including
//! multi-platform indexes and Docker manifest lists inside them.

use std::sync::Arc;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};

use super::store::Store;
use super::{
    Digest, Identity, Image, LayerSource, OpenOptions, Platform, SourceError, Transport, Verify,
    config_platform, diff_ids, parse_config, read_verified,
};

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

fn digest_of(d: &Descriptor) -> Result<Digest, SourceError> {
    let s = d.digest().to_string();
    Digest::parse(&s).ok_or_else(|| SourceError::Unsupported(format!("unsupported digest {s:?}")))
}

fn annotation<'a>(d: &'a Descriptor, key: &str) -> Option<&'a str> {
    d.annotations().as_ref()?.get(key).map(String::as_str)
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    annotation(d, REF_NAME).or_else(|| annotation(d, CONTAINERD_NAME))
}

fn descriptor_platform(d: &Descriptor) -> Option<Platform> {
    d.platform().as_ref().map(|p| Platform {
        os: p.os().to_string(),
        architecture: p.architecture().to_string(),
        variant: p.variant().clone(),
    })
}

fn is_index_media_type(m: &str) -> bool {
    m == "application/vnd.oci.image.index.v1+json"
        || m == "application/vnd.docker.distribution.manifest.list.v2+json"
}

fn is_attestation(d: &Descriptor) -> bool {
    annotation(d, "vnd.docker.reference.type") == Some("attestation-manifest")
        || descriptor_platform(d).is_some_and(|p| p.is_unknown())
}

fn parse_index(bytes: &[u8], what: &str) -> Result<ImageIndex, SourceError> {
    ImageIndex::from_reader(bytes)
        .map_err(|e| SourceError::Malformed(format!("{what} is not a valid image index: {e}")))
}

fn describe_names(descs: &[Descriptor]) -> String {
    descs
        .iter()
        .enumerate()
        .map(|(i, d)| ref_name(d).map(str::to_string).unwrap_or_else(|| format!("@{i}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the manifest for the wanted platform from an index's entries.
fn choose_platform<'a>(
    descs: &'a [Descriptor],
    opts: &OpenOptions,
) -> Result<(&'a Descriptor, Vec<Platform>), SourceError> {
    let candidates: Vec<&Descriptor> = descs.iter().filter(|d| !is_attestation(d)).collect();
    let platforms: Vec<Platform> = candidates.iter().filter_map(|d| descriptor_platform(d)).collect();
    let wanted = opts.platform.clone().unwrap_or_else(Platform::host);
    if let Some(d) = candidates.iter().find(|d| descriptor_platform(d).is_some_and(|p| p.satisfies(&wanted)))
    {
        return Ok((d, platforms));
    }
    // An index entry without a platform can only be chosen when it is the only choice.
    if candidates.len() == 1 && descriptor_platform(candidates[0]).is_none() {
        return Ok((candidates[0], platforms));
    }
    let list = if platforms.is_empty() {
        "none".to_string()
    } else {
        platforms.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    };
    Err(SourceError::Selection(format!(
        "no image for platform {wanted} in the index; it has: {list} (choose one with --platform)"
    )))
}

pub(super) fn open(
    store: Arc<dyn Store>,
    selector: Option<&str>,
    opts: &OpenOptions,
) -> Result<Image, SourceError> {
    if !store.exists("index.json") {
        return Err(SourceError::Malformed("no index.json: not an OCI image layout".into()));
    }
    let top = parse_index(&store.read_small("index.json", opts.limits.document)?, "index.json")?;
    let manifests = top.manifests();
    if manifests.is_empty() {
        return Err(SourceError::Malformed("index.json lists no images".into()));
    }
    let mut available = Vec::new();
    let (mut desc, name) = match selector {
        Some(sel) if sel.starts_with('@') => {
            let n: usize =
                sel[1..].parse().map_err(|_| SourceError::Selection(format!("bad image index {sel:?}")))?;
            let d = manifests.get(n).ok_or_else(|| {
                SourceError::Selection(format!(
                    "layout has {} images, no {sel}: {}",
                    manifests.len(),
                    describe_names(manifests)
                ))
            })?;
            (d.clone(), ref_name(d).map(str::to_string))
        }
        Some(sel) => {
            let d = manifests
                .iter()
                .find(|d| {
                    ref_name(d).is_some_and(|n| n == sel || n.rsplit_once(':').is_some_and(|(_, t)| t == sel))
                })
                .ok_or_else(|| {
                    SourceError::Selection(format!(
                        "no image named {sel:?} in the layout; it has: {}",
                        describe_names(manifests)
                    ))
                })?;
            (d.clone(), ref_name(d).map(str::to_string))
        }
        None => {
            let named: Vec<&Descriptor> = manifests.iter().filter(|d| !is_attestation(d)).collect();
            if named.len() == 1 {
                (named[0].clone(), ref_name(named[0]).map(str::to_string))
            } else if manifests.iter().all(|d| descriptor_platform(d).is_some()) {
                // index.json itself is the multi-platform index.
                let (d, platforms) = choose_platform(manifests, opts)?;
                available = platforms;
                (d.clone(), ref_name(d).map(str::to_string))
            } else {
                return Err(SourceError::Selection(format!(
                    "layout holds {} images; pick one with oci:DIR:NAME or :@N: {}",
                    manifests.len(),
                    describe_names(manifests)
                )));
            }
        }
    };

    // Follow nested indexes (a tag pointing at a multi-arch index) down to one manifest. The
    // manifests beside the one chosen may hold its provenance.
    let mut siblings: Vec<Descriptor> = manifests.to_vec();
    let mut manifest_bytes = None;
    for _ in 0..4 {
        let digest = digest_of(&desc)?;
        let bytes = read_verified(store.as_ref(), &digest.blob_path(), Some(&digest), "manifest", opts)?;
        let media = desc.media_type().to_string();
        let looks_like_index = is_index_media_type(&media)
            || serde_json::from_slice::<serde_json::Value>(&bytes)
                .is_ok_and(|v| v.get("manifests").is_some());
        if looks_like_index {
            let index = parse_index(&bytes, &format!("index {digest}"))?;
            let (d, platforms) = choose_platform(index.manifests(), opts)?;
            available = platforms;
            desc = d.clone();
            siblings = index.manifests().to_vec();
        } else {
            manifest_bytes = Some((digest, bytes));
            break;
        }
    }
    let (manifest_digest, bytes) =
        manifest_bytes.ok_or_else(|| SourceError::Malformed("indexes nest too deeply".into()))?;
    let manifest = ImageManifest::from_reader(&bytes[..])
        .map_err(|e| SourceError::Malformed(format!("manifest {manifest_digest} is not valid: {e}")))?;

    let provenance = super::provenance::find(store.as_ref(), &siblings, &manifest_digest, opts)?;
    let config_digest = digest_of(manifest.config())?;
    let config_bytes = read_verified(
        store.as_ref(),
        &config_digest.blob_path(),
        Some(&config_digest),
        "image config",
        opts,
    )?;
    let config = parse_config(&config_bytes, &format!("config {config_digest}"))?;
    let platform = config_platform(&config);
    if let Some(wanted) = &opts.platform
        && !platform.satisfies(wanted)
    {
        return Err(SourceError::Selection(format!("the image is {platform}, not {wanted}")));
    }

    let diffs = diff_ids(&config)?;
    if diffs.len() != manifest.layers().len() {
        return Err(SourceError::Malformed(format!(
            "manifest lists {} layers but the config has {} diff_ids",
            manifest.layers().len(),
            diffs.len()
        )));
    }
    let layers = manifest
        .layers()
        .iter()
        .zip(diffs)
        .map(|(d, diff_id)| {
            let digest = digest_of(d)?;
            Ok(LayerSource {
                location: digest.blob_path(),
                verify: Verify::Blob(digest.clone()),
                digest: Some(digest),
                diff_id: Some(diff_id),
                media_type: Some(d.media_type().to_string()),
                declared_size: Some(d.size()),
            })
        })
        .collect::<Result<Vec<_>, SourceError>>()?;

    Ok(Image {
        id: Identity {
            reference: String::new(),
            transport: Transport::Oci,
            name,
            digest: Some(manifest_digest),
            config_digest: Some(config_digest),
            platform,
            available_platforms: available,
            base_name: super::base_annotation(manifest.annotations().as_ref(), &config, super::BASE_NAME),
            base_digest: super::base_annotation(manifest.annotations().as_ref(), &config, super::BASE_DIGEST),
        },
        config,
        layers,
        provenance,
        store,
    })
}
