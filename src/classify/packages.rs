//! Package inventories read from the image's own databases: Debian packages (dpkg status and
//! file lists), npm packages (`node_modules/.package-lock.json`), Python distributions
//! (`*.dist-info/METADATA` and `RECORD`).

use std::collections::HashMap;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Deb,
    Npm,
    Python,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebPackage {
    pub name: String,
    pub version: String,
    /// `Installed-Size` from the status file, in bytes (dpkg records KiB).
    pub installed_size: Option<u64>,
}

/// Installed packages from `/var/lib/dpkg/status`.
pub fn parse_dpkg_status(text: &str) -> Vec<DebPackage> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for line in para.lines() {
            if line.starts_with([' ', '\t']) {
                continue; // continuation lines (descriptions, conffiles)
            }
            if let Some((k, v)) = line.split_once(':') {
                fields.insert(k.trim(), v.trim());
            }
        }
        let (Some(name), Some(status)) = (fields.get("Package"), fields.get("Status")) else { continue };
        if !status.ends_with(" installed") {
            continue;
        }
        out.push(DebPackage {
            name: name.to_string(),
            version: fields.get("Version").unwrap_or(&"").to_string(),
            installed_size: fields
                .get("Installed-Size")
                .and_then(|s| s.parse::<u64>().ok())
                .map(|k| k * 1024),
        });
    }
    out
}

/// The package a dpkg file list belongs to: `info/libc6:amd64.list` → `libc6`.
pub fn dpkg_list_owner(list_path: &str) -> Option<&str> {
    let base = list_path.rsplit('/').next()?.strip_suffix(".list")?;
    Some(base.split(':').next().unwrap_or(base))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_keeps_installed_packages() {
        let status = "Package: gcc-12\nStatus: install ok installed\nVersion: 12.2.0-14\nInstalled-Size: 68000\nDescription: GNU C\n compiler\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n";
        let p = parse_dpkg_status(status);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].installed_size), ("gcc-12", Some(68000 * 1024)));
        assert_eq!(dpkg_list_owner("var/lib/dpkg/info/libc6:amd64.list"), Some("libc6"));
        assert_eq!(dpkg_list_owner("var/lib/dpkg/info/make.list"), Some("make"));
    }

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
}
