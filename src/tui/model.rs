//! The TUI's model and `update`: every key and mouse event becomes a [`Msg`], and `update` is
//! the only place the model changes, so tests drive it exactly as the keys do.

use std::collections::HashSet;

use crate::analysis::Analysis;
use crate::classify::Category;
use crate::index::{Change, HiddenHow, Kind, NO_LAYER, NONE, NodeId, ROOT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
}

/// What the tree shows for the selected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerMode {
    /// The image as it is once the selected layer is applied (dive's compare-all).
    UpTo,
    /// Only what the selected layer changed (dive's compare-layer).
    Changes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Size,
    Name,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Tab: the other pane.
    NextPane,
    /// Enter / space / right on a directory: expand or collapse it.
    Toggle,
    Expand,
    Collapse,
    ExpandAll,
    CollapseAll,
    /// Jump to the largest file of the current view.
    Largest,
    ToggleSort,
    ToggleLayerMode,
    /// Cycle the category filter (none, then each category the view holds).
    CycleCategory,
    /// Show only what the selected layer changed.
    ToggleChangedOnly,
    /// Start typing a path filter; characters, backspace, enter/esc end it.
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    FilterDone,
    FilterCancel,
    Help,
    /// Escape: close the help or the filter prompt, else quit.
    Escape,
    Quit,
    Resize(u16, u16),
    /// A click on a row of the tree (0-based row inside the tree list) or the layers list.
    ClickTree(usize),
    ClickLayer(usize),
    ScrollUp,
    ScrollDown,
}

/// One row of the flattened tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    pub depth: u16,
}

pub struct Model {
    pub a: Analysis,
    pub focus: Pane,
    pub layer: usize,
    pub layer_mode: LayerMode,
    pub sort: Sort,
    pub help: bool,
    pub quit: bool,
    pub category: Option<Category>,
    pub changed_only: bool,
    /// The path filter being typed (Some while the prompt is open).
    pub typing: Option<String>,
    pub filter: String,
    pub expanded: HashSet<NodeId>,
    pub rows: Vec<Row>,
    pub selected: usize,
    pub scroll: usize,
    /// Rows of the tree list the last frame had room for.
    pub page: usize,
    pub size: (u16, u16),
    /// Per node, for the current layer and mode: bytes, whether it is shown, and the change
    /// the selected layer made to it.
    pub view_size: Vec<u64>,
    pub view_shown: Vec<bool>,
    pub view_change: Vec<Option<Change>>,
    /// Per layer: its surviving bytes by category (for the layers pane), computed once.
    pub layer_categories: Vec<[u64; 11]>,
}

impl Model {
    pub fn new(a: Analysis) -> Model {
        let last = a.layers.len().saturating_sub(1);
        let mut m = Model {
            a,
            focus: Pane::Tree,
            layer: last,
            layer_mode: LayerMode::UpTo,
            sort: Sort::Size,
            help: false,
            quit: false,
            category: None,
            changed_only: false,
            typing: None,
            filter: String::new(),
            expanded: HashSet::from([ROOT]),
            rows: Vec::new(),
            selected: 0,
            scroll: 0,
            page: 20,
            size: (80, 24),
            view_size: Vec::new(),
            view_shown: Vec::new(),
            view_change: Vec::new(),
            layer_categories: Vec::new(),
        };
        let ix = &m.a.index;
        let mut per_layer = vec![[0u64; 11]; m.a.layers.len()];
        for (node, &e) in ix.current.iter().enumerate() {
            if e != NONE && ix.entries[e as usize].kind == Kind::File {
                per_layer[ix.entries[e as usize].layer as usize][m.a.classes.category[node] as usize] +=
                    ix.node_size[node];
            }
        }
        m.layer_categories = per_layer;
        m.recompute_view();
        m
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.rows.get(self.selected).map(|r| r.node)
    }

    /// A directory of the final tree, or (for a path a later layer deleted) one that had
    /// something below it.
    pub fn is_dir(&self, n: NodeId) -> bool {
        let ix = &self.a.index;
        ix.is_dir(n) || (!ix.visible[n as usize] && ix.paths.children(n).next().is_some())
    }

