//! Where an image's files live: a directory (OCI layout, extracted `docker save`) or a tar
//! archive read in place (docker-archive, oci-archive). Nothing is extracted; members of an
//! archive are read by seeking to their offset.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use super::SourceError;

/// A blob reader that can also skip ahead without reading: stores are files.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A byte range of a file, read and sought as if it were a file of its own.
pub struct Section {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let want = (buf.len() as u64).min(left) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Section {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of a blob"))?;
        self.file.seek(SeekFrom::Start(self.start + target))?;
        self.pos = target;
        Ok(target)
    }
}

/// A member as a range of a local file, hashed through memory maps instead of read calls (on
/// a page-cached archive the copy is a sixth of the CPU).
pub struct MappedRange {
    file: File,
    offset: u64,
    len: u64,
}

impl MappedRange {
    /// `None` unless the range lies wholly inside the file: touching a mapped page past the
    /// end raises SIGBUS instead of an error.
    fn new(file: File, offset: u64, len: u64) -> Option<MappedRange> {
        let end = offset.checked_add(len)?;
        (len > 0 && file.metadata().ok()?.len() >= end).then_some(MappedRange { file, offset, len })
    }

    /// Feeds the whole range to `f` a window at a time.
    pub fn each_window(&self, f: impl FnMut(&[u8])) -> io::Result<()> {
        // Every page is read: mapped up front, one call per window instead of a fault per
        // few pages.
        Windows { range: self, map: None, populate: true }.each_slice(0, self.len, f)
    }

    /// Reads parts of the range through windows of the same size, keeping the last one mapped:
    /// ranges asked for in ascending order map each window once.
    pub fn windows(&self) -> Windows<'_> {
        Windows { range: self, map: None, populate: false }
    }
}

const WINDOW: u64 = 2 << 20;

pub struct Windows<'a> {
    range: &'a MappedRange,
    /// The window mapped last, by its start in the range.
    map: Option<(u64, memmap2::Mmap)>,
    populate: bool,
}

impl Windows<'_> {
    /// Feeds bytes `at..at + len` of the range to `f`, a window's part at a time.
    pub fn each_slice(&mut self, at: u64, len: u64, mut f: impl FnMut(&[u8])) -> io::Result<()> {
        let end = at.checked_add(len).filter(|&e| e <= self.range.len).ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "a file's bytes lie past the end of its layer")
        })?;
        let mut pos = at;
        while pos < end {
            let start = pos / WINDOW * WINDOW;
            if self.map.as_ref().is_none_or(|(s, _)| *s != start) {
                // Unmapped before the next is mapped, so the file's pages never count towards
                // the process's resident memory by more than a window.
                self.map = None;
                let n = WINDOW.min(self.range.len - start) as usize;
                // SAFETY: read only, and inside the file's length when checked. A file
                // truncated by another process while weigh reads it can still fault, as with
                // any program that maps files (ripgrep does the same); images being read are
                // not written to.
                let mut options = memmap2::MmapOptions::new();
                options.offset(self.range.offset + start).len(n);
                if self.populate {
                    options.populate();
                }
                let map = unsafe { options.map(&self.range.file) }?;
                // Ranges are asked for in ascending order.
                let _ = map.advise(memmap2::Advice::Sequential);
                self.map = Some((start, map));
            }
            let Some((_, map)) = &self.map else { unreachable!("mapped above") };
            let stop = end.min(start + WINDOW);
            f(&map[(pos - start) as usize..(stop - start) as usize]);
            pos = stop;
        }
        Ok(())
    }
}

pub trait Store: Send + Sync {
    /// Opens a member for streaming; returns the reader and the member's size.
    fn open(&self, name: &str) -> Result<(Box<dyn ReadSeek>, u64), SourceError>;
    fn exists(&self, name: &str) -> bool;
    /// Human description used in error messages.
    fn describe(&self) -> String;

    /// A member as a range of a local file, to hash without read calls; `None` when the
    /// store is not local files or the member does not lie inside its file.
    fn map(&self, _name: &str) -> Option<MappedRange> {
        None
    }

    /// Whether opening a member again costs little (a file, not a download).
    fn cheap_reopen(&self) -> bool {
        true
    }

