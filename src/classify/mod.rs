//! What a file is: its category, the rule that decided it, and the package that owns it.
//!
//! Every visible non-directory path gets exactly one category, so the categories' bytes add up
//! to the image's content bytes. The decision for a file, first match wins:
//!
//! 1. the user's path rules, then the user's package rules (config file);
//! 2. places whose purpose does not depend on who put files there: version control data,
//!    caches (package manager caches, apt lists, `/tmp`), system documentation, compiler
//!    headers and toolchains, node-gyp build trees;
//! 3. the owning package: an npm/pnpm/yarn package (dev or not, from the lockfile), a Python
//!    distribution (dev from lock/requirements files, known dev tools and what only they
//!    require), a Debian package (toolchain, runtime or os; see [`deb_classes`]);
//! 4. the language runtime's own files (node and what ships with it, the interpreter's
//!    standard library, a virtualenv's interpreter links);
//! 5. the application directory (from `WORKDIR`, else the script the `CMD` runs): sources,
//!    tests, source maps and build configuration are `source`, the rest `app`;
//! 6. files in `node_modules` or `site-packages` that no package claims are `dependencies`;
//! 7. the rest of the usual system directories is `os`; anything else `other`.

pub mod deb;
pub mod node;
pub mod python;
pub mod rules;

use std::collections::{BTreeSet, HashMap, HashSet};

use globset::{GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::index::{Index, Kind, NONE, NodeId, ROOT};
pub use rules::{ConfigError, Rules};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    DevDependencies,
    Toolchain,
    Source,
    Cache,
    Docs,
    Vcs,
    Dependencies,
    App,
    Runtime,
    Os,
    Other,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::DevDependencies,
        Category::Toolchain,
        Category::Source,
        Category::Cache,
        Category::Docs,
        Category::Vcs,
        Category::Dependencies,
        Category::App,
        Category::Runtime,
        Category::Os,
        Category::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::DevDependencies => "dev-dependencies",
            Category::Toolchain => "toolchain",
            Category::Source => "source",
            Category::Cache => "cache",
            Category::Docs => "docs",
            Category::Vcs => "vcs",
            Category::Dependencies => "dependencies",
            Category::App => "app",
            Category::Runtime => "runtime",
            Category::Os => "os",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn names() -> Vec<&'static str> {
        Category::ALL.iter().map(|c| c.name()).collect()
    }

    /// Categories a production image should not carry.
    pub fn is_leak(self) -> bool {
        matches!(
            self,
            Category::DevDependencies
                | Category::Toolchain
                | Category::Source
                | Category::Cache
                | Category::Vcs
        )
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Deb,
    Npm,
    Python,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Npm => "npm",
            Ecosystem::Python => "python",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// `npm:express@5.1.0`: what files refer to.
    pub id: String,
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// Whether only development needs it (npm, Python); null when nothing says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev: Option<bool>,
    /// Its directory (npm) or metadata directory (Python), absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What the package database declares (dpkg `Installed-Size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
    /// Bytes of its files in the final image.
    pub size: u64,
    pub files: u64,
    /// The category its files get unless a place rule decides otherwise (docs of a toolchain
    /// package are still docs; a node-gyp build tree inside an npm package is toolchain).
    pub category: Category,
    /// Why the package itself is in that category.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Tally {
    pub bytes: u64,
    pub files: u64,
}

/// What the image's config says about how it runs.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub working_dir: Option<String>,
    /// ENTRYPOINT followed by CMD.
    pub argv: Vec<String>,
    pub env: Vec<String>,
}

/// The language an image runs, from its ENTRYPOINT and CMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
    Java,
    Ruby,
}

impl Language {
    fn name(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python",
            Language::Java => "java",
            Language::Ruby => "ruby",
        }
    }

    /// Debian packages of this language's interpreter (and what ships with it).
    fn owns_deb(self, p: &str) -> bool {
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
        match self {
            Language::Node => p == "nodejs" || p.starts_with("libnode") || p == "npm",
            Language::Python => py(p),
            Language::Java => {
                (p.starts_with("openjdk-") || p.starts_with("default-jre")) && p.contains("jre")
            }
            Language::Ruby => p.starts_with("ruby") || p.starts_with("libruby"),
        }
    }

    const ALL: [Language; 4] = [Language::Node, Language::Python, Language::Java, Language::Ruby];
}

/// What the ENTRYPOINT/CMD runs: the first word naming a known interpreter or launcher.
pub fn detect_language(argv: &[String]) -> Option<(Language, String)> {
    let words = argv.iter().flat_map(|a| a.split_whitespace());
    for w in words {
        let base = w.rsplit('/').next().unwrap_or(w);
        let lang = match base {
            "node" | "nodejs" | "npm" | "npx" | "yarn" | "pnpm" | "tsx" | "ts-node" | "pm2"
            | "pm2-runtime" => Language::Node,
            "gunicorn" | "uvicorn" | "hypercorn" | "daphne" | "celery" | "flask" | "django-admin"
            | "uwsgi" | "waitress-serve" | "streamlit" | "fastapi" => Language::Python,
            "java" => Language::Java,
            "ruby" | "rails" | "puma" | "bundle" | "rackup" => Language::Ruby,
            b if b.starts_with("python") && b[6..].chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Language::Python
            }
            _ => continue,
        };
        return Some((lang, base.to_string()));
    }
    None
}

pub struct Classification {
    /// Per node (meaningful for visible non-directories).
    pub category: Vec<Category>,
    /// Per node: index into `reasons`.
    pub reason: Vec<u32>,
    /// Per node: index into `packages`, or NONE.
    pub package: Vec<u32>,
    pub reasons: Vec<String>,
    pub packages: Vec<Package>,
    /// Per category, in [`Category::ALL`] order.
    pub totals: Vec<(Category, Tally)>,
    pub app_dir: Option<String>,
    pub language: Option<Language>,
    /// Things that could not be read (a lockfile that does not parse, ...).
    pub notes: Vec<String>,
}

impl Classification {
    pub fn of(&self, node: NodeId) -> (Category, &str, Option<&Package>) {
        let n = node as usize;
        let p = self.package[n];
        (
            self.category[n],
            &self.reasons[self.reason[n] as usize],
            (p != NONE).then(|| &self.packages[p as usize]),
        )
    }

    pub fn total(&self, c: Category) -> Tally {
        self.totals.iter().find(|(k, _)| *k == c).map(|(_, t)| *t).unwrap_or_default()
    }
}

