//! The walk over the final tree. Each directory's context follows from its parent's (the
//! place rule in force, the package owning it, the dependency area, the part of the app it
//! is); each file's category is the first step of the chain that decides it.

use std::collections::HashMap;

use super::app::{App, AppPart};
use super::fallback::{Area, Fallback};
use super::owners::{Owners, npm};
use super::places::{MAX_RULE_DEPTH, Places, Zone};
use super::runtime::Runtime;
use super::{Category, Facts, Reasons, Rules};
use crate::index::{Index, NONE, NodeId, ROOT};

/// What is known about a directory, for everything below it.
#[derive(Clone, Copy)]
struct Ctx {
    /// Components below the root.
    depth: u32,
    /// The top-level directory it is under.
    top: NodeId,
    zone: Option<Zone>,
    /// Package owning the directory (npm package dirs, Python top-level modules), or NONE.
    pkg: u32,
    area: Area,
    app: AppPart,
}

/// Per node (meaningful for visible non-directories): category, reason and package.
pub struct Decided {
    pub category: Vec<Category>,
    pub reason: Vec<u32>,
    pub package: Vec<u32>,
}

pub fn walk(
    ix: &Index,
    facts: &Facts,
    rules: &Rules,
    app: Option<&App>,
    owners: &mut Owners,
    reasons: &mut Reasons,
) -> Decided {
    let n_nodes = ix.paths.len();
    let fallback = Fallback {
        other: reasons.id("no rule matched"),
        os: reasons.id("in a system directory"),
        node_modules: reasons.id("in node_modules, not in any lockfile"),
        site_packages: reasons.id("in site-packages, not listed by any distribution"),
    };
    // Unowned by any package and matched by no other rule: the program the image runs.
    let entry = super::native::entry_program(ix, facts);
    let entry_reason =
        entry.map(|n| reasons.id(format!("the program the image runs ({})", ix.paths.path(n))));
    let runtime = Runtime::new(reasons.id("the virtualenv's interpreter"), reasons.id("in a virtualenv"));
    let places =
        Places::new(facts, reasons.id("node-gyp build tree: objects and makefiles of a native addon build"));
    // The file lists' owners become the package column: a file keeps the package that
    // lists it, and the walk fills in the rest. A second per-node column would cost 4 bytes
    // a file at the analysis's peak.
    let mut out = Decided {
        category: vec![Category::Other; n_nodes],
        reason: vec![0; n_nodes],
        package: std::mem::take(&mut owners.file),
    };
    let root = Ctx { depth: 0, top: ROOT, zone: None, pkg: NONE, area: Area::None, app: AppPart::Outside };
    // Contexts are kept for directories only (a file reads its parent's), by the index's
    // rank of each: directories are walked in node order, so the next one pushed is the
    // next rank.
    let mut ctxs: Vec<Ctx> = Vec::with_capacity(ix.dir_count());
    ctxs.push(root);
    let of = |ctxs: &[Ctx], dir: NodeId| ix.dir_rank(dir).and_then(|d| ctxs.get(d).copied()).unwrap_or(root);
    let mut user_reasons: HashMap<String, u32> = HashMap::new();

    for node in 1..n_nodes as NodeId {
        let n = node as usize;
        if !ix.visible(node) {
            continue;
        }
        let parent = ix.paths.parent(node).unwrap_or(ROOT);
        let p = of(&ctxs, parent);
        let name = ix.paths.name(node);
        if ix.is_dir(node) {
            let depth = p.depth + 1;
            // Only shallow directories match place rules: a hostile 50,000-level tree costs
            // no path strings.
            let path = (depth <= MAX_RULE_DEPTH).then(|| relative(ix, node));
            let grandparent_zone = ix.paths.parent(parent).and_then(|g| of(&ctxs, g).zone);
            let zone = places.zone(path.as_deref(), p.zone, reasons);
            let zone = places.node_gyp(ix, parent, name, zone, p.zone, grandparent_zone);
            let c = enter(ix, node, parent, name, p, zone, app, owners, fallback.node_modules, reasons);
            debug_assert_eq!(ix.dir_rank(node), Some(ctxs.len()));
            ctxs.push(Ctx { depth, top: if parent == ROOT { node } else { p.top }, ..c });
            continue;
        }
        // A file (or symlink, device, ...).
        let pkg = file_package(ix, &out.package, node, parent, name, p.pkg);
        out.package[n] = pkg;
        let user = || {
            let path = rules.has_path_rules().then(|| relative(ix, node));
            let pkg_name = (pkg != NONE).then(|| owners.list[pkg as usize].pkg.name.as_str());
            rules.decide(path.as_deref(), pkg_name)
        };
        let (category, reason) = match user() {
            Some((key, cat)) => (cat, *user_reasons.entry(key.clone()).or_insert_with(|| reasons.id(key))),
            None => p
                .zone
                .filter(|z| z.strong)
                .map(|z| (z.category, z.reason))
                .or_else(|| (pkg != NONE).then(|| owners.category(pkg)))
                .or(p.zone.map(|z| (z.category, z.reason)))
                .or_else(|| runtime_file(ix, &runtime, &p, parent, name, reasons))
                .or_else(|| app.and_then(|a| a.decide(p.app, name, reasons)))
                .or_else(|| (entry == Some(node)).then(|| (Category::App, entry_reason.unwrap_or_default())))
                .or_else(|| fallback.dependencies(p.area))
                .unwrap_or_else(|| {
                    let top = if parent == ROOT { node } else { p.top };
                    fallback.system(ix.paths.name(top))
                }),
        };
        out.category[n] = category;
        out.reason[n] = reason;
    }
    // Only files have a package: what the file lists said of the rest is no decision.
    for (n, pkg) in out.package.iter_mut().enumerate() {
        if !ix.is_file(n as NodeId) {
            *pkg = NONE;
        }
    }
    out
}

