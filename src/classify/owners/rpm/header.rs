//! rpm header blobs as the package databases store them.
//!
//! Layout (all integers big-endian, whatever the host): `il` (u32, number of
//! index entries), `dl` (u32, bytes of data), `il` entries of 16 bytes
//! (tag, type, offset into data, count), then `dl` bytes of data. A package
//! file additionally puts the 8-byte magic `8e ad e8 01 00 00 00 00` in
//! front; databases store the blob without it.
//!
//! Installed headers carry a region (tag 63) of the tags rpmbuild wrote,
//! followed by "dribble" entries rpm added at install time; a dribble
//! replaces a region entry with the same tag, so the last entry wins here.

use super::Error;

const MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

// rpm's sanity limits (lib/header.cc): HEADER_TAGS_MAX, HEADER_DATA_MAX.
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

// File paths are stored as (dirname, basename) pairs, so rebuilding them
// can make far more bytes than the blob holds; a hostile blob pointing
// every basename at one huge dirname must not be able to exhaust memory.
// Real headers expand by a small factor (each file also costs digests,
// sizes, owners in the blob).
const PATH_EXPANSION: usize = 32;
const PATH_SLACK: usize = 1 << 20;

// Tag numbers and (in comments) types, from rpm's include/rpm/rpmtag.h.
const TAG_NAME: u32 = 1000; // s
const TAG_VERSION: u32 = 1001; // s
const TAG_RELEASE: u32 = 1002; // s
const TAG_EPOCH: u32 = 1003; // i
const TAG_SIZE: u32 = 1009; // i
const TAG_VENDOR: u32 = 1011; // s
const TAG_ARCH: u32 = 1022; // s
const TAG_OLDFILENAMES: u32 = 1027; // s[]
const TAG_FILESIZES: u32 = 1028; // i[]
const TAG_FILEMODES: u32 = 1030; // h[]
const TAG_FILEFLAGS: u32 = 1037; // i[]
const TAG_SOURCERPM: u32 = 1044; // s
const TAG_PROVIDENAME: u32 = 1047; // s[]
const TAG_REQUIRENAME: u32 = 1049; // s[]
const TAG_DIRINDEXES: u32 = 1116; // i[]
const TAG_BASENAMES: u32 = 1117; // s[]
const TAG_DIRNAMES: u32 = 1118; // s[]
const TAG_LONGFILESIZES: u32 = 5008; // l[]
const TAG_LONGSIZE: u32 = 5009; // l

// rpmTagType values.
const TYPE_CHAR: u32 = 1;
const TYPE_INT8: u32 = 2;
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// RPMTAG_FILEFLAGS bits (rpm's include/rpm/rpmfiles.h).
pub mod file_flags {
    pub const CONFIG: u32 = 1 << 0;
    pub const DOC: u32 = 1 << 1;
    pub const ICON: u32 = 1 << 2;
    pub const MISSINGOK: u32 = 1 << 3;
    pub const NOREPLACE: u32 = 1 << 4;
    pub const SPECFILE: u32 = 1 << 5;
    pub const GHOST: u32 = 1 << 6;
    pub const LICENSE: u32 = 1 << 7;
    pub const README: u32 = 1 << 8;
    pub const PUBKEY: u32 = 1 << 11;
    pub const ARTIFACT: u32 = 1 << 12;
}

/// One installed package, as far as weigh needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmPackage {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// Empty when the header has no arch (rpm's `gpg-pubkey` entries).
    pub arch: String,
    /// RPMTAG_LONGSIZE if present, else RPMTAG_SIZE, else 0: the sum of
    /// the sizes of regular files and symlinks, hard links counted once.
    pub size: u64,
    pub requires: Vec<String>,
    pub provides: Vec<String>,
    pub files: Vec<RpmFile>,
    pub source_rpm: Option<String>,
    pub vendor: Option<String>,
}

/// One entry of a package's file list (directories and ghosts included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmFile {
    /// Absolute path: dirname + basename.
    pub path: String,
    /// Size in bytes; for a symlink the length of its target, for a
    /// directory 0 (older rpmbuilds recorded 4096).
    pub size: u64,
    /// `st_mode` (file type and permission bits); 0 if the header has none.
    pub mode: u16,
    /// RPMTAG_FILEFLAGS bits, see [`file_flags`].
    pub flags: u32,
}

