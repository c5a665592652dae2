//! Streams every layer into entries and merges them, in layer order, into the final tree: for
//! every path, which layer last wrote it; for every hidden copy, which layer hid it and how.

mod blocks;
pub mod cache;
mod deferred;
pub mod elf;
pub mod kept;
pub mod layer;
mod merge;
pub mod paths;
pub mod rank;

use std::ops::Range;

use fixedbitset::FixedBitSet;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

pub use layer::Kind;
use layer::{RawLayer, ReadOptions, read_layer};
pub use paths::{NONE, NodeId, PathArena, ROOT};

use crate::limits::{Exceeded, Limits};
use crate::source::{Compression, Image, SourceError};
use kept::Kept;
use merge::Merger;

pub const NO_LAYER: u16 = u16::MAX;

/// 2^60 bytes (1 EiB): the most an image's files may declare in all. Each file may declare up
/// to 1 PiB (sparse files are real); below this bound every sum of sizes weigh makes, of one
/// image or of two compared, fits in a u64, whatever the image.
pub const MAX_IMAGE_BYTES: u64 = 1 << 60;

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
    /// Layer that hid this entry, or [`NO_LAYER`] while it is visible.
    pub hidden_by: u16,
    /// Tar header size: the content bytes of a regular file; 0 for everything else.
    pub size: u64,
    pub hash: u64,
    /// Hardlink: the entry holding the content (NONE if dangling). Symlink: index into
    /// `Index::symlink_targets`.
    pub link: u32,
    /// The index into `Index::metas` (low [`META_BITS`] bits), then the kind, the change and
    /// how the entry was hidden: bytes of their own would pad the entry from 32 to 40 bytes.
    bits: u32,
}

// A million-file image holds a million of these: keep the size in sight.
const _: () = assert!(std::mem::size_of::<Entry>() == 32);

/// Bits of [`Entry`]'s word for the meta index: 67 million distinct modes and owners, more
/// than the entries any image within the default limits has.
pub const META_BITS: u32 = 26;
const KINDS: [Kind; 7] =
    [Kind::File, Kind::Dir, Kind::Symlink, Kind::Hardlink, Kind::Whiteout, Kind::Opaque, Kind::Other];
const CHANGES: [Change; 4] = [Change::Added, Change::Modified, Change::Unchanged, Change::Deleted];
const _: () = assert!(KINDS.len() <= 8 && Kind::Other as usize == KINDS.len() - 1);
const _: () = assert!(Change::Deleted as usize == CHANGES.len() - 1);

impl Entry {
    /// A visible entry, with no size, hash or link yet. `meta` is below 2^[`META_BITS`].
    pub fn new(node: NodeId, layer: u16, kind: Kind, change: Change, meta: u32) -> Entry {
        debug_assert!(meta < 1 << META_BITS);
        let bits = meta | (kind as u32) << META_BITS | (change as u32) << (META_BITS + 3);
        Entry { node, layer, hidden_by: NO_LAYER, size: 0, hash: 0, link: NONE, bits }
    }

    pub fn kind(&self) -> Kind {
        KINDS[(self.bits >> META_BITS & 7) as usize]
    }

    pub fn change(&self) -> Change {
        CHANGES[(self.bits >> (META_BITS + 3) & 3) as usize]
    }

    /// How the entry was hidden (meaningful once `hidden_by` names a layer).
    pub fn hidden_how(&self) -> HiddenHow {
        if self.bits >> 31 == 1 { HiddenHow::Deleted } else { HiddenHow::Overwritten }
    }

    /// Index into `Index::metas`: mode and owner, of which an image has few distinct.
    pub fn meta(&self) -> u32 {
        self.bits & ((1 << META_BITS) - 1)
    }

    /// Layer `by` hides the entry.
    pub fn hide(&mut self, by: u16, how: HiddenHow) {
        self.hidden_by = by;
        self.bits = self.bits & !(1 << 31) | ((how == HiddenHow::Deleted) as u32) << 31;
    }
}

/// An entry's mode and owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Meta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Gives each distinct mode and owner an index into a list, in the order first seen: the
/// reader numbers a layer's, the merger the image's.
#[derive(Default)]
struct MetaIds {
    by: HashMap<Meta, u32>,
    /// The last one asked for: entries in a row mostly share one.
    last: Option<(Meta, u32)>,
}