    /// Sizes and visibility for the selected layer: the tree as of that layer (`UpTo`) or only
    /// what the layer wrote (`Changes`), then the filters. Linear in the entries and nodes.
    pub fn recompute_view(&mut self) {
        let ix = &self.a.index;
        let n = ix.paths.len();
        let l = self.layer as u16;
        let mut size = vec![0u64; n];
        let mut shown = vec![false; n];
        let mut change: Vec<Option<Change>> = vec![None; n];
        let final_view = self.layer_mode == LayerMode::UpTo && self.layer + 1 >= self.a.layers.len();
        for e in &ix.entries {
            let in_layer = e.layer == l;
            if in_layer && e.change != Change::Unchanged {
                change[e.node as usize] = Some(e.change);
            }
            let visible = match self.layer_mode {
                LayerMode::UpTo => {
                    e.layer <= l
                        && (e.hidden_by == NO_LAYER || e.hidden_by > l)
                        && e.change != Change::Deleted
                }
                LayerMode::Changes => in_layer,
            };
            if !visible {
                continue;
            }
            shown[e.node as usize] = true;
            if e.kind == Kind::File {
                // Hardlinked bytes count once: only where the content lives.
                size[e.node as usize] = if final_view { ix.node_size[e.node as usize] } else { e.size };
            }
        }
        // Deleted paths of the selected layer show in both modes, marked.
        for e in &ix.entries {
            if e.layer == l && e.change == Change::Deleted {
                shown[e.node as usize] = true;
            }
            if e.hidden_by == l && e.hidden_how == HiddenHow::Deleted && self.layer_mode == LayerMode::Changes
            {
                shown[e.node as usize] = true;
                change[e.node as usize] = Some(Change::Deleted);
            }
        }
        if final_view {
            size[..n].copy_from_slice(&ix.node_size[..n]);
        }
        // Filters apply to leaves; directories show when something below them does.
        let cat = self.category;
        let filter = self.filter.to_lowercase();
        let glob = (filter.contains('*') || filter.contains('?'))
            .then(|| globset::GlobBuilder::new(&filter).literal_separator(false).build().ok())
            .flatten()
            .map(|g| g.compile_matcher());
        let filtering = cat.is_some() || !filter.is_empty() || self.changed_only;
        if filtering {
            for node in 1..n {
                if !shown[node] || self.is_dir(node as NodeId) {
                    continue;
                }
                let mut keep = true;
                if let Some(c) = cat {
                    keep &= self.a.classes.category[node] == c && ix.current[node] != NONE;
                }
                if self.changed_only {
                    keep &= change[node].is_some();
                }
                if keep && !filter.is_empty() {
                    let p = ix.paths.path(node as NodeId).to_lowercase();
                    keep = match &glob {
                        Some(g) => g.is_match(&p),
                        None => p.contains(&filter),
                    };
                }
                shown[node] = keep;
            }
            // Directories: shown only when a shown leaf is below (children have larger ids).
            let mut has = vec![false; n];
            for node in (1..n).rev() {
                let leaf = !self.is_dir(node as NodeId);
                if ((leaf && shown[node]) || has[node])
                    && let Some(p) = ix.paths.parent(node as NodeId)
                {
                    has[p as usize] = true;
                }
            }
            for node in 1..n {
                if self.is_dir(node as NodeId) {
                    shown[node] = has[node];
                }
            }
        }
        // Directory sizes: the sum of what is shown below them.
        if !final_view || filtering {
            for node in 1..n {
                if !shown[node] || self.is_dir(node as NodeId) {
                    size[node] = 0;
                }
            }
            for node in (1..n).rev() {
                if shown[node]
                    && let Some(p) = ix.paths.parent(node as NodeId)
                {
                    size[p as usize] += size[node];
                }
            }
        }
        shown[ROOT as usize] = true;
        self.view_size = size;
        self.view_shown = shown;
        self.view_change = change;
        let keep = self.selected_node();
        self.rebuild_rows(keep);
    }

