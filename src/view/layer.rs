//! The tree as of one layer, or one layer's changes; for two images, each side's bytes and
//! the change between them. Linear in the entries and nodes.

use super::{LayerMode, Union, View};
use crate::analysis::Analysis;
use crate::index::{Change, HiddenHow, Kind, NO_LAYER, NONE, NodeId};

/// One image as of layer `layer` (`UpTo`), or only what that layer wrote (`Changes`).
pub fn layer_view(a: &Analysis, layer: usize, mode: LayerMode) -> View {
    let ix = &a.index;
    let n = ix.paths.len();
    let l = layer as u16;
    let mut size = vec![0u64; n];
    let mut shown = vec![false; n];
    let mut change: Vec<Option<Change>> = vec![None; n];
    let final_view = mode == LayerMode::UpTo && layer + 1 >= a.layers.len();
    let changes = mode == LayerMode::Changes;
    for e in &ix.entries {
        let node = e.node as usize;
        let in_layer = e.layer == l;
        if in_layer && e.change() != Change::Unchanged {
            change[node] = Some(e.change());
        }
        // Deleted paths of the selected layer show in both modes, marked.
        if in_layer && e.change() == Change::Deleted {
            shown[node] = true;
        }
        if changes && e.hidden_by == l && e.hidden_how() == HiddenHow::Deleted {
            shown[node] = true;
            change[node] = Some(Change::Deleted);
        }
        let visible = if changes {
            in_layer
        } else {
            e.layer <= l && (e.hidden_by == NO_LAYER || e.hidden_by > l) && e.change() != Change::Deleted
        };
        if !visible {
            continue;
        }
        shown[node] = true;
        if e.kind() == Kind::File && !final_view {
            // Hardlinked bytes count once: only where the content lives.
            size[node] = e.size;
        }
    }
    if final_view {
        for (node, s) in size.iter_mut().enumerate() {
            *s = ix.node_size(node as NodeId);
        }
    }
    View { size, shown, change, before: Vec::new() }
}

/// Two images: each side's final bytes per node and the change between them. With `scope`
/// (a layer of BEFORE when `.0`, else of AFTER), only the files whose final version that
/// layer wrote are shown; `dirs` flags the directories.
pub fn diff_view(u: &Union, scope: Option<(bool, usize)>, dirs: &[bool]) -> View {
    let n = u.tree.len();
    let (mut after, mut before) = (vec![0u64; n], vec![0u64; n]);
    let mut shown = vec![false; n];
    let mut change = vec![None; n];
    for id in 0..n as NodeId {
        let i = id as usize;
        let x = u.tree.after(id, u.after);
        let b = u.tree.before(id);
        if let Some(x) = x {
            after[i] = u.after.index.node_size(x);
        }
        if let Some(b) = b {
            before[i] = u.before.index.node_size(b);
        }
        shown[i] = match scope {
            None => true,
            Some(_) if dirs[i] => true,
            Some((on_before, l)) => {
                let (a, node) = if on_before { (u.before, b) } else { (u.after, x) };
                node.is_some_and(|node| {
                    let e = a.index.current[node as usize];
                    e != NONE && a.index.entries[e as usize].layer as usize == l
                })
            }
        };
        change[i] = match (x, b) {
            (Some(_), None) => Some(Change::Added),
            (None, Some(_)) => Some(Change::Deleted),
            _ if after[i] != before[i] => Some(Change::Modified),
            _ => None,
        };
    }
    View { size: after, shown, change, before }
}
