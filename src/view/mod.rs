//! Views of the final tree for explorers: the tree as of one layer or one layer's changes,
//! the union of two images' trees, and each layer's surviving bytes by category. The TUI
//! draws these; they are computed here, next to the index and comparison they derive from.

pub mod diff;
mod layer;

use crate::analysis::Analysis;
use crate::classify::Category;
use crate::index::{Change, Kind, NONE, NodeId};
pub use diff::DiffTree;
pub use layer::{diff_view, layer_view};

/// What the tree shows for a selected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerMode {
    /// The image as it is once the selected layer is applied (dive's compare-all).
    UpTo,
    /// Only what the selected layer changed (dive's compare-layer).
    Changes,
}

/// A view of one layer and mode, per node: bytes, whether it is shown, the change the layer
/// made to it, and in compare mode BEFORE's bytes (`size` holds AFTER's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub size: Vec<u64>,
    pub shown: Vec<bool>,
    pub change: Vec<Option<Change>>,
    pub before: Vec<u64>,
}

/// A tree to explore: one image's, or the union of two. `'a` is the analyses' lifetime.
pub trait Tree<'a> {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn parent(&self, n: NodeId) -> Option<NodeId>;
    fn name(&self, n: NodeId) -> &'a str;
    fn children(&self, n: NodeId) -> Vec<NodeId>;
    /// The category the node's colour and filter use: AFTER's, or BEFORE's for what only
    /// BEFORE has.
    fn category_of(&self, n: NodeId) -> Option<Category>;
    /// Per node: whether it is a directory (in either image); computed once by the caller.
    fn dir_flags(&self) -> Vec<bool>;
    /// Per layer (BEFORE's, then AFTER's): its surviving bytes by category.
    fn layer_categories(&self) -> Vec<[u64; 11]>;

    fn path(&self, n: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = n;
        while let Some(p) = self.parent(cur) {
            parts.push(self.name(cur));
            cur = p;
        }
        if parts.is_empty() {
            return "/".into();
        }
        parts.iter().rev().fold(String::new(), |s, p| s + "/" + p)
    }
}

/// One image's final tree.
pub struct Single<'a>(pub &'a Analysis);

/// Two images' trees as one: AFTER's ids, then what only BEFORE has.
pub struct Union<'a> {
    pub before: &'a Analysis,
    pub after: &'a Analysis,
    pub tree: &'a DiffTree,
}

/// Either tree, chosen once, so callers need not ask which one they explore.
pub enum Trees<'a> {
    One(Single<'a>),
    Two(Union<'a>),
}

impl<'a> Trees<'a> {
    fn get(&self) -> &dyn Tree<'a> {
        match self {
            Trees::One(t) => t,
            Trees::Two(t) => t,
        }
    }
}

impl<'a> Tree<'a> for Trees<'a> {
    fn len(&self) -> usize {
        self.get().len()
    }
    fn parent(&self, n: NodeId) -> Option<NodeId> {
        self.get().parent(n)
    }
    fn name(&self, n: NodeId) -> &'a str {
        self.get().name(n)
    }
    fn children(&self, n: NodeId) -> Vec<NodeId> {
        self.get().children(n)
    }
    fn category_of(&self, n: NodeId) -> Option<Category> {
        self.get().category_of(n)
    }
    fn dir_flags(&self) -> Vec<bool> {
        self.get().dir_flags()
    }
    fn layer_categories(&self) -> Vec<[u64; 11]> {
        self.get().layer_categories()
    }
    fn path(&self, n: NodeId) -> String {
        self.get().path(n)
    }
}

/// Each layer's bytes in the final image, by category.
pub fn layer_categories(a: &Analysis) -> Vec<[u64; 11]> {
    let ix = &a.index;
    let mut per_layer = vec![[0u64; 11]; a.layers.len()];
    for (node, e) in ix.final_files().filter(|(_, e)| e.kind() == Kind::File) {
        per_layer[e.layer as usize][a.classes.category[node as usize] as usize] += ix.node_size(node);
    }
    per_layer
}

/// A directory of the final tree, or (for a path a later layer deleted) one that had
/// something below it.
fn dir_flags(a: &Analysis) -> Vec<bool> {
    let ix = &a.index;
    (0..ix.paths.len() as NodeId)
        .map(|n| ix.is_dir(n) || (!ix.visible(n) && ix.paths.children(n).next().is_some()))
        .collect()
}

impl<'a> Tree<'a> for Single<'a> {
    fn len(&self) -> usize {
        self.0.index.paths.len()
    }
    fn parent(&self, n: NodeId) -> Option<NodeId> {
        self.0.index.paths.parent(n)
    }
    fn name(&self, n: NodeId) -> &'a str {
        self.0.index.paths.name(n)
    }
    fn children(&self, n: NodeId) -> Vec<NodeId> {
        self.0.index.paths.children(n).collect()
    }
    fn category_of(&self, n: NodeId) -> Option<Category> {
        (self.0.index.current[n as usize] != NONE).then(|| self.0.classes.category[n as usize])
    }
    fn dir_flags(&self) -> Vec<bool> {
        dir_flags(self.0)
    }
    fn layer_categories(&self) -> Vec<[u64; 11]> {
        layer_categories(self.0)
    }
    fn path(&self, n: NodeId) -> String {
        self.0.index.paths.path(n)
    }
}

impl<'a> Tree<'a> for Union<'a> {
    fn len(&self) -> usize {
        self.tree.len()
    }
    fn parent(&self, n: NodeId) -> Option<NodeId> {
        self.tree.parent(n, self.after)
    }
    fn name(&self, n: NodeId) -> &'a str {
        self.tree.name(n, self.before, self.after)
    }
    fn children(&self, n: NodeId) -> Vec<NodeId> {
        self.tree.children(n, self.after).collect()
    }
    fn category_of(&self, n: NodeId) -> Option<Category> {
        let (a, b) = (self.after, self.before);
        match (self.tree.after(n, a), self.tree.before(n)) {
            (Some(x), _) if a.index.current[x as usize] != NONE => Some(a.classes.category[x as usize]),
            (_, Some(y)) if b.index.current[y as usize] != NONE => Some(b.classes.category[y as usize]),
            _ => None,
        }
    }
    fn dir_flags(&self) -> Vec<bool> {
        let (bd, ad) = (dir_flags(self.before), dir_flags(self.after));
        (0..self.tree.len() as NodeId)
            .map(|n| {
                self.tree.after(n, self.after).is_some_and(|x| ad[x as usize])
                    || self.tree.before(n).is_some_and(|x| bd[x as usize])
            })
            .collect()
    }
    fn layer_categories(&self) -> Vec<[u64; 11]> {
        let mut cats = layer_categories(self.before);
        cats.extend(layer_categories(self.after));
        cats
    }
}
