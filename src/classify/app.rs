//! Step 5 of the classification: the app directory (`WORKDIR`, else the project of the script
//! the command runs). TypeScript and other uncompiled sources, `src/` beside a built `dist/`,
//! tests, source maps and build, lint and test configuration are `source`; the rest is `app`.

use super::owners::python;
use super::paths::resolve;
use super::{Category, Facts, Reasons};
use crate::index::{Index, NodeId, ROOT};

/// Where a directory stands towards the app.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AppPart {
    Outside,
    App,
    /// Inside the app, and source for this reason.
    Source(u32),
}

const TEST_DIRS: &[&str] = &["test", "tests", "__tests__", "__mocks__", "spec", "e2e", "testing", "coverage"];
const BUILD_OUTPUT_DIRS: &[&str] = &["dist", "build", "out", "lib", ".next"];

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
            let has = |n: &str| ix.paths.find_child(dir, n).is_some_and(|c| ix.visible(c));
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

/// Files only a monorepo's root holds: the app directory found inside one (a member's
/// WORKDIR) widens to the whole workspace, whose other members the app runs too.
const WORKSPACE_MARKERS: &[&str] =
    &["pnpm-workspace.yaml", "lerna.json", "nx.json", "turbo.json", "rush.json"];

/// The workspace `dir` is in (itself or its nearest ancestor holding a workspace marker).
fn workspace_root(ix: &Index, dir: NodeId) -> Option<(NodeId, &'static str)> {
    let mut cur = dir;
    while cur != ROOT {
        for m in WORKSPACE_MARKERS {
            if ix.paths.find_child(cur, m).is_some_and(|c| ix.visible(c)) {
                return Some((cur, m));
            }
        }
        cur = ix.paths.parent(cur)?;
    }
    None
}

/// The app directory, why it is the app, and the top-level directory its command runs from.
pub struct App {
    pub node: NodeId,
    pub reason: u32,
    /// Where the command runs (WORKDIR, or the script's project): `node` itself, or a member
    /// of the workspace `node` is.
    runs_in: NodeId,
    script_top: Option<NodeId>,
}

impl App {
    pub fn find(ix: &Index, facts: &Facts, reasons: &mut Reasons) -> Option<App> {
        let (runs_in, why) = find_app_dir(ix, facts)?;
        let script_top = script_top_dir(ix, runs_in, facts);
        let (node, why) = match workspace_root(ix, runs_in) {
            Some((root, marker)) if root != runs_in => {
                (root, format!("the workspace ({marker}) that {} is in: {why}", ix.paths.path(runs_in)))
            }
            _ => (runs_in, why),
        };
        let reason = reasons.id(format!("in the app directory {} ({why})", ix.paths.path(node)));
        Some(App { node, reason, runs_in, script_top })
    }

    /// The part of the app directory `node` (called `name`, below `parent`) is, where the
    /// parent is `parent_part`.
    pub fn part(
        &self,
        ix: &Index,
        node: NodeId,
        parent: NodeId,
        name: &str,
        parent_part: AppPart,
        reasons: &mut Reasons,
    ) -> AppPart {
        if node == self.node {
            return AppPart::App;
        }
        if parent_part != AppPart::App {
            return parent_part;
        }
        if TEST_DIRS.contains(&name) {
            return AppPart::Source(reasons.id(format!("tests ({name}/)")));
        }
        // `src/` beside a built output: in the directory the command runs in when the command
        // runs from elsewhere, and in any package (`package.json`) of a workspace.
        let sources_here = if parent == self.runs_in {
            self.script_top.is_some_and(|t| t != node)
        } else {
            self.node != self.runs_in && ix.paths.find_child(parent, "package.json").is_some()
        };
        if name == "src" && sources_here {
            let built = ix
                .paths
                .children(parent)
                .find(|&s| BUILD_OUTPUT_DIRS.contains(&ix.paths.name(s)) && ix.is_dir(s));
            if let Some(b) = built {
                let why = format!("uncompiled sources beside the built output {}/", ix.paths.name(b));
                return AppPart::Source(reasons.id(why));
            }
        }
        parent_part
    }

    /// A file in the app: source or app.
    pub fn decide(&self, part: AppPart, name: &str, reasons: &mut Reasons) -> Option<(Category, u32)> {
        match part {
            AppPart::Source(r) => Some((Category::Source, r)),
            AppPart::App => Some(match source_file_reason(name) {
                Some(why) => (Category::Source, reasons.id(why)),
                None => (Category::App, self.reason),
            }),
            AppPart::Outside => None,
        }
    }
}
