//! Image sources: references, manifests, platform selection, configs, and each layer blob
//! opened as a verified, decompressed byte stream.

mod ahead;
mod daemon;
pub mod digest;
mod docker_archive;
mod layer;
mod oci;
pub mod platform;
pub mod provenance;
pub mod registry;
pub mod store;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oci_spec::image::ImageConfiguration;
use serde::Serialize;

pub use digest::Digest;
pub use layer::{BlobMismatch, Checked, Compression, LayerStream};
pub use platform::Platform;
use store::{DirStore, Store, TarStore};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Malformed(String),
    #[error("blob {0} is missing from the image")]
    MissingBlob(String),
    #[error("{0}")]
    Selection(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Registry(String),
    #[error("layer {index} ({digest}): {message}")]
    Layer { index: usize, digest: String, message: String },
    #[error("{0}")]
    Limit(crate::limits::Exceeded),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    DockerArchive,
    Oci,
    OciArchive,
    /// `docker://`: an OCI distribution registry.
    #[serde(rename = "docker")]
    Registry,
    DockerDaemon,
}

/// A parsed image reference: `TRANSPORT:PATH[:SELECTOR]` or a bare path to sniff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub transport: Option<Transport>,
    pub path: PathBuf,
    /// A tag (`name:tag`), an OCI ref name, or `@N` for the N-th image of an archive.
    pub selector: Option<String>,
}

impl Reference {
    pub fn parse(s: &str) -> Result<Reference, SourceError> {
        let transports = [
            ("docker-archive:", Transport::DockerArchive),
            ("oci-archive:", Transport::OciArchive),
            ("oci:", Transport::Oci),
        ];
        for (prefix, transport) in transports {
            if let Some(rest) = s.strip_prefix(prefix) {
                if rest.is_empty() {
                    return Err(SourceError::NotFound(format!("no path after {prefix}")));
                }
                let (path, selector) = split_selector(rest);
                return Ok(Reference { transport: Some(transport), path, selector });
            }
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return Ok(Reference {
                transport: Some(Transport::Registry),
                path: PathBuf::new(),
                selector: Some(rest.to_string()),
            });
        }
        if let Some(rest) = s.strip_prefix("docker-daemon:") {
            return Ok(Reference {
                transport: Some(Transport::DockerDaemon),
                path: PathBuf::new(),
                selector: Some(rest.to_string()),
            });
        }
        for prefix in ["containers-storage:", "dir:"] {
            if s.starts_with(prefix) {
                return Err(SourceError::Unsupported(format!(
                    "{s}: the {} transport is not supported (use docker://, docker-daemon:, docker-archive:, oci: or oci-archive:)",
                    prefix.trim_end_matches(['/', ':'])
                )));
            }
        }
        // A registry reference written without `docker://`, when it is not a path.
        if !Path::new(s).exists() && registry::looks_like_reference(s) {
            return Ok(Reference {
                transport: Some(Transport::Registry),
                path: PathBuf::new(),
                selector: Some(s.to_string()),
            });
        }
        let (path, selector) = split_selector(s);
        Ok(Reference { transport: None, path, selector })
    }
}

/// `file.tar:name:tag` → (`file.tar`, `name:tag`), unless the whole string is an existing
/// path (paths may contain colons).
fn split_selector(s: &str) -> (PathBuf, Option<String>) {
    if Path::new(s).exists() {
        return (PathBuf::from(s), None);
    }
    match s.split_once(':') {
        Some((path, sel)) if !path.is_empty() && !sel.is_empty() && Path::new(path).exists() => {
            (PathBuf::from(path), Some(sel.to_string()))
        }
        _ => (PathBuf::from(s), None),
    }
}

#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `--platform`; `None` means the host's, and a single-platform image is then taken as is.
    pub platform: Option<Platform>,
    /// How registries are reached (`docker://`).
    pub registry: registry::RegistryOptions,
    pub limits: crate::limits::Limits,
}

