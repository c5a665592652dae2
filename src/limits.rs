//! Every bound weigh puts on what an image may make it do, in one place. Images are made by
//! strangers: each limit is far above what a real image needs and low enough that a crafted
//! one cannot make weigh run for hours or take the machine's memory. Past a limit the image
//! is refused with one line naming the limit and the `--limit` that raises it (the metadata
//! budget is the exception: past it, package databases go unread and the report says so).

use std::fmt;

/// The limits of one run (`--limit NAME=VALUE` changes one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Tar entries in one layer.
    pub entries: u64,
    /// Bytes of one path inside a layer.
    pub path_bytes: u64,
    /// Components of one path inside a layer.
    pub path_depth: u64,
    /// Layers in one image.
    pub layers: u64,
    /// Bytes of package databases, lock files and credential candidates kept in memory, over
    /// the whole image.
    pub metadata: u64,
    /// Bytes of one manifest, index or image config.
    pub document: u64,
    /// How many times larger than its blob a layer's tar stream may grow, once it is past
    /// [`RATIO_FLOOR`] bytes (a decompression bomb is a tiny blob with a huge stream).
    pub ratio: u64,
}

/// Streams shorter than this are never refused for their ratio: reading a gigabyte costs a
/// second, and layers of zero-filled files are real (preallocated databases, the committed
/// demo images, whose files are repeated hashes).
pub const RATIO_FLOOR: u64 = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: 5_000_000,
            path_bytes: 4096,
            path_depth: 512,
            layers: 1000,
            metadata: 256 << 20,
            document: 16 << 20,
            // Above gzip's ceiling (about 1032:1): only a zstd stream can reach it.
            ratio: 1100,
        }
    }
}

/// The names `--limit` knows, with what each bounds (for the README and the error messages).
pub const NAMES: &[(&str, &str)] = &[
    ("entries", "tar entries in one layer"),
    ("path-bytes", "bytes of one path"),
    ("path-depth", "directories in one path"),
    ("layers", "layers in one image"),
    ("metadata", "bytes of package databases and lock files kept in memory"),
    ("document", "bytes of a manifest, index or config"),
    ("ratio", "how much larger than its blob a layer's tar may be"),
];

impl Limits {
    fn slot(&mut self, name: &str) -> Option<&mut u64> {
        Some(match name {
            "entries" => &mut self.entries,
            "path-bytes" => &mut self.path_bytes,
            "path-depth" => &mut self.path_depth,
            "layers" => &mut self.layers,
            "metadata" => &mut self.metadata,
            "document" => &mut self.document,
            "ratio" => &mut self.ratio,
            _ => return None,
        })
    }

    /// Applies one `NAME=VALUE` (sizes take `KiB`/`MiB`/`GiB`/`MB`/... suffixes).
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let (name, value) =
            spec.split_once('=').ok_or_else(|| format!("--limit {spec:?}: expected NAME=VALUE"))?;
        let known = || NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
        let slot =
            self.slot(name).ok_or_else(|| format!("--limit: unknown limit {name:?} (known: {})", known()))?;
        let v = value
            .replace('_', "")
            .parse::<bytesize::ByteSize>()
            .map_err(|_| format!("--limit {name}: {value:?} is not a number"))?
            .as_u64();
        if v == 0 {
            return Err(format!("--limit {name}: must be more than 0"));
        }
        *slot = v;
        Ok(())
    }
}

/// A limit an image went past: which, how far, and how to raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub name: &'static str,
    pub limit: u64,
    /// What went past it ("1000001 entries", "a path of 5000 bytes").
    pub what: String,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, past the limit of {} (--limit {}=N raises it)", self.what, self.limit, self.name)
    }
}

impl std::error::Error for Exceeded {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_known_limits_with_units() {
        let mut l = Limits::default();
        l.set("metadata=1GiB").unwrap();
        l.set("entries=10_000_000").unwrap();
        assert_eq!(l.metadata, 1 << 30);
        assert_eq!(l.entries, 10_000_000);
        assert!(l.set("entries").unwrap_err().contains("NAME=VALUE"));
        assert!(l.set("files=3").unwrap_err().contains("unknown limit \"files\""));
        assert!(l.set("ratio=lots").unwrap_err().contains("not a number"));
        assert!(l.set("ratio=0").is_err());
    }

    #[test]
    fn every_name_has_a_slot() {
        let mut l = Limits::default();
        for (name, _) in NAMES {
            assert!(l.slot(name).is_some(), "{name}");
        }
    }
}
