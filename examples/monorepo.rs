//! Writes an OCI layout shaped like a big monorepo's image, for benchmarks of scale (not a
//! test): five gzip layers — a distro base, a deep `node_modules` forest with its lockfile, a
//! Python `site-packages` tree with `RECORD` files, a layer that overwrites and deletes parts
//! of both (whiteouts and an opaque directory), and the apps' build output.
//!
//!     cargo run --release --example monorepo -- OUT_DIR [SCALE]
//!
//! SCALE 1.0 (the default) is about 950,000 final files and 2.9 GB; file contents are
//! word-like text that gzip shrinks about as much as real code. Layers are streamed through
//! the tar builder and gzip into their blobs, so memory stays small whatever the scale.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A writer that hashes what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Deterministic pseudo-random numbers (xorshift), so every run writes the same image.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// A file size: mostly small, a long tail, as in package trees (mean about 3 kB).
    fn size(&mut self) -> usize {
        match self.below(100) {
            0..=49 => self.below(1_200) as usize,
            50..=89 => 1_200 + self.below(4_800) as usize,
            90..=98 => 6_000 + self.below(20_000) as usize,
            _ => 26_000 + self.below(120_000) as usize,
        }
    }
}

/// Word-like text to cut file contents from.
fn corpus() -> Vec<u8> {
    const WORDS: &[&str] = &[
        "function",
        "return",
        "const",
        "module",
        "exports",
        "require",
        "this",
        "value",
        "if",
        "else",
        "for",
        "let",
        "new",
        "Object",
        "prototype",
        "length",
        "undefined",
        "null",
        "true",
        "false",
        "self",
        "def",
        "import",
        "from",
        "class",
        "async",
        "await",
        "options",
        "callback",
        "error",
    ];
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(4 << 20);
    while out.len() < (4 << 20) {
        out.extend_from_slice(WORDS[r.below(WORDS.len() as u64) as usize].as_bytes());
        out.push(if r.below(9) == 0 { b'\n' } else { b' ' });
        if r.below(40) == 0 {
            out.extend_from_slice(format!("{:x}", r.next()).as_bytes());
        }
    }
    out
}

type Blob = Hashing<BufWriter<File>>;

/// One layer being written: tar → (hashed: the diff_id) → gzip → (hashed: the blob digest).
struct Layer<'a> {
    tar: tar::Builder<Hashing<GzEncoder<Blob>>>,
    corpus: &'a [u8],
    rng: Rng,
    files: u64,
    bytes: u64,
}

/// What a finished layer is: diff_id and blob digest (hex), blob size, tar entries, file bytes.
struct Written {
    diff_id: String,
    blob: String,
    blob_size: u64,
    entries: u64,
    bytes: u64,
}

impl<'a> Layer<'a> {
    fn new(dir: &Path, corpus: &'a [u8], seed: u64) -> std::io::Result<Layer<'a>> {
        let file = BufWriter::with_capacity(1 << 20, File::create(dir.join("blob.tmp"))?);
        let gz = GzEncoder::new(Hashing { inner: file, hash: Sha256::new(), bytes: 0 }, Compression::fast());
        let tar = tar::Builder::new(Hashing { inner: gz, hash: Sha256::new(), bytes: 0 });
        Ok(Layer { tar, corpus, rng: Rng(seed), files: 0, bytes: 0 })
    }

    fn file_of(&mut self, path: &str, data: &[u8]) -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_mtime(1_700_000_000);
        self.tar.append_data(&mut h, path, data)?;
        self.files += 1;
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// A file of pseudo-random size cut from the corpus.
    fn file(&mut self, path: &str) -> std::io::Result<()> {
        let size = self.rng.size();
        let start = self.rng.below((self.corpus.len() - size - 1) as u64) as usize;
        let corpus = self.corpus;
        self.file_of(path, &corpus[start..start + size])
    }

    /// An empty file: whiteouts.
    fn empty(&mut self, path: &str) -> std::io::Result<()> {
        self.file_of(path, &[])
    }

    fn finish(self, dir: &Path) -> std::io::Result<Written> {
        let tar = self.tar.into_inner()?;
        let diff_id = hex::encode(tar.hash.finalize());
        let mut blob = tar.inner.finish()?;
        blob.flush()?;
        let digest = hex::encode(blob.hash.finalize());
        std::fs::rename(dir.join("blob.tmp"), dir.join("blobs/sha256").join(&digest))?;
        Ok(Written { diff_id, blob: digest, blob_size: blob.bytes, entries: self.files, bytes: self.bytes })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).ok_or("usage: monorepo OUT_DIR [SCALE]")?);
    let scale: f64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let n = |x: f64| ((x * scale).round() as usize).max(1);
    std::fs::create_dir_all(out.join("blobs/sha256"))?;
    let corpus = corpus();
    let mut layers = Vec::new();
    let mut history = Vec::new();

    // 0: a distro base: libraries, docs and locales in deep, wide trees, dpkg's lists.
    let mut l = Layer::new(&out, &corpus, 1)?;
    for p in 0..n(900.0) {
        for f in 0..40 {
            l.file(&format!("usr/lib/x86_64-linux-gnu/pkg{p}/lib{p}-{f}.so.{}", f % 3))?;
            if f % 2 == 0 {
                l.file(&format!("usr/share/doc/pkg{p}/examples/part{}/file{f}.txt", f % 5))?;
            }
        }
        l.file(&format!("var/lib/dpkg/info/pkg{p}.list"))?;
        l.file(&format!("usr/share/locale/l{}/LC_MESSAGES/pkg{p}.mo", p % 60))?;
    }
    layers.push(l.finish(&out)?);
    history.push("/bin/sh -c #(nop) ADD file:distro in /");

