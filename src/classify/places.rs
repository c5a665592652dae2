//! Step 2 of the classification: places whose purpose does not depend on who put files
//! there (version control data, caches, system documentation, C headers and toolchains,
//! node-gyp build trees), and the runtime's own directories. A strong place beats the owning
//! package; a weak one only decides files no package owns.

use globset::{GlobSet, GlobSetBuilder};

use super::{Category, Facts, Reasons};
use crate::index::{Index, NodeId};

/// A place rule in force for a directory and what lies below it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Zone {
    pub category: Category,
    pub reason: u32,
    /// Strong places beat packages (docs of a toolchain package are still docs).
    pub strong: bool,
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
    // $PNPM_HOME/store, as the pnpm docs' Dockerfiles set it (PNPM_HOME=/pnpm).
    ("**/pnpm/store", Effect::Zone(Category::Cache, "pnpm store ($PNPM_HOME/store)", true)),
    ("**/pnpm-store", Effect::Zone(Category::Cache, "pnpm store", true)),
    // Any other --store-dir: the content-addressed layout pnpm 8-9 (v3) and 10 (v10) write.
    ("**/store/v3", Effect::Zone(Category::Cache, "pnpm store (store-dir)", true)),
    ("**/store/v10", Effect::Zone(Category::Cache, "pnpm store (store-dir)", true)),
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
    // What the pnpm and yarn docs' images install next to npm (`npm install -g pnpm`).
    (
        "usr/lib/node_modules/{pnpm,yarn,@pnpm/exe}",
        Effect::Zone(Category::Runtime, "the package manager, installed globally beside npm", false),
    ),
    (
        "usr/local/lib/node_modules/{pnpm,yarn,@pnpm/exe}",
        Effect::Zone(Category::Runtime, "the package manager, installed globally beside npm", false),
    ),
    // Distroless node images install node under /nodejs, outside any package.
    (
        "nodejs",
        Effect::Zone(Category::Runtime, "the node runtime (/nodejs, as distroless images have it)", false),
    ),
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

/// Directories deeper than this inherit their place rules instead of matching their own.
pub const MAX_RULE_DEPTH: u32 = 32;

pub struct Places {
    dirs: GlobSet,
    /// `GOROOT` from the image's environment, without slashes at the ends.
    goroot: Option<String>,
    gyp_reason: u32,
}

impl Places {
    pub fn new(facts: &Facts, gyp_reason: u32) -> Places {
        let mut b = GlobSetBuilder::new();
        for (p, _) in DIR_RULES {
            b.add(globset::GlobBuilder::new(p).literal_separator(true).build().expect("built-in glob"));
        }
        let goroot = facts
            .env
            .iter()
            .find_map(|e| e.strip_prefix("GOROOT="))
            .map(|g| g.trim_matches('/').to_string())
            .filter(|g| !g.is_empty());
        Places { dirs: b.build().expect("built-in globs"), goroot, gyp_reason }
    }

    /// The zone of a directory at `path` (when it is shallow enough to match by path),
    /// starting from its parent's.
    pub fn zone(&self, path: Option<&str>, parent_zone: Option<Zone>, reasons: &mut Reasons) -> Option<Zone> {
        let mut zone = parent_zone;
        if let Some(i) = path.and_then(|p| self.dirs.matches(p).into_iter().min()) {
            zone = match DIR_RULES[i].1 {
                Effect::Zone(category, why, strong) => {
                    Some(Zone { category, reason: reasons.id(why), strong })
                }
                Effect::Clear => None,
            };
        }
        if path.is_some() && self.goroot.as_deref() == path {
            let reason = reasons.id("Go toolchain (GOROOT)");
            zone = Some(Zone { category: Category::Toolchain, reason, strong: true });
        }
        zone
    }

    /// node-gyp: `build/` beside `binding.gyp` holds objects and makefiles; only
    /// `build/Release/*.node` is the addon itself. `zone` is what the place rules said of
    /// directory `name` below `parent`.
    pub fn node_gyp(
        &self,
        ix: &Index,
        parent: NodeId,
        name: &str,
        zone: Option<Zone>,
        parent_zone: Option<Zone>,
        grandparent_zone: Option<Zone>,
    ) -> Option<Zone> {
        let gyp = Some(self.gyp_reason);
        let pname = ix.paths.name(parent);
        let build = Zone { category: Category::Toolchain, reason: self.gyp_reason, strong: true };
        if name == "build" && ix.paths.find_child(parent, "binding.gyp").is_some() {
            Some(build)
        } else if (name == "Release" || name == "Debug")
            && pname == "build"
            && parent_zone.map(|z| z.reason) == gyp
        {
            None
        } else if matches!(name, "obj.target" | "obj" | ".deps")
            && pname == "Release"
            && parent_zone.is_none()
            && grandparent_zone.map(|z| z.reason) == gyp
        {
            Some(build)
        } else {
            zone
        }
    }
}
