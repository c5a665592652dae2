//! A blob streaming from the registry. A task on the runtime pulls it and resumes a dropped
//! download with a range request at the offset reached; chunks come through a bounded
//! channel, so memory stays at a few chunks per layer however large the blob.
//!
//! A download that keeps breaking off is given up on: each blob has a budget of attempts
//! that progress earns back only slowly (one per 64 MiB delivered), so a server that sends a
//! little and drops forever ends in a bounded number of attempts, and the pull's deadline
//! bounds the whole.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use bytes::Bytes;

use super::Registry;
use super::http::{ATTEMPTS, Http, backoff};
use crate::source::{BlobMismatch, SourceError};

/// Delivered bytes that earn one more attempt after a drop.
const EARNS_AN_ATTEMPT: u64 = 64 << 20;

pub(super) struct NetBlob {
    /// Keeps the runtime the download task runs on alive while the blob is read.
    _reg: Arc<Registry>,
    pub len: u64,
    pos: u64,
    chunk: Bytes,
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    ended: bool,
    /// The error the download ended with, repeated to every later read.
    failed: Option<io::Error>,
}

const ACCEPT: &str = "*/*";

impl NetBlob {
    pub fn open(reg: Arc<Registry>, digest: String) -> Result<NetBlob, SourceError> {
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(16);
        let what = format!("blob {digest}");
        // The first response is awaited here, so a missing blob or a refusal is an error of
        // `open`, and the length is known.
        let path = format!("blobs/{digest}");
        let first = reg.rt.block_on(reg.http.get(&what, &path, ACCEPT, None))?;
        let declared = reg.sizes.lock().ok().and_then(|s| s.get(&digest).copied());
        let len = first.content_length().or(declared).unwrap_or(0);
        let http = reg.http.clone();
        reg.rt.spawn(async move { pump(http, what, path, first, tx).await });
        Ok(NetBlob { _reg: reg, len, pos: 0, chunk: Bytes::new(), rx, ended: false, failed: None })
    }
}

async fn pump(
    http: Arc<Http>,
    what: String,
    path: String,
    first: reqwest::Response,
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
) {
    let fail = |m: String| io::Error::other(format!("{what}: {}: {m}", http.place));
    // Bytes delivered so far: where a resumed download starts.
    let mut offset = 0u64;
    let mut current = Some(first);
    let mut attempts = 1u32;
    loop {
        let mut resp = match current.take() {
            Some(r) => r,
            None => match http.get(&what, &path, ACCEPT, Some(offset)).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                    return;
                }
            },
        };
        // A server that ignores the range sends the blob from its start again.
        let mut skip = if offset > 0 && resp.status().as_u16() == 200 { offset } else { 0 };
        let dropped = loop {
            match http.chunk(&mut resp).await {
                Ok(None) => break None,
                Ok(Some(mut b)) => {
                    if skip > 0 {
                        let n = skip.min(b.len() as u64);
                        b = b.slice(n as usize..);
                        skip -= n;
                    }
                    if b.is_empty() {
                        continue;
                    }
                    offset += b.len() as u64;
                    if tx.send(Ok(b)).await.is_err() {
                        return; // the reader is gone
                    }
                }
                Err(m) => break Some(m),
            }
        };
        let Some(why) = dropped else {
            // The end: an empty chunk, so a channel closed without one (a task that failed) is
            // not mistaken for a complete blob.
            let _ = tx.send(Ok(Bytes::new())).await;
            return;
        };
        if tx.is_closed() {
            return;
        }
        let budget = ATTEMPTS as u64 + offset / EARNS_AN_ATTEMPT;
        if http.expired() {
            let _ = tx.send(Err(fail(http.past_deadline()))).await;
            return;
        }
        if (attempts as u64) >= budget {
            let msg = format!(
                "truncated blob: the download broke off {attempts} times, last at byte {offset}, so it cannot match its digest ({why})"
            );
            let _ = tx.send(Err(BlobMismatch::io(io::ErrorKind::UnexpectedEof, msg))).await;
            return;
        }
        if let Err(m) = http.pause(backoff(attempts)).await {
            let _ = tx.send(Err(fail(m))).await;
            return;
        }
        attempts += 1;
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
