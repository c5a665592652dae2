//! Dead weight: one optional native package installed for several platforms (sharp's glibc
//! and musl builds, esbuild for two architectures), when a container can only ever load one.

use std::collections::BTreeMap;

use super::{Cx, Finding, FindingId, Severity, What};
use crate::classify::Ecosystem;

const OSES: &[&str] = &["linuxmusl", "linux", "darwin", "win32", "freebsd", "android", "openbsd", "sunos"];
const ARCHES: &[&str] =
    &["x64", "arm64", "arm", "ia32", "ppc64", "s390x", "riscv64", "loong64", "mips64el", "armv7"];
const ABIS: &[&str] = &["gnu", "musl", "glibc", "gnueabihf", "musleabihf", "msvc"];

/// `@img/sharp-linuxmusl-x64` → (`@img/sharp-*`, `linuxmusl-x64`); None for a package that
/// is not a platform variant.
fn split(name: &str) -> Option<(String, String)> {
    // The tokens between `-` and `/`, with where each starts.
    let mut tokens: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices() {
        if c == '-' || c == '/' {
            tokens.push((start, &name[start..i]));
            start = i + 1;
        }
    }
    tokens.push((start, &name[start..]));
    for w in 0..tokens.len().saturating_sub(1) {
        let ((at, os), (_, arch)) = (tokens[w], tokens[w + 1]);
        if OSES.contains(&os) && ARCHES.contains(&arch) {
            let last = match tokens.get(w + 2) {
                Some((_, abi)) if ABIS.contains(abi) => w + 2,
                _ => w + 1,
            };
            let end = tokens[last].0 + tokens[last].1.len();
            return Some((format!("{}*{}", &name[..at], &name[end..]), name[at..end].to_string()));
        }
    }
    None
}

pub fn find(cx: &Cx, out: &mut Vec<Finding>) {
    let mut families: BTreeMap<(String, String), Vec<(String, u64)>> = BTreeMap::new();
    for p in cx.classes.packages.iter().filter(|p| p.ecosystem == Ecosystem::Npm && p.files > 0) {
        let Some((family, variant)) = split(&p.name) else { continue };
        // Variants of one install: the same node_modules.
        let root = p
            .path
            .as_deref()
            .and_then(|x| x.rfind("/node_modules/").map(|i| x[..i].to_string()))
            .unwrap_or_default();
        families.entry((root, family)).or_default().push((variant, p.size));
    }
    for ((root, family), mut variants) in families {
        variants.sort();
        variants.dedup_by(|a, b| a.0 == b.0);
        if variants.len() < 2 {
            continue;
        }
        let largest = variants.iter().map(|v| v.1).max().unwrap_or(0);
        let mut f = Finding::new(
            FindingId::DuplicateNativeVariants,
            Severity::Warning,
            What::DuplicateNativeVariants {
                family: family.clone(),
                variants: variants.iter().map(|v| v.0.clone()).collect(),
            },
        );
        f.paths = vec![format!("{root}/node_modules/{family}")];
        f.bytes = variants.iter().fold(0u64, |s, v| s.saturating_add(v.1)).saturating_sub(largest);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_variants() {
        assert_eq!(split("@img/sharp-linuxmusl-x64"), Some(("@img/sharp-*".into(), "linuxmusl-x64".into())));
        assert_eq!(split("@img/sharp-linux-x64"), Some(("@img/sharp-*".into(), "linux-x64".into())));
        assert_eq!(
            split("@img/sharp-libvips-linux-x64"),
            Some(("@img/sharp-libvips-*".into(), "linux-x64".into()))
        );
        assert_eq!(
            split("@rollup/rollup-linux-x64-gnu"),
            Some(("@rollup/rollup-*".into(), "linux-x64-gnu".into()))
        );
        assert_eq!(split("@esbuild/linux-arm64"), Some(("@esbuild/*".into(), "linux-arm64".into())));
        assert_eq!(
            split("lightningcss-linux-x64-musl"),
            Some(("lightningcss-*".into(), "linux-x64-musl".into()))
        );
        assert_eq!(split("express"), None);
        assert_eq!(split("linux-x"), None);
    }
}
