//! What category a system package's files get, the same way for every package manager
//! (Debian's dpkg, Alpine's apk, RPM): compilers, build tools and headers are toolchain, and so
//! is an interpreter the image does not run; the interpreter it runs is runtime. A library goes
//! with what needs it: when every installed package that depends on it is toolchain, it is
//! toolchain (libisl, libmpc, cpp); when they are runtime or toolchain, it is runtime. What the
//! image's own binaries load (found from their ELF headers, outside any package database: node
//! in `/usr/local` needs libstdc++) counts as one more runtime dependent. Everything else, and
//! every package the base system cannot do without, is os.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::Owners;
use super::needs::{Need, few, propagate};
use crate::classify::{Category, Language, Reasons};

/// A package of a system package database, as the rules here read it.
pub struct SysPackage {
    /// Its index in [`Owners::list`].
    pub owner: u32,
    pub name: String,
    /// Names (packages or what they provide) it needs installed.
    pub needs: Vec<String>,
    pub provides: Vec<String>,
    /// The system cannot do without it (dpkg's Essential and `Priority: required`).
    pub required: bool,
    /// Installed because it was asked for (apk's world file), not as a dependency.
    pub explicit: bool,
}

/// What a package manager's names mean.
pub trait Family {
    /// "Debian package", "Alpine package", "RPM package".
    fn label(&self) -> &'static str;
    fn is_toolchain(&self, p: &SysPackage) -> bool;
    /// The language whose interpreter (or what ships with it) the package is.
    fn interpreter(&self, p: &SysPackage) -> Option<Language>;
    /// A group installed only to be removed after a build (`apk add --virtual .build-deps`).
    fn build_group(&self, _p: &SysPackage) -> bool {
        false
    }
}

/// A database read, its categories not decided yet: they depend on what the image's
/// binaries need, which needs every database's file lists first.
pub struct Pending {
    pub family: Box<dyn Family>,
    pub packages: Vec<SysPackage>,
}

/// Decides the categories of `p`'s packages. `runtime` holds, for each thing the image runs
/// (`/usr/local/bin/node`), the owners of the files it loads.
pub fn decide(
    p: &Pending,
    lang: Option<Language>,
    runtime: &BTreeMap<String, BTreeSet<u32>>,
    owners: &mut Owners,
    reasons: &mut Reasons,
) {
    let (pkgs, fam, label) = (&p.packages, p.family.as_ref(), p.family.label());
    let by_name: HashMap<&str, usize> = pkgs.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pkgs.iter().enumerate() {
        for v in &p.provides {
            providers.entry(v.as_str()).or_default().push(i);
        }
    }
    let mut needs: Vec<Vec<usize>> = pkgs
        .iter()
        .map(|p| {
            let mut v: Vec<usize> = Vec::new();
            for n in &p.needs {
                match by_name.get(n.as_str()) {
                    Some(&i) => v.push(i),
                    None => v.extend(providers.get(n.as_str()).into_iter().flatten()),
                }
            }
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let mut class: Vec<Option<Need>> = vec![None; pkgs.len()];
    let mut seed_reason: Vec<Option<u32>> = vec![None; pkgs.len()];
    for (i, p) in pkgs.iter().enumerate() {
        let name = p.name.as_str();
        if fam.build_group(p) {
            class[i] = Some(Need::Build);
            seed_reason[i] = Some(reasons.id(format!(
                "{label} {name}: a virtual group of build dependencies (apk add --virtual), to be deleted after the build"
            )));
        } else if fam.is_toolchain(p) {
            class[i] = Some(Need::Build);
            seed_reason[i] = Some(reasons.id(format!("{label} {name}: a compiler, build tool or headers")));
        } else if let Some(other) = fam.interpreter(p) {
            match lang {
                Some(l) if l != other => {
                    class[i] = Some(Need::Build);
                    seed_reason[i] = Some(reasons.id(format!(
                        "{label} {name}: a {} interpreter the image does not run (it runs {}); only builds need it",
                        other.name(),
                        l.name()
                    )));
                }
                _ => {
                    class[i] = Some(Need::Runtime);
                    seed_reason[i] =
                        Some(reasons.id(format!("{label} {name}: the {} runtime", other.name())));
                }
            }
        }
    }
    // Each thing the image runs, as one more package: it depends on what it loads.
    let mut names: Vec<String> = pkgs.iter().map(|p| p.name.clone()).collect();
    for (root, owners) in runtime {
        let loaded: Vec<usize> = (0..pkgs.len()).filter(|&i| owners.contains(&pkgs[i].owner)).collect();
        if !loaded.is_empty() {
            names.push(root.clone());
            needs.push(loaded);
            class.push(Some(Need::Runtime));
        }
    }
    let mut pinned: Vec<bool> = pkgs.iter().map(|p| p.required).collect();
    pinned.resize(class.len(), true);
    let rdeps = propagate(&needs, &mut class, &pinned);
    for (i, p) in pkgs.iter().enumerate() {
        let (category, reason) = if let Some(r) = seed_reason[i] {
            (if class[i] == Some(Need::Build) { Category::Toolchain } else { Category::Runtime }, r)
        } else {
            let by = || few(rdeps[i].iter().map(|&r| names[r].clone()));
            match class[i] {
                Some(Need::Build) => (
                    Category::Toolchain,
                    reasons.id(format!("{label} {}: needed only by toolchain packages ({})", p.name, by())),
                ),
                Some(Need::Runtime) => (
                    Category::Runtime,
                    reasons.id(format!("{label} {}: needed only by the runtime ({})", p.name, by())),
                ),
                None if p.explicit && rdeps[i].is_empty() => (
                    Category::Os,
                    reasons.id(format!("{label} {}: asked for explicitly, nothing needs it", p.name)),
                ),
                None => (Category::Os, reasons.id(format!("{label} {}: base system", p.name))),
            }
        };
        let o = &mut owners.list[p.owner as usize];
        o.pkg.category = category;
        o.reason = reason;
    }
}
