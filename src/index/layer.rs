//! One layer's tar stream → a compact list of entries. Runs on a worker thread per layer; the
//! merge into the image-wide tree happens afterwards, in layer order.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use super::blocks::Blocks;
use super::elf::{self, ElfInfo};
use super::kept::Kept;
use super::paths::clean_path;
use super::{Meta, MetaIds};
use crate::limits::{Exceeded, Limits};
use crate::source::layer_error;
use crate::source::store::{MappedRange, Windows};
use crate::source::{Compression, LayerStream, SourceError};

/// 2^50 bytes (1 PiB): larger entries are refused.
const MAX_FILE_SIZE: u64 = 1 << 50;

/// `RawEntry::offset` of a file whose bytes cannot be read back from one range of the tar (a
/// sparse file: its stored data is not its content).
pub const NO_OFFSET: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// `.wh.NAME`: deletes NAME from the layers below.
    Whiteout,
    /// `.wh..wh..opq`: hides everything the layers below put in this directory.
    Opaque,
    /// Devices, fifos and other special files.
    Other,
}

impl Kind {
    pub fn is_content(self) -> bool {
        matches!(self, Kind::File | Kind::Hardlink | Kind::Symlink | Kind::Other)
    }
}

/// A span of `RawLayer::text`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Span {
    start: u32,
    len: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawEntry {
    /// The directory the entry is in: an index into `RawLayer::dirs`.
    pub dir: u32,
    /// The last component of the path (empty only for an opaque marker at the root).
    pub name: Span,
    pub link: Option<Span>,
    pub kind: Kind,
    pub size: u64,
    /// Index into `RawLayer::metas`: mode and owner, of which a layer has few distinct.
    pub meta: u32,
    /// xxh3 of the content; 0 when not hashed.
    pub hash: u64,
    pub attached: Attached,
    /// Where the content starts in the layer's tar stream.
    pub offset: u64,
}

// A layer waits whole for the layers below it to be merged, and a large one holds hundreds
// of thousands of these: keep the size in sight.
const _: () = assert!(std::mem::size_of::<RawEntry>() == 64);

/// What the reader kept of a file's content: a file is either one the classifier or the
/// findings read (kept whole) or probed for ELF headers, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attached {
    Nothing,
    /// Index into `RawLayer::captured`.
    Captured(u32),
    /// Index into `RawLayer::elf`.
    Elf(u32),
}

impl RawEntry {
    pub fn captured(&self) -> Option<u32> {
        match self.attached {
            Attached::Captured(c) => Some(c),
            _ => None,
        }
    }

    pub fn elf(&self) -> Option<u32> {
        match self.attached {
            Attached::Elf(i) => Some(i),
            _ => None,
        }
    }

