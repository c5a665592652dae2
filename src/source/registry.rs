//! `docker://REF`: images in an OCI distribution registry, through oci-client.
//!
//! The registry is presented to the OCI layout reader as a [`Store`]: a synthetic
//! `index.json` pointing at the reference's manifest, and `blobs/ALG/HEX` fetched on demand
//! (manifests from the manifests endpoint, everything else from the blobs endpoint). So the
//! platform rules, nested indexes and config checks are the layout's, and nothing but the
//! manifests and the config is fetched until a layer is read. Layers stream from the network
//! into the decoder through a bounded channel; the digest is checked inline as they are read.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use oci_client::client::{BlobResponse, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciRef};

use super::store::{ReadSeek, Store};
use super::{BlobMismatch, Image, OpenOptions, SourceError};

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

/// Attempts per request before giving up on 429, 5xx and dropped connections.
const ATTEMPTS: u32 = 5;

/// Manifests and indexes larger than this are refused before they are fetched.
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

/// Whether the error is worth another attempt.
fn retryable(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::RequestError(_) | OciDistributionError::IoError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 429 || *code >= 500,
        OciDistributionError::RegistryError { envelope, .. } => {
            envelope.errors.iter().any(|x| matches!(x.code, OciErrorCode::Toomanyrequests))
        }
        _ => false,
    }
}

/// Backoff before attempt `n` (1-based): 0.2 s, 0.4 s, 0.8 s, ...
fn backoff(n: u32) -> Duration {
    Duration::from_millis(200u64 << (n - 1).min(5))
}

/// One line saying what failed, where, and what to do. Never includes credentials: only the
/// registry, the repository and the registry's status.
fn describe(r: &OciRef, what: &str, e: &OciDistributionError) -> SourceError {
    let place = format!("registry {}, repository {}", r.registry(), r.repository());
    let msg = match e {
        OciDistributionError::UnauthorizedError { .. } => format!(
            "{what}: {place}: 401 unauthorized: log in (docker login, or --username with --password-stdin) with an account that may pull it"
        ),
        OciDistributionError::AuthenticationFailure(_) => {
            format!("{what}: {place}: authentication failed: check the credentials")
        }
        OciDistributionError::ImageManifestNotFoundError(_) => {
            format!("{what}: {place}: no such image or tag: check the reference")
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<String> = envelope.errors.iter().map(|x| format!("{:?}", x.code)).collect();
            let hint = if envelope.errors.iter().any(|x| {
                matches!(
                    x.code,
                    OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
                )
            }) {
                "check the reference"
            } else if envelope
                .errors
                .iter()
                .any(|x| matches!(x.code, OciErrorCode::Denied | OciErrorCode::Unauthorized))
            {
                "check the credentials"
            } else {
                "try again later"
            };
            format!("{what}: {place}: the registry answered {}: {hint}", codes.join(", "))
        }
        OciDistributionError::ServerError { code, .. } if *code == 429 || *code >= 500 => format!(
            "{what}: {place}: HTTP {code} after {ATTEMPTS} attempts: the registry is failing, try again later"
        ),
        OciDistributionError::ServerError { code: 403, .. } => {
            format!(
                "{what}: {place}: HTTP 403 forbidden: check the credentials and the repository's permissions"
            )
        }
        OciDistributionError::ServerError { code: 404, .. } => {
            format!("{what}: {place}: HTTP 404 not found: check the reference")
        }
        OciDistributionError::ServerError { code, .. } => format!("{what}: {place}: HTTP {code}"),
        OciDistributionError::RequestError(re) if re.is_timeout() => format!(
            "{what}: {place}: timed out after {ATTEMPTS} attempts (raise --registry-timeout, or check the network)"
        ),
        OciDistributionError::RequestError(re) if re.is_connect() => format!(
            "{what}: {place}: cannot connect (is the registry up? for a plain-HTTP registry use --insecure-registry)"
        ),
        OciDistributionError::DigestError(d) => format!("{what}: {place}: digest mismatch: {d}"),
        other => format!("{what}: {place}: {}", one_line(&other.to_string())),
    };
    SourceError::Registry(msg)
}

