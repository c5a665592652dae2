//! Ubuntu chiselled images: `/var/lib/chisel/manifest.wall`, a zstd-compressed "jsonwall"
//! (one JSON object a line, the first a header): the Debian packages the slices came from,
//! the slices (`PACKAGE_SLICE`), and every path with the slices that put it there.

use std::collections::HashMap;
use std::io::Read;

use serde::Deserialize;

use super::Cx;
use super::system::{Pending, SysPackage};
use crate::classify::paths::resolve;
use crate::classify::{Category, Ecosystem, Package};

pub const MANIFEST: &str = "var/lib/chisel/manifest.wall";
/// A manifest that inflates past this is not read: it lists paths of a small image.
const MAX_INFLATED: u64 = 64 << 20;

pub fn wants(path: &str) -> bool {
    path == MANIFEST
}

#[derive(Deserialize)]
struct Line {
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    slices: Vec<String>,
}

/// (name, version) of a package; (path, package) of a path.
type Pairs = Vec<(String, String)>;

/// The packages (name, version) and, per path, the package it came from.
pub fn parse(compressed: &[u8]) -> Result<(Pairs, Pairs), String> {
    let mut text = String::new();
    zstd::stream::read::Decoder::new(compressed)
        .map_err(|e| e.to_string())?
        .take(MAX_INFLATED)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().ok_or("empty")?).map_err(|e| format!("header: {e}"))?;
    if header.get("jsonwall").is_none() {
        return Err("no jsonwall header".into());
    }
    let (mut packages, mut paths) = (Vec::new(), Vec::new());
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let line: Line = serde_json::from_str(l).map_err(|e| e.to_string())?;
        match line.kind.as_str() {
            "package" => packages.push((line.name, line.version)),
            "path" => {
                // `libc6_libs`: the package is what comes before the last underscore.
                if let Some(pkg) = line.slices.first().and_then(|s| s.rsplit_once('_')).map(|(p, _)| p) {
                    paths.push((line.path.trim_start_matches('/').to_string(), pkg.to_string()));
                }
            }
            _ => {}
        }
    }
    Ok((packages, paths))
}

/// The packages chisel cut slices from, owning the paths the manifest lists. They are Debian
/// packages, classified as Debian's are (without their dependencies, which chisel drops).
pub fn collect(cx: &mut Cx, pending: &mut Vec<Pending>) {
    let Some(bytes) = cx.meta.get(MANIFEST) else { return };
    let (packages, paths) = match parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            cx.notes.push(format!("/{MANIFEST}: not read ({e})"));
            return;
        }
    };
    let mut by_name: HashMap<String, u32> = HashMap::new();
    let mut sys = Vec::new();
    for (name, version) in packages {
        let pkg =
            Package::new(format!("deb:{name}@{version}"), Ecosystem::Deb, &name, &version, Category::Os);
        let owner = cx.owners.push(pkg, 0);
        by_name.insert(name.clone(), owner);
        sys.push(SysPackage {
            owner,
            name,
            needs: Vec::new(),
            provides: Vec::new(),
            required: false,
            explicit: false,
        });
    }
    for (path, pkg) in paths {
        if let (Some(&owner), Some(node)) =
            (by_name.get(&pkg), resolve(cx.ix, &path).filter(|&n| cx.ix.is_file(n)))
        {
            cx.owners.claim_file(node, owner);
        }
    }
    pending.push(Pending { family: Box::new(super::deb::Debian), packages: sys });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_jsonwall() {
        let wall = "{\"jsonwall\":\"1.0\",\"schema\":\"1.0\",\"count\":5}\n\
            {\"kind\":\"package\",\"name\":\"libc6\",\"version\":\"2.39-0ubuntu8\",\"sha256\":\"ab\",\"arch\":\"amd64\"}\n\
            {\"kind\":\"path\",\"path\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\",\"mode\":\"0755\",\"slices\":[\"libc6_libs\"],\"sha256\":\"cd\",\"size\":2125328}\n\
            {\"kind\":\"slice\",\"name\":\"libc6_libs\"}\n";
        let z = zstd::encode_all(wall.as_bytes(), 3).unwrap();
        let (pk, paths) = parse(&z).unwrap();
        assert_eq!(pk, [("libc6".to_string(), "2.39-0ubuntu8".to_string())]);
        assert_eq!(paths, [("usr/lib/x86_64-linux-gnu/libc.so.6".to_string(), "libc6".to_string())]);
        assert!(parse(b"not zstd").is_err());
        assert!(parse(&zstd::encode_all(&b"{\"x\":1}\n"[..], 3).unwrap()).is_err());
    }
}
