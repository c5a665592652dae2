//! Streams every layer into entries and merges them, in layer order, into the final tree: for
//! every path, which layer last wrote it; for every hidden copy, which layer hid it and how.

pub mod cache;
pub mod elf;
pub mod layer;
pub mod paths;

use std::ops::Range;

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::SeekFrom;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

pub use layer::Kind;
use layer::{RawLayer, ReadOptions, read_layer};
pub use paths::{NONE, NodeId, PathArena, ROOT};

use crate::source::{Compression, Image, SourceError};

pub const NO_LAYER: u16 = u16::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The path did not exist below this layer.
    Added,
    /// The path existed below and this layer replaced it.
    Modified,
    /// A directory the layer re-declares without changing what lies below.
    Unchanged,
    /// Whiteouts and opaque markers.
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenHow {
    Overwritten,
    Deleted,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub node: NodeId,
    pub layer: u16,
    pub kind: Kind,
    pub change: Change,
    pub hidden_how: HiddenHow,
    /// Layer that hid this entry, or [`NO_LAYER`] while it is visible.
    pub hidden_by: u16,
    /// Tar header size: the content bytes of a regular file; 0 for everything else.
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub hash: u64,
    /// Where the content starts in the layer's tar stream.
    pub offset: u64,
    /// Hardlink: the entry holding the content (NONE if dangling). Symlink: index into
    /// `Index::symlink_targets`.
    pub link: u32,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Count {
    pub files: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
    }
}

#[derive(Debug, Clone)]
pub struct LayerChanges {
    pub entries: Range<u32>,
    /// Sum of regular-file sizes in the layer's tar (hardlinks once, as `tar -tvf` shows).
    pub size: u64,
    /// Bytes of this layer still visible in the final image.
    pub final_bytes: u64,
    pub added: Count,
    pub modified: Count,
    pub deleted: Count,
    pub blob_bytes: u64,
    pub tar_bytes: u64,
    pub compression: Compression,
    /// Content hashes of this layer are taken after the merge, where needed.
    pub hashes_deferred: bool,
}

/// Callbacks for a progress display; all are called from worker threads.
pub trait Progress: Sync {
    /// The image has `n` layers to read.
    fn layers(&self, _n: usize) {}
    /// Layer `layer` starts; the returned callback sees the blob bytes read so far.
    fn start(&self, _layer: usize, _blob_bytes: Option<u64>) -> Option<Box<dyn FnMut(u64) + Send>> {
        None
    }
    fn done(&self, _layer: usize) {}
    /// Every layer has been read (or reading failed).
    fn finished(&self) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone)]
pub struct IndexOptions {
    pub hash_contents: bool,
    /// Read what ELF files need to run (see [`Index::elf`]).
    pub elf: bool,
    /// Which files' contents to keep (see [`Index::content`]): what classification and the
    /// findings ask for.
    pub capture: fn(&str) -> bool,
    /// Where layer indexes are kept by diff_id (`--cache-dir`).
    pub cache: Option<std::path::PathBuf>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            hash_contents: true,
            elf: true,
            capture: |p| crate::classify::wants_content(p) || crate::findings::wants_content(p),
            cache: None,
        }
    }
}

/// Reads layer `i`, or takes its index from the cache.
fn read_cached(
    image: &Image,
    i: usize,
    opts: &ReadOptions,
    cache: Option<&std::path::Path>,
    progress: &dyn Progress,
) -> Result<RawLayer, SourceError> {
    let layer = &image.layers[i];
    let key = cache.zip(layer.diff_id.as_ref());
    if let Some((dir, id)) = key
        && let Some((raw, blob)) = cache::load(dir, id, opts)
        // Only for the very blob the (verified) manifest names: an image whose config claims a
        // layer's diff_id while shipping another blob is read, and fails its check.
        && blob.is_some()
        && blob == layer.digest.as_ref().map(ToString::to_string)
    {
        progress.done(i);
        return Ok(raw);
    }
    let advance = progress.start(i, image.blob_size(i));
    let raw = image.open_layer_with(i, advance, key.is_some()).and_then(|s| read_layer(i, s, opts));
    progress.done(i);
    match (raw, key) {
        (Ok(raw), Some((dir, id))) => Ok(cache::store(dir, id, opts, raw)),
        (raw, _) => raw,
    }
}

