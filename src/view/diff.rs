//! The union of two images' final trees, for compare mode. AFTER's path ids are reused as
//! they are, and only the paths BEFORE alone has get new ids, so the tree costs memory in
//! proportion to what differs, not to the images. Ids keep the property the views rely on: a
//! parent's id is smaller than its children's.

use std::collections::HashMap;

use crate::analysis::Analysis;
use crate::index::{NONE, NodeId, ROOT};

pub struct DiffTree {
    after_len: usize,
    /// Per union id: the BEFORE node at the same path, or NONE.
    pub before_of: Vec<NodeId>,
    /// For ids past AFTER's: their parent.
    extra_parent: Vec<NodeId>,
    /// Union ids BEFORE alone contributes below each directory.
    extra_children: HashMap<NodeId, Vec<NodeId>>,
}

impl DiffTree {
    pub fn build(before: &Analysis, after: &Analysis) -> DiffTree {
        let (bp, ap) = (&before.index.paths, &after.index.paths);
        let after_len = ap.len();
        let mut t = DiffTree {
            after_len,
            before_of: vec![NONE; after_len],
            extra_parent: Vec::new(),
            extra_children: HashMap::new(),
        };
        // Union id per BEFORE node; parents come before children in id order.
        let mut of_before = vec![NONE; bp.len()];
        of_before[ROOT as usize] = ROOT;
        t.before_of[ROOT as usize] = ROOT;
        for b in 1..bp.len() as NodeId {
            if !before.index.visible(b) {
                continue;
            }
            let Some(parent) = bp.parent(b).map(|p| of_before[p as usize]).filter(|&p| p != NONE) else {
                continue;
            };
            let name = bp.name(b);
            // AFTER's id is reused also when AFTER deleted the path: it is then BEFORE's alone.
            let shared = ((parent as usize) < after_len).then(|| ap.find_child(parent, name)).flatten();
            let id = match shared {
                Some(a) => a,
                None => {
                    let id = t.before_of.len() as NodeId;
                    t.before_of.push(NONE);
                    t.extra_parent.push(parent);
                    t.extra_children.entry(parent).or_default().push(id);
                    id
                }
            };
            t.before_of[id as usize] = b;
            of_before[b as usize] = id;
        }
        t
    }

    pub fn len(&self) -> usize {
        self.before_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.before_of.is_empty()
    }

    /// The AFTER node of a union id, when AFTER has that path.
    pub fn after(&self, n: NodeId, after: &Analysis) -> Option<NodeId> {
        ((n as usize) < self.after_len && after.index.visible(n)).then_some(n)
    }

    pub fn before(&self, n: NodeId) -> Option<NodeId> {
        let b = self.before_of[n as usize];
        (b != NONE).then_some(b)
    }

    pub fn parent(&self, n: NodeId, after: &Analysis) -> Option<NodeId> {
        if (n as usize) < self.after_len {
            after.index.paths.parent(n)
        } else {
            Some(self.extra_parent[n as usize - self.after_len])
        }
    }

    pub fn name<'a>(&self, n: NodeId, before: &'a Analysis, after: &'a Analysis) -> &'a str {
        if (n as usize) < self.after_len {
            after.index.paths.name(n)
        } else {
            before.index.paths.name(self.before_of[n as usize])
        }
    }

    /// Children present on either side.
    pub fn children<'a>(&'a self, n: NodeId, after: &'a Analysis) -> impl Iterator<Item = NodeId> + 'a {
        let own = ((n as usize) < self.after_len)
            .then(|| {
                after
                    .index
                    .paths
                    .children(n)
                    .filter(|&c| after.index.visible(c) || self.before_of[c as usize] != NONE)
            })
            .into_iter()
            .flatten();
        own.chain(self.extra_children.get(&n).into_iter().flatten().copied())
    }
}
