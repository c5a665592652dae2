//! One layer blob as a stream: raw bytes → digest check → decoder (sniffed) → tar bytes.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use serde::Serialize;

use super::ahead::ReadAhead;
use super::digest::{Algorithm, Digest, HashingReader};
use super::store::ReadSeek;
use super::{LayerSource, SourceError, Verify};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

type Raw = HashingReader<Box<dyn ReadSeek>>;

enum Decoder {
    Plain(BufReader<Raw>),
    Gzip(Box<MultiGzDecoder<BufReader<Raw>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<Raw>>>),
}

impl Read for Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl Decoder {
    fn into_raw(self) -> Raw {
        match self {
            Decoder::Plain(r) => r.into_inner(),
            Decoder::Gzip(r) => r.into_inner().into_inner(),
            Decoder::Zstd(r) => r.finish().into_inner(),
        }
    }
}

type Decoded = HashingReader<Decoder>;

/// The decoded stream: read on the caller's thread (a plain tar, which seeks), or decoded
/// ahead on a thread of its own (see [`ReadAhead`]).
enum Inner {
    Direct(Decoded),
    Ahead(ReadAhead<Decoded>),
}

impl Inner {
    /// Decoded bytes read or skipped so far.
    fn count(&self) -> u64 {
        match self {
            Inner::Direct(h) => h.count(),
            Inner::Ahead(a) => a.position(),
        }
    }

    /// Reads and discards up to `n` decoded bytes; fewer only at the end of the stream.
    fn discard(&mut self, n: u64) -> io::Result<u64> {
        match self {
            Inner::Direct(h) => io::copy(&mut h.take(n), &mut io::sink()),
            Inner::Ahead(a) => a.skip(n),
        }
    }

    /// The decoder, the digest of the decoded bytes (when they were hashed) and their count;
    /// `None` when the decoding thread died.
    fn into_parts(self) -> Option<(Decoder, Option<Digest>, u64)> {
        let h = match self {
            Inner::Direct(h) => h,
            Inner::Ahead(a) => a.into_inner()?,
        };
        let count = h.count();
        let (decoder, digest) = h.into_parts();
        Some((decoder, digest, count))
    }
}

impl Read for Inner {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Inner::Direct(h) => h.read(buf),
            Inner::Ahead(a) => a.read(buf),
        }
    }
}

/// A decompressed layer. Read the tar from it, then call [`LayerStream::finish`], which reads
/// whatever is left and checks the digest: a layer is only trusted once finish returns Ok.
pub struct LayerStream {
    index: usize,
    label: String,
    verify: Verify,
    declared_size: Option<u64>,
    compression: Compression,
    inner: Inner,
    /// The digest computed apart from the decoding, over a second view of the blob.
    background: Option<Background>,
    /// Bytes of the blob as stored.
    blob_size: u64,
    /// The most tar bytes this blob may expand to (see [`LayerStream::limit_ratio`]).
    max_tar: u64,
}

/// A second view of a local blob, for computing its digest on another thread.
pub enum Second {
    Reader(Box<dyn ReadSeek>),
    /// The blob as a range of a local file: hashed without copying it through read calls.
    Mapped(super::store::MappedRange),
}

/// A digest taken from a second view of the blob: on a thread of its own, overlapping the
/// decoding, or on the decoding thread once it is done with the tar.
enum Background {
    Thread(std::thread::JoinHandle<Option<Digest>>),
    Later(Second, Algorithm),
}

impl Second {
    fn digest(self, a: Algorithm) -> Option<Digest> {
        match self {
            Second::Mapped(range) => {
                let mut h = super::digest::MappedHasher::new(a);
                range.each_window(|w| h.update(w)).ok().map(|()| h.finish())
            }
            Second::Reader(r) => HashingReader::new(r, Some(a)).finish().ok().and_then(|(_, d)| d),
        }
    }
}

impl Background {
    fn digest(self) -> Option<Digest> {
        match self {
            Background::Thread(h) => h.join().ok().flatten(),
            Background::Later(second, a) => second.digest(a),
        }
    }
}

/// The first bytes of a blob, which say how it is compressed; the reader is rewound.
fn peek(reader: &mut Box<dyn ReadSeek>) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(8);
    reader.by_ref().take(8).read_to_end(&mut head)?;
    reader.seek(io::SeekFrom::Start(0))?;
    Ok(head)
}

/// What the whole blob turned out to be.
#[derive(Debug, Clone, Copy)]
pub struct LayerTotals {
    /// Bytes of the blob as stored.
    pub blob_bytes: u64,
    /// Bytes of the uncompressed tar stream.
    pub tar_bytes: u64,
}

/// A read error meaning the blob is not the one its digest names. A source that checks
/// digests itself as it streams (a registry download) reports a wrong or truncated blob this
/// way, so the layer's error says so instead of blaming the decoder.
#[derive(Debug)]
pub struct BlobMismatch(pub String);