    /// Forgets the captured content, returning where it was.
    fn take_captured(&mut self) -> Option<u32> {
        let c = self.captured();
        if c.is_some() {
            self.attached = Attached::Nothing;
        }
        c
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RawLayer {
    text: String,
    /// The directories the entries are in, each once (a layer's paths are mostly their
    /// directories: a deep `node_modules` path is 100 bytes, its name 12).
    dirs: Vec<Span>,
    pub entries: Blocks<RawEntry>,
    pub metas: Vec<Meta>,
    /// Contents of the files `ReadOptions::capture` asked for.
    pub captured: Vec<Box<[u8]>>,
    /// What the ELF files need to run.
    pub elf: Vec<ElfInfo>,
    pub blob_bytes: u64,
    pub tar_bytes: u64,
    pub compression: Option<Compression>,
    /// Content hashes were left for later (the tar can be read again at `offset`).
    pub hashes_deferred: bool,
    /// A file the classifier wanted was not kept (the metadata budget was spent): this index
    /// depends on the rest of the image, so it is not cached.
    #[serde(skip)]
    pub incomplete: bool,
    /// The digests the stream was checked against (not kept in the cache).
    #[serde(skip)]
    pub checked: Option<crate::source::Checked>,
}

impl RawLayer {
    /// Whether a layer from outside this process (the cache) is one the reader could have
    /// produced: spans inside the text and on character boundaries, clean paths, captured
    /// contents that exist, sizes within the limit. Anything else is refused as a whole.
    pub fn is_well_formed(&self) -> bool {
        let span_ok = |sp: Span| {
            let (a, b) = (sp.start as usize, sp.start as usize + sp.len as usize);
            b <= self.text.len() && self.text.is_char_boundary(a) && self.text.is_char_boundary(b)
        };
        self.dirs.iter().all(|&d| span_ok(d))
            && self.entries.iter().all(|e| {
                span_ok(e.name)
                    && (e.dir as usize) < self.dirs.len()
                    && e.link.is_none_or(span_ok)
                    && e.size <= MAX_FILE_SIZE
                    && (e.meta as usize) < self.metas.len()
                    && e.captured().is_none_or(|c| (c as usize) < self.captured.len())
                    && e.elf().is_none_or(|c| (c as usize) < self.elf.len())
                    && !self.str(e.name).contains('/')
                    && {
                        let path = self.path(e);
                        clean_path(&path).is_ok_and(|p| p.as_deref() == Some(path.as_str()))
                    }
            })
    }

    /// Whether a layer from the cache keeps to this run's limits (they may be lower than those
    /// of the run that wrote it).
    pub fn within(&self, limits: &Limits) -> bool {
        self.entries.len() as u64 <= limits.entries
            && self.entries.iter().all(|e| check_path(&self.path(e), limits).is_ok())
    }

    /// Takes the layer's captured contents out of the image's budget, dropping those past it.
    pub fn keep_within(&mut self, kept: &Kept) {
        for e in self.entries.iter_mut() {
            let Some(c) = e.captured() else { continue };
            let text = |sp: Span| &self.text[sp.start as usize..sp.start as usize + sp.len as usize];
            let path = join(text(self.dirs[e.dir as usize]), text(e.name));
            let data = &mut self.captured[c as usize];
            if !kept.take(data.len() as u64, &path) {
                *data = Box::default();
                e.attached = Attached::Nothing;
                self.incomplete = true;
            }
        }
    }

    pub fn str(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.start as usize + span.len as usize]
    }

    /// The entry's directory (`""` at the root) and name.
    pub fn parts(&self, e: &RawEntry) -> (&str, &str) {
        (self.str(self.dirs[e.dir as usize]), self.str(e.name))
    }

    /// The entry's clean relative path.
    pub fn path(&self, e: &RawEntry) -> String {
        let (dir, name) = self.parts(e);
        join(dir, name)
    }

    /// Appends a clean path as its directory (shared with the entries before it in that
    /// directory, which `seen` finds) and its name.
    fn push_path(&mut self, path: &str, seen: &mut DirsSeen) -> Option<(u32, Span)> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let key = seen.hasher().hash_one(dir);
        let known = seen.get(&key).copied().filter(|&d| self.str(self.dirs[d as usize]) == dir);
        let d = match known {
            Some(d) => d,
            None => {
                let span = self.push_str(dir)?;
                let d = u32::try_from(self.dirs.len()).ok()?;
                self.dirs.push(span);
                seen.insert(key, d);
                d
            }
        };
        Some((d, self.push_str(name)?))
    }

    /// Gives back what the vectors reserved past their length: a layer waits whole for the
    /// layers below it to be merged.
    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.dirs.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.metas.shrink_to_fit();
        self.captured.shrink_to_fit();
        self.elf.shrink_to_fit();
    }

    /// Appends a path; `None` when the layer's paths would pass 4 GiB, which a span cannot
    /// address (the entry and path limits keep real layers far below it).
    fn push_str(&mut self, s: &str) -> Option<Span> {
        let start = u32::try_from(self.text.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        start.checked_add(len)?;
        self.text.push_str(s);
        Some(Span { start, len })
    }
}

/// The directories a layer has named so far, by the hash of their path.
type DirsSeen = std::collections::HashMap<u64, u32, ahash::RandomState>;

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// Files whose contents are kept are metadata (package databases, lock files); a larger
/// file of the same name is not, and is not held in memory.
pub const MAX_CAPTURE: u64 = 32 << 20;

#[derive(Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Hash file contents (needed for duplicate detection).
    pub hash_contents: bool,
    /// Read what ELF files need to run.
    pub elf: bool,
    /// Keep the contents of files whose (clean, relative) path this accepts.
    pub capture: fn(&str) -> bool,
    pub limits: &'a Limits,
    /// The image-wide budget for captured contents.
    pub kept: &'a Kept,
}

