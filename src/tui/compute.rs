//! The tree's view for the selected layer and filters. On a million files one pass costs tens
//! to hundreds of milliseconds, so the running TUI computes it on a worker thread and keeps
//! the previous frame until it is ready; tests and the first view compute it in place.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::filter::{PathCache, PathMatch};
use super::model::Cmp;
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::index::{Change, NONE, NodeId, ROOT};
use crate::view::{LayerMode, Single, Tree, Trees, Union, View, diff_view, layer_view};

/// What a view is computed from; shared by the model and the worker, never changed.
#[derive(Clone)]
pub(super) struct Shared {
    pub a: Arc<Analysis>,
    pub cmp: Option<Arc<Cmp>>,
    /// Per node: whether it is a directory, and its parent (NONE for the root).
    pub dirs: Arc<[bool]>,
    pub parents: Arc<[NodeId]>,
}

impl Shared {
    pub fn tree(&self) -> Trees<'_> {
        match &self.cmp {
            Some(c) => Trees::Two(Union { before: &c.before, after: &self.a, tree: &c.tree }),
            None => Trees::One(Single(&self.a)),
        }
    }
}

/// In compare mode, which image a row of the layers pane belongs to and its index there.
pub(super) fn layer_side(cmp: Option<&Cmp>, row: usize) -> (bool, usize) {
    match cmp {
        Some(c) if row < c.before.layers.len() => (true, row),
        Some(c) => (false, row - c.before.layers.len()),
        None => (false, row),
    }
}

/// The model's choices a view depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Request {
    pub layer: usize,
    pub mode: LayerMode,
    pub category: Option<Category>,
    pub changed_only: bool,
    pub filter: String,
}

/// A computed view, and why the path filter matches nothing when its pattern does not parse.
pub(super) struct Computed {
    pub view: View,
    pub filter_error: Option<String>,
}

/// The view of one layer and mode before any filter.
struct BaseView {
    key: (usize, LayerMode),
    view: View,
}

/// Computes views, keeping what the next one can reuse: the unfiltered view of the last
/// layer and the lowercased paths glob and regex filters match.
pub(super) struct Computer {
    s: Shared,
    base: Option<BaseView>,
    paths: Option<Option<PathCache>>,
}

impl Computer {
    pub fn new(s: Shared) -> Computer {
        Computer { s, base: None, paths: None }
    }

    /// Sizes and visibility for the selected layer, then the filters.
    pub fn compute(&mut self, r: &Request) -> Computed {
        let key = (r.layer, r.mode);
        let base = match self.base.take() {
            Some(b) if b.key == key => b,
            _ => {
                let view = match self.s.tree() {
                    Trees::Two(u) => {
                        let scope = (r.mode == LayerMode::Changes)
                            .then(|| layer_side(self.s.cmp.as_deref(), r.layer));
                        diff_view(&u, scope, &self.s.dirs)
                    }
                    Trees::One(_) => layer_view(&self.s.a, r.layer, r.mode),
                };
                BaseView { key, view }
            }
        };
        let View { mut size, mut shown, change, mut before } = base.view.clone();
        self.base = Some(base);
        let (filtering, filter_error) = self.apply_filters(r, &mut shown, &change);
        let n = shown.len();
        let final_view =
            self.s.cmp.is_none() && r.mode == LayerMode::UpTo && r.layer + 1 >= self.s.a.layers.len();
        let dirs = &self.s.dirs;
        // One pass up the tree (children have larger ids than their parents): with a filter, a
        // directory is shown when something shown is below it; directory sizes are the sums
        // of what is shown below them.
        if !final_view || filtering {
            for node in 0..n {
                if !shown[node] || dirs[node] {
                    size[node] = 0;
                    if let Some(b) = before.get_mut(node) {
                        *b = 0;
                    }
                }
            }
            let mut has = if filtering { vec![false; n] } else { Vec::new() };
            for node in (1..n).rev() {
                if filtering && dirs[node] {
                    shown[node] = has[node];
                }
                let p = self.s.parents[node];
                if !shown[node] || p == NONE {
                    continue;
                }
                let p = p as usize;
                if filtering {
                    has[p] = true;
                }
                size[p] += size[node];
                if !before.is_empty() {
                    before[p] += before[node];
                }
            }
        }
        shown[ROOT as usize] = true;
        Computed { view: View { size, shown, change, before }, filter_error }
    }