impl std::fmt::Display for BlobMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BlobMismatch {}

impl BlobMismatch {
    pub fn io(kind: io::ErrorKind, message: String) -> io::Error {
        io::Error::new(kind, BlobMismatch(message))
    }

    pub(crate) fn of(e: &io::Error) -> Option<String> {
        e.get_ref()?.downcast_ref::<BlobMismatch>().map(|m| m.0.clone())
    }
}

/// What the stream was checked against, for callers that keep results by diff_id.
#[derive(Debug, Clone)]
pub struct Checked {
    pub blob: Option<Digest>,
    /// The digest of the uncompressed tar, when it was computed.
    pub diff_id: Option<Digest>,
}

impl LayerStream {
    pub(super) fn new(
        index: usize,
        layer: &LayerSource,
        mut reader: Box<dyn ReadSeek>,
        size: u64,
        // A second view of the blob to take its digest from, and whether on a thread of its own.
        second: Option<(Second, bool)>,
        progress: Option<Box<dyn FnMut(u64) + Send>>,
        want_diff_id: bool,
    ) -> Result<LayerStream, SourceError> {
        let label = layer.display_digest();
        let err = |message: String| SourceError::Layer { index, digest: label.clone(), message };
        let media = layer.media_type.as_deref().unwrap_or("");
        let hinted = media_type_compression(media).map_err(err)?;
        if let Some(declared) = layer.declared_size
            && declared != size
        {
            return Err(err(format!(
                "blob is {size} bytes but the manifest says {declared} (truncated or wrong blob)"
            )));
        }
        let inline_blob = match &layer.verify {
            Verify::Blob(d) => Some(d.algorithm),
            _ => None,
        };
        // A plain tar seeks past every body that overruns the buffer, and each seek throws the
        // buffer away: a small one reads little more than the headers. A compressed stream is
        // read whole, where a large buffer saves read calls. Only a local blob (one with a
        // second view) is plain often enough, and cheap to peek at and rewind.
        let capacity = match second {
            Some(_)
                if !is_compressed(&peek(&mut reader).map_err(|e| err(format!("cannot read blob: {e}")))?) =>
            {
                8 * 1024
            }
            _ => 32 * 1024,
        };
        let mut raw = HashingReader::new(reader, inline_blob);
        if let Some(p) = progress {
            raw = raw.with_progress(p);
        }
        let mut buffered = BufReader::with_capacity(capacity, raw);
        let head = buffered.fill_buf().map_err(|e| err(format!("cannot read blob: {e}")))?;
        // Magic bytes win over the media type: Docker's own archives label plain tars as gzip.
        let compression = if !is_compressed(head) {
            if head.is_empty() && hinted != Compression::None {
                return Err(err("blob is empty".into()));
            }
            Compression::None
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else {
            Compression::Zstd
        };
        // With a second reader, the blob is hashed apart from the decoding: on a thread of its own
        // when a core is spare for it, else after the tar is read. A plain tar's diff_id is the
        // digest of the blob itself.
        let spawn = |(second, own_thread): (Second, bool), a: Algorithm| {
            Some(if own_thread {
                Background::Thread(std::thread::spawn(move || second.digest(a)))
            } else {
                Background::Later(second, a)
            })
        };
        let plain = compression == Compression::None;
        let (diff_algo, background) = match (&layer.verify, second) {
            (Verify::Blob(d), Some(r)) => (None, spawn(r, d.algorithm)),
            (Verify::DiffId(d), Some(r)) if plain => (None, spawn(r, d.algorithm)),
            (Verify::DiffId(d), _) => (Some(d.algorithm), None),
            _ => (None, None),
        };
        if background.is_some() {
            buffered.get_mut().stop_hashing();
        }
        // The uncompressed digest, also when nothing requires it (a cache keyed by diff_id
        // may only trust what it saw).
        let diff_algo = match (diff_algo, &background, &layer.verify) {
            (None, Some(_), Verify::DiffId(_)) => None, // the background hash is the diff_id
            (None, _, _) if want_diff_id => {
                Some(layer.diff_id.as_ref().map_or(Algorithm::Sha256, |d| d.algorithm))
            }
            (a, _, _) => a,
        };
        let decoder = match compression {
            Compression::None => Decoder::Plain(buffered),
            Compression::Gzip => Decoder::Gzip(Box::new(MultiGzDecoder::new(buffered))),
            Compression::Zstd => Decoder::Zstd(Box::new(
                zstd::stream::read::Decoder::with_buffer(buffered)
                    .map_err(|e| err(format!("cannot start zstd decoder: {e}")))?,
            )),
        };
        Ok(LayerStream {
            index,
            label,
            verify: layer.verify.clone(),
            declared_size: layer.declared_size,
            compression,
            inner: match compression {
                Compression::None => Inner::Direct(HashingReader::new(decoder, diff_algo)),
                _ => Inner::Ahead(ReadAhead::new(HashingReader::new(decoder, diff_algo))),
            },
            background,
            blob_size: size,
            max_tar: u64::MAX,
        })
    }

    /// Refuses a compressed blob whose tar grows past `ratio` times its size (once past
    /// [`crate::limits::RATIO_FLOOR`]): a decompression bomb, which would otherwise cost
    /// minutes of CPU for a few kilobytes of download.
    pub fn limit_ratio(mut self, ratio: u64) -> Self {
        if self.compression != Compression::None {
            self.max_tar = self.blob_size.saturating_mul(ratio).max(crate::limits::RATIO_FLOOR);
        }
        self
    }

    fn check_ratio(&self) -> io::Result<()> {
        let n = self.inner.count();
        if n <= self.max_tar {
            return Ok(());
        }
        let ratio = self.max_tar / self.blob_size.max(1);
        let what = format!(
            "the {}-byte blob decompresses to more than {} bytes (a decompression bomb?)",
            self.blob_size, self.max_tar
        );
        Err(io::Error::other(crate::limits::Exceeded { name: "ratio", limit: ratio, what }))
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Turns an I/O error met while reading this layer into one line naming the layer.
    pub fn error(&self, context: &str, e: &io::Error) -> SourceError {
        let what = match self.compression {
            Compression::Gzip => "gzip stream",
            Compression::Zstd => "zstd stream",
            Compression::None => "tar stream",
        };
        if let Some(x) = exceeded(e) {
            return SourceError::Layer {
                index: self.index,
                digest: self.label.clone(),
                message: x.to_string(),
            };
        }
        // tar reports a short stream as an ordinary error, in words.
        let text = e.to_string();
        let truncated = e.kind() == io::ErrorKind::UnexpectedEof
            || text.contains("unexpected EOF")
            || text.contains("failed to read entire block");
        let message = if truncated {
            format!("{context}: {what} ends early (truncated blob)")
        } else {
            format!("{context}: corrupt {what}: {e}")
        };
        SourceError::Layer { index: self.index, digest: self.label.clone(), message }
    }

    /// The error for a read that failed: when the blob itself is not the one the manifest
    /// names, that is the cause (a wrong or tampered blob usually breaks the decoder first),
    /// so the rest of the blob is read and hashed, and a digest mismatch is reported instead.
    pub fn fail(self, context: &str, e: &io::Error) -> SourceError {
        let decoding = self.error(context, e);
        self.fail_because(decoding)
    }

    /// [`LayerStream::fail`] for an error already described.
    pub fn fail_because(self, decoding: SourceError) -> SourceError {
        let Verify::Blob(expected) = &self.verify else {
            return decoding;
        };
        let got = match self.background {
            Some(b) => b.digest(),
            None => match self.inner.into_parts().map(|(d, ..)| d.into_raw().finish()) {
                None => return decoding,
                Some(finished) => match finished {
                    Ok((_, d)) => d,
                    Err(e) => match BlobMismatch::of(&e) {
                        Some(message) => {
                            return SourceError::Layer { index: self.index, digest: self.label, message };
                        }
                        None => None,
                    },
                },
            },
        };
        match got {
            Some(g) if &g != expected => SourceError::Layer {
                index: self.index,
                digest: self.label,
                message: format!(
                    "digest mismatch: blob hashes to {g}, expected {expected} (corrupt or tampered layer)"
                ),
            },
            _ => decoding,
        }
    }

    /// Drains the stream and checks the digest.
    pub fn finish(self) -> Result<LayerTotals, SourceError> {
        self.finish_checked().map(|(t, _)| t)
    }

    /// [`LayerStream::finish`], also returning the digests computed.
    pub fn finish_checked(mut self) -> Result<(LayerTotals, Checked), SourceError> {
        let index = self.index;
        let label = self.label.clone();
        let err = |message: String| SourceError::Layer { index, digest: label.clone(), message };
        let compression = self.compression;
        if let Err(e) = self.discard_to_end() {
            let what = match compression {
                Compression::Gzip => "gzip stream",
                Compression::Zstd => "zstd stream",
                Compression::None => "blob",
            };
            let decoding = err(if e.kind() == io::ErrorKind::UnexpectedEof {
                format!("{what} ends early (truncated blob)")
            } else {
                format!("corrupt {what}: {e}")
            });
            return Err(self.fail_because(decoding));
        }
        let raw_err =
            |e: io::Error| err(BlobMismatch::of(&e).unwrap_or_else(|| format!("cannot read blob: {e}")));
        let (decoder, diff, tar_bytes) =
            self.inner.into_parts().ok_or_else(|| err("the layer's decoder stopped".into()))?;
        let (blob_bytes, blob_digest) = decoder.into_raw().finish().map_err(raw_err)?;
        if let Some(declared) = self.declared_size
            && declared != blob_bytes
        {
            return Err(err(format!("blob has {blob_bytes} bytes but the manifest says {declared}")));
        }
        let background = match self.background {
            Some(b) => {
                b.digest().map(Some).ok_or_else(|| err("cannot read the blob to check its digest".into()))?
            }
            None => None,
        };
        let (blob_digest, diff) = match (&self.verify, background) {
            (Verify::Blob(_), Some(d)) => (Some(d), diff),
            (Verify::DiffId(_), Some(d)) => (blob_digest, Some(d)),
            (_, _) => (blob_digest, diff),
        };
        let check = |expected: &Digest, got: Option<Digest>, what: &str| match got {
            Some(g) if &g == expected => Ok(()),
            Some(g) => Err(err(format!(
                "digest mismatch: {what} hashes to {g}, expected {expected} (corrupt or tampered layer)"
            ))),
            None => Ok(()),
        };
        match &self.verify {
            Verify::Blob(d) => check(d, blob_digest.clone(), "blob")?,
            Verify::DiffId(d) => check(d, diff.clone(), "uncompressed layer")?,
        }
        Ok((LayerTotals { blob_bytes, tar_bytes }, Checked { blob: blob_digest, diff_id: diff }))
    }
}

impl Read for LayerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.check_ratio()?;
        Ok(n)
    }
}

