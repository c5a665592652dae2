//! The path filter: text, glob or regex, and the lowercased paths it matches against.

use crate::index::{NONE, NodeId};
use crate::view::{Tree, Trees};

/// How the path filter matches.
#[derive(Debug)]
pub(super) enum PathMatch {
    Text(String),
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

impl PathMatch {
    /// A regex when asked for with `re:` or when the text uses regex-only syntax
    /// (`^ $ | ( ) \`), a glob when it has `* ? [`, else a case-insensitive substring.
    pub(super) fn parse(filter: &str) -> Result<PathMatch, String> {
        let lower = filter.to_lowercase();
        let explicit = filter.strip_prefix("re:");
        if explicit.is_some() || filter.contains(['^', '$', '|', '(', ')', '\\']) {
            return regex::RegexBuilder::new(explicit.unwrap_or(filter))
                .case_insensitive(true)
                .build()
                .map(PathMatch::Regex)
                .map_err(|e| format!("bad regex: {}", e.to_string().lines().last().unwrap_or("")));
        }
        if filter.contains(['*', '?', '[']) {
            return globset::GlobBuilder::new(&lower)
                .literal_separator(false)
                .build()
                .map(|g| PathMatch::Glob(g.compile_matcher()))
                .map_err(|e| format!("bad glob: {e}"));
        }
        Ok(PathMatch::Text(lower))
    }

    /// `path` is lowercased already.
    pub(super) fn is_match(&self, path: &str) -> bool {
        match self {
            PathMatch::Text(t) => path.contains(t.as_str()),
            PathMatch::Glob(g) => g.is_match(path),
            PathMatch::Regex(r) => r.is_match(path),
        }
    }
}

/// Every node's full path, lowercased, for glob and regex filters: each path is its parent's
/// plus one name, built in id order (parents first).
pub(super) struct PathCache {
    text: String,
    start: Vec<u32>,
    len: Vec<u32>,
}

/// Paths add up to depth times length, which a hostile image can make huge; beyond this the
/// filter builds each path as it walks instead of keeping them.
const PATH_CACHE_LIMIT: u64 = 256 << 20;

impl PathCache {
    pub(super) fn build(tree: &Trees, parents: &[NodeId]) -> Option<PathCache> {
        let n = parents.len();
        let parent = |node: usize| Some(parents[node]).filter(|&p| p != NONE);
        let mut total = 0u64;
        let mut lens = vec![0u64; n];
        for node in 1..n {
            let id = node as NodeId;
            lens[node] = parent(node).map_or(0, |p| lens[p as usize]) + 1 + tree.name(id).len() as u64;
            total += lens[node];
            if total > PATH_CACHE_LIMIT {
                return None;
            }
        }
        let mut c = PathCache { text: String::new(), start: vec![0; n], len: vec![0; n] };
        for node in 1..n {
            let id = node as NodeId;
            let at = c.text.len();
            if let Some(p) = parent(node) {
                let (s, l) = (c.start[p as usize] as usize, c.len[p as usize] as usize);
                c.text.extend_from_within(s..s + l);
            }
            c.text.push('/');
            c.text.extend(tree.name(id).chars().flat_map(char::to_lowercase));
            c.start[node] = at as u32;
            c.len[node] = (c.text.len() - at) as u32;
        }
        Some(c)
    }

    pub(super) fn path(&self, node: usize) -> &str {
        let s = self.start[node] as usize;
        &self.text[s..s + self.len[node] as usize]
    }
}
