//! JavaScript packages: npm lockfiles (`node_modules/.package-lock.json`, `package-lock.json`),
//! pnpm (`pnpm-lock.yaml` / `node_modules/.pnpm/lock.yaml` and its `.pnpm/<id>` store layout) and
//! yarn (`yarn.lock`, classic and berry, with `package.json` for the roots).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmPackage {
    pub name: String,
    pub version: String,
    /// `dev` or `devOptional` in the lockfile: not needed in production.
    pub dev: bool,
    /// Directory relative to the image root, without a leading slash.
    pub path: String,
}

/// Packages from an npm lockfile (v2/v3 `packages` map). `root` is the directory holding
/// `node_modules` (the project), relative to the image root.
pub fn parse_npm_lock(text: &[u8], root: &str) -> Result<Vec<NpmPackage>, String> {
    let v: serde_json::Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let packages =
        v.get("packages").and_then(|p| p.as_object()).ok_or("no \"packages\" map (lockfile v1?)")?;
    let mut out = Vec::new();
    for (key, p) in packages {
        if key.is_empty()
            || !key.contains("node_modules/")
            || p.get("link").and_then(|l| l.as_bool()) == Some(true)
        {
            continue;
        }
        let name = p
            .get("name")
            .and_then(|n| n.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| key.rsplit("node_modules/").next().unwrap_or(key).to_string());
        let flag = |f: &str| p.get(f).and_then(|b| b.as_bool()) == Some(true);
        out.push(NpmPackage {
            name,
            version: p.get("version").and_then(|s| s.as_str()).unwrap_or("").to_string(),
            dev: flag("dev") || flag("devOptional"),
            path: if root.is_empty() { key.clone() } else { format!("{root}/{key}") },
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Which `name@version`s a pnpm or yarn lockfile says only development needs. A version
/// that production reaches in any way is not dev.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DevSet {
    /// `name@version` of every locked package, with whether it is dev-only.
    pub dev: HashMap<String, bool>,
    /// yarn berry: locator (`resolution`) → `name@version`.
    pub locators: HashMap<String, String>,
    /// Per name: the dev flag all its locked versions agree on, or None.
    by_name: HashMap<String, Option<bool>>,
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
    fn index_names(&mut self) {
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

    fn from_reach(all: impl IntoIterator<Item = String>, prod: &HashSet<String>) -> DevSet {
        DevSet {
            dev: all.into_iter().map(|k| (k.clone(), !prod.contains(&k))).collect(),
            locators: HashMap::new(),
            by_name: HashMap::new(),
        }
    }
}

/// `(peer@1)(x@2)` and `_peer@1` suffixes off a pnpm version.
fn pnpm_version(v: &str) -> &str {
    v.split(['(', '_']).next().unwrap_or(v)
}

fn yaml_map(v: Option<&serde_yaml_ng::Value>) -> Vec<(String, &serde_yaml_ng::Value)> {
    v.and_then(|m| m.as_mapping())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
        .collect()
}

fn yaml_str(v: &serde_yaml_ng::Value) -> Option<String> {
    match v {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A pnpm lockfile (v5.4, v6 or v9; `pnpm-lock.yaml` or the installed copy in
/// `node_modules/.pnpm/lock.yaml`).
pub fn parse_pnpm_lock(text: &str) -> Result<DevSet, String> {
    use serde_yaml_ng::Value;
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    // Importers: the workspace projects, or (before v9, single project) the document itself.
    let importers: Vec<&Value> = match doc.get("importers").and_then(|i| i.as_mapping()) {
        Some(m) => m.values().collect(),
        None => vec![&doc],
    };
    // Graph keyed by the full id, peers included (`ts-jest@29.1.1(jest@29.7.0)`).
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    let mut flags: HashMap<String, bool> = HashMap::new();
    let v9 = doc.get("snapshots").is_some();
    let v5 = doc.get("lockfileVersion").and_then(yaml_str).is_some_and(|v| v.starts_with('5'));
    let nodes = if v9 { doc.get("snapshots") } else { doc.get("packages") };
    for (key, body) in yaml_map(nodes) {
        // v6 `/name@1.0.0(peer@1)`, v5 `/name/1.0.0_peer@1`, v9 `name@1.0.0(peer@1)`.
        let key = key.trim_start_matches('/');
        let id = match key.rfind('/').filter(|_| v5) {
            // v5: `name/version` or `@scope/name/version`.
            Some(slash) => format!("{}@{}", &key[..slash], &key[slash + 1..]),
            None => key.to_string(),
        };
        if let Some(d) = body.get("dev").and_then(|d| d.as_bool()) {
            flags.insert(strip_peers(&id), d);
        }
        let mut deps = Vec::new();
        for field in ["dependencies", "optionalDependencies"] {
            for (name, ver) in yaml_map(body.get(field)) {
                if let Some(v) = yaml_str(ver) {
                    deps.push(dep_id(&name, &v));
                }
            }
        }
        graph.insert(id, deps);
    }
    if !flags.is_empty() {
        let mut set = DevSet { dev: flags, ..DevSet::default() };
        set.index_names();
        return Ok(set);
    }
    let root_ids = |fields: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        for imp in &importers {
            for f in fields {
                for (name, spec) in yaml_map(imp.get(*f)) {
                    // v6+: {specifier, version}; v5: a bare version.
                    let v = spec.get("version").and_then(yaml_str).or_else(|| yaml_str(spec));
                    if let Some(v) = v {
                        out.push(dep_id(&name, &v));
                    }
                }
            }
        }
        out
    };
    let reach = |roots: Vec<String>| -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut todo = roots;
        while let Some(id) = todo.pop() {
            if let Some(deps) = graph.get(&id)
                && seen.insert(id.clone())
            {
                todo.extend(deps.iter().cloned());
            }
        }
        seen
    };
    let prod: HashSet<String> =
        reach(root_ids(&["dependencies", "optionalDependencies"])).iter().map(|i| strip_peers(i)).collect();
    let mut set = DevSet::from_reach(graph.keys().map(|k| strip_peers(k)), &prod);
    set.index_names();
    Ok(set)
}

/// The graph id of a dependency given as `name: version`; the version may be an alias
/// (`npm:string-width@4.2.3`) or a link (`link:../x`, not a locked package).
fn dep_id(name: &str, version: &str) -> String {
    if let Some(alias) = version.strip_prefix("npm:") {
        return alias.to_string();
    }
    if version.starts_with('/') {
        // v6 refers to packages by their key: `/name@1.0.0`.
        return version.trim_start_matches('/').to_string();
    }
    format!("{name}@{version}")
}

/// `ts-jest@29.1.1(jest@29.7.0)` → `ts-jest@29.1.1`.
fn strip_peers(id: &str) -> String {
    match version_at(id) {
        Some(at) => format!("{}@{}", &id[..at], pnpm_version(&id[at + 1..])),
        None => id.to_string(),
    }
}

/// Where the `@` before the version is: the first one after a scoped name's own `@`.
fn version_at(id: &str) -> Option<usize> {
    let first = id.chars().next()?.len_utf8();
    Some(id[first..].find('@')? + first)
}

/// The package a `node_modules/.pnpm/<dir>/node_modules/<name>` directory holds:
/// `@babel+core@7.23.0_x` with name `@babel/core` → version `7.23.0`.
pub fn pnpm_dir_version<'a>(store_dir: &'a str, name: &str) -> Option<&'a str> {
    let encoded = name.replace('/', "+");
    let rest = store_dir.strip_prefix(&encoded)?.strip_prefix('@')?;
    Some(pnpm_version(rest))
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

/// A yarn lockfile, classic (v1) or berry (YAML), with the project's `package.json` roots.
pub fn parse_yarn_lock(text: &str, package_json: &[u8]) -> Result<DevSet, String> {
    let (prod_roots, dev_roots) = package_json_roots(package_json)?;
    // descriptor (`name@range`) → locked `name@version`; locked id → its dependency descriptors
    let mut resolve: HashMap<String, String> = HashMap::new();
    let mut deps: HashMap<String, Vec<String>> = HashMap::new();
    let mut locators: HashMap<String, String> = HashMap::new();
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    let with_protocol = |range: &str| -> String {
        if berry && !range.contains(':') { format!("npm:{range}") } else { range.to_string() }
    };
    if berry {
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        for (key, body) in yaml_map(Some(&doc)) {
            if key == "__metadata" {
                continue;
            }
            let Some(version) = body.get("version").and_then(yaml_str) else { continue };
            let descriptors: Vec<&str> = key.split(", ").map(str::trim).collect();
            let Some(name) = descriptors.first().and_then(|d| descriptor_name(d)) else { continue };
            let id = format!("{name}@{version}");
            for d in &descriptors {
                resolve.insert(d.to_string(), id.clone());
            }
            if let Some(r) = body.get("resolution").and_then(yaml_str) {
                locators.insert(r, id.clone());
            }
            let mut list = Vec::new();
            for f in ["dependencies", "optionalDependencies"] {
                for (dep, range) in yaml_map(body.get(f)) {
                    if let Some(r) = yaml_str(range) {
                        list.push(format!("{dep}@{}", with_protocol(&r)));
                    }
                }
            }
            deps.entry(id).or_default().extend(list);
        }
    } else {
        let mut current: Option<String> = None;
        let mut descriptors: Vec<String> = Vec::new();
        let mut in_deps = false;
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            let t = line.trim();
            if indent == 0 {
                descriptors =
                    t.trim_end_matches(':').split(", ").map(|d| d.trim_matches('"').to_string()).collect();
                current = None;
                in_deps = false;
            } else if indent == 2 {
                in_deps = t == "dependencies:" || t == "optionalDependencies:";
                if let Some(v) = t.strip_prefix("version ") {
                    let Some(name) = descriptors.first().and_then(|d| descriptor_name(d)) else { continue };
                    let id = format!("{name}@{}", v.trim_matches('"'));
                    for d in &descriptors {
                        resolve.insert(d.clone(), id.clone());
                    }
                    deps.entry(id.clone()).or_default();
                    current = Some(id);
                }
            } else if in_deps && let Some(id) = &current {
                let (dep, range) = t.split_once(' ').unwrap_or((t, ""));
                deps.get_mut(id).expect("entry made above").push(format!(
                    "{}@{}",
                    dep.trim_matches('"'),
                    range.trim().trim_matches('"')
                ));
            }
        }
    }
    let reach = |roots: &[(String, String)]| -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut todo: Vec<String> = roots.iter().map(|(n, r)| format!("{n}@{}", with_protocol(r))).collect();
        while let Some(d) = todo.pop() {
            if let Some(id) = resolve.get(&d)
                && seen.insert(id.clone())
            {
                todo.extend(deps.get(id).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let prod = reach(&prod_roots);
    let dev = reach(&dev_roots);
    let all = deps.keys().filter(|k| prod.contains(*k) || dev.contains(*k)).cloned();
    let mut set = DevSet::from_reach(all, &prod);
    set.locators = locators;
    set.index_names();
    Ok(set)
}

/// `@scope/name@1.0.0` → (`@scope/name`, `1.0.0`).
pub fn descriptor_split(id: &str) -> Option<(&str, &str)> {
    let at = version_at(id)?;
    Some((&id[..at], &id[at + 1..]))
}

/// `@scope/name@npm:^1` → `@scope/name`.
fn descriptor_name(d: &str) -> Option<&str> {
    Some(&d[..version_at(d)?])
}

/// yarn berry's `node_modules/.yarn-state.yml`: (package directory relative to the project,
/// locator). Virtual locators (packages with peers) are reduced to the locator they wrap.
pub fn parse_yarn_state(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (locator, body) in yaml_map(Some(&doc)) {
        if locator == "__metadata" {
            continue;
        }
        let Some(name) = descriptor_name(&locator) else { continue };
        let reference = &locator[name.len() + 1..];
        let reference = match reference.strip_prefix("virtual:") {
            Some(v) => v.split_once('#').map(|(_, r)| r).unwrap_or(v),
            None => reference,
        };
        for loc in body.get("locations").and_then(|l| l.as_sequence()).into_iter().flatten() {
            if let Some(l) = loc.as_str().filter(|l| !l.is_empty()) {
                out.push((l.to_string(), format!("{name}@{reference}")));
            }
        }
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_lock_marks_dev_and_dev_optional() {
        let lock = br#"{"lockfileVersion":3,"packages":{
            "": {"name":"app"},
            "node_modules/express": {"version":"4.21.2"},
            "node_modules/typescript": {"version":"5.6.3","dev":true},
            "node_modules/fsevents": {"version":"2.3.3","devOptional":true},
            "node_modules/a/node_modules/b": {"version":"1.0.0"},
            "node_modules/linked": {"link":true}
        }}"#;
        let p = parse_npm_lock(lock, "app").unwrap();
        let names: Vec<(&str, bool, &str)> =
            p.iter().map(|p| (p.name.as_str(), p.dev, p.path.as_str())).collect();
        assert_eq!(
            names,
            [
                ("b", false, "app/node_modules/a/node_modules/b"),
                ("express", false, "app/node_modules/express"),
                ("fsevents", true, "app/node_modules/fsevents"),
                ("typescript", true, "app/node_modules/typescript"),
            ]
        );
        assert!(parse_npm_lock(b"{}", "").is_err());
    }

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

    #[test]
    fn pnpm_v6_dev_flags_and_v9_reachability() {
        let v6 = "lockfileVersion: '6.0'\ndependencies:\n  a:\n    specifier: ^1\n    version: 1.0.0\npackages:\n  /a@1.0.0:\n    dev: false\n  /t@2.0.0:\n    dev: true\n";
        let d = parse_pnpm_lock(v6).unwrap();
        assert_eq!((d.is_dev("a", "1.0.0"), d.is_dev("t", "2.0.0")), (Some(false), Some(true)));
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0\n    devDependencies:\n      j:\n        specifier: ^2\n        version: 2.0.0(a@1.0.0)\npackages: {}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      '@s/c': 3.0.0\n  '@s/c@3.0.0': {}\n  j@2.0.0(a@1.0.0):\n    dependencies:\n      a: 1.0.0\n      k: 4.0.0\n  k@4.0.0: {}\n";
        let d = parse_pnpm_lock(v9).unwrap();
        assert_eq!(d.is_dev("@s/c", "3.0.0"), Some(false));
        assert_eq!(d.is_dev("j", "2.0.0"), Some(true));
        assert_eq!(d.is_dev("k", "4.0.0"), Some(true));
        assert_eq!(d.is_dev("a", "1.0.0"), Some(false));
        assert_eq!(pnpm_dir_version("@s+c@3.0.0_x@1", "@s/c"), Some("3.0.0"));
    }
}
