//! The content hashes a plain layer's read skipped, taken once the final tree says which
//! files could be duplicates.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Index, Kind, NONE, Progress, layer};
use crate::source::{Image, SourceError};

impl Index {
    /// Hashes the files of plain layers that might be duplicates: visible files whose size
    /// another visible file shares. Their bodies were skipped while indexing; a file with a
    /// size of its own cannot have a twin, so most bytes are never read twice.
    pub(super) fn hash_deferred(
        &mut self,
        image: &Image,
        progress: &dyn Progress,
    ) -> Result<(), SourceError> {
        if !self.layers.iter().any(|l| l.hashes_deferred) {
            return Ok(());
        }
        let offsets = std::mem::take(&mut self.offsets);
        let offset = |e: u32| offsets.get(e as usize).copied().unwrap_or(layer::NO_OFFSET);
        progress.phase("hashing possible duplicates");
        let mut sizes: HashMap<u64, u32> = HashMap::new();
        let mut owners = Vec::new();
        for &c in &self.current {
            if c == NONE || !matches!(self.entries[c as usize].kind(), Kind::File | Kind::Hardlink) {
                continue;
            }
            let o = self.owner(c);
            let e = &self.entries[o as usize];
            if e.kind() == Kind::File && e.size > 0 && self.live[o as usize] {
                *sizes.entry(e.size).or_default() += 1;
                owners.push(o);
            }
        }
        owners.sort_unstable();
        owners.dedup();
        let mut todo: Vec<Vec<u32>> = vec![Vec::new(); self.layers.len()];
        for o in owners {
            let e = &self.entries[o as usize];
            // Only entries of layers whose hashes are deferred have an offset.
            if sizes[&e.size] > 1 && e.hash == 0 && offset(o) != layer::NO_OFFSET {
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
                        while let Some(list) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                            let Some(&first) = list.first() else { continue };
                            let layer = entries[first as usize].layer as usize;
                            // Mapped, the page cache is hashed in place: reading copies every
                            // byte first, which cost as much CPU as the hash.
                            let mapped = image.map_blob(layer);
                            let mut blob = match &mapped {
                                Some(m) => Blob::Mapped(m.windows()),
                                None => Blob::Read(image.open_blob(layer)?, vec![0; 256 * 1024]),
                            };
                            for &o in list {
                                let e = &entries[o as usize];
                                let hash = blob.hash(offset(o), e.size).map_err(|err| {
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
}

/// A plain layer's blob, to hash files of it again: mapped, or read through a buffer.
enum Blob<'a> {
    Mapped(crate::source::store::Windows<'a>),
    Read(Box<dyn crate::source::store::ReadSeek>, Vec<u8>),
}

impl Blob<'_> {
    /// xxh3 of bytes `offset..offset + len`.
    fn hash(&mut self, offset: u64, len: u64) -> std::io::Result<u64> {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        match self {
            Blob::Mapped(w) => w.each_slice(offset, len, |s| h.update(s))?,
            Blob::Read(r, buf) => {
                r.seek(SeekFrom::Start(offset))?;
                let mut left = len;
                while left > 0 {
                    let want = (buf.len() as u64).min(left) as usize;
                    r.read_exact(&mut buf[..want])?;
                    h.update(&buf[..want]);
                    left -= want as u64;
                }
            }
        }
        Ok(h.digest())
    }
}