impl LayerStream {
    /// Reads and discards up to `n` bytes, in slices, so a bomb's one huge entry (or what
    /// follows the tar's end) meets the ratio check as it is skipped.
    fn discard(&mut self, n: u64) -> io::Result<u64> {
        let mut done = 0;
        while done < n {
            let step = (n - done).min(16 << 20);
            let got = self.inner.discard(step)?;
            done += got;
            self.check_ratio()?;
            if got < step {
                break;
            }
        }
        Ok(done)
    }

    fn discard_to_end(&mut self) -> io::Result<()> {
        self.discard(u64::MAX).map(|_| ())
    }

    /// Whether entry bodies can be skipped without reading them: a plain tar whose digest is
    /// checked elsewhere. Then content hashes are taken later, only where needed.
    pub fn seeks(&self) -> bool {
        matches!(&self.inner, Inner::Direct(h)
            if !h.hashing() && matches!(h.get_ref(), Decoder::Plain(r) if !r.get_ref().hashing()))
    }
}

/// Forward seeks only. tar skips entry bodies and padding by seeking when it can; otherwise it
/// zeroes a fresh 32 KB buffer for every entry, which on a million-file image costs more than
/// parsing the headers. A plain tar seeks for real; a compressed one reads and discards.
impl io::Seek for LayerStream {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let n = match pos {
            io::SeekFrom::Current(n) if n >= 0 => n,
            io::SeekFrom::Current(_) => return Ok(self.inner.count()),
            _ => return Err(io::Error::new(io::ErrorKind::Unsupported, "a layer stream only seeks forward")),
        };
        if self.seeks() {
            let Inner::Direct(h) = &mut self.inner else { unreachable!("seeks() checked the stream") };
            let Decoder::Plain(r) = h.get_mut() else { unreachable!("seeks() checked the decoder") };
            r.seek_relative(n)?;
            h.skipped(n as u64);
        } else if self.discard(n as u64)? < n as u64 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "unexpected EOF during skip"));
        }
        Ok(self.inner.count())
    }
}

/// A limit that a read went past, however deep the readers above it wrapped the error.
fn exceeded(e: &io::Error) -> Option<&crate::limits::Exceeded> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|e| e as _);
    while let Some(err) = cur {
        if let Some(x) = err.downcast_ref::<crate::limits::Exceeded>() {
            return Some(x);
        }
        cur = match err.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|e| e as _),
            None => err.source(),
        };
    }
    None
}

fn is_compressed(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// What a layer media type says about compression; unknown or encrypted types are refused.
fn media_type_compression(media: &str) -> Result<Compression, String> {
    if media.is_empty() {
        return Ok(Compression::None);
    }
    if media.contains("encrypted") {
        return Err(format!("encrypted layers ({media}) are not supported"));
    }
    let known = media.starts_with("application/vnd.oci.image.layer.")
        || media.starts_with("application/vnd.docker.image.rootfs.")
        || media == "application/x-tar"
        || media == "application/tar";
    if !known {
        return Err(format!("unknown layer media type {media:?}"));
    }
    Ok(if media.ends_with("gzip") {
        Compression::Gzip
    } else if media.ends_with("zstd") {
        Compression::Zstd
    } else {
        Compression::None
    })
}
