//! Two analyses side by side: the shared base, deltas by category, stage, package and
//! directory, what only one image has, what the second still carries that a production image
//! should not (leaks), and what to do about it, with the bytes each step would save.

pub mod several;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analysis::{Analysis, Contributor};
use crate::classify::{Category, Ecosystem};
use crate::index::{Index, NodeId, ROOT};

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub content_bytes: u64,
    pub compressed_bytes: Option<u64>,
    pub files: u64,
    pub layers: usize,
    pub user: Option<String>,
}

/// A row of a delta table: `after - before`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delta {
    pub name: String,
    pub before: u64,
    pub after: u64,
    pub delta: i64,
}

impl Delta {
    fn new(name: impl Into<String>, before: u64, after: u64) -> Delta {
        Delta { name: name.into(), before, after, delta: after as i64 - before as i64 }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Base {
    /// Layers the two images share from the bottom up (same diff_id).
    pub common_prefix: usize,
    /// Layers of AFTER whose diff_id is also a layer of BEFORE, anywhere.
    pub identical_layers: usize,
    /// Bytes of the shared layers in each image, and their share of it.
    pub before_bytes: u64,
    pub after_bytes: u64,
    pub before_share: f64,
    pub after_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageDelta {
    pub ecosystem: Ecosystem,
    pub name: String,
    /// `removed`, `added`, `changed` (version) or `resized`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_version: Option<String>,
    pub before: u64,
    pub after: u64,
    pub delta: i64,
    pub category: Category,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnlyIn {
    pub path: String,
    pub bytes: u64,
    pub files: u32,
    pub dir: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerRow {
    pub index: usize,
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// The history's `created_by`; the documents carry it shortened.
    #[serde(rename = "command", serialize_with = "crate::report::fmt::serialize_command")]
    pub created_by: String,
    /// Bytes of this layer still in the image.
    pub bytes: u64,
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leak {
    pub category: Category,
    pub bytes: u64,
    pub files: u64,
    pub top: Vec<Contributor>,
}

/// A change to the Dockerfile, what in the image calls for it, and the bytes it saves;
/// `report::fmt::recommendation` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub kind: Advice,
    pub evidence: Evidence,
    /// Bytes it would take out of AFTER.
    pub saves: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeManager {
    Npm,
    Pnpm,
    Yarn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// devDependencies: a production-only install in its own stage.
    ProductionDependencies(NodeManager),
    PythonProductionRequirements,
    /// Compilers and headers: a build stage.
    BuildStage,
    CleanNodeGyp,
    CleanApt,
    NpmCache,
    PipCache,
    TestsInBuildStage,
    CopyBuildOutputOnly,
    NoSourceMaps,
    IgnoreGit,
    /// Bytes hidden by later layers still ship.
    DeleteInSameRun,
    NonRootUser,
}

/// What in the image shows a recommendation is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Package names, largest first.
    Packages(Vec<String>),
    /// Directories, largest first.
    Paths(Vec<String>),
    AptCache {
        lists: u64,
        archives: u64,
    },
    /// Hidden copies: their path and the layer that wrote them.
    Hidden(Vec<(String, usize)>),
    /// The category's data is in the image (version control).
    Present,
    /// The config's USER, or none (the container runs as root).
    User(Option<String>),
}

// The documents carry a recommendation as its words.
impl Serialize for Recommendation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (title, evidence) = crate::report::fmt::recommendation(self);
        let mut st = s.serialize_struct("Recommendation", 3)?;
        st.serialize_field("title", &title)?;
        st.serialize_field("evidence", &evidence)?;
        st.serialize_field("saves", &self.saves)?;
        st.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub before: Side,
    pub after: Side,
    pub base: Base,
    pub total: Delta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed: Option<Delta>,
    /// Every category, by absolute change; they add up to `total` exactly.
    pub categories: Vec<Delta>,
    /// The compressed size by category, each layer's blob apportioned to its files by
    /// content; the last row holds what no visible file accounts for (hidden bytes and tar
    /// overhead), so the rows add up to `compressed`. Absent when a side is uncompressed.
    pub categories_compressed: Vec<Delta>,
    pub stages: Vec<Delta>,
    pub layers_before: Vec<LayerRow>,
    pub layers_after: Vec<LayerRow>,
    pub packages: Vec<PackageDelta>,
    pub directories: Vec<Delta>,
    pub only_before: Vec<OnlyIn>,
    pub only_after: Vec<OnlyIn>,
    pub leaks: Vec<Leak>,
    pub recommendations: Vec<Recommendation>,
    /// Findings BEFORE has and AFTER does not.
    pub findings_fixed: Vec<crate::findings::Finding>,
    /// Findings AFTER has and BEFORE does not.
    pub findings_introduced: Vec<crate::findings::Finding>,
}

pub const DEFAULT_LEAKS: [Category; 5] =
    [Category::DevDependencies, Category::Toolchain, Category::Source, Category::Cache, Category::Vcs];

const TOP: usize = 15;

fn side(a: &Analysis) -> Side {
    Side {
        reference: a.image.id.reference.clone(),
        name: a.image.id.name.clone(),
        content_bytes: a.totals.content_bytes,
        compressed_bytes: a.totals.compressed_bytes,
        files: a.totals.files,
        layers: a.layers.len(),
        user: a.image.user.clone(),
    }
}

fn by_abs(rows: &mut [Delta]) {
    rows.sort_by(|a, b| {
        b.delta.unsigned_abs().cmp(&a.delta.unsigned_abs()).then_with(|| a.name.cmp(&b.name))
    });
}

/// Estimated compressed bytes per category: each file's share of its layer's blob.
fn compressed_by_category(a: &Analysis) -> Option<BTreeMap<Category, u64>> {
    a.totals.compressed_bytes?;
    let ix = &a.index;
    let mut f = BTreeMap::new();
    let ratio: Vec<f64> =
        a.layers.iter().map(|l| if l.size == 0 { 0.0 } else { l.blob_size as f64 / l.size as f64 }).collect();
    let mut acc: HashMap<Category, f64> = HashMap::new();
    for (n, e) in ix.final_files() {
        let bytes = ix.node_size(n);
        *acc.entry(a.classes.category[n as usize]).or_default() += bytes as f64 * ratio[e.layer as usize];
    }
    for c in Category::ALL {
        f.insert(c, acc.get(&c).copied().unwrap_or(0.0).round() as u64);
    }
    Some(f)
}

fn layer_rows(a: &Analysis, shared: &dyn Fn(usize) -> bool) -> Vec<LayerRow> {
    a.layers
        .iter()
        .map(|l| LayerRow {
            index: l.index,
            stage: l.stage_label().to_string(),
            instruction: l.attribution.instruction.clone(),
            created_by: l.history.created_by.clone().unwrap_or_default(),
            bytes: l.final_bytes,
            shared: shared(l.index),
        })
        .collect()
}

/// Walks both trees together by name: directory deltas (down to depth 8) and the paths only
/// one image has (the outermost such path of each subtree). An explicit stack, and paths built
/// only for the rows kept, so a hostile tree 50,000 levels deep costs neither stack nor
/// quadratic memory.
struct Walk<'a> {
    b: &'a Index,
    a: &'a Index,
    dirs: Vec<Delta>,
    only_b: Vec<OnlyIn>,
    only_a: Vec<OnlyIn>,
}

impl Walk<'_> {
    fn only(ix: &Index, n: NodeId) -> OnlyIn {
        OnlyIn { path: ix.paths.path(n), bytes: ix.node_size(n), files: ix.node_files(n), dir: ix.is_dir(n) }
    }

    fn walk(&mut self) {
        let (b, a) = (self.b, self.a);
        let mut stack: Vec<(NodeId, NodeId, usize)> = vec![(ROOT, ROOT, 1)];
        while let Some((nb, na, depth)) = stack.pop() {
            for cb in b.paths.children(nb).filter(|&c| b.visible(c)) {
                let name = b.paths.name(cb);
                match a.paths.find_child(na, name).filter(|&c| a.visible(c)) {
                    Some(ca) => {
                        let (db, da) = (b.is_dir(cb), a.is_dir(ca));
                        if db && da {
                            let (sb, sa) = (b.node_size(cb), a.node_size(ca));
                            if sb != sa && depth <= 8 {
                                self.dirs.push(Delta::new(b.paths.path(cb), sb, sa));
                            }
                            stack.push((cb, ca, depth + 1));
                        } else if db != da {
                            // A directory in one image is a file in the other: both sides differ.
                            self.only_b.push(Self::only(b, cb));
                            self.only_a.push(Self::only(a, ca));
                        }
                    }
                    None => self.only_b.push(Self::only(b, cb)),
                }
            }
            for ca in a.paths.children(na).filter(|&c| a.visible(c)) {
                if b.paths.find_child(nb, a.paths.name(ca)).filter(|&c| b.visible(c)).is_none() {
                    self.only_a.push(Self::only(a, ca));
                }
            }
        }
    }
}

/// Keeps the directory rows worth reading: a directory whose change is entirely one child's
/// is left out in favour of that child; then the largest changes.
fn collapse(mut dirs: Vec<Delta>, top: usize) -> Vec<Delta> {
    dirs.retain(|d| d.delta != 0);
    let deltas: HashMap<&str, i64> = dirs.iter().map(|d| (d.name.as_str(), d.delta)).collect();
    let mut has_equal_child: std::collections::HashSet<String> = std::collections::HashSet::new();
    for d in &dirs {
        if let Some((parent, _)) = d.name.rsplit_once('/')
            && deltas.get(parent) == Some(&d.delta)
        {
            has_equal_child.insert(parent.to_string());
        }
    }
    let mut kept: Vec<Delta> = dirs.into_iter().filter(|d| !has_equal_child.contains(&d.name)).collect();
    by_abs(&mut kept);
    kept.truncate(top);
    kept
}

pub fn compare(before: &Analysis, after: &Analysis, leak_categories: &[Category]) -> Comparison {
    // Shared base: the common diff_id prefix, and identical layers anywhere.
    let ids = |a: &Analysis| a.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>();
    let (ib, ia) = (ids(before), ids(after));
    let prefix = ib.iter().zip(&ia).take_while(|(x, y)| x.is_some() && x == y).count();
    let in_before: std::collections::HashSet<_> = ib.iter().flatten().collect();
    let identical = ia.iter().flatten().filter(|d| in_before.contains(d)).count();
    let shared_b = |i: usize| ib[i].as_ref().is_some_and(|d| ia.contains(&Some(d.clone())));
    let shared_a = |i: usize| ia[i].as_ref().is_some_and(|d| in_before.contains(d));
    let before_bytes: u64 = before.layers.iter().filter(|l| shared_b(l.index)).map(|l| l.final_bytes).sum();
    let after_bytes: u64 = after.layers.iter().filter(|l| shared_a(l.index)).map(|l| l.final_bytes).sum();
    let share = |x: u64, t: u64| if t == 0 { 0.0 } else { x as f64 / t as f64 };
    let base = Base {
        common_prefix: prefix,
        identical_layers: identical,
        before_bytes,
        after_bytes,
        before_share: share(before_bytes, before.totals.content_bytes),
        after_share: share(after_bytes, after.totals.content_bytes),
    };

    let total = Delta::new("total", before.totals.content_bytes, after.totals.content_bytes);
    let compressed = match (before.totals.compressed_bytes, after.totals.compressed_bytes) {
        (Some(b), Some(a)) => Some(Delta::new("compressed", b, a)),
        _ => None,
    };
    let mut categories: Vec<Delta> = Category::ALL
        .iter()
        .map(|&c| Delta::new(c.name(), before.category(c).bytes, after.category(c).bytes))
        .collect();
    by_abs(&mut categories);
    let mut categories_compressed = Vec::new();
    if let (Some(cb), Some(ca), Some(tot)) =
        (compressed_by_category(before), compressed_by_category(after), &compressed)
    {
        for c in Category::ALL {
            categories_compressed.push(Delta::new(c.name(), cb[&c], ca[&c]));
        }
        by_abs(&mut categories_compressed);
        let rest = |m: &BTreeMap<Category, u64>, t: u64| t.saturating_sub(m.values().sum());
        categories_compressed.push(Delta::new(
            "(hidden bytes, tar overhead)",
            rest(&cb, tot.before),
            rest(&ca, tot.after),
        ));
    }

    let stage_map = |a: &Analysis| -> BTreeMap<String, u64> {
        a.stages.iter().map(|s| (s.stage.clone(), s.bytes)).collect()
    };
    let (sb, sa) = (stage_map(before), stage_map(after));
    let mut stages: Vec<Delta> = sb
        .keys()
        .chain(sa.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|k| Delta::new(k.clone(), sb.get(k).copied().unwrap_or(0), sa.get(k).copied().unwrap_or(0)))
        .collect();
    by_abs(&mut stages);

    // Packages by (ecosystem, name); several installs of one name add up.
    type Key = (Ecosystem, String);
    let pkg_map = |a: &Analysis| -> BTreeMap<Key, (u64, Vec<String>, Category)> {
        let mut m: BTreeMap<Key, (u64, Vec<String>, Category)> = BTreeMap::new();
        for p in &a.classes.packages {
            let e = m.entry((p.ecosystem, p.name.clone())).or_insert((0, Vec::new(), p.category));
            e.0 += p.size;
            if !p.version.is_empty() && !e.1.contains(&p.version) {
                e.1.push(p.version.clone());
            }
        }
        for v in m.values_mut() {
            v.1.sort();
        }
        m
    };
    let (pb, pa) = (pkg_map(before), pkg_map(after));
    let mut packages: Vec<PackageDelta> = Vec::new();
    for key in pb.keys().chain(pa.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (b, a) = (pb.get(key), pa.get(key));
        let versions = |v: Option<&(u64, Vec<String>, Category)>| v.map(|v| v.1.join(", "));
        let (bs, as_) = (b.map(|v| v.0).unwrap_or(0), a.map(|v| v.0).unwrap_or(0));
        let change = match (b, a) {
            (Some(_), None) => "removed",
            (None, Some(_)) => "added",
            (Some(x), Some(y)) if x.1 != y.1 => "changed",
            _ if bs != as_ => "resized",
            _ => continue,
        };
        packages.push(PackageDelta {
            ecosystem: key.0,
            name: key.1.clone(),
            change,
            before_version: versions(b),
            after_version: versions(a),
            before: bs,
            after: as_,
            delta: as_ as i64 - bs as i64,
            category: a.or(b).map(|v| v.2).unwrap_or(Category::Other),
        });
    }
    packages.sort_by(|x, y| {
        y.delta.unsigned_abs().cmp(&x.delta.unsigned_abs()).then_with(|| x.name.cmp(&y.name))
    });

    let mut walk =
        Walk { b: &before.index, a: &after.index, dirs: Vec::new(), only_b: Vec::new(), only_a: Vec::new() };
    walk.walk();
    let Walk { dirs, mut only_b, mut only_a, .. } = walk;
    let mut dirs = dirs;
    for o in &only_b {
        if o.dir {
            dirs.push(Delta::new(o.path.clone(), o.bytes, 0));
        }
    }
    for o in &only_a {
        if o.dir {
            dirs.push(Delta::new(o.path.clone(), 0, o.bytes));
        }
    }
    let directories = collapse(dirs, TOP);
    let biggest = |v: &mut Vec<OnlyIn>| {
        v.sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.path.cmp(&y.path)));
        v.truncate(TOP);
    };
    biggest(&mut only_b);
    biggest(&mut only_a);