/// A node's path without the leading `/`, as place and user rules match it.
fn relative(ix: &Index, node: NodeId) -> String {
    let mut path = ix.paths.path(node);
    path.remove(0);
    path
}

/// The context of directory `node` below `parent` (whose context is `p`), in zone `zone`.
#[allow(clippy::too_many_arguments)]
fn enter(
    ix: &Index,
    node: NodeId,
    parent: NodeId,
    name: &str,
    p: Ctx,
    zone: Option<Zone>,
    app: Option<&App>,
    owners: &mut Owners,
    unlocked_reason: u32,
    reasons: &mut Reasons,
) -> Ctx {
    let mut c = Ctx { zone, ..p };
    if let Some(&pkg) = owners.dir.get(&node) {
        c.pkg = pkg;
    }
    match name {
        "node_modules" => {
            c.area = Area::NodeModules;
            c.app = AppPart::Outside;
        }
        "site-packages" | "dist-packages" => {
            c.area = Area::SitePackages;
            c.app = AppPart::Outside;
        }
        _ => {}
    }
    if ix.paths.find_child(node, "pyvenv.cfg").is_some() {
        c.area = Area::Venv;
        c.app = AppPart::Outside;
    }
    // A package directory no lockfile knows.
    let pname = ix.paths.name(parent);
    if p.area == Area::NodeModules
        && c.pkg == p.pkg
        && p.pkg == NONE
        && !name.starts_with('.')
        && (pname == "node_modules"
            || (pname.starts_with('@')
                && ix.paths.parent(parent).is_some_and(|g| ix.paths.name(g) == "node_modules")))
        && !name.starts_with('@')
        && !matches!(c.zone, Some(Zone { category: Category::Runtime, .. }))
    {
        let pkg_name = if pname.starts_with('@') { format!("{pname}/{name}") } else { name.to_string() };
        c.pkg = npm::unlocked(owners, ix, node, pkg_name, unlocked_reason);
    }
    if let Some(a) = app
        && (node == a.node || (p.app == AppPart::App && c.area == p.area))
    {
        c.app = a.part(ix, node, parent, name, p.app, reasons);
    }
    c
}

/// The package owning a file: its file list's, else its directory's. Bytecode compiled after
/// installation (dpkg's postinst runs py3compile) goes with the package of its source:
/// `x/__pycache__/m.cpython-311.pyc` ← `x/m.py`. `listed`: per node, the package whose file
/// list names it, or, for a file already walked, the package decided for it; the two differ
/// only below a directory with a package, where the source is not looked up.
fn file_package(ix: &Index, listed: &[u32], node: NodeId, parent: NodeId, name: &str, dir_pkg: u32) -> u32 {
    let pkg = if listed[node as usize] != NONE { listed[node as usize] } else { dir_pkg };
    if pkg != NONE || ix.paths.name(parent) != "__pycache__" {
        return pkg;
    }
    let stem = name.split('.').next().unwrap_or(name);
    ix.paths
        .parent(parent)
        .and_then(|d| ix.paths.find_child(d, &format!("{stem}.py")))
        .map_or(NONE, |src| listed[src as usize])
}

/// Step 4 for a file: a virtualenv's, or a runtime file near the root outside any package,
/// dependency area or app.
fn runtime_file(
    ix: &Index,
    runtime: &Runtime,
    p: &Ctx,
    parent: NodeId,
    name: &str,
    reasons: &mut Reasons,
) -> Option<(Category, u32)> {
    if p.area == Area::Venv {
        return Some(runtime.in_venv(name));
    }
    if p.area != Area::None || p.app != AppPart::Outside || p.depth > 4 {
        return None;
    }
    let path = if parent == ROOT { name.to_string() } else { format!("{}/{name}", relative(ix, parent)) };
    runtime.file(&path, reasons)
}
