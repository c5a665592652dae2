//! What npm, pnpm and yarn share: which locked `name@version`s only development needs, a
//! project's `package.json` roots, and how package ids are written.

use std::collections::{HashMap, HashSet};

/// Which `name@version`s a pnpm or yarn lockfile says only development needs. A version
/// that production reaches in any way is not dev.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DevSet {
    /// `name@version` of every locked package, with whether it is dev-only.
    pub dev: HashMap<String, bool>,
    /// yarn berry: locator (`resolution`) → `name@version`.
    pub locators: HashMap<String, String>,
    /// Per name: the dev flag all its locked versions agree on, or None.
    pub(super) by_name: HashMap<String, Option<bool>>,
    /// pnpm workspaces: `name@version` → the members (importer directories) that depend on
    /// it, each with whether only its development does.
    pub members: HashMap<String, Vec<(String, bool)>>,
}

impl DevSet {
    pub fn is_dev(&self, name: &str, version: &str) -> Option<bool> {
        self.dev.get(&format!("{name}@{version}")).copied()
    }

    /// For layouts that do not say which version a directory holds (yarn classic): the flag
    /// when every locked version of `name` agrees.
    pub fn is_dev_any_version(&self, name: &str) -> Option<bool> {
        *self.by_name.get(name)?
    }

    /// Indexes the flags by name (after `dev` is filled).
    pub(super) fn index_names(&mut self) {
        let mut by: HashMap<String, Option<bool>> = HashMap::new();
        for (k, &d) in &self.dev {
            let Some(at) = version_at(k) else { continue };
            by.entry(k[..at].to_string())
                .and_modify(|f| {
                    if *f != Some(d) {
                        *f = None
                    }
                })
                .or_insert(Some(d));
        }
        self.by_name = by;
    }

    pub(super) fn from_reach(all: impl IntoIterator<Item = String>, prod: &HashSet<String>) -> DevSet {
        DevSet {
            dev: all.into_iter().map(|k| (k.clone(), !prod.contains(&k))).collect(),
            ..DevSet::default()
        }
    }
}

impl DevSet {
    /// `name@version` of a berry locator.
    pub fn locator_id(&self, locator: &str) -> Option<String> {
        if let Some(id) = self.locators.get(locator) {
            return Some(id.clone());
        }
        let name = descriptor_name(locator)?;
        let version = locator[name.len() + 1..].strip_prefix("npm:")?;
        Some(format!("{name}@{version}"))
    }
}

pub(super) fn yaml_map(v: Option<&serde_yaml_ng::Value>) -> Vec<(String, &serde_yaml_ng::Value)> {
    v.and_then(|m| m.as_mapping())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
        .collect()
}

pub(super) fn yaml_str(v: &serde_yaml_ng::Value) -> Option<String> {
    match v {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Where the `@` before the version is: the first one after a scoped name's own `@`.
pub(super) fn version_at(id: &str) -> Option<usize> {
    let first = id.chars().next()?.len_utf8();
    Some(id[first..].find('@')? + first)
}

/// (name, range) pairs of a `package.json` dependency map.
pub type Deps = Vec<(String, String)>;

/// Root dependencies of a project's `package.json`: (production, development).
pub fn package_json_roots(text: &[u8]) -> Result<(Deps, Deps), String> {
    let v: serde_json::Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let deps = |fields: &[&str]| -> Deps {
        fields
            .iter()
            .filter_map(|f| v.get(*f).and_then(|d| d.as_object()))
            .flatten()
            .map(|(k, r)| (k.clone(), r.as_str().unwrap_or("").to_string()))
            .collect()
    };
    Ok((deps(&["dependencies", "optionalDependencies", "peerDependencies"]), deps(&["devDependencies"])))
}

/// `@scope/name@1.0.0` → (`@scope/name`, `1.0.0`).
pub fn descriptor_split(id: &str) -> Option<(&str, &str)> {
    let at = version_at(id)?;
    Some((&id[..at], &id[at + 1..]))
}

/// `@scope/name@npm:^1` → `@scope/name`.
pub(super) fn descriptor_name(d: &str) -> Option<&str> {
    Some(&d[..version_at(d)?])
}

#[cfg(test)]
mod tests {
    use super::super::pnpm::{parse_pnpm_lock, strip_peers};
    use super::super::yarn::{parse_yarn_lock, parse_yarn_state};

    #[test]
    fn hostile_lockfiles_are_errors_or_empty_never_panics() {
        for text in [
            "",
            "{",
            "lockfileVersion: '9.0'\nsnapshots:\n  '': {}\n  'é@1': {}\n  '@': {}\n",
            "- a\n- b\n",
            "a: &a [*a]\n",
        ] {
            let _ = parse_pnpm_lock(text);
            let _ = parse_yarn_lock(text, r#"{"dependencies":{"é":"1","":"x"}}"#.as_bytes());
            let _ = parse_yarn_state(text);
        }
        let y = parse_yarn_lock(
            "\"@\":\n  version \"1\"\né@1:\n  version \"1\"\n",
            r#"{"dependencies":{"é":"1"}}"#.as_bytes(),
        )
        .unwrap();
        assert_eq!(y.is_dev("é", "1"), Some(false));
        assert_eq!(strip_peers("é@1(x@2)"), "é@1");
        assert_eq!(strip_peers("@s/n@1_p@2"), "@s/n@1");
        assert_eq!(strip_peers(""), "");
    }
}