struct Reasons {
    list: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Reasons {
    fn id(&mut self, r: impl Into<String>) -> u32 {
        let r = r.into();
        if let Some(&id) = self.ids.get(&r) {
            return id;
        }
        self.list.push(r.clone());
        let id = self.list.len() as u32 - 1;
        self.ids.insert(r, id);
        id
    }
}

/// A package and the category its files get unless something stronger decides.
struct Owner {
    pkg: Package,
    category: Category,
    reason: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    None,
    NodeModules,
    SitePackages,
    Venv,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AppPart {
    Outside,
    App,
    /// Inside the app, and source for this reason.
    Source(u32),
}

#[derive(Clone, Copy)]
struct Ctx {
    /// Components below the root.
    depth: u32,
    /// The top-level directory it is under.
    top: NodeId,
    /// A place rule in force: (category, reason, strong). Strong places beat packages.
    zone: Option<(Category, u32, bool)>,
    /// Package owning the directory (npm package dirs, Python top-level modules).
    pkg: u32,
    area: Area,
    app: AppPart,
}

#[derive(Clone, Copy)]
enum Effect {
    Zone(Category, &'static str, bool),
    /// Ends an enclosing place (site-packages inside the interpreter's directory).
    Clear,
}

/// Directory rules, matched against a directory's path (no leading `/`). The innermost
/// matching directory decides; within one directory the first matching rule.
const DIR_RULES: &[(&str, Effect)] = &[
    ("**/.git", Effect::Zone(Category::Vcs, "version control data (.git)", true)),
    ("**/.svn", Effect::Zone(Category::Vcs, "version control data (.svn)", true)),
    ("**/.hg", Effect::Zone(Category::Vcs, "version control data (.hg)", true)),
    ("**/.npm", Effect::Zone(Category::Cache, "npm cache (~/.npm)", true)),
    ("**/_cacache", Effect::Zone(Category::Cache, "npm cache (_cacache)", true)),
    ("**/.pnpm-store", Effect::Zone(Category::Cache, "pnpm store", true)),
    ("**/.local/share/pnpm/store", Effect::Zone(Category::Cache, "pnpm store", true)),
    ("**/.yarn/cache", Effect::Zone(Category::Cache, "yarn cache", true)),
    ("**/.yarn-cache", Effect::Zone(Category::Cache, "yarn cache", true)),
    ("**/.cache", Effect::Zone(Category::Cache, "cache directory (.cache: pip, yarn, node-gyp, ...)", true)),
    ("**/.pytest_cache", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.mypy_cache", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.ruff_cache", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.hypothesis", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.tox", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.nox", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("**/.eslintcache", Effect::Zone(Category::Cache, "test and lint caches", true)),
    ("var/cache/apt", Effect::Zone(Category::Cache, "apt package cache", true)),
    ("var/lib/apt/lists", Effect::Zone(Category::Cache, "apt package lists", true)),
    ("tmp", Effect::Zone(Category::Cache, "temporary files", true)),
    ("var/tmp", Effect::Zone(Category::Cache, "temporary files", true)),
    ("**/.cargo/registry", Effect::Zone(Category::Cache, "cargo registry cache", true)),
    ("**/.cargo/git", Effect::Zone(Category::Cache, "cargo registry cache", true)),
    ("**/go/pkg/mod", Effect::Zone(Category::Cache, "Go module cache", true)),
    ("usr/share/doc", Effect::Zone(Category::Docs, "system documentation", true)),
    ("usr/share/doc-base", Effect::Zone(Category::Docs, "system documentation", true)),
    ("usr/share/man", Effect::Zone(Category::Docs, "man pages", true)),
    ("usr/local/share/man", Effect::Zone(Category::Docs, "man pages", true)),
    ("usr/local/man", Effect::Zone(Category::Docs, "man pages", true)),
    ("usr/share/info", Effect::Zone(Category::Docs, "info pages", true)),
    ("usr/local/share/doc", Effect::Zone(Category::Docs, "system documentation", true)),
    ("usr/share/gtk-doc", Effect::Zone(Category::Docs, "system documentation", true)),
    ("usr/include", Effect::Zone(Category::Toolchain, "C headers: only compilers read them", true)),
    // Headers that ship inside the node distribution (official images keep them for
    // node-gyp): part of the runtime as installed, not something a build added.
    (
        "usr/include/node",
        Effect::Zone(Category::Runtime, "ships with node (headers for native addons)", true),
    ),
    (
        "usr/local/include/node",
        Effect::Zone(Category::Runtime, "ships with node (headers for native addons)", true),
    ),
    ("usr/local/include", Effect::Zone(Category::Toolchain, "C headers: only compilers read them", true)),
    ("usr/local/go", Effect::Zone(Category::Toolchain, "Go toolchain", true)),
    ("usr/lib/go-*", Effect::Zone(Category::Toolchain, "Go toolchain", true)),
    ("usr/local/rustup", Effect::Zone(Category::Toolchain, "Rust toolchain", true)),
    ("usr/local/cargo", Effect::Zone(Category::Toolchain, "Rust toolchain", true)),
    ("**/.rustup", Effect::Zone(Category::Toolchain, "Rust toolchain", true)),
    ("**/.cargo", Effect::Zone(Category::Toolchain, "Rust toolchain", true)),
    ("**/.node-gyp", Effect::Zone(Category::Toolchain, "node-gyp headers", true)),
    ("usr/lib/node_modules/npm", Effect::Zone(Category::Runtime, "ships with node (npm)", false)),
    ("usr/lib/node_modules/corepack", Effect::Zone(Category::Runtime, "ships with node (corepack)", false)),
    ("usr/local/lib/node_modules/npm", Effect::Zone(Category::Runtime, "ships with node (npm)", false)),
    (
        "usr/local/lib/node_modules/corepack",
        Effect::Zone(Category::Runtime, "ships with node (corepack)", false),
    ),
    ("opt/yarn-*", Effect::Zone(Category::Runtime, "ships with node (yarn)", false)),
    (
        "usr/local/lib/python3*",
        Effect::Zone(Category::Runtime, "the Python interpreter's standard library", false),
    ),
    ("usr/local/lib/python3*/site-packages", Effect::Clear),
    ("usr/local/lib/python3*/dist-packages", Effect::Clear),
    ("usr/lib/jvm", Effect::Zone(Category::Runtime, "Java runtime", false)),
    ("opt/java", Effect::Zone(Category::Runtime, "Java runtime", false)),
    ("usr/local/openjdk*", Effect::Zone(Category::Runtime, "Java runtime", false)),
];

/// Files of a runtime installed without a package manager, matched when nothing owns them.
const FILE_RULES: &[(&str, &str)] = &[
    ("usr/bin/node", "the node runtime"),
    ("usr/bin/nodejs", "the node runtime"),
    ("usr/local/bin/node", "the node runtime"),
    ("usr/local/bin/nodejs", "the node runtime"),
    ("usr/bin/{npm,npx,corepack,yarn,yarnpkg,pnpm,pnpx}", "ships with node"),
    ("usr/local/bin/{npm,npx,corepack,yarn,yarnpkg,pnpm,pnpx}", "ships with node"),
    ("usr/local/bin/{python,pip,idle,pydoc,2to3}*", "the Python interpreter"),
    ("usr/local/lib/libpython*", "the Python interpreter"),
    ("usr/local/bin/java", "Java runtime"),
];

/// Directories deeper than this inherit their place rules instead of matching their own.
const MAX_RULE_DEPTH: u32 = 32;

const TEST_DIRS: &[&str] = &["test", "tests", "__tests__", "__mocks__", "spec", "e2e", "testing", "coverage"];
const BUILD_OUTPUT_DIRS: &[&str] = &["dist", "build", "out", "lib", ".next"];

struct Builtins {
    dirs: GlobSet,
    files: GlobSet,
}

fn builtins() -> Builtins {
    let build = |pats: &mut dyn Iterator<Item = &str>| {
        let mut b = GlobSetBuilder::new();
        for p in pats {
            b.add(globset::GlobBuilder::new(p).literal_separator(true).build().expect("built-in glob"));
        }
        b.build().expect("built-in globs")
    };
    Builtins {
        dirs: build(&mut DIR_RULES.iter().map(|r| r.0)),
        files: build(&mut FILE_RULES.iter().map(|r| r.0)),
    }
}

/// Files a source file list, lint or test configuration, or a source map: what the build
/// reads and the running app does not.
fn source_file_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if ext == "map" {
        return Some("source map");
    }
    if matches!(ext, "ts" | "tsx" | "mts" | "cts") {
        return Some("TypeScript source (the image runs compiled JavaScript)");
    }
    if matches!(
        ext,
        "c" | "cc"
            | "cpp"
            | "cxx"
            | "h"
            | "hpp"
            | "pyx"
            | "go"
            | "rs"
            | "java"
            | "kt"
            | "scss"
            | "sass"
            | "less"
    ) {
        return Some("uncompiled source");
    }
    let stem = lower.split('.').next().unwrap_or("");
    if lower.contains(".test.") || lower.contains(".spec.") || lower.contains("_test.") {
        return Some("test file");
    }
    if ext == "py" && (lower.starts_with("test_") || lower == "conftest.py") {
        return Some("test file");
    }
    let config = matches!(
        stem,
        "tsconfig"
            | "jest"
            | "vitest"
            | "babel"
            | "webpack"
            | "rollup"
            | "vite"
            | "esbuild"
            | "eslint"
            | "prettier"
            | "karma"
            | "cypress"
            | "playwright"
            | "nodemon"
            | "dockerfile"
            | "tox"
            | "mypy"
            | "pytest"
            | "noxfile"
            | "makefile"
            | "justfile"
            | "turbo"
            | "lerna"
    ) || lower.starts_with("tsconfig")
        || lower.starts_with(".eslintrc")
        || lower.starts_with(".prettierrc")
        || lower.starts_with(".babelrc")
        || lower.starts_with("dockerfile")
        || matches!(
            lower.as_str(),
            ".dockerignore"
                | ".gitignore"
                | ".gitattributes"
                | ".editorconfig"
                | ".flake8"
                | ".pre-commit-config.yaml"
                | ".nvmrc"
                | ".npmignore"
                | ".eslintignore"
                | ".prettierignore"
                | ".coveragerc"
                | "setup.cfg"
        )
        || (ext == "txt" && python::is_dev_requirements(&lower) && lower.contains("requirements"));
    config.then_some("build, lint or test configuration")
}

/// Follows symlinked directories (`/bin` → `usr/bin` on merged-/usr systems) to the node a
/// path names in the final tree.
fn resolve(ix: &Index, path: &str) -> Option<NodeId> {
    let mut parts: Vec<String> =
        path.split('/').filter(|p| !p.is_empty() && *p != ".").map(String::from).collect();
    parts.reverse();
    let mut cur = ROOT;
    let mut hops = 0;
    while let Some(part) = parts.pop() {
        if part == ".." {
            cur = ix.paths.parent(cur).unwrap_or(ROOT);
            continue;
        }
        let next = ix.paths.find_child(cur, &part).filter(|&c| ix.visible[c as usize])?;
        let e = ix.current[next as usize];
        if !parts.is_empty() && e != NONE && ix.entries[e as usize].kind == Kind::Symlink {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = ix.symlink_target(e)?;
            let mut t: Vec<String> =
                target.split('/').filter(|p| !p.is_empty() && *p != ".").map(String::from).collect();
            t.reverse();
            parts.extend(t);
            if target.starts_with('/') {
                cur = ROOT;
            }
            continue;
        }
        cur = next;
    }
    Some(cur)
}

/// Joins and cleans `base/rel` (rel may hold `..`); None when it leaves the root.
fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// A class a package ends up in through what needs it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Need {
    /// Only builds need it (toolchain) / only development needs it (dev tools).
    Build,
    /// The language runtime needs it.
    Runtime,
}

/// Propagates seed classes to packages that only seeded packages need. A package with at
/// least one installed dependent, not pinned, joins `Build` when every dependent is `Build`,
/// `Runtime` when every dependent is `Build` or `Runtime` (and one is `Runtime`: the runtime
/// needs it). Packages that need each other (perl and perl-modules) are decided together, by
/// the dependents outside their cycle. Returns, per package, its dependents.
fn propagate(needs: &[Vec<usize>], class: &mut [Option<Need>], pinned: &[bool]) -> Vec<Vec<usize>> {
    let n = needs.len();
    let mut rdeps: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut graph = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, 0);
    let ids: Vec<_> = (0..n).map(|_| graph.add_node(())).collect();
    for (i, deps) in needs.iter().enumerate() {
        for &d in deps {
            if d != i {
                rdeps[d].push(i);
                graph.add_edge(ids[i], ids[d], ());
            }
        }
    }
    for r in &mut rdeps {
        r.sort_unstable();
        r.dedup();
    }
    // Kosaraju's algorithm runs on an explicit stack: a hostile package database with a
    // dependency chain 300,000 long must not overflow ours.
    let sccs = petgraph::algo::kosaraju_scc(&graph);
    let mut comp = vec![0usize; n];
    for (c, members) in sccs.iter().enumerate() {
        for m in members {
            comp[m.index()] = c;
        }
    }
    // Dependents before what they depend on (Kahn's order on the components), so one pass
    // decides every component from already decided dependents.
    let nc = sccs.len();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nc];
    let mut waiting = vec![0usize; nc];
    for (i, deps) in needs.iter().enumerate() {
        for &d in deps {
            let (ci, cd) = (comp[i], comp[d]);
            if ci != cd {
                down[ci].push(cd);
            }
        }
    }
    for d in &mut down {
        d.sort_unstable();
        d.dedup();
        for &x in d.iter() {
            waiting[x] += 1;
        }
    }
    let mut order: Vec<usize> = (0..nc).filter(|&c| waiting[c] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        let c = order[k];
        k += 1;
        for &x in &down[c] {
            waiting[x] -= 1;
            if waiting[x] == 0 {
                order.push(x);
            }
        }
    }
    let seeded: Vec<bool> = class.iter().map(Option::is_some).collect();
    for &c in &order {
        let members: Vec<usize> = sccs[c].iter().map(|m| m.index()).collect();
        let open: Vec<usize> =
            members.iter().copied().filter(|&m| class[m].is_none() && !pinned[m]).collect();
        if open.is_empty() {
            continue;
        }
        let mut outside: Vec<Option<Need>> = Vec::new();
        for &m in &members {
            outside.extend(rdeps[m].iter().filter(|&&r| comp[r] != c).map(|&r| class[r]));
            if seeded[m] {
                outside.push(class[m]);
            }
        }
        if outside.is_empty() || outside.iter().any(Option::is_none) {
            continue;
        }
        let need = if outside.iter().all(|x| *x == Some(Need::Build)) { Need::Build } else { Need::Runtime };
        for m in open {
            class[m] = Some(need);
        }
    }
    rdeps
}

