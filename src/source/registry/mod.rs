//! `docker://REF`: images in an OCI distribution registry, through oci-client.
//!
//! The registry is presented to the OCI layout reader as a [`Store`]: a synthetic
//! `index.json` pointing at the reference's manifest, and `blobs/ALG/HEX` fetched on demand
//! (manifests from the manifests endpoint, everything else from the blobs endpoint). So the
//! platform rules, nested indexes and config checks are the layout's, and nothing but the
//! manifests and the config is fetched until a layer is read. Layers stream from the network
//! into the decoder through a bounded channel; the digest is checked inline as they are read.
//! The requests are weigh's own (`http`), bounded in size, attempts and time; oci-client
//! answers the registry's token challenges.

mod blob;
mod creds;
mod http;

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciRef};

use super::store::{ReadSeek, Store};
use super::{Image, OpenOptions, SourceError};
use blob::NetBlob;
use creds::docker_credentials;
use http::Http;

/// Settings from the command line that apply to every registry pull.
#[derive(Clone, Default)]
pub struct RegistryOptions {
    pub username: Option<String>,
    /// Never printed: Debug leaves it out.
    pub password: Option<String>,
    /// Hosts (`host` or `host:port`) reached over plain HTTP.
    pub insecure: Vec<String>,
    /// Per-request timeout (connect, and between reads); default 60 s.
    pub timeout: Option<Duration>,
    /// The most a whole pull may take, retries included; default an hour.
    pub deadline: Option<Duration>,
    /// The registry `username` applies to: the first one an image is pulled from, shared by
    /// every copy of these options (one `weigh compare` may pull from two registries).
    pub(crate) credentials_host: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for RegistryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryOptions")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl RegistryOptions {
    /// Whether the command line's credentials go to `host`: the first host asked binds them.
    fn credentials_for(&self, host: &str) -> bool {
        if self.username.is_none() {
            return false;
        }
        let Ok(mut bound) = self.credentials_host.lock() else { return false };
        bound.get_or_insert_with(|| host.to_string()) == host
    }
}

const MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Manifests and indexes larger than this are never fetched from the manifests endpoint.
const MAX_MANIFEST: u64 = 4 << 20;