pub struct Index {
    pub paths: PathArena,
    pub entries: Vec<Entry>,
    pub layers: Vec<LayerChanges>,
    pub symlink_targets: Vec<Box<str>>,
    /// Per node: the entry visible in the final tree, or NONE.
    pub current: Vec<u32>,
    /// Kept contents of metadata files, by entry.
    pub contents: std::collections::HashMap<u32, Box<[u8]>>,
    /// What ELF files need to run, by entry.
    pub elf_info: HashMap<u32, elf::ElfInfo>,
    /// Per node: bytes in the final tree (a file's size counted once across hardlinks; a
    /// directory's sum of its children).
    pub node_size: Vec<u64>,
    /// Per node: visible regular files at or below it.
    pub node_files: Vec<u32>,
    /// Per node: whether it exists in the final tree (explicitly or as an implied parent).
    pub visible: Vec<bool>,
    /// Per entry that holds content: whether its bytes are still reachable in the final tree.
    pub live: Vec<bool>,
    /// Bytes written by all layers (regular files, hardlinks once).
    pub written_bytes: u64,
    /// Bytes in the final tree.
    pub final_bytes: u64,
    pub final_files: u64,
}

impl Index {
    /// Reads the layers of `image` on one worker per core, largest blob first so the longest
    /// layer does not start last, and merges each into the tree, in layer order, as soon as
    /// the layers below it are in: merging overlaps reading, and a layer's raw entries are
    /// dropped as soon as it is merged.
    pub fn build(image: &Image, opts: IndexOptions, progress: &dyn Progress) -> Result<Index, SourceError> {
        progress.layers(image.layers.len());
        let n = image.layers.len();
        if n >= NO_LAYER as usize {
            return Err(SourceError::Unsupported(format!("{n} layers is more than weigh handles")));
        }
        let read_opts =
            ReadOptions { hash_contents: opts.hash_contents, elf: opts.elf, capture: opts.capture };
        let cache = opts.cache.as_deref();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(image.blob_size(i).unwrap_or(0)));
        let workers = std::thread::available_parallelism().map_or(2, |p| p.get()).clamp(1, n.max(1));
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<(usize, Result<RawLayer, SourceError>)>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (order, next, failed, read_opts) = (&order, &next, &failed, &read_opts);
                scope.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        let raw = read_cached(image, i, read_opts, cache, progress);
                        if raw.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        if tx.send((i, raw)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut merger = Merger::new(n);
            let mut waiting: BTreeMap<usize, RawLayer> = BTreeMap::new();
            for (i, raw) in rx {
                let raw = raw.inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
                waiting.insert(i, raw);
                while let Some(raw) = waiting.remove(&merger.ix.layers.len()) {
                    let layer = merger.ix.layers.len() as u16;
                    merger.merge_layer(layer, raw);
                }
            }
            let mut ix = merger.ix;
            ix.finalize();
            ix.hash_deferred(image)?;
            Ok(ix)
        })
    }

    /// Hashes the files of plain layers that might be duplicates: visible files whose size
    /// another visible file shares. Their bodies were skipped while indexing; a file with a
    /// size of its own cannot have a twin, so most bytes are never read twice.
    fn hash_deferred(&mut self, image: &Image) -> Result<(), SourceError> {
        if !self.layers.iter().any(|l| l.hashes_deferred) {
            return Ok(());
        }
        let mut sizes: HashMap<u64, u32> = HashMap::new();
        let mut owners = Vec::new();
        for &c in &self.current {
            if c == NONE || !matches!(self.entries[c as usize].kind, Kind::File | Kind::Hardlink) {
                continue;
            }
            let o = self.owner(c);
            let e = &self.entries[o as usize];
            if e.kind == Kind::File && e.size > 0 && self.live[o as usize] {
                *sizes.entry(e.size).or_default() += 1;
                owners.push(o);
            }
        }
        owners.sort_unstable();
        owners.dedup();
        let mut todo: Vec<Vec<u32>> = vec![Vec::new(); self.layers.len()];
        for o in owners {
            let e = &self.entries[o as usize];
            if sizes[&e.size] > 1 && e.hash == 0 && self.layers[e.layer as usize].hashes_deferred {
                todo[e.layer as usize].push(o);
            }
        }
        let (entries, paths) = (&self.entries, &self.paths);
        let next = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(2, |p| p.get());
        let results: Vec<Result<Vec<(u32, u64)>, SourceError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    let (todo, next) = (&todo, &next);
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        let mut buf = vec![0u8; 256 * 1024];
                        while let Some(list) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                            let Some(&first) = list.first() else { continue };
                            let layer = entries[first as usize].layer as usize;
                            let mut r = image.open_blob(layer)?;
                            for &o in list {
                                let e = &entries[o as usize];
                                let hash = hash_range(&mut r, e.offset, e.size, &mut buf).map_err(|err| {
                                    image.layer_error(
                                        layer,
                                        format!("cannot read {}: {err}", paths.path(e.node)),
                                    )
                                })?;
                                out.push((o, hash));
                            }
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Ok(Vec::new()))).collect()
        });
        for r in results {
            for (o, hash) in r? {
                self.entries[o as usize].hash = hash;
            }
        }
        Ok(())
    }

    /// The kept contents of the file visible at `path` (a metadata file; see
    /// [`IndexOptions::capture`]).
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        let node = self.paths.find(path)?;
        let e = *self.current.get(node as usize)?;
        self.contents.get(&e).map(|c| &c[..])
    }

    /// The non-directories of the final tree, each with the entry that made it.
    pub fn final_files(&self) -> impl Iterator<Item = (NodeId, &Entry)> + '_ {
        self.current.iter().enumerate().filter_map(move |(n, &e)| {
            let entry = self.entries.get(e as usize).filter(|x| x.kind != Kind::Dir)?;
            Some((n as NodeId, entry))
        })
    }

    /// The non-directories of the final tree with the bytes each carries (a hardlinked
    /// file's once).
    pub fn visible_files(&self) -> impl Iterator<Item = (NodeId, u64)> + '_ {
        self.final_files().map(move |(n, _)| (n, self.node_size[n as usize]))
    }

    /// What the ELF file visible at `node` needs to run.
    pub fn elf(&self, node: NodeId) -> Option<&elf::ElfInfo> {
        self.elf_info.get(self.current.get(node as usize)?)
    }

    /// Whether `node` is a directory of the final tree (declared, or implied by what lies
    /// below it).
    pub fn is_dir(&self, node: NodeId) -> bool {
        let e = self.current[node as usize];
        self.visible[node as usize]
            && (node == ROOT || e == NONE || self.entries[e as usize].kind == Kind::Dir)
    }

    /// Whether `node` is a non-directory (file, link, device) of the final tree.
    pub fn is_file(&self, node: NodeId) -> bool {
        let e = self.current[node as usize];
        e != NONE && self.entries[e as usize].kind != Kind::Dir
    }

    pub fn entry_path(&self, e: u32) -> String {
        self.paths.path(self.entries[e as usize].node)
    }

    /// The entry holding the bytes of `e` (itself, or the target of a hardlink).
    pub fn owner(&self, e: u32) -> u32 {
        let entry = &self.entries[e as usize];
        if entry.kind == Kind::Hardlink && entry.link != NONE { entry.link } else { e }
    }

    pub fn symlink_target(&self, e: u32) -> Option<&str> {
        let entry = &self.entries[e as usize];
        (entry.kind == Kind::Symlink && entry.link != NONE)
            .then(|| &*self.symlink_targets[entry.link as usize])
    }

    fn finalize(&mut self) {
        let n_nodes = self.paths.len();
        let n_entries = self.entries.len();
        self.current.resize(n_nodes, NONE);
        // Which visible name carries each file's bytes: the file itself if visible, else the
        // first surviving hardlink to it. Bytes whose every name is hidden are waste.
        let mut carrier = vec![NONE; n_entries];
        for &c in &self.current {
            if c == NONE || !self.entries[c as usize].kind.is_content() {
                continue;
            }
            let o = self.owner(c);
            let cur = carrier[o as usize];
            if c == o || cur == NONE || (cur != o && c < cur) {
                carrier[o as usize] = c;
            }
        }
        self.node_size = vec![0; n_nodes];
        self.node_files = vec![0; n_nodes];
        self.visible = vec![false; n_nodes];
        self.live = vec![false; n_entries];
        self.written_bytes = 0;
        for (e, entry) in self.entries.iter().enumerate() {
            if entry.kind != Kind::File {
                continue;
            }
            self.written_bytes += entry.size;
            let c = carrier[e];
            if c != NONE {
                self.live[e] = true;
                let node = self.entries[c as usize].node as usize;
                self.node_size[node] = entry.size;
                self.layers[entry.layer as usize].final_bytes += entry.size;
            }
        }
        for (node, &c) in self.current.iter().enumerate() {
            if c != NONE {
                self.visible[node] = true;
                if self.entries[c as usize].kind != Kind::Dir {
                    self.node_files[node] = 1;
                }
            }
        }
        // Children always have larger ids than their parents, so one reverse sweep sums the tree.
        for node in (1..n_nodes).rev() {
            if !self.visible[node] {
                continue;
            }
            let parent = self.paths.parent(node as NodeId).unwrap_or(ROOT) as usize;
            self.visible[parent] = true;
            self.node_size[parent] += self.node_size[node];
            self.node_files[parent] += self.node_files[node];
        }
        self.visible[ROOT as usize] = true;
        self.final_bytes = self.node_size[ROOT as usize];
        self.final_files = self.node_files[ROOT as usize] as u64;
    }

    pub fn waste_bytes(&self) -> u64 {
        self.written_bytes - self.final_bytes
    }

    /// Entries holding bytes that no visible path reaches any more.
    pub fn dead_entries(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(e, entry)| entry.kind == Kind::File && !self.live[*e])
            .map(|(e, _)| e as u32)
    }
}

