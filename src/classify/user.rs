//! Step 1 of the classification: the user's rules from the config file (`weigh.toml` or
//! `--config`), path globs and package names mapped to categories. They win over every built-in rule and are shown as the reason.
//!
//! ```toml
//! [classify.paths]            # first match wins, in file order
//! "/app/public/**" = "app"
//! "*.wasm" = "dependencies"   # no slash: matches the file name anywhere
//!
//! [classify.packages]         # npm, Debian or Python package names; globs allowed
//! "@types/*" = "dev-dependencies"
//! "nodejs" = "runtime"
//! ```

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use indexmap::IndexMap;
use serde::Deserialize;

use super::Category;

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The whole config file. Other sections (`[budget]`) are read by their own modules from the
/// same text.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    classify: ClassifyDoc,
    #[serde(default)]
    budget: Option<toml::Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClassifyDoc {
    #[serde(default)]
    paths: IndexMap<String, toml::Spanned<String>>,
    #[serde(default)]
    packages: IndexMap<String, toml::Spanned<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Where the rules came from, for reasons (`weigh.toml`).
    pub source: String,
    paths: Vec<(String, Category)>,
    path_set: GlobSet,
    packages: Vec<(String, GlobMatcher, Category)>,
}

/// The 1-based line of byte `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Path globs match the image path without its leading `/`; `*` stays inside one directory,
/// `**` crosses them, and a pattern without `/` matches a name at any depth.
pub(crate) fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let p = pattern.trim_start_matches('/');
    let p = if p.contains('/') { p.to_string() } else { format!("**/{p}") };
    GlobBuilder::new(&p).literal_separator(true).build()
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.packages.is_empty()
    }

    /// Parses a config file's text; `file` names it in errors and reasons.
    pub fn parse(text: &str, file: &str) -> Result<Rules, ConfigError> {
        let err = |line: usize, message: String| ConfigError { file: file.to_string(), line, message };
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().trim().to_string())
        })?;
        let _ = doc.budget;
        let category = |v: &toml::Spanned<String>| -> Result<Category, ConfigError> {
            Category::parse(v.get_ref()).ok_or_else(|| {
                err(
                    line_of(text, v.span().start),
                    format!("unknown category {:?} (one of: {})", v.get_ref(), Category::names().join(", ")),
                )
            })
        };
        let mut rules = Rules { source: file.to_string(), ..Rules::default() };
        let mut set = GlobSetBuilder::new();
        for (pattern, v) in &doc.classify.paths {
            let cat = category(v)?;
            let glob = path_glob(pattern).map_err(|e| {
                err(line_of(text, v.span().start), format!("bad glob {pattern:?}: {}", e.kind()))
            })?;
            set.add(glob);
            rules.paths.push((pattern.clone(), cat));
        }
        rules.path_set = set.build().map_err(|e| err(1, e.to_string()))?;
        for (pattern, v) in &doc.classify.packages {
            let cat = category(v)?;
            let m = Glob::new(pattern)
                .map_err(|e| {
                    err(line_of(text, v.span().start), format!("bad glob {pattern:?}: {}", e.kind()))
                })?
                .compile_matcher();
            rules.packages.push((pattern.clone(), m, cat));
        }
        Ok(rules)
    }

    /// Reads `path`, or when it is None the nearest `weigh.toml` (the current directory, then
    /// its parents up to the repository root), if there is one.
    pub fn load(path: Option<&Path>) -> Result<Rules, ConfigError> {
        let (file, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match crate::config::find("weigh.toml") {
                Some(found) => (found, false),
                None => return Ok(Rules::default()),
            },
        };
        let name = file.display().to_string();
        match std::fs::read_to_string(&file) {
            Ok(text) => Rules::parse(&text, &name),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Rules::default()),
            Err(e) => Err(ConfigError { file: name, line: 0, message: e.to_string() }),
        }
    }

    pub fn has_path_rules(&self) -> bool {
        !self.paths.is_empty()
    }

    /// The first path rule matching `path` (relative, no leading `/`).
    pub fn match_path(&self, path: &str) -> Option<(&str, Category)> {
        let first = self.path_set.matches(path).into_iter().min()?;
        let (p, c) = &self.paths[first];
        Some((p.as_str(), *c))
    }

    pub fn match_package(&self, name: &str) -> Option<(&str, Category)> {
        self.packages.iter().find(|(_, m, _)| m.is_match(name)).map(|(p, _, c)| (p.as_str(), *c))
    }

    /// Step 1 for a file at `path` (relative; None when there are no path rules) owned by
    /// package `package`: the category the first matching rule gives, and the reason.
    pub fn decide(&self, path: Option<&str>, package: Option<&str>) -> Option<(String, Category)> {
        if let Some((pattern, cat)) = path.and_then(|p| self.match_path(p)) {
            return Some((format!("rule in {}: {pattern}", self.source), cat));
        }
        let (pattern, cat) = self.match_package(package?)?;
        Some((format!("rule in {}: package {pattern}", self.source), cat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_order() {
        let r = Rules::parse(
            "[classify.paths]\n\"/app/public/**\" = \"app\"\n\"*.map\" = \"docs\"\n\"/app/**\" = \"other\"\n\
             [classify.packages]\n\"@types/*\" = \"dev-dependencies\"\n",
            "weigh.toml",
        )
        .unwrap();
        assert_eq!(r.match_path("app/public/x/y.map"), Some(("/app/public/**", Category::App)));
        assert_eq!(r.match_path("usr/lib/a.map"), Some(("*.map", Category::Docs)));
        assert_eq!(r.match_path("app/dist/a.js"), Some(("/app/**", Category::Other)));
        assert_eq!(r.match_path("srv/a.js"), None);
        assert_eq!(r.match_package("@types/node").map(|m| m.1), Some(Category::DevDependencies));
        assert_eq!(r.match_package("express"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let e = Rules::parse("[classify.paths]\n\"/a\" = \"app\"\n\"/b\" = \"devdeps\"\n", "weigh.toml")
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().starts_with("weigh.toml:3: unknown category \"devdeps\""), "{e}");
        let e = Rules::parse("[classify]\npath = 1\n", "w.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("unknown field"), "{e}");
        let e = Rules::parse("[classify.paths]\n\"a[\" = \"app\"\n", "w.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(Rules::parse("[budget]\ntotal = \"1GB\"\n", "w.toml").is_ok());
        let e = Rules::parse("x = \n", "w.toml").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