fn few(names: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = names.collect();
    if v.len() > 3 { format!("{}, ... ({} packages)", v[..3].join(", "), v.len()) } else { v.join(", ") }
}

/// Debian packages' categories. A compiler, build tool or header package (by name) is
/// toolchain, and so is an interpreter the image does not run (python3 next to a node app is
/// there for node-gyp). The interpreter the image runs is runtime. A library goes with what
/// needs it: if every installed package that depends on it (Depends, Pre-Depends,
/// Recommends) is toolchain, it is toolchain too (libisl, libmpc, cpp); if they are runtime
/// or toolchain, it is runtime. Everything else, and every Essential or Priority: required
/// package, is os: a runtime library that any non-toolchain package needs stays os.
fn deb_classes(
    pkgs: &[deb::DebPackage],
    lang: Option<Language>,
    reasons: &mut Reasons,
) -> Vec<(Category, u32)> {
    let by_name: HashMap<&str, usize> = pkgs.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pkgs.iter().enumerate() {
        for v in &p.provides {
            providers.entry(v.as_str()).or_default().push(i);
        }
    }
    let needs: Vec<Vec<usize>> = pkgs
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
        if deb::is_toolchain_name(name) {
            class[i] = Some(Need::Build);
            seed_reason[i] =
                Some(reasons.id(format!("Debian package {name}: a compiler, build tool or headers")));
        } else if let Some(other) = Language::ALL.into_iter().find(|l| l.owns_deb(name)) {
            match lang {
                Some(l) if l != other => {
                    class[i] = Some(Need::Build);
                    seed_reason[i] = Some(reasons.id(format!(
                        "Debian package {name}: a {} interpreter the image does not run (it runs {}); only builds need it",
                        other.name(),
                        l.name()
                    )));
                }
                _ => {
                    class[i] = Some(Need::Runtime);
                    seed_reason[i] =
                        Some(reasons.id(format!("Debian package {name}: the {} runtime", other.name())));
                }
            }
        }
    }
    let pinned: Vec<bool> = pkgs.iter().map(|p| p.required).collect();
    let rdeps = propagate(&needs, &mut class, &pinned);
    pkgs.iter()
        .enumerate()
        .map(|(i, p)| {
            if let Some(r) = seed_reason[i] {
                let cat = if class[i] == Some(Need::Build) { Category::Toolchain } else { Category::Runtime };
                return (cat, r);
            }
            let by = || few(rdeps[i].iter().map(|&r| pkgs[r].name.clone()));
            match class[i] {
                Some(Need::Build) => (
                    Category::Toolchain,
                    reasons.id(format!(
                        "Debian package {}: needed only by toolchain packages ({})",
                        p.name,
                        by()
                    )),
                ),
                Some(Need::Runtime) => (
                    Category::Runtime,
                    reasons.id(format!("Debian package {}: needed only by the runtime ({})", p.name, by())),
                ),
                None => (Category::Os, reasons.id(format!("Debian package {}: base system", p.name))),
            }
        })
        .collect()
}

