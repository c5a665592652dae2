//! Content digests: parsing, and a reader that hashes what passes through it.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

/// A validated `algorithm:hex` digest. Validation matters beyond correctness: digests name
/// files inside layouts and archives, so an unchecked one could walk out of the blob directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    pub algorithm: Algorithm,
    pub hex: String,
}

impl Digest {
    pub fn parse(s: &str) -> Option<Digest> {
        let (algo, hex) = s.split_once(':')?;
        let (algorithm, len) = match algo {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            _ => return None,
        };
        let ok = hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Digest { algorithm, hex: hex.to_string() })
    }

    pub fn algorithm_name(&self) -> &'static str {
        match self.algorithm {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Path of the blob inside an OCI image layout.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm_name(), self.hex)
    }

    /// `sha256:0123456789ab`: enough to tell layers apart in one line of text.
    pub fn short(&self) -> String {
        format!("{}:{}", self.algorithm_name(), &self.hex[..12])
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm_name(), self.hex)
    }
}

pub(crate) enum Hasher {
    Sha256(Box<Sha256>),
    Sha512(Box<Sha512>),
}

impl Hasher {
    pub(crate) fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Box::default()),
            Algorithm::Sha512 => Hasher::Sha512(Box::default()),
        }
    }
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }
    pub(crate) fn finish(self) -> Digest {
        let (algorithm, hex) = match self {
            Hasher::Sha256(h) => (Algorithm::Sha256, hex::encode(h.finalize())),
            Hasher::Sha512(h) => (Algorithm::Sha512, hex::encode(h.finalize())),
        };
        Digest { algorithm, hex }
    }
}

/// A hasher for bytes of a mapped file, which are mostly not in the CPU's caches yet.
/// SHA-256 reads too slowly for the hardware prefetcher to run ahead of it across pages, so
/// every page starts with stalls. Measured here on a page-cached 622 MB layer: 1.27 GB/s
/// hashing the mapping as it is, 1.55 copying it through a small buffer first (the copy gets
/// the prefetcher going), 1.80 asking for the bytes ahead as below; 1.97 for data already
/// in the cache.
pub(crate) struct MappedHasher {
    hasher: Hasher,
    #[cfg(not(target_arch = "x86_64"))]
    stage: Vec<u8>,
}

/// Hashed at a time; the step after next is fetched meanwhile.
#[cfg(target_arch = "x86_64")]
const STEP: usize = 1024;
/// Copied at a time where there is no prefetch instruction to call.
#[cfg(not(target_arch = "x86_64"))]
const STAGE: usize = 64 << 10;

impl MappedHasher {
    pub(crate) fn new(algorithm: Algorithm) -> Self {
        MappedHasher {
            hasher: Hasher::new(algorithm),
            #[cfg(not(target_arch = "x86_64"))]
            stage: vec![0; STAGE],
        }
    }

    #[cfg(target_arch = "x86_64")]
    pub(crate) fn update(&mut self, data: &[u8]) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        for (i, part) in data.chunks(STEP).enumerate() {
            let ahead = data.get((i + 2) * STEP..).unwrap_or_default();
            for line in ahead.iter().take(STEP).step_by(64) {
                // SAFETY: SSE is part of every x86_64 CPU, and a prefetch only hints: it
                // never faults, and the address is inside the slice anyway.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(line).cast()) };
            }
            self.hasher.update(part);
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub(crate) fn update(&mut self, data: &[u8]) {
        for part in data.chunks(STAGE) {
            let copy = &mut self.stage[..part.len()];
            copy.copy_from_slice(part);
            self.hasher.update(copy);
        }
    }

    pub(crate) fn finish(self) -> Digest {
        self.hasher.finish()
    }
}

pub fn digest_bytes(algorithm: Algorithm, data: &[u8]) -> Digest {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish()
}

/// Counts, and optionally hashes, the bytes read through it. The progress callback sees the
/// running byte count; it is how the loader reports per-layer progress without a second pass.
pub struct HashingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    count: u64,
    progress: Option<Box<dyn FnMut(u64) + Send>>,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R, algorithm: Option<Algorithm>) -> Self {
        HashingReader { inner, hasher: algorithm.map(Hasher::new), count: 0, progress: None }
    }

    pub fn with_progress(mut self, f: Box<dyn FnMut(u64) + Send>) -> Self {
        self.progress = Some(f);
        self
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Counts `n` bytes the caller skipped in the inner reader itself.
    pub fn skipped(&mut self, n: u64) {
        self.count += n;
    }

    /// Whether the bytes passing through are being hashed.
    pub fn hashing(&self) -> bool {
        self.hasher.is_some()
    }

    /// Stops hashing (the digest is being computed elsewhere).
    pub fn stop_hashing(&mut self) {
        self.hasher = None;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Reads to the end, so the digest covers the whole blob even past the tar's end marker.
    pub fn finish(mut self) -> io::Result<(u64, Option<Digest>)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((self.count, self.hasher.map(Hasher::finish)))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        if let Some(p) = &mut self.progress {
            p(self.count);
        }
        Ok(n)
    }
}

impl<R> HashingReader<R> {
    /// Splits into the inner reader and the digest of what was read so far.
    pub fn into_parts(self) -> (R, Option<Digest>) {
        (self.inner, self.hasher.map(Hasher::finish))
    }
}

/// Skipping ahead: a real seek while nothing is being hashed, else read and discard (a
/// digest needs every byte).
impl<R: Read + io::Seek> io::Seek for HashingReader<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let io::SeekFrom::Current(n) = pos else {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "only relative seeks"));
        };
        let n =
            u64::try_from(n).map_err(|_| io::Error::new(io::ErrorKind::Unsupported, "only forward seeks"))?;
        if self.hasher.is_some() {
            io::copy(&mut self.by_ref().take(n), &mut io::sink())?;
        } else {
            self.inner.seek(io::SeekFrom::Current(n as i64))?;
            self.count += n;
            if let Some(p) = &mut self.progress {
                p(self.count);
            }
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_wellformed_digests() {
        let hex = "a".repeat(64);
        assert!(Digest::parse(&format!("sha256:{hex}")).is_some());
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_none());
        assert!(Digest::parse("sha256:../../etc/passwd").is_none());
        assert!(Digest::parse(&format!("md5:{hex}")).is_none());
        assert!(Digest::parse(&format!("sha512:{hex}")).is_none());
    }

    #[test]
    fn hashing_reader_matches_known_digest() {
        let r = HashingReader::new(&b"abc"[..], Some(Algorithm::Sha256));
        let (n, d) = r.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            d.unwrap().to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
