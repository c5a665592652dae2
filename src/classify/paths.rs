//! Paths as classification reads them from the final tree and from package databases.

use crate::index::{Index, Kind, NONE, NodeId, ROOT};

/// Follows symlinked directories (`/bin` → `usr/bin` on merged-/usr systems) to the node a
/// path names in the final tree.
pub fn resolve(ix: &Index, path: &str) -> Option<NodeId> {
    let mut parts: Vec<String> =
        path.split('/').filter(|p| !p.is_empty() && *p != ".").map(String::from).collect();
    parts.reverse();
    let mut cur = ROOT;
    let mut hops = 0;
    while let Some(part) = parts.pop() {
        if part == ".." {
            cur = ix.paths.parent(cur).unwrap_or(ROOT);
            continue;
        }
        let next = ix.paths.find_child(cur, &part).filter(|&c| ix.visible(c))?;
        let e = ix.current[next as usize];
        if !parts.is_empty() && e != NONE && ix.entries[e as usize].kind() == Kind::Symlink {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = ix.symlink_target(e)?;
            let mut t: Vec<String> =
                target.split('/').filter(|p| !p.is_empty() && *p != ".").map(String::from).collect();
            t.reverse();
            parts.extend(t);
            if target.starts_with('/') {
                cur = ROOT;
            }
            continue;
        }
        cur = next;
    }
    Some(cur)
}

/// [`resolve`], and then the link the path ends in, to what it points at: `None` when that
/// is not in the image (a dangling link) or the links loop.
pub fn follow(ix: &Index, path: &str) -> Option<NodeId> {
    let mut node = resolve(ix, path)?;
    for _ in 0..40 {
        let e = ix.current[node as usize];
        if e == NONE || ix.entries[e as usize].kind() != Kind::Symlink {
            return Some(node);
        }
        let target = ix.symlink_target(e)?;
        let base = ix.paths.parent(node).map(|p| ix.paths.path(p)).unwrap_or_default();
        let next = if target.starts_with('/') { target.to_string() } else { format!("{base}/{target}") };
        node = resolve(ix, &next)?;
    }
    None
}

pub use crate::path::join;

pub fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}
