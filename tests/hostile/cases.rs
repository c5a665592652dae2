//! The hostile corpus: each case writes one image under `dir` and says how weigh must end.

use std::path::Path;

use serde_json::{Value, json};

use super::Case;
use super::raw;
use super::support::*;

fn layout(dir: &Path, name: &str, img: &Img) -> String {
    let d = dir.join(name);
    write_dir(&d, &oci_files(&[("latest", img)]));
    format!("oci:{}", d.display())
}

/// A layout whose files a function may change after they are written.
fn layout_with(dir: &Path, name: &str, img: &Img, change: impl FnOnce(&Path)) -> String {
    let d = dir.join(name);
    write_dir(&d, &oci_files(&[("latest", img)]));
    change(&d);
    format!("oci:{}", d.display())
}

/// The archive's files with the JSON member(s) `pick` accepts changed by `change`.
pub(super) fn edit_json(
    files: &[(String, Vec<u8>)],
    pick: impl Fn(&str) -> bool,
    change: impl Fn(&mut Value),
) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(n, d)| {
            if !pick(n) {
                return (n.clone(), d.clone());
            }
            let mut v: Value = serde_json::from_slice(d).unwrap();
            change(&mut v);
            (n.clone(), serde_json::to_vec(&v).unwrap())
        })
        .collect()
}

pub(super) fn is_config(name: &str) -> bool {
    name.ends_with(".json") && name != "manifest.json"
}

pub(super) fn write_archive(dir: &Path, name: &str, files: &[(String, Vec<u8>)]) -> String {
    let p = dir.join(format!("{name}.tar"));
    write_tar(&p, files);
    format!("docker-archive:{}", p.display())
}

fn raw_layer(blocks: Vec<Vec<u8>>) -> Layer {
    Layer::new(vec![E::Raw(blocks.concat())])
}

fn one(layer: Layer) -> Img {
    Img::new(vec![layer])
}

pub(super) fn small() -> Img {
    Img::new(vec![
        Layer::new(vec![file("etc/os-release", 100, b'x')]),
        Layer::new(vec![file("app/server.js", 20_000, b'y')]).comp(Comp::Zstd),
    ])
}

