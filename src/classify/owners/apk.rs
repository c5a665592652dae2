//! Alpine (and Wolfi/Chainguard) packages: apk's installed database, `lib/apk/db/installed`
//! (Wolfi keeps it at `usr/lib/apk/db/installed`, with a link at the old path), and
//! `etc/apk/world`, what was asked for explicitly.
//!
//! The database is blank-line separated records of `X:value` lines: `P` name, `V` version,
//! `A` arch, `S` package size, `I` installed size, `o` origin, `D` dependencies, `p` provides,
//! `r` replaces, `i` install-if, and the file list as `F` (a directory) followed by `R` (a file
//! in it) lines, with `a`/`M`/`Z` attributes and checksums between them.

use super::Cx;
use super::system::{self, Family, SysPackage};
use crate::classify::{Ecosystem, Language, Package};

pub const INSTALLED: [&str; 2] = ["lib/apk/db/installed", "usr/lib/apk/db/installed"];
pub const WORLD: &str = "etc/apk/world";

pub fn wants(path: &str) -> bool {
    INSTALLED.contains(&path) || path == WORLD
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApkPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
    pub origin: String,
    /// `I:`, bytes.
    pub installed_size: Option<u64>,
    /// `D:` names: packages, `so:` and `cmd:` provides; conflicts (`!name`) left out.
    pub depends: Vec<String>,
    /// `p:` names, version constraints left out.
    pub provides: Vec<String>,
    /// Files, relative to the root.
    pub files: Vec<String>,
}

/// `so:libc.musl-x86_64.so.1=1`, `cmd:node>=1` → `so:libc.musl-x86_64.so.1`, `cmd:node`.
fn relation_name(word: &str) -> Option<&str> {
    if word.starts_with('!') {
        return None;
    }
    let end = word.find(['=', '<', '>', '~']).unwrap_or(word.len());
    let name = &word[..end];
    (!name.is_empty()).then_some(name)
}

pub fn parse_installed(text: &str) -> Vec<ApkPackage> {
    let mut out = Vec::new();
    let mut cur = ApkPackage::default();
    let mut dir = String::new();
    let mut flush = |cur: &mut ApkPackage| {
        let p = std::mem::take(cur);
        if !p.name.is_empty() {
            out.push(p);
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut cur);
            dir.clear();
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        match key {
            "P" => cur.name = value.to_string(),
            "V" => cur.version = value.to_string(),
            "A" => cur.arch = value.to_string(),
            "o" => cur.origin = value.to_string(),
            "I" => cur.installed_size = value.trim().parse().ok(),
            "D" => cur.depends.extend(value.split_whitespace().filter_map(relation_name).map(String::from)),
            "p" => cur.provides.extend(value.split_whitespace().filter_map(relation_name).map(String::from)),
            "F" => dir = value.trim_matches('/').to_string(),
            "R" if !value.is_empty() => {
                cur.files.push(if dir.is_empty() { value.to_string() } else { format!("{dir}/{value}") })
            }
            _ => {}
        }
    }
    flush(&mut cur);
    out
}

/// The names `etc/apk/world` asks for (constraints and repository tags left out).
pub fn parse_world(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|w| relation_name(w.split('@').next().unwrap_or(w)))
        .map(String::from)
        .collect()
}

/// Compilers, build tools and headers, by Alpine's package names.
fn is_toolchain(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "gcc",
        "g++",
        "c++",
        "cpp",
        "clang",
        "llvm",
        "make",
        "cmake",
        "ninja",
        "ninja-build",
        "samurai",
        "binutils",
        "binutils-gold",
        "libtool",
        "autoconf",
        "automake",
        "m4",
        "bison",
        "flex",
        "patch",
        "pkgconf",
        "pkgconfig",
        "build-base",
        "fortify-headers",
        "abuild",
        "git",
        "go",
        "rust",
        "cargo",
        "gdb",
        "musl-dev",
        "linux-headers",
        "libc-dev",
        "mpc1",
        "isl",
        "isl26",
        "gmp-dev",
        "mpfr-dev",
        "gcc-gnat",
        "alpine-sdk",
    ];
    EXACT.contains(&name)
        || name.ends_with("-dev")
        || name.ends_with("-headers")
        || name.starts_with("gcc-")
        || name.starts_with("clang")
        || name.starts_with("llvm")
}

fn interpreter(name: &str) -> Option<Language> {
    let py = name
        .strip_prefix("python3")
        .is_some_and(|r| r.is_empty() || r.starts_with("-pyc") || r == "-tkinter" || r.starts_with('.'))
        || name.starts_with("py3-pip")
        || name.starts_with("py3-setuptools")
        || name.starts_with("py3-wheel");
    if py {
        return Some(Language::Python);
    }
    match name {
        "nodejs" | "nodejs-current" | "nodejs-lts" | "npm" | "yarn" | "corepack" => Some(Language::Node),
        n if n.starts_with("openjdk") && n.contains("jre") => Some(Language::Java),
        n if n.starts_with("ruby") => Some(Language::Ruby),
        _ => None,
    }
}