fn is_loopback(host: &str) -> bool {
    let h = host
        .rsplit_once(':')
        .map_or(host, |(h, p)| if p.chars().all(|c| c.is_ascii_digit()) { h } else { host });
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a reference written without a transport names a registry image rather than a
/// path: `host.name/repo[:tag]`, `host:port/repo`, `localhost/repo`, or `name@sha256:...`.
pub fn looks_like_reference(s: &str) -> bool {
    if s.starts_with(['/', '.', '~']) || s.ends_with(".tar") || s.contains("//") {
        return false;
    }
    if s.contains("@sha256:") {
        return true;
    }
    match s.split_once('/') {
        Some((host, rest)) => {
            !rest.is_empty() && (host.contains('.') || host.contains(':') || host == "localhost")
        }
        None => false,
    }
}

/// A message from elsewhere (a registry, an engine) on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Registry {
    rt: tokio::runtime::Runtime,
    http: Arc<Http>,
    /// The most bytes a manifest or index may have.
    limit: u64,
    /// Bytes of `index.json` and of the manifests fetched so far, by store member name.
    fetched: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Digests known to be manifests (an index's entries), fetched from the manifests endpoint.
    manifests: Mutex<HashSet<String>>,
    /// Blob sizes the manifest declares.
    sizes: Mutex<HashMap<String, u64>>,
}

impl Registry {
    fn manifest(&self, reference: &str, what: &str) -> Result<(Vec<u8>, String), SourceError> {
        self.rt.block_on(self.http.manifest(what, reference, &MANIFEST_TYPES.join(", "), self.limit))
    }

    /// Records what a manifest says about the blobs it names: an index's entries of a
    /// manifest type are manifests (fetched from that endpoint, and only when their declared
    /// size is one of a manifest's); an image manifest's config and layers have sizes, used
    /// when a registry sends no Content-Length.
    fn note_children(&self, bytes: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
        if let Some(list) = v.get("manifests").and_then(|m| m.as_array())
            && let Ok(mut known) = self.manifests.lock()
        {
            for d in list {
                let media = d.get("mediaType").and_then(|m| m.as_str()).unwrap_or(MANIFEST_TYPES[1]);
                let small =
                    d.get("size").and_then(|s| s.as_u64()).is_some_and(|s| s <= MAX_MANIFEST.min(self.limit));
                if let Some(digest) = d.get("digest").and_then(|x| x.as_str())
                    && MANIFEST_TYPES.contains(&media)
                    && small
                {
                    known.insert(digest.to_string());
                }
            }
        }
        let blobs = v.get("layers").and_then(|l| l.as_array()).into_iter().flatten().chain(v.get("config"));
        if let Ok(mut sizes) = self.sizes.lock() {
            for d in blobs {
                if let (Some(digest), Some(size)) =
                    (d.get("digest").and_then(|x| x.as_str()), d.get("size").and_then(|x| x.as_u64()))
                {
                    sizes.insert(digest.to_string(), size);
                }
            }
        }
    }
}

fn digest_of_member(name: &str) -> Option<String> {
    let rest = name.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    Some(format!("{alg}:{hex}"))
}

struct RegistryStore(Arc<Registry>);

impl Store for RegistryStore {
    fn open(&self, name: &str) -> Result<(Box<dyn ReadSeek>, u64), SourceError> {
        if let Some(b) = self.0.fetched.lock().ok().and_then(|f| f.get(name).cloned()) {
            let len = b.len() as u64;
            return Ok((Box::new(io::Cursor::new(b)), len));
        }
        let digest = digest_of_member(name).ok_or_else(|| SourceError::MissingBlob(name.to_string()))?;
        if self.0.manifests.lock().is_ok_and(|m| m.contains(&digest)) {
            let (bytes, _) = self.0.manifest(&digest, &format!("manifest {digest}"))?;
            self.0.note_children(&bytes);
            let len = bytes.len() as u64;
            return Ok((Box::new(io::Cursor::new(bytes)), len));
        }
        let blob = NetBlob::open(self.0.clone(), digest)?;
        let len = blob.len;
        Ok((Box::new(blob), len))
    }

    fn exists(&self, name: &str) -> bool {
        name == "index.json" || digest_of_member(name).is_some()
    }

    fn describe(&self) -> String {
        self.0.http.place.clone()
    }

    /// Each open is a download: the digest is computed inline instead of by a second reader.
    fn cheap_reopen(&self) -> bool {
        false
    }
}

/// Opens `docker://REF` (REF without the transport).
pub(super) fn open(reference: &str, opts: &OpenOptions) -> Result<Image, SourceError> {
    let r: OciRef = reference.parse().map_err(|e: oci_client::ParseError| {
        SourceError::NotFound(format!("not a valid image reference: {}", one_line(&e.to_string())))
    })?;
    let o = &opts.registry;
    let host = r.resolve_registry().to_string();
    let mut plain: Vec<String> = o.insecure.clone();
    if is_loopback(&host) {
        plain.push(host.clone());
    }
    let scheme = if plain.contains(&host) { "http" } else { "https" };
    let timeout = o.timeout.unwrap_or(Duration::from_secs(60));
    // TLS: rustls with the ring provider, installed once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = ClientConfig {
        protocol: ClientProtocol::HttpsExcept(plain),
        connect_timeout: Some(timeout),
        read_timeout: Some(timeout),
        user_agent: concat!("weigh/", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    let client = Client::try_from(config).map_err(|e| {
        SourceError::Registry(format!("cannot set up the registry client: {}", one_line(&e.to_string())))
    })?;
    // Credentials from the command line go to one registry only, the first one pulled from
    // (like `docker login HOST`); others get theirs from the docker config.
    let auth = match (&o.username, &o.password) {
        (Some(u), Some(p)) if o.credentials_for(&host) => RegistryAuth::Basic(u.clone(), p.clone()),
        _ => docker_credentials(&host).map_or(RegistryAuth::Anonymous, |(u, p)| RegistryAuth::Basic(u, p)),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SourceError::Registry(format!("cannot start the network runtime: {e}")))?;
    let deadline = o.deadline.unwrap_or(Duration::from_secs(3600));
    let http = Http::new(client, r.clone(), auth, scheme, timeout, deadline)?;
    let reg = Arc::new(Registry {
        rt,
        http: Arc::new(http),
        limit: opts.limits.document,
        fetched: Mutex::new(HashMap::new()),
        manifests: Mutex::new(HashSet::new()),
        sizes: Mutex::new(HashMap::new()),
    });
    let wanted = r.digest().map(str::to_string).unwrap_or_else(|| r.tag().unwrap_or("latest").to_string());
    let (bytes, digest) = reg.manifest(&wanted, "manifest")?;
    let media = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            let m = v.get("mediaType").and_then(|m| m.as_str()).map(str::to_string);
            m.or_else(|| {
                Some(
                    if v.get("manifests").is_some() { MANIFEST_TYPES[0] } else { MANIFEST_TYPES[1] }
                        .to_string(),
                )
            })
        })
        .ok_or_else(|| SourceError::Malformed(format!("manifest {digest} of {reference} is not JSON")))?;
    // The layout reader starts from index.json: one entry, the reference's manifest, named
    // by its tag like skopeo names an image it copies into a layout.
    let mut entry = serde_json::json!({"mediaType": media, "digest": digest, "size": bytes.len()});
    if let Some(tag) = r.tag() {
        entry["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
    }
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [entry]});
    reg.note_children(&bytes);
    if let Ok(mut f) = reg.fetched.lock() {
        f.insert("index.json".into(), Arc::from(index.to_string().into_bytes()));
        if let Some(member) = super::Digest::parse(&digest).map(|d| d.blob_path()) {
            f.insert(member, Arc::from(bytes));
        }
    }
    let store: Arc<dyn Store> = Arc::new(RegistryStore(reg));
    super::oci::open(store, None, opts)
}
