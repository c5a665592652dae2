//! Decompressing a layer on a thread of its own, ahead of the tar reader.
//!
//! One layer's inflate is the longest serial piece of work weigh does on a large gzip image
//! (the largest layer is often most of the image). Parsing tar headers, cleaning paths and
//! hashing bodies on the same thread puts all of that on the critical path; handing decoded
//! chunks to the reader over a small bounded queue takes it off, and skipped entry bodies are
//! never copied again: the reader steps over them inside the chunk.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes decoded per chunk: large enough that the queue costs nothing per byte.
const CHUNK: usize = 256 * 1024;
/// Chunks decoded ahead of the reader (the memory one layer holds: about 1 MiB).
const QUEUE: usize = 4;

/// What the decoding thread hands over: a chunk, or the error that ended the stream.
type Message = io::Result<Vec<u8>>;

pub struct ReadAhead<R> {
    chunks: Option<Receiver<Message>>,
    /// Chunks read, returned for the decoder to fill again.
    spare: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
    /// The stream ended: at its end (`None`) or with an error (its kind and words, for every
    /// read after the one that returned it).
    ended: Option<Option<(io::ErrorKind, String)>>,
    handle: Option<JoinHandle<R>>,
    /// Bytes handed out or skipped so far.
    position: u64,
}

impl<R: Read + Send + 'static> ReadAhead<R> {
    pub fn new(mut inner: R) -> ReadAhead<R> {
        let (tx, chunks) = sync_channel::<Message>(QUEUE);
        let (spare, spares) = sync_channel::<Vec<u8>>(QUEUE + 2);
        let handle = std::thread::spawn(move || {
            loop {
                let mut buf = spares.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
                buf.resize(CHUNK, 0);
                let (n, error) = fill(&mut inner, &mut buf);
                buf.truncate(n);
                // The bytes before an error first, so the reader meets it where it happened.
                if n > 0 && tx.send(Ok(buf)).is_err() {
                    break; // the reader is gone
                }
                if let Some(e) = error {
                    let _ = tx.send(Err(e));
                    break;
                }
                if n == 0 {
                    break;
                }
            }
            inner
        });
        ReadAhead {
            chunks: Some(chunks),
            spare,
            chunk: Vec::new(),
            at: 0,
            ended: None,
            handle: Some(handle),
            position: 0,
        }
    }

    /// Bytes handed out or skipped so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Makes the current chunk hold unread bytes; false at the end of the stream.
    fn next_chunk(&mut self) -> io::Result<bool> {
        while self.at == self.chunk.len() {
            if let Some(ended) = &self.ended {
                return match ended {
                    None => Ok(false),
                    Some((kind, words)) => Err(io::Error::new(*kind, words.clone())),
                };
            }
            let next = self.chunks.as_ref().and_then(|rx| rx.recv().ok());
            match next {
                Some(Ok(chunk)) => {
                    let done = std::mem::replace(&mut self.chunk, chunk);
                    let _ = self.spare.try_send(done);
                    self.at = 0;
                }
                Some(Err(e)) => {
                    self.ended = Some(Some((e.kind(), e.to_string())));
                    return Err(e);
                }
                None => self.ended = Some(None),
            }
        }
        Ok(true)
    }

    /// Steps over up to `n` bytes without copying them; fewer only at the end of the stream.
    pub fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut left = n;
        while left > 0 && self.next_chunk()? {
            let step = ((self.chunk.len() - self.at) as u64).min(left) as usize;
            self.at += step;
            left -= step as u64;
        }
        self.position += n - left;
        Ok(n - left)
    }

    /// Stops the decoding thread and gives the reader back, wherever it stopped; `None` if
    /// the thread panicked.
    pub fn into_inner(mut self) -> Option<R> {
        drop(self.chunks.take()); // a decoder waiting to hand over a chunk stops
        self.handle.take()?.join().ok()
    }
}

impl<R: Read + Send + 'static> Read for ReadAhead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.next_chunk()? {
            return Ok(0);
        }
        let n = (self.chunk.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        self.position += n as u64;
        Ok(n)
    }
}

impl<R> Drop for ReadAhead<R> {
    fn drop(&mut self) {
        drop(self.chunks.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Reads until `buf` is full, the stream ends or a read fails: the bytes read, and the error.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn reads_and_skips_across_chunks() {
        let d = data(3 * CHUNK + 1234);
        let mut r = ReadAhead::new(io::Cursor::new(d.clone()));
        let mut head = [0u8; 512];
        r.read_exact(&mut head).unwrap();
        assert_eq!(&head[..], &d[..512]);
        assert_eq!(r.skip(2 * CHUNK as u64).unwrap(), 2 * CHUNK as u64);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, &d[512 + 2 * CHUNK..]);
        assert_eq!(r.position(), d.len() as u64);
        assert_eq!(r.skip(10).unwrap(), 0, "nothing past the end");
        assert_eq!(r.into_inner().unwrap().position(), d.len() as u64);
    }

    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt deflate stream"));
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }
    }

    #[test]
    fn an_error_is_returned_where_it_happened_and_after() {
        let mut r = ReadAhead::new(Failing(1000));
        let mut buf = vec![0u8; 4096];
        let mut got = 0;
        let err = loop {
            match r.read(&mut buf) {
                Ok(n) => got += n,
                Err(e) => break e,
            }
        };
        assert_eq!(got, 1000, "the bytes before the error arrive first");
        assert_eq!(err.to_string(), "corrupt deflate stream");
        let again = r.read(&mut buf).unwrap_err();
        assert_eq!((again.kind(), again.to_string()), (io::ErrorKind::InvalidData, err.to_string()));
    }

    #[test]
    fn stopping_early_gives_the_reader_back() {
        let mut r = ReadAhead::new(io::Cursor::new(data(20 * CHUNK)));
        let mut b = [0u8; 10];
        r.read_exact(&mut b).unwrap();
        let inner = r.into_inner().unwrap();
        assert!(inner.position() >= CHUNK as u64 && inner.position() <= (QUEUE as u64 + 3) * CHUNK as u64);
    }
}
