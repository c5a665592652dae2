//! Requests to one repository of a registry, with weigh's own bounds: every attempt has the
//! per-request timeout, every retry honours `Retry-After` (up to a cap), nothing runs past the
//! overall deadline, manifests are read no further than the document limit, and no message
//! carries a URL's query string (presigned blob URLs carry credentials there). oci-client
//! does the token exchange; the requests themselves are made here, where their status,
//! headers and bodies can be bounded.

use std::time::{Duration, Instant};

use bytes::Bytes;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciRef, RegistryOperation};
use sha2::Digest as _;

use super::one_line;
use crate::limits::Exceeded;
use crate::source::SourceError;

/// Attempts per request before giving up on 429, 5xx and network failures.
pub const ATTEMPTS: u32 = 5;

/// The longest `Retry-After` honoured: a registry asking for more is failing.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Bytes of an error body read for its error codes.
const MAX_ERROR_BODY: usize = 64 << 10;

pub struct Http {
    client: reqwest::Client,
    oci: Client,
    reference: OciRef,
    auth: RegistryAuth,
    token: tokio::sync::Mutex<Option<String>>,
    /// `SCHEME://REGISTRY/v2/REPOSITORY`.
    base: String,
    deadline: Instant,
    deadline_secs: u64,
    /// "registry X, repository Y", for messages.
    pub place: String,
}

/// How one attempt ended, when it did not succeed.
enum Attempt {
    /// Worth another attempt, after `after` if the server said so.
    Retry { after: Option<Duration>, why: Why },
    /// Final.
    Fail(String),
}

enum Why {
    Status(u16),
    Timeout,
    Connect,
    Other(String),
}

impl Http {
    pub fn new(
        oci: Client,
        reference: OciRef,
        auth: RegistryAuth,
        scheme: &str,
        timeout: Duration,
        deadline: Duration,
    ) -> Result<Http, SourceError> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .user_agent(concat!("weigh/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| {
                SourceError::Registry(format!("cannot set up the registry client: {}", clean(&e)))
            })?;
        let base = format!("{scheme}://{}/v2/{}", reference.resolve_registry(), reference.repository());
        let place = format!("registry {}, repository {}", reference.registry(), reference.repository());
        Ok(Http {
            client,
            oci,
            reference,
            auth,
            token: tokio::sync::Mutex::new(None),
            base,
            deadline: Instant::now() + deadline,
            deadline_secs: deadline.as_secs(),
            place,
        })
    }

    /// A GET of `path` (below the repository) that succeeded, after retries.
    pub async fn get(
        &self,
        what: &str,
        path: &str,
        accept: &str,
        range: Option<u64>,
    ) -> Result<reqwest::Response, SourceError> {
        let fail = |m: String| SourceError::Registry(format!("{what}: {}: {m}", self.place));
        let mut attempt = 1;
        let mut reauthed = false;
        loop {
            match self.once(path, accept, range, &mut reauthed).await {
                Ok(r) => return Ok(r),
                Err(Attempt::Fail(m)) => return Err(fail(m)),
                Err(Attempt::Retry { after, why }) => {
                    if attempt >= ATTEMPTS {
                        return Err(fail(exhausted(&why)));
                    }
                    self.pause(after.unwrap_or_else(|| backoff(attempt))).await.map_err(fail)?;
                    attempt += 1;
                }
            }
        }
    }

    /// Sleeps before another attempt, unless that would pass the deadline.
    pub async fn pause(&self, d: Duration) -> Result<(), String> {
        if Instant::now() + d > self.deadline {
            return Err(self.past_deadline());
        }
        tokio::time::sleep(d).await;
        Ok(())
    }

    pub fn past_deadline(&self) -> String {
        format!("gave up: the pull passed its deadline of {} s (--registry-deadline)", self.deadline_secs)
    }

    pub fn expired(&self) -> bool {
        Instant::now() > self.deadline
    }

    async fn once(
        &self,
        path: &str,
        accept: &str,
        range: Option<u64>,
        reauthed: &mut bool,
    ) -> Result<reqwest::Response, Attempt> {
        let url = format!("{}/{path}", self.base);
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Attempt::Fail(self.past_deadline()));
        }
        let mut rb = self.client.get(&url).header("Accept", accept);
        if let Some(offset) = range.filter(|&o| o > 0) {
            rb = rb.header("Range", format!("bytes={offset}-"));
        }
        rb = match (&*self.token.lock().await, &self.auth) {
            (Some(t), _) => rb.bearer_auth(t),
            (None, RegistryAuth::Basic(u, p)) => rb.basic_auth(u, Some(p)),
            _ => rb,
        };
        let sent =
            tokio::time::timeout(left, rb.send()).await.map_err(|_| Attempt::Fail(self.past_deadline()))?;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                let why = if e.is_timeout() {
                    Why::Timeout
                } else if e.is_connect() {
                    Why::Connect
                } else {
                    Why::Other(clean(&e))
                };
                return Err(Attempt::Retry { after: None, why });
            }
        };
        let status = resp.status().as_u16();
        match status {
            200..=299 => Ok(resp),
            401 if !*reauthed => {
                *reauthed = true;
                let token = self
                    .oci
                    .auth(&self.reference, &self.auth, RegistryOperation::Pull)
                    .await
                    .map_err(|e| Attempt::Fail(format!("authentication failed: {}", redact(&e.to_string()))))?;
                *self.token.lock().await = token;
                Err(Attempt::Retry { after: Some(Duration::ZERO), why: Why::Status(401) })
            }
            401 => Err(Attempt::Fail(
                "401 unauthorized: log in (docker login, or --username with --password-stdin) with an account that may pull it".into(),
            )),
            429 | 500..=599 => {
                let after = retry_after(resp.headers());
                Err(Attempt::Retry { after, why: Why::Status(status) })
            }
            _ => Err(Attempt::Fail(status_message(status, error_codes(resp).await))),
        }
    }

    /// A manifest (by tag or digest): its bytes, read no further than `limit`, and their digest.
    pub async fn manifest(
        &self,
        what: &str,
        reference: &str,
        accept: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, String), SourceError> {
        let resp = self.get(what, &format!("manifests/{reference}"), accept, None).await?;
        let too_large = |n: u64| {
            SourceError::Limit(Exceeded {
                name: "document",
                limit,
                what: format!("{what} from {} has {n} bytes", self.place),
            })
        };
        if let Some(n) = resp.content_length().filter(|&n| n > limit) {
            return Err(too_large(n));
        }
        let mut body = Vec::new();
        let mut resp = resp;
        loop {
            let chunk = self
                .chunk(&mut resp)
                .await
                .map_err(|m| SourceError::Registry(format!("{what}: {}: {m}", self.place)))?;
            let Some(chunk) = chunk else { break };
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large(body.len() as u64 + chunk.len() as u64));
            }
            body.extend_from_slice(&chunk);
        }
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&body)));
        // By digest, the answer must be that manifest (by tag, any is the tag's).
        if reference.starts_with("sha256:") && reference != digest {
            return Err(SourceError::Registry(format!(
                "{what}: {}: digest mismatch: the manifest hashes to {digest}",
                self.place
            )));
        }
        Ok((body, digest))
    }

    /// The next piece of a body; `None` at its end. Bounded by the deadline.
    pub async fn chunk(&self, resp: &mut reqwest::Response) -> Result<Option<Bytes>, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, resp.chunk()).await {
            Err(_) => Err(self.past_deadline()),
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) if e.is_timeout() => {
                Err("timed out mid-download (raise --registry-timeout, or check the network)".into())
            }
            Ok(Err(e)) => Err(format!("the download broke off ({})", clean(&e))),
        }
    }
}