/// The application's directory: WORKDIR when it is set and exists; else the project directory
/// of the script the command runs.
fn find_app_dir(ix: &Index, facts: &Facts) -> Option<(NodeId, String)> {
    if let Some(w) = facts.working_dir.as_deref() {
        let w = w.trim_matches('/');
        if !w.is_empty()
            && let Some(n) = resolve(ix, w).filter(|&n| ix.is_dir(n) && n != ROOT)
        {
            return Some((n, format!("WORKDIR /{w}")));
        }
    }
    for arg in facts.argv.iter().flat_map(|a| a.split_whitespace()) {
        if !arg.starts_with('/') || arg.starts_with("/usr/") || arg.starts_with("/bin/") {
            continue;
        }
        let Some(file) = resolve(ix, arg).filter(|&n| ix.is_file(n)) else { continue };
        let mut dir = ix.paths.parent(file)?;
        let script_dir = dir;
        // Up to the directory holding the project's manifest.
        while dir != ROOT {
            let has = |n: &str| ix.paths.find_child(dir, n).is_some_and(|c| ix.visible[c as usize]);
            if has("package.json") || has("pyproject.toml") || has("requirements.txt") || has("setup.py") {
                return Some((dir, format!("the command runs {arg}")));
            }
            dir = ix.paths.parent(dir).unwrap_or(ROOT);
        }
        return Some((script_dir, format!("the command runs {arg}")));
    }
    None
}

/// The top-level directory of the app that the command's script lives in (`dist` for
/// `node dist/server.js`), so sources beside it can be told from it.
fn script_top_dir(ix: &Index, app: NodeId, facts: &Facts) -> Option<NodeId> {
    let app_path = ix.paths.path(app);
    for arg in facts.argv.iter().flat_map(|a| a.split_whitespace()) {
        let abs = if arg.starts_with('/') { arg.to_string() } else { format!("{app_path}/{arg}") };
        let Some(node) = resolve(ix, &abs) else { continue };
        let mut cur = node;
        while let Some(p) = ix.paths.parent(cur) {
            if p == app {
                return Some(cur);
            }
            cur = p;
        }
    }
    None
}