    /// Reads a JSON document (manifest, config, index) of at most `limit` bytes: a cap keeps
    /// a hostile image from making us allocate whatever its header claims.
    fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        let (r, size) = self.open(name)?;
        if size > limit {
            let what = format!("{name} has {size} bytes");
            return Err(SourceError::Limit(crate::limits::Exceeded { name: "document", limit, what }));
        }
        let mut buf = Vec::with_capacity(size as usize);
        r.take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| SourceError::Io { what: format!("{} in {}", name, self.describe()), source: e })?;
        Ok(buf)
    }
}

/// Normalises a member name (`./a//b` → `a/b`) and refuses anything that could escape the
/// root, so a manifest cannot point us at files outside the image.
pub fn clean_member_name(name: &str) -> Option<String> {
    crate::path::normalize(name).ok().filter(|n| !n.is_empty())
}

pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: PathBuf) -> Self {
        DirStore { root }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        let clean = clean_member_name(name)?;
        let rel = Path::new(&clean);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        Some(self.root.join(rel))
    }
}

impl Store for DirStore {
    fn open(&self, name: &str) -> Result<(Box<dyn ReadSeek>, u64), SourceError> {
        let path =
            self.path(name).ok_or_else(|| SourceError::Malformed(format!("invalid file name {name:?}")))?;
        let file = File::open(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                SourceError::MissingBlob(name.to_string())
            } else {
                SourceError::Io { what: path.display().to_string(), source: e }
            }
        })?;
        let size = file
            .metadata()
            .map_err(|e| SourceError::Io { what: path.display().to_string(), source: e })?
            .len();
        Ok((Box::new(file), size))
    }

    fn map(&self, name: &str) -> Option<MappedRange> {
        let file = File::open(self.path(name)?).ok()?;
        let len = file.metadata().ok()?.len();
        MappedRange::new(file, 0, len)
    }

    fn exists(&self, name: &str) -> bool {
        self.path(name).is_some_and(|p| p.is_file())
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[derive(Debug, Clone, Copy)]
struct Member {
    offset: u64,
    size: u64,
}

pub struct TarStore {
    path: PathBuf,
    members: HashMap<String, Member>,
    /// A spooled download this store owns: the file is removed when the store is dropped.
    _spool: Option<tempfile::TempPath>,
}

impl TarStore {
    /// Reads the archive's headers once (seeking past bodies) to learn where each member is.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let io_err = |e: io::Error| SourceError::Io { what: path.display().to_string(), source: e };
        let not_tar = |e: io::Error| SourceError::Malformed(format!("not a readable tar archive: {e}"));
        let file = File::open(path).map_err(io_err)?;
        let mut archive = tar::Archive::new(file);
        let mut members = HashMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        for entry in archive.entries_with_seek().map_err(not_tar)? {
            let entry = entry.map_err(not_tar)?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = clean_member_name(&raw) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                // `docker save` links identical layers to one copy: `b/layer.tar -> ../a/layer.tar`.
                if let Some(target) = entry.link_name_bytes() {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    let resolved = if kind.is_symlink() && !target.starts_with('/') {
                        match name.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{target}"),
                            None => target,
                        }
                    } else {
                        target
                    };
                    if let Some(t) = clean_member_name(&resolved) {
                        links.push((name, t));
                    }
                }
            } else if kind.is_file() || kind == tar::EntryType::Continuous {
                members.insert(name, Member { offset: entry.raw_file_position(), size: entry.size() });
            }
        }
        // Links can point at links; a bounded number of rounds also stops cycles.
        for _ in 0..8 {
            let mut progressed = false;
            links.retain(|(name, target)| match members.get(target).copied() {
                Some(m) => {
                    members.insert(name.clone(), m);
                    progressed = true;
                    false
                }
                None => true,
            });
            if !progressed {
                break;
            }
        }
        if members.is_empty() {
            return Err(SourceError::Malformed("an empty tar archive".into()));
        }
        Ok(TarStore { path: path.to_path_buf(), members, _spool: None })
    }

    /// A store over a temporary file, removed when the store is dropped.
    pub fn from_spool(spool: tempfile::TempPath) -> Result<Self, SourceError> {
        let mut store = TarStore::open(&spool)?;
        store._spool = Some(spool);
        Ok(store)
    }
}

