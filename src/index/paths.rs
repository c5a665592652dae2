//! Every path is stored once as a node in an arena tree with interned component names, so a
//! million-file image costs a few tens of bytes per path rather than a `String` per entry per layer.

use ahash::RandomState;
use hashbrown::HashTable;
use lasso::{Rodeo, Spur};

pub type NodeId = u32;
pub const ROOT: NodeId = 0;
pub const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    parent: NodeId,
    name: Spur,
    first_child: NodeId,
    next_sibling: NodeId,
}

pub struct PathArena {
    names: Rodeo<Spur, RandomState>,
    nodes: Vec<Node>,
    /// Each node by the hash of its parent and name, which the node itself holds: a table of
    /// ids alone is a third the size of a map keyed by (parent, name), the index's largest
    /// table after the entries.
    lookup: HashTable<NodeId>,
    hasher: RandomState,
}

impl Default for PathArena {
    fn default() -> Self {
        Self::new()
    }
}

impl PathArena {
    pub fn new() -> Self {
        let mut names = Rodeo::with_hasher(RandomState::new());
        let root = names.get_or_intern_static("");
        PathArena {
            names,
            nodes: vec![Node { parent: NONE, name: root, first_child: NONE, next_sibling: NONE }],
            lookup: HashTable::new(),
            hasher: RandomState::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    fn get(&self, parent: NodeId, name: Spur) -> Option<NodeId> {
        let hash = self.hasher.hash_one((parent, name));
        let nodes = &self.nodes;
        self.lookup
            .find(hash, |&id| {
                let n = &nodes[id as usize];
                n.parent == parent && n.name == name
            })
            .copied()
    }

    pub fn child(&mut self, parent: NodeId, name: &str) -> NodeId {
        let spur = self.names.get_or_intern(name);
        if let Some(id) = self.get(parent, spur) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        let p = &mut self.nodes[parent as usize];
        let next_sibling = p.first_child;
        p.first_child = id;
        // A block at a time once large: a large layer does not double the arena.
        super::blocks::grow(&mut self.nodes);
        self.nodes.push(Node { parent, name: spur, first_child: NONE, next_sibling });
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.lookup.insert_unique(hasher.hash_one((parent, spur)), id, |&id| hash_of(hasher, nodes, id));
        id
    }

    /// Gives back what growing reserved: the tree is complete.
    pub fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.lookup.shrink_to_fit(|&id| hash_of(hasher, nodes, id));
    }

    /// Looks a path up without creating it.
    pub fn find(&self, path: &str) -> Option<NodeId> {
        let mut cur = ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let spur = self.names.get(part)?;
            cur = self.get(cur, spur)?;
        }
        Some(cur)
    }

    /// The child of `parent` called `name`, without creating it.
    pub fn find_child(&self, parent: NodeId, name: &str) -> Option<NodeId> {
        let spur = self.names.get(name)?;
        self.get(parent, spur)
    }

    /// Interns a clean relative path (`a/b/c`), creating missing ancestors.
    pub fn intern(&mut self, path: &str) -> NodeId {
        let mut cur = ROOT;
        for part in path.split('/') {
            cur = self.child(cur, part);
        }
        cur
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != NONE).then_some(p)
    }

    pub fn name(&self, id: NodeId) -> &str {
        self.names.resolve(&self.nodes[id as usize].name)
    }

    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children { arena: self, next: self.nodes[id as usize].first_child }
    }

    /// Absolute path, `/` for the root.
    pub fn path(&self, id: NodeId) -> String {
        if id == ROOT {
            return "/".into();
        }
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != ROOT {
            parts.push(self.name(cur));
            cur = self.nodes[cur as usize].parent;
        }
        let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for p in parts.iter().rev() {
            out.push('/');
            out.push_str(p);
        }
        out
    }
}

fn hash_of(hasher: &RandomState, nodes: &[Node], id: NodeId) -> u64 {
    let n = &nodes[id as usize];
    hasher.hash_one((n.parent, n.name))
}

pub struct Children<'a> {
    arena: &'a PathArena,
    next: NodeId,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.arena.nodes[id as usize].next_sibling;
        Some(id)
    }
}

pub use crate::path::{EscapesRoot, clean_tar_path as clean_path};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once_and_rebuilds_paths() {
        let mut a = PathArena::new();
        let x = a.intern("usr/lib/x.so");
        let y = a.intern("usr/lib/x.so");
        assert_eq!(x, y);
        assert_eq!(a.path(x), "/usr/lib/x.so");
        assert_eq!(a.find("usr/lib"), a.parent(x));
        assert_eq!(a.find("usr/nope"), None);
        let lib = a.find("usr/lib").unwrap();
        a.intern("usr/lib/y.so");
        assert_eq!(a.children(lib).count(), 2);
    }
}