fn hash_range(
    r: &mut dyn crate::source::store::ReadSeek,
    offset: u64,
    len: u64,
    buf: &mut [u8],
) -> std::io::Result<u64> {
    r.seek(SeekFrom::Start(offset))?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut left = len;
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        r.read_exact(&mut buf[..want])?;
        h.update(&buf[..want]);
        left -= want as u64;
    }
    Ok(h.digest())
}

struct Merger {
    ix: Index,
}

impl Merger {
    fn new(layers: usize) -> Merger {
        Merger {
            ix: Index {
                paths: PathArena::new(),
                entries: Vec::new(),
                layers: Vec::with_capacity(layers),
                symlink_targets: Vec::new(),
                current: vec![NONE],
                contents: std::collections::HashMap::new(),
                elf_info: HashMap::new(),
                node_size: Vec::new(),
                node_files: Vec::new(),
                visible: Vec::new(),
                live: Vec::new(),
                written_bytes: 0,
                final_bytes: 0,
                final_files: 0,
            },
        }
    }

    fn node_for(&mut self, path: &str) -> NodeId {
        let id = if path.is_empty() { ROOT } else { self.ix.paths.intern(path) };
        if self.ix.current.len() < self.ix.paths.len() {
            self.ix.current.resize(self.ix.paths.len(), NONE);
        }
        id
    }

