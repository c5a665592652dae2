//! yarn: `yarn.lock` (classic v1 and berry), walked from the project's `package.json`
//! roots, and berry's `node_modules/.yarn-state.yml` (which directory holds which locator).

use std::collections::{HashMap, HashSet};

use super::js::{DevSet, descriptor_name, package_json_roots, yaml_map, yaml_str};

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