/// Reads a whole layer stream, then checks its digest. `map` gives the same blob as a mapped
/// file, which a plain tar's ELF files are probed through: only the ranges a probe needs are
/// read, where the stream would read each binary whole.
pub fn read_layer(
    index: usize,
    stream: LayerStream,
    map: impl FnOnce() -> Option<MappedRange>,
    opts: &ReadOptions,
) -> Result<RawLayer, SourceError> {
    let stream = stream.limit_ratio(opts.limits.ratio);
    let compression = stream.compression();
    // Only a stream that seeks is a plain tar read in place, whose offsets are the blob's.
    let seeks = stream.seeks();
    let mapped = if seeks { map() } else { None };
    let mut view = mapped.as_ref().map(MappedRange::windows);
    let hashes_deferred = opts.hash_contents && seeks;
    let mut layer = RawLayer { compression: Some(compression), hashes_deferred, ..Default::default() };
    let opts = &ReadOptions { hash_contents: opts.hash_contents && !hashes_deferred, ..*opts };
    let mut archive = tar::Archive::new(stream);
    let outcome = read_entries(&mut archive, &mut layer, view.as_mut(), opts);
    layer.shrink();
    let stream = archive.into_inner();
    match outcome {
        Ok(()) => {}
        Err(ReadError::Io(context, e)) => return Err(stream.fail(&context, &e)),
        Err(ReadError::Entry(message)) => {
            let e = layer_error(index, &stream, message);
            return Err(stream.fail_because(e));
        }
    }
    let (totals, checked) = stream.finish_checked()?;
    layer.blob_bytes = totals.blob_bytes;
    layer.tar_bytes = totals.tar_bytes;
    layer.checked = Some(checked);
    Ok(layer)
}

enum ReadError {
    Io(String, io::Error),
    Entry(String),
}