    let leaks = leak_categories
        .iter()
        .filter_map(|&c| {
            let t = after.category(c);
            (t.bytes > 0 || t.files > 0).then(|| {
                let nodes: Vec<(NodeId, u64)> =
                    after.visible_files().filter(|(n, _)| after.classes.category[*n as usize] == c).collect();
                Leak { category: c, bytes: t.bytes, files: t.files, top: after.owners_of(&nodes, 8) }
            })
        })
        .collect();

    Comparison {
        before: side(before),
        after: side(after),
        base,
        total,
        compressed,
        categories,
        categories_compressed,
        stages,
        layers_before: layer_rows(before, &shared_b),
        layers_after: layer_rows(after, &shared_a),
        packages,
        directories,
        only_before: only_b,
        only_after: only_a,
        leaks,
        recommendations: recommend(after),
        findings_fixed: only_in(&before.findings, &after.findings),
        findings_introduced: only_in(&after.findings, &before.findings),
    }
}

/// The findings of `a` that `b` has not: the same id about the same first path.
fn only_in(a: &[crate::findings::Finding], b: &[crate::findings::Finding]) -> Vec<crate::findings::Finding> {
    let key = |f: &crate::findings::Finding| (f.id, f.paths.first().cloned());
    a.iter().filter(|f| !b.iter().any(|g| key(g) == key(f))).cloned().collect()
}