    /// Keeps the leaves the filters let through (the directories above them are decided by
    /// the caller). Returns whether any filter is on, and the pattern's error.
    fn apply_filters(
        &mut self,
        r: &Request,
        shown: &mut [bool],
        change: &[Option<Change>],
    ) -> (bool, Option<String>) {
        let (matcher, error) = match r.filter.as_str() {
            "" => (None, None),
            f => match PathMatch::parse(f) {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(e)),
            },
        };
        let filtering = r.category.is_some() || !r.filter.is_empty() || r.changed_only;
        if !filtering {
            return (false, error);
        }
        let tree = self.s.tree();
        for node in 1..shown.len() {
            if !shown[node] || self.s.dirs[node] {
                continue;
            }
            let mut keep = error.is_none();
            if let Some(c) = r.category {
                keep &= tree.category_of(node as NodeId) == Some(c);
            }
            if r.changed_only {
                keep &= change[node].is_some();
            }
            shown[node] = keep;
        }
        if let Some(p) = &matcher {
            self.match_paths(p, shown);
        }
        (true, error)
    }

    /// Clears the shown leaves whose path does not match. A text without `/` can only match
    /// inside one name, so it is decided per name and inherited down the tree; other patterns
    /// match full paths, built once (lowercased) on first use and kept.
    fn match_paths(&mut self, p: &PathMatch, shown: &mut [bool]) {
        let n = shown.len();
        let (s, tree) = (&self.s, self.s.tree());
        if let PathMatch::Text(t) = p
            && !t.contains('/')
        {
            // Built once: a substring search set up per name costs more than the search.
            let finder = memchr::memmem::Finder::new(t.as_bytes());
            let mut hit = vec![false; n];
            let mut lower = String::new();
            for node in 1..n {
                let parent = s.parents[node];
                let inherited = parent != NONE && hit[parent as usize];
                hit[node] = inherited || {
                    let name = tree.name(node as NodeId);
                    if name.is_ascii() && !name.bytes().any(|b| b.is_ascii_uppercase()) {
                        finder.find(name.as_bytes()).is_some()
                    } else {
                        lower.clear();
                        lower.extend(name.chars().flat_map(char::to_lowercase));
                        finder.find(lower.as_bytes()).is_some()
                    }
                };
                if shown[node] && !s.dirs[node] && !hit[node] {
                    shown[node] = false;
                }
            }
            return;
        }
        let cache = self.paths.get_or_insert_with(|| PathCache::build(&tree, &s.parents));
        let Some(cache) = cache.as_ref() else {
            return match_paths_walking(&tree, &s.dirs, p, shown);
        };
        for (node, keep) in shown.iter_mut().enumerate().skip(1) {
            if *keep && !s.dirs[node] && !p.is_match(cache.path(node)) {
                *keep = false;
            }
        }
    }
}

/// Path matching without the cache: depth first with one path buffer.
fn match_paths_walking(tree: &Trees, dirs: &[bool], p: &PathMatch, shown: &mut [bool]) {
    let mut buf = String::new();
    let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
    while let Some((node, len)) = stack.pop() {
        buf.truncate(len);
        if node != ROOT {
            buf.push('/');
            buf.extend(tree.name(node).chars().flat_map(char::to_lowercase));
        }
        let i = node as usize;
        if dirs[i] {
            let here = buf.len();
            stack.extend(tree.children(node).into_iter().map(|c| (c, here)));
        } else if shown[i] && !p.is_match(&buf) {
            shown[i] = false;
        }
    }
}

/// Where views are computed: in place, or on a worker thread that takes the newest request
/// and skips the ones it replaced.
pub(super) enum Engine {
    Inline(Box<Computer>),
    Worker { to: Sender<(u64, Request)>, from: Receiver<(u64, Computed)> },
}

impl Engine {
    /// Moves the computer to a worker thread, which ends when the model is dropped.
    pub fn spawn(&mut self) {
        let Engine::Inline(c) = self else { return };
        let s = c.s.clone();
        let mut c = std::mem::replace(c, Box::new(Computer::new(s.clone())));
        let (to, jobs) = channel::<(u64, Request)>();
        let (done, from) = channel();
        let started = std::thread::Builder::new().name("weigh-view".into()).spawn(move || {
            while let Ok(mut job) = jobs.recv() {
                while let Ok(newer) = jobs.try_recv() {
                    job = newer;
                }
                if done.send((job.0, c.compute(&job.1))).is_err() {
                    return;
                }
            }
        });
        // Without a thread the views stay on the UI thread: slower, still right.
        if started.is_ok() {
            *self = Engine::Worker { to, from };
        }
    }
}
