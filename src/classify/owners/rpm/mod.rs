//! RPM packages (UBI, Fedora, Amazon Linux, CBL-Mariner, SUSE): the package database read from
//! bytes in memory, and what category each package's files get.
//!
//! Three on-disk backends are in use across RPM-based images:
//! BerkeleyDB `Packages` (RHEL/CentOS ≤ 8, Amazon Linux 2), `Packages.db`
//! in rpm's own NDB format (SUSE), and `rpmdb.sqlite` (Fedora ≥ 33,
//! RHEL/UBI 9, CBL-Mariner 2, Amazon Linux 2023). Each stores one header
//! blob per installed package; [`parse_header`] turns a blob into an
//! [`RpmPackage`].
//!
//! All input is treated as hostile: every offset is bounds-checked,
//! allocations are capped by the input length, page chains are walked with
//! a visited set, and every failure is an [`Error`] value.

mod bdb;
mod header;
mod ndb;
mod sqlite;

pub use bdb::read_bdb;
pub use header::{RpmFile, RpmPackage, file_flags, parse_header};
pub use ndb::read_ndb;
pub use sqlite::read_sqlite;

/// Why a database or header could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("rpm header: {0}")]
    Header(String),
    #[error("BerkeleyDB Packages: {0}")]
    Bdb(String),
    #[error("NDB Packages.db: {0}")]
    Ndb(String),
    #[error("rpmdb.sqlite: {0}")]
    SqliteFormat(String),
    #[error("rpmdb.sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0:?} is not a recognised rpm database")]
    UnknownFormat(String),
    /// A header blob inside an otherwise readable database is bad.
    #[error("package header {index}: {source}")]
    Package {
        index: usize,
        #[source]
        source: Box<Error>,
    },
}

/// The storage backends [`read_any`] can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sqlite,
    Bdb,
    Ndb,
}

/// Names the format of `db` from its magic bytes, or failing that from its
/// file name (so a damaged file still gets that format's specific error).
pub fn detect(file_name: &str, db: &[u8]) -> Option<Format> {
    if db.starts_with(sqlite::MAGIC) {
        return Some(Format::Sqlite);
    }
    if db.starts_with(ndb::MAGIC) {
        return Some(Format::Ndb);
    }
    if bdb::has_magic(db) {
        return Some(Format::Bdb);
    }
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    match base {
        "rpmdb.sqlite" => Some(Format::Sqlite),
        "Packages.db" => Some(Format::Ndb),
        "Packages" => Some(Format::Bdb),
        _ => None,
    }
}

/// Reads every header blob of `db`, whatever its backend.
pub fn read_blobs(file_name: &str, db: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    match detect(file_name, db) {
        Some(Format::Sqlite) => read_sqlite(db),
        Some(Format::Bdb) => read_bdb(db),
        Some(Format::Ndb) => read_ndb(db),
        None => Err(Error::UnknownFormat(file_name.to_owned())),
    }
}

/// Reads and parses every installed package in `db`, in the order rpm
/// installed them (ascending package number).
pub fn read_any(file_name: &str, db: &[u8]) -> Result<Vec<RpmPackage>, Error> {
    read_blobs(file_name, db)?
        .iter()
        .enumerate()
        .map(|(index, blob)| parse_header(blob).map_err(|e| Error::Package { index, source: Box::new(e) }))
        .collect()
}

/// Sorts `(package number, blob)` pairs into install order and drops the
/// numbers; shared by the backends whose storage order is arbitrary.
fn in_install_order(mut rows: Vec<(u32, Vec<u8>)>) -> Vec<Vec<u8>> {
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|r| r.1).collect()
}

// ---------------------------------------------------------------- in an image

use super::Cx;
use super::system::{Family, Pending, SysPackage};
use crate::classify::paths::resolve;
use crate::classify::{Category, Ecosystem, Language, Package};

/// Where RPM-based images keep the database: BerkeleyDB `Packages` (RHEL ≤ 8, Amazon
/// Linux 2), `rpmdb.sqlite` (Fedora, RHEL 9, CBL-Mariner 2, Amazon Linux 2023), NDB
/// `Packages.db` (SUSE); `/var/lib/rpm` is often a link to `/usr/lib/sysimage/rpm`.
pub const DATABASES: [&str; 7] = [
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages.db",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages",
    "usr/share/rpm/rpmdb.sqlite",
];
/// CBL-Mariner/Azure Linux distroless images list their packages here instead, without
/// files: `NAME\tVERSION-RELEASE\tINSTALLTIME\tBUILDTIME\tVENDOR\tEPOCH\tSIZE\tARCH\t...`.
pub const MANIFEST: &str = "var/lib/rpmmanifest/container-manifest-2";

pub fn wants(path: &str) -> bool {
    DATABASES.contains(&path) || path == MANIFEST
}