impl RpmFile {
    const S_IFMT: u16 = 0o170000;

    pub fn is_regular(&self) -> bool {
        self.mode & Self::S_IFMT == 0o100000
    }
    pub fn is_dir(&self) -> bool {
        self.mode & Self::S_IFMT == 0o040000
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & Self::S_IFMT == 0o120000
    }
    /// Listed by the package but not shipped in its payload.
    pub fn is_ghost(&self) -> bool {
        self.flags & file_flags::GHOST != 0
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Header(msg.into())
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn split(blob: &'a [u8]) -> Result<Self, Error> {
        let b = blob.strip_prefix(&MAGIC[..]).unwrap_or(blob);
        let (il, dl) = match (be32(b, 0), be32(b, 4)) {
            (Some(il), Some(dl)) => (il, dl),
            _ => return Err(bad("shorter than its 8-byte preamble")),
        };
        if il > MAX_ENTRIES {
            return Err(bad(format!("{il} index entries is over rpm's limit")));
        }
        if dl > MAX_DATA {
            return Err(bad(format!("{dl} data bytes is over rpm's limit")));
        }
        // Both are capped above, so this cannot overflow even on 32-bit.
        let data_start = 8 + il as usize * 16;
        let data_end = data_start + dl as usize;
        if data_end > b.len() {
            return Err(bad(format!(
                "needs {data_end} bytes for {il} entries and {dl} data bytes, has {}",
                b.len()
            )));
        }
        let entries = (0..il as usize)
            .map(|i| {
                let at = 8 + i * 16;
                // In range: checked against data_start above.
                let w = |k| be32(b, at + k).unwrap_or(0);
                Entry { tag: w(0), ty: w(4), offset: w(8), count: w(12) }
            })
            .collect();
        Ok(Header { entries, data: &b[data_start..data_end] })
    }

    fn find(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.tag == tag)
    }

