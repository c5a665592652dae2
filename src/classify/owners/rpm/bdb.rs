//! BerkeleyDB `Packages` (rpm < 4.16 and images built with it), read
//! without libdb, following the page layout rpm's own lib/backend/bdb_ro
//! reader relies on.
//!
//! Integers in the file are in the byte order of the machine that wrote it;
//! the metadata magic tells which. Page 0 is the metadata page: magic at
//! 12, version 16, page size 20, last page number 32; hash databases add
//! max_bucket 72, high/low mask 76/80 and 32 `spares` at 96 (how far each
//! doubling of the bucket count is shifted in the file); btrees keep their
//! root page number at 88. Every other page starts with a 26-byte header:
//! own page number 8, prev 12, next 16, item count 20, free-area offset 22,
//! level 24, type 25, then a u16 offset per item.
//!
//! rpm's keys are 4-byte package numbers in the writer's byte order; the
//! record with key 0 is rpm's own bookkeeping, not a package. Values are
//! header blobs; libdb keeps an item on its page only up to about a
//! quarter page, so with the usual 4 KiB pages nearly every blob lives on
//! a chain of overflow pages.

use super::Error;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;

// Page types (libdb's db_page.h).
const P_HASH_UNSORTED: u8 = 2;
const P_IBTREE: u8 = 3;
const P_LBTREE: u8 = 5;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;

// Item types on hash pages and in btree items.
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const B_KEYDATA: u8 = 1;
const B_OVERFLOW: u8 = 3;
const B_DELETE: u8 = 0x80;

const PAGE_HEADER: usize = 26;
const OFFPAGE_LEN: usize = 12;

fn bad(msg: impl Into<String>) -> Error {
    Error::Bdb(msg.into())
}