fn read_entries<R: Read + std::io::Seek>(
    archive: &mut tar::Archive<R>,
    layer: &mut RawLayer,
    mut view: Option<&mut Windows>,
    opts: &ReadOptions,
) -> Result<(), ReadError> {
    let limits = opts.limits;
    let mut buf = vec![0u8; 64 * 1024];
    // Which entry holds each captured path: a path written again later in the same layer
    // replaces the earlier copy instead of adding to the budget.
    let mut captured_at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut dirs = DirsSeen::default();
    let mut metas = MetaIds::default();
    let entries = archive.entries_with_seek().map_err(|e| ReadError::Io("cannot read tar".into(), e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ReadError::Io("cannot read tar entry".into(), e))?;
        if layer.entries.len() as u64 >= limits.entries {
            let what = format!("more than {} tar entries", limits.entries);
            return Err(ReadError::Entry(
                Exceeded { name: "entries", limit: limits.entries, what }.to_string(),
            ));
        }
        let sparse = sparse(&mut entry).map_err(|e| ReadError::Io("cannot read tar entry".into(), e))?;
        let raw_path = match sparse.as_ref().and_then(|s| s.name.clone()) {
            Some(name) => name,
            None => String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        };
        let Ok(clean) = clean_path(&raw_path) else {
            return Err(ReadError::Entry(format!("entry {raw_path:?} escapes the image root with '..'")));
        };
        let Some(path) = clean else { continue };
        check_path(&path, limits)?;
        let header = entry.header();
        let entry_type = header.entry_type();
        let old = header.as_old();
        let mode = numeric(&old.mode, || header.mode().map(u64::from)) as u32;
        let uid = numeric(&old.uid, || header.uid()) as u32;
        let gid = numeric(&old.gid, || header.gid()) as u32;
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (Some(d), b),
            None => (None, path.as_str()),
        };
        let join = |name: &str| match dir {
            Some(d) => format!("{d}/{name}"),
            None => name.to_string(),
        };
        let (kind, path) = if base == ".wh..wh..opq" {
            match dir {
                Some(d) => (Kind::Opaque, d.to_string()),
                // An opaque marker at the root hides every lower layer.
                None => (Kind::Opaque, String::new()),
            }
        } else if let Some(target) = base.strip_prefix(".wh.") {
            if target.starts_with(".wh.") || target.is_empty() {
                continue; // aufs bookkeeping (.wh..wh.plnk and friends), not part of the image
            }
            (Kind::Whiteout, join(target))
        } else {
            let kind = match entry_type {
                tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                    Kind::File
                }
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Symlink => Kind::Symlink,
                tar::EntryType::Link => Kind::Hardlink,
                tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
                _ => Kind::Other,
            };
            (kind, path)
        };
        let link = match kind {
            Kind::Symlink | Kind::Hardlink => {
                entry.link_name_bytes().map(|l| String::from_utf8_lossy(&l).into_owned())
            }
            _ => None,
        };
        let link = match (kind, link) {
            (Kind::Hardlink, Some(l)) => match clean_path(&l) {
                Ok(Some(l)) => Some(l),
                _ => {
                    return Err(ReadError::Entry(format!(
                        "hardlink {path:?} points outside the image: {l:?}"
                    )));
                }
            },
            (_, l) => l,
        };
        if let Some(l) = &link
            && l.len() as u64 > limits.path_bytes
        {
            let what = format!("the link target of {path:?} has {} bytes", l.len());
            return Err(ReadError::Entry(
                Exceeded { name: "path-bytes", limit: limits.path_bytes, what }.to_string(),
            ));
        }
        let size = match (kind, &sparse) {
            (Kind::File, Some(s)) => s.size,
            (Kind::File, None) => entry.size(),
            _ => 0,
        };
        // A sparse entry declares its apparent size, which a hostile tar can set to anything;
        // no layer holds a larger file, and sums over such sizes would overflow.
        if size > MAX_FILE_SIZE {
            return Err(ReadError::Entry(format!("{path:?} declares {size} bytes, more than any real file")));
        }
        let mut hash = 0;
        let mut attached = Attached::Nothing;
        let mut elf_at: Option<u32> = None;
        // A sparse file's body, as the tar reader gives it, is its apparent content: mostly
        // zeros that are not in the layer. It is measured, never read, hashed or kept.
        let offset = if sparse.is_some() { NO_OFFSET } else { entry.raw_file_position() };
        let readable = kind == Kind::File && sparse.is_none();
        let wanted = readable && size <= MAX_CAPTURE && (opts.capture)(&path);
        if wanted
            && let Some(earlier) = captured_at.remove(&path)
            && let Some(c) = layer.entries.get_mut(earlier).and_then(RawEntry::take_captured)
        {
            let old = std::mem::take(&mut layer.captured[c as usize]);
            opts.kept.give_back(old.len() as u64);
        }
        let keep = wanted && opts.kept.take(size, &path);
        layer.incomplete |= wanted && !keep;
        if keep {
            captured_at.insert(path.clone(), layer.entries.len());
            let mut data = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut data).map_err(|e| ReadError::Io(format!("cannot read {path}"), e))?;
            if opts.hash_contents && !data.is_empty() {
                hash = xxhash_rust::xxh3::xxh3_64(&data);
            }
            layer.captured.push(data.into_boxed_slice());
            attached = Attached::Captured(layer.captured.len() as u32 - 1);
        } else if readable
            && !opts.hash_contents
            && opts.elf
            && elf::candidate(&path, mode, size)
            && let Some(view) = view.as_deref_mut()
        {
            let probe = probe_mapped(view, offset, size)
                .map_err(|e| ReadError::Io(format!("cannot read {path}"), e))?;
            layer_elf(&mut layer.elf, &mut elf_at, Some(probe));
        } else if readable && (opts.hash_contents || (opts.elf && elf::candidate(&path, mode, size))) {
            // One pass over the body: the content hash, and an ELF file's headers.
            let mut h = opts.hash_contents.then(Xxh3::new);
            let mut probe = (opts.elf && elf::candidate(&path, mode, size)).then(|| elf::Probe::new(size));
            let mut at = 0u64;
            while h.is_some() || probe.is_some() {
                let n = entry.read(&mut buf).map_err(|e| ReadError::Io(format!("cannot read {path}"), e))?;
                if n == 0 {
                    break;
                }
                if let Some(h) = &mut h {
                    h.update(&buf[..n]);
                }
                if let Some(p) = &mut probe
                    && !p.feed(at, &buf[..n])
                {
                    layer_elf(&mut layer.elf, &mut elf_at, probe.take());
                }
                at += n as u64;
            }
            layer_elf(&mut layer.elf, &mut elf_at, probe);
            hash = h.map_or(0, |h| if at > 0 { h.digest() } else { 0 });
        }
        let too_long = || ReadError::Entry(format!("the paths of the layer pass {} bytes", u32::MAX));
        let (dir, name) = layer.push_path(&path, &mut dirs).ok_or_else(too_long)?;
        let link = match link {
            Some(l) => Some(layer.push_str(&l).ok_or_else(too_long)?),
            None => None,
        };
        if let Some(i) = elf_at {
            attached = Attached::Elf(i);
        }
        let meta = metas.id(&mut layer.metas, Meta { mode, uid, gid });
        layer.entries.push(RawEntry { dir, name, link, kind, size, meta, hash, attached, offset });
    }
    Ok(())
}

/// A numeric header field, 0 when it is empty (all NULs or spaces, as some writers leave the
/// ids they do not know) or unreadable. For an empty field the tar crate builds an error with
/// the entry's path in it, two allocations and a format for every entry of such a layer.
fn numeric(field: &[u8], parse: impl FnOnce() -> io::Result<u64>) -> u64 {
    if field.iter().all(|&b| b == 0 || b == b' ') { 0 } else { parse().unwrap_or(0) }
}