    fn data_at(&self, e: &Entry) -> Result<&'a [u8], Error> {
        // Region entries have negative offsets in rpm's memory model, but
        // on disk every data offset must land inside the data area.
        self.data
            .get(e.offset as usize..)
            .ok_or_else(|| bad(format!("tag {} offset {} is past the data", e.tag, e.offset)))
    }

    fn strings(&self, tag: u32) -> Result<Option<Vec<String>>, Error> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        if !matches!(e.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(bad(format!("tag {tag} has type {}, not a string", e.ty)));
        }
        let mut rest = self.data_at(e)?;
        // Each string takes at least its NUL, which caps the allocation.
        if e.count as usize > rest.len() {
            return Err(bad(format!("tag {tag} claims {} strings", e.count)));
        }
        let mut out = Vec::with_capacity(e.count as usize);
        for _ in 0..e.count {
            let nul = rest
                .iter()
                .position(|&c| c == 0)
                .ok_or_else(|| bad(format!("tag {tag} has an unterminated string")))?;
            out.push(String::from_utf8_lossy(&rest[..nul]).into_owned());
            rest = &rest[nul + 1..];
        }
        Ok(Some(out))
    }

    fn string(&self, tag: u32) -> Result<Option<String>, Error> {
        Ok(self.strings(tag)?.and_then(|v| v.into_iter().next()))
    }

    fn required_string(&self, tag: u32, what: &str) -> Result<String, Error> {
        self.string(tag)?.ok_or_else(|| bad(format!("no {what} (tag {tag})")))
    }

    /// Integer arrays of any width, zero-extended; rpm itself promotes
    /// FILESIZES to LONGFILESIZES the same way.
    fn ints(&self, tag: u32) -> Result<Option<Vec<u64>>, Error> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        let width = match e.ty {
            TYPE_CHAR | TYPE_INT8 => 1,
            TYPE_INT16 => 2,
            TYPE_INT32 => 4,
            TYPE_INT64 => 8,
            t => return Err(bad(format!("tag {tag} has type {t}, not an integer"))),
        };
        let bytes = self.data_at(e)?;
        let need = (e.count as usize)
            .checked_mul(width)
            .filter(|&n| n <= bytes.len())
            .ok_or_else(|| bad(format!("tag {tag} claims {} integers", e.count)))?;
        Ok(Some(
            bytes[..need]
                .chunks_exact(width)
                .map(|c| c.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
                .collect(),
        ))
    }

    fn first_int(&self, tag: u32) -> Result<Option<u64>, Error> {
        Ok(self.ints(tag)?.and_then(|v| v.first().copied()))
    }

    /// An optional per-file array, which must then have one value per file.
    fn per_file(&self, tags: &[u32], n: usize) -> Result<Option<Vec<u64>>, Error> {
        for &tag in tags {
            if let Some(v) = self.ints(tag)? {
                if v.len() != n {
                    return Err(bad(format!("tag {tag} has {} values for {n} files", v.len())));
                }
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn paths(&self, cap: usize) -> Result<Vec<String>, Error> {
        let mut total = 0usize;
        let mut charge = |len: usize| {
            total = total.saturating_add(len);
            if total > cap {
                Err(bad("file paths expand to more than the blob can plausibly hold"))
            } else {
                Ok(())
            }
        };
        let Some(base) = self.strings(TAG_BASENAMES)? else {
            // Packages built before rpm 4.0 (or with _noPayloadPrefix).
            return Ok(self.strings(TAG_OLDFILENAMES)?.unwrap_or_default());
        };
        let dirs = self.strings(TAG_DIRNAMES)?.ok_or_else(|| bad("BASENAMES without DIRNAMES"))?;
        let idx = self.ints(TAG_DIRINDEXES)?.ok_or_else(|| bad("BASENAMES without DIRINDEXES"))?;
        if idx.len() != base.len() {
            return Err(bad(format!("{} DIRINDEXES for {} BASENAMES", idx.len(), base.len())));
        }
        let mut out = Vec::with_capacity(base.len());
        for (b, &i) in base.iter().zip(&idx) {
            let d = usize::try_from(i)
                .ok()
                .and_then(|i| dirs.get(i))
                .ok_or_else(|| bad(format!("dir index {i} of {} dirnames", dirs.len())))?;
            charge(d.len() + b.len())?;
            out.push(format!("{d}{b}"));
        }
        Ok(out)
    }
}

/// Parses one header blob, with or without the 8-byte header magic.
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, Error> {
    let h = Header::split(blob)?;
    let cap = blob.len().saturating_mul(PATH_EXPANSION).saturating_add(PATH_SLACK);
    let paths = h.paths(cap)?;
    let n = paths.len();
    let sizes = h.per_file(&[TAG_LONGFILESIZES, TAG_FILESIZES], n)?;
    let modes = h.per_file(&[TAG_FILEMODES], n)?;
    let flags = h.per_file(&[TAG_FILEFLAGS], n)?;
    let at = |v: &Option<Vec<u64>>, i: usize| v.as_ref().map_or(0, |v| v[i]);
    let files = paths
        .into_iter()
        .enumerate()
        .map(|(i, path)| RpmFile {
            path,
            size: at(&sizes, i),
            // The tags are 16 and 32 bits wide; ints() read that many bytes.
            mode: at(&modes, i) as u16,
            flags: at(&flags, i) as u32,
        })
        .collect();
    let size = match h.first_int(TAG_LONGSIZE)? {
        Some(s) => s,
        None => h.first_int(TAG_SIZE)?.unwrap_or(0),
    };
    Ok(RpmPackage {
        name: h.required_string(TAG_NAME, "name")?,
        epoch: h.first_int(TAG_EPOCH)?.map(|e| e as u32),
        version: h.required_string(TAG_VERSION, "version")?,
        release: h.required_string(TAG_RELEASE, "release")?,
        arch: h.string(TAG_ARCH)?.unwrap_or_default(),
        size,
        requires: h.strings(TAG_REQUIRENAME)?.unwrap_or_default(),
        provides: h.strings(TAG_PROVIDENAME)?.unwrap_or_default(),
        files,
        source_rpm: h.string(TAG_SOURCERPM)?,
        vendor: h.string(TAG_VENDOR)?,
    })
}