    /// Flattens the expanded part of the tree; only expanded directories are visited.
    pub fn rebuild_rows(&mut self, keep: Option<NodeId>) {
        let mut rows = Vec::new();
        let mut stack: Vec<(NodeId, u16)> =
            self.sorted_children(ROOT).into_iter().rev().map(|c| (c, 0)).collect();
        while let Some((node, depth)) = stack.pop() {
            rows.push(Row { node, depth });
            if self.expanded.contains(&node) {
                for c in self.sorted_children(node).into_iter().rev() {
                    stack.push((c, depth + 1));
                }
            }
        }
        self.rows = rows;
        self.selected = keep
            .and_then(|k| self.rows.iter().position(|r| r.node == k))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
        self.fix_scroll();
    }

    fn sorted_children(&self, n: NodeId) -> Vec<NodeId> {
        let ix = &self.a.index;
        let mut kids: Vec<NodeId> = ix.paths.children(n).filter(|&c| self.view_shown[c as usize]).collect();
        match self.sort {
            Sort::Size => kids.sort_by(|a, b| {
                self.view_size[*b as usize]
                    .cmp(&self.view_size[*a as usize])
                    .then_with(|| ix.paths.name(*a).cmp(ix.paths.name(*b)))
            }),
            Sort::Name => kids.sort_by(|a, b| ix.paths.name(*a).cmp(ix.paths.name(*b))),
        }
        kids
    }

    fn fix_scroll(&mut self) {
        let page = self.page.max(1);
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + page {
            self.scroll = self.selected + 1 - page;
        }
    }

    fn move_to(&mut self, i: usize) {
        if self.rows.is_empty() {
            return;
        }
        self.selected = i.min(self.rows.len() - 1);
        self.fix_scroll();
    }

    fn select_layer(&mut self, l: usize) {
        let l = l.min(self.a.layers.len().saturating_sub(1));
        if l != self.layer {
            self.layer = l;
            self.recompute_view();
        }
    }

    /// The set of categories present, in order, for cycling the filter.
    fn categories_present(&self) -> Vec<Category> {
        Category::ALL.into_iter().filter(|c| self.a.category(*c).files > 0).collect()
    }
}

