//! What a file is: its category, the rule that decided it, and the package that owns it.
//!
//! Every visible non-directory path gets exactly one category, so the categories' bytes add up
//! to the image's content bytes. The decision for a file follows the README's order, first
//! match wins, one file per step:
//!
//! 1. `user`: the user's path rules, then the user's package rules (config file);
//! 2. `places`: places whose purpose does not depend on who put files there (version control
//!    data, caches, system documentation, compiler headers and toolchains, node-gyp build
//!    trees); strong places win over the owner;
//! 3. `owners`: the owning package, one file per ecosystem (`owners/deb.rs`, `npm.rs` with
//!    `pnpm.rs` and `yarn.rs`, `python.rs`);
//! 4. `runtime`: the language runtime's own files (node and what ships with it, the
//!    interpreter's standard library, a virtualenv's interpreter links);
//! 5. `app`: the application directory: sources, tests, source maps and build configuration
//!    are `source`, the rest `app`;
//! 6. and 7. `fallback`: files in `node_modules` or `site-packages` that no package claims
//!    are `dependencies`; the rest of the usual system directories is `os`, anything else
//!    `other`.
//!
//! `chain` walks the tree and applies them.

pub mod app;
mod chain;
pub mod fallback;
pub mod language;
pub mod native;
pub mod owners;
pub mod paths;
pub mod places;
pub mod runtime;
pub mod user;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::index::{Index, NONE, NodeId};
pub use language::{Language, detect_language};
pub use user::{ConfigError, Rules};

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
    Apk,
    Rpm,
    Npm,
    Python,
    Go,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Npm => "npm",
            Ecosystem::Python => "python",
            Ecosystem::Go => "go",
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
    /// The workspace members (pnpm importers, by directory) that depend on it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
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

impl Package {
    /// A package as its database lists it, before its files are counted.
    pub(crate) fn new(
        id: String,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        category: Category,
    ) -> Package {
        Package {
            id,
            ecosystem,
            name: name.to_string(),
            version: version.to_string(),
            dev: None,
            path: None,
            installed_size: None,
            size: 0,
            files: 0,
            category,
            reason: String::new(),
            members: Vec::new(),
        }
    }

    /// Its name, with the workspace members that use it when there are any.
    pub fn label(&self) -> String {
        match self.members.as_slice() {
            [] => self.name.clone(),
            [m] => format!("{} ({m})", self.name),
            [m, n] => format!("{} ({m}, {n})", self.name),
            [m, rest @ ..] => format!("{} ({m} and {} more)", self.name, rest.len()),
        }
    }
}

/// Whether the indexer should keep a file's contents: a package database or lock file that
/// classification reads.
pub fn wants_content(path: &str) -> bool {
    owners::wants(path)
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
    /// What the image runs and the libraries that loads.
    pub loaded: native::Loaded,
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

#[derive(Default)]
pub struct Reasons {
    list: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Reasons {
    pub fn id(&mut self, r: impl Into<String>) -> u32 {
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

/// Classifies every file of the final tree.
/// `package_files`: the kept contents the index handed over (see [`Index::take_contents`]).
pub fn classify(
    ix: &Index,
    package_files: HashMap<u32, Box<[u8]>>,
    facts: &Facts,
    rules: &Rules,
) -> Classification {
    let mut reasons = Reasons::default();
    let mut notes = Vec::new();
    let skipped = &ix.metadata_skipped;
    if let Some((bytes, path)) = &skipped.largest {
        notes.push(format!(
            "{} package database and lock files ({} bytes in all; the largest /{path}, {bytes} bytes) \
             were not read: they pass the metadata budget of {} bytes (--limit metadata=N raises it)",
            skipped.files, skipped.bytes, ix.metadata_limit
        ));
    }
    let language = detect_language(&facts.argv).map(|l| l.0);
    let meta = owners::Meta::new(ix, package_files);
    let (mut owners, loaded) = owners::collect(ix, &meta, facts, language, &mut reasons, &mut notes);
    // Read once: the walk below is the analysis's peak. Parsing the lock files left the
    // allocator's heap full of small freed pieces; give their pages back before it.
    drop(meta);
    crate::mem::give_back_freed();
    let app = app::App::find(ix, facts, &mut reasons);
    let decided = chain::walk(ix, facts, rules, app.as_ref(), &mut owners, &mut reasons);

    // Sizes: bytes land on the name carrying a file's content (hardlinks once).
    let mut totals: Vec<(Category, Tally)> = Category::ALL.iter().map(|&c| (c, Tally::default())).collect();
    for node in 1..ix.paths.len() {
        if !ix.is_file(node as NodeId) {
            continue;
        }
        let size = ix.node_size(node as NodeId);
        let t = &mut totals[decided.category[node] as usize].1;
        t.bytes = t.bytes.saturating_add(size);
        t.files += 1;
        let p = decided.package[node];
        if p != NONE {
            let o = &mut owners.list[p as usize].pkg;
            o.size = o.size.saturating_add(size);
            o.files += 1;
        }
    }
    let packages: Vec<Package> = owners
        .list
        .into_iter()
        .map(|o| Package { reason: reasons.list[o.reason as usize].clone(), ..o.pkg })
        .collect();
    Classification {
        category: decided.category,
        reason: decided.reason,
        package: decided.package,
        reasons: reasons.list,
        packages,
        totals,
        app_dir: app.map(|a| ix.paths.path(a.node)),
        language,
        notes,
        loaded,
    }
}