impl MetaIds {
    fn id(&mut self, list: &mut Vec<Meta>, m: Meta) -> u32 {
        if let Some((last, id)) = self.last
            && last == m
        {
            return id;
        }
        let id = *self.by.entry(m).or_insert_with(|| {
            list.push(m);
            list.len() as u32 - 1
        });
        self.last = Some((m, id));
        id
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Count {
    pub files: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes = self.bytes.saturating_add(bytes);
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
    /// The work moves on to the phase named (reading, merging, hashing, classifying).
    fn phase(&self, _name: &'static str) {}
    /// The analysis is over (or failed): nothing more will be reported.
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
    pub limits: Limits,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            hash_contents: true,
            elf: true,
            capture: |p| crate::classify::wants_content(p) || crate::findings::wants_content(p),
            cache: None,
            limits: Limits::default(),
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
    spare_core: bool,
) -> Result<RawLayer, SourceError> {
    let layer = &image.layers[i];
    let key = cache.zip(layer.diff_id.as_ref());
    if let Some((dir, id)) = key
        && let Some((mut raw, blob)) = cache::load(dir, id, opts)
        // Only for the very blob the (verified) manifest names: an image whose config claims a
        // layer's diff_id while shipping another blob is read, and fails its check.
        && blob.is_some()
        && blob == layer.digest.as_ref().map(ToString::to_string)
        && raw.within(opts.limits)
    {
        raw.keep_within(opts.kept);
        progress.done(i);
        return Ok(raw);
    }
    let advance = progress.start(i, image.blob_size(i));
    let raw = image
        .open_layer_with(i, advance, key.is_some(), spare_core)
        .and_then(|s| read_layer(i, s, || image.map_blob(i), opts));
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
    /// The directories of the final tree (see [`Index::is_dir`]), by rank: their sums live in
    /// a slot per directory, a file's are read from its entry.
    dirs: rank::Ranked,
    /// Per directory: bytes in the final tree below it.
    dir_bytes: Vec<u64>,
    /// Per directory: visible non-directories below it.
    dir_files: Vec<u32>,
    /// Per node: it is the name that carries its file's bytes (a hardlinked file's bytes
    /// count once, on one name).
    carries: FixedBitSet,
    /// Per entry that holds content: whether its bytes are still reachable in the final tree.
    pub live: Vec<bool>,
    /// The distinct modes and owners of the entries (see [`Entry::meta`]).
    pub metas: Vec<Meta>,
    /// Per entry of a layer whose hashes are deferred, where its content starts in the tar
    /// ([`layer::NO_OFFSET`] for the rest): only until those hashes are taken, and only as long
    /// as the last such entry (a compressed image keeps none).
    offsets: Vec<u64>,
    /// Bytes written by all layers (regular files, hardlinks once).
    pub written_bytes: u64,
    /// Bytes in the final tree.
    pub final_bytes: u64,
    pub final_files: u64,
    /// Metadata files whose contents were not kept: the budget was spent.
    pub metadata_skipped: kept::Skipped,
    pub metadata_limit: u64,
}

impl Index {
    /// Reads the layers of `image` on one worker per core, largest blob first so the longest
    /// layer does not start last, and merges each into the tree, in layer order, as soon as
    /// the layers below it are in: merging overlaps reading, and a layer's raw entries are
    /// dropped as soon as it is merged.
    pub fn build(image: &Image, opts: IndexOptions, progress: &dyn Progress) -> Result<Index, SourceError> {
        progress.layers(image.layers.len());
        progress.phase("reading layers");
        let n = image.layers.len();
        let most = opts.limits.layers.min(NO_LAYER as u64 - 1);
        if n as u64 > most {
            let what = format!("the image has {n} layers");
            return Err(SourceError::Limit(Exceeded { name: "layers", limit: most, what }));
        }
        let kept = Kept::new(opts.limits.metadata);
        let read_opts = ReadOptions {
            hash_contents: opts.hash_contents,
            elf: opts.elf,
            capture: opts.capture,
            limits: &opts.limits,
            kept: &kept,
        };
        let cache = opts.cache.as_deref();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(image.blob_size(i).unwrap_or(0)));
        let cores = std::thread::available_parallelism().map_or(2, |p| p.get());
        let workers = cores.clamp(1, n.max(1));
        // The longest layer (taken first) bounds the whole read: its digest gets a thread of
        // its own, as do layers a core is left over for; every other worker hashes its layer
        // itself, so the threads never outnumber the cores by more than one.
        let spare = 1 + (cores - workers);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<(usize, Result<RawLayer, SourceError>)>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (order, next, failed, read_opts) = (&order, &next, &failed, &read_opts);
                scope.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        let raw = read_cached(image, i, read_opts, cache, progress, k < spare);
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
            let mut merger = Merger::new(n, &kept);
            let mut waiting: BTreeMap<usize, RawLayer> = BTreeMap::new();
            let mut received = 0;
            for (i, raw) in rx {
                let raw = raw.inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
                waiting.insert(i, raw);
                received += 1;
                if received == n {
                    progress.phase("merging layers");
                }
                while let Some(raw) = waiting.remove(&merger.ix.layers.len()) {
                    let layer = merger.ix.layers.len() as u16;
                    merger.merge_layer(layer, raw).inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
                }
            }
            let mut ix = merger.ix;
            ix.metadata_skipped = kept.skipped();
            ix.metadata_limit = kept.limit();
            ix.finalize();
            if ix.written_bytes > MAX_IMAGE_BYTES {
                return Err(SourceError::Unsupported(format!(
                    "the layers declare more than {MAX_IMAGE_BYTES} bytes of files, more than any real image"
                )));
            }
            ix.hash_deferred(image, progress)?;
            Ok(ix)
        })
    }