/// Before attempt `n + 1` (`n` from 1): 0.2 s, 0.4 s, 0.8 s, ... up to 6.4 s.
pub fn backoff(n: u32) -> Duration {
    Duration::from_millis(200u64 << (n - 1).min(5))
}

/// `Retry-After` in seconds (the HTTP-date form is rare from registries and taken as absent).
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: u64 = h.get("retry-after")?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

fn exhausted(why: &Why) -> String {
    match why {
        Why::Status(code) => {
            format!("HTTP {code} after {ATTEMPTS} attempts: the registry is failing, try again later")
        }
        Why::Timeout => {
            format!("timed out after {ATTEMPTS} attempts (raise --registry-timeout, or check the network)")
        }
        Why::Connect => {
            "cannot connect (is the registry up? for a plain-HTTP registry use --insecure-registry)".into()
        }
        Why::Other(m) => format!("{m} ({ATTEMPTS} attempts)"),
    }
}

/// The distribution spec's error codes in a failed response's body, if it has any.
async fn error_codes(mut resp: reqwest::Response) -> Vec<String> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match resp.chunk().await {
            Ok(Some(c)) => body.extend_from_slice(&c[..c.len().min(MAX_ERROR_BODY - body.len())]),
            _ => break,
        }
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else { return Vec::new() };
    let list = v.get("errors").and_then(|e| e.as_array()).cloned().unwrap_or_default();
    list.iter()
        .filter_map(|e| e.get("code")?.as_str())
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(str::to_string)
        .collect()
}

fn status_message(status: u16, codes: Vec<String>) -> String {
    let has = |c: &str| codes.iter().any(|x| x == c);
    let answered = if codes.is_empty() { String::new() } else { format!(" ({})", codes.join(", ")) };
    if has("MANIFEST_UNKNOWN") || has("NAME_UNKNOWN") || (status == 404 && codes.is_empty()) {
        return format!("HTTP {status}{answered}: no such image or tag: check the reference");
    }
    match status {
        403 => {
            format!("HTTP 403 forbidden{answered}: check the credentials and the repository's permissions")
        }
        404 => format!("HTTP 404 not found{answered}: check the reference"),
        _ => format!("HTTP {status}{answered}"),
    }
}

/// A reqwest error in words, without its URL (a redirect's may be presigned).
fn clean(e: &reqwest::Error) -> String {
    let mut s = one_line(&e.to_string());
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), &strip_query(u.as_str()));
    }
    redact(&s)
}

fn strip_query(url: &str) -> String {
    match url.split_once('?') {
        Some((head, _)) => format!("{head}?..."),
        None => url.to_string(),
    }
}

/// Any URL in a message, its query string cut.
pub fn redact(s: &str) -> String {
    one_line(s)
        .split(' ')
        .map(|w| if w.contains("://") { strip_query(w) } else { w.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_never_reach_a_message() {
        let m = redact(
            "error sending request for url (https://bucket.s3.example/blob?X-Amz-Signature=abc&X-Amz-Credential=k)",
        );
        assert!(!m.contains("Signature") && !m.contains("Credential"), "{m}");
        assert!(m.contains("https://bucket.s3.example/blob?..."), "{m}");
    }

    #[test]
    fn retry_after_is_capped() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", "86400".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
