//! pnpm: `pnpm-lock.yaml` (or the installed copy `node_modules/.pnpm/lock.yaml`, v5, v6
//! and v9) and the `.pnpm/<name>@<version>` store layout its packages live in.

use std::collections::{HashMap, HashSet};

use super::js::{DevSet, version_at, yaml_map, yaml_str};

/// `(peer@1)(x@2)` and `_peer@1` suffixes off a pnpm version.
fn pnpm_version(v: &str) -> &str {
    v.split(['(', '_']).next().unwrap_or(v)
}

/// A pnpm lockfile (v5.4, v6 or v9; `pnpm-lock.yaml` or the installed copy in
/// `node_modules/.pnpm/lock.yaml`).
pub fn parse_pnpm_lock(text: &str) -> Result<DevSet, String> {
    use serde_yaml_ng::Value;
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    // Importers: the workspace projects by directory, or (a single project before v9) the
    // document itself.
    let importers: Vec<(String, &Value)> = match doc.get("importers").and_then(|i| i.as_mapping()) {
        Some(m) => m.iter().map(|(k, v)| (k.as_str().unwrap_or(".").to_string(), v)).collect(),
        None => vec![(".".to_string(), &doc)],
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
    let root_ids = |imp: &Value, fields: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        {
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
    const PROD: [&str; 2] = ["dependencies", "optionalDependencies"];
    let mut prod: HashSet<String> = HashSet::new();
    let mut members: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for (dir, imp) in &importers {
        let mine: HashSet<String> = reach(root_ids(imp, &PROD)).iter().map(|i| strip_peers(i)).collect();
        // The workspace's members (not its root) are named on the packages they pull in.
        if dir != "." {
            let all = reach(root_ids(imp, &["dependencies", "optionalDependencies", "devDependencies"]));
            let mut ids: Vec<String> = all.iter().map(|i| strip_peers(i)).collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                let dev = !mine.contains(&id);
                members.entry(id).or_default().push((dir.clone(), dev));
            }
        }
        prod.extend(mine);
    }
    let mut set = if flags.is_empty() {
        DevSet::from_reach(graph.keys().map(|k| strip_peers(k)), &prod)
    } else {
        DevSet { dev: flags, ..DevSet::default() }
    };
    for m in members.values_mut() {
        m.sort();
    }
    set.members = members;
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
pub(super) fn strip_peers(id: &str) -> String {
    match version_at(id) {
        Some(at) => format!("{}@{}", &id[..at], pnpm_version(&id[at + 1..])),
        None => id.to_string(),
    }
}

/// The package a `node_modules/.pnpm/<dir>/node_modules/<name>` directory holds:
/// `@babel+core@7.23.0_x` with name `@babel/core` → version `7.23.0`.
pub fn pnpm_dir_version<'a>(store_dir: &'a str, name: &str) -> Option<&'a str> {
    let encoded = name.replace('/', "+");
    let rest = store_dir.strip_prefix(&encoded)?.strip_prefix('@')?;
    Some(pnpm_version(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn workspace_members_are_named_with_their_own_dev_flags() {
        // As pnpm 9 writes a workspace: the root's tools, one member's test library, a
        // package one member needs in production and another only for development.
        let lock = "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      typescript:\n        specifier: ^5\n        version: 5.9.3\n  packages/api:\n    dependencies:\n      '@demo/shared':\n        specifier: workspace:*\n        version: link:../shared\n      qs:\n        specifier: ^6\n        version: 6.16.2\n    devDependencies:\n      supertest:\n        specifier: ^7\n        version: 7.3.2\n  packages/web:\n    devDependencies:\n      qs:\n        specifier: ^6\n        version: 6.16.2\npackages: {}\nsnapshots:\n  qs@6.16.2: {}\n  supertest@7.3.2:\n    dependencies:\n      qs: 6.16.2\n  typescript@5.9.3: {}\n";
        let d = parse_pnpm_lock(lock).unwrap();
        assert_eq!(d.is_dev("qs", "6.16.2"), Some(false));
        assert_eq!(d.is_dev("supertest", "7.3.2"), Some(true));
        assert_eq!(d.is_dev("typescript", "5.9.3"), Some(true));
        let m = |id: &str| d.members.get(id).cloned().unwrap_or_default();
        assert_eq!(m("qs@6.16.2"), [("packages/api".to_string(), false), ("packages/web".to_string(), true)]);
        assert_eq!(m("supertest@7.3.2"), [("packages/api".to_string(), true)]);
        // The workspace root is not a member.
        assert!(m("typescript@5.9.3").is_empty());
    }
}
