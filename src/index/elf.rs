//! What an ELF file needs to run, read from its headers while the layer streams past: the
//! machine, the program interpreter, the libraries it needs and where it looks for them, and
//! the glibc symbol versions it asks for. Only the bytes that hold these are kept (the first
//! loadable segment, where the dynamic string table and version needs live, and the dynamic
//! segment), and only while the file is read; the parsing is the `object` crate's.

use object::read::ReadRef;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::{Endianness, elf};
use serde::{Deserialize, Serialize};

/// Bytes of the first loadable segment kept at most (node's is under 8 MB).
const MAX_PREFIX: u64 = 24 << 20;
/// Headers and program headers must fit in this.
const MAX_HEADERS: u64 = 64 << 10;
/// The dynamic segment kept at most.
const MAX_DYNAMIC: u64 = 1 << 20;
/// Strings kept per file, so a hostile header cannot make a list without end.
const MAX_STRINGS: usize = 512;
const MAX_STRING: usize = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    /// `e_machine` (62 x86-64, 183 aarch64, 3 i386, 40 arm, ...).
    pub machine: u16,
    pub class64: bool,
    /// `e_type`: 2 an executable, 3 a shared object (or a position-independent executable).
    pub kind: u16,
    /// `PT_INTERP`: the dynamic loader it asks for (`/lib64/ld-linux-x86-64.so.2`,
    /// `/lib/ld-musl-x86_64.so.1`); none for static binaries and libraries.
    pub interpreter: Option<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    pub soname: Option<String>,
    /// `DT_RUNPATH`, else `DT_RPATH`, split at `:`.
    pub search: Vec<String>,
    /// The versions it needs of each library (`libc.so.6` → `GLIBC_2.34`), from
    /// `DT_VERNEED`.
    pub versions: Vec<(String, String)>,
    /// Whether it has a dynamic segment at all.
    pub dynamic: bool,
    /// Whether what it needs could be read (false when the string table lay past what was
    /// kept).
    pub complete: bool,
    /// A Go program's build information (`.go.buildinfo`).
    pub go: Option<GoInfo>,
}

/// What a Go binary records about its build: `go version -m` reads the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoInfo {
    /// The toolchain (`go1.22.2`).
    pub version: String,
    /// The main package's import path.
    pub path: String,
    /// The main module and its version (`(devel)` for a local build).
    pub main: (String, String),
    /// The dependencies, replacements applied.
    pub deps: Vec<(String, String)>,
}

/// The Go build information's magic, at a 16-byte boundary near the start of the data segment.
const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
/// How far into the data segment the magic is looked for, and how much of it is kept.
const GO_SEARCH: usize = 64 << 10;
const GO_KEEP: u64 = 1 << 20;

/// Reads the build information at the start of a Go binary's data segment (Go 1.18 and later
/// write the version and module strings inline, length-prefixed).
fn go_info(seg: &[u8]) -> Option<GoInfo> {
    let at = (0..seg.len().min(GO_SEARCH)).step_by(16).find(|&i| seg[i..].starts_with(GO_MAGIC))?;
    let b = &seg[at..];
    if b.len() < 32 || b[15] & 2 == 0 {
        return None;
    }
    let mut rest = &b[32..];
    let mut bytes = || -> Option<&[u8]> {
        let (len, n) = uvarint(rest)?;
        let s = rest.get(n..n.checked_add(usize::try_from(len).ok()?)?)?;
        rest = &rest[n + s.len()..];
        Some(s)
    };
    let version = String::from_utf8_lossy(bytes()?).into_owned();
    let mut modinfo = bytes().unwrap_or_default();
    // The module text sits between two 16-byte sentinels.
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        modinfo = &modinfo[16..modinfo.len() - 16];
    }
    let modinfo = String::from_utf8_lossy(modinfo);
    let mut info = GoInfo { version, ..GoInfo::default() };
    for line in modinfo.lines().take(MAX_STRINGS * 8) {
        let f: Vec<&str> = line.split('\t').collect();
        match (f.first().copied(), f.get(1), f.get(2)) {
            (Some("path"), Some(p), _) => info.path = p.to_string(),
            (Some("mod"), Some(p), Some(v)) => info.main = (p.to_string(), v.to_string()),
            (Some("dep"), Some(p), Some(v)) if info.deps.len() < MAX_STRINGS * 8 => {
                info.deps.push((p.to_string(), v.to_string()))
            }
            // `=>` lines name a replacement's source; the module stays the one `dep` names.
            _ => {}
        }
    }
    Some(info)
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &c) in b.iter().enumerate().take(10) {
        v |= u64::from(c & 0x7f) << (7 * i);
        if c & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Whether the notes in the program headers name the Go toolchain (`.note.go.buildid`).
fn is_go<H: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    phdrs: &[H::ProgramHeader],
    data: &Sparse,
) -> bool {
    phdrs.iter().any(|p| {
        let Ok(Some(mut notes)) = p.notes(endian, data) else { return false };
        while let Ok(Some(n)) = notes.next() {
            if n.name() == b"Go" {
                return true;
            }
        }
        false
    })
}

