//! `--cache-dir`: each layer's index, kept by diff_id, so a second run, or a comparison of two
//! images on one base, does not read (or download) a shared layer again.
//!
//! An entry is written only when the uncompressed stream was seen to hash to the diff_id it is
//! kept under, so an image that declares another layer's diff_id cannot plant an index for it.
//! Entries are named by weigh's version and the index options, and a file that does not parse
//! is ignored: the cache can be deleted at any time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::layer::{RawLayer, ReadOptions};
use crate::source::Digest;

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Sets the cache directory for this process (the `--cache-dir` flag).
pub fn configure(dir: PathBuf) {
    let _ = DIR.set(dir);
}

pub fn configured() -> Option<&'static Path> {
    DIR.get().map(PathBuf::as_path)
}

const MAGIC: &[u8] = b"weigh layer index\n";

/// What the indexing depended on: the version of weigh (the format and the capture list are
/// the code's) and whether contents were hashed.
fn file(dir: &Path, diff_id: &Digest, opts: &ReadOptions) -> PathBuf {
    let flavour = format!("{}-{}", env!("CARGO_PKG_VERSION"), if opts.hash_contents { "h" } else { "n" });
    let id = diff_id.to_string();
    let (alg, hex) = id.split_once(':').unwrap_or(("sha256", &id));
    dir.join("layers").join(flavour).join(alg).join(hex)
}

/// A cached entry: the blob it was read from, and the index.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    blob: Option<String>,
    layer: RawLayer,
}

/// The cached index of the layer with `diff_id`, and the digest of the blob it came from.
pub fn load(dir: &Path, diff_id: &Digest, opts: &ReadOptions) -> Option<(RawLayer, Option<String>)> {
    let bytes = std::fs::read(file(dir, diff_id, opts)).ok()?;
    let body = bytes.strip_prefix(MAGIC)?;
    let e: Entry = postcard::from_bytes(body).ok()?;
    Some((e.layer, e.blob))
}

/// Keeps `layer` under `diff_id`, when the stream was checked against it. Failures only cost
/// the cache: the analysis goes on.
pub fn store(dir: &Path, diff_id: &Digest, opts: &ReadOptions, layer: RawLayer) -> RawLayer {
    let Some(checked) = layer.checked.clone() else { return layer };
    if layer.hashes_deferred || checked.diff_id.as_ref() != Some(diff_id) {
        return layer;
    }
    let path = file(dir, diff_id, opts);
    let entry = Entry { blob: checked.blob.as_ref().map(ToString::to_string), layer };
    let written = (|| -> std::io::Result<()> {
        let parent = path.parent().ok_or_else(|| std::io::Error::other("no parent"))?;
        std::fs::create_dir_all(parent)?;
        let body = postcard::to_stdvec(&entry).map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&body)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(e) = written {
        eprintln!("weigh: warning: cannot write the layer cache in {}: {e}", dir.display());
    }
    entry.layer
}
