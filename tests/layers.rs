//! Layer semantics: whiteouts, opaque directories, hardlinks, overwrites, waste, duplicates,
//! across every compression and source format.

mod support;

use support::*;
use weigh::analysis::Analysis;
use weigh::index::{Index, IndexOptions, NoProgress};
use weigh::source::{Image, OpenOptions, Platform};

fn analyze_ref(reference: &str) -> Analysis {
    weigh::analyze(reference, &weigh::Options::default(), &NoProgress).unwrap()
}

fn analyze(img: &Img) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", img)]));
    analyze_ref(&format!("oci:{}", dir.path().display()))
}

fn size_of(a: &Analysis, path: &str) -> Option<u64> {
    let node = a.index.paths.find(path)?;
    a.index.visible(node).then(|| a.index.node_size(node))
}

#[test]
fn whiteout_deletes_and_counts_waste_once() {
    let a = analyze(&Img::new(vec![
        Layer::new(vec![E::Dir("a"), file("a/x", 100, 1), file("a/y", 50, 2), file("b/z", 10, 3)]),
        Layer::new(vec![E::Whiteout("a/x")]),
    ]));
    assert_eq!(a.totals.content_bytes, 60);
    assert_eq!(a.totals.written_bytes, 160);
    assert_eq!(a.totals.waste_bytes, 100);
    assert_eq!(size_of(&a, "a/x"), None);
    assert_eq!(size_of(&a, "a"), Some(50));
    assert_eq!(a.layers[1].deleted.files, 1);
    assert_eq!(a.layers[1].deleted.bytes, 100);
    let w = a.waste_items(10);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].path.as_str(), w[0].layer, w[0].hidden_by), ("/a/x", 0, 1));
    assert!((a.totals.efficiency - 60.0 / 160.0).abs() < 1e-9);
}

#[test]
fn whiteout_of_a_directory_removes_its_subtree() {
    let a = analyze(&Img::new(vec![
        Layer::new(vec![file("d/e/f", 7, 1), file("d/g", 3, 2), file("keep", 1, 3)]),
        Layer::new(vec![E::Whiteout("d")]),
    ]));
    assert_eq!(a.totals.content_bytes, 1);
    assert_eq!(size_of(&a, "d"), None);
    assert_eq!(a.layers[1].deleted.files, 2);
}

#[test]
fn opaque_directory_hides_lower_children_only() {
    // The marker comes after the new child in the tar: order inside a layer must not matter.
    let a = analyze(&Img::new(vec![
        Layer::new(vec![file("d/1", 10, 1), file("d/2", 20, 2)]),
        Layer::new(vec![file("d/3", 5, 3), E::Opaque("d")]),
    ]));
    assert_eq!(a.totals.content_bytes, 5);
    assert_eq!(a.totals.waste_bytes, 30);
    assert_eq!(size_of(&a, "d/3"), Some(5));
    assert_eq!(size_of(&a, "d/1"), None);
}

#[test]
fn overwrite_is_waste_of_the_hidden_copy_not_the_survivor() {
    let a = analyze(&Img::new(vec![Layer::new(vec![file("f", 100, 1)]), Layer::new(vec![file("f", 30, 2)])]));
    assert_eq!(a.totals.content_bytes, 30);
    assert_eq!(a.totals.waste_bytes, 100);
    assert_eq!(a.layers[1].modified.files, 1);
    assert_eq!(a.layers[1].added.files, 0);
    assert_eq!(a.layers[0].final_bytes, 0);
    assert_eq!(a.layers[1].final_bytes, 30);
}

#[test]
fn hardlinks_count_once_and_keep_bytes_alive() {
    let a = analyze(&Img::new(vec![Layer::new(vec![file("f", 100, 1), E::Hardlink("h", "f")])]));
    assert_eq!(a.totals.content_bytes, 100);
    assert_eq!(a.totals.files, 2);
    assert_eq!(a.layers[0].size, 100);
    assert!(a.duplicates.is_empty(), "a hardlink is one file, not a duplicate");

    // Deleting the first name leaves the bytes reachable through the link: no waste.
    let a = analyze(&Img::new(vec![
        Layer::new(vec![file("f", 100, 1), E::Hardlink("h", "f")]),
        Layer::new(vec![E::Whiteout("f")]),
    ]));
    assert_eq!(a.totals.content_bytes, 100);
    assert_eq!(a.totals.waste_bytes, 0);
    assert_eq!(size_of(&a, "h"), Some(100));
}