/// A message from elsewhere (a registry, an engine) on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Credentials for `host` the way the docker CLI finds them: `credHelpers[host]`, else
/// `credsStore`, else `auths[host]` of `$DOCKER_CONFIG/config.json` (or `~/.docker`).
fn docker_credentials(host: &str) -> Option<(String, String)> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))?;
    let text = std::fs::read(dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_slice(&text).ok()?;
    // Docker Hub's key is its v1 URL; other registries are keyed by host, sometimes as a URL.
    let keys: Vec<String> = if host == "index.docker.io" || host == "docker.io" {
        vec!["https://index.docker.io/v1/".into(), "index.docker.io".into(), "docker.io".into()]
    } else {
        vec![host.into(), format!("https://{host}"), format!("http://{host}"), format!("https://{host}/v2/")]
    };
    let helper = keys
        .iter()
        .find_map(|k| config.get("credHelpers")?.get(k)?.as_str())
        .or_else(|| config.get("credsStore")?.as_str());
    // A helper that answers decides, as for docker; one that cannot be run leaves the
    // `auths` entries to decide.
    if let Some(h) = helper
        && let Some(answer) = credential_helper(h, &keys[0])
    {
        return answer;
    }
    let auths = config.get("auths")?;
    let entry = keys.iter().find_map(|k| auths.get(k)).or_else(|| {
        auths.as_object()?.iter().find_map(|(k, v)| {
            let bare = k.trim_start_matches("https://").trim_start_matches("http://");
            (bare.split('/').next() == Some(host)).then_some(v)
        })
    })?;
    if let (Some(u), Some(p)) =
        (entry.get("username").and_then(|v| v.as_str()), entry.get("password").and_then(|v| v.as_str()))
    {
        return Some((u.to_string(), p.to_string()));
    }
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(entry.get("auth")?.as_str()?.trim()).ok()?;
    let (u, p) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// `docker-credential-HELPER get`, the docker credential-helper protocol.
fn credential_helper(helper: &str, server: &str) -> Option<Option<(String, String)>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    // A helper waiting for a keyring to be unlocked must not hang the pull.
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Some(None);
            }
        }
    };
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_end(&mut stdout);
    }
    if !status.success() {
        return Some(None); // "credentials not found": anonymous
    }
    let v: serde_json::Value = serde_json::from_slice(&stdout).ok()?;
    let user = v.get("Username")?.as_str()?;
    // `<token>` marks an identity token, which needs an OAuth2 exchange weigh does not do.
    if user == "<token>" {
        return Some(None);
    }
    Some(Some((user.to_string(), v.get("Secret")?.as_str()?.to_string())))
}