/// How a layer blob is checked as it streams.
#[derive(Debug, Clone)]
pub enum Verify {
    /// The compressed blob hashes to its descriptor digest (OCI layouts, Docker 25+ archives).
    Blob(Digest),
    /// The uncompressed tar hashes to the config's diff_id (legacy `docker save` layer.tar).
    DiffId(Digest),
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerSource {
    /// Member of the store holding the blob.
    #[serde(skip)]
    pub location: String,
    /// Digest of the blob as stored (compressed for registries and OCI layouts).
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub media_type: Option<String>,
    /// Size the manifest declares for the blob, when it declares one.
    pub declared_size: Option<u64>,
    #[serde(skip)]
    pub verify: Verify,
}

impl LayerSource {
    /// The identity shown to users: the blob digest when known, else the diff_id.
    pub fn display_digest(&self) -> String {
        self.digest
            .as_ref()
            .or(self.diff_id.as_ref())
            .map(Digest::short)
            .unwrap_or_else(|| self.location.clone())
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which image this is: everything about it but its contents.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// The reference as the user wrote it.
    pub reference: String,
    pub transport: Transport,
    /// Tag or ref name, when the archive or layout records one.
    pub name: Option<String>,
    /// Digest of the image manifest (OCI) or, for `docker save` archives, of the config (the image ID).
    pub digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub platform: Platform,
    /// Platforms of the index the image was chosen from, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub available_platforms: Vec<Platform>,
    /// The base image as the builder recorded it (`org.opencontainers.image.base.name` and
    /// `.digest`, from the manifest's annotations or the config's labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_digest: Option<String>,
}

pub const BASE_NAME: &str = "org.opencontainers.image.base.name";
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// A base-image annotation: the manifest's, else the config's label of the same name.
pub(crate) fn base_annotation(
    manifest: Option<&std::collections::HashMap<String, String>>,
    config: &ImageConfiguration,
    key: &str,
) -> Option<String> {
    manifest
        .and_then(|m| m.get(key))
        .or_else(|| config.config().as_ref()?.labels().as_ref()?.get(key))
        .filter(|v| !v.is_empty())
        .cloned()
}

pub struct Image {
    pub id: Identity,
    pub config: ImageConfiguration,
    pub layers: Vec<LayerSource>,
    /// The build's provenance attestation, when the image carries one (OCI layouts and
    /// registries: docker archives hold none).
    pub provenance: Option<provenance::Provenance>,
    store: Arc<dyn Store>,
}

impl Image {
    pub fn open(reference: &str, opts: &OpenOptions) -> Result<Image, SourceError> {
        let r = Reference::parse(reference)?;
        let remote = match (r.transport, r.selector.as_deref()) {
            (Some(Transport::Registry), Some(name)) => Some(registry::open(name, opts)?),
            (Some(Transport::DockerDaemon), Some(name)) => Some(daemon::open(name, opts)?),
            (Some(Transport::Registry | Transport::DockerDaemon), None) => {
                return Err(SourceError::NotFound("no image name after the transport".into()));
            }
            _ => None,
        };
        if let Some(mut image) = remote {
            image.id.reference = reference.to_string();
            image.id.transport = r.transport.unwrap_or(Transport::Registry);
            return Ok(image);
        }
        let transport = match r.transport {
            Some(t) => t,
            None => sniff(&r.path)?,
        };
        if !r.path.exists() {
            return Err(SourceError::NotFound("no such file or directory".into()));
        }
        let store: Arc<dyn Store> = if r.path.is_dir() {
            Arc::new(DirStore::new(r.path.clone()))
        } else {
            Arc::new(TarStore::open(&r.path)?)
        };
        let mut image = match transport {
            Transport::DockerArchive => docker_archive::open(store, r.selector.as_deref(), opts)?,
            Transport::Oci | Transport::OciArchive => oci::open(store, r.selector.as_deref(), opts)?,
            Transport::Registry | Transport::DockerDaemon => unreachable!("opened above"),
        };
        image.id.reference = reference.to_string();
        image.id.transport = transport;
        Ok(image)
    }

    /// Opens layer `index` as a decompressed stream whose digest is checked by `finish`.
    pub fn open_layer(
        &self,
        index: usize,
        progress: Option<Box<dyn FnMut(u64) + Send>>,
    ) -> Result<LayerStream, SourceError> {
        self.open_layer_with(index, progress, false, true)
    }

    /// [`Image::open_layer`], computing the uncompressed digest when `want_diff_id`. A local
    /// blob's digest is taken from a second view of it: on a thread of its own when
    /// `spare_core`, else on the reading thread once the tar is read (when every core already
    /// reads a layer, one more thread only slows the longest layer down).
    pub fn open_layer_with(
        &self,
        index: usize,
        progress: Option<Box<dyn FnMut(u64) + Send>>,
        want_diff_id: bool,
        spare_core: bool,
    ) -> Result<LayerStream, SourceError> {
        let layer = &self.layers[index];
        let (reader, size) = self.store.open(&layer.location).map_err(|e| SourceError::Layer {
            index,
            digest: layer.display_digest(),
            message: match e {
                SourceError::MissingBlob(_) => {
                    format!("blob {} is missing from the image", layer.location)
                }
                other => other.to_string(),
            },
        })?;
        // When the store is files, a second reader of the same blob is cheap: it lets the digest
        // be computed on another core while this one decodes.
        let second = if self.store.cheap_reopen() {
            let mapped = self.store.map(&layer.location).map(layer::Second::Mapped);
            mapped.or_else(|| self.store.open(&layer.location).ok().map(|(r, _)| layer::Second::Reader(r)))
        } else {
            None
        };
        LayerStream::new(index, layer, reader, size, second.map(|s| (s, spare_core)), progress, want_diff_id)
    }