#[test]
fn symlinks_keep_their_target() {
    let a = analyze(&Img::new(vec![Layer::new(vec![file("usr/lib/x", 4, 1), E::Symlink("lib", "usr/lib")])]));
    let files = a.files();
    let lib = files.iter().find(|f| f.path == "/lib").unwrap();
    assert_eq!(lib.link.as_deref(), Some("usr/lib"));
    assert_eq!(lib.size, 0);
}

#[test]
fn file_replacing_directory_hides_the_subtree() {
    let a = analyze(&Img::new(vec![Layer::new(vec![file("p/q", 40, 1)]), Layer::new(vec![file("p", 2, 2)])]));
    assert_eq!(a.totals.content_bytes, 2);
    assert_eq!(a.totals.waste_bytes, 40);
}

#[test]
fn duplicates_group_identical_content() {
    let a = analyze(&Img::new(vec![
        Layer::new(vec![file("a/LICENSE", 1000, 7), file("b/LICENSE", 1000, 7), file("c/other", 1000, 8)]),
        Layer::new(vec![file("d/LICENSE", 1000, 7)]),
    ]));
    assert_eq!(a.duplicates.len(), 1);
    let g = &a.duplicates[0];
    assert_eq!((g.count, g.size, g.wasted), (3, 1000, 2000));
    assert_eq!(a.group_paths(g), vec!["/a/LICENSE", "/b/LICENSE", "/d/LICENSE"]);
    assert_eq!(a.totals.duplicate_bytes, 2000);
}

fn sample() -> Vec<E> {
    (0..50).map(|i| E::RawFile(format!("dir{}/file{i}", i % 5), vec![i as u8; 1000 + i])).collect()
}

