//! The RPM database readers against the real tools' files (tests/data/rpm, made by its
//! make-fixtures.sh with Debian's rpm, db5.3_load and a writer of rpm's NDB format), and
//! against hostile bytes.

mod fixtures {
    //! Each fixture's parsed inventory must equal rpm's own reading of it,
    //! captured by tests/data/make-fixtures.sh into expected.txt.

    use weigh::classify::owners::rpm::{Format, RpmPackage, detect, read_any, read_blobs, read_sqlite};

    const FIXTURES: &[(&str, &str)] = &[
        ("sqlite", "rpmdb.sqlite"),
        ("bdb-hash", "Packages"),
        ("bdb-hash-be", "Packages"),
        ("bdb-btree", "Packages"),
        ("ndb", "Packages.db"),
    ];

    fn data(rel: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/rpm/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn fixture(dir: &str, file: &str) -> Vec<u8> {
        data(&format!("{dir}/{file}"))
    }

    /// One package as rpm printed it (see QF in make-fixtures.sh).
    #[derive(Debug, Default, PartialEq)]
    struct Expected {
        name: String,
        epoch: Option<u32>,
        version: String,
        release: String,
        arch: String,
        /// RPMTAG_SIZE as rpm reports it.
        rpm_size: u64,
        /// RPMTAG_LONGSIZE as rpm reports it (falls back to SIZE).
        size: u64,
        source_rpm: Option<String>,
        vendor: Option<String>,
        requires: Vec<String>,
        provides: Vec<String>,
        /// path, size, mode, flags
        files: Vec<(String, u64, u16, u32)>,
    }

    fn opt(s: &str) -> Option<String> {
        (s != "(none)").then(|| s.to_owned())
    }

    fn parse_expected(text: &str) -> Vec<Expected> {
        let mut out: Vec<Expected> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f[0] == "@PKG" {
                assert_eq!(f.len(), 10, "{line}");
                out.push(Expected {
                    name: f[1].into(),
                    epoch: opt(f[2]).map(|e| e.parse().unwrap()),
                    version: f[3].into(),
                    release: f[4].into(),
                    arch: f[5].into(),
                    rpm_size: f[6].parse().unwrap(),
                    size: f[7].parse().unwrap(),
                    source_rpm: opt(f[8]),
                    vendor: opt(f[9]),
                    ..Expected::default()
                });
                continue;
            }
            let p = out.last_mut().expect("a @PKG line first");
            match f[0] {
                "@REQ" => p.requires.push(f[1].into()),
                "@PROV" => p.provides.push(f[1].into()),
                "@FILE" => p.files.push((
                    f[1].into(),
                    f[2].parse().unwrap(),
                    u16::from_str_radix(f[3], 8).unwrap(),
                    f[4].parse().unwrap(),
                )),
                _ => panic!("unexpected line {line:?}"),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn as_expected(p: &RpmPackage, rpm_size: u64) -> Expected {
        Expected {
            name: p.name.clone(),
            epoch: p.epoch,
            version: p.version.clone(),
            release: p.release.clone(),
            arch: p.arch.clone(),
            rpm_size,
            size: p.size,
            source_rpm: p.source_rpm.clone(),
            vendor: p.vendor.clone(),
            requires: p.requires.clone(),
            provides: p.provides.clone(),
            files: p.files.iter().map(|f| (f.path.clone(), f.size, f.mode, f.flags)).collect(),
        }
    }

    fn expected(dir: &str) -> Vec<Expected> {
        parse_expected(&String::from_utf8(data(&format!("{dir}/expected.txt"))).unwrap())
    }

    #[test]
    fn every_fixture_matches_rpms_reading() {
        for &(dir, file) in FIXTURES {
            let want = expected(dir);
            assert_eq!(want.len(), 3, "{dir}: expected.txt lists 3 packages");
            let mut got = read_any(file, &fixture(dir, file)).unwrap_or_else(|e| panic!("{dir}: {e}"));
            got.sort_by(|a, b| a.name.cmp(&b.name));
            // rpm's --qf output has no room for our reading of RPMTAG_SIZE, so
            // borrow rpm's: it is checked separately below.
            let got: Vec<Expected> = got.iter().zip(&want).map(|(g, w)| as_expected(g, w.rpm_size)).collect();
            assert_eq!(got, want, "{dir}");
        }
    }

    #[test]
    fn install_order_is_package_number_order() {
        // Storage order differs (hash buckets, permuted ndb slots); readers
        // must all return rpm's package-number order, as sqlite stores it.
        for &(dir, file) in FIXTURES {
            let names: Vec<String> =
                read_any(file, &fixture(dir, file)).unwrap().into_iter().map(|p| p.name).collect();
            let sqlite: Vec<String> = read_any("rpmdb.sqlite", &fixture("sqlite", "rpmdb.sqlite"))
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect();
            assert_eq!(names, sqlite, "{dir}");
        }
    }

    #[test]
    fn all_backends_yield_the_same_blobs() {
        let reference = read_sqlite(&fixture("sqlite", "rpmdb.sqlite")).unwrap();
        assert_eq!(reference.len(), 3);
        for &(dir, file) in FIXTURES {
            assert_eq!(read_blobs(file, &fixture(dir, file)).unwrap(), reference, "{dir}");
        }
    }

    #[test]
    fn file_sizes_add_up_to_rpmtag_size() {
        // rpmbuild sums regular files and symlinks (hard links once; the
        // fixtures have none); directories count 0 and ghosts are included.
        for &(dir, file) in FIXTURES {
            let want = expected(dir);
            for p in read_any(file, &fixture(dir, file)).unwrap() {
                let w = want.iter().find(|w| w.name == p.name).unwrap();
                let sum: u64 =
                    p.files.iter().filter(|f| f.is_regular() || f.is_symlink()).map(|f| f.size).sum();
                assert_eq!(sum, w.rpm_size, "{dir}: {}", p.name);
                assert_eq!(p.size, w.rpm_size, "{dir}: {}", p.name);
            }
        }
    }

    #[test]
    fn fixtures_cover_the_quirks_they_claim() {
        let sq = fixture("sqlite", "rpmdb.sqlite");
        assert_eq!((sq[18], sq[19]), (2, 2), "sqlite fixture is in WAL mode");
        let le = fixture("bdb-hash", "Packages");
        assert_eq!(&le[12..16], &0x0006_1561u32.to_le_bytes());
        let be = fixture("bdb-hash-be", "Packages");
        assert_eq!(&be[12..16], &0x0006_1561u32.to_be_bytes());
        let bt = fixture("bdb-btree", "Packages");
        assert_eq!(&bt[12..16], &0x0005_3162u32.to_le_bytes());

        let pkgs = read_any("x", &sq).unwrap();
        let alpha = pkgs.iter().find(|p| p.name == "alpha").unwrap();
        let flag = |path: &str| alpha.files.iter().find(|f| f.path == path).unwrap().flags;
        assert_ne!(flag("/usr/share/doc/alpha/README") & weigh::classify::owners::rpm::file_flags::DOC, 0);
        assert_ne!(flag("/etc/alpha.conf") & weigh::classify::owners::rpm::file_flags::CONFIG, 0);
        assert!(alpha.files.iter().any(|f| f.is_ghost()));
        assert!(alpha.files.iter().any(|f| f.is_symlink() && f.size == 5));
        assert!(alpha.files.iter().any(|f| f.path.contains(' ')));
        let beta = pkgs.iter().find(|p| p.name == "beta").unwrap();
        assert_eq!(beta.epoch, Some(3));
        let copying = beta.files.iter().find(|f| f.path == "/usr/share/beta/COPYING").unwrap();
        assert_ne!(copying.flags & weigh::classify::owners::rpm::file_flags::LICENSE, 0);
    }

    #[test]
    fn detect_prefers_magic_over_name() {
        let sq = fixture("sqlite", "rpmdb.sqlite");
        let nd = fixture("ndb", "Packages.db");
        let bd = fixture("bdb-hash-be", "Packages");
        assert_eq!(detect("Packages", &sq), Some(Format::Sqlite));
        assert_eq!(detect("rpmdb.sqlite", &nd), Some(Format::Ndb));
        assert_eq!(detect("whatever", &bd), Some(Format::Bdb));
        assert_eq!(detect("var/lib/rpm/Packages", b"junk"), Some(Format::Bdb));
        assert_eq!(detect("usr/lib/sysimage/rpm/rpmdb.sqlite", b""), Some(Format::Sqlite));
        assert_eq!(detect("Packages.db", b"junk"), Some(Format::Ndb));
        assert_eq!(detect("Index.db", b"junk"), None);
        assert!(matches!(
            read_any("Name", b"junk"),
            Err(weigh::classify::owners::rpm::Error::UnknownFormat(_))
        ));
        assert!(matches!(read_any("Packages", b"junk"), Err(weigh::classify::owners::rpm::Error::Bdb(_))));
    }

    #[test]
    fn btree_descends_through_internal_pages() {
        // The fixture's root is its only leaf. Append an internal page above
        // it and make that the root, as a btree with more records would have.
        let orig = fixture("bdb-btree", "Packages");
        let ps = 512;
        let leaf = u32::from_le_bytes(orig[88..92].try_into().unwrap());
        let new = (orig.len() / ps) as u32;
        let mut page = vec![0u8; ps];
        page[8..12].copy_from_slice(&new.to_le_bytes());
        page[20..22].copy_from_slice(&1u16.to_le_bytes()); // one item
        page[24] = 2; // level
        page[25] = 3; // P_IBTREE
        let off = ps - 16;
        page[22..24].copy_from_slice(&(off as u16).to_le_bytes());
        page[26..28].copy_from_slice(&(off as u16).to_le_bytes());
        // BINTERNAL: len 0, B_KEYDATA, pad, child page, record count.
        page[off + 2] = 1;
        page[off + 4..off + 8].copy_from_slice(&leaf.to_le_bytes());
        page[off + 8..off + 12].copy_from_slice(&4u32.to_le_bytes());
        let mut b = orig.clone();
        b.extend_from_slice(&page);
        b[32..36].copy_from_slice(&new.to_le_bytes()); // last_pgno
        b[88..92].copy_from_slice(&new.to_le_bytes()); // root
        assert_eq!(
            weigh::classify::owners::rpm::read_bdb(&b).unwrap(),
            weigh::classify::owners::rpm::read_bdb(&orig).unwrap()
        );
        // And an internal page that points at itself must not loop.
        let item = b.len() - 16;
        b[item + 4..item + 8].copy_from_slice(&new.to_le_bytes());
        assert!(weigh::classify::owners::rpm::read_bdb(&b).is_err());
    }
}

mod header {
    //! parse_header on hand-built blobs, for the cases rpmbuild on this machine
    //! does not produce (old file lists, 64-bit sizes, dribbles, bad input).

    use weigh::classify::owners::rpm::parse_header;

    const INT16: u32 = 3;
    const INT32: u32 = 4;
    const INT64: u32 = 5;
    const STRING: u32 = 6;
    const STRING_ARRAY: u32 = 8;
    const I18NSTRING: u32 = 9;

    /// Builds a header blob from (tag, type, count, data) entries, aligning
    /// integer data the way rpm does.
    fn blob(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, count, bytes) in entries {
            let align = match *ty {
                INT16 => 2,
                INT32 => 4,
                INT64 => 8,
                _ => 1,
            };
            while data.len() % align != 0 {
                data.push(0);
            }
            for w in [*tag, *ty, data.len() as u32, *count] {
                index.extend_from_slice(&w.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(tag: u32, v: &str) -> (u32, u32, u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (tag, STRING, 1, b)
    }

    fn sa(tag: u32, v: &[&str]) -> (u32, u32, u32, Vec<u8>) {
        let mut b = Vec::new();
        for x in v {
            b.extend_from_slice(x.as_bytes());
            b.push(0);
        }
        (tag, STRING_ARRAY, v.len() as u32, b)
    }

    fn i32s(tag: u32, v: &[u32]) -> (u32, u32, u32, Vec<u8>) {
        (tag, INT32, v.len() as u32, v.iter().flat_map(|x| x.to_be_bytes()).collect())
    }

    fn i64s(tag: u32, v: &[u64]) -> (u32, u32, u32, Vec<u8>) {
        (tag, INT64, v.len() as u32, v.iter().flat_map(|x| x.to_be_bytes()).collect())
    }

    fn i16s(tag: u32, v: &[u16]) -> (u32, u32, u32, Vec<u8>) {
        (tag, INT16, v.len() as u32, v.iter().flat_map(|x| x.to_be_bytes()).collect())
    }

    fn nvr() -> Vec<(u32, u32, u32, Vec<u8>)> {
        vec![s(1000, "pkg"), s(1001, "1.2"), s(1002, "3.el9")]
    }

    #[test]
    fn minimal_header() {
        let p = parse_header(&blob(&nvr())).unwrap();
        assert_eq!((p.name.as_str(), p.version.as_str(), p.release.as_str()), ("pkg", "1.2", "3.el9"));
        assert_eq!((p.epoch, p.arch.as_str(), p.size), (None, "", 0));
        assert!(p.files.is_empty() && p.requires.is_empty() && p.source_rpm.is_none());
    }

    #[test]
    fn magic_prefixed_form_parses_the_same() {
        let b = blob(&nvr());
        let mut m = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
        m.extend_from_slice(&b);
        assert_eq!(parse_header(&m).unwrap(), parse_header(&b).unwrap());
    }

    #[test]
    fn compressed_file_list_with_long_sizes() {
        let mut e = nvr();
        e.push(i32s(1003, &[2]));
        e.push(sa(1118, &["/usr/bin/", "/opt/x/"]));
        e.push(sa(1117, &["a", "b", "c"]));
        e.push(i32s(1116, &[0, 1, 0]));
        e.push(i32s(1028, &[1, 2, 3]));
        e.push(i64s(5008, &[5_000_000_000, 2, 3]));
        e.push(i16s(1030, &[0o100755, 0o120777, 0o100644]));
        e.push(i32s(1037, &[0, 64, 2]));
        e.push(i32s(1009, &[7]));
        e.push(i64s(5009, &[5_000_000_005]));
        let p = parse_header(&blob(&e)).unwrap();
        assert_eq!(p.epoch, Some(2));
        assert_eq!(p.size, 5_000_000_005, "LONGSIZE wins over SIZE");
        let got: Vec<_> = p.files.iter().map(|f| (f.path.as_str(), f.size, f.mode, f.flags)).collect();
        assert_eq!(
            got,
            [
                ("/usr/bin/a", 5_000_000_000, 0o100755, 0),
                ("/opt/x/b", 2, 0o120777, 64),
                ("/usr/bin/c", 3, 0o100644, 2),
            ]
        );
        assert!(p.files[1].is_symlink() && p.files[1].is_ghost() && p.files[0].is_regular());
    }

    #[test]
    fn old_filenames_fallback() {
        let mut e = nvr();
        e.push(sa(1027, &["/etc/x", "/etc/y"]));
        e.push(i32s(1028, &[10, 20]));
        let p = parse_header(&blob(&e)).unwrap();
        let got: Vec<_> = p.files.iter().map(|f| (f.path.as_str(), f.size, f.mode)).collect();
        assert_eq!(got, [("/etc/x", 10, 0), ("/etc/y", 20, 0)]);
    }

    #[test]
    fn later_entries_replace_earlier_ones() {
        let mut e = nvr();
        e.push(s(1000, "renamed"));
        assert_eq!(parse_header(&blob(&e)).unwrap().name, "renamed");
    }

    #[test]
    fn i18n_and_array_strings_are_accepted_and_bad_utf8_is_replaced() {
        let mut e = nvr();
        e.push((1011, I18NSTRING, 1, b"Vend\xffor\0".to_vec()));
        e.push(sa(1022, &["aarch64", "ignored"]));
        let p = parse_header(&blob(&e)).unwrap();
        assert_eq!(p.vendor.as_deref(), Some("Vend\u{fffd}or"));
        assert_eq!(p.arch, "aarch64");
    }

    fn err(e: &[(u32, u32, u32, Vec<u8>)]) -> String {
        parse_header(&blob(e)).unwrap_err().to_string()
    }

    #[test]
    fn inconsistent_file_lists_are_errors() {
        let mut e = nvr();
        e.push(sa(1118, &["/"]));
        e.push(sa(1117, &["a"]));
        e.push(i32s(1116, &[1]));
        assert!(err(&e).contains("dir index"), "{}", err(&e));

        let mut e = nvr();
        e.push(sa(1118, &["/"]));
        e.push(sa(1117, &["a", "b"]));
        e.push(i32s(1116, &[0]));
        assert!(err(&e).contains("DIRINDEXES"));

        let mut e = nvr();
        e.push(sa(1027, &["/a", "/b"]));
        e.push(i32s(1028, &[1]));
        assert!(err(&e).contains("1 values for 2 files"));
    }

    #[test]
    fn bad_entries_are_errors() {
        assert!(err(&[s(1001, "v"), s(1002, "r")]).contains("no name"));
        assert!(err(&[(1000, STRING, 1, b"unterminated".to_vec())]).contains("unterminated"));
        assert!(err(&[(1000, STRING_ARRAY, 1_000_000, b"x\0".to_vec())]).contains("claims"));
        assert!(err(&[(1000, INT32, 1, vec![0; 4])]).contains("not a string"));
        let mut e = nvr();
        e.push((1028, INT32, u32::MAX, vec![0; 4]));
        e.push(sa(1027, &["/a"]));
        assert!(err(&e).contains("claims"));
        let mut e = nvr();
        e.push((1028, STRING, 1, b"x\0".to_vec()));
        e.push(sa(1027, &["/a"]));
        assert!(err(&e).contains("not an integer"));
    }

    #[test]
    fn bad_preambles_are_errors() {
        let b = blob(&nvr());
        for cut in 0..b.len() {
            assert!(parse_header(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = b.clone();
        huge[..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        assert!(parse_header(&huge).unwrap_err().to_string().contains("limit"));
        let mut huge = b.clone();
        huge[4..8].copy_from_slice(&0x1000_0000u32.to_be_bytes());
        assert!(parse_header(&huge).unwrap_err().to_string().contains("limit"));
        let mut off = b.clone();
        off[8 + 8..8 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&off).unwrap_err().to_string().contains("past the data"));
    }

    #[test]
    fn path_expansion_is_capped() {
        // One 200 KB dirname shared by 60 000 one-byte basenames would expand
        // to 12 GB of paths.
        let long = "/".repeat(200_000);
        let names: Vec<String> = (0..60_000).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut e = nvr();
        e.push(sa(1118, &[&long]));
        e.push(sa(1117, &names));
        e.push(i32s(1116, &vec![0; names.len()]));
        assert!(err(&e).contains("expand"), "{}", err(&e));
    }
}

mod robustness {
    //! Hostile input: mutated and truncated fixtures must give values (Ok or
    //! Err), never a panic or a hang; crafted cycles and overlaps must be Errs.

    use weigh::classify::owners::rpm::{parse_header, read_any, read_bdb, read_ndb, read_sqlite};

    const FIXTURES: &[(&str, &str)] = &[
        ("sqlite", "rpmdb.sqlite"),
        ("bdb-hash", "Packages"),
        ("bdb-hash-be", "Packages"),
        ("bdb-btree", "Packages"),
        ("ndb", "Packages.db"),
    ];

    fn fixture(dir: &str, file: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/rpm/{dir}/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// xorshift64*, so every run mutates the same bytes.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Overwrites 1–8 bytes at a random spot; half the time with values that
    /// make interesting integers (0, all ones, small, huge).
    fn mutate(rng: &mut Rng, b: &mut [u8]) {
        let at = rng.below(b.len());
        let n = 1 + rng.below(8);
        let fill = match rng.below(4) {
            0 => 0x00,
            1 => 0xff,
            _ => rng.next() as u8,
        };
        let random = rng.below(2) == 0;
        for i in at..(at + n).min(b.len()) {
            b[i] = if random { rng.next() as u8 } else { fill };
        }
    }

    #[test]
    fn mutated_databases_never_panic() {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for &(dir, file) in FIXTURES {
            let orig = fixture(dir, file);
            // sqlite runs slower per try, and sqlite itself is fuzzed upstream.
            let tries = if dir == "sqlite" { 150 } else { 1500 };
            for _ in 0..tries {
                let mut b = orig.clone();
                for _ in 0..1 + rng.below(3) {
                    mutate(&mut rng, &mut b);
                }
                let _ = read_any(file, &b);
            }
        }
    }

    #[test]
    fn truncated_databases_never_panic() {
        for &(dir, file) in FIXTURES {
            let orig = fixture(dir, file);
            let step = if dir == "sqlite" { 997 } else { 61 };
            let cuts = (0..orig.len()).step_by(step).chain(0..600);
            for cut in cuts {
                let r = read_any(file, &orig[..cut]);
                // Only sqlite may shorten cleanly: its last pages can be free.
                if dir != "sqlite" && cut < orig.len() / 2 {
                    assert!(r.is_err(), "{dir} cut at {cut} still parsed");
                }
            }
        }
    }

    #[test]
    fn mutated_and_truncated_headers_never_panic() {
        let mut rng = Rng(42);
        for orig in read_sqlite(&fixture("sqlite", "rpmdb.sqlite")).unwrap() {
            for cut in 0..orig.len() {
                assert!(parse_header(&orig[..cut]).is_err());
            }
            for _ in 0..3000 {
                let mut b = orig.clone();
                mutate(&mut rng, &mut b);
                let _ = parse_header(&b);
            }
        }
    }

    // BerkeleyDB page header fields, in the file's byte order.
    fn set32(b: &mut [u8], at: usize, v: u32, be: bool) {
        let w = if be { v.to_be_bytes() } else { v.to_le_bytes() };
        b[at..at + 4].copy_from_slice(&w);
    }

    fn pages_of_type(b: &[u8], ps: usize, ty: u8) -> Vec<usize> {
        (1..b.len() / ps).filter(|&n| b[n * ps + 25] == ty).collect()
    }

    #[test]
    fn bdb_page_cycles_are_errors() {
        for (dir, ps, be) in
            [("bdb-hash", 4096, false), ("bdb-hash-be", 16384, true), ("bdb-btree", 512, false)]
        {
            let orig = fixture(dir, "Packages");
            // An overflow page (one that is not its chain's last) pointing
            // back at itself, and the last page of a chain pointing at its
            // first.
            let get32 = |b: &[u8], at: usize| {
                let w: [u8; 4] = b[at..at + 4].try_into().unwrap();
                if be { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) }
            };
            let ov = pages_of_type(&orig, ps, 7);
            let mid: Vec<usize> = ov.iter().copied().filter(|&n| get32(&orig, n * ps + 16) != 0).collect();
            if let Some(&first) = mid.first() {
                let mut b = orig.clone();
                set32(&mut b, first * ps + 16, first as u32, be);
                assert!(read_bdb(&b).is_err(), "{dir}: overflow self-loop");
                // A chain's last page claims a successor: its data is already
                // complete, so this reads fine or fails, but must end.
                let last = *ov.iter().find(|&&n| get32(&orig, n * ps + 16) == 0).unwrap();
                let mut b = orig.clone();
                set32(&mut b, last * ps + 16, first as u32, be);
                let _ = read_bdb(&b);
            } else {
                assert_eq!(dir, "bdb-hash-be", "only this fixture has single-page chains");
            }
            // A data page whose chain loops.
            let data_ty = if dir == "bdb-btree" { 5 } else { 13 };
            let dp = pages_of_type(&orig, ps, data_ty)[0];
            let mut b = orig.clone();
            set32(&mut b, dp * ps + 16, dp as u32, be);
            assert!(read_bdb(&b).is_err(), "{dir}: bucket/leaf self-loop");
        }
    }

    #[test]
    fn bdb_absurd_metadata_is_an_error() {
        let orig = fixture("bdb-hash", "Packages");
        for (at, v) in [(20, 1000), (20, 1 << 20), (72, u32::MAX), (16, 99)] {
            let mut b = orig.clone();
            set32(&mut b, at, v, false);
            assert!(read_bdb(&b).is_err(), "meta field {at} = {v}");
        }
        // Every spares entry pointing past the file.
        let mut b = orig.clone();
        for i in 0..32 {
            set32(&mut b, 96 + 4 * i, u32::MAX - 1, false);
        }
        assert!(read_bdb(&b).is_err());
    }

    #[test]
    fn ndb_overlaps_and_absurd_counts_are_errors() {
        let orig = fixture("ndb", "Packages.db");
        let slot = |b: &[u8], n: usize, f: usize| {
            let at = 32 + 16 * n + 4 * f;
            u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
        };
        let put = |b: &mut Vec<u8>, n: usize, f: usize, v: u32| {
            let at = 32 + 16 * n + 4 * f;
            b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        };
        // make-ndb.py writes slots [pkg, free, pkg, pkg].
        let mut b = orig.clone();
        let off0 = slot(&b, 0, 2);
        put(&mut b, 2, 2, off0);
        assert!(read_ndb(&b).is_err(), "two slots sharing a blob");
        let mut b = orig.clone();
        put(&mut b, 2, 1, slot(&orig, 0, 1));
        assert!(read_ndb(&b).is_err(), "duplicate package index");
        let mut b = orig.clone();
        b[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_ndb(&b).is_err(), "slot pages beyond the file");
        let mut b = orig.clone();
        put(&mut b, 0, 3, u32::MAX);
        assert!(read_ndb(&b).is_err(), "blob beyond the file");
        // A flipped bit inside a blob fails its checksum.
        let mut b = orig.clone();
        let start = slot(&orig, 0, 2) as usize * 16 + 40;
        b[start] ^= 1;
        assert!(read_ndb(&b).unwrap_err().to_string().contains("checksum"));
    }

    fn sqlite_image(sql: &str) -> Vec<u8> {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(sql).unwrap();
        c.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
    }

    #[test]
    fn hostile_sqlite_schemas_are_refused_or_bounded() {
        assert!(read_sqlite(b"SQLite format 3\0").is_err());
        let none = sqlite_image("CREATE TABLE Other(x);");
        assert!(read_sqlite(&none).unwrap_err().to_string().contains("no Packages"));
        // A view that never ends.
        let endless = sqlite_image(
            "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS \
             (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, x'00' AS blob FROM c;",
        );
        assert!(read_sqlite(&endless).is_err());
        // A computed column that makes every row enormous.
        let huge = sqlite_image(
            "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, \
             blob BLOB GENERATED ALWAYS AS (zeroblob(50000000)) VIRTUAL); \
             INSERT INTO Packages(hnum) VALUES (1), (2);",
        );
        assert!(read_sqlite(&huge).is_err());
        // Text where a blob belongs.
        let text = sqlite_image(
            "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob); INSERT INTO Packages VALUES (1, 'x');",
        );
        assert!(read_sqlite(&text).unwrap_err().to_string().contains("not a blob"));
        // An empty but well-formed database has no packages.
        let empty = sqlite_image(
            "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        );
        assert_eq!(read_sqlite(&empty).unwrap(), Vec::<Vec<u8>>::new());
    }
}