/// The first writable loadable segment: where a Go binary's build information is.
fn data_segment<H: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    phdrs: &[H::ProgramHeader],
) -> Option<(u64, u64)> {
    phdrs.iter().find_map(|p| {
        let flags = p.p_flags(endian);
        (p.p_type(endian) == elf::PT_LOAD && flags & elf::PF_W != 0 && flags & elf::PF_X == 0)
            .then(|| (p.p_offset(endian).into(), p.p_filesz(endian).into()))
    })
}

impl ElfInfo {
    /// The highest `GLIBC_x.y` it needs, as (x, y).
    pub fn glibc(&self) -> Option<(u32, u32)> {
        self.versions
            .iter()
            .filter_map(|(_, v)| {
                let (a, b) = v.strip_prefix("GLIBC_")?.split_once('.')?;
                Some((a.parse().ok()?, b.split('.').next()?.parse().ok()?))
            })
            .max()
    }
}

/// Whether a file may be ELF worth reading: executables, shared objects, native addons.
pub fn candidate(path: &str, mode: u32, size: u64) -> bool {
    if size < 64 {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    mode & 0o111 != 0 || name.ends_with(".so") || name.contains(".so.") || name.ends_with(".node")
}

/// The pieces of a file that were kept, at their offsets.
#[derive(Default)]
struct Sparse {
    chunks: Vec<(u64, Vec<u8>)>,
    len: u64,
}

impl<'a> ReadRef<'a> for &'a Sparse {
    fn len(self) -> Result<u64, ()> {
        Ok(self.len)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        let end = offset.checked_add(size).ok_or(())?;
        self.chunks
            .iter()
            .find(|(at, b)| *at <= offset && end <= at + b.len() as u64)
            .map(|(at, b)| &b[(offset - at) as usize..(end - at) as usize])
            .ok_or(())
    }

    fn read_bytes_at_until(self, range: std::ops::Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        let (at, b) = self
            .chunks
            .iter()
            .find(|(at, b)| *at <= range.start && range.start < at + b.len() as u64)
            .ok_or(())?;
        let start = (range.start - at) as usize;
        let stop = (range.end.saturating_sub(*at) as usize).min(b.len());
        let hay = b.get(start..stop).ok_or(())?;
        let n = hay.iter().position(|&c| c == delimiter).ok_or(())?;
        Ok(&hay[..n])
    }
}

/// Reads an ELF file's needs from its bytes as they stream: [`Probe::feed`] every chunk in
/// order, then [`Probe::finish`].
pub struct Probe {
    size: u64,
    /// The first bytes, until the ranges to keep are known.
    head: Vec<u8>,
    /// Ranges to keep once the program headers are read: (start, end, buffer).
    keep: Vec<(u64, u64, Vec<u8>)>,
    state: State,
}

#[derive(PartialEq, Eq)]
enum State {
    Head,
    Body,
    /// Not ELF, malformed, or everything needed is in.
    Done,
}