impl Store for TarStore {
    fn open(&self, name: &str) -> Result<(Box<dyn ReadSeek>, u64), SourceError> {
        let member = clean_member_name(name)
            .and_then(|n| self.members.get(&n).copied())
            .ok_or_else(|| SourceError::MissingBlob(name.to_string()))?;
        let io_err = |e| SourceError::Io { what: self.path.display().to_string(), source: e };
        let mut file = File::open(&self.path).map_err(io_err)?;
        file.seek(SeekFrom::Start(member.offset)).map_err(io_err)?;
        Ok((Box::new(Section { file, start: member.offset, len: member.size, pos: 0 }), member.size))
    }

    fn map(&self, name: &str) -> Option<MappedRange> {
        let member = self.members.get(&clean_member_name(name)?).copied()?;
        MappedRange::new(File::open(&self.path).ok()?, member.offset, member.size)
    }

    fn exists(&self, name: &str) -> bool {
        clean_member_name(name).is_some_and(|n| self.members.contains_key(&n))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_normalised_and_confined() {
        assert_eq!(clean_member_name("./a//b/./c").as_deref(), Some("a/b/c"));
        assert_eq!(clean_member_name("a/../b").as_deref(), Some("b"));
        assert_eq!(clean_member_name("../etc/passwd"), None);
        assert_eq!(clean_member_name("./"), None);
    }

    fn archive(dir: &Path, members: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("a.tar");
        let mut b = tar::Builder::new(File::create(&path).unwrap());
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.finish().unwrap();
        path
    }

    fn windows(r: &MappedRange) -> Vec<u8> {
        let mut all = Vec::new();
        r.each_window(|w| all.extend_from_slice(w)).unwrap();
        all
    }

    /// An archive of a small member and a big one: the big one spans three windows and starts
    /// at an offset no page boundary falls on.
    fn small_and_big(dir: &Path) -> (PathBuf, Vec<u8>, TarStore) {
        let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
        let path = archive(dir, &[("small", b"hello"), ("big", &big)]);
        let store = TarStore::open(&path).unwrap();
        (path, big, store)
    }

    #[test]
    fn a_mapped_member_reads_as_its_bytes_across_windows() {
        let dir = tempfile::tempdir().unwrap();
        let (path, big, store) = small_and_big(dir.path());
        assert_eq!(windows(&store.map("big").unwrap()), big);
        assert_eq!(windows(&store.map("small").unwrap()), b"hello");
        assert!(store.map("absent").is_none());
        let dirs = DirStore::new(dir.path().to_path_buf());
        assert_eq!(windows(&dirs.map("a.tar").unwrap()), std::fs::read(&path).unwrap());
    }

    #[test]
    fn parts_of_a_mapped_member_read_as_their_bytes_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let (_, big, store) = small_and_big(dir.path());
        let range = store.map("big").unwrap();
        let mut w = range.windows();
        let part = |w: &mut Windows, at: u64, len: u64| {
            let mut out = Vec::new();
            w.each_slice(at, len, |s| out.extend_from_slice(s)).map(|()| out)
        };
        // Inside one window, across two, then back to the first, and up to the very end.
        for (at, len) in [(3, 10), (2_097_000, 5_000), (0, 4_999_999), (100, 0), (4_999_990, 10)] {
            let want = &big[at as usize..(at + len) as usize];
            assert_eq!(part(&mut w, at, len).unwrap(), want, "{at}+{len}");
        }
        assert!(part(&mut w, 4_999_990, 11).is_err());
        assert!(part(&mut w, u64::MAX, 2).is_err());
    }

    #[test]
    fn a_member_past_the_end_of_a_truncated_archive_is_not_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![7u8; 100_000];
        let path = archive(dir.path(), &[("big", &big)]);
        let store = TarStore::open(&path).unwrap();
        // Cut after the store learnt where the member is: mapping it would fault, reading fails.
        File::options().write(true).open(&path).unwrap().set_len(50_000).unwrap();
        assert!(store.map("big").is_none());
    }
}