/// Bytes of AFTER's files whose path contains `needle` and whose category is `c`.
fn bytes_where(a: &Analysis, c: Option<Category>, pred: impl Fn(&str) -> bool) -> (u64, Vec<String>) {
    let mut total = 0u64;
    let mut dirs: BTreeMap<String, u64> = BTreeMap::new();
    for (n, b) in a.visible_files() {
        if c.is_some_and(|c| a.classes.category[n as usize] != c) {
            continue;
        }
        let path = a.index.paths.path(n);
        if pred(&path) {
            total = total.saturating_add(b);
            let dir = path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
            let d = dirs.entry(dir).or_default();
            *d = d.saturating_add(b);
        }
    }
    let mut d: Vec<(String, u64)> = dirs.into_iter().collect();
    d.sort_by_key(|x| std::cmp::Reverse(x.1));
    (total, d.into_iter().take(3).map(|x| x.0).collect())
}

fn package_names(a: &Analysis, eco: Ecosystem, c: Category, n: usize) -> (u64, Vec<String>) {
    let mut p: Vec<&crate::classify::Package> =
        a.classes.packages.iter().filter(|p| p.ecosystem == eco && p.category == c && p.size > 0).collect();
    p.sort_by_key(|x| std::cmp::Reverse(x.size));
    (p.iter().map(|p| p.size).sum(), p.iter().take(n).map(|p| p.name.clone()).collect())
}