impl Probe {
    pub fn new(size: u64) -> Probe {
        Probe { size, head: Vec::new(), keep: Vec::new(), state: State::Head }
    }

    /// Feeds the bytes at `offset` (chunks come in order); false once nothing more is needed.
    pub fn feed(&mut self, offset: u64, data: &[u8]) -> bool {
        if self.state == State::Head {
            let want = MAX_HEADERS.min(self.size) as usize;
            let take = want.saturating_sub(self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            if self.head.len() >= 4 && &self.head[..4] != b"\x7fELF" {
                self.state = State::Done;
                return false;
            }
            if self.head.len() >= want || self.headers_in() {
                self.plan();
            }
        }
        if self.state == State::Body {
            let end = offset + data.len() as u64;
            for (s, e, buf) in &mut self.keep {
                let (from, to) = ((*s).max(offset), (*e).min(end));
                let have = *s + buf.len() as u64;
                // Bytes past a gap wait for the bytes before them (fed out of order, as
                // [`Probe::next_missing`] allows).
                if from < to && have < to && from <= have {
                    buf.extend_from_slice(&data[(have - offset) as usize..(to - offset) as usize]);
                }
            }
            if self.keep.iter().all(|(s, e, b)| s + b.len() as u64 >= *e) {
                self.state = State::Done;
            }
        }
        self.state != State::Done
    }

    /// The bytes to feed next, for a reader that can seek: once the head is in, the probe
    /// wants only its ranges (for node, 8 MB of a 110 MB binary), not the whole body.
    /// `None` once nothing more is needed.
    pub fn next_missing(&self) -> Option<(u64, u64)> {
        match self.state {
            State::Head => Some((self.head.len() as u64, MAX_HEADERS.min(self.size))),
            State::Body => {
                self.keep.iter().map(|(s, e, b)| (s + b.len() as u64, *e)).filter(|(s, e)| s < e).min()
            }
            State::Done => None,
        }
    }

    /// Whether the head holds the program headers already.
    fn headers_in(&self) -> bool {
        let h = &self.head;
        if h.len() < 64 {
            return false;
        }
        let le = h[5] == 1;
        let rd16 = |at: usize| {
            if le { u16::from_le_bytes([h[at], h[at + 1]]) } else { u16::from_be_bytes([h[at], h[at + 1]]) }
        };
        let (phoff, phentsize, phnum) = if h[4] == 2 {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[32..40]);
            (if le { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) }, rd16(54), rd16(56))
        } else {
            let mut b = [0u8; 4];
            b.copy_from_slice(&h[28..32]);
            (u64::from(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }), rd16(42), rd16(44))
        };
        phoff.saturating_add(u64::from(phentsize) * u64::from(phnum)) <= h.len() as u64
    }

    /// Decides which ranges to keep from the program headers.
    fn plan(&mut self) {
        let head = Sparse { chunks: vec![(0, std::mem::take(&mut self.head))], len: self.size };
        let ranges = match head.chunks[0].1.get(4) {
            Some(2) => ranges::<elf::FileHeader64<Endianness>>(&head),
            Some(1) => ranges::<elf::FileHeader32<Endianness>>(&head),
            _ => None,
        };
        let Some(ranges) = ranges else {
            self.state = State::Done;
            return;
        };
        let head = head.chunks.into_iter().next().map(|c| c.1).unwrap_or_default();
        self.keep = ranges
            .into_iter()
            .filter(|(s, e)| s < e)
            .map(|(s, e)| {
                // What the head already holds of a range.
                let mut buf = Vec::new();
                if s < head.len() as u64 {
                    buf.extend_from_slice(&head[s as usize..(e.min(head.len() as u64)) as usize]);
                }
                (s, e, buf)
            })
            .collect();
        self.state = State::Body;
        if self.keep.iter().all(|(s, e, b)| s + b.len() as u64 >= *e) {
            self.state = State::Done;
        }
    }

    /// What the file needs; None for what is not ELF.
    pub fn finish(self) -> Option<ElfInfo> {
        if self.keep.is_empty() && self.head.is_empty() {
            return None;
        }
        let sparse = if self.keep.is_empty() {
            Sparse { chunks: vec![(0, self.head)], len: self.size }
        } else {
            Sparse { chunks: self.keep.into_iter().map(|(s, _, b)| (s, b)).collect(), len: self.size }
        };
        match sparse.chunks.first().and_then(|c| c.1.get(4)) {
            Some(2) => parse::<elf::FileHeader64<Endianness>>(&sparse),
            Some(1) => parse::<elf::FileHeader32<Endianness>>(&sparse),
            _ => None,
        }
    }
}