pub(crate) fn has_magic(db: &[u8]) -> bool {
    db.get(12..16).is_some_and(|m| {
        let m = [m[0], m[1], m[2], m[3]];
        [u32::from_le_bytes(m), u32::from_be_bytes(m)].iter().any(|&v| v == HASH_MAGIC || v == BTREE_MAGIC)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Hash,
    Btree,
}

struct Db<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    pagesize: usize,
    npages: usize,
    /// Pages already walked, so a cycle or a page shared by two chains is
    /// an error rather than a hang or a multiplied copy.
    seen: Vec<bool>,
}

impl<'a> Db<'a> {
    fn u16_at(&self, b: &[u8], at: usize) -> Option<usize> {
        let s = b.get(at..at.checked_add(2)?)?;
        let v = [s[0], s[1]];
        Some(usize::from(if self.big_endian { u16::from_be_bytes(v) } else { u16::from_le_bytes(v) }))
    }

    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at.checked_add(4)?)?;
        let v = [s[0], s[1], s[2], s[3]];
        Some(if self.big_endian { u32::from_be_bytes(v) } else { u32::from_le_bytes(v) })
    }

    /// Page `pgno`, checked to be inside the file and to carry its own
    /// number; marks it seen.
    fn page(&mut self, pgno: u32, what: &str) -> Result<&'a [u8], Error> {
        let n = pgno as usize;
        if n == 0 || n >= self.npages {
            return Err(bad(format!("{what}: page {pgno} is outside the file")));
        }
        if std::mem::replace(&mut self.seen[n], true) {
            return Err(bad(format!("{what}: page {pgno} reached twice")));
        }
        let bytes = self.bytes;
        let p = &bytes[n * self.pagesize..(n + 1) * self.pagesize];
        if self.u32_at(p, 8) != Some(pgno) {
            return Err(bad(format!("{what}: page {pgno} is not itself")));
        }
        Ok(p)
    }

    fn next_page(&self, p: &[u8]) -> u32 {
        self.u32_at(p, 16).unwrap_or(0)
    }

    /// The item offsets of a page, checked to point past the index.
    fn items(&self, p: &[u8]) -> Result<Vec<usize>, Error> {
        let n = self.u16_at(p, 20).unwrap_or(0);
        let index_end = PAGE_HEADER + 2 * n;
        if index_end > self.pagesize {
            return Err(bad(format!("{n} items do not fit in a page")));
        }
        (0..n)
            .map(|i| {
                let off = self.u16_at(p, PAGE_HEADER + 2 * i).unwrap_or(0);
                if off < index_end || off >= self.pagesize {
                    Err(bad(format!("item offset {off} is outside its page")))
                } else {
                    Ok(off)
                }
            })
            .collect()
    }

    /// Follows an overflow chain holding `len` bytes.
    fn overflow(&mut self, first: u32, len: usize) -> Result<Vec<u8>, Error> {
        // Every overflow page holds at most a page's worth, so a length no
        // file of this size could hold is refused before allocating.
        if len == 0 || len > self.npages.saturating_mul(self.pagesize - PAGE_HEADER) {
            return Err(bad(format!("overflow item of {len} bytes")));
        }
        let mut out = Vec::with_capacity(len);
        let mut pgno = first;
        while out.len() < len {
            let p = self.page(pgno, "overflow chain")?;
            if p[25] != P_OVERFLOW {
                return Err(bad(format!("page {pgno} in an overflow chain has type {}", p[25])));
            }
            // The free-area offset field holds the bytes used on this page.
            let used = self.u16_at(p, 22).unwrap_or(0);
            if PAGE_HEADER + used > self.pagesize || used > len - out.len() {
                return Err(bad(format!("overflow page {pgno} claims {used} bytes")));
            }
            out.extend_from_slice(&p[PAGE_HEADER..PAGE_HEADER + used]);
            pgno = self.next_page(p);
        }
        Ok(out)
    }

    /// A hash item spanning `p[off..off + len]`.
    fn hash_item(&mut self, p: &[u8], off: usize, len: usize) -> Result<Vec<u8>, Error> {
        if len == 0 || off + len > self.pagesize {
            return Err(bad("hash item runs off its page"));
        }
        match p[off] {
            H_KEYDATA => Ok(p[off + 1..off + len].to_vec()),
            H_OFFPAGE if len == OFFPAGE_LEN => {
                let pgno = self.u32_at(p, off + 4).unwrap_or(0);
                let tlen = self.u32_at(p, off + 8).unwrap_or(0) as usize;
                self.overflow(pgno, tlen)
            }
            t => Err(bad(format!("unsupported hash item type {t}"))),
        }
    }

    /// A btree leaf item at `p[off..]`, or None if it is marked deleted.
    fn btree_item(&mut self, p: &[u8], off: usize) -> Result<Option<Vec<u8>>, Error> {
        let ty = *p.get(off + 2).ok_or_else(|| bad("btree item runs off its page"))?;
        if ty & B_DELETE != 0 {
            return Ok(None);
        }
        match ty {
            B_KEYDATA => {
                let len = self.u16_at(p, off).unwrap_or(0);
                let data =
                    p.get(off + 3..off + 3 + len).ok_or_else(|| bad("btree item runs off its page"))?;
                Ok(Some(data.to_vec()))
            }
            B_OVERFLOW if off + OFFPAGE_LEN <= self.pagesize => {
                let pgno = self.u32_at(p, off + 4).unwrap_or(0);
                let tlen = self.u32_at(p, off + 8).unwrap_or(0) as usize;
                self.overflow(pgno, tlen).map(Some)
            }
            t => Err(bad(format!("unsupported btree item type {t}"))),
        }
    }

    /// rpm's package number for a key; 0 (skipped) if it is not one.
    fn key_number(&self, key: &[u8]) -> u32 {
        if key.len() == 4 { self.u32_at(key, 0).unwrap_or(0) } else { 0 }
    }
}

