//! Native code that cannot load: an ELF file built for the other C library (glibc's
//! `ld-linux`/`libc.so.6` against musl's `ld-musl`/`libc.musl-*`), for another architecture
//! than the image config's, needing a library the image does not have, or glibc symbol
//! versions newer than the image's glibc. Checked for what the image runs and what that loads,
//! the binaries on `PATH`, and every native addon.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, Finding, FindingId, Libc, Severity, What};
use crate::classify::Ecosystem;
use crate::classify::paths::follow;
use crate::index::elf::ElfInfo;
use crate::index::{Index, NodeId};

/// `e_machine` of the architectures images are made for.
fn machine(arch: &str) -> Option<u16> {
    Some(match arch {
        "amd64" | "x86_64" => 62,
        "arm64" | "aarch64" => 183,
        "arm" => 40,
        "386" | "i386" => 3,
        "ppc64le" | "ppc64" => 21,
        "s390x" => 22,
        "riscv64" => 243,
        "mips64le" | "mipsle" => 8,
        _ => return None,
    })
}

/// The C library a binary asks for, if it asks for one.
fn libc_of(e: &ElfInfo) -> Option<Libc> {
    let interp = e.interpreter.as_deref().unwrap_or("");
    if interp.contains("ld-musl") || e.needed.iter().any(|n| n.starts_with("libc.musl")) {
        Some(Libc::Musl)
    } else if interp.contains("ld-linux") || e.needed.iter().any(|n| n == "libc.so.6") {
        Some(Libc::Glibc)
    } else {
        None
    }
}

/// The C libraries the image has: musl's loader, glibc's.
fn image_libcs(ix: &Index) -> Vec<Libc> {
    let mut out = Vec::new();
    let has = |p: &str| follow(ix, p).is_some_and(|n| ix.is_file(n));
    if ["lib/ld-musl-x86_64.so.1", "lib/ld-musl-aarch64.so.1", "lib/ld-musl-armhf.so.1"]
        .iter()
        .any(|p| has(p))
    {
        out.push(Libc::Musl);
    }
    if [
        "lib64/ld-linux-x86-64.so.2",
        "lib/ld-linux-aarch64.so.1",
        "lib/ld-linux-armhf.so.3",
        "lib/ld-linux.so.2",
    ]
    .iter()
    .any(|p| has(p))
    {
        out.push(Libc::Glibc);
    }
    out
}

/// The image's glibc, from the package that installs it (`2.36-9+deb12u4` → 2.36).
fn glibc_version(cx: &Cx) -> Option<(u32, u32)> {
    let p = cx.classes.packages.iter().find(|p| {
        matches!((p.ecosystem, p.name.as_str()), (Ecosystem::Deb, "libc6") | (Ecosystem::Rpm, "glibc"))
    })?;
    let v = p.version.rsplit(':').next()?;
    let mut it = v.split(['.', '-', '+', '~']);
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// The package directory an addon is in (`/app/node_modules/@img/sharp-linux-x64`), for
/// grouping.
fn package_dir(path: &str) -> Option<String> {
    let i = path.rfind("/node_modules/")?;
    let rest = &path[i + 14..];
    let mut parts = rest.splitn(3, '/');
    let first = parts.next()?;
    let name = if first.starts_with('@') { format!("{first}/{}", parts.next()?) } else { first.to_string() };
    Some(format!("{}/node_modules/{name}", &path[..i]))
}

pub fn find(cx: &Cx, out: &mut Vec<Finding>) {
    let ix = cx.ix;
    let loaded = &cx.classes.loaded;
    // What is checked: the closure of what runs, the binaries on PATH, every addon.
    let mut checked: BTreeSet<NodeId> = loaded.by.keys().copied().collect();
    let path_env = cx
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for dir in path_env.split(':').filter(|d| !d.is_empty()) {
        if let Some(d) = follow(ix, dir).filter(|&d| ix.is_dir(d)) {
            checked.extend(
                ix.paths
                    .children(d)
                    .filter_map(|c| follow(ix, &ix.paths.path(c)))
                    .filter(|&n| ix.elf(n).is_some()),
            );
        }
    }
    let libcs = image_libcs(ix);
    let glibc = glibc_version(cx);
    let arch = machine(cx.architecture);
    // libc mismatches, grouped by package directory (or the file's directory).
    let mut libc_groups: BTreeMap<(String, u8), (Libc, Vec<NodeId>)> = BTreeMap::new();
    let mut arch_files: BTreeMap<u16, Vec<NodeId>> = BTreeMap::new();
    let mut too_old: BTreeMap<(u32, u32), Vec<NodeId>> = BTreeMap::new();
    let mut unloadable: BTreeSet<NodeId> = BTreeSet::new();
    for &n in &checked {
        let Some(e) = ix.elf(n) else { continue };
        if let Some(m) = arch
            && e.machine != m
            && e.machine != 0
        {
            arch_files.entry(e.machine).or_default().push(n);
            unloadable.insert(n);
            continue;
        }
        if let Some(l) = libc_of(e)
            && !libcs.is_empty()
            && !libcs.contains(&l)
        {
            let path = ix.paths.path(n);
            let group =
                package_dir(&path).unwrap_or_else(|| crate::classify::paths::parent_of(&path).to_string());
            libc_groups.entry((group, l as u8)).or_insert((l, Vec::new())).1.push(n);
            unloadable.insert(n);
            continue;
        }
        if let (Some(has), Some(needs)) = (glibc, e.glibc())
            && needs > has
        {
            too_old.entry(needs).or_default().push(n);
            unloadable.insert(n);
        }
    }
    for ((group, _), (needs, nodes)) in libc_groups {
        let image = libcs.first().copied();
        let package = group
            .contains("/node_modules/")
            .then(|| group.rsplit("node_modules/").next().unwrap_or("").to_string());
        out.push(
            Finding::new(
                FindingId::LibcMismatch,
                Severity::Error,
                What::LibcMismatch { needs, image, package },
            )
            .with_paths(ix, &nodes),
        );
    }
    for (m, nodes) in arch_files {
        out.push(
            Finding::new(
                FindingId::ArchMismatch,
                Severity::Error,
                What::ArchMismatch { machine: m, image: cx.architecture.to_string() },
            )
            .with_paths(ix, &nodes),
        );
    }
    for (needs, nodes) in too_old {
        let has = glibc.unwrap_or_default();
        out.push(
            Finding::new(FindingId::GlibcTooOld, Severity::Error, What::GlibcTooOld { needs, has })
                .with_paths(ix, &nodes),
        );
    }
    // Libraries not found, for what does load otherwise.
    let mut missing: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    for (file, lib) in &loaded.missing {
        if !unloadable.contains(file) && !lib.starts_with("libc.") && !lib.starts_with("ld-") {
            missing.entry(lib.clone()).or_default().push(*file);
        }
    }
    for (library, nodes) in missing {
        let needed_by = ix.paths.path(nodes[0]);
        out.push(
            Finding::new(
                FindingId::MissingLibrary,
                Severity::Error,
                What::MissingLibrary { library, needed_by },
            )
            .with_paths(ix, &nodes),
        );
    }
}