/// The byte ranges holding what [`parse`] reads: the first loadable segment (headers, the
/// interpreter, the dynamic string table, version needs) and the dynamic segment.
fn ranges<H: FileHeader<Endian = Endianness>>(data: &Sparse) -> Option<Vec<(u64, u64)>> {
    let h = H::parse(data).ok()?;
    let endian = h.endian().ok()?;
    let phdrs = h.program_headers(endian, data).ok()?;
    let size = data.len;
    let first_load = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == elf::PT_LOAD)
        .map(|p| {
            let (off, len): (u64, u64) = (p.p_offset(endian).into(), p.p_filesz(endian).into());
            off.saturating_add(len)
        })
        .next()
        .unwrap_or(MAX_HEADERS);
    let mut out = vec![(0, first_load.min(MAX_PREFIX).min(size))];
    for p in phdrs {
        if p.p_type(endian) == elf::PT_DYNAMIC {
            let (off, len): (u64, u64) = (p.p_offset(endian).into(), p.p_filesz(endian).into());
            out.push((off.min(size), off.saturating_add(len.min(MAX_DYNAMIC)).min(size)));
        }
    }
    // The dynamic segment usually lies past the first one; when it is inside it, the one
    // range serves.
    if out.len() == 2 && out[1].0 >= out[0].0 && out[1].1 <= out[0].1 {
        out.pop();
    }
    if is_go::<H>(endian, phdrs, data)
        && let Some((off, len)) = data_segment::<H>(endian, phdrs)
    {
        out.push((off.min(size), off.saturating_add(len.min(GO_KEEP)).min(size)));
    }
    Some(out)
}

fn parse<H: FileHeader<Endian = Endianness>>(data: &Sparse) -> Option<ElfInfo> {
    let h = H::parse(data).ok()?;
    let endian = h.endian().ok()?;
    let mut info = ElfInfo {
        machine: h.e_machine(endian),
        class64: h.is_type_64(),
        kind: h.e_type(endian),
        ..ElfInfo::default()
    };
    let phdrs = h.program_headers(endian, data).ok()?;
    if is_go::<H>(endian, phdrs, data)
        && let Some((off, len)) = data_segment::<H>(endian, phdrs)
    {
        let len = len.min(GO_KEEP);
        info.go = data
            .chunks
            .iter()
            .find(|(at, _)| *at == off)
            .and_then(|(_, b)| go_info(&b[..(len as usize).min(b.len())]));
    }
    let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(MAX_STRING)]).into_owned();
    for p in phdrs {
        if let Ok(Some(i)) = p.interpreter(endian, data) {
            info.interpreter = Some(text(i));
        }
    }
    let Some(dynamic) = phdrs.iter().find_map(|p| p.dynamic(endian, data).ok().flatten()) else {
        info.complete = !phdrs.iter().any(|p| p.p_type(endian) == elf::PT_DYNAMIC);
        return Some(info);
    };
    info.dynamic = true;
    // Addresses in the dynamic segment are virtual: map them through the loadable segments.
    let at = |addr: u64, len: u64| -> Option<&[u8]> {
        phdrs
            .iter()
            .filter(|p| p.p_type(endian) == elf::PT_LOAD)
            .find_map(|p| p.data_range(endian, data, addr, len).ok().flatten())
    };
    let (mut strtab, mut strsz, mut verneed, mut verneednum) = (None, 0u64, None, 0u64);
    for d in dynamic {
        let (tag, val): (i64, u64) = (d.tag(endian), d.d_val(endian).into());
        match tag {
            elf::DT_STRTAB => strtab = Some(val),
            elf::DT_STRSZ => strsz = val,
            elf::DT_VERNEED => verneed = Some(val),
            elf::DT_VERNEEDNUM => verneednum = val,
            _ => {}
        }
        if tag == elf::DT_NULL {
            break;
        }
    }
    let Some(strings) = strtab.and_then(|a| at(a, strsz)) else { return Some(info) };
    let string = |off: u64| -> Option<String> {
        let s = strings.get(off as usize..)?;
        Some(text(&s[..s.iter().position(|&c| c == 0)?]))
    };
    for d in dynamic {
        let (tag, val): (i64, u64) = (d.tag(endian), d.d_val(endian).into());
        if info.needed.len() >= MAX_STRINGS {
            break;
        }
        match tag {
            elf::DT_NEEDED => info.needed.extend(string(val)),
            elf::DT_SONAME => info.soname = string(val),
            elf::DT_RUNPATH => {
                info.search =
                    string(val).map(|s| s.split(':').map(String::from).collect()).unwrap_or_default()
            }
            elf::DT_RPATH if info.search.is_empty() => {
                info.search =
                    string(val).map(|s| s.split(':').map(String::from).collect()).unwrap_or_default()
            }
            _ => {}
        }
        if tag == elf::DT_NULL {
            break;
        }
    }
    if let Some(addr) = verneed {
        info.versions = version_needs::<H>(endian, at, addr, verneednum, &string);
    }
    info.complete = true;
    Some(info)
}

