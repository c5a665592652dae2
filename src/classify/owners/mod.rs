//! Step 3 of the classification: the owning package. One file per ecosystem, each reading its
//! package database or lock files and deciding what its packages own and which category
//! their files get (`deb`, `npm` with `pnpm` and `yarn`, `python`).

pub mod apk;
pub mod chisel;
pub mod deb;
pub mod go;
pub mod js;
pub mod needs;
pub mod npm;
mod npm_lock;
pub mod pnpm;
pub mod python;
pub mod rpm;
pub mod system;
pub mod yarn;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::native::{self, Loaded};
use super::{Category, Facts, Language, Package, Reasons};
use crate::index::{Index, NONE, NodeId};

/// A package and the category its files get unless something stronger decides.
pub struct Owner {
    pub pkg: Package,
    pub reason: u32,
}

/// What the package databases say: the packages, and which of them owns each path.
pub struct Owners {
    pub list: Vec<Owner>,
    /// Per node: the package whose file list names it, or NONE.
    pub file: Vec<u32>,
    /// Directories a package owns with everything below them (npm package directories,
    /// Python top-level modules); NONE for one several packages share.
    pub dir: HashMap<NodeId, u32>,
}

impl Owners {
    fn push(&mut self, pkg: Package, reason: u32) -> u32 {
        self.list.push(Owner { pkg, reason });
        self.list.len() as u32 - 1
    }

    /// `node` is `owner`'s unless another file list named it first.
    fn claim_file(&mut self, node: NodeId, owner: u32) {
        if self.file[node as usize] == NONE {
            self.file[node as usize] = owner;
        }
    }

    pub fn category(&self, owner: u32) -> (Category, u32) {
        let o = &self.list[owner as usize];
        (o.pkg.category, o.reason)
    }
}

/// The kept contents (see [`wants`]) of the files still visible in the final tree, by path
/// without the leading `/`: those the index hands over (read once, here) and those it keeps
/// for the findings too.
pub struct Meta<'a> {
    files: Vec<(String, Cow<'a, [u8]>)>,
}

impl<'a> Meta<'a> {
    pub fn new(ix: &'a Index, taken: HashMap<u32, Box<[u8]>>) -> Meta<'a> {
        let visible = |e: u32| ix.current[ix.entries[e as usize].node as usize] == e;
        let shared = ix.contents.iter().map(|(&e, c)| (e, Cow::Borrowed(&c[..])));
        let taken = taken.into_iter().map(|(e, c)| (e, Cow::Owned(c.into_vec())));
        let mut files: Vec<(String, Cow<[u8]>)> = shared
            .chain(taken)
            .filter(|(e, _)| visible(*e))
            .map(|(e, c)| (ix.entry_path(e).trim_start_matches('/').to_string(), c))
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Meta { files }
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.binary_search_by(|m| m.0.as_str().cmp(path)).ok().map(|i| &*self.files[i].1)
    }

    /// Every kept file, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.files.iter().map(|(p, c)| (p.as_str(), &**c))
    }
}

/// What an ecosystem reads from while collecting its packages.
pub struct Cx<'a, 'm> {
    pub ix: &'a Index,
    pub meta: &'a Meta<'m>,
    /// The language the image runs, from its ENTRYPOINT and CMD.
    pub language: Option<Language>,
    pub reasons: &'a mut Reasons,
    pub notes: &'a mut Vec<String>,
    pub owners: &'a mut Owners,
}

/// Whether the indexer should keep the contents of the file at `path`: a package database or
/// lock file some ecosystem reads.
pub fn wants(path: &str) -> bool {
    deb::wants(path)
        || apk::wants(path)
        || rpm::wants(path)
        || chisel::wants(path)
        || python::wants(path)
        || npm::wants(path)
        || native::wants(path)
}

/// Every ecosystem's packages, in a fixed order: a file the system package manager lists
/// is its, before any language package manager's. The system packages' categories wait for
/// their file lists: what the image's binaries load decides some of them.
pub fn collect(
    ix: &Index,
    meta: &Meta,
    facts: &Facts,
    language: Option<Language>,
    reasons: &mut Reasons,
    notes: &mut Vec<String>,
) -> (Owners, Loaded) {
    let mut owners = Owners { list: Vec::new(), file: vec![NONE; ix.paths.len()], dir: HashMap::new() };
    let mut pending = Vec::new();
    let mut cx = Cx { ix, meta, language, reasons, notes, owners: &mut owners };
    deb::collect(&mut cx, &mut pending);
    apk::collect(&mut cx, &mut pending);
    rpm::collect(&mut cx, &mut pending);
    chisel::collect(&mut cx, &mut pending);
    let loaded = native::closure(ix, facts, meta);
    // Per root, by path: the packages whose files it loads.
    let mut runtime: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for (&lib, roots) in &loaded.by {
        let owner = cx.owners.file[lib as usize];
        for &root in roots.iter().filter(|&&r| owner != NONE && r != lib) {
            runtime.entry(ix.paths.path(root)).or_default().insert(owner);
        }
    }
    for p in &pending {
        system::decide(p, language, &runtime, cx.owners, cx.reasons);
    }
    python::collect(&mut cx);
    npm::collect(&mut cx);
    go::collect(&mut cx, &loaded);
    (owners, loaded)
}
