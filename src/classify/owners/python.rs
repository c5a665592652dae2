//! Python distributions (`*.dist-info`), what says which of them are for development (lock
//! files, requirements files, known dev tools and what only they require), and the files
//! each owns.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::Cx;
use super::needs::{Need, few, propagate};
use crate::classify::paths::{join, parent_of};
use crate::classify::{Category, Ecosystem, Package};
use crate::index::{NONE, NodeId};

/// Distribution metadata and the files that say which distributions are for development.
pub fn wants(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    path.ends_with(".dist-info/RECORD")
        || path.ends_with(".dist-info/METADATA")
        || matches!(base, "poetry.lock" | "uv.lock" | "Pipfile.lock")
        || (base.ends_with(".txt")
            && base.contains("requirements")
            && !path.contains("node_modules/")
            && !path.contains("-packages/"))
}

/// PEP 503 name normalization: `Flask_SQLAlchemy` → `flask-sqlalchemy`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    /// Normalized names of unconditional requirements (no `extra ==` marker).
    pub requires: Vec<String>,
}

/// The headers of a `METADATA` file (RFC 822 style; the body after the blank line is the
/// description).
pub fn parse_metadata(text: &str) -> Metadata {
    let mut m = Metadata::default();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k {
            "Name" => m.name = v.to_string(),
            "Version" => m.version = v.to_string(),
            "Requires-Dist" => {
                let (req, marker) = v.split_once(';').unwrap_or((v, ""));
                if marker.contains("extra") {
                    continue;
                }
                let end =
                    req.find(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))).unwrap_or(req.len());
                if end > 0 {
                    m.requires.push(normalize(&req[..end]));
                }
            }
            _ => {}
        }
    }
    m
}

/// `Flask-3.1.3.dist-info` → (`Flask`, `3.1.3`), for when METADATA is missing.
pub fn split_dist_info(dir_name: &str) -> Option<(&str, &str)> {
    dir_name.strip_suffix(".dist-info")?.split_once('-')
}

/// Paths listed in a RECORD file (CSV: path, hash, size), relative to its site directory.
pub fn record_paths(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            if let Some(rest) = line.strip_prefix('"') {
                // A quoted path may hold commas; `""` is a literal quote.
                let mut out = String::new();
                let mut chars = rest.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            out.push('"');
                        } else {
                            break;
                        }
                    } else {
                        out.push(c);
                    }
                }
                Some(out)
            } else {
                line.split(',').next().filter(|p| !p.is_empty()).map(str::to_string)
            }
        })
        .collect()
}

/// Tools that only development needs: tests, linters, formatters, type checkers, docs builders.
pub fn is_dev_tool(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "pytest",
        "black",
        "mypy",
        "ruff",
        "flake8",
        "pylint",
        "isort",
        "coverage",
        "tox",
        "nox",
        "pre-commit",
        "ipython",
        "ipdb",
        "pdbpp",
        "bandit",
        "hypothesis",
        "pyright",
        "autopep8",
        "yapf",
        "pycodestyle",
        "pyflakes",
        "pydocstyle",
        "sphinx",
        "mkdocs",
        "mkdocs-material",
        "twine",
        "build",
        "mock",
        "freezegun",
        "responses",
        "factory-boy",
        "faker",
        "debugpy",
        "pip-tools",
        "codespell",
        "vulture",
        "safety",
        "pytest-cov",
    ];
    EXACT.contains(&name)
        || name.starts_with("pytest-")
        || name.starts_with("flake8-")
        || name.starts_with("types-")
        || name.ends_with("-stubs")
        || name.starts_with("sphinx-")
        || name.starts_with("sphinxcontrib-")
}

/// Names a lock or requirements file puts on each side: `prod` for the main group, `dev` for
/// the development groups. A package on both sides is production.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sides {
    pub prod: BTreeSet<String>,
    pub dev: BTreeSet<String>,
}

/// `Pipfile.lock`: `default` and `develop`.
pub fn parse_pipfile_lock(text: &[u8]) -> Result<Sides, String> {
    let v: serde_json::Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let names = |k: &str| -> BTreeSet<String> {
        v.get(k)
            .and_then(|d| d.as_object())
            .map(|o| o.keys().map(|n| normalize(n)).collect())
            .unwrap_or_default()
    };
    Ok(Sides { prod: names("default"), dev: names("develop") })
}

/// `poetry.lock`: `groups = [...]` (Poetry 2) or `category = "dev"` (Poetry 1).
pub fn parse_poetry_lock(text: &str) -> Result<Sides, String> {
    let v: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
    let mut sides = Sides::default();
    for p in v.get("package").and_then(|p| p.as_array()).into_iter().flatten() {
        let Some(name) = p.get("name").and_then(|n| n.as_str()) else { continue };
        let groups: Vec<&str> = match (p.get("groups"), p.get("category")) {
            (Some(g), _) => g.as_array().into_iter().flatten().filter_map(|g| g.as_str()).collect(),
            (None, Some(c)) => c.as_str().into_iter().collect(),
            (None, None) => vec!["main"],
        };
        if groups.contains(&"main") {
            sides.prod.insert(normalize(name));
        } else {
            sides.dev.insert(normalize(name));
        }
    }
    Ok(sides)
}

