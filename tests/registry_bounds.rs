//! A registry that misbehaves, in process: rate limits with `Retry-After`, a manifest larger
//! than any real one, downloads that trickle and drop forever, presigned redirects, a server
//! that never answers. weigh ends each within its bounds, and no URL's query string reaches
//! stderr.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    /// 429 with `Retry-After: 1` for the first four layer requests (two per layer, as the two
    /// layers are read at once).
    RateLimited,
    /// The manifest is 20 MiB of JSON, sent without a Content-Length.
    HugeManifest,
    /// Every blob response sends a few bytes and drops.
    Trickle,
    /// Blobs redirect to a presigned URL that answers garbage.
    PresignedBroken,
    /// Blobs redirect to a presigned URL that serves them.
    PresignedGood,
    /// Blob requests are accepted and never answered.
    Hang,
}

const SECRET: &str = "X-Amz-Signature=SECRET-0123456789";

struct Server {
    port: u16,
    blob_hits: Arc<AtomicUsize>,
}

fn image() -> Built {
    build(&Img::new(vec![
        Layer::new(vec![file("etc/os-release", 200, b'o')]),
        Layer::new(vec![E::File("app/server.js", (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect())]),
    ]))
}

impl Server {
    fn start(fault: Fault) -> Server {
        let built = Arc::new(image());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let blob_hits = Arc::new(AtomicUsize::new(0));
        let hits = blob_hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (built, hits) = (built.clone(), hits.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &built, fault, &hits, port);
                });
            }
        });
        Server { port, blob_hits }
    }
}

fn respond(
    conn: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)
}

fn serve(
    mut conn: TcpStream,
    built: &Built,
    fault: Fault,
    hits: &AtomicUsize,
    port: u16,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut range = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range = v.trim().trim_end_matches('-').parse().unwrap_or(0);
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    if path == "/v2/" {
        return respond(&mut conn, "200 OK", &[], b"{}");
    }
    if let Some(reference) = path.strip_prefix("/v2/app/manifests/") {
        if fault == Fault::HugeManifest {
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nConnection: close\r\n\r\n")?;
            conn.write_all(b"{\"schemaVersion\":2,\"padding\":\"")?;
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..20 {
                conn.write_all(&chunk)?;
            }
            return conn.write_all(b"\"}");
        }
        if reference != "latest" && reference != built.manifest_digest {
            return respond(&mut conn, "404 Not Found", &[], br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#);
        }
        let ct = ("Content-Type", "application/vnd.oci.image.manifest.v1+json".to_string());
        return respond(&mut conn, "200 OK", &[ct], &built.manifest);
    }
    let (digest, presigned) = match (path.strip_prefix("/v2/app/blobs/"), path.strip_prefix("/presigned/")) {
        (Some(d), _) => (d.to_string(), false),
        (_, Some(d)) => (d.split('?').next().unwrap_or("").to_string(), true),
        _ => return respond(&mut conn, "404 Not Found", &[], b""),
    };
    let Some((_, blob)) = built.blobs.iter().find(|(d, _)| *d == digest) else {
        return respond(&mut conn, "404 Not Found", &[], br#"{"errors":[{"code":"BLOB_UNKNOWN"}]}"#);
    };
    let is_layer = *blob != built.config;
    if is_layer && !presigned {
        hits.fetch_add(1, Ordering::SeqCst);
    }
    match fault {
        Fault::RateLimited if is_layer && hits.load(Ordering::SeqCst) <= 4 => {
            return respond(&mut conn, "429 Too Many Requests", &[("Retry-After", "1".into())], b"");
        }
        Fault::PresignedBroken | Fault::PresignedGood if is_layer && !presigned => {
            let to = format!("http://127.0.0.1:{port}/presigned/{digest}?{SECRET}");
            return respond(&mut conn, "307 Temporary Redirect", &[("Location", to)], b"");
        }
        Fault::PresignedBroken if presigned => {
            return conn.write_all(b"this is not HTTP at all\r\n\r\n");
        }
        Fault::Hang if is_layer => {
            std::thread::sleep(Duration::from_secs(60));
            return Ok(());
        }
        Fault::Trickle if is_layer => {
            let start = range.min(blob.len());
            let head = format!(
                "HTTP/1.1 {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                if start > 0 { "206 Partial Content" } else { "200 OK" },
                blob.len() - start
            );
            conn.write_all(head.as_bytes())?;
            return conn.write_all(&blob[start..(start + 100).min(blob.len())]);
        }
        _ => {}
    }
    respond(&mut conn, "200 OK", &[], blob)
}

fn weigh(port: u16, extra: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let timeout: &[&str] =
        if extra.contains(&"--registry-timeout") { &[] } else { &["--registry-timeout", "2"] };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_weigh"))
        .args(["inspect", "-q"])
        .args(timeout)
        .args(extra)
        .arg(format!("docker://127.0.0.1:{port}/app:latest"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), err, started.elapsed())
}

#[test]
fn a_plain_pull_works() {
    let s = Server::start(Fault::None);
    let (code, err, _) = weigh(s.port, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn rate_limits_wait_for_retry_after() {
    let s = Server::start(Fault::RateLimited);
    let (code, err, took) = weigh(s.port, &[]);
    assert_eq!(code, 0, "{err}");
    // Two answers of "Retry-After: 1": a second each, where the backoff alone is 0.6 s.
    assert!(took >= Duration::from_secs(2), "retried after {took:?}");
    assert!(s.blob_hits.load(Ordering::SeqCst) >= 6);
}

#[test]
fn a_manifest_past_the_document_limit_is_cut_off() {
    let s = Server::start(Fault::HugeManifest);
    let (code, err, took) = weigh(s.port, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--limit document"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Raised past it, the (invalid) manifest is read whole and refused for what it is.
    let (code, err, _) = weigh(s.port, &["--limit", "document=64MiB"]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("--limit document"), "{err}");
}

#[test]
fn a_download_that_trickles_and_drops_forever_ends() {
    let s = Server::start(Fault::Trickle);
    let (code, err, took) = weigh(s.port, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("layer") && err.contains("truncated"), "{err}");
    assert!(took < Duration::from_secs(30), "gave up after {took:?}");
    let hits = s.blob_hits.load(Ordering::SeqCst);
    assert!((2..=12).contains(&hits), "{hits} requests for the blob");
}

#[test]
fn presigned_urls_never_reach_stderr() {
    let s = Server::start(Fault::PresignedGood);
    let (code, err, _) = weigh(s.port, &[]);
    assert_eq!(code, 0, "{err}");
    let s = Server::start(Fault::PresignedBroken);
    let (code, err, _) = weigh(s.port, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("SECRET") && !err.contains("Signature"), "{err}");
}

#[test]
fn the_deadline_ends_a_pull_that_hangs() {
    let s = Server::start(Fault::Hang);
    let (code, err, took) = weigh(s.port, &["--registry-timeout", "30", "--registry-deadline", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--registry-deadline"), "{err}");
    assert!(took < Duration::from_secs(10), "ended after {took:?}");
}