    /// Layer `index`'s blob as stored, for reading parts of it again (plain tar layers).
    pub fn open_blob(&self, index: usize) -> Result<Box<dyn store::ReadSeek>, SourceError> {
        self.store
            .open(&self.layers[index].location)
            .map(|(r, _)| r)
            .map_err(|e| self.layer_error(index, e.to_string()))
    }

    /// Layer `index`'s blob as a mapped range of a local file, for reading parts of it again
    /// without copying them; `None` when it is not a local file.
    pub fn map_blob(&self, index: usize) -> Option<store::MappedRange> {
        self.store.map(&self.layers[index].location)
    }

    pub fn layer_error(&self, index: usize, message: String) -> SourceError {
        SourceError::Layer { index, digest: self.layers[index].display_digest(), message }
    }

    /// Size of layer `index`'s blob as stored, without reading it.
    pub fn blob_size(&self, index: usize) -> Option<u64> {
        let layer = &self.layers[index];
        layer.declared_size.or_else(|| self.store.open(&layer.location).ok().map(|(_, s)| s))
    }
}

fn sniff(path: &Path) -> Result<Transport, SourceError> {
    let md = std::fs::metadata(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            SourceError::NotFound("no such file or directory".into())
        } else {
            SourceError::Io { what: path.display().to_string(), source: e }
        }
    })?;
    if md.is_dir() {
        if path.join("manifest.json").is_file() {
            return Ok(Transport::DockerArchive);
        }
        if path.join("index.json").is_file() || path.join("oci-layout").is_file() {
            return Ok(Transport::Oci);
        }
        return Err(SourceError::Malformed(
            "a directory, but neither an OCI image layout nor a docker save directory".into(),
        ));
    }
    let mut magic = [0u8; 4];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| SourceError::Io { what: path.display().to_string(), source: e })?;
        f.read(&mut magic).unwrap_or(0)
    };
    if n >= 2 && magic[..2] == [0x1f, 0x8b] || n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
        return Err(SourceError::Unsupported(
            "a compressed file; decompress it first (docker save and OCI archives are read as plain tar)"
                .into(),
        ));
    }
    let store = TarStore::open(path)?;
    if store.exists("manifest.json") {
        Ok(Transport::DockerArchive)
    } else if store.exists("index.json") {
        Ok(Transport::OciArchive)
    } else {
        Err(SourceError::Malformed(
            "a tar archive, but not a container image (no manifest.json or index.json)".into(),
        ))
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, SourceError> {
    serde_json::from_slice(bytes).map_err(|e| SourceError::Malformed(format!("{what} is not valid: {e}")))
}

/// Reads a blob named by digest, verifying its digest (and size when declared).
pub(crate) fn read_verified(
    store: &dyn Store,
    location: &str,
    digest: Option<&Digest>,
    what: &str,
    opts: &OpenOptions,
) -> Result<Vec<u8>, SourceError> {
    let bytes = store.read_small(location, opts.limits.document).map_err(|e| match e {
        SourceError::MissingBlob(_) => SourceError::MissingBlob(format!("{location} ({what})")),
        other => other,
    })?;
    if let Some(d) = digest {
        let got = digest::digest_bytes(d.algorithm, &bytes);
        if &got != d {
            return Err(SourceError::Malformed(format!(
                "{what} {location}: digest mismatch: content hashes to {got}, expected {d}"
            )));
        }
    }
    Ok(bytes)
}

pub(crate) fn parse_config(bytes: &[u8], what: &str) -> Result<ImageConfiguration, SourceError> {
    ImageConfiguration::from_reader(bytes)
        .map_err(|e| SourceError::Malformed(format!("{what} is not a valid image config: {e}")))
}

pub(crate) fn config_platform(config: &ImageConfiguration) -> Platform {
    Platform {
        os: config.os().to_string(),
        architecture: config.architecture().to_string(),
        variant: config.variant().clone(),
    }
}

/// The config's diff_ids, every one a well-formed digest: a layer without one could not be
/// checked, so an image with a malformed one is refused.
pub(crate) fn diff_ids(config: &ImageConfiguration) -> Result<Vec<Digest>, SourceError> {
    config
        .rootfs()
        .diff_ids()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Digest::parse(d).ok_or_else(|| {
                SourceError::Malformed(format!(
                    "the config's diff_id {i} is not a digest: {:?}",
                    shorten(d, 80)
                ))
            })
        })
        .collect()
}

/// At most `n` characters of an untrusted string, for an error message.
pub(crate) fn shorten(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// An error about layer `index` found while reading its entries.
pub fn layer_error(index: usize, stream: &LayerStream, message: String) -> SourceError {
    SourceError::Layer { index, digest: stream.label().to_string(), message }
}