#[test]
fn every_compression_gives_the_same_analysis() {
    let mut results = Vec::new();
    for comp in [Comp::None, Comp::Gzip, Comp::GzipMulti, Comp::Zstd] {
        let a = analyze(&Img::new(vec![
            Layer::new(sample()).comp(comp),
            Layer::new(vec![E::Whiteout("dir1")]).comp(comp),
        ]));
        assert_eq!(
            a.layers[0].compression.name(),
            match comp {
                Comp::None => "none",
                Comp::Gzip | Comp::GzipMulti => "gzip",
                Comp::Zstd => "zstd",
            }
        );
        results.push((a.totals.content_bytes, a.totals.waste_bytes, a.totals.files, a.layers[0].tar_size));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    let expected: u64 = (0..50u64).filter(|i| i % 5 != 1).map(|i| 1000 + i).sum();
    assert_eq!(results[0].0, expected);
}

#[test]
fn all_source_formats_agree() {
    let mut first = sample();
    // Twins (same size and bytes), a same-size non-twin, and a twin across layers.
    first.extend([file("twin/a", 3000, 7), file("twin/b", 3000, 7), file("twin/c", 3000, 8)]);
    let img = Img::new(vec![
        Layer::new(first),
        Layer::new(vec![file("dir2/file2", 5, 9), file("twin/d", 3000, 7)]).comp(Comp::Zstd),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let oci = d.join("layout");
    write_dir(&oci, &oci_files(&[("v1", &img)]));
    write_tar(&d.join("img.oci.tar"), &oci_files(&[("v1", &img)]));
    write_tar(&d.join("legacy.tar"), &docker_archive_files(&[(&["app:v1"], &img)], true));
    write_tar(&d.join("modern.tar"), &docker_archive_files(&[(&["app:v1"], &img)], false));
    let extracted = d.join("extracted");
    write_dir(&extracted, &docker_archive_files(&[(&["app:v1"], &img)], true));
    let refs = [
        format!("oci:{}", oci.display()),
        format!("oci:{}:v1", oci.display()),
        oci.display().to_string(),
        format!("oci-archive:{}", d.join("img.oci.tar").display()),
        d.join("img.oci.tar").display().to_string(),
        format!("docker-archive:{}", d.join("legacy.tar").display()),
        format!("docker-archive:{}:app:v1", d.join("legacy.tar").display()),
        d.join("modern.tar").display().to_string(),
        extracted.display().to_string(),
    ];
    let base = analyze_ref(&refs[0]);
    for r in &refs {
        let a = analyze_ref(r);
        assert_eq!(a.totals.content_bytes, base.totals.content_bytes, "{r}");
        assert_eq!(a.totals.files, base.totals.files, "{r}");
        assert_eq!(a.totals.waste_bytes, base.totals.waste_bytes, "{r}");
        let sizes: Vec<u64> = a.layers.iter().map(|l| l.size).collect();
        assert_eq!(sizes, base.layers.iter().map(|l| l.size).collect::<Vec<_>>(), "{r}");
        assert_eq!(a.layers[0].history.created_by, base.layers[0].history.created_by, "{r}");
        assert_eq!(a.totals.duplicate_bytes, 6000, "{r}");
        assert_eq!(a.duplicates.len(), 1, "{r}");
        assert_eq!(a.group_paths(&a.duplicates[0]), ["/twin/a", "/twin/b", "/twin/d"], "{r}");
        // Plain layers skip bodies and hash only same-size files afterwards.
        assert_eq!(a.index.layers[0].hashes_deferred, a.layers[0].compression.name() == "none", "{r}");
    }
    // docker save layers are plain tar: no compressed size to report.
    assert_eq!(analyze_ref(&refs[5]).totals.compressed_bytes, None);
    assert!(base.totals.compressed_bytes.is_some());
}

#[test]
fn platform_is_chosen_from_an_index() {
    let amd = Img::new(vec![Layer::new(vec![file("amd", 10, 1)])]);
    let arm = Img::new(vec![Layer::new(vec![file("arm", 20, 1)])]).platform("linux", "arm64");
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_multiplatform_files("multi", &[&amd, &arm]));
    let r = format!("oci:{}", dir.path().display());
    let open = |p: Option<&str>| {
        Image::open(
            &r,
            &OpenOptions { platform: p.map(|p| Platform::parse(p).unwrap()), ..Default::default() },
        )
    };
    let img = open(Some("linux/arm64")).unwrap();
    assert_eq!(img.id.platform.to_string(), "linux/arm64");
    assert_eq!(img.id.available_platforms.len(), 2, "the attestation manifest is not a platform");
    if Platform::host().architecture == "amd64" {
        assert_eq!(open(None).unwrap().id.platform.to_string(), "linux/amd64");
    }
    let err = open(Some("linux/s390x")).err().unwrap().to_string();
    assert!(err.contains("linux/amd64") && err.contains("linux/arm64") && !err.contains("unknown"), "{err}");
}

#[test]
fn history_pairs_with_layers_skipping_empty_entries() {
    let mut img = Img::new(vec![
        Layer::new(vec![file("a", 1, 1)]).by("/bin/sh -c #(nop) ADD file:x in /"),
        Layer::new(vec![file("b", 1, 1)]).by("RUN /bin/sh -c npm ci # buildkit"),
    ]);
    img.empty_history = vec![(0, "/bin/sh -c #(nop)  ENV A=b".into())];
    let a = analyze(&img);
    assert_eq!(a.layers[1].history.created_by.as_deref(), Some("RUN /bin/sh -c npm ci # buildkit"));
}

#[test]
fn archives_with_several_images_need_a_choice() {
    let one = Img::new(vec![Layer::new(vec![file("one", 1, 1)])]);
    let two = Img::new(vec![Layer::new(vec![file("two", 2, 1)])]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("both.tar");
    write_tar(&p, &docker_archive_files(&[(&["app:one"], &one), (&["app:two"], &two)], true));
    let err = Image::open(&p.display().to_string(), &OpenOptions::default()).err().unwrap().to_string();
    assert!(err.contains("app:one") && err.contains("app:two"), "{err}");
    let a = analyze_ref(&format!("docker-archive:{}:app:two", p.display()));
    assert_eq!(a.totals.content_bytes, 2);
    let a = analyze_ref(&format!("docker-archive:{}:@0", p.display()));
    assert_eq!(a.totals.content_bytes, 1);
}

#[test]
fn deep_and_odd_paths_are_handled() {
    let deep = (0..3000).map(|i| format!("d{i}")).collect::<Vec<_>>().join("/") + "/leaf";
    let img = Img::new(vec![
        Layer::new(vec![
            E::RawFile(deep.clone(), vec![1; 10]),
            E::RawFile("./weird//./name with spaces".into(), vec![2; 5]),
            E::RawFile("caf\u{e9}/\u{1f600}".into(), vec![3; 7]),
        ]),
        Layer::new(vec![E::Whiteout("d0")]),
    ]);
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", &img)]));
    let reference = format!("oci:{}", dir.path().display());
    // Past the default limits: refused, naming the limit...
    let e = weigh::analyze(&reference, &weigh::Options::default(), &NoProgress).err().unwrap().to_string();
    assert!(e.contains("layer 0") && e.contains("--limit path-bytes"), "{e}");
    // ...and read whole once they are raised.
    let mut limits = weigh::limits::Limits::default();
    limits.set("path-bytes=64KiB").unwrap();
    limits.set("path-depth=4000").unwrap();
    let a =
        weigh::analyze(&reference, &weigh::Options { limits, ..Default::default() }, &NoProgress).unwrap();
    assert_eq!(a.totals.content_bytes, 12);
    assert_eq!(a.totals.waste_bytes, 10);
    assert!(a.files().iter().any(|f| f.path == "/weird/name with spaces"));
}

#[test]
fn hardlink_chains_and_dangling_links() {
    let a = analyze(&Img::new(vec![Layer::new(vec![
        file("f", 64, 1),
        E::Hardlink("g", "f"),
        E::Hardlink("h", "g"),
        E::Hardlink("dangling", "nope"),
    ])]));
    assert_eq!(a.totals.content_bytes, 64);
    assert_eq!(a.totals.files, 4);
    let files = a.files();
    assert_eq!(files.iter().find(|f| f.path == "/h").unwrap().link.as_deref(), Some("/f"));
}

#[test]
fn root_opaque_marker_hides_every_lower_layer() {
    let a = analyze(&Img::new(vec![
        Layer::new(vec![file("a/b", 10, 1), file("c", 20, 1)]),
        Layer::new(vec![E::RawFile(".wh..wh..opq".into(), vec![]), file("new", 3, 1)]),
    ]));
    assert_eq!(a.totals.content_bytes, 3);
    assert_eq!(a.totals.waste_bytes, 30);
}

#[test]
fn metadata_contents_are_kept_for_the_visible_version() {
    let img = Img::new(vec![
        Layer::new(vec![
            E::File("var/lib/dpkg/status", b"Package: old\n".to_vec()),
            file("usr/bin/big", 1000, 1),
        ]),
        Layer::new(vec![
            E::File("var/lib/dpkg/status", b"Package: gcc-12\n".to_vec()),
            E::File("app/node_modules/.package-lock.json", b"{}".to_vec()),
            E::File("app/.env", b"TOKEN=x\n".to_vec()),
        ]),
    ]);
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", &img)]));
    let reference = format!("oci:{}", dir.path().display());
    let layers = weigh::layers(&reference, &weigh::Options::default()).unwrap();
    let ix = Index::build(&layers.image, IndexOptions::default(), &NoProgress).unwrap();
    assert_eq!(ix.content("var/lib/dpkg/status"), Some(&b"Package: gcc-12\n"[..]));
    assert_eq!(ix.content("app/node_modules/.package-lock.json"), Some(&b"{}"[..]));
    assert_eq!(ix.content("usr/bin/big"), None, "only metadata is kept");
    // The analysis hands the package files to the classifier, which drops them once read;
    // what the findings scan stays with the index.
    let a = analyze(&img);
    assert_eq!(a.index.content("var/lib/dpkg/status"), None);
    assert_eq!(a.index.content("app/node_modules/.package-lock.json"), None);
    assert_eq!(a.index.content("app/.env"), Some(&b"TOKEN=x\n"[..]));
}
