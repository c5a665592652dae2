//! Tar blocks no well-behaved builder writes: names with `..`, sizes that lie, GNU sparse
//! maps declaring petabytes, PAX records, and gzip streams that expand a thousandfold.

use std::io::Write;

/// One header block for `name` (bytes as given, up to 100), `size` and type flag.
pub fn header(name: &[u8], size: u64, kind: u8) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(size);
    h.set_entry_type(tar::EntryType::new(kind));
    let n = name.len().min(100);
    h.as_old_mut().name[..n].copy_from_slice(&name[..n]);
    h.set_cksum();
    h
}

/// A header followed by `data`, padded to whole blocks.
pub fn entry(name: &[u8], kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = header(name, data.len() as u64, kind).as_bytes().to_vec();
    out.extend_from_slice(data);
    pad(&mut out);
    out
}

/// A header whose size says more than the data that follows.
pub fn lying(name: &[u8], declared: u64, data: &[u8]) -> Vec<u8> {
    let mut out = header(name, declared, b'0').as_bytes().to_vec();
    out.extend_from_slice(data);
    pad(&mut out);
    out
}

pub fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

/// A GNU sparse file (`S`) of apparent size `real` holding `data` at offset `at`.
pub fn gnu_sparse(name: &[u8], real: u64, at: u64, data: &[u8]) -> Vec<u8> {
    let mut h = header(name, data.len() as u64, b'S');
    {
        let gnu = h.as_gnu_mut().expect("a GNU header");
        gnu.sparse[0].set_offset(at);
        gnu.sparse[0].set_length(data.len() as u64);
        // GNU tar ends the map with an empty chunk at the apparent size.
        gnu.sparse[1].set_offset(real);
        gnu.sparse[1].set_length(0);
        gnu.set_real_size(real);
    }
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    pad(&mut out);
    out
}

/// A PAX extended header (`x`, or `g` for a global one) with these records.
pub fn pax(records: &[(&str, &str)], global: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in records {
        // "LEN KEY=VALUE\n", where LEN counts itself.
        let rest = format!(" {k}={v}\n");
        let mut len = rest.len() + 1;
        while format!("{len}{rest}").len() != len {
            len += 1;
        }
        body.extend_from_slice(format!("{len}{rest}").as_bytes());
    }
    entry(b"PaxHeaders/x", if global { b'g' } else { b'x' }, &body)
}

/// The end-of-archive marker.
pub fn end() -> Vec<u8> {
    vec![0; 1024]
}

/// A zstd blob of a tar holding one file of `gib` GiB of zeros, tens of thousands of times
/// smaller than its stream: concatenated frames of 64 MiB of zeros.
pub fn zstd_bomb(gib: u64) -> Vec<u8> {
    let size = gib << 30;
    let mut blob = zstd::encode_all(&header(b"zeros", size, b'0').as_bytes()[..], 3).unwrap();
    let chunk = zstd::encode_all(&vec![0u8; 64 << 20][..], 3).unwrap();
    for _ in 0..(size / (64 << 20)) {
        blob.extend_from_slice(&chunk);
    }
    blob.extend(zstd::encode_all(&end()[..], 3).unwrap());
    blob
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A gzip blob of a tar holding one file of `gib` GiB of zeros, about a thousand times
/// smaller than its stream: concatenated members, each 64 MiB of zeros compressed once.
pub fn bomb(gib: u64) -> Vec<u8> {
    let size = gib << 30;
    let mut blob = gzip(header(b"zeros", size, b'0').as_bytes());
    let chunk = gzip(&vec![0u8; 64 << 20]);
    for _ in 0..(size / (64 << 20)) {
        blob.extend_from_slice(&chunk);
    }
    blob.extend(gzip(&end()));
    blob
}