fn check_path(path: &str, limits: &Limits) -> Result<(), ReadError> {
    let exceeded = |name, limit, what: String| ReadError::Entry(Exceeded { name, limit, what }.to_string());
    if path.len() as u64 > limits.path_bytes {
        let shown: String = path.chars().take(60).collect();
        return Err(exceeded(
            "path-bytes",
            limits.path_bytes,
            format!("{shown:?}... has {} bytes", path.len()),
        ));
    }
    let depth = path.bytes().filter(|&b| b == b'/').count() as u64 + 1;
    if depth > limits.path_depth {
        let shown: String = path.chars().take(60).collect();
        return Err(exceeded(
            "path-depth",
            limits.path_depth,
            format!("{shown:?}... is {depth} levels deep"),
        ));
    }
    Ok(())
}

/// A sparse file's real name and apparent size.
struct Sparse {
    /// Set for PAX sparse files, whose header name is a `GNUSparseFile.N/` stand-in.
    name: Option<String>,
    size: u64,
}

/// Whether the entry is a sparse file: GNU (`S` type; the tar reader has already applied its
/// map) or PAX (`GNU.sparse.*` records of formats 0.0, 0.1 and 1.0, which the tar reader
/// leaves to its caller, as `tar --sparse --format=posix` writes them).
fn sparse<R: Read>(entry: &mut tar::Entry<R>) -> io::Result<Option<Sparse>> {
    if entry.header().entry_type() == tar::EntryType::GNUSparse {
        return Ok(Some(Sparse { name: None, size: entry.size() }));
    }
    let Some(pax) = entry.pax_extensions()? else { return Ok(None) };
    let (mut name, mut size, mut any) = (None, None, false);
    for ext in pax {
        let ext = ext?;
        let Ok(key) = ext.key() else { continue };
        let Some(field) = key.strip_prefix("GNU.sparse.") else { continue };
        any = true;
        let value = ext.value().ok();
        match field {
            "name" => name = value.map(str::to_string),
            "realsize" | "size" => size = value.and_then(|v| v.trim().parse::<u64>().ok()),
            _ => {}
        }
    }
    if !any {
        return Ok(None);
    }
    let size =
        size.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "PAX sparse file without a size"))?;
    // Formats 0.1 and 1.0 name the file `DIR/GNUSparseFile.PID/NAME` in the header; 0.0 keeps
    // the real name there.
    let name = name.or_else(|| {
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let (dir, rest) = raw.rsplit_once('/')?;
        let (parent, stand_in) = match dir.rsplit_once('/') {
            Some((p, s)) => (Some(p), s),
            None => (None, dir),
        };
        stand_in.strip_prefix("GNUSparseFile.")?;
        Some(parent.map_or(rest.to_string(), |p| format!("{p}/{rest}")))
    });
    Ok(Some(Sparse { name, size }))
}

/// Probes the ELF file whose body starts at `offset` of a mapped layer, reading only what
/// the probe asks for.
fn probe_mapped(view: &mut Windows, offset: u64, size: u64) -> io::Result<elf::Probe> {
    let mut probe = elf::Probe::new(size);
    let mut last = None;
    while let Some((from, to)) = probe.next_missing() {
        // A probe that asks for the same bytes again would never finish.
        if last.replace((from, to)) == Some((from, to)) {
            break;
        }
        let mut at = from;
        view.each_slice(offset + from, to - from, |s| {
            probe.feed(at, s);
            at += s.len() as u64;
        })?;
    }
    Ok(probe)
}

/// Keeps what a finished probe found, and where.
fn layer_elf(list: &mut Vec<ElfInfo>, at: &mut Option<u32>, probe: Option<elf::Probe>) {
    if let Some(info) = probe.and_then(elf::Probe::finish) {
        list.push(info);
        *at = Some(list.len() as u32 - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_numeric_field_is_zero_without_parsing_and_a_set_one_parses() {
        let unparsed = || -> io::Result<u64> { panic!("an empty field is not parsed") };
        assert_eq!(numeric(&[0; 8], unparsed), 0);
        assert_eq!(numeric(b"       \0", unparsed), 0);
        let mut h = tar::Header::new_gnu();
        h.set_uid(1000);
        assert_eq!(numeric(&h.as_old().uid, || h.uid()), 1000);
        assert_eq!(numeric(b"zz\0\0\0\0\0\0", || Err(io::Error::other("bad"))), 0);
    }
}