/// `DT_VERNEED`'s list: for each library, the versions asked of it. Walks the records by
/// their `next` offsets, at most `count` and never more than the bytes allow.
fn version_needs<'d, H: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    at: impl Fn(u64, u64) -> Option<&'d [u8]>,
    addr: u64,
    count: u64,
    string: &dyn Fn(u64) -> Option<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut need = addr;
    for _ in 0..count.min(MAX_STRINGS as u64) {
        let Some(b) = at(need, 16) else { break };
        let Ok((vn, _)) = object::pod::from_bytes::<elf::Verneed<Endianness>>(b) else { break };
        let file = string(u64::from(vn.vn_file.get(endian))).unwrap_or_default();
        let mut aux = need.saturating_add(u64::from(vn.vn_aux.get(endian)));
        for _ in 0..vn.vn_cnt.get(endian).min(64) {
            let Some(b) = at(aux, 16) else { break };
            let Ok((va, _)) = object::pod::from_bytes::<elf::Vernaux<Endianness>>(b) else { break };
            if let Some(v) = string(u64::from(va.vna_name.get(endian))) {
                out.push((file.clone(), v));
            }
            let next = u64::from(va.vna_next.get(endian));
            if next == 0 || out.len() >= MAX_STRINGS {
                break;
            }
            aux = aux.saturating_add(next);
        }
        let next = u64::from(vn.vn_next.get(endian));
        if next == 0 {
            break;
        }
        need = need.saturating_add(next);
    }
    let _ = std::marker::PhantomData::<H>;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds a whole file in chunks of `n` bytes, as a layer stream would.
    fn probe(bytes: &[u8], n: usize) -> Option<ElfInfo> {
        let mut p = Probe::new(bytes.len() as u64);
        for (i, c) in bytes.chunks(n).enumerate() {
            if !p.feed((i * n) as u64, c) {
                break;
            }
        }
        p.finish()
    }

    /// Feeds only what the probe asks for, `n` bytes at a time, as a reader that seeks
    /// would; also returns how many bytes that was.
    fn probe_seeking(bytes: &[u8], n: usize) -> (Option<ElfInfo>, usize) {
        let mut p = Probe::new(bytes.len() as u64);
        let mut fed = 0;
        while let Some((from, to)) = p.next_missing() {
            let Some(range) =
                bytes.get(from as usize..(to as usize).min(bytes.len())).filter(|r| !r.is_empty())
            else {
                break;
            };
            for (i, c) in range.chunks(n).enumerate() {
                fed += c.len();
                p.feed(from + (i * n) as u64, c);
            }
        }
        (p.finish(), fed)
    }

    #[test]
    fn seeking_reads_only_the_ranges_and_finds_the_same() {
        let mut files = vec![std::fs::read(std::env::current_exe().unwrap()).unwrap()];
        files.extend(std::fs::read("/bin/sh"));
        for bytes in files {
            let streamed = probe(&bytes, 65536).expect("ELF");
            for n in [1 << 20, 4096, 777] {
                let (seeking, fed) = probe_seeking(&bytes, n);
                assert_eq!(seeking.as_ref(), Some(&streamed));
                assert!(fed < bytes.len(), "{fed} of {} bytes", bytes.len());
            }
        }
    }

    #[test]
    fn reads_this_machines_binaries() {
        // The test binary itself and the system's shell are real ELF files, however they
        // were linked.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        for n in [1 << 20, 4096, 777] {
            let i = probe(&me, n).expect("ELF");
            assert!(i.complete, "{i:?}");
            assert_eq!(i.machine, if cfg!(target_arch = "x86_64") { 62 } else { i.machine });
            if i.dynamic {
                assert!(i.needed.iter().any(|l| l.starts_with("libc.")), "{i:?}");
            }
        }
        if let Ok(sh) = std::fs::read("/bin/sh") {
            let i = probe(&sh, 65536).expect("ELF");
            assert!(i.interpreter.as_deref().is_some_and(|p| p.contains("ld-")), "{i:?}");
            assert!(i.glibc().is_some() || i.needed.iter().any(|l| l.contains("musl")), "{i:?}");
        }
    }

    #[test]
    fn not_elf_and_broken_elf() {
        assert_eq!(probe(b"#!/bin/sh\necho hi\n and more bytes to reach sixty four bytes......", 8), None);
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        // Cut short, and with bytes flipped in the headers: never a panic.
        for cut in [5, 20, 63, 64, 200, 4096] {
            let _ = probe(&me[..cut.min(me.len())], 100);
        }
        for i in 0..256 {
            let mut b = me[..8192.min(me.len())].to_vec();
            b[i % 64 + 16] ^= (i as u8).wrapping_mul(37) | 1;
            let _ = probe(&b, 1000);
            let _ = probe_seeking(&b, 1000);
        }
    }

    #[test]
    fn go_build_info() {
        let mut modinfo = vec![
            0x30u8, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
        ];
        modinfo.extend_from_slice(b"path\texample.com/svc\nmod\texample.com/svc\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:x\n=>\tgolang.org/x/sys\tv0.2.0\th1:y\nbuild\tGOOS=linux\n");
        modinfo.extend_from_slice(&[
            0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
        ]);
        let mut seg = vec![0u8; 48];
        seg.extend_from_slice(GO_MAGIC);
        seg.extend_from_slice(&[8, 2]);
        seg.extend_from_slice(&[0u8; 16]);
        for s in [&b"go1.22.2"[..], &modinfo] {
            let mut n = s.len();
            while n >= 0x80 {
                seg.push((n as u8) | 0x80);
                n >>= 7;
            }
            seg.push(n as u8);
            seg.extend_from_slice(s);
        }
        let g = go_info(&seg).expect("build info");
        assert_eq!(g.version, "go1.22.2");
        assert_eq!(g.path, "example.com/svc");
        assert_eq!(g.main, ("example.com/svc".into(), "(devel)".into()));
        assert_eq!(g.deps, [("golang.org/x/sys".to_string(), "v0.1.0".to_string())]);
        assert!(go_info(&seg[..40]).is_none());
    }

    #[test]
    fn candidates() {
        assert!(candidate("usr/lib/libx.so.6", 0o644, 100));
        assert!(candidate("app/build/Release/addon.node", 0o644, 100));
        assert!(candidate("usr/bin/node", 0o755, 100));
        assert!(!candidate("app/x.js", 0o644, 100));
        assert!(!candidate("usr/bin/tiny", 0o755, 10));
    }
}
