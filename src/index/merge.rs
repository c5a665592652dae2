//! Merging one layer's entries into the image-wide tree, in layer order: whiteouts first
//! (they apply to the layers below wherever they sit in the tar), then the layer's own files,
//! each hiding what it replaces.

use std::collections::HashMap;

use super::blocks::grow;
use super::kept::{self, Kept};
use super::layer::RawLayer;
use super::{
    Change, Count, Entry, HiddenHow, Index, Kind, LayerChanges, META_BITS, MetaIds, NONE, NodeId, PathArena,
    ROOT,
};
use crate::source::{Compression, SourceError};

pub(super) struct Merger<'k> {
    pub(super) ix: Index,
    kept: &'k Kept,
    /// `ix.metas` by value.
    metas: MetaIds,
}

impl<'k> Merger<'k> {
    pub(super) fn new(layers: usize, kept: &'k Kept) -> Merger<'k> {
        Merger {
            kept,
            metas: MetaIds::default(),
            ix: Index {
                paths: PathArena::new(),
                entries: Vec::new(),
                layers: Vec::with_capacity(layers),
                symlink_targets: Vec::new(),
                current: vec![NONE],
                contents: std::collections::HashMap::new(),
                elf_info: HashMap::new(),
                dirs: super::rank::Ranked::new(0),
                dir_bytes: Vec::new(),
                dir_files: Vec::new(),
                carries: Default::default(),
                live: Vec::new(),
                metas: Vec::new(),
                offsets: Vec::new(),
                written_bytes: 0,
                final_bytes: 0,
                final_files: 0,
                metadata_skipped: kept::Skipped::default(),
                metadata_limit: 0,
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
        entry.hide(layer, how);
        if entry.kind() != Kind::Dir {
            deleted.add(entry.size);
        }
        self.ix.current[node as usize] = NONE;
        // A hidden package database or lock file no longer says anything about the image;
        // a hidden credential still does (its layer ships it).
        if self.ix.contents.contains_key(&c) && !crate::findings::wants_content(&self.ix.paths.path(node)) {
            let data = self.ix.contents.remove(&c).unwrap_or_default();
            self.kept.give_back(data.len() as u64);
        }
    }

    fn hide_below(&mut self, node: NodeId, layer: u16, how: HiddenHow, deleted: &mut Count) {
        let mut stack: Vec<NodeId> = self.ix.paths.children(node).collect();
        while let Some(n) = stack.pop() {
            self.hide(n, layer, how, deleted);
            stack.extend(self.ix.paths.children(n));
        }
    }

    /// Appends an entry: a block at a time once the list is a block long, where doubling would
    /// hold up to twice the entries' room while a large layer's raw entries are still alive.
    fn push_entry(&mut self, entry: Entry) {
        grow(&mut self.ix.entries);
        self.ix.entries.push(entry);
    }

    pub(super) fn merge_layer(&mut self, layer: u16, mut raw: RawLayer) -> Result<(), SourceError> {
        let mut captured = std::mem::take(&mut raw.captured);
        let mut elf_infos = std::mem::take(&mut raw.elf);
        // The layer's own numbering, in the image's.
        let metas: Vec<u32> = raw.metas.iter().map(|&m| self.metas.id(&mut self.ix.metas, m)).collect();
        if self.ix.metas.len() > 1 << META_BITS {
            return Err(SourceError::Unsupported(format!(
                "the layers give their files more than {} distinct modes and owners, more than any real image",
                1u32 << META_BITS
            )));
        }
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
            let node = self.node_for(&raw.path(r));
            if r.kind == Kind::Whiteout {
                self.hide(node, layer, HiddenHow::Deleted, &mut changes.deleted);
            }
            self.hide_below(node, layer, HiddenHow::Deleted, &mut changes.deleted);
            let meta = metas[r.meta as usize];
            self.push_entry(Entry::new(node, layer, r.kind, Change::Deleted, meta));
        }
        // By the layer's directory index: entries of one directory mostly come together.
        let mut last_parent: Option<(u32, NodeId)> = None;
        // Block by block, each dropped once merged: the layer's raw entries give their memory
        // back as its merged ones take theirs.
        let blocks = std::mem::take(&mut raw.entries).into_blocks();
        for r in blocks.flat_map(Vec::into_iter).filter(|r| !matches!(r.kind, Kind::Whiteout | Kind::Opaque))
        {
            let r = &r;
            let (dir, base) = raw.parts(r);
            let parent = match last_parent {
                Some((d, id)) if d == r.dir => id,
                _ => {
                    let id = self.node_for(dir);
                    // Something that is not a directory cannot hold children: a lower file or
                    // symlink where this layer puts a directory is replaced by it.
                    let mut a = Some(id);
                    while let Some(n) = a {
                        let c = self.ix.current[n as usize];
                        if c != NONE && self.ix.entries[c as usize].kind() != Kind::Dir {
                            self.hide(n, layer, HiddenHow::Overwritten, &mut changes.deleted);
                        }
                        a = self.ix.paths.parent(n);
                    }
                    last_parent = Some((r.dir, id));
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
                && (prev == NONE || self.ix.entries[prev as usize].kind() == Kind::Dir)
                && self.ix.paths.children(node).next().is_some()
            {
                self.hide_below(node, layer, HiddenHow::Overwritten, &mut changes.deleted);
            }
            let change = if prev == NONE {
                Change::Added
            } else {
                let p = &self.ix.entries[prev as usize];
                let (pkind, pchange) = (p.kind(), p.change());
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
                self.ix.entries[prev as usize].hide(layer, HiddenHow::Overwritten);
            }
            let link = match r.kind {
                Kind::Hardlink => {
                    let target = r.link.map(|l| raw.str(l)).and_then(|l| self.ix.paths.find(l));
                    match target.map(|t| self.ix.current.get(t as usize).copied().unwrap_or(NONE)) {
                        Some(t) if t != NONE => {
                            let te = &self.ix.entries[t as usize];
                            match te.kind() {
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
                changes.size = changes.size.saturating_add(r.size);
            }
            let e = self.ix.entries.len() as u32;
            if let Some(i) = r.elf() {
                self.ix.elf_info.insert(e, std::mem::take(&mut elf_infos[i as usize]));
            }
            if let Some(c) = r.captured() {
                self.ix.contents.insert(e, std::mem::take(&mut captured[c as usize]));
            }
            let meta = metas[r.meta as usize];
            self.push_entry(Entry {
                size: r.size,
                hash: r.hash,
                link,
                ..Entry::new(node, layer, r.kind, change, meta)
            });
            if raw.hashes_deferred {
                self.ix.offsets.resize(e as usize, super::layer::NO_OFFSET);
                self.ix.offsets.push(r.offset);
            }
            self.ix.current[node as usize] = e;
        }
        changes.entries = first..self.ix.entries.len() as u32;
        self.ix.layers.push(changes);
        Ok(())
    }
}

fn p_layer(entries: &[Entry], e: u32) -> u16 {
    entries[e as usize].layer
}
