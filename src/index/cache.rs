//! `--cache-dir`: each layer's index, kept by diff_id, so a second run, or a comparison of two
//! images on one base, does not read (or download) a shared layer again.
//!
//! An entry is written only when the uncompressed stream was seen to hash to the diff_id it is
//! kept under, so an image that declares another layer's diff_id cannot plant an index for it.
//! Entries are named by weigh's version and the index options, and a file that does not parse
//! is ignored: the cache can be deleted at any time. Entries are only read back from files
//! this user owns, in directories only this user may write.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::layer::{RawLayer, ReadOptions};
use crate::source::Digest;

/// The file format: bump when `RawLayer` changes shape, so old files are misses.
const MAGIC: &[u8] = b"weigh layer index v5\n";

/// What the indexing depended on: the version of weigh (the capture list is the code's) and
/// whether contents were hashed.
fn file(dir: &Path, diff_id: &Digest, opts: &ReadOptions) -> PathBuf {
    let flavour = format!(
        "{}-{}{}",
        env!("CARGO_PKG_VERSION"),
        if opts.hash_contents { "h" } else { "n" },
        if opts.elf { "e" } else { "" }
    );
    let id = diff_id.to_string();
    let (alg, hex) = id.split_once(':').unwrap_or(("sha256", &id));
    dir.join("layers").join(flavour).join(alg).join(hex)
}

/// A cached entry: the blob it was read from, and the index.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    diff_id: String,
    blob: Option<String>,
    layer: RawLayer,
}

/// The cached index of the layer with `diff_id`, and the digest of the blob it came from.
pub fn load(dir: &Path, diff_id: &Digest, opts: &ReadOptions) -> Option<(RawLayer, Option<String>)> {
    let path = file(dir, diff_id, opts);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Another user's file (a shared cache directory) is not trusted.
        let uid = std::fs::metadata(dir).ok()?.uid();
        if std::fs::metadata(&path).ok()?.uid() != uid {
            return None;
        }
    }
    let bytes = std::fs::read(&path).ok()?;
    let body = bytes.strip_prefix(MAGIC)?;
    let (sum, body) = body.split_at_checked(8)?;
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != sum {
        return None;
    }
    let e: Entry = postcard::from_bytes(body).ok()?;
    (e.diff_id == diff_id.to_string() && e.layer.is_well_formed()).then_some((e.layer, e.blob))
}

/// Keeps `layer` under `diff_id`, when the stream was checked against it. Failures only cost
/// the cache: the analysis goes on.
pub fn store(dir: &Path, diff_id: &Digest, opts: &ReadOptions, layer: RawLayer) -> RawLayer {
    let Some(checked) = layer.checked.clone() else { return layer };
    if layer.hashes_deferred || layer.incomplete || checked.diff_id.as_ref() != Some(diff_id) {
        return layer;
    }
    let path = file(dir, diff_id, opts);
    let entry =
        Entry { diff_id: diff_id.to_string(), blob: checked.blob.as_ref().map(ToString::to_string), layer };
    let written = (|| -> std::io::Result<()> {
        let parent = path.parent().ok_or_else(|| std::io::Error::other("no parent"))?;
        std::fs::DirBuilder::new().recursive(true).create(parent)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir.join("layers"), std::fs::Permissions::from_mode(0o700));
        }
        let body = postcard::to_stdvec(&entry).map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&xxhash_rust::xxh3::xxh3_64(&body).to_le_bytes())?;
        tmp.write_all(&body)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(e) = written {
        eprintln!("weigh: warning: cannot write the layer cache in {}: {e}", dir.display());
    }
    entry.layer
}
