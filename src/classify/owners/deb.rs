//! Debian packages: `/var/lib/dpkg/status` and the per-package file lists in
//! `/var/lib/dpkg/info`; or, in distroless images, one control paragraph per package in
//! `/var/lib/dpkg/status.d/NAME` with its file list as `NAME.md5sums` (older images have the
//! paragraphs alone).

use std::collections::HashMap;

use super::Cx;
use super::system::{Family, Pending, SysPackage};
use crate::classify::paths::resolve;
use crate::classify::{Category, Ecosystem, Language, Package};

/// The files dpkg keeps about what is installed.
pub fn wants(path: &str) -> bool {
    path == "var/lib/dpkg/status"
        || (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".list"))
        || path.starts_with("var/lib/dpkg/status.d/")
}

const STATUS_D: &str = "var/lib/dpkg/status.d/";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebPackage {
    pub name: String,
    pub version: String,
    /// `Installed-Size` from the status file, in bytes (dpkg records KiB).
    pub installed_size: Option<u64>,
    /// `Essential: yes` or `Priority: required`: the system cannot do without it.
    pub required: bool,
    /// Names this package needs installed: Pre-Depends, Depends and Recommends (apt installs
    /// recommends by default, so a recommended package is there because its recommender is),
    /// every alternative of an `a | b` group, without versions or architecture qualifiers.
    pub needs: Vec<String>,
    /// Virtual package names this package provides.
    pub provides: Vec<String>,
}

/// Installed packages from `/var/lib/dpkg/status`.
pub fn parse_status(text: &str) -> Vec<DebPackage> {
    parse_paragraphs(text, true)
}

/// Control paragraphs; with `installed`, only those whose `Status` says installed (distroless
/// `status.d` paragraphs have no `Status`: they are all installed).
fn parse_paragraphs(text: &str, installed: bool) -> Vec<DebPackage> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut fields: HashMap<&str, String> = HashMap::new();
        let mut last: Option<&str> = None;
        for line in para.lines() {
            if line.starts_with([' ', '\t']) {
                // Continuation lines: descriptions and conffiles are not needed, but a long
                // Depends may wrap.
                if let Some(k) = last.filter(|k| k.ends_with("epends") || *k == "Recommends") {
                    fields.entry(k).or_default().push_str(line);
                }
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                let k = k.trim();
                fields.insert(k, v.trim().to_string());
                last = Some(k);
            }
        }
        let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
        let (name, status) = (field("Package"), field("Status"));
        if name.is_empty() || (installed && !status.ends_with(" installed")) {
            continue;
        }
        let mut needs = Vec::new();
        for k in ["Pre-Depends", "Depends", "Recommends"] {
            needs.extend(relation_names(field(k)));
        }
        out.push(DebPackage {
            name: name.to_string(),
            version: field("Version").to_string(),
            installed_size: field("Installed-Size").parse::<u64>().ok().and_then(|k| k.checked_mul(1024)),
            required: field("Essential") == "yes" || field("Priority") == "required",
            needs,
            provides: relation_names(field("Provides")).collect(),
        })
    }
    out
}

/// `libc6 (>= 2.34), python3:any | python3-minimal` → `libc6`, `python3`, `python3-minimal`.
fn relation_names(field: &str) -> impl Iterator<Item = String> + '_ {
    field.split([',', '|']).filter_map(|alt| {
        let name = alt.trim().split([' ', '(', '[', '<']).next()?;
        let name = name.split(':').next()?;
        (!name.is_empty()).then(|| name.to_string())
    })
}

/// The package a dpkg file list belongs to: `info/libc6:amd64.list` → `libc6`.
pub fn list_owner(list_path: &str) -> Option<&str> {
    let base = list_path.rsplit('/').next()?.strip_suffix(".list")?;
    Some(base.split(':').next().unwrap_or(base))
}