/// `uv.lock`: what the project's `dependencies` reach is production; what only its
/// `dev-dependencies` (dependency groups) reach is development.
pub fn parse_uv_lock(text: &str) -> Result<Sides, String> {
    let v: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
    let packages = v.get("package").and_then(|p| p.as_array()).cloned().unwrap_or_default();
    let dep_names = |t: Option<&toml::Value>| -> Vec<String> {
        t.and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d.get("name").and_then(|n| n.as_str()).map(normalize))
            .collect()
    };
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for p in &packages {
        let Some(name) = p.get("name").and_then(|n| n.as_str()) else { continue };
        let name = normalize(name);
        graph.entry(name.clone()).or_default().extend(dep_names(p.get("dependencies")));
        let is_project = p
            .get("source")
            .and_then(|s| s.as_table())
            .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"));
        if is_project {
            prod_roots.extend(dep_names(p.get("dependencies")));
            if let Some(groups) = p.get("dev-dependencies").and_then(|g| g.as_table()) {
                for deps in groups.values() {
                    dev_roots.extend(dep_names(Some(deps)));
                }
            }
        }
    }
    let reach = |roots: Vec<String>| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = roots;
        while let Some(n) = todo.pop() {
            if seen.insert(n.clone()) {
                todo.extend(graph.get(&n).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let prod = reach(prod_roots);
    let dev = reach(dev_roots).into_iter().filter(|n| !prod.contains(n)).collect();
    Ok(Sides { prod, dev })
}

/// Names required by a requirements file (`-r` includes are not followed; options skipped).
pub fn requirement_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next()?.trim();
            if l.is_empty() || l.starts_with('-') {
                return None;
            }
            let end = l.find(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))).unwrap_or(l.len());
            (end > 0).then(|| normalize(&l[..end]))
        })
        .collect()
}

/// Whether a requirements file is for development: `requirements-dev.txt`,
/// `dev-requirements.txt`, `requirements/test.txt`, ...
pub fn is_dev_requirements(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let stem = name.strip_suffix(".txt").unwrap_or(name);
    let words: Vec<&str> = stem.split(['-', '_', '.']).collect();
    let dir_dev = lower.contains("requirements/") && ["dev", "test", "tests", "lint", "docs"].contains(&stem);
    dir_dev || words.iter().any(|w| ["dev", "develop", "test", "tests", "lint", "docs", "ci"].contains(w))
}

