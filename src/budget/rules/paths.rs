//! `[budget.paths]` (bytes under a glob) and `deny` (paths that must not exist).

use super::{Context, Rule, at_most, bytes, path_set};
use crate::budget::{Measurement, Quantity, Unit};
use crate::index::NodeId;

pub struct PathLimit(pub String);

impl Rule for PathLimit {
    fn id(&self) -> String {
        format!("paths.{}", self.0)
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let a = cx.a;
        let set = path_set(std::slice::from_ref(&self.0));
        let nodes: Vec<(NodeId, u64)> = a
            .visible_files()
            .filter(|(n, _)| set.is_match(a.index.paths.path(*n).trim_start_matches('/')))
            .collect();
        let m = nodes.iter().map(|n| n.1 as f64).sum::<f64>();
        at_most(bytes(m), bytes(limit), || cx.largest_paths(&nodes))
    }
}

pub struct Deny(pub Vec<String>);

impl Rule for Deny {
    fn id(&self) -> String {
        "deny".into()
    }
    fn measure(&self, _limit: f64, cx: &mut Context) -> Measurement {
        let set = path_set(&self.0);
        let ix = &cx.a.index;
        // Directories match too (`**/.git` denies the directory itself).
        let nodes: Vec<(NodeId, u64)> = (1..ix.paths.len() as NodeId)
            .filter(|&n| ix.visible(n) && set.is_match(ix.paths.path(n).trim_start_matches('/')))
            .map(|n| (n, ix.node_size(n)))
            .collect();
        // Report the outermost matches only (top-down: children have larger ids).
        let mut is_match = vec![false; ix.paths.len()];
        for &(n, _) in &nodes {
            is_match[n as usize] = true;
        }
        let mut below = vec![false; ix.paths.len()];
        for node in 1..ix.paths.len() {
            let p = ix.paths.parent(node as NodeId).unwrap_or(0) as usize;
            below[node] = below[p] || (p != 0 && is_match[p]);
        }
        let outer: Vec<(NodeId, u64)> = nodes.iter().copied().filter(|(n, _)| !below[*n as usize]).collect();
        Measurement {
            value: Quantity::new(outer.len() as f64, Unit::Paths),
            limit: Quantity::new(0.0, Unit::Nothing),
            pass: outer.is_empty(),
            contributors: cx.largest_paths(&outer),
            note: None,
            findings: Vec::new(),
        }
    }
}