struct Registry {
    rt: tokio::runtime::Runtime,
    client: Client,
    reference: OciRef,
    auth: RegistryAuth,
    /// Bytes of `index.json` and of the manifests fetched so far, by store member name.
    fetched: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Digests known to be manifests (an index's entries), fetched from the manifests endpoint.
    manifests: Mutex<HashSet<String>>,
    /// Blob sizes the manifest declares.
    sizes: Mutex<HashMap<String, u64>>,
}

impl Registry {
    async fn with_retries<T, F, Fut>(&self, mut f: F) -> Result<T, OciDistributionError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, OciDistributionError>>,
    {
        let mut attempt = 1;
        loop {
            match f().await {
                Err(e) if retryable(&e) && attempt < ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn manifest(&self, reference: &OciRef, what: &str) -> Result<(Vec<u8>, String), SourceError> {
        self.rt
            .block_on(
                self.with_retries(|| self.client.pull_manifest_raw(reference, &self.auth, &MANIFEST_TYPES)),
            )
            .map(|(b, d)| (b.to_vec(), d))
            .map_err(|e| describe(reference, what, &e))
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
                let small = d.get("size").and_then(|s| s.as_u64()).is_some_and(|s| s <= MAX_MANIFEST);
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
            let r = self.0.reference.clone_with_digest(digest.clone());
            let (bytes, _) = self.0.manifest(&r, &format!("manifest {digest}"))?;
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
        format!("registry {}, repository {}", self.0.reference.registry(), self.0.reference.repository())
    }

    /// Each open is a download: the digest is computed inline instead of by a second reader.
    fn cheap_reopen(&self) -> bool {
        false
    }
}

/// A blob streaming from the registry. A task on the runtime pulls it and resumes a dropped
/// download with a range request at the offset reached; chunks come through a bounded
/// channel, so memory stays at a few chunks per layer however large the blob.
struct NetBlob {
    /// Keeps the runtime the download task runs on alive while the blob is read.
    _reg: Arc<Registry>,
    len: u64,
    pos: u64,
    chunk: Bytes,
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    ended: bool,
    /// The error the download ended with, repeated to every later read.
    failed: Option<io::Error>,
}

impl NetBlob {
    fn open(reg: Arc<Registry>, digest: String) -> Result<NetBlob, SourceError> {
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(16);
        let r = reg.reference.clone();
        let what = format!("blob {digest}");
        // The first response is awaited here, so a missing blob or a refusal is an error of
        // `open`, and the length is known.
        let first = reg
            .rt
            .block_on(reg.with_retries(|| start(&reg.client, &r, &digest, 0)))
            .map_err(|e| describe(&r, &what, &e))?;
        let declared = reg.sizes.lock().ok().and_then(|s| s.get(&digest).copied());
        let len = first.len.or(declared).unwrap_or(0);
        // The task holds no reference to the runtime's owner, so the runtime is never dropped
        // from inside itself.
        let client = reg.client.clone();
        reg.rt.spawn(async move { pump(client, r, digest, first, tx).await });
        Ok(NetBlob { _reg: reg, len, pos: 0, chunk: Bytes::new(), rx, ended: false, failed: None })
    }
}

struct Started {
    len: Option<u64>,
    /// Bytes at the start of the stream to drop (a server that ignored the range).
    skip: u64,
    stream: futures_util::stream::BoxStream<'static, Result<Bytes, io::Error>>,
}

async fn start(
    client: &Client,
    r: &OciRef,
    digest: &str,
    offset: u64,
) -> Result<Started, OciDistributionError> {
    if offset == 0 {
        let s = client.pull_blob_stream(r, digest).await?;
        return Ok(Started { len: s.content_length, skip: 0, stream: s.stream });
    }
    Ok(match client.pull_blob_stream_partial(r, digest, offset, None).await? {
        BlobResponse::Partial(s) => Started { len: s.content_length, skip: 0, stream: s.stream },
        BlobResponse::Full(s) => Started {
            len: s.content_length.map(|l| l.saturating_sub(offset)),
            skip: offset,
            stream: s.stream,
        },
    })
}

/// oci-client's own digest check, which ends the stream with this error.
fn is_digest_failure(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<oci_client::errors::DigestError>())
}

async fn pump(
    client: Client,
    reference: OciRef,
    digest: String,
    first: Started,
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
) {
    // Bytes delivered so far: where a resumed download starts.
    let mut offset = 0u64;
    let mut current = Some(first);
    let mut attempt = 1;
    loop {
        let Started { mut skip, mut stream, .. } = match current.take() {
            Some(s) => s,
            None => match start(&client, &reference, &digest, offset).await {
                Ok(s) => s,
                Err(e) if retryable(&e) && attempt < ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => {
                    let msg = describe(&reference, &format!("blob {digest}"), &e).to_string();
                    let _ = tx.send(Err(io::Error::other(msg))).await;
                    return;
                }
            },
        };
        let mut dropped = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(mut b) => {
                    if skip > 0 {
                        let n = skip.min(b.len() as u64);
                        b = b.slice(n as usize..);
                        skip -= n;
                    }
                    if b.is_empty() {
                        continue;
                    }
                    offset += b.len() as u64;
                    // Progress: a later drop gets its full number of attempts again.
                    attempt = 1;
                    if tx.send(Ok(b)).await.is_err() {
                        return; // the reader is gone
                    }
                }
                Err(e) => {
                    if is_digest_failure(&e) {
                        let msg = "digest mismatch: the blob does not hash to its digest (corrupt or tampered layer)";
                        let _ = tx.send(Err(BlobMismatch::io(io::ErrorKind::InvalidData, msg.into()))).await;
                        return;
                    }
                    dropped = Some(e);
                    break;
                }
            }
        }
        match dropped {
            None => {
                // The end: an empty chunk, so a channel closed without one (a task that
                // failed) is not mistaken for a complete blob.
                let _ = tx.send(Ok(Bytes::new())).await;
                return;
            }
            Some(_) if tx.is_closed() => return,
            Some(_) if attempt < ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Some(e) => {
                let msg = format!(
                    "truncated blob: the download broke off at byte {offset} {ATTEMPTS} times, so it cannot match its digest ({})",
                    one_line(&e.to_string())
                );
                let _ = tx.send(Err(BlobMismatch::io(io::ErrorKind::UnexpectedEof, msg))).await;
                return;
            }
        }
    }
}

impl Read for NetBlob {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            if let Some(e) = &self.failed {
                // The same error again, keeping whether it says the blob is wrong.
                let again = match BlobMismatch::of(e) {
                    Some(m) => BlobMismatch::io(e.kind(), m),
                    None => io::Error::new(e.kind(), e.to_string()),
                };
                return Err(again);
            }
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) if b.is_empty() => self.ended = true,
                Some(Ok(b)) => self.chunk = b,
                Some(Err(e)) => self.failed = Some(e),
                None => {
                    let msg = "the download stopped unexpectedly";
                    self.failed = Some(io::Error::new(io::ErrorKind::UnexpectedEof, msg));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        self.pos += n as u64;
        Ok(n)
    }
}

/// Forward only, reading and dropping: a download is verified inline, so nothing seeks back
/// in it (only blobs whose contents are hashed later are read again, and those are files).
impl Seek for NetBlob {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        match target {
            Some(t) if t >= self.pos => {
                let skip = t - self.pos;
                io::copy(&mut self.by_ref().take(skip), &mut io::sink())?;
                Ok(self.pos)
            }
            _ => Err(io::Error::other("a registry download cannot seek backwards")),
        }
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
    let reg = Arc::new(Registry {
        rt,
        client,
        reference: r.clone(),
        auth,
        fetched: Mutex::new(HashMap::new()),
        manifests: Mutex::new(HashSet::new()),
        sizes: Mutex::new(HashMap::new()),
    });
    let (bytes, digest) = reg.manifest(&r, "manifest")?;
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