/// Python distributions from `*.dist-info/RECORD` (with METADATA), and which are dev.
pub fn collect(cx: &mut Cx) {
    struct Dist<'t> {
        dir: String,
        meta: Metadata,
        /// The RECORD file, read when the distribution's files are claimed: every
        /// distribution's paths at once are a string per file of site-packages.
        record: &'t [u8],
    }
    let (ix, meta) = (cx.ix, cx.meta);
    let mut dists: Vec<Dist> = Vec::new();
    for (path, text) in meta.iter() {
        let Some(dir) = path.strip_suffix("/RECORD").filter(|d| d.ends_with(".dist-info")) else { continue };
        let metadata_path = format!("{dir}/METADATA");
        let mut m =
            meta.get(&metadata_path).map(|t| parse_metadata(&String::from_utf8_lossy(t))).unwrap_or_default();
        if m.name.is_empty()
            && let Some((n, v)) = split_dist_info(dir.rsplit('/').next().unwrap_or(dir))
        {
            m.name = n.to_string();
            m.version = v.to_string();
        }
        dists.push(Dist { dir: dir.to_string(), meta: m, record: text });
    }
    if dists.is_empty() {
        return;
    }
    // What says which are dev: lockfiles and requirements files in the image.
    let mut prod: BTreeSet<String> = BTreeSet::new();
    let mut dev_from: HashMap<String, String> = HashMap::new();
    for (path, text) in meta.iter() {
        let base = path.rsplit('/').next().unwrap_or(path);
        if path.contains("site-packages/")
            || path.contains("dist-packages/")
            || path.contains("node_modules/")
        {
            continue;
        }
        let sides = match base {
            "Pipfile.lock" => parse_pipfile_lock(text),
            "poetry.lock" => parse_poetry_lock(&String::from_utf8_lossy(text)),
            "uv.lock" => parse_uv_lock(&String::from_utf8_lossy(text)),
            b if b.ends_with(".txt") && b.contains("requirements") => {
                let names = requirement_names(&String::from_utf8_lossy(text));
                Ok(if is_dev_requirements(path) {
                    Sides { prod: BTreeSet::new(), dev: names }
                } else {
                    Sides { prod: names, dev: BTreeSet::new() }
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
            Err(e) => cx.notes.push(format!("/{path}: not read ({e})")),
        }
    }
    let names: Vec<String> = dists.iter().map(|d| normalize(&d.meta.name)).collect();
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
        } else if is_dev_tool(n) {
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
        let id = cx.owners.list.len() as u32;
        let site = parent_of(&d.dir).to_string();
        let mut top_dirs: HashSet<NodeId> = HashSet::new();
        for rel in &record_paths(&String::from_utf8_lossy(d.record)) {
            let Some(path) = join(&site, rel) else { continue };
            let Some(node) = ix.paths.find(&path).filter(|&nd| ix.is_file(nd)) else { continue };
            cx.owners.claim_file(node, id);
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
            match cx.owners.dir.get(&t) {
                Some(&other) if other != id => {
                    cx.owners.dir.insert(t, NONE); // shared (namespace package)
                }
                _ => {
                    cx.owners.dir.insert(t, id);
                }
            }
        }
        let mut pkg = Package::new(
            format!("python:{}@{}", d.meta.name, d.meta.version),
            Ecosystem::Python,
            &d.meta.name,
            &d.meta.version,
            cat,
        );
        pkg.dev = dev;
        pkg.path = Some(format!("/{}", d.dir));
        let reason = cx.reasons.id(why);
        cx.owners.push(pkg, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_requirements_skip_extras() {
        let m = parse_metadata(
            "Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.3\nRequires-Dist: Werkzeug>=3.1\n\
             Requires-Dist: blinker (>=1.9)\nRequires-Dist: asgiref>=3.2; extra == \"async\"\n\
             Requires-Dist: importlib_metadata>=3.6; python_version < \"3.10\"\n\nRequires-Dist: body\n",
        );
        assert_eq!(m.name, "Flask");
        assert_eq!(m.requires, ["werkzeug", "blinker", "importlib-metadata"]);
        assert_eq!(normalize("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(split_dist_info("MarkupSafe-3.0.4.dist-info"), Some(("MarkupSafe", "3.0.4")));
    }

    #[test]
    fn record_paths_handle_quotes() {
        let r = "flask/app.py,sha256=abc,123\n\"odd,name.py\",,\n../../../bin/flask,sha256=x,9\nFlask-3.1.3.dist-info/RECORD,,\n";
        assert_eq!(
            record_paths(r),
            ["flask/app.py", "odd,name.py", "../../../bin/flask", "Flask-3.1.3.dist-info/RECORD"]
        );
    }

    #[test]
    fn lockfiles_give_sides() {
        let pip = br#"{"_meta":{},"default":{"flask":{}},"develop":{"pytest":{},"Flask":{}}}"#;
        let s = parse_pipfile_lock(pip).unwrap();
        assert!(s.prod.contains("flask") && s.dev.contains("pytest"));

        let poetry = "[[package]]\nname = \"flask\"\nversion = \"3\"\ngroups = [\"main\"]\n\n\
                      [[package]]\nname = \"pytest\"\nversion = \"8\"\ngroups = [\"dev\"]\n\n\
                      [[package]]\nname = \"black\"\nversion = \"1\"\ncategory = \"dev\"\n";
        let s = parse_poetry_lock(poetry).unwrap();
        assert_eq!(s.prod.iter().collect::<Vec<_>>(), ["flask"]);
        assert_eq!(s.dev.iter().collect::<Vec<_>>(), ["black", "pytest"]);

        let uv = r#"
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }]
[[package]]
name = "flask"
version = "3"
dependencies = [{ name = "click" }]
[[package]]
name = "pytest"
version = "8"
dependencies = [{ name = "click" }, { name = "pluggy" }]
"#;
        let s = parse_uv_lock(uv).unwrap();
        assert_eq!(s.prod.iter().collect::<Vec<_>>(), ["click", "flask"]);
        assert_eq!(s.dev.iter().collect::<Vec<_>>(), ["pluggy", "pytest"]);
    }

    #[test]
    fn requirements_files() {
        let r = requirement_names(
            "# tools\npytest==9.2.0\n-r requirements.txt\nblack[d]>=24 ; python_version>'3'\n\n",
        );
        assert_eq!(r.iter().collect::<Vec<_>>(), ["black", "pytest"]);
        assert!(is_dev_requirements("app/requirements-dev.txt"));
        assert!(is_dev_requirements("app/dev-requirements.txt"));
        assert!(is_dev_requirements("app/requirements/test.txt"));
        assert!(!is_dev_requirements("app/requirements.txt"));
        assert!(!is_dev_requirements("app/requirements/base.txt"));
        assert!(is_dev_tool("pytest-cov") && is_dev_tool("types-requests") && !is_dev_tool("flask"));
    }
}