    fn hide(&mut self, node: NodeId, layer: u16, how: HiddenHow, deleted: &mut Count) {
        let c = self.ix.current[node as usize];
        if c == NONE {
            return;
        }
        let entry = &mut self.ix.entries[c as usize];
        entry.hidden_by = layer;
        entry.hidden_how = how;
        if entry.kind != Kind::Dir {
            deleted.add(entry.size);
        }
        self.ix.current[node as usize] = NONE;
    }

    fn hide_below(&mut self, node: NodeId, layer: u16, how: HiddenHow, deleted: &mut Count) {
        let mut stack: Vec<NodeId> = self.ix.paths.children(node).collect();
        while let Some(n) = stack.pop() {
            self.hide(n, layer, how, deleted);
            stack.extend(self.ix.paths.children(n));
        }
    }

    fn merge_layer(&mut self, layer: u16, mut raw: RawLayer) {
        let mut captured = std::mem::take(&mut raw.captured);
        let mut elf_infos = std::mem::take(&mut raw.elf);
        let first = self.ix.entries.len() as u32;
        let mut changes = LayerChanges {
            entries: first..first,
            size: 0,
            final_bytes: 0,
            added: Count::default(),
            modified: Count::default(),
            deleted: Count::default(),
            blob_bytes: raw.blob_bytes,
            tar_bytes: raw.tar_bytes,
            compression: raw.compression.unwrap_or(Compression::None),
            hashes_deferred: raw.hashes_deferred,
        };
        // Whiteouts only ever apply to the layers below, wherever they sit in the tar, so
        // apply them all before this layer's own files.
        for r in raw.entries.iter().filter(|r| matches!(r.kind, Kind::Whiteout | Kind::Opaque)) {
            let node = self.node_for(raw.str(r.path));
            if r.kind == Kind::Whiteout {
                self.hide(node, layer, HiddenHow::Deleted, &mut changes.deleted);
            }
            self.hide_below(node, layer, HiddenHow::Deleted, &mut changes.deleted);
            self.ix.entries.push(Entry {
                node,
                layer,
                kind: r.kind,
                change: Change::Deleted,
                hidden_how: HiddenHow::Deleted,
                hidden_by: NO_LAYER,
                size: 0,
                mode: r.mode,
                uid: r.uid,
                gid: r.gid,
                hash: 0,
                offset: 0,
                link: NONE,
            });
        }
        let mut last_parent: Option<(String, NodeId)> = None;
        for r in raw.entries.iter().filter(|r| !matches!(r.kind, Kind::Whiteout | Kind::Opaque)) {
            let path = raw.str(r.path);
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (d, b),
                None => ("", path),
            };
            let parent = match &last_parent {
                Some((d, id)) if d == dir => *id,
                _ => {
                    let id = self.node_for(dir);
                    // Something that is not a directory cannot hold children: a lower file or
                    // symlink where this layer puts a directory is replaced by it.
                    let mut a = Some(id);
                    while let Some(n) = a {
                        let c = self.ix.current[n as usize];
                        if c != NONE && self.ix.entries[c as usize].kind != Kind::Dir {
                            self.hide(n, layer, HiddenHow::Overwritten, &mut changes.deleted);
                        }
                        a = self.ix.paths.parent(n);
                    }
                    last_parent = Some((dir.to_string(), id));
                    id
                }
            };
            let node = self.ix.paths.child(parent, base);
            if self.ix.current.len() < self.ix.paths.len() {
                self.ix.current.resize(self.ix.paths.len(), NONE);
            }
            let prev = self.ix.current[node as usize];
            // A non-directory replacing a directory (declared or only implied by its
            // children) hides everything below it.
            if r.kind != Kind::Dir
                && (prev == NONE || self.ix.entries[prev as usize].kind == Kind::Dir)
                && self.ix.paths.children(node).next().is_some()
            {
                self.hide_below(node, layer, HiddenHow::Overwritten, &mut changes.deleted);
            }
            let change = if prev == NONE {
                Change::Added
            } else {
                let p = &self.ix.entries[prev as usize];
                let (pkind, pchange) = (p.kind, p.change);
                if pkind == Kind::Dir && r.kind == Kind::Dir {
                    Change::Unchanged
                } else {
                    let mut scratch = Count::default();
                    self.hide(node, layer, HiddenHow::Overwritten, &mut scratch);
                    if p_layer(&self.ix.entries, prev) == layer { pchange } else { Change::Modified }
                }
            };
            if prev != NONE && change == Change::Unchanged {
                // A re-declared directory replaces the lower entry's metadata, not what lies below.
                let p = &mut self.ix.entries[prev as usize];
                p.hidden_by = layer;
                p.hidden_how = HiddenHow::Overwritten;
            }
            let link = match r.kind {
                Kind::Hardlink => {
                    let target = r.link.map(|l| raw.str(l)).and_then(|l| self.ix.paths.find(l));
                    match target.map(|t| self.ix.current.get(t as usize).copied().unwrap_or(NONE)) {
                        Some(t) if t != NONE => {
                            let te = &self.ix.entries[t as usize];
                            match te.kind {
                                Kind::File => t,
                                Kind::Hardlink => te.link,
                                _ => NONE,
                            }
                        }
                        _ => NONE,
                    }
                }
                Kind::Symlink => {
                    self.ix.symlink_targets.push(r.link.map(|l| raw.str(l)).unwrap_or("").into());
                    (self.ix.symlink_targets.len() - 1) as u32
                }
                _ => NONE,
            };
            if r.kind != Kind::Dir {
                match change {
                    Change::Added => changes.added.add(r.size),
                    Change::Modified => changes.modified.add(r.size),
                    _ => {}
                }
            }
            if r.kind == Kind::File {
                changes.size += r.size;
            }
            let e = self.ix.entries.len() as u32;
            if let Some(i) = r.elf {
                self.ix.elf_info.insert(e, std::mem::take(&mut elf_infos[i as usize]));
            }
            if let Some(c) = r.captured {
                self.ix.contents.insert(e, std::mem::take(&mut captured[c as usize]));
            }
            self.ix.entries.push(Entry {
                node,
                layer,
                kind: r.kind,
                change,
                hidden_how: HiddenHow::Overwritten,
                hidden_by: NO_LAYER,
                size: r.size,
                mode: r.mode,
                uid: r.uid,
                gid: r.gid,
                hash: r.hash,
                offset: r.offset,
                link,
            });
            self.ix.current[node as usize] = e;
        }
        changes.entries = first..self.ix.entries.len() as u32;
        self.ix.layers.push(changes);
    }
}

fn p_layer(entries: &[Entry], e: u32) -> u16 {
    entries[e as usize].layer
}