/// Reads the header blobs from a BerkeleyDB hash (or btree) `Packages`
/// file, in package-number order.
pub fn read_bdb(db: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let meta = db.get(..512).ok_or_else(|| bad("shorter than a metadata page"))?;
    let m = [meta[12], meta[13], meta[14], meta[15]];
    let (kind, big_endian) = match (u32::from_le_bytes(m), u32::from_be_bytes(m)) {
        (HASH_MAGIC, _) => (Kind::Hash, false),
        (_, HASH_MAGIC) => (Kind::Hash, true),
        (BTREE_MAGIC, _) => (Kind::Btree, false),
        (_, BTREE_MAGIC) => (Kind::Btree, true),
        _ => return Err(bad("no hash or btree magic")),
    };
    let word = |i: usize| {
        let w = [meta[i], meta[i + 1], meta[i + 2], meta[i + 3]];
        if big_endian { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) }
    };
    let version = word(16);
    let supported = match kind {
        Kind::Hash => (8..=10).contains(&version),
        Kind::Btree => (9..=10).contains(&version),
    };
    if !supported {
        return Err(bad(format!("unsupported version {version}")));
    }
    let pagesize = word(20) as usize;
    if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
        return Err(bad(format!("bad page size {pagesize}")));
    }
    // Trust the file's length over its last-page field, whichever is less.
    let npages = (db.len() / pagesize).min((word(32) as usize).saturating_add(1));
    let mut d = Db { bytes: db, big_endian, pagesize, npages, seen: vec![false; npages] };
    let rows = match kind {
        Kind::Hash => {
            let max_bucket = word(72);
            let spares: Vec<u32> = (0..32).map(|i| word(96 + 4 * i)).collect();
            read_hash(&mut d, max_bucket, &spares)?
        }
        Kind::Btree => read_btree(&mut d, word(88))?,
    };
    Ok(super::in_install_order(rows))
}

fn read_hash(d: &mut Db, max_bucket: u32, spares: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, Error> {
    // Every bucket owns at least one page, which bounds the loop.
    if max_bucket as usize >= d.npages {
        return Err(bad(format!("{max_bucket} buckets in {} pages", d.npages)));
    }
    let mut rows = Vec::new();
    for bucket in 0..=max_bucket {
        // Buckets are laid out in doublings; spares[k] shifts those whose
        // number has k significant bits.
        let bits = (u32::BITS - bucket.leading_zeros()) as usize;
        let mut pgno = spares
            .get(bits)
            .and_then(|&s| bucket.checked_add(s))
            .ok_or_else(|| bad(format!("bucket {bucket} maps past any page")))?;
        while pgno != 0 {
            let p = d.page(pgno, "hash bucket")?;
            if p[25] != P_HASH && p[25] != P_HASH_UNSORTED {
                return Err(bad(format!("bucket page {pgno} has type {}", p[25])));
            }
            let offs = d.items(p)?;
            // Items pack from the page end down: an item runs up to the
            // start of the one before it.
            for pair in 0..offs.len() / 2 {
                let (k, v) = (offs[2 * pair], offs[2 * pair + 1]);
                let kend = if pair == 0 { d.pagesize } else { offs[2 * pair - 1] };
                let klen = kend.checked_sub(k).ok_or_else(|| bad("hash key overlaps"))?;
                let vlen = k.checked_sub(v).ok_or_else(|| bad("hash value overlaps"))?;
                let key = d.hash_item(p, k, klen)?;
                let num = d.key_number(&key);
                if num == 0 {
                    continue;
                }
                rows.push((num, d.hash_item(p, v, vlen)?));
            }
            pgno = d.next_page(p);
        }
    }
    Ok(rows)
}

fn read_btree(d: &mut Db, root: u32) -> Result<Vec<(u32, Vec<u8>)>, Error> {
    // Descend along the leftmost edge to the first leaf.
    let mut pgno = root;
    let mut p = d.page(pgno, "btree")?;
    while p[25] == P_IBTREE {
        let first = *d.items(p)?.first().ok_or_else(|| bad("empty internal page"))?;
        // An internal item: u16 key length, type, pad, u32 child page.
        pgno = d
            .u32_at(p, first + 4)
            .filter(|_| first + OFFPAGE_LEN <= d.pagesize)
            .ok_or_else(|| bad("internal item runs off its page"))?;
        p = d.page(pgno, "btree")?;
    }
    let mut rows = Vec::new();
    loop {
        if p[25] != P_LBTREE {
            return Err(bad(format!("btree page {pgno} has type {}", p[25])));
        }
        let offs = d.items(p)?;
        for pair in offs.chunks_exact(2) {
            let Some(key) = d.btree_item(p, pair[0])? else {
                continue;
            };
            let num = d.key_number(&key);
            if num == 0 {
                continue;
            }
            if let Some(value) = d.btree_item(p, pair[1])? {
                rows.push((num, value));
            }
        }
        pgno = d.next_page(p);
        if pgno == 0 {
            return Ok(rows);
        }
        p = d.page(pgno, "btree leaf chain")?;
    }
}
