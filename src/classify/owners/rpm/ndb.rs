//! rpm's own "ndb" backend, `Packages.db` (SUSE's default since 15.3).
//!
//! Layout (lib/backend/ndb/rpmpkg.c), all integers little-endian:
//! - 4096-byte slot pages, `slotnpages` of them. Page 0 starts with the
//!   32-byte db header `"RpmP"`, version (0), generation, slotnpages,
//!   next package index, reserved; the rest are 16-byte slots
//!   `"Slot"`, package index, block offset, block count. Block offset 0
//!   marks a free slot.
//! - Blobs at `blkoff * 16`, spanning `blkcnt` 16-byte blocks: head
//!   `"BlbS"`, package index, generation, length; the header blob; zero
//!   padding; tail adler32 (over head, blob and padding), length, `"BlbE"`.

use super::Error;

pub(crate) const MAGIC: &[u8] = b"RpmP";
const SLOT_MAGIC: &[u8] = b"Slot";
const HEAD_MAGIC: &[u8] = b"BlbS";
const TAIL_MAGIC: &[u8] = b"BlbE";

const PAGE: usize = 4096;
const SLOT: usize = 16;
const BLK: usize = 16;
const DB_HEADER: usize = 32;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;
const VERSION: u32 = 0;

fn bad(msg: impl Into<String>) -> Error {
    Error::Ndb(msg.into())
}

fn le32(b: &[u8], at: usize) -> u32 {
    // Callers check bounds first; a miss reads as 0, which every check
    // below rejects or treats as "free".
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

struct Slot {
    pkgidx: u32,
    blkoff: usize,
    blkcnt: usize,
}

/// Reads the header blobs from a `Packages.db`, in package-index order.
pub fn read_ndb(db: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    if db.len() < DB_HEADER || !db.starts_with(MAGIC) {
        return Err(bad("no RpmP header"));
    }
    let version = le32(db, 4);
    if version != VERSION {
        return Err(bad(format!("unsupported version {version}")));
    }
    let slotnpages = le32(db, 12) as usize;
    let slot_area = slotnpages
        .checked_mul(PAGE)
        .filter(|&n| n <= db.len())
        .ok_or_else(|| bad(format!("{slotnpages} slot pages do not fit in {} bytes", db.len())))?;
    let mut slots = read_slots(db, slot_area)?;

    // Overlapping blobs are corruption to rpm, and refusing them also
    // keeps the copies below within the input size.
    slots.sort_by_key(|s| s.blkoff);
    let mut end = slot_area / BLK;
    for s in &slots {
        if s.blkoff < end {
            return Err(bad(format!("blob of package {} overlaps another", s.pkgidx)));
        }
        end = s.blkoff + s.blkcnt;
    }

    let mut rows = Vec::with_capacity(slots.len());
    for s in &slots {
        rows.push((s.pkgidx, read_blob(db, s)?));
    }
    rows.sort_by_key(|r| r.0);
    if rows.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(bad("two slots for one package index"));
    }
    Ok(super::in_install_order(rows))
}

fn read_slots(db: &[u8], slot_area: usize) -> Result<Vec<Slot>, Error> {
    let fileblks = db.len() / BLK;
    let mut slots = Vec::new();
    // The db header occupies the first two slots of page 0.
    for at in (DB_HEADER..slot_area).step_by(SLOT) {
        if &db[at..at + 4] != SLOT_MAGIC {
            return Err(bad(format!("bad slot magic at byte {at}")));
        }
        let blkoff = le32(db, at + 8) as usize;
        if blkoff == 0 {
            continue;
        }
        let pkgidx = le32(db, at + 4);
        let blkcnt = le32(db, at + 12) as usize;
        if pkgidx == 0 || blkcnt == 0 || blkoff < slot_area / BLK {
            return Err(bad(format!("bad slot at byte {at}")));
        }
        if blkoff.saturating_add(blkcnt) > fileblks {
            return Err(bad(format!("package {pkgidx}: blob runs past the end")));
        }
        slots.push(Slot { pkgidx, blkoff, blkcnt });
    }
    Ok(slots)
}

fn read_blob(db: &[u8], s: &Slot) -> Result<Vec<u8>, Error> {
    let pkg = s.pkgidx;
    let start = s.blkoff * BLK;
    // read_slots checked that blkoff + blkcnt blocks lie inside db.
    let area = &db[start..start + s.blkcnt * BLK];
    if area.len() < BLOB_HEAD + BLOB_TAIL || &area[..4] != HEAD_MAGIC {
        return Err(bad(format!("package {pkg}: no blob head")));
    }
    if le32(area, 4) != pkg {
        return Err(bad(format!("package {pkg}: blob belongs to {}", le32(area, 4))));
    }
    let len = le32(area, 12) as usize;
    let want = (BLOB_HEAD + BLOB_TAIL).checked_add(len).map(|n| n.div_ceil(BLK));
    if want != Some(s.blkcnt) {
        return Err(bad(format!("package {pkg}: blob of {len} bytes in {} blocks", s.blkcnt)));
    }
    let tail = &area[area.len() - BLOB_TAIL..];
    if &tail[8..] != TAIL_MAGIC || le32(tail, 4) as usize != len {
        return Err(bad(format!("package {pkg}: bad blob tail")));
    }
    // rpm only checks this when verifying, but a mismatch means the
    // header bytes are not the ones rpm wrote.
    if adler32(&area[..area.len() - BLOB_TAIL]) != le32(tail, 0) {
        return Err(bad(format!("package {pkg}: blob checksum mismatch")));
    }
    Ok(area[BLOB_HEAD..BLOB_HEAD + len].to_vec())
}

/// RFC 1950's Adler-32, as rpmpkg.c computes it.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // 5552 bytes is the most that can be summed before u32 can overflow.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

#[cfg(test)]
mod tests {
    use super::adler32;

    #[test]
    fn adler32_matches_rfc1950_examples() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(&[0xff; 20000]), {
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..20000 {
                a = (a + 255) % 65521;
                b = (b + a) % 65521;
            }
            (b << 16 | a) as u32
        });
    }
}