/// Compilers, build tools and headers, by package name.
pub fn is_toolchain_name(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "make",
        "build-essential",
        "dpkg-dev",
        "libc6-dev",
        "libc-dev-bin",
        "linux-libc-dev",
        "libtool",
        "libtool-bin",
        "autoconf",
        "automake",
        "autotools-dev",
        "pkg-config",
        "pkgconf",
        "pkgconf-bin",
        "cmake",
        "cmake-data",
        "ninja-build",
        "meson",
        "bison",
        "flex",
        "m4",
        "patch",
        "fakeroot",
        "libfakeroot",
        "clang",
        "lld",
        "gfortran",
        "golang",
        "golang-go",
        "rustc",
        "cargo",
        "node-gyp",
    ];
    const PREFIX: &[&str] = &[
        "gcc",
        "g++",
        "cpp",
        "binutils",
        "libgcc-",
        "libstdc++-",
        "clang-",
        "llvm",
        "lld-",
        "golang-",
        "gfortran-",
        "libbinutils",
        "libctf",
        "libgprofng",
        "libsframe",
    ];
    if EXACT.contains(&name) || name.ends_with("-dev") {
        return true;
    }
    // `gcc-12-base` and `libgcc-s1` are runtime libraries every C++ program loads.
    if name.ends_with("-base") || name == "libgcc-s1" || name.starts_with("libgcc-s") {
        return false;
    }
    PREFIX.iter().any(|p| name.starts_with(p))
        || (name.starts_with("lib") && (name.contains("-dev-") || name.ends_with("-dev")))
}

/// Whether Debian package `p` is `lang`'s interpreter (or ships with it).
fn is_interpreter(lang: Language, p: &str) -> bool {
    let py = |p: &str| {
        let rest = p.strip_prefix("lib").unwrap_or(p);
        let Some(rest) = rest.strip_prefix("python3") else { return false };
        let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        matches!(
            rest,
            "" | "-minimal"
                | "-stdlib"
                | "-venv"
                | "-pip"
                | "-pip-whl"
                | "-setuptools"
                | "-setuptools-whl"
                | "-wheel"
                | "-distutils"
                | "-lib2to3"
                | "-pkg-resources"
        )
    };
    match lang {
        Language::Node => p == "nodejs" || p.starts_with("libnode") || p == "npm",
        Language::Python => py(p),
        Language::Java => (p.starts_with("openjdk-") || p.starts_with("default-jre")) && p.contains("jre"),
        Language::Ruby => p.starts_with("ruby") || p.starts_with("libruby"),
    }
}

pub struct Debian;

impl Family for Debian {
    fn label(&self) -> &'static str {
        "Debian package"
    }
    fn is_toolchain(&self, p: &SysPackage) -> bool {
        is_toolchain_name(&p.name)
    }
    fn interpreter(&self, p: &SysPackage) -> Option<Language> {
        Language::ALL.into_iter().find(|&l| is_interpreter(l, &p.name))
    }
}

