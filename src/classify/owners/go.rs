//! Go programs: the build information every Go binary carries (`.go.buildinfo`, what
//! `go version -m` prints) lists its main module and the modules compiled into it. The main
//! module owns the binary; its dependencies are listed with it.

use super::Cx;
use crate::classify::native::Loaded;
use crate::classify::{Category, Ecosystem, Package};

pub fn collect(cx: &mut Cx, loaded: &Loaded) {
    let ix = cx.ix;
    let mut bins: Vec<(crate::index::NodeId, &crate::index::elf::GoInfo)> =
        ix.final_files().filter_map(|(n, _)| Some((n, ix.elf(n)?.go.as_ref()?))).collect();
    bins.sort_by_key(|b| b.0);
    for (node, go) in bins {
        let path = ix.paths.path(node);
        let (module, version) =
            if go.main.0.is_empty() { (go.path.clone(), String::new()) } else { go.main.clone() };
        let (category, why) = if go.path.starts_with("cmd/") {
            (Category::Toolchain, format!("Go toolchain program {} ({})", go.path, go.version))
        } else if loaded.roots.contains(&node) {
            (Category::App, format!("Go program {module}: the command the image runs ({})", go.version))
        } else {
            (Category::Dependencies, format!("Go program {module}, built with {}", go.version))
        };
        let mut pkg =
            Package::new(format!("go:{module}@{version}@{path}"), Ecosystem::Go, &module, &version, category);
        pkg.path = Some(path.clone());
        let reason = cx.reasons.id(why);
        let owner = cx.owners.push(pkg, reason);
        if cx.owners.file[node as usize] == crate::index::NONE {
            cx.owners.file[node as usize] = owner;
        }
        for (dep, v) in &go.deps {
            let mut d = Package::new(format!("go:{dep}@{v}@{path}"), Ecosystem::Go, dep, v, category);
            d.path = Some(path.clone());
            let reason = cx.reasons.id(format!("Go module {dep}: compiled into {path}"));
            cx.owners.push(d, reason);
        }
    }
}
