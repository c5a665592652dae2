//! npm: lockfiles (`node_modules/.package-lock.json`, else `package-lock.json` or
//! `npm-shrinkwrap.json`), and the walk over every project's `node_modules` that pnpm and
//! yarn layouts are read in too.

use std::collections::BTreeSet;

use serde::Serialize;

use super::js::descriptor_split;
pub use super::npm_lock::parse_npm_lock;
use super::pnpm::{parse_pnpm_lock, pnpm_dir_version};
use super::yarn::{parse_yarn_lock, parse_yarn_state};
use super::{Cx, Owners};
use crate::classify::paths::parent_of;
use crate::classify::{Category, Ecosystem, Package};
use crate::index::{Index, NodeId};

/// Lock files, and the project's `package.json` (yarn's roots).
pub fn wants(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    matches!(
        base,
        ".package-lock.json"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | ".modules.yaml"
    ) || (base == "package.json" && !path.contains("node_modules/"))
        || path.ends_with("node_modules/.pnpm/lock.yaml")
        || path.ends_with("node_modules/.yarn-state.yml")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmPackage {
    pub name: String,
    pub version: String,
    /// `dev` or `devOptional` in the lockfile: not needed in production.
    pub dev: bool,
    /// Directory relative to the image root, without a leading slash.
    pub path: String,
}

/// `node` holds npm package `name`, dev or not as `src` says; the first lockfile to claim a
/// directory decides it.
fn add(cx: &mut Cx, node: NodeId, name: &str, version: &str, dev: Option<bool>, src: &str) {
    add_used(cx, node, name, version, dev, src, &[]);
}

/// [`add`], for a package of a workspace whose `members` (directory, dev only) use it.
fn add_used(
    cx: &mut Cx,
    node: NodeId,
    name: &str,
    version: &str,
    dev: Option<bool>,
    src: &str,
    members: &[(String, bool)],
) {
    if cx.owners.dir.contains_key(&node) {
        return;
    }
    let of = |want: bool| {
        let m: Vec<&str> = members.iter().filter(|m| m.1 == want).map(|m| m.0.as_str()).collect();
        match m.as_slice() {
            [] => String::new(),
            [one] => format!(" of {one}"),
            [one, rest @ ..] => format!(" of {one} and {} more members", rest.len()),
        }
    };
    let (cat, why) = match dev {
        Some(true) => {
            (Category::DevDependencies, format!("npm package {name}: marked dev{} in {src}", of(true)))
        }
        Some(false) => {
            let also = match of(true) {
                d if d.is_empty() => d,
                d => format!(" (dev{d})"),
            };
            let why = format!("npm package {name}: a production dependency{}{also} in {src}", of(false));
            (Category::Dependencies, why)
        }
        None => (
            Category::Dependencies,
            format!("npm package {name}: in node_modules; {src} does not say whether it is dev"),
        ),
    };
    let path = cx.ix.paths.path(node);
    // Without a version (yarn classic), the directory tells installs apart.
    let id = if version.is_empty() { format!("npm:{name}@{path}") } else { format!("npm:{name}@{version}") };
    let mut pkg = Package::new(id, Ecosystem::Npm, name, version, cat);
    pkg.dev = dev;
    pkg.path = Some(path);
    pkg.members = members.iter().map(|m| m.0.clone()).collect();
    // Reasons are per package, but interned: many packages share few lockfiles.
    let reason = cx.reasons.id(why);
    let owner = cx.owners.push(pkg, reason);
    cx.owners.dir.insert(node, owner);
}

/// Whether a pnpm `.modules.yaml` records an install without devDependencies.
fn modules_prod_only(text: &[u8]) -> bool {
    let Ok(doc) = serde_yaml_ng::from_slice::<serde_yaml_ng::Value>(text) else { return false };
    doc.get("included").and_then(|i| i.get("devDependencies")).and_then(|d| d.as_bool()) == Some(false)
}

/// The workspace directory a pnpm store entry's version names, for a workspace package
/// copied in (`pnpm deploy`, `injected`): `file+packages+shared` → `packages/shared`.
fn workspace_dir(version: &str) -> Option<String> {
    let rest = version.strip_prefix("file+").or_else(|| version.strip_prefix("link+"))?;
    Some(rest.replace('+', "/"))
}

/// A workspace member's own package, copied into the store: the app's code, not a dependency.
fn workspace_package(cx: &mut Cx, node: NodeId, name: &str, dir: &str, src: &str) {
    if cx.owners.dir.contains_key(&node) {
        return;
    }
    let path = cx.ix.paths.path(node);
    let mut pkg = Package::new(format!("npm:{name}@{path}"), Ecosystem::Npm, name, "", Category::App);
    pkg.path = Some(path);
    pkg.members = vec![dir.to_string()];
    let why = format!("npm package {name}: the workspace's own package {dir}, copied in ({src})");
    let reason = cx.reasons.id(why);
    let owner = cx.owners.push(pkg, reason);
    cx.owners.dir.insert(node, owner);
}

/// A package directory under `node_modules` that no lockfile knows: a dependency, by place.
pub fn unlocked(owners: &mut Owners, ix: &Index, node: NodeId, name: String, reason: u32) -> u32 {
    let path = ix.paths.path(node);
    let mut pkg =
        Package::new(format!("npm:{name}@{path}"), Ecosystem::Npm, &name, "", Category::Dependencies);
    pkg.path = Some(path);
    owners.push(pkg, reason)
}

/// npm, pnpm and yarn packages under every project's `node_modules`.
pub fn collect(cx: &mut Cx) {
    let (ix, meta) = (cx.ix, cx.meta);
    let content = |p: &str| meta.get(p);
    let dir_exists = |p: &str| ix.paths.find(p).is_some_and(|n| ix.is_dir(n));
    // Project roots: every directory with a node_modules and a lockfile.
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for (path, _) in meta.iter() {
        let base = path.rsplit('/').next().unwrap_or(path);
        let root = match base {
            ".package-lock.json" | ".modules.yaml" | ".yarn-state.yml" => parent_of(parent_of(path)),
            "lock.yaml" if path.ends_with("node_modules/.pnpm/lock.yaml") => {
                parent_of(parent_of(parent_of(path)))
            }
            // A lockfile a published package ships (inside a node_modules) is not an
            // install's record: npm and yarn ignore it.
            "package-lock.json" | "yarn.lock" | "pnpm-lock.yaml" if path.contains("node_modules/") => {
                continue;
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
            match parse_npm_lock(text, &root) {
                Ok(pkgs) => {
                    for p in pkgs {
                        if let Some(node) = ix.paths.find(&p.path).filter(|&n| ix.is_dir(n)) {
                            add(cx, node, &p.name, &p.version, Some(p.dev), &format!("/{lock}"));
                        }
                    }
                }
                Err(e) => cx.notes.push(format!("/{lock}: not read ({e})")),
            }
        }
        // pnpm: packages live in node_modules/.pnpm/<id>/node_modules/<name>.
        let store = format!("{nm}/.pnpm");
        if let Some(store_node) = ix.paths.find(&store).filter(|&n| ix.is_dir(n)) {
            let lock_path = [format!("{store}/lock.yaml"), at("pnpm-lock.yaml")]
                .into_iter()
                .find(|p| content(p).is_some());
            let devs = match &lock_path {
                Some(p) => match parse_pnpm_lock(&String::from_utf8_lossy(content(p).unwrap_or_default())) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        cx.notes.push(format!("/{p}: not read ({e})"));
                        None
                    }
                },
                None => None,
            };
            // Without a lockfile, the install's own record says whether devDependencies were
            // installed at all (`pnpm install --prod`, `pnpm deploy --prod`: they were not).
            let modules = format!("{nm}/.modules.yaml");
            let prod_only = devs.is_none() && content(&modules).is_some_and(modules_prod_only);
            let src = match &lock_path {
                Some(p) => format!("/{p}"),
                None if prod_only => format!("/{modules} (devDependencies not installed)"),
                None => "no pnpm lockfile".into(),
            };
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
                    let Some(version) = pnpm_dir_version(dir_name, &name) else { continue };
                    if let Some(dir) = workspace_dir(version) {
                        workspace_package(cx, c, &name, &dir, &src);
                        continue;
                    }
                    let dev = match &devs {
                        Some(d) => d.is_dev(&name, version),
                        None => prod_only.then_some(false),
                    };
                    let members = devs
                        .as_ref()
                        .and_then(|d| d.members.get(&format!("{name}@{version}")))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    add_used(cx, c, &name, version, dev, &src, members);
                }
            }
        }
        // yarn: berry's install state says which locator each directory holds; classic
        // only has names, so a name locked at several versions with different flags stays
        // undecided.
        if let Some(lock) = content(&at("yarn.lock")) {
            let pj = content(&at("package.json"));
            let devs = match pj {
                Some(pj) => parse_yarn_lock(&String::from_utf8_lossy(lock), pj),
                None => Err("the project's package.json is not in the image".to_string()),
            };
            let src = format!("/{}", at("yarn.lock"));
            match devs {
                Ok(devs) => {
                    if let Some(state) = content(&format!("{nm}/.yarn-state.yml")) {
                        match parse_yarn_state(&String::from_utf8_lossy(state)) {
                            Ok(locs) => {
                                for (loc, locator) in locs {
                                    let Some(id) = devs.locator_id(&locator) else { continue };
                                    let Some((name, version)) = descriptor_split(&id) else { continue };
                                    if let Some(n) = ix.paths.find(&at(&loc)).filter(|&n| ix.is_dir(n)) {
                                        let dev = devs.dev.get(&id).copied();
                                        add(cx, n, name, version, dev, &src);
                                    }
                                }
                            }
                            Err(e) => cx.notes.push(format!("/{nm}/.yarn-state.yml: not read ({e})")),
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
                                        add(cx, s, &name, "", devs.is_dev_any_version(&name), &src);
                                        if let Some(sub) = ix.paths.find_child(s, "node_modules") {
                                            todo.push(sub);
                                        }
                                    }
                                    continue;
                                }
                                add(cx, c, cname, "", devs.is_dev_any_version(cname), &src);
                                if let Some(sub) = ix.paths.find_child(c, "node_modules") {
                                    todo.push(sub);
                                }
                            }
                        }
                    }
                }
                Err(e) => cx.notes.push(format!("{src}: not read ({e})")),
            }
        }
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
    fn pnpm_install_records_and_injected_workspace_packages() {
        let deploy = b"included:\n  dependencies: true\n  devDependencies: false\n  optionalDependencies: true\nlayoutVersion: 5\n";
        assert!(modules_prod_only(deploy));
        assert!(!modules_prod_only(b"included:\n  devDependencies: true\n"));
        assert!(!modules_prod_only(b"{"));
        assert_eq!(workspace_dir("file+packages+shared").as_deref(), Some("packages/shared"));
        assert_eq!(workspace_dir("4.22.3"), None);
    }
}