/// The installed packages, and the files their lists name.
pub fn collect(cx: &mut Cx, pending: &mut Vec<Pending>) {
    let (debs, distroless) = match cx.meta.get("var/lib/dpkg/status") {
        Some(status) => (parse_status(&String::from_utf8_lossy(status)), false),
        None => {
            let mut debs = Vec::new();
            for (path, text) in cx.meta.iter() {
                if let Some(rest) = path.strip_prefix(STATUS_D)
                    && !rest.contains('/')
                    && !rest.ends_with(".md5sums")
                {
                    debs.extend(parse_paragraphs(&String::from_utf8_lossy(text), false));
                }
            }
            (debs, true)
        }
    };
    if debs.is_empty() {
        return;
    }
    let mut by_name: HashMap<String, u32> = HashMap::new();
    let mut sys = Vec::with_capacity(debs.len());
    for d in debs {
        let mut pkg = Package::new(
            format!("deb:{}@{}", d.name, d.version),
            Ecosystem::Deb,
            &d.name,
            &d.version,
            Category::Os,
        );
        pkg.installed_size = d.installed_size;
        let owner = cx.owners.push(pkg, 0);
        by_name.insert(d.name.clone(), owner);
        sys.push(SysPackage {
            owner,
            name: d.name,
            needs: d.needs,
            provides: d.provides,
            required: d.required,
            explicit: false,
        });
    }
    pending.push(Pending { family: Box::new(Debian), packages: sys });
    let ix = cx.ix;
    if distroless {
        // `md5hex  path` lines, the path without its leading slash.
        for (path, text) in cx.meta.iter() {
            let Some(name) = path.strip_prefix(STATUS_D).and_then(|r| r.strip_suffix(".md5sums")) else {
                continue;
            };
            let Some(&owner) = by_name.get(name.split(':').next().unwrap_or(name)) else { continue };
            for line in String::from_utf8_lossy(text).lines() {
                let Some((_, file)) = line.split_once("  ") else { continue };
                if let Some(node) = resolve(ix, file).filter(|&n| ix.is_file(n)) {
                    cx.owners.claim_file(node, owner);
                }
            }
        }
        // The database's own records of a package.
        if let Some(dir) = ix.paths.find(STATUS_D.trim_end_matches('/')) {
            for node in ix.paths.children(dir) {
                let name = ix.paths.name(node);
                let pkg = name.strip_suffix(".md5sums").unwrap_or(name);
                if let Some(&owner) = by_name.get(pkg.split(':').next().unwrap_or(pkg))
                    && ix.is_file(node)
                {
                    cx.owners.file[node as usize] = owner;
                }
            }
        }
        return;
    }
    for (path, text) in cx.meta.iter() {
        if !path.starts_with("var/lib/dpkg/info/") || !path.ends_with(".list") {
            continue;
        }
        let Some(&owner) = list_owner(path).and_then(|n| by_name.get(n)) else { continue };
        for line in String::from_utf8_lossy(text).lines() {
            if let Some(node) = resolve(ix, line).filter(|&n| ix.is_file(n)) {
                cx.owners.claim_file(node, owner);
            }
        }
    }
    // dpkg's own records of a package (`info/NAME[:ARCH].{list,md5sums,postinst,...}`).
    if let Some(info) = ix.paths.find("var/lib/dpkg/info") {
        for node in ix.paths.children(info) {
            let name = ix.paths.name(node);
            let pkg = name.rsplit_once('.').map(|(p, _)| p.split(':').next().unwrap_or(p));
            if let Some(&owner) = pkg.and_then(|p| by_name.get(p))
                && ix.is_file(node)
            {
                cx.owners.file[node as usize] = owner;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keeps_installed_packages_and_their_relations() {
        let status = "Package: gcc-12\nStatus: install ok installed\nPriority: optional\nVersion: 12.2.0-14\n\
                      Installed-Size: 68000\nDepends: cpp-12 (= 12.2.0-14), libcc1-0 (>= 12.2.0-14),\n binutils (>= 2.40), libisl23:amd64 | libisl22\n\
                      Recommends: libc6-dev | libc-dev\nDescription: GNU C\n compiler\n\n\
                      Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n\
                      Package: libc6\nStatus: install ok installed\nPriority: optional\nProtected: yes\nEssential: yes\nProvides: libc6-x (= 1)\n";
        let p = parse_status(status);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].installed_size), ("gcc-12", Some(68000 * 1024)));
        assert_eq!(
            p[0].needs,
            ["cpp-12", "libcc1-0", "binutils", "libisl23", "libisl22", "libc6-dev", "libc-dev"]
        );
        assert!(!p[0].required && p[1].required);
        assert_eq!(p[1].provides, ["libc6-x"]);
        assert_eq!(list_owner("var/lib/dpkg/info/libc6:amd64.list"), Some("libc6"));
        assert_eq!(list_owner("var/lib/dpkg/info/make.list"), Some("make"));
    }

    #[test]
    fn toolchain_names() {
        for t in [
            "gcc-12",
            "g++",
            "cpp-12",
            "binutils-x86-64-linux-gnu",
            "make",
            "libc6-dev",
            "python3.11-dev",
            "libstdc++-12-dev",
            "libbinutils",
        ] {
            assert!(is_toolchain_name(t), "{t}");
        }
        for t in ["gcc-12-base", "libgcc-s1", "libstdc++6", "libc6", "python3", "bash", "libisl23"] {
            assert!(!is_toolchain_name(t), "{t}");
        }
    }
}