pub struct Alpine;

impl Family for Alpine {
    fn label(&self) -> &'static str {
        "Alpine package"
    }
    fn is_toolchain(&self, p: &SysPackage) -> bool {
        is_toolchain(&p.name)
    }
    fn interpreter(&self, p: &SysPackage) -> Option<Language> {
        interpreter(&p.name)
    }
    fn build_group(&self, p: &SysPackage) -> bool {
        // `apk add --virtual .build-deps gcc ...` records a package `.build-deps` that depends
        // on what was added: the group exists to be deleted after the build.
        p.name.starts_with('.')
    }
}

/// The installed packages and the files they list.
pub fn collect(cx: &mut Cx, pending: &mut Vec<system::Pending>) {
    let Some((path, text)) = INSTALLED.iter().find_map(|p| cx.meta.get(p).map(|t| (*p, t))) else { return };
    let pkgs = parse_installed(&String::from_utf8_lossy(text));
    if pkgs.is_empty() && !text.is_empty() {
        cx.notes.push(format!("/{path}: not read (no package records)"));
        return;
    }
    let world: Vec<String> =
        cx.meta.get(WORLD).map(|t| parse_world(&String::from_utf8_lossy(t))).unwrap_or_default();
    let mut sys = Vec::with_capacity(pkgs.len());
    for p in pkgs {
        let mut pkg = Package::new(
            format!("apk:{}@{}", p.name, p.version),
            Ecosystem::Apk,
            &p.name,
            &p.version,
            crate::classify::Category::Os,
        );
        pkg.installed_size = p.installed_size;
        let owner = cx.owners.push(pkg, 0);
        for f in &p.files {
            if let Some(node) = crate::classify::paths::resolve(cx.ix, f).filter(|&n| cx.ix.is_file(n)) {
                cx.owners.claim_file(node, owner);
            }
        }
        sys.push(SysPackage {
            owner,
            name: p.name.clone(),
            needs: p.depends,
            provides: p.provides,
            // apk has no Essential flag: what the base system needs is found from its
            // dependents, and the world file's base packages are pinned.
            required: matches!(
                p.name.as_str(),
                "alpine-baselayout" | "alpine-base" | "busybox" | "musl" | "apk-tools"
            ) || (p.name.starts_with("wolfi-base")),
            explicit: world.contains(&p.name),
        });
    }
    pending.push(system::Pending { family: Box::new(Alpine), packages: sys });
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:411000\nI:634880\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Maintainer <m@example.org>\nt:1700000000\nc:abcdef\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1xyz=\nR:libc.musl-x86_64.so.1\na:0:0:777\nZ:Q1xyz=\n\nC:Q1def=\nP:libstdc++\nV:13.2.1_git20231014-r0\nA:x86_64\nI:2560000\no:gcc\nD:so:libc.musl-x86_64.so.1 so:libgcc_s.so.1\np:so:libstdc++.so.6=6.0.32\nF:usr/lib\nR:libstdc++.so.6.0.32\nR:libstdc++.so.6\n\nP:.build-deps\nV:20240101.000000\nA:noarch\nI:0\nD:gcc>=13 !conflicting g++\n";

    #[test]
    fn installed_records_files_and_relations() {
        let p = parse_installed(DB);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "musl");
        assert_eq!(p[0].files, ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]);
        assert_eq!(p[0].provides, ["so:libc.musl-x86_64.so.1"]);
        assert_eq!(p[1].depends, ["so:libc.musl-x86_64.so.1", "so:libgcc_s.so.1"]);
        assert_eq!(p[1].installed_size, Some(2560000));
        assert_eq!(p[1].files, ["usr/lib/libstdc++.so.6.0.32", "usr/lib/libstdc++.so.6"]);
        assert_eq!(p[2].depends, ["gcc", "g++"]);
        assert!(parse_installed("").is_empty());
        assert!(parse_installed("garbage\n\n\nR:x\n").is_empty());
    }

    #[test]
    fn world_names() {
        assert_eq!(
            parse_world("alpine-baselayout\nbusybox>=1.36\nnodejs@edge\n.build-deps\n"),
            ["alpine-baselayout", "busybox", "nodejs", ".build-deps"]
        );
    }

    #[test]
    fn toolchain_and_interpreters_by_name() {
        for n in
            ["gcc", "g++", "make", "binutils", "musl-dev", "libstdc++-dev", "linux-headers", "build-base"]
        {
            assert!(is_toolchain(n), "{n}");
        }
        for n in ["libstdc++", "musl", "libgcc", "busybox", "python3"] {
            assert!(!is_toolchain(n), "{n}");
        }
        assert_eq!(interpreter("python3"), Some(Language::Python));
        assert_eq!(interpreter("python3-pyc"), Some(Language::Python));
        assert_eq!(interpreter("nodejs"), Some(Language::Node));
        assert_eq!(interpreter("py3-flask"), None);
    }
}