/// The blob path of the layout's only manifest.
fn manifest_path(d: &Path) -> std::path::PathBuf {
    let index: Value = serde_json::from_slice(&std::fs::read(d.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap().replacen(':', "/", 1);
    d.join("blobs").join(digest)
}

/// Replaces the layout's manifest with `m` (re-digested, so the index still points at it).
fn set_manifest(d: &Path, m: &Value) {
    let bytes = serde_json::to_vec(m).unwrap();
    let digest = sha256(&bytes);
    std::fs::write(d.join("blobs").join(digest.replacen(':', "/", 1)), &bytes).unwrap();
    let mut index: Value = serde_json::from_slice(&std::fs::read(d.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"] = json!(digest);
    index["manifests"][0]["size"] = json!(bytes.len());
    std::fs::write(d.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

fn read_manifest(d: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(manifest_path(d)).unwrap()).unwrap()
}

/// Replaces the config with `change(config)`, re-digested into a new manifest.
fn set_config(d: &Path, change: impl FnOnce(&mut Value)) {
    let mut m = read_manifest(d);
    let cpath = d.join("blobs").join(m["config"]["digest"].as_str().unwrap().replacen(':', "/", 1));
    let mut config: Value = serde_json::from_slice(&std::fs::read(cpath).unwrap()).unwrap();
    change(&mut config);
    let bytes = serde_json::to_vec(&config).unwrap();
    let digest = sha256(&bytes);
    std::fs::write(d.join("blobs").join(digest.replacen(':', "/", 1)), &bytes).unwrap();
    m["config"]["digest"] = json!(digest);
    m["config"]["size"] = json!(bytes.len());
    set_manifest(d, &m);
}

pub fn all(dir: &Path) -> Vec<Case> {
    let mut c = Vec::new();
    c.extend(streams(dir));
    c.extend(documents(dir));
    c.extend(tar_headers(dir));
    c.extend(trees(dir));
    c.extend(sizes(dir));
    c.extend(super::archives::archives(dir));
    c
}

/// Compressed streams that end early, are corrupt, or expand a thousandfold.
fn streams(dir: &Path) -> Vec<Case> {
    let body: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let content = || Layer::new(vec![E::File("data.bin", body.clone())]);
    let mut v = Vec::new();
    for (name, comp) in [("gzip", Comp::Gzip), ("zstd", Comp::Zstd)] {
        let mut l = content().comp(comp);
        l.mangle = Some(|b| b.truncate(b.len() / 2));
        let n: &'static str = if name == "gzip" { "truncated gzip" } else { "truncated zstd" };
        v.push(Case::refused(n, layout(dir, n, &one(l)), "truncated"));
        let mut l = content().comp(comp);
        if comp == Comp::Zstd {
            // With the frame checksum builders write: a zstd frame without one cannot tell.
            let tar = tar_bytes(&l.entries);
            let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
            e.include_checksum(true).unwrap();
            std::io::Write::write_all(&mut e, &tar).unwrap();
            l.blob = Some((e.finish().unwrap(), sha256(&tar)));
        }
        l.mangle = Some(|b| {
            let mid = b.len() / 2;
            for x in &mut b[mid..mid + 64] {
                *x ^= 0x5a;
            }
        });
        let n: &'static str = if name == "gzip" { "corrupt gzip" } else { "corrupt zstd" };
        v.push(Case::refused(n, layout(dir, n, &one(l)), "layer 0"));
    }
    let mut l = content();
    l.blob = Some((raw::gzip(b"this is not a tar stream at all, only words"), sha256(b"x")));
    v.push(Case::refused("gzip of something not a tar", layout(dir, "gzip-not-tar", &one(l)), "layer 0"));
    let mut l = content().comp(Comp::None);
    l.blob = Some(((0..5000u32).map(|i| (i * 31 % 253) as u8).collect(), sha256(b"y")));
    v.push(Case::refused("random bytes as a plain layer", layout(dir, "random-layer", &one(l)), "layer 0"));
    // gzip cannot pass about 1032:1: its bombs are bounded by their own size, and read.
    let mut l = content();
    l.blob = Some((raw::bomb(2), sha256(b"never computed")));
    v.push(Case::ok("gzip bomb (2 MB to 2 GiB)", layout(dir, "bomb", &one(l))));
    let mut l = content().comp(Comp::Zstd);
    l.blob = Some((raw::zstd_bomb(16), sha256(b"never computed")));
    v.push(Case::refused("zstd bomb (16 GiB)", layout(dir, "zstd-bomb", &one(l)), "--limit ratio"));
    let mut l = content();
    l.blob = Some((raw::bomb(2), sha256(b"never computed")));
    v.push(
        Case::refused("gzip bomb, ratio lowered", layout(dir, "bomb-lowered", &one(l)), "--limit ratio")
            .with("--limit=ratio=100"),
    );
    v
}

/// Index, manifest and config documents that are wrong.
fn documents(dir: &Path) -> Vec<Case> {
    let mut v = Vec::new();
    let img = small();
    v.push(Case::refused(
        "index.json not JSON",
        layout_with(dir, "index-garbage", &img, |d| std::fs::write(d.join("index.json"), b"{{{").unwrap()),
        "index.json",
    ));
    v.push(Case::refused(
        "index.json with no manifests",
        layout_with(dir, "index-empty", &img, |d| {
            std::fs::write(d.join("index.json"), br#"{"schemaVersion":2,"manifests":[]}"#).unwrap()
        }),
        "no images",
    ));
    v.push(Case::refused(
        "manifest not JSON",
        layout_with(dir, "manifest-garbage", &img, |d| {
            let bytes = b"not json".to_vec();
            let digest = sha256(&bytes);
            std::fs::write(d.join("blobs").join(digest.replacen(':', "/", 1)), &bytes).unwrap();
            let mut index: Value =
                serde_json::from_slice(&std::fs::read(d.join("index.json")).unwrap()).unwrap();
            index["manifests"][0]["digest"] = json!(digest);
            std::fs::write(d.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        }),
        "manifest",
    ));
    v.push(Case::refused(
        "schema 1 manifest",
        layout_with(dir, "schema1", &img, |d| {
            set_manifest(d, &json!({"schemaVersion": 1, "name": "x", "tag": "1", "fsLayers": [{"blobSum": "sha256:00"}], "history": []}))
        }),
        "manifest",
    ));
    v.push(Case::refused(
        "manifest whose digest does not match",
        layout_with(dir, "manifest-digest", &img, |d| {
            let p = manifest_path(d);
            let mut m = std::fs::read(&p).unwrap();
            m.extend_from_slice(b" ");
            std::fs::write(p, m).unwrap();
        }),
        "digest mismatch",
    ));
    v.push(Case::refused(
        "index with a malformed digest",
        layout_with(dir, "index-bad-digest", &img, |d| {
            let mut index: Value =
                serde_json::from_slice(&std::fs::read(d.join("index.json")).unwrap()).unwrap();
            let upper =
                index["manifests"][0]["digest"].as_str().unwrap().to_uppercase().replace("SHA256", "sha256");
            index["manifests"][0]["digest"] = json!(upper);
            std::fs::write(d.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        }),
        "digest",
    ));
    v.push(Case::refused(
        "index pointing at itself, nested",
        layout_with(dir, "index-loop", &img, |d| {
            // An index whose only entry is an index that names... an index: bounded nesting.
            let mut inner = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []});
            for _ in 0..8 {
                let bytes = serde_json::to_vec(&inner).unwrap();
                let digest = sha256(&bytes);
                std::fs::write(d.join("blobs").join(digest.replacen(':', "/", 1)), &bytes).unwrap();
                inner = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": bytes.len(),
                    "platform": {"os": "linux", "architecture": "amd64"}}]});
            }
            std::fs::write(d.join("index.json"), serde_json::to_vec(&inner).unwrap()).unwrap();
        }),
        "weigh: ",
    ));
    v.push(Case::refused(
        "config not JSON",
        layout_with(dir, "config-garbage", &img, |d| {
            let mut m = read_manifest(d);
            let bytes = b"[1,2".to_vec();
            let digest = sha256(&bytes);
            std::fs::write(d.join("blobs").join(digest.replacen(':', "/", 1)), &bytes).unwrap();
            m["config"]["digest"] = json!(digest);
            set_manifest(d, &m);
        }),
        "config",
    ));
    v.push(Case::refused(
        "config with an uppercase diff_id",
        layout_with(dir, "config-diff-id", &img, |d| {
            set_config(d, |c| {
                let id = c["rootfs"]["diff_ids"][0].as_str().unwrap().to_string();
                c["rootfs"]["diff_ids"][0] = json!(format!("sha256:{}", id[7..].to_uppercase()));
            })
        }),
        "diff_id 0 is not a digest",
    ));
    v.push(Case::refused(
        "config listing fewer layers than the manifest",
        layout_with(dir, "config-fewer", &img, |d| {
            set_config(d, |c| {
                c["rootfs"]["diff_ids"].as_array_mut().unwrap().pop();
            })
        }),
        "diff_ids",
    ));
    v.push(Case::refused(
        "two layers' digests swapped",
        layout_with(dir, "digest-swap", &img, |d| {
            let mut m = read_manifest(d);
            let (a, b) = (m["layers"][0]["digest"].clone(), m["layers"][1]["digest"].clone());
            m["layers"][0]["digest"] = b;
            m["layers"][1]["digest"] = a;
            set_manifest(d, &m);
        }),
        // Both layers are read at once: either may be the one reported.
        "manifest says",
    ));
    v.push(Case::refused(
        "layer blob missing",
        layout_with(dir, "blob-missing", &img, |d| {
            let m = read_manifest(d);
            let digest = m["layers"][1]["digest"].as_str().unwrap().replacen(':', "/", 1);
            std::fs::remove_file(d.join("blobs").join(digest)).unwrap();
        }),
        "missing",
    ));
    v.push(Case::refused(
        "layer size in the manifest lies",
        layout_with(dir, "size-lie", &img, |d| {
            let mut m = read_manifest(d);
            m["layers"][0]["size"] = json!(1u64 << 40);
            set_manifest(d, &m);
        }),
        "manifest says",
    ));
    let mut l = Layer::new(vec![file("a", 10, b'a')]);
    l.media = Some("application/vnd.example.weird");
    v.push(Case::refused("unknown layer media type", layout(dir, "media-unknown", &one(l)), "media type"));
    let mut l = Layer::new(vec![file("a", 10, b'a')]);
    l.media = Some("application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
    v.push(Case::refused("encrypted layer", layout(dir, "media-encrypted", &one(l)), "encrypted"));
    v.push(Case::refused(
        "a 20 MiB manifest",
        layout_with(dir, "manifest-huge", &img, |d| {
            let mut m = read_manifest(d);
            m["annotations"] = json!({"padding": "x".repeat(20 << 20)});
            set_manifest(d, &m);
        }),
        "--limit document",
    ));
    v.push(Case::ok("an image with no layers", layout(dir, "no-layers", &Img::new(vec![]))));
    v
}

/// Entries whose headers are crafted: names, links and sizes no builder writes.
fn tar_headers(dir: &Path) -> Vec<Case> {
    let mut v = Vec::new();
    let dotdot = raw_layer(vec![raw::entry(b"../../etc/passwd", b'0', b"root"), raw::end()]);
    v.push(Case::refused("'..' escaping the root", layout(dir, "dotdot", &one(dotdot)), "escapes"));
    let abs = raw_layer(vec![raw::entry(b"/etc/passwd", b'0', b"root:x:0:0"), raw::end()]);
    v.push(Case::ok("absolute paths", layout(dir, "absolute", &one(abs))));
    let hard = raw_layer(vec![
        raw::entry(b"a", b'0', b"x"),
        {
            let mut h = raw::header(b"b", 0, b'1');
            h.as_old_mut().linkname[..11].copy_from_slice(b"../../outer");
            h.set_cksum();
            h.as_bytes().to_vec()
        },
        raw::end(),
    ]);
    v.push(Case::refused("hardlink out of the root", layout(dir, "hardlink-out", &one(hard)), "outside"));
    let dangling = Layer::new(vec![E::Hardlink("usr/bin/b", "usr/bin/missing"), file("c", 3, b'c')]);
    v.push(Case::ok("dangling hardlink", layout(dir, "hardlink-dangling", &one(dangling))));
    let chain = Layer::new(vec![
        file("x", 100, b'x'),
        E::Hardlink("y", "x"),
        E::Hardlink("z", "y"),
        E::Dir("d"),
        E::Hardlink("w", "d"),
    ]);
    v.push(Case::ok("hardlink chains and a link to a directory", layout(dir, "hardlink-chain", &one(chain))));
    let lie = raw_layer(vec![raw::lying(b"big", 10 << 20, b"only a little data")]);
    v.push(Case::refused(
        "header size larger than the stream",
        layout(dir, "size-lying-header", &one(lie)),
        "layer 0",
    ));
    let long = "d/".repeat(60) + "long-name-file";
    let pax_long = raw_layer(vec![
        raw::pax(&[("comment", "global header")], true),
        raw::pax(&[("path", &long)], false),
        raw::entry(b"short", b'0', b"pax named me"),
        raw::end(),
    ]);
    v.push(Case::ok("PAX long names and a global header", layout(dir, "pax-long", &one(pax_long))));
    let gnu_long = Layer::new(vec![E::RawFile("n/".repeat(200) + "file", b"gnu long name".to_vec())]);
    v.push(Case::ok("GNU long names", layout(dir, "gnu-long", &one(gnu_long))));
    let huge_name = raw_layer(vec![
        raw::pax(&[("path", &"x".repeat(70_000))], false),
        raw::entry(b"s", b'0', b"1"),
        raw::end(),
    ]);
    v.push(Case::refused(
        "a 70,000-byte path",
        layout(dir, "path-huge", &one(huge_name)),
        "--limit path-bytes",
    ));
    let utf = Layer::new(vec![E::RawFile("bad-\u{fffd}".into(), b"x".to_vec())]);
    let bytes = raw_layer(vec![raw::entry(b"caf\xe9/\xff\xfe.txt", b'0', b"latin-1 name"), raw::end()]);
    v.push(Case::ok("non-UTF-8 names", layout(dir, "non-utf8", &Img::new(vec![utf, bytes]))));
    let ctl = raw_layer(vec![
        raw::entry(b"\x1b[31mred\x1b[0m", b'0', &[b'x'; 5000]),
        raw::entry(b"line\rbreak\nname", b'0', &[b'y'; 4000]),
        raw::entry(b"evil\xe2\x80\xaetxt.js", b'0', &[b'z'; 3000]),
        raw::end(),
    ]);
    v.push(Case::ok("control characters in names", layout(dir, "control-names", &one(ctl))));
    let devices = raw_layer(vec![
        raw::entry(b"dev/null", b'3', b""),
        raw::entry(b"dev/fifo", b'6', b""),
        raw::entry(b"weird", b'Z', b"unknown type flag"),
        raw::end(),
    ]);
    v.push(Case::ok("devices, fifos, unknown type flags", layout(dir, "devices", &one(devices))));
    v
}

/// Trees shaped to hurt: deep, wide, looping, with odd whiteouts and many layers.
fn trees(dir: &Path) -> Vec<Case> {
    let mut v = Vec::new();
    let deep = |n: usize| {
        let path = "d/".repeat(n) + "leaf";
        Layer::new(vec![E::RawFile(path, b"deep".to_vec())])
    };
    v.push(Case::ok("400-deep directories", layout(dir, "deep-400", &one(deep(400)))));
    v.push(Case::refused(
        "1,000-deep directories",
        layout(dir, "deep-1000", &one(deep(1000))),
        "--limit path-depth",
    ));
    let wide: Vec<E> = (0..100_000).map(|i| E::RawFile(format!("wide/f{i}"), vec![])).collect();
    v.push(Case::ok("100,000 files in one directory", layout(dir, "wide", &one(Layer::new(wide)))));
    let loops = Layer::new(vec![
        E::Symlink("a", "b"),
        E::Symlink("b", "a"),
        E::Symlink("self", "self"),
        E::Symlink("up", "../../../.."),
        E::Symlink("usr/bin/node", "/usr/bin/node"),
    ]);
    let img = one(loops).run(json!({"Entrypoint": ["/a"], "Cmd": ["/usr/bin/node"]}));
    v.push(Case::ok("symlink loops", layout(dir, "symlink-loops", &img)));
    let wh1 = Layer::new(vec![file("keep/a", 10, b'a'), file("gone/b", 10, b'b')]);
    let wh2 = Layer::new(vec![
        E::Opaque("keep"),
        E::Whiteout("never-existed"),
        E::RawFile(".wh.".into(), vec![]),
        E::RawFile("gone/.wh..wh.plnk".into(), vec![]),
        E::RawFile(".wh..wh..opq".into(), vec![]),
        E::Whiteout("gone"),
        file("gone", 5, b'g'),
    ]);
    let first = Layer::new(vec![E::Whiteout("nothing-below"), E::Opaque("also")]);
    v.push(Case::ok("whiteout oddities", layout(dir, "whiteouts", &Img::new(vec![first, wh1, wh2]))));
    let swap = Img::new(vec![
        Layer::new(vec![file("p/q/r", 10, b'r')]),
        Layer::new(vec![file("p", 4, b'p')]),
        Layer::new(vec![file("p/q", 3, b'q')]),
        Layer::new(vec![E::Symlink("p", "/"), file("p/z", 1, b'z')]),
    ]);
    v.push(Case::ok("files and directories replacing each other", layout(dir, "replace", &swap)));
    let many: Vec<Layer> = (0..150)
        .map(|i| Layer::new(vec![E::RawFile(format!("l/{i}"), vec![b'x'; i])]).comp(Comp::None))
        .collect();
    v.push(Case::ok("150 layers", layout(dir, "layers-150", &Img::new(many))));
    let too_many: Vec<Layer> =
        (0..1001).map(|i| Layer::new(vec![E::RawFile(format!("{i}"), vec![])])).collect();
    v.push(Case::refused("1,001 layers", layout(dir, "layers-1001", &Img::new(too_many)), "--limit layers"));
    let capped = Layer::new((0..2000).map(|i| E::RawFile(format!("f{i}"), vec![])).collect());
    v.push(
        Case::refused(
            "more entries than --limit entries",
            layout(dir, "entries", &one(capped)),
            "--limit entries",
        )
        .with("--limit=entries=1000"),
    );
    v
}

/// Sizes and metadata made to overflow sums or fill memory.
fn sizes(dir: &Path) -> Vec<Case> {
    let mut v = Vec::new();
    let pib = raw_layer(vec![raw::gnu_sparse(b"huge", 1 << 50, 0, b"a real byte"), raw::end()]);
    v.push(Case::ok("a 1 PiB GNU sparse file", layout(dir, "sparse-pib", &one(pib))));
    let over = raw_layer(vec![raw::gnu_sparse(b"huger", (1 << 50) + 1, 0, b"x"), raw::end()]);
    v.push(Case::refused(
        "a sparse file past 1 PiB",
        layout(dir, "sparse-over", &one(over)),
        "more than any real file",
    ));
    let many: Vec<Vec<u8>> = (0..20_000)
        .map(|i| raw::gnu_sparse(format!("s/{i}").as_bytes(), 1 << 50, 0, b""))
        .chain([raw::end()])
        .collect();
    v.push(Case::refused(
        "20,000 sparse files of 1 PiB (sums past u64)",
        layout(dir, "sparse-sum", &one(raw_layer(many))),
        "more than any real image",
    ));
    let fits: Vec<Vec<u8>> = (0..1000)
        .map(|i| raw::gnu_sparse(format!("s/{i}").as_bytes(), 1 << 50, 0, b""))
        .chain([raw::end()])
        .collect();
    v.push(Case::ok("1,000 sparse files of 1 PiB", layout(dir, "sparse-many", &one(raw_layer(fits)))));
    let pax_sparse = raw_layer(vec![
        raw::pax(
            &[
                ("GNU.sparse.major", "1"),
                ("GNU.sparse.minor", "0"),
                ("GNU.sparse.name", "var/huge"),
                ("GNU.sparse.realsize", "1125899906842624"),
            ],
            false,
        ),
        raw::entry(
            b"var/GNUSparseFile.1/huge",
            b'0',
            &[b"1\n0\n4\n".as_slice(), &[0u8; 506], b"data"].concat(),
        ),
        raw::end(),
    ]);
    v.push(Case::ok("a 1 PiB PAX sparse file", layout(dir, "sparse-pax", &one(pax_sparse))));
    let lock = |i: usize| {
        E::RawFile(
            format!("app/p{i}/package-lock.json"),
            format!(r#"{{"name":"p{i}","lockfileVersion":3,"packages":{{}}}}"#).into_bytes(),
        )
    };
    v.push(Case::ok(
        "100,000 small lockfiles",
        layout(dir, "lockfiles", &one(Layer::new((0..100_000).map(lock).collect()))),
    ));
    // 1 MiB lock files: the same path a thousand times in one layer costs one copy; distinct
    // paths cost at most the metadata budget.
    let big_lock: Vec<u8> = {
        let head = br#"{"name":"x","lockfileVersion":3,"packages":{"":{}},"pad":""#.to_vec();
        let chunk: Vec<u8> =
            (0..20_000u32).map(|i| b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26).collect();
        let mut b = head;
        while b.len() < (1 << 20) - 4 {
            b.extend_from_slice(&chunk[..chunk.len().min((1 << 20) - 4 - b.len())]);
        }
        b.extend_from_slice(b"\"}\n");
        b
    };
    let same: Vec<E> = (0..1200)
        .map(|_| E::RawFile("app/node_modules/.package-lock.json".into(), big_lock.clone()))
        .collect();
    v.push(Case::ok(
        "1,200 copies of one 1 MiB lock file",
        layout(dir, "lock-copies", &one(Layer::new(same))),
    ));
    let distinct: Vec<E> = (0..1200)
        .map(|i| E::RawFile(format!("app/m{i}/node_modules/.package-lock.json"), big_lock.clone()))
        .collect();
    v.push(Case::ok(
        "1,200 distinct 1 MiB lock files",
        layout(dir, "lock-distinct", &one(Layer::new(distinct))),
    ));
    v
}