    // 1: the node_modules forest of a workspace: scoped and plain packages, dependencies
    // nested up to six node_modules deep, a package.json in each, and npm's lockfile.
    let mut l = Layer::new(&out, &corpus, 2)?;
    let mut lock =
        String::from(r#"{"name":"monorepo","lockfileVersion":3,"packages":{"":{"name":"monorepo"}"#);
    let pkgs = n(14_000.0);
    for p in 0..pkgs {
        let mut dir = if p % 4 == 0 {
            format!("app/node_modules/@scope{}/pkg{p}", p % 97)
        } else {
            format!("app/node_modules/pkg{p}")
        };
        for depth in 0..(p % 7) {
            dir = format!("{dir}/node_modules/dep{}-{depth}", p % 13);
        }
        l.file_of(
            &format!("{dir}/package.json"),
            format!(r#"{{"name":"pkg{p}","version":"1.{}.0"}}"#, p % 9).as_bytes(),
        )?;
        for f in 0..40 {
            l.file(&format!("{dir}/lib/{}/module{f}.js", ["core", "util", "esm", "cjs"][f % 4]))?;
        }
        let key = dir.trim_start_matches("app/");
        let dev = if p % 3 == 0 { r#","dev":true"# } else { "" };
        lock.push_str(&format!(r#","{key}":{{"version":"1.{}.0"{dev}}}"#, p % 9));
    }
    lock.push_str("}}");
    l.file_of("app/node_modules/.package-lock.json", lock.as_bytes())?;
    layers.push(l.finish(&out)?);
    history.push("RUN /bin/sh -c npm ci # buildkit");

    // 2: a virtualenv's site-packages, each distribution with its RECORD.
    let mut l = Layer::new(&out, &corpus, 3)?;
    for p in 0..n(2_400.0) {
        let top = format!("opt/venv/lib/python3.11/site-packages/dist{p}");
        let mut record = String::new();
        for f in 0..80 {
            let path = format!("{top}/sub{}/mod{f}.py", f % 6);
            l.file(&path)?;
            record.push_str(&format!("dist{p}/sub{}/mod{f}.py,sha256=x,100\n", f % 6));
        }
        let info = format!("opt/venv/lib/python3.11/site-packages/dist{p}-1.0.dist-info");
        l.file_of(&format!("{info}/METADATA"), format!("Name: dist{p}\nVersion: 1.0\n").as_bytes())?;
        l.file_of(&format!("{info}/RECORD"), record.as_bytes())?;
    }
    layers.push(l.finish(&out)?);
    history.push("RUN /bin/sh -c pip install -r requirements.txt # buildkit");

    // 3: overwrites and deletions across both trees: rebuilt modules, removed packages, a
    // directory made opaque.
    let mut l = Layer::new(&out, &corpus, 4)?;
    for p in (0..pkgs).step_by(5) {
        if p % 4 == 0 || p % 7 != 0 {
            continue;
        }
        for f in 0..40 {
            l.file(&format!(
                "app/node_modules/pkg{p}/lib/{}/module{f}.js",
                ["core", "util", "esm", "cjs"][f % 4]
            ))?;
        }
    }
    for p in (1..pkgs).step_by(23) {
        if p % 4 != 0 {
            l.empty(&format!("app/node_modules/.wh.pkg{p}"))?;
        }
    }
    for p in (0..n(900.0)).step_by(10) {
        l.empty(&format!("usr/share/doc/pkg{p}/.wh..wh..opq"))?;
        l.file(&format!("usr/share/doc/pkg{p}/README"))?;
    }
    layers.push(l.finish(&out)?);
    history.push("RUN /bin/sh -c npm rebuild && npm prune # buildkit");

    // 4: the apps' build output, and the virtualenv's tests removed.
    let mut l = Layer::new(&out, &corpus, 5)?;
    for a in 0..n(60.0) {
        for f in 0..800 {
            l.file(&format!("app/packages/app{a}/dist/chunks/c{}/chunk{f}.js", f % 16))?;
        }
    }
    for p in (0..n(2_400.0)).step_by(3) {
        l.empty(&format!("opt/venv/lib/python3.11/site-packages/dist{p}/.wh.sub5"))?;
    }
    layers.push(l.finish(&out)?);
    history.push("COPY /app/packages ./packages # buildkit");

    write_layout(&out, &layers, &history)?;
    let files: u64 = layers.iter().map(|l| l.entries).sum();
    let bytes: u64 = layers.iter().map(|l| l.bytes).sum();
    let blobs: u64 = layers.iter().map(|l| l.blob_size).sum();
    eprintln!(
        "{} layers: {files} tar entries, {bytes} bytes in files, {blobs} bytes of gzip blobs",
        layers.len()
    );
    Ok(())
}

fn write_layout(out: &Path, layers: &[Written], history: &[&str]) -> std::io::Result<()> {
    let hex_sha = |d: &[u8]| hex::encode(Sha256::digest(d));
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("sha256:{}", l.diff_id)).collect();
    let descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|l| json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{}", l.blob), "size": l.blob_size}))
        .collect();
    let history: Vec<serde_json::Value> = history.iter().map(|h| json!({"created_by": h})).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "config": {"WorkingDir": "/app", "Cmd": ["node", "packages/app0/dist/chunks/c0/chunk0.js"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
    }))?;
    let cd = hex_sha(&config);
    std::fs::write(out.join("blobs/sha256").join(&cd), &config)?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{cd}"), "size": config.len()},
        "layers": descs,
    }))?;
    let md = hex_sha(&manifest);
    std::fs::write(out.join("blobs/sha256").join(&md), &manifest)?;
    std::fs::write(out.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    std::fs::write(
        out.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{md}"),
            "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))?,
    )
}
