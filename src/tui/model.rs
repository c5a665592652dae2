//! The TUI's model and `update`: every key and mouse event becomes a [`Msg`], and `update` is
//! the only place the model changes, so tests drive it exactly as the keys do.

use std::collections::HashSet;
use std::sync::Arc;

use super::compute::{Computed, Computer, Engine, Request, Shared};
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::compare::{Comparison, DEFAULT_LEAKS, compare};
use crate::index::{Change, NONE, NodeId, ROOT};
pub use crate::view::LayerMode;
use crate::view::{DiffTree, Single, Tree, Trees, Union, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
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
    /// Open or close the findings overlay.
    Findings,
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

/// Compare mode: BEFORE, the comparison, and the union of both trees. `Model::a` is AFTER.
pub struct Cmp {
    pub before: Analysis,
    pub c: Comparison,
    pub tree: DiffTree,
}

pub struct Model {
    pub a: Arc<Analysis>,
    pub cmp: Option<Arc<Cmp>>,
    pub focus: Pane,
    pub layer: usize,
    pub layer_mode: LayerMode,
    pub sort: Sort,
    pub help: bool,
    /// The findings overlay, with its selected finding, while open.
    pub findings: Option<usize>,
    /// Per node: the most severe finding naming it or something below it.
    pub flagged: Vec<Option<crate::findings::Severity>>,
    pub quit: bool,
    pub category: Option<Category>,
    pub changed_only: bool,
    /// The path filter being typed (Some while the prompt is open).
    pub typing: Option<String>,
    pub filter: String,
    /// Why the filter matches nothing (a pattern that does not parse).
    pub filter_error: Option<String>,
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
    /// Compare mode: per node, BEFORE's bytes (`view_size` holds AFTER's).
    pub view_before: Vec<u64>,
    /// Per layer (BEFORE's then AFTER's in compare mode): its surviving bytes by category,
    /// computed once.
    pub layer_categories: Vec<[u64; 11]>,
    /// Per node: whether it is a directory, and its parent (NONE for the root); computed once.
    dirs: Arc<[bool]>,
    parents: Arc<[NodeId]>,
    engine: Option<Engine>,
    /// The newest view asked for, and whether the worker is still computing it (the tree
    /// shows the previous one meanwhile).
    generation: u64,
    pub pending: bool,
}

impl Model {
    pub fn new(a: Analysis) -> Model {
        Model::unviewed(a, None).finish()
    }

    /// The model before anything is derived from the image(s).
    fn unviewed(a: Analysis, cmp: Option<Cmp>) -> Model {
        Model {
            a: Arc::new(a),
            cmp: cmp.map(Arc::new),
            focus: Pane::Tree,
            layer: 0,
            layer_mode: LayerMode::UpTo,
            sort: Sort::Size,
            help: false,
            findings: None,
            flagged: Vec::new(),
            quit: false,
            category: None,
            changed_only: false,
            typing: None,
            filter: String::new(),
            filter_error: None,
            expanded: HashSet::from([ROOT]),
            rows: Vec::new(),
            selected: 0,
            scroll: 0,
            page: 20,
            size: (80, 24),
            view_size: Vec::new(),
            view_shown: Vec::new(),
            view_change: Vec::new(),
            view_before: Vec::new(),
            layer_categories: Vec::new(),
            dirs: Arc::from([]),
            parents: Arc::from([]),
            engine: None,
            generation: 0,
            pending: false,
        }
    }

    /// What is derived once (directory flags, each layer's bytes by category), the last layer
    /// selected, the parent table, and the first view.
    fn finish(mut self) -> Model {
        self.layer_categories = self.tree().layer_categories();
        self.dirs = self.tree().dir_flags().into();
        self.layer = self.layer_count().saturating_sub(1);
        self.parents = self.parent_table().into();
        self.flagged = super::findings::flags(&self);
        self.engine = Some(Engine::Inline(Box::new(Computer::new(self.shared()))));
        self.recompute_view();
        self
    }

    fn parent_table(&self) -> Vec<NodeId> {
        (0..self.node_count() as NodeId).map(|n| self.parent(n).unwrap_or(NONE)).collect()
    }

    fn shared(&self) -> Shared {
        Shared {
            a: self.a.clone(),
            cmp: self.cmp.clone(),
            dirs: self.dirs.clone(),
            parents: self.parents.clone(),
        }
    }

    /// From now on views are computed on a worker thread: a key redraws at once, and the
    /// tree changes when [`Model::poll`] finds the view ready.
    pub fn background(&mut self) {
        if let Some(e) = &mut self.engine {
            e.spawn();
        }
    }

    /// Compare mode: the tree is the union of both images, each node showing its change.
    pub fn compare(before: Analysis, after: Analysis) -> Model {
        let c = compare(&before, &after, &DEFAULT_LEAKS);
        let tree = DiffTree::build(&before, &after);
        Model::unviewed(after, Some(Cmp { before, c, tree })).finish()
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.rows.get(self.selected).map(|r| r.node)
    }

    /// Layers listed: AFTER's, or in compare mode BEFORE's then AFTER's.
    pub fn layer_count(&self) -> usize {
        self.a.layers.len() + self.cmp.as_ref().map_or(0, |c| c.before.layers.len())
    }

    /// In compare mode, which image a row of the layers pane belongs to and its index there.
    pub fn layer_side(&self, row: usize) -> (bool, usize) {
        super::compute::layer_side(self.cmp.as_deref(), row)
    }

    pub fn is_dir(&self, n: NodeId) -> bool {
        self.dirs.get(n as usize).copied().unwrap_or(false)
    }

    /// The tree explored: the image's, or in compare mode the union of both.
    pub fn tree(&self) -> Trees<'_> {
        match &self.cmp {
            Some(c) => Trees::Two(Union { before: &c.before, after: &self.a, tree: &c.tree }),
            None => Trees::One(Single(&self.a)),
        }
    }

    pub fn node_count(&self) -> usize {
        self.tree().len()
    }

    pub fn parent(&self, n: NodeId) -> Option<NodeId> {
        self.parents.get(n as usize).map_or_else(|| self.tree().parent(n), |&p| (p != NONE).then_some(p))
    }

    pub fn name(&self, n: NodeId) -> &str {
        self.tree().name(n)
    }

    pub fn children(&self, n: NodeId) -> Vec<NodeId> {
        self.tree().children(n)
    }

    pub fn path(&self, n: NodeId) -> String {
        self.tree().path(n)
    }

    /// The category a node's filter and colour use: AFTER's, or BEFORE's for what only
    /// BEFORE has.
    pub fn category_of(&self, n: NodeId) -> Option<Category> {
        self.tree().category_of(n)
    }

    /// Asks for the view of the selected layer and filters: computed now, or by the worker.
    pub fn recompute_view(&mut self) {
        let r = Request {
            layer: self.layer,
            mode: self.layer_mode,
            category: self.category,
            changed_only: self.changed_only,
            filter: self.filter.clone(),
        };
        self.generation += 1;
        match &mut self.engine {
            Some(Engine::Inline(c)) => {
                let out = c.compute(&r);
                self.apply(out);
            }
            Some(Engine::Worker { to, .. }) => {
                if to.send((self.generation, r)).is_ok() {
                    self.pending = true;
                } else {
                    self.inline_again();
                }
            }
            None => {}
        }
    }

    /// The worker is gone (it panicked): views are computed in place again.
    fn inline_again(&mut self) {
        self.engine = Some(Engine::Inline(Box::new(Computer::new(self.shared()))));
        self.pending = false;
        self.recompute_view();
    }

    /// Takes the newest view if the worker has it ready; whether the model changed.
    pub fn poll(&mut self) -> bool {
        let Some(Engine::Worker { from, .. }) = &self.engine else { return false };
        let mut newest = None;
        loop {
            match from.try_recv() {
                Ok((g, out)) if g == self.generation => newest = Some(out),
                Ok(_) => {}
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.inline_again();
                    return true;
                }
            }
        }
        newest.map(|out| self.apply(out)).is_some()
    }

    /// Waits for the view asked for last (benchmarks and tests of the worker).
    pub fn wait(&mut self) {
        while self.pending {
            let Some(Engine::Worker { from, .. }) = &self.engine else { return };
            match from.recv() {
                Ok((g, out)) if g == self.generation => self.apply(out),
                Ok(_) => {}
                Err(_) => self.inline_again(),
            }
        }
    }

    fn apply(&mut self, out: Computed) {
        let View { size, shown, change, before } = out.view;
        self.filter_error = out.filter_error;
        self.view_size = size;
        self.view_shown = shown;
        self.view_change = change;
        self.view_before = before;
        self.pending = false;
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

    /// The size a node sorts by: its bytes, or in compare mode the size of its change.
    pub fn sort_key(&self, n: NodeId) -> u64 {
        let i = n as usize;
        match self.view_before.get(i) {
            Some(&b) => self.view_size[i].abs_diff(b),
            None => self.view_size[i],
        }
    }

    /// The shown file with the largest sort key (the first such, on a tie). One pass over
    /// plain slices: on a million nodes the iterator chain through the accessors took 13 ms,
    /// most of a frame.
    fn largest_shown_file(&self) -> Option<NodeId> {
        let (shown, dirs, size, before) = (&self.view_shown, &self.dirs, &self.view_size, &self.view_before);
        let n = self.node_count().min(shown.len()).min(size.len());
        let mut best: Option<(u64, usize)> = None;
        for i in 1..n {
            if !shown[i] || dirs.get(i).copied().unwrap_or(false) {
                continue;
            }
            let key = before.get(i).map_or(size[i], |&b| size[i].abs_diff(b));
            if best.is_none_or(|(k, _)| key > k) {
                best = Some((key, i));
            }
        }
        best.map(|(_, i)| i as NodeId)
    }

    fn sorted_children(&self, n: NodeId) -> Vec<NodeId> {
        let mut kids: Vec<NodeId> =
            self.children(n).into_iter().filter(|&c| self.view_shown[c as usize]).collect();
        match self.sort {
            Sort::Size => kids.sort_by(|a, b| {
                self.sort_key(*b)
                    .cmp(&self.sort_key(*a))
                    .then_with(|| self.view_size[*b as usize].cmp(&self.view_size[*a as usize]))
                    .then_with(|| self.name(*a).cmp(self.name(*b)))
            }),
            Sort::Name => kids.sort_by(|a, b| self.name(*a).cmp(self.name(*b))),
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

    /// Opens the directories above a node and selects it in the tree.
    pub fn reveal(&mut self, n: NodeId) {
        let mut p = self.parent(n);
        while let Some(d) = p {
            self.expanded.insert(d);
            p = self.parent(d);
        }
        self.focus = Pane::Tree;
        self.rebuild_rows(Some(n));
    }

    fn move_to(&mut self, i: usize) {
        if self.rows.is_empty() {
            return;
        }
        self.selected = i.min(self.rows.len() - 1);
        self.fix_scroll();
    }

    fn select_layer(&mut self, l: usize) {
        let l = l.min(self.layer_count().saturating_sub(1));
        if l != self.layer {
            self.layer = l;
            self.recompute_view();
        }
    }

    /// The set of categories present, in order, for cycling the filter.
    fn categories_present(&self) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|c| {
                self.a.category(*c).files > 0
                    || self.cmp.as_ref().is_some_and(|x| x.before.category(*c).files > 0)
            })
            .collect()
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
    if m.findings.is_some() {
        return super::findings::update(m, msg);
    }
    let layers = m.layer_count();
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
        Msg::Findings => m.findings = Some(0),
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
                    && let Some(p) = m.parent(n).filter(|&p| p != ROOT)
                {
                    // Left on a file goes to its directory.
                    m.rebuild_rows(Some(p));
                }
            }
        }
        Msg::ExpandAll => {
            // Everything shown; bounded work per shown directory.
            for node in 0..m.node_count() as NodeId {
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
            // Open the path to the largest shown file (the largest change in compare mode)
            // and select it.
            if let Some(b) = m.largest_shown_file() {
                m.reveal(b);
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