/// What to change in the Dockerfile, from what AFTER still carries; only what the data shows.
pub fn recommend(a: &Analysis) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let mut push = |kind: Advice, evidence: Evidence, saves: u64| {
        if saves > 0 || kind == Advice::NonRootUser {
            out.push(Recommendation { kind, evidence, saves });
        }
    };
    // devDependencies.
    let (npm_dev, npm_names) = package_names(a, Ecosystem::Npm, Category::DevDependencies, 5);
    if npm_dev > 0 {
        let pnpm =
            a.classes.packages.iter().any(|p| p.path.as_deref().is_some_and(|x| x.contains("/.pnpm/")));
        let yarn = a
            .index
            .paths
            .find(&format!(
                "{}/yarn.lock",
                a.classes.app_dir.as_deref().unwrap_or("").trim_start_matches('/')
            ))
            .is_some();
        let manager = if pnpm {
            NodeManager::Pnpm
        } else if yarn {
            NodeManager::Yarn
        } else {
            NodeManager::Npm
        };
        push(Advice::ProductionDependencies(manager), Evidence::Packages(npm_names), npm_dev);
    }
    let (py_dev, py_names) = package_names(a, Ecosystem::Python, Category::DevDependencies, 5);
    if py_dev > 0 {
        push(Advice::PythonProductionRequirements, Evidence::Packages(py_names), py_dev);
    }
    // Toolchain.
    let (deb_tool, deb_names) = package_names(a, Ecosystem::Deb, Category::Toolchain, 6);
    let (gyp, gyp_dirs) =
        bytes_where(a, Some(Category::Toolchain), |p| p.contains("/node_modules/") && p.contains("/build/"));
    if deb_tool > 0 {
        push(
            Advice::BuildStage,
            Evidence::Packages(deb_names),
            a.category(Category::Toolchain).bytes.saturating_sub(gyp),
        );
    }
    if gyp > 0 {
        push(Advice::CleanNodeGyp, Evidence::Paths(gyp_dirs), gyp);
    }
    // Caches.
    let (lists, _) = bytes_where(a, Some(Category::Cache), |p| p.starts_with("/var/lib/apt/lists/"));
    let (archives, _) = bytes_where(a, Some(Category::Cache), |p| p.starts_with("/var/cache/apt/"));
    if lists + archives > 0 {
        push(Advice::CleanApt, Evidence::AptCache { lists, archives }, lists + archives);
    }
    let (npm_cache, npm_dirs) =
        bytes_where(a, Some(Category::Cache), |p| p.contains("/.npm/") || p.contains("/_cacache/"));
    if npm_cache > 0 {
        push(Advice::NpmCache, Evidence::Paths(npm_dirs), npm_cache);
    }
    let (pip_cache, pip_dirs) = bytes_where(a, Some(Category::Cache), |p| p.contains("/.cache/pip/"));
    if pip_cache > 0 {
        push(Advice::PipCache, Evidence::Paths(pip_dirs), pip_cache);
    }
    let (tool_cache, tool_dirs) = bytes_where(a, Some(Category::Cache), |p| {
        ["/.pytest_cache/", "/.mypy_cache/", "/.ruff_cache/", "/.hypothesis/", "/.tox/", "/.eslintcache"]
            .iter()
            .any(|m| p.contains(m))
    });
    if tool_cache > 0 {
        push(Advice::TestsInBuildStage, Evidence::Paths(tool_dirs), tool_cache);
    }
    // Sources beside the build output.
    if a.category(Category::Source).bytes > 0 {
        let (maps, map_dirs) = bytes_where(a, Some(Category::Source), |p| p.ends_with(".map"));
        let (rest, dirs) = bytes_where(a, Some(Category::Source), |p| !p.ends_with(".map"));
        if rest > 0 {
            push(Advice::CopyBuildOutputOnly, Evidence::Paths(dirs), rest);
        }
        if maps > 0 {
            push(Advice::NoSourceMaps, Evidence::Paths(map_dirs), maps);
        }
    }
    let vcs = a.category(Category::Vcs).bytes;
    if vcs > 0 {
        push(Advice::IgnoreGit, Evidence::Present, vcs);
    }
    let waste = a.totals.waste_bytes;
    if waste > 1_000_000 {
        let items = a.waste_items(3).into_iter().map(|w| (w.path, w.layer)).collect();
        push(Advice::DeleteInSameRun, Evidence::Hidden(items), waste);
    }
    let user = a.image.user.as_deref().unwrap_or("");
    let user_name = user.split(':').next().unwrap_or("");
    if user_name.is_empty() || user_name == "root" || user_name == "0" {
        let evidence = Evidence::User((!user.is_empty()).then(|| user.to_string()));
        push(Advice::NonRootUser, evidence, 0);
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.saves));
    out
}