/// Compilers, build tools and headers, by the names Fedora, RHEL, SUSE and Mariner use.
fn is_toolchain(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "gcc",
        "gcc-c++",
        "cpp",
        "make",
        "cmake",
        "ninja-build",
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
        "pkgconf-pkg-config",
        "pkgconfig",
        "rpm-build",
        "redhat-rpm-config",
        "annobin",
        "git",
        "git-core",
        "golang",
        "rust",
        "cargo",
        "gdb",
        "kernel-headers",
        "glibc-headers",
        "libmpc",
        "mpfr",
        "isl",
        "gcc-plugin-annobin",
    ];
    EXACT.contains(&name)
        || name.ends_with("-devel")
        || name.ends_with("-headers")
        || name.starts_with("gcc-")
        || name.starts_with("clang")
        || name.starts_with("llvm")
        || name.starts_with("annobin")
}

fn interpreter(name: &str) -> Option<Language> {
    let py = name.strip_prefix("python3").is_some_and(|r| {
        r.is_empty()
            || r.starts_with('.') && r[1..].chars().all(|c| c.is_ascii_digit())
            || matches!(r, "-libs" | "-pip" | "-pip-wheel" | "-setuptools" | "-setuptools-wheel" | "-wheel")
    });
    if py {
        return Some(Language::Python);
    }
    match name {
        n if n == "nodejs" || n.starts_with("nodejs-") || n == "npm" => Some(Language::Node),
        n if n.starts_with("java-") && n.contains("openjdk") && !n.contains("devel") => Some(Language::Java),
        n if n == "ruby" || n == "ruby-libs" => Some(Language::Ruby),
        _ => None,
    }
}

pub struct Rpm;

impl Family for Rpm {
    fn label(&self) -> &'static str {
        "RPM package"
    }
    fn is_toolchain(&self, p: &SysPackage) -> bool {
        is_toolchain(&p.name)
    }
    fn interpreter(&self, p: &SysPackage) -> Option<Language> {
        interpreter(&p.name)
    }
}

/// What the base system cannot do without: RPM has no Essential flag.
fn base(name: &str) -> bool {
    matches!(
        name,
        "filesystem"
            | "setup"
            | "basesystem"
            | "bash"
            | "glibc"
            | "coreutils"
            | "coreutils-single"
            | "rpm"
            | "microdnf"
            | "dnf"
            | "tdnf"
            | "zypper"
            | "distroless-packages-minimal"
            | "mariner-release"
            | "azurelinux-release"
            | "redhat-release"
            | "fedora-release"
            | "system-release"
    ) || name.starts_with("glibc-minimal-langpack")
}

fn version(p: &RpmPackage) -> String {
    match p.epoch {
        Some(e) if e > 0 => format!("{e}:{}-{}", p.version, p.release),
        _ => format!("{}-{}", p.version, p.release),
    }
}

/// The installed packages and the files their headers list.
pub fn collect(cx: &mut Cx, pending: &mut Vec<Pending>) {
    let Some((path, db)) = DATABASES.iter().find_map(|p| cx.meta.get(p).map(|t| (*p, t))) else {
        return manifest(cx);
    };
    let pkgs = match read_any(path, db) {
        Ok(p) => p,
        Err(e) => {
            cx.notes.push(format!("/{path}: not read ({e})"));
            return manifest(cx);
        }
    };
    let ix = cx.ix;
    let mut owners = Vec::with_capacity(pkgs.len());
    for p in &pkgs {
        let v = version(p);
        let mut pkg = Package::new(format!("rpm:{}@{v}", p.name), Ecosystem::Rpm, &p.name, &v, Category::Os);
        pkg.installed_size = Some(p.size);
        let owner = cx.owners.push(pkg, 0);
        for f in p.files.iter().filter(|f| !f.is_ghost() && !f.is_dir()) {
            if let Some(node) = resolve(ix, &f.path).filter(|&n| ix.is_file(n)) {
                cx.owners.claim_file(node, owner);
            }
        }
        owners.push(owner);
    }
    // File requirements (`/bin/sh`) name the package owning the file.
    let sys = pkgs
        .into_iter()
        .zip(owners)
        .map(|(p, owner)| {
            let needs = p
                .requires
                .iter()
                .filter(|r| !r.starts_with("rpmlib("))
                .map(|r| {
                    if r.starts_with('/')
                        && let Some(o) = resolve(ix, r).map(|n| cx.owners.file[n as usize])
                        && o != crate::index::NONE
                    {
                        cx.owners.list[o as usize].pkg.name.clone()
                    } else {
                        r.clone()
                    }
                })
                .collect();
            SysPackage {
                owner,
                required: base(&p.name),
                name: p.name,
                needs,
                provides: p.provides,
                explicit: false,
            }
        })
        .collect();
    pending.push(Pending { family: Box::new(Rpm), packages: sys });
}

/// A distroless image's list of packages, when there is no database: names, versions and
/// sizes, no files.
fn manifest(cx: &mut Cx) {
    let Some(text) = cx.meta.get(MANIFEST) else { return };
    for line in String::from_utf8_lossy(text).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 2 || f[0].is_empty() {
            continue;
        }
        let mut pkg =
            Package::new(format!("rpm:{}@{}", f[0], f[1]), Ecosystem::Rpm, f[0], f[1], Category::Os);
        pkg.installed_size = f.get(6).and_then(|s| s.parse().ok());
        let reason = cx.reasons.id(format!("RPM package {}: listed in /{MANIFEST}", f[0]));
        cx.owners.push(pkg, reason);
    }
}