pub fn classify(ix: &Index, facts: &Facts, rules: &Rules) -> Classification {
    let n_nodes = ix.paths.len();
    let mut reasons = Reasons { list: Vec::new(), ids: HashMap::new() };
    let mut notes: Vec<String> = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    let mut file_pkg: Vec<u32> = vec![NONE; n_nodes];
    let mut dir_pkg: HashMap<NodeId, u32> = HashMap::new();

    let language = detect_language(&facts.argv);
    let lang = language.map(|l| l.0);

    // Metadata files visible in the final tree.
    let mut meta: Vec<(String, &[u8])> = ix
        .contents
        .iter()
        .filter(|(e, _)| ix.current[ix.entries[**e as usize].node as usize] == **e)
        .map(|(e, c)| (ix.entry_path(*e).trim_start_matches('/').to_string(), &c[..]))
        .collect();
    meta.sort_by(|a, b| a.0.cmp(&b.0));
    let content = |p: &str| meta.binary_search_by(|m| m.0.as_str().cmp(p)).ok().map(|i| meta[i].1);

    // Debian packages.
    if let Some(status) = content("var/lib/dpkg/status") {
        let debs = deb::parse_status(&String::from_utf8_lossy(status));
        let classes = deb_classes(&debs, lang, &mut reasons);
        let mut by_name: HashMap<String, u32> = HashMap::new();
        for (d, (cat, reason)) in debs.into_iter().zip(classes) {
            by_name.insert(d.name.clone(), owners.len() as u32);
            owners.push(Owner {
                pkg: Package {
                    id: format!("deb:{}@{}", d.name, d.version),
                    ecosystem: Ecosystem::Deb,
                    name: d.name,
                    version: d.version,
                    dev: None,
                    path: None,
                    installed_size: d.installed_size,
                    size: 0,
                    files: 0,
                    category: cat,
                    reason: String::new(),
                },
                category: cat,
                reason,
            });
        }
        for (path, text) in &meta {
            if !path.starts_with("var/lib/dpkg/info/") || !path.ends_with(".list") {
                continue;
            }
            let Some(&owner) = deb::list_owner(path).and_then(|n| by_name.get(n)) else { continue };
            for line in String::from_utf8_lossy(text).lines() {
                if let Some(node) = resolve(ix, line).filter(|&n| ix.is_file(n))
                    && file_pkg[node as usize] == NONE
                {
                    file_pkg[node as usize] = owner;
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
                    file_pkg[node as usize] = owner;
                }
            }
        }
    }

    // Python distributions.
    python_packages(ix, &meta, &mut owners, &mut file_pkg, &mut dir_pkg, &mut reasons, &mut notes);

    // JavaScript packages.
    node_packages(ix, &meta, &mut owners, &mut dir_pkg, &mut reasons, &mut notes);

    let builtins = builtins();
    let app = find_app_dir(ix, facts);
    let app_reason = app
        .as_ref()
        .map(|(n, why)| reasons.id(format!("in the app directory {} ({why})", ix.paths.path(*n))));
    let script_top = app.as_ref().and_then(|(a, _)| script_top_dir(ix, *a, facts));
    let goroot: Option<String> = facts
        .env
        .iter()
        .find_map(|e| e.strip_prefix("GOROOT="))
        .map(|g| g.trim_matches('/').to_string())
        .filter(|g| !g.is_empty());

    let user_path_rules = rules.has_path_rules();
    let mut category = vec![Category::Other; n_nodes];
    let mut reason = vec![0u32; n_nodes];
    let mut package = vec![NONE; n_nodes];
    let mut ctx: Vec<Ctx> =
        vec![
            Ctx { depth: 0, top: ROOT, zone: None, pkg: NONE, area: Area::None, app: AppPart::Outside };
            n_nodes
        ];
    let other_reason = reasons.id("no rule matched");
    let os_reason = reasons.id("in a system directory");
    let dep_nm_reason = reasons.id("in node_modules, not in any lockfile");
    let dep_sp_reason = reasons.id("in site-packages, not listed by any distribution");
    let venv_rt_reason = reasons.id("the virtualenv's interpreter");
    let venv_dep_reason = reasons.id("in a virtualenv");
    let gyp_reason = reasons.id("node-gyp build tree: objects and makefiles of a native addon build");
    let mut unlocked: HashMap<NodeId, u32> = HashMap::new();
    let mut user_reasons: HashMap<String, u32> = HashMap::new();
    let mut dir_path_cache: HashMap<NodeId, String> = HashMap::new();

    for node in 1..n_nodes as NodeId {
        let n = node as usize;
        if !ix.visible[n] {
            continue;
        }
        let parent = ix.paths.parent(node).unwrap_or(ROOT);
        let p = ctx[parent as usize];
        let name = ix.paths.name(node);
        if ix.is_dir(node) {
            let mut c = p;
            c.depth = p.depth + 1;
            c.top = if parent == ROOT { node } else { p.top };
            // Place rules look at directories near the root or a few levels into a project;
            // deeper ones inherit, so a hostile 50,000-level tree costs no path strings.
            let path = match (parent == ROOT, dir_path_cache.get(&parent)) {
                (true, _) => Some(name.to_string()),
                (false, Some(pp)) if c.depth <= MAX_RULE_DEPTH => Some(format!("{pp}/{name}")),
                _ => None,
            };
            if let Some(i) = path.as_deref().and_then(|p| builtins.dirs.matches(p).into_iter().min()) {
                c.zone = match DIR_RULES[i].1 {
                    Effect::Zone(cat, why, strong) => Some((cat, reasons.id(why), strong)),
                    Effect::Clear => None,
                };
            }
            if path.is_some() && goroot.as_deref() == path.as_deref() {
                c.zone = Some((Category::Toolchain, reasons.id("Go toolchain (GOROOT)"), true));
            }
            // node-gyp: `build/` beside `binding.gyp` holds objects and makefiles; only
            // `build/Release/*.node` is the addon itself.
            let pname = ix.paths.name(parent);
            if name == "build" && ix.paths.find_child(parent, "binding.gyp").is_some() {
                c.zone = Some((Category::Toolchain, gyp_reason, true));
            } else if (name == "Release" || name == "Debug")
                && pname == "build"
                && p.zone.map(|z| z.1) == Some(gyp_reason)
            {
                c.zone = None;
            } else if matches!(name, "obj.target" | "obj" | ".deps")
                && pname == "Release"
                && ctx[parent as usize].zone.is_none()
                && ix
                    .paths
                    .parent(parent)
                    .is_some_and(|b| ctx[b as usize].zone.map(|z| z.1) == Some(gyp_reason))
            {
                c.zone = Some((Category::Toolchain, gyp_reason, true));
            }
            if let Some(&pkg) = dir_pkg.get(&node) {
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
            if p.area == Area::NodeModules
                && c.pkg == p.pkg
                && p.pkg == NONE
                && !name.starts_with('.')
                && (pname == "node_modules"
                    || (pname.starts_with('@')
                        && ix.paths.parent(parent).is_some_and(|g| ix.paths.name(g) == "node_modules")))
                && !name.starts_with('@')
                && !matches!(c.zone, Some((Category::Runtime, _, _)))
            {
                let pkg_name =
                    if pname.starts_with('@') { format!("{pname}/{name}") } else { name.to_string() };
                let pkg_path = ix.paths.path(node);
                let id = owners.len() as u32;
                owners.push(Owner {
                    pkg: Package {
                        id: format!("npm:{pkg_name}@{pkg_path}"),
                        ecosystem: Ecosystem::Npm,
                        name: pkg_name,
                        version: String::new(),
                        dev: None,
                        path: Some(pkg_path.clone()),
                        installed_size: None,
                        size: 0,
                        files: 0,
                        category: Category::Dependencies,
                        reason: String::new(),
                    },
                    category: Category::Dependencies,
                    reason: dep_nm_reason,
                });
                unlocked.insert(node, id);
                c.pkg = id;
            }
            if let Some((a, _)) = &app {
                if node == *a {
                    c.app = AppPart::App;
                } else if p.app == AppPart::App && c.area == p.area {
                    if TEST_DIRS.contains(&name) {
                        c.app = AppPart::Source(reasons.id(format!("tests ({name}/)")));
                    } else if name == "src" && parent == *a && script_top.is_some_and(|t| t != node) {
                        let built = ix
                            .paths
                            .children(*a)
                            .find(|&s| BUILD_OUTPUT_DIRS.contains(&ix.paths.name(s)) && ix.is_dir(s));
                        if let Some(b) = built {
                            c.app = AppPart::Source(reasons.id(format!(
                                "uncompiled sources beside the built output {}/",
                                ix.paths.name(b)
                            )));
                        }
                    }
                }
            }
            ctx[n] = c;
            if let Some(path) = path {
                dir_path_cache.insert(node, path);
            }
            continue;
        }
        // A file (or symlink, device, ...).
        let mut pkg = if file_pkg[n] != NONE { file_pkg[n] } else { p.pkg };
        if pkg == NONE && ix.paths.name(parent) == "__pycache__" {
            // Bytecode compiled after installation (dpkg's postinst runs py3compile) goes
            // with the package of its source: `x/__pycache__/m.cpython-311.pyc` ← `x/m.py`.
            let stem = name.split('.').next().unwrap_or(name);
            if let Some(src) =
                ix.paths.parent(parent).and_then(|d| ix.paths.find_child(d, &format!("{stem}.py")))
            {
                pkg = file_pkg[src as usize];
            }
        }
        package[n] = pkg;
        let mut decided: Option<(Category, u32)> = None;
        if user_path_rules {
            let path = match (parent == ROOT, dir_path_cache.get(&parent)) {
                (true, _) => name.to_string(),
                (false, Some(pp)) => format!("{pp}/{name}"),
                (false, None) => ix.paths.path(node).trim_start_matches('/').to_string(),
            };
            if let Some((pattern, cat)) = rules.match_path(&path) {
                let key = format!("rule in {}: {pattern}", rules.source);
                let r = *user_reasons.entry(key.clone()).or_insert_with(|| reasons.id(key));
                decided = Some((cat, r));
            }
        }
        if decided.is_none()
            && pkg != NONE
            && let Some((pattern, cat)) = rules.match_package(&owners[pkg as usize].pkg.name)
        {
            let key = format!("rule in {}: package {pattern}", rules.source);
            let r = *user_reasons.entry(key.clone()).or_insert_with(|| reasons.id(key));
            decided = Some((cat, r));
        }
        let decided = decided
            .or(p.zone.filter(|z| z.2).map(|z| (z.0, z.1)))
            .or_else(|| (pkg != NONE).then(|| (owners[pkg as usize].category, owners[pkg as usize].reason)))
            .or(p.zone.map(|z| (z.0, z.1)))
            .or_else(|| {
                if p.area == Area::Venv {
                    let rt =
                        name.starts_with("python") || name == "pyvenv.cfg" || name.starts_with("activate");
                    return Some(if rt {
                        (Category::Runtime, venv_rt_reason)
                    } else {
                        (Category::Dependencies, venv_dep_reason)
                    });
                }
                if p.area != Area::None || p.app != AppPart::Outside || p.depth > 4 {
                    return None;
                }
                let parent_path = dir_path_cache.get(&parent).map(String::as_str).unwrap_or("");
                let path =
                    if parent_path.is_empty() { name.to_string() } else { format!("{parent_path}/{name}") };
                let i = builtins.files.matches(&path).into_iter().min()?;
                Some((Category::Runtime, reasons.id(FILE_RULES[i].1)))
            })
            .or_else(|| match p.app {
                AppPart::Source(r) => Some((Category::Source, r)),
                AppPart::App => Some(match source_file_reason(name) {
                    Some(why) => (Category::Source, reasons.id(why)),
                    None => (Category::App, app_reason.unwrap_or(other_reason)),
                }),
                AppPart::Outside => None,
            })
            .or(match p.area {
                Area::NodeModules => Some((Category::Dependencies, dep_nm_reason)),
                Area::SitePackages | Area::Venv => Some((Category::Dependencies, dep_sp_reason)),
                Area::None => None,
            })
            .unwrap_or_else(|| {
                let top = if parent == ROOT { node } else { p.top };
                let system = matches!(
                    ix.paths.name(top),
                    "bin"
                        | "sbin"
                        | "lib"
                        | "lib32"
                        | "lib64"
                        | "libx32"
                        | "usr"
                        | "etc"
                        | "var"
                        | "boot"
                        | "run"
                        | "srv"
                        | "root"
                        | "home"
                        | "opt"
                        | "mnt"
                        | "media"
                );
                if system { (Category::Os, os_reason) } else { (Category::Other, other_reason) }
            });
        category[n] = decided.0;
        reason[n] = decided.1;
    }
    drop(ctx);

    // Sizes: bytes land on the name carrying a file's content (hardlinks once).
    let mut totals: Vec<(Category, Tally)> = Category::ALL.iter().map(|&c| (c, Tally::default())).collect();

    for node in 1..n_nodes {
        if !ix.is_file(node as NodeId) {
            continue;
        }
        let size = ix.node_size[node];
        let t = &mut totals[category[node] as usize].1;
        t.bytes += size;
        t.files += 1;
        let p = package[node];
        if p != NONE {
            let o = &mut owners[p as usize].pkg;
            o.size += size;
            o.files += 1;
        }
    }
    let mut packages: Vec<Package> = Vec::with_capacity(owners.len());
    for o in owners {
        let mut pkg = o.pkg;
        pkg.category = o.category;
        pkg.reason = reasons.list[o.reason as usize].clone();
        packages.push(pkg);
    }
    Classification {
        category,
        reason,
        package,
        reasons: reasons.list,
        packages,
        totals,
        app_dir: app.map(|(n, _)| ix.paths.path(n)),
        language: lang,
        notes,
    }
}

/// Python distributions from `*.dist-info/RECORD` (with METADATA), and which are dev.
fn python_packages(
    ix: &Index,
    meta: &[(String, &[u8])],
    owners: &mut Vec<Owner>,
    file_pkg: &mut [u32],
    dir_pkg: &mut HashMap<NodeId, u32>,
    reasons: &mut Reasons,
    notes: &mut Vec<String>,
) {
    struct Dist {
        dir: String,
        meta: python::Metadata,
        record: Vec<String>,
    }
    let mut dists: Vec<Dist> = Vec::new();
    for (path, text) in meta {
        let Some(dir) = path.strip_suffix("/RECORD").filter(|d| d.ends_with(".dist-info")) else { continue };
        let metadata_path = format!("{dir}/METADATA");
        let mut m = meta
            .binary_search_by(|x| x.0.as_str().cmp(&metadata_path))
            .ok()
            .map(|i| python::parse_metadata(&String::from_utf8_lossy(meta[i].1)))
            .unwrap_or_default();
        if m.name.is_empty()
            && let Some((n, v)) = python::split_dist_info(dir.rsplit('/').next().unwrap_or(dir))
        {
            m.name = n.to_string();
            m.version = v.to_string();
        }
        dists.push(Dist {
            dir: dir.to_string(),
            meta: m,
            record: python::record_paths(&String::from_utf8_lossy(text)),
        });
    }
    if dists.is_empty() {
        return;
    }
    // What says which are dev: lockfiles and requirements files in the image.
    let mut prod: BTreeSet<String> = BTreeSet::new();
    let mut dev_from: HashMap<String, String> = HashMap::new();
    for (path, text) in meta {
        let base = path.rsplit('/').next().unwrap_or(path);
        if path.contains("site-packages/")
            || path.contains("dist-packages/")
            || path.contains("node_modules/")
        {
            continue;
        }
        let sides = match base {
            "Pipfile.lock" => python::parse_pipfile_lock(text),
            "poetry.lock" => python::parse_poetry_lock(&String::from_utf8_lossy(text)),
            "uv.lock" => python::parse_uv_lock(&String::from_utf8_lossy(text)),
            b if b.ends_with(".txt") && b.contains("requirements") => {
                let names = python::requirement_names(&String::from_utf8_lossy(text));
                Ok(if python::is_dev_requirements(path) {
                    python::Sides { prod: BTreeSet::new(), dev: names }
                } else {
                    python::Sides { prod: names, dev: BTreeSet::new() }
                })
            }
            _ => continue,
        };
        match sides {
            Ok(s) => {
                prod.extend(s.prod);
                for d in s.dev {
                    dev_from.entry(d).or_insert_with(|| format!("/{path}"));
                }
            }
            Err(e) => notes.push(format!("/{path}: not read ({e})")),
        }
    }
    let names: Vec<String> = dists.iter().map(|d| python::normalize(&d.meta.name)).collect();
    let by_name: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let needs: Vec<Vec<usize>> = dists
        .iter()
        .map(|d| d.meta.requires.iter().filter_map(|r| by_name.get(r.as_str()).copied()).collect())
        .collect();
    let packaging = |n: &str| matches!(n, "pip" | "setuptools" | "wheel" | "distribute");
    let mut class: Vec<Option<Need>> = vec![None; dists.len()];
    let mut seed_reason: Vec<Option<String>> = vec![None; dists.len()];
    for (i, n) in names.iter().enumerate() {
        if prod.contains(n) || packaging(n) {
            continue;
        }
        if let Some(file) = dev_from.get(n) {
            class[i] = Some(Need::Build);
            seed_reason[i] = Some(format!("Python distribution {n}: listed for development in {file}"));
        } else if python::is_dev_tool(n) {
            class[i] = Some(Need::Build);
            seed_reason[i] =
                Some(format!("Python distribution {n}: a development tool (tests, lint, types)"));
        }
    }
    let pinned: Vec<bool> = names.iter().map(|n| prod.contains(n) || packaging(n)).collect();
    let rdeps = propagate(&needs, &mut class, &pinned);
    for (i, d) in dists.into_iter().enumerate() {
        let n = &names[i];
        let (cat, why, dev) = if packaging(n) {
            (
                Category::Runtime,
                format!("Python distribution {n}: packaging tools that come with the interpreter"),
                Some(false),
            )
        } else if let Some(r) = seed_reason[i].take() {
            (Category::DevDependencies, r, Some(true))
        } else if class[i] == Some(Need::Build) {
            let by = few(rdeps[i].iter().map(|&r| names[r].clone()));
            (
                Category::DevDependencies,
                format!("Python distribution {n}: required only by development tools ({by})"),
                Some(true),
            )
        } else {
            (Category::Dependencies, format!("Python distribution {n}: a production dependency"), Some(false))
        };
        let id = owners.len() as u32;
        let site = parent_of(&d.dir).to_string();
        let mut top_dirs: HashSet<NodeId> = HashSet::new();
        for rel in &d.record {
            let Some(path) = join(&site, rel) else { continue };
            let Some(node) = ix.paths.find(&path).filter(|&nd| ix.is_file(nd)) else { continue };
            if file_pkg[node as usize] == NONE {
                file_pkg[node as usize] = id;
            }
            // Top-level module directories, so files the RECORD does not list (bytecode
            // compiled later) go with their distribution.
            if !rel.starts_with("..")
                && let Some((top, _)) = rel.split_once('/')
                && let Some(t) = ix.paths.find(&format!("{site}/{top}"))
            {
                top_dirs.insert(t);
            }
        }
        for t in top_dirs {
            match dir_pkg.get(&t) {
                Some(&other) if other != id => {
                    dir_pkg.insert(t, NONE); // shared (namespace package)
                }
                _ => {
                    dir_pkg.insert(t, id);
                }
            }
        }
        owners.push(Owner {
            pkg: Package {
                id: format!("python:{}@{}", d.meta.name, d.meta.version),
                ecosystem: Ecosystem::Python,
                name: d.meta.name,
                version: d.meta.version,
                dev,
                path: Some(format!("/{}", d.dir)),
                installed_size: None,
                size: 0,
                files: 0,
                category: cat,
                reason: String::new(),
            },
            category: cat,
            reason: reasons.id(why),
        });
    }
}

/// npm, pnpm and yarn packages under every project's `node_modules`.
fn node_packages(
    ix: &Index,
    meta: &[(String, &[u8])],
    owners: &mut Vec<Owner>,
    dir_pkg: &mut HashMap<NodeId, u32>,
    reasons: &mut Reasons,
    notes: &mut Vec<String>,
) {
    // `meta` is sorted by path.
    let content = |p: &str| meta.binary_search_by(|m| m.0.as_str().cmp(p)).ok().map(|i| meta[i].1);
    let dir_exists = |p: &str| ix.paths.find(p).is_some_and(|n| ix.is_dir(n));
    let mut add = |owners: &mut Vec<Owner>,
                   reasons: &mut Reasons,
                   node: NodeId,
                   name: &str,
                   version: &str,
                   dev: Option<bool>,
                   src: &str| {
        if dir_pkg.contains_key(&node) {
            return;
        }
        let (cat, why) = match dev {
            Some(true) => (Category::DevDependencies, format!("npm package {name}: marked dev in {src}")),
            Some(false) => {
                (Category::Dependencies, format!("npm package {name}: a production dependency in {src}"))
            }
            None => (
                Category::Dependencies,
                format!("npm package {name}: in node_modules; {src} does not say whether it is dev"),
            ),
        };
        // Reasons are per package, but interned: many packages share few lockfiles.
        let id = owners.len() as u32;
        owners.push(Owner {
            pkg: Package {
                // Without a version (yarn classic), the directory tells installs apart.
                id: if version.is_empty() {
                    format!("npm:{name}@{}", ix.paths.path(node))
                } else {
                    format!("npm:{name}@{version}")
                },
                ecosystem: Ecosystem::Npm,
                name: name.to_string(),
                version: version.to_string(),
                dev,
                path: Some(ix.paths.path(node)),
                installed_size: None,
                size: 0,
                files: 0,
                category: cat,
                reason: String::new(),
            },
            category: cat,
            reason: reasons.id(why),
        });
        dir_pkg.insert(node, id);
    };
    // Project roots: every directory with a node_modules and a lockfile.
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for (path, _) in meta {
        let base = path.rsplit('/').next().unwrap_or(path);
        let root = match base {
            ".package-lock.json" | ".modules.yaml" | ".yarn-state.yml" => parent_of(parent_of(path)),
            "lock.yaml" if path.ends_with("node_modules/.pnpm/lock.yaml") => {
                parent_of(parent_of(parent_of(path)))
            }
            "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml" => parent_of(path),
            _ => continue,
        };
        let nm = if root.is_empty() { "node_modules".to_string() } else { format!("{root}/node_modules") };
        if dir_exists(&nm) {
            roots.insert(root.to_string());
        }
    }
    for root in roots {
        let at = |f: &str| if root.is_empty() { f.to_string() } else { format!("{root}/{f}") };
        let nm = at("node_modules");
        // npm: the hidden lockfile describes what is installed; the project lockfile may
        // list more (an --omit=dev install).
        for lock in [format!("{nm}/.package-lock.json"), at("npm-shrinkwrap.json"), at("package-lock.json")] {
            let Some(text) = content(&lock) else { continue };
            match node::parse_npm_lock(text, &root) {
                Ok(pkgs) => {
                    for p in pkgs {
                        if let Some(node) = ix.paths.find(&p.path).filter(|&n| ix.is_dir(n)) {
                            add(owners, reasons, node, &p.name, &p.version, Some(p.dev), &format!("/{lock}"));
                        }
                    }
                }
                Err(e) => notes.push(format!("/{lock}: not read ({e})")),
            }
        }
        // pnpm: packages live in node_modules/.pnpm/<id>/node_modules/<name>.
        let store = format!("{nm}/.pnpm");
        if let Some(store_node) = ix.paths.find(&store).filter(|&n| ix.is_dir(n)) {
            let lock_path = [format!("{store}/lock.yaml"), at("pnpm-lock.yaml")]
                .into_iter()
                .find(|p| content(p).is_some());
            let devs = match &lock_path {
                Some(p) => {
                    match node::parse_pnpm_lock(&String::from_utf8_lossy(content(p).unwrap_or_default())) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            notes.push(format!("/{p}: not read ({e})"));
                            None
                        }
                    }
                }
                None => None,
            };
            let src =
                lock_path.as_ref().map(|p| format!("/{p}")).unwrap_or_else(|| "no pnpm lockfile".into());
            for entry in ix.paths.children(store_node) {
                let dir_name = ix.paths.name(entry);
                let Some(inner) = ix.paths.find_child(entry, "node_modules") else { continue };
                let mut candidates: Vec<(NodeId, String)> = Vec::new();
                for c in ix.paths.children(inner) {
                    let cname = ix.paths.name(c);
                    if cname.starts_with('@') && ix.is_dir(c) {
                        for s in ix.paths.children(c) {
                            candidates.push((s, format!("{cname}/{}", ix.paths.name(s))));
                        }
                    } else {
                        candidates.push((c, cname.to_string()));
                    }
                }
                for (c, name) in candidates {
                    // The package itself is the real directory; its siblings are symlinks
                    // to its dependencies.
                    if !ix.is_dir(c) {
                        continue;
                    }
                    let Some(version) = node::pnpm_dir_version(dir_name, &name) else { continue };
                    let dev = devs.as_ref().and_then(|d| d.is_dev(&name, version));
                    add(owners, reasons, c, &name, version, dev, &src);
                }
            }
        }
        // yarn: berry's install state says which locator each directory holds; classic
        // only has names, so a name locked at several versions with different flags stays
        // undecided.
        if let Some(lock) = content(&at("yarn.lock")) {
            let pj = content(&at("package.json"));
            let devs = match pj {
                Some(pj) => node::parse_yarn_lock(&String::from_utf8_lossy(lock), pj),
                None => Err("the project's package.json is not in the image".to_string()),
            };
            let src = format!("/{}", at("yarn.lock"));
            match devs {
                Ok(devs) => {
                    if let Some(state) = content(&format!("{nm}/.yarn-state.yml")) {
                        match node::parse_yarn_state(&String::from_utf8_lossy(state)) {
                            Ok(locs) => {
                                for (loc, locator) in locs {
                                    let Some(id) = devs.locator_id(&locator) else { continue };
                                    let Some((name, version)) = node::descriptor_split(&id) else { continue };
                                    if let Some(n) = ix.paths.find(&at(&loc)).filter(|&n| ix.is_dir(n)) {
                                        let dev = devs.dev.get(&id).copied();
                                        add(owners, reasons, n, name, version, dev, &src);
                                    }
                                }
                            }
                            Err(e) => notes.push(format!("/{nm}/.yarn-state.yml: not read ({e})")),
                        }
                    }
                    if let Some(nm_node) = ix.paths.find(&nm) {
                        let mut todo = vec![nm_node];
                        while let Some(d) = todo.pop() {
                            for c in ix.paths.children(d) {
                                let cname = ix.paths.name(c);
                                if !ix.is_dir(c) || cname.starts_with('.') {
                                    continue;
                                }
                                if cname.starts_with('@') {
                                    for s in ix.paths.children(c).filter(|&s| ix.is_dir(s)) {
                                        let name = format!("{cname}/{}", ix.paths.name(s));
                                        add(
                                            owners,
                                            reasons,
                                            s,
                                            &name,
                                            "",
                                            devs.is_dev_any_version(&name),
                                            &src,
                                        );
                                        if let Some(sub) = ix.paths.find_child(s, "node_modules") {
                                            todo.push(sub);
                                        }
                                    }
                                    continue;
                                }
                                add(owners, reasons, c, cname, "", devs.is_dev_any_version(cname), &src);
                                if let Some(sub) = ix.paths.find_child(c, "node_modules") {
                                    todo.push(sub);
                                }
                            }
                        }
                    }
                }
                Err(e) => notes.push(format!("{src}: not read ({e})")),
            }
        }
    }
}