    /// The kept contents of the file visible at `path` (a metadata file; see
    /// [`IndexOptions::capture`]).
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        let node = self.paths.find(path)?;
        let e = *self.current.get(node as usize)?;
        self.contents.get(&e).map(|c| &c[..])
    }

    /// Takes out the kept contents of the files whose path `take` picks: what only one reader
    /// needs (the classifier's package databases and lock files, megabytes in a monorepo)
    /// need not live as long as the index.
    pub fn take_contents(&mut self, take: impl Fn(&str) -> bool) -> HashMap<u32, Box<[u8]>> {
        let picked: Vec<u32> = self.contents.keys().copied().filter(|&e| take(&self.entry_path(e))).collect();
        picked.into_iter().filter_map(|e| Some((e, self.contents.remove(&e)?))).collect()
    }

    /// The non-directories of the final tree, each with the entry that made it.
    pub fn final_files(&self) -> impl Iterator<Item = (NodeId, &Entry)> + '_ {
        self.current.iter().enumerate().filter_map(move |(n, &e)| {
            let entry = self.entries.get(e as usize).filter(|x| x.kind() != Kind::Dir)?;
            Some((n as NodeId, entry))
        })
    }

    /// The non-directories of the final tree with the bytes each carries (a hardlinked
    /// file's once).
    pub fn visible_files(&self) -> impl Iterator<Item = (NodeId, u64)> + '_ {
        self.final_files().map(move |(n, _)| (n, self.node_size(n)))
    }

    /// Bytes in the final tree at `node`: a file's size (a hardlinked file's on one of its
    /// names only), a directory's sum of what lies below it; 0 for a hidden path.
    pub fn node_size(&self, node: NodeId) -> u64 {
        if let Some(d) = self.dirs.rank(node) {
            return self.dir_bytes[d];
        }
        if !self.carries.contains(node as usize) {
            return 0;
        }
        self.entries[self.owner(self.current[node as usize]) as usize].size
    }

    /// Visible non-directories at or below `node`.
    pub fn node_files(&self, node: NodeId) -> u32 {
        match self.dirs.rank(node) {
            Some(d) => self.dir_files[d],
            None => self.is_file(node) as u32,
        }
    }

    /// `node`'s place among the directories of the final tree, in node order, if it is one:
    /// a table with a slot per directory is indexed by it.
    pub fn dir_rank(&self, node: NodeId) -> Option<usize> {
        self.dirs.rank(node)
    }

    /// Directories in the final tree, the root included.
    pub fn dir_count(&self) -> usize {
        self.dirs.len()
    }

    /// What the ELF file visible at `node` needs to run.
    pub fn elf(&self, node: NodeId) -> Option<&elf::ElfInfo> {
        self.elf_info.get(self.current.get(node as usize)?)
    }

    /// Whether `node` exists in the final tree: a directory of it (declared or implied), or a
    /// path with an entry. Worked out where asked, not kept: a byte per node otherwise.
    pub fn visible(&self, node: NodeId) -> bool {
        self.dirs.contains(node) || self.current.get(node as usize).is_some_and(|&c| c != NONE)
    }

    /// Whether `node` is a directory of the final tree (declared, or implied by what lies
    /// below it).
    pub fn is_dir(&self, node: NodeId) -> bool {
        self.dirs.contains(node)
    }

    /// Whether `node` is a non-directory (file, link, device) of the final tree.
    pub fn is_file(&self, node: NodeId) -> bool {
        let e = self.current[node as usize];
        e != NONE && self.entries[e as usize].kind() != Kind::Dir
    }

    /// The mode and owner of `entry`.
    pub fn meta(&self, entry: &Entry) -> Meta {
        self.metas[entry.meta() as usize]
    }

    pub fn entry_path(&self, e: u32) -> String {
        self.paths.path(self.entries[e as usize].node)
    }

    /// The entry holding the bytes of `e` (itself, or the target of a hardlink).
    pub fn owner(&self, e: u32) -> u32 {
        let entry = &self.entries[e as usize];
        if entry.kind() == Kind::Hardlink && entry.link != NONE { entry.link } else { e }
    }

    pub fn symlink_target(&self, e: u32) -> Option<&str> {
        let entry = &self.entries[e as usize];
        (entry.kind() == Kind::Symlink && entry.link != NONE)
            .then(|| &*self.symlink_targets[entry.link as usize])
    }

    fn finalize(&mut self) {
        let n_nodes = self.paths.len();
        let n_entries = self.entries.len();
        self.current.resize(n_nodes, NONE);
        // Everything below lives as long as the analysis: growing by doubling left up to half
        // of each of these unused (on a million entries, tens of megabytes).
        self.paths.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.current.shrink_to_fit();
        self.symlink_targets.shrink_to_fit();
        // Which visible name carries each file's bytes: the file itself if visible, else the
        // first surviving hardlink to it. Bytes whose every name is hidden are waste.
        let mut carrier = vec![NONE; n_entries];
        for &c in &self.current {
            if c == NONE || !self.entries[c as usize].kind().is_content() {
                continue;
            }
            let o = self.owner(c);
            let cur = carrier[o as usize];
            if c == o || cur == NONE || (cur != o && c < cur) {
                carrier[o as usize] = c;
            }
        }
        let mut visible = FixedBitSet::with_capacity(n_nodes);
        self.live = vec![false; n_entries];
        self.carries = FixedBitSet::with_capacity(n_nodes);
        self.written_bytes = 0;
        for (e, entry) in self.entries.iter().enumerate() {
            if entry.kind() != Kind::File {
                continue;
            }
            self.written_bytes = self.written_bytes.saturating_add(entry.size);
            let c = carrier[e];
            if c != NONE {
                self.live[e] = true;
                self.carries.insert(self.entries[c as usize].node as usize);
                let l = &mut self.layers[entry.layer as usize];
                l.final_bytes = l.final_bytes.saturating_add(entry.size);
            }
        }
        drop(carrier);
        for (node, &c) in self.current.iter().enumerate() {
            visible.set(node, c != NONE);
        }
        // Children always have larger ids than their parents: one reverse sweep finds the
        // implied directories, another sums the tree.
        for node in (1..n_nodes).rev() {
            if visible.contains(node) {
                let parent = self.paths.parent(node as NodeId).unwrap_or(ROOT);
                visible.insert(parent as usize);
            }
        }
        visible.insert(ROOT as usize);
        // A directory of the final tree: declared, or implied by what lies below it.
        self.dirs = rank::Ranked::new(n_nodes);
        for node in 0..n_nodes as NodeId {
            let e = self.current[node as usize];
            if visible.contains(node as usize)
                && (node == ROOT || e == NONE || self.entries[e as usize].kind() == Kind::Dir)
            {
                self.dirs.push(node);
            }
        }
        self.dir_bytes = vec![0; self.dirs.len()];
        self.dir_files = vec![0; self.dirs.len()];
        for node in (1..n_nodes as NodeId).rev() {
            if !visible.contains(node as usize) {
                continue;
            }
            let (bytes, files) = (self.node_size(node), self.node_files(node));
            // A visible path's parent is a directory: a file or link replacing a directory
            // hid everything below it.
            let parent = self.paths.parent(node).unwrap_or(ROOT);
            let Some(p) = self.dirs.rank(parent) else { continue };
            self.dir_bytes[p] = self.dir_bytes[p].saturating_add(bytes);
            self.dir_files[p] += files;
        }
        self.final_bytes = self.node_size(ROOT);
        self.final_files = self.node_files(ROOT) as u64;
    }

    pub fn waste_bytes(&self) -> u64 {
        self.written_bytes.saturating_sub(self.final_bytes)
    }

    /// Entries holding bytes that no visible path reaches any more.
    pub fn dead_entries(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(e, entry)| entry.kind() == Kind::File && !self.live[*e])
            .map(|(e, _)| e as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_word_keeps_meta_kind_change_and_how_apart() {
        let top = (1 << META_BITS) - 1;
        for &kind in &KINDS {
            for &change in &CHANGES {
                for meta in [0, 1, 12_345, top] {
                    let mut e = Entry::new(7, 3, kind, change, meta);
                    assert_eq!((e.kind(), e.change(), e.meta(), e.hidden_by), (kind, change, meta, NO_LAYER));
                    assert_eq!(e.hidden_how(), HiddenHow::Overwritten);
                    e.hide(5, HiddenHow::Deleted);
                    assert_eq!((e.kind(), e.change(), e.meta()), (kind, change, meta));
                    assert_eq!((e.hidden_by, e.hidden_how()), (5, HiddenHow::Deleted));
                    e.hide(6, HiddenHow::Overwritten);
                    assert_eq!((e.meta(), e.hidden_how()), (meta, HiddenHow::Overwritten));
                }
            }
        }
    }
}