/// Applies one message. The view is a pure function of the model.
pub fn update(m: &mut Model, msg: Msg) {
    if let Some(text) = &mut m.typing {
        match msg {
            Msg::FilterChar(c) => text.push(c),
            Msg::FilterBackspace => {
                text.pop();
            }
            Msg::FilterDone => {
                m.filter = m.typing.take().unwrap_or_default();
                m.recompute_view();
            }
            Msg::FilterCancel | Msg::Escape => m.typing = None,
            Msg::Resize(w, h) => m.size = (w, h),
            _ => {}
        }
        return;
    }
    if m.help {
        match msg {
            Msg::Quit => m.quit = true,
            Msg::Resize(w, h) => m.size = (w, h),
            _ => m.help = false,
        }
        return;
    }
    let layers = m.a.layers.len();
    match msg {
        Msg::Quit => m.quit = true,
        Msg::Escape => {
            if !m.filter.is_empty() || m.category.is_some() || m.changed_only {
                m.filter.clear();
                m.category = None;
                m.changed_only = false;
                m.recompute_view();
            } else {
                m.quit = true;
            }
        }
        Msg::Help => m.help = true,
        Msg::NextPane => m.focus = if m.focus == Pane::Tree { Pane::Layers } else { Pane::Tree },
        Msg::Resize(w, h) => m.size = (w, h),
        Msg::Up | Msg::ScrollUp => match m.focus {
            Pane::Layers => m.select_layer(m.layer.saturating_sub(1)),
            Pane::Tree => m.move_to(m.selected.saturating_sub(1)),
        },
        Msg::Down | Msg::ScrollDown => match m.focus {
            Pane::Layers => m.select_layer(m.layer + 1),
            Pane::Tree => m.move_to(m.selected + 1),
        },
        Msg::PageUp => match m.focus {
            Pane::Layers => m.select_layer(m.layer.saturating_sub(5)),
            Pane::Tree => m.move_to(m.selected.saturating_sub(m.page.max(1))),
        },
        Msg::PageDown => match m.focus {
            Pane::Layers => m.select_layer(m.layer + 5),
            Pane::Tree => m.move_to(m.selected + m.page.max(1)),
        },
        Msg::Home => match m.focus {
            Pane::Layers => m.select_layer(0),
            Pane::Tree => m.move_to(0),
        },
        Msg::End => match m.focus {
            Pane::Layers => m.select_layer(layers.saturating_sub(1)),
            Pane::Tree => m.move_to(usize::MAX),
        },
        Msg::Toggle | Msg::Expand | Msg::Collapse => {
            if let Some(n) = m.selected_node() {
                if m.is_dir(n) {
                    let open = m.expanded.contains(&n);
                    let want = match msg {
                        Msg::Expand => true,
                        Msg::Collapse => false,
                        _ => !open,
                    };
                    if want {
                        m.expanded.insert(n);
                    } else {
                        m.expanded.remove(&n);
                    }
                    m.rebuild_rows(Some(n));
                } else if msg == Msg::Collapse
                    && let Some(p) = m.a.index.paths.parent(n).filter(|&p| p != ROOT)
                {
                    // Left on a file goes to its directory.
                    m.rebuild_rows(Some(p));
                }
            }
        }
        Msg::ExpandAll => {
            // Everything shown; bounded work per shown directory.
            for node in 0..m.a.index.paths.len() as NodeId {
                if m.view_shown[node as usize] && m.is_dir(node) {
                    m.expanded.insert(node);
                }
            }
            let keep = m.selected_node();
            m.rebuild_rows(keep);
        }
        Msg::CollapseAll => {
            m.expanded.clear();
            m.expanded.insert(ROOT);
            m.rebuild_rows(None);
        }
        Msg::Largest => {
            // Open the path to the largest shown file and select it.
            let ix = &m.a.index;
            let best = (1..ix.paths.len())
                .filter(|&n| m.view_shown[n] && !m.is_dir(n as NodeId))
                .max_by_key(|&n| (m.view_size[n], std::cmp::Reverse(n)));
            if let Some(b) = best {
                let mut p = ix.paths.parent(b as NodeId);
                while let Some(d) = p {
                    m.expanded.insert(d);
                    p = ix.paths.parent(d);
                }
                m.focus = Pane::Tree;
                m.rebuild_rows(Some(b as NodeId));
            }
        }
        Msg::ToggleSort => {
            m.sort = if m.sort == Sort::Size { Sort::Name } else { Sort::Size };
            let keep = m.selected_node();
            m.rebuild_rows(keep);
        }
        Msg::ToggleLayerMode => {
            m.layer_mode = if m.layer_mode == LayerMode::UpTo { LayerMode::Changes } else { LayerMode::UpTo };
            m.recompute_view();
        }
        Msg::CycleCategory => {
            let cats = m.categories_present();
            m.category = match m.category {
                None => cats.first().copied(),
                Some(c) => cats.iter().position(|x| *x == c).and_then(|i| cats.get(i + 1)).copied(),
            };
            m.recompute_view();
        }
        Msg::ToggleChangedOnly => {
            m.changed_only = !m.changed_only;
            m.recompute_view();
        }
        Msg::StartFilter => m.typing = Some(m.filter.clone()),
        Msg::ClickTree(row) => {
            m.focus = Pane::Tree;
            let i = m.scroll + row;
            if i < m.rows.len() {
                if i == m.selected {
                    update(m, Msg::Toggle);
                } else {
                    m.move_to(i);
                }
            }
        }
        Msg::ClickLayer(row) => {
            m.focus = Pane::Layers;
            if row < layers {
                m.select_layer(row);
            }
        }
        Msg::FilterChar(_) | Msg::FilterBackspace | Msg::FilterDone | Msg::FilterCancel => {}
    }
}
