//! `docker-daemon:REF`: an image in a local Docker engine (or Podman's Docker-compatible
//! socket), exported through the engine API's `GET /images/{name}/get`.
//!
//! The export is a `docker save` tar whose `manifest.json` comes after the layers (the engine
//! writes members in name order), so nothing can be attributed before the whole stream has
//! passed. The stream is therefore spooled to a temporary file, removed when the image is
//! dropped, and read from there like a docker-archive.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use super::store::{Store, TarStore};
use super::{Image, OpenOptions, SourceError};

enum Endpoint {
    Unix(String),
    Tcp(String),
}

fn endpoint() -> Result<Endpoint, SourceError> {
    let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
    let host = host.as_deref().unwrap_or("unix:///var/run/docker.sock");
    if let Some(path) = host.strip_prefix("unix://") {
        return Ok(Endpoint::Unix(path.to_string()));
    }
    if let Some(addr) = host.strip_prefix("tcp://").or_else(|| host.strip_prefix("http://")) {
        return Ok(Endpoint::Tcp(addr.trim_end_matches('/').to_string()));
    }
    Err(SourceError::Unsupported(format!(
        "DOCKER_HOST={host}: only unix:// and tcp:// (without TLS) engines are supported"
    )))
}

trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

fn connect(e: &Endpoint) -> io::Result<Box<dyn Conn>> {
    match e {
        #[cfg(unix)]
        Endpoint::Unix(path) => {
            // An engine that accepts and then never answers (a hung dockerd, a socket another
            // program holds) must not hang weigh: the same bounds as over TCP.
            let s = std::os::unix::net::UnixStream::connect(path)?;
            s.set_read_timeout(Some(ENGINE_TIMEOUT))?;
            s.set_write_timeout(Some(ENGINE_TIMEOUT))?;
            Ok(Box::new(s))
        }
        #[cfg(not(unix))]
        Endpoint::Unix(_) => Err(io::Error::other("unix sockets are not available here")),
        Endpoint::Tcp(addr) => {
            use std::net::ToSocketAddrs;
            let mut last = io::Error::other(format!("{addr} resolves to no address"));
            for a in addr.to_socket_addrs()? {
                match std::net::TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
                    Ok(s) => {
                        s.set_read_timeout(Some(ENGINE_TIMEOUT))?;
                        s.set_write_timeout(Some(ENGINE_TIMEOUT))?;
                        return Ok(Box::new(s));
                    }
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
    }
}

/// How long the engine may stay silent mid-answer: `docker save` of a large image can pause
/// while the engine gathers layers, so this is minutes, not seconds.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn describe(e: &Endpoint) -> String {
    match e {
        Endpoint::Unix(p) => format!("unix://{p}"),
        Endpoint::Tcp(a) => format!("tcp://{a}"),
    }
}

/// Percent-encodes what may not appear in a path segment; `/` and `:` stay, as the engine's
/// router takes image names with them.
fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"/:._-@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn open(name: &str, opts: &OpenOptions) -> Result<Image, SourceError> {
    let ep = endpoint()?;
    let mut conn = connect(&ep).map_err(|e| {
        SourceError::NotFound(format!(
            "no Docker engine answers at {} ({e}): start one, or point DOCKER_HOST at it",
            describe(&ep)
        ))
    })?;
    // HTTP/1.0: the engine then sends the body as is and closes the connection at its end,
    // so there is no chunked encoding to undo.
    let request =
        format!("GET /images/{}/get HTTP/1.0\r\nHost: docker\r\nUser-Agent: weigh\r\n\r\n", encode(name));
    let io_err =
        |e: io::Error| SourceError::Io { what: format!("the Docker engine at {}", describe(&ep)), source: e };
    conn.write_all(request.as_bytes()).map_err(io_err)?;
    let mut r = BufReader::with_capacity(1 << 20, conn);
    // A line of the head longer than this is not an engine's.
    let line_of = |r: &mut BufReader<Box<dyn Conn>>| -> Result<String, SourceError> {
        let mut line = String::new();
        r.by_ref().take(16 * 1024).read_line(&mut line).map_err(io_err)?;
        Ok(line)
    };
    let status = line_of(&mut r)?;
    let code: u16 = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| {
        SourceError::Malformed(format!("{} did not answer HTTP: {:?}", describe(&ep), status.trim()))
    })?;
    let mut length = None;
    for _ in 0..200 {
        let line = line_of(&mut r)?;
        if line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "transfer-encoding" && !value.eq_ignore_ascii_case("identity") {
            return Err(SourceError::Unsupported(format!(
                "{} answered with {value} transfer encoding, which weigh does not read (is a proxy in between?)",
                describe(&ep)
            )));
        }
        if name == "content-length" {
            length = value.parse::<u64>().ok();
        }
    }
    if code != 200 {
        let mut body = String::new();
        let _ = r.by_ref().take(64 * 1024).read_to_string(&mut body);
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| body.trim().to_string());
        let message = super::registry::one_line(&message);
        return Err(if code == 404 {
            SourceError::NotFound(format!("the Docker engine has no image {name}: {message}"))
        } else {
            SourceError::Registry(format!("the Docker engine answered HTTP {code} for {name}: {message}"))
        });
    }
    let tmp_err = |e: io::Error| SourceError::Io { what: "a temporary file".into(), source: e };
    let mut spool = tempfile::Builder::new().prefix("weigh-export-").tempfile().map_err(tmp_err)?;
    let copied = io::copy(&mut r, spool.as_file_mut()).map_err(io_err)?;
    spool.as_file_mut().flush().map_err(tmp_err)?;
    if let Some(expected) = length
        && copied != expected
    {
        return Err(SourceError::Malformed(format!(
            "the Docker engine's export of {name} ended after {copied} of {expected} bytes"
        )));
    }
    let store: Arc<dyn Store> = Arc::new(TarStore::from_spool(spool.into_temp_path())?);
    if !store.exists("manifest.json") {
        return Err(SourceError::Malformed(format!(
            "the Docker engine's export of {name} has no manifest.json (truncated?)"
        )));
    }
    super::docker_archive::open(store, None, opts)
}
