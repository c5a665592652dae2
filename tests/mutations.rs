//! Real layers, mutated at random: flipped, cut, spliced and zeroed bytes, in the plain tar
//! (so its headers are what breaks) and in the gzip stream (so the decoder is). Whatever the
//! bytes, the analysis returns, Ok or Err, without a panic and within the time a hostile
//! image is allowed.

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use support::*;

/// The smaller layers of the committed demo image, uncompressed.
fn fixture_layers() -> &'static [Vec<u8>] {
    static LAYERS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    LAYERS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/node-single.oci.tar");
        let mut archive = tar::Archive::new(std::fs::File::open(path).unwrap());
        let mut out = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut blob = Vec::new();
            entry.read_to_end(&mut blob).unwrap();
            // The demo's layers are zstd; the tests recompress them as each needs.
            if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                let tar = zstd::decode_all(&blob[..]).unwrap();
                // Layers of a few MB at most, so a case stays well inside its time.
                if tar.len() <= 8 << 20 {
                    out.push(tar);
                }
            }
        }
        out.sort_by_key(Vec::len);
        assert!(out.len() >= 3, "the demo image has its layers");
        out
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        mask: u8,
    },
    Truncate {
        at: usize,
    },
    Splice {
        at: usize,
        bytes: Vec<u8>,
    },
    Zero {
        at: usize,
        len: usize,
    },
    /// A copy of one stretch over another (a header where data was).
    Copy {
        from: usize,
        to: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..600))
            .prop_map(|(at, bytes)| Mutation::Splice { at, bytes }),
        (any::<usize>(), 1..2048usize).prop_map(|(at, len)| Mutation::Zero { at, len }),
        (any::<usize>(), any::<usize>(), 1..1024usize).prop_map(|(from, to, len)| Mutation::Copy {
            from,
            to,
            len
        }),
    ]
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    if data.is_empty() {
        return;
    }
    let n = data.len();
    match m {
        Mutation::Flip { at, mask } => data[at % n] ^= mask,
        Mutation::Truncate { at } => data.truncate(at % n),
        Mutation::Splice { at, bytes } => {
            let at = at % n;
            data.splice(at..at, bytes.iter().copied());
        }
        Mutation::Zero { at, len } => {
            let at = at % n;
            let end = (at + len).min(n);
            data[at..end].fill(0);
        }
        Mutation::Copy { from, to, len } => {
            let (from, to) = (from % n, to % n);
            let len = (*len).min(n - from).min(n - to);
            data.copy_within(from..from + len, to);
        }
    }
}

fn analyse(blob: Vec<u8>, diff_id: String, gzip: bool) -> Duration {
    let mut layer = Layer::new(vec![]);
    layer.comp = if gzip { Comp::Gzip } else { Comp::None };
    layer.media = Some(media_type(layer.comp));
    layer.blob = Some((blob, diff_id));
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", &Img::new(vec![layer]))]));
    let started = Instant::now();
    let opts = weigh::Options::default();
    let _ = weigh::analyze(&format!("oci:{}", dir.path().display()), &opts, &weigh::index::NoProgress);
    started.elapsed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_tar_headers_end_cleanly(layer in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..5)) {
        let mut tar = fixture_layers()[layer % fixture_layers().len()].clone();
        for m in &muts {
            apply(&mut tar, m);
        }
        // The digests match the mutated bytes: what is tested is the tar reader, not the check.
        let diff_id = sha256(&tar);
        let took = analyse(tar, diff_id, false);
        prop_assert!(took < Duration::from_secs(10), "took {took:?}");
    }

    #[test]
    fn mutated_gzip_streams_end_cleanly(layer in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..4)) {
        let tar = &fixture_layers()[layer % fixture_layers().len()];
        let mut blob = compress(tar, Comp::Gzip);
        for m in &muts {
            apply(&mut blob, m);
        }
        let took = analyse(blob, sha256(tar), true);
        prop_assert!(took < Duration::from_secs(10), "took {took:?}");
    }
}
