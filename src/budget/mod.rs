//! Size budgets: the `[budget]` table of `weigh.toml` (or dive's `.dive-ci` rules), evaluated
//! against an [`Analysis`] (and optionally a baseline) into a [`Verdict`].
//!
//! ```toml
//! [budget]
//! total = "350MB"              # uncompressed content
//! compressed = "120MB"         # transfer size
//! largest-layer = "200MB"
//! layers = 12
//! waste = "10MB"
//! efficiency = 0.95            # lowest allowed
//! deny = ["**/.git/**", "**/*.pem"]
//! baseline = "oci-archive:previous.oci.tar"
//! growth = "10MB"              # against the baseline
//! growth-percent = 5
//! dev-dependencies = "0B"      # any category, here or under [budget.categories]
//!
//! [budget.categories]
//! toolchain = "0B"
//! [budget.stages]
//! build = "0B"
//! [budget.paths]
//! "/app/**/*.map" = "0B"
//! ```

pub mod dive;

use std::collections::HashMap;

use globset::{GlobSet, GlobSetBuilder};
use indexmap::IndexMap;
use serde::Serialize;

use crate::analysis::Analysis;
pub use crate::analysis::Contributor;
use crate::classify::rules::{self, line_of};
use crate::classify::{Category, ConfigError};
use crate::index::NodeId;

#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    Total,
    Compressed,
    LargestLayer,
    Layers,
    Waste,
    /// Lowest allowed efficiency (content / written).
    Efficiency,
    Category(Category),
    Stage(String),
    /// Bytes of the files matching a glob.
    Path(String),
    /// Paths that must not exist.
    Deny(Vec<String>),
    Growth,
    GrowthPercent,
    DiveLowestEfficiency,
    DiveHighestWastedBytes,
    DiveHighestUserWastedPercent,
}

#[derive(Debug, Clone)]
pub struct Limit {
    pub metric: Metric,
    /// Bytes, a count, a ratio or a percent, as the metric says; unused for `Deny`.
    pub value: f64,
    /// The budget file's line that set it.
    pub line: usize,
    /// The key as written (`dev-dependencies`, `paths."/app/**/*.map"`).
    pub key: String,
}

#[derive(Debug, Clone, Default)]
pub struct Budget {
    /// The file it came from.
    pub source: String,
    pub limits: Vec<Limit>,
    pub baseline: Option<String>,
    /// Read from dive's `.dive-ci`.
    pub dive_ci: bool,
}

/// `350MB`, `1.5GiB`, `0B` or a plain number of bytes.
pub fn parse_size(v: &toml::Value) -> Result<u64, String> {
    match v {
        toml::Value::Integer(i) if *i >= 0 => Ok(*i as u64),
        toml::Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(format!("{s:?} is not a size (like \"350MB\", \"1.5GiB\" or 0)"));
            }
            s.parse::<bytesize::ByteSize>()
                .map(|b| b.as_u64())
                .map_err(|_| format!("{s:?} is not a size (like \"350MB\", \"1.5GiB\" or 0)"))
        }
        other => Err(format!("{other} is not a size (like \"350MB\", \"1.5GiB\" or 0)")),
    }
}

fn parse_number(v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        other => Err(format!("{other} is not a number")),
    }
}

fn path_glob(pattern: &str) -> Result<globset::Glob, String> {
    rules::path_glob(pattern).map_err(|e| format!("bad glob {pattern:?}: {}", e.kind()))
}

impl Budget {
    /// The `[budget]` table of a config file; Ok(None) when the file has none.
    pub fn parse(text: &str, file: &str) -> Result<Option<Budget>, ConfigError> {
        let err = |line: usize, message: String| ConfigError { file: file.to_string(), line, message };
        // Spans for every key and value, so each error names its line.
        #[derive(serde::Deserialize)]
        struct Doc {
            budget: Option<IndexMap<toml::Spanned<String>, toml::Spanned<toml::Value>>>,
        }
        let doc: Doc = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().trim().to_string())
        })?;
        let Some(budget) = doc.budget else { return Ok(None) };
        let mut b = Budget { source: file.to_string(), ..Budget::default() };
        let push = |b: &mut Budget, metric: Metric, value: f64, line: usize, key: String| {
            b.limits.push(Limit { metric, value, line, key });
        };
        for (k, v) in &budget {
            let key = k.get_ref().as_str();
            let line = line_of(text, k.span().start);
            let val = v.get_ref();
            let size = || parse_size(val).map(|s| s as f64).map_err(|m| err(line, format!("{key}: {m}")));
            let number = || parse_number(val).map_err(|m| err(line, format!("{key}: {m}")));
            match key {
                "total" => push(&mut b, Metric::Total, size()?, line, key.into()),
                "compressed" => push(&mut b, Metric::Compressed, size()?, line, key.into()),
                "largest-layer" => push(&mut b, Metric::LargestLayer, size()?, line, key.into()),
                "waste" => push(&mut b, Metric::Waste, size()?, line, key.into()),
                "growth" => push(&mut b, Metric::Growth, size()?, line, key.into()),
                "layers" => {
                    let n = number()?;
                    if n < 0.0 || n.fract() != 0.0 {
                        return Err(err(line, format!("layers: {n} is not a whole number")));
                    }
                    push(&mut b, Metric::Layers, n, line, key.into())
                }
                "efficiency" => {
                    let n = number()?;
                    if !(0.0..=1.0).contains(&n) {
                        return Err(err(line, format!("efficiency: {n} is not between 0 and 1")));
                    }
                    push(&mut b, Metric::Efficiency, n, line, key.into())
                }
                "growth-percent" => {
                    let n = number()?;
                    push(&mut b, Metric::GrowthPercent, n, line, key.into())
                }
                "baseline" => match val {
                    toml::Value::String(s) if !s.is_empty() => b.baseline = Some(s.clone()),
                    _ => return Err(err(line, "baseline: expected an image reference".into())),
                },
                "deny" => {
                    let globs: Vec<String> = match val {
                        toml::Value::Array(a) => a
                            .iter()
                            .map(|g| {
                                g.as_str()
                                    .map(String::from)
                                    .ok_or_else(|| err(line, "deny: expected strings".into()))
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err(err(line, "deny: expected a list of path globs".into())),
                    };
                    for g in &globs {
                        path_glob(g).map_err(|m| err(line, format!("deny: {m}")))?;
                    }
                    push(&mut b, Metric::Deny(globs), 0.0, line, key.into())
                }
                "categories" | "stages" | "paths" => {
                    let toml::Value::Table(t) = val else {
                        return Err(err(line, format!("{key}: expected a table")));
                    };
                    // Lines of the sub-keys: find them in the text after the table's start.
                    for (sub, sv) in t {
                        let sub_line = find_key_line(text, v.span().start, sub).unwrap_or(line);
                        let bytes =
                            parse_size(sv).map_err(|m| err(sub_line, format!("{key}.{sub}: {m}")))? as f64;
                        let metric = match key {
                            "categories" => Metric::Category(Category::parse(sub).ok_or_else(|| {
                                err(
                                    sub_line,
                                    format!(
                                        "unknown category {sub:?} (one of: {})",
                                        Category::names().join(", ")
                                    ),
                                )
                            })?),
                            "stages" => Metric::Stage(sub.clone()),
                            _ => {
                                path_glob(sub).map_err(|m| err(sub_line, format!("paths: {m}")))?;
                                Metric::Path(sub.clone())
                            }
                        };
                        push(&mut b, metric, bytes, sub_line, format!("{key}.{sub}"));
                    }
                }
                k => match Category::parse(k) {
                    Some(c) => push(&mut b, Metric::Category(c), size()?, line, key.into()),
                    None => {
                        return Err(err(
                            line,
                            format!(
                                "unknown key {k:?} in [budget] (total, compressed, largest-layer, layers, waste, efficiency, deny, baseline, growth, growth-percent, a category, or the tables categories, stages, paths)"
                            ),
                        ));
                    }
                },
            }
        }
        Ok(Some(b))
    }

    /// dive's `.dive-ci`: `rules:` with `lowestEfficiency`, `highestWastedBytes`,
    /// `highestUserWastedPercent`; `disabled` turns a rule off.
    pub fn parse_dive_ci(text: &str, file: &str) -> Result<Budget, ConfigError> {
        let err = |line: usize, message: String| ConfigError { file: file.to_string(), line, message };
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)
            .map_err(|e| err(e.location().map(|l| l.line()).unwrap_or(1), e.to_string()))?;
        let mut b = Budget { source: file.to_string(), dive_ci: true, ..Budget::default() };
        let Some(rules) = doc.get("rules").and_then(|r| r.as_mapping()) else {
            return Ok(b);
        };
        for (k, v) in rules {
            let key = k.as_str().unwrap_or_default();
            let line = find_key_line(text, 0, key).unwrap_or(1);
            let raw = match v {
                serde_yaml_ng::Value::String(s) => s.trim().to_string(),
                serde_yaml_ng::Value::Number(n) => n.to_string(),
                _ => return Err(err(line, format!("{key}: expected a value or \"disabled\""))),
            };
            if raw == "disabled" {
                continue;
            }
            let number =
                || raw.parse::<f64>().map_err(|_| err(line, format!("{key}: {raw:?} is not a number")));
            let (metric, value) = match key {
                "lowestEfficiency" => (Metric::DiveLowestEfficiency, number()?),
                "highestWastedBytes" => (
                    Metric::DiveHighestWastedBytes,
                    parse_size(&toml::Value::String(raw.clone()))
                        .map_err(|m| err(line, format!("{key}: {m}")))? as f64,
                ),
                "highestUserWastedPercent" => (Metric::DiveHighestUserWastedPercent, number()?),
                other => return Err(err(line, format!("unknown dive rule {other:?}"))),
            };
            b.limits.push(Limit { metric, value, line, key: format!("rules.{key}") });
        }
        Ok(b)
    }
}

/// The line of `key = ` (or `"key" =`, or `key:`) at or after byte `from`.
fn find_key_line(text: &str, from: usize, key: &str) -> Option<usize> {
    let start = text[..from.min(text.len())].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut offset = start;
    for l in text[start..].split_inclusive('\n') {
        let t = l.trim_start();
        let t = t
            .strip_prefix('"')
            .and_then(|t| t.strip_prefix(key))
            .and_then(|t| t.strip_prefix('"'))
            .or_else(|| t.strip_prefix(key));
        if let Some(rest) = t
            && (rest.trim_start().starts_with('=') || rest.trim_start().starts_with(':'))
        {
            return Some(line_of(text, offset));
        }
        offset += l.len();
    }
    None
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// Stable id: `total`, `category.dev-dependencies`, `paths./app/**/*.map`, `dive.lowestEfficiency`.
    pub id: String,
    /// `dev-dependencies ≤ 0 B`.
    pub title: String,
    pub limit: String,
    pub measured: String,
    pub limit_value: f64,
    pub measured_value: f64,
    pub pass: bool,
    /// The budget file and line that set the limit.
    pub source: String,
    pub line: usize,
    /// For a failure: what makes up the measured value, largest first.
    pub contributors: Vec<Contributor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub budget: String,
    pub dive_ci: bool,
    pub pass: bool,
    pub passed: usize,
    pub failed: usize,
    pub rules: Vec<RuleResult>,
}

fn size(b: f64) -> String {
    crate::report::size(b.max(0.0) as u64)
}

const TOP: usize = 8;

struct Eval<'a> {
    a: &'a Analysis,
    path_cache: HashMap<NodeId, String>,
}

impl Eval<'_> {
    fn path(&mut self, n: NodeId) -> String {
        self.path_cache.entry(n).or_insert_with(|| self.a.index.paths.path(n)).clone()
    }

    fn contributors(&mut self, nodes: &[(NodeId, u64)]) -> Vec<Contributor> {
        self.a.owners_of(nodes, TOP)
    }

    fn largest_paths(&mut self, nodes: &[(NodeId, u64)]) -> Vec<Contributor> {
        let mut v = nodes.to_vec();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter()
            .take(TOP)
            .map(|(n, b)| Contributor { kind: "path", name: self.path(n), bytes: b, detail: String::new() })
            .collect()
    }

    /// Layers by uncompressed size, or by blob size when `compressed`.
    fn layers(&self, compressed: bool) -> Vec<Contributor> {
        let key = |l: &crate::analysis::LayerInfo| if compressed { l.blob_size } else { l.size };
        let mut l: Vec<&crate::analysis::LayerInfo> = self.a.layers.iter().collect();
        l.sort_by(|a, b| key(b).cmp(&key(a)).then(a.index.cmp(&b.index)));
        l.into_iter()
            .take(TOP)
            .map(|l| Contributor {
                kind: "layer",
                name: format!("layer {}", l.index),
                bytes: key(l),
                detail: l
                    .history
                    .created_by
                    .as_deref()
                    .map(|c| crate::attribute::short_command(c, 70))
                    .unwrap_or_default(),
            })
            .collect()
    }

    fn waste(&self) -> Vec<Contributor> {
        self.a
            .waste_items(TOP)
            .into_iter()
            .map(|w| Contributor {
                kind: "path",
                name: w.path,
                bytes: w.size,
                detail: format!("written in layer {}, hidden in layer {}", w.layer, w.hidden_by),
            })
            .collect()
    }
}

fn matcher(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = path_glob(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Evaluates every limit. `baseline` is needed for the growth limits (they fail with a note
/// when it is missing).
pub fn evaluate(budget: &Budget, a: &Analysis, baseline: Option<&Analysis>) -> Verdict {
    let mut ev = Eval { a, path_cache: HashMap::new() };
    let t = &a.totals;
    let mut results = Vec::new();
    let dive = budget
        .limits
        .iter()
        .any(|l| {
            matches!(
                l.metric,
                Metric::DiveLowestEfficiency
                    | Metric::DiveHighestWastedBytes
                    | Metric::DiveHighestUserWastedPercent
            )
        })
        .then(|| dive::metrics(&a.index));
    for l in &budget.limits {
        // (measured, pass, limit text, measured text, title, contributors, note)
        let at_most = |m: f64| m <= l.value;
        let (id, title, measured, pass, limit_s, measured_s, contributors, note): (
            String,
            String,
            f64,
            bool,
            String,
            String,
            Vec<Contributor>,
            Option<String>,
        ) = match &l.metric {
            Metric::Total => {
                let m = t.content_bytes as f64;
                let c = if at_most(m) { vec![] } else { ev.layers(false) };
                (
                    "total".into(),
                    format!("image size ≤ {}", size(l.value)),
                    m,
                    at_most(m),
                    size(l.value),
                    size(m),
                    c,
                    None,
                )
            }
            Metric::Compressed => match t.compressed_bytes {
                Some(c) => {
                    let m = c as f64;
                    let cs = if at_most(m) { vec![] } else { ev.layers(true) };
                    (
                        "compressed".into(),
                        format!("compressed size ≤ {}", size(l.value)),
                        m,
                        at_most(m),
                        size(l.value),
                        size(m),
                        cs,
                        None,
                    )
                }
                None => (
                    "compressed".into(),
                    format!("compressed size ≤ {}", size(l.value)),
                    t.blob_bytes as f64,
                    at_most(t.blob_bytes as f64),
                    size(l.value),
                    size(t.blob_bytes as f64),
                    vec![],
                    Some(
                        "the layers are stored uncompressed (a docker save archive): measured as stored"
                            .into(),
                    ),
                ),
            },
            Metric::LargestLayer => {
                let m = a.layers.iter().map(|l| l.size).max().unwrap_or(0) as f64;
                let c = if at_most(m) { vec![] } else { ev.layers(false).into_iter().take(3).collect() };
                (
                    "largest-layer".into(),
                    format!("largest layer ≤ {}", size(l.value)),
                    m,
                    at_most(m),
                    size(l.value),
                    size(m),
                    c,
                    None,
                )
            }
            Metric::Layers => {
                let m = a.layers.len() as f64;
                (
                    "layers".into(),
                    format!("layers ≤ {}", l.value),
                    m,
                    at_most(m),
                    l.value.to_string(),
                    m.to_string(),
                    vec![],
                    None,
                )
            }
            Metric::Waste => {
                let m = t.waste_bytes as f64;
                let c = if at_most(m) { vec![] } else { ev.waste() };
                (
                    "waste".into(),
                    format!("waste ≤ {}", size(l.value)),
                    m,
                    at_most(m),
                    size(l.value),
                    size(m),
                    c,
                    None,
                )
            }
            Metric::Efficiency => {
                let m = t.efficiency;
                let pass = m >= l.value;
                let c = if pass { vec![] } else { ev.waste() };
                (
                    "efficiency".into(),
                    format!("efficiency ≥ {}", crate::report::percent(l.value)),
                    m,
                    pass,
                    crate::report::percent(l.value),
                    crate::report::percent(m),
                    c,
                    None,
                )
            }
            Metric::Category(c) => {
                let m = a.category(*c).bytes as f64;
                let pass = at_most(m);
                let contributors = if pass {
                    vec![]
                } else {
                    let nodes: Vec<(NodeId, u64)> =
                        a.visible_files().filter(|(n, _)| a.classes.category[*n as usize] == *c).collect();
                    ev.contributors(&nodes)
                };
                (
                    format!("category.{c}"),
                    format!("{c} ≤ {}", size(l.value)),
                    m,
                    pass,
                    size(l.value),
                    size(m),
                    contributors,
                    None,
                )
            }
            Metric::Stage(s) => {
                let found = a.stages.iter().find(|st| &st.stage == s);
                let m = found.map(|st| st.bytes).unwrap_or(0) as f64;
                let pass = at_most(m);
                let contributors = if pass {
                    vec![]
                } else {
                    let layers: Vec<usize> = found.map(|f| f.layers.clone()).unwrap_or_default();
                    let nodes: Vec<(NodeId, u64)> = a
                        .visible_files()
                        .filter(|(n, _)| {
                            let e = a.index.current[*n as usize];
                            layers.contains(&(a.index.entries[e as usize].layer as usize))
                        })
                        .collect();
                    ev.contributors(&nodes)
                };
                let note = found.is_none().then(|| {
                    format!(
                        "no stage {s:?} in this image (stages: {})",
                        a.stages.iter().map(|s| s.stage.as_str()).collect::<Vec<_>>().join(", ")
                    )
                });
                (
                    format!("stage.{s}"),
                    format!("stage {s} ≤ {}", size(l.value)),
                    m,
                    pass,
                    size(l.value),
                    size(m),
                    contributors,
                    note,
                )
            }
            Metric::Path(g) => {
                let set = matcher(std::slice::from_ref(g));
                let nodes: Vec<(NodeId, u64)> = a
                    .visible_files()
                    .collect::<Vec<_>>()
                    .into_iter()
                    .filter(|(n, _)| set.is_match(a.index.paths.path(*n).trim_start_matches('/')))
                    .collect();
                let m = nodes.iter().map(|n| n.1).sum::<u64>() as f64;
                let pass = at_most(m);
                let c = if pass { vec![] } else { ev.largest_paths(&nodes) };
                (
                    format!("paths.{g}"),
                    format!("{g} ≤ {}", size(l.value)),
                    m,
                    pass,
                    size(l.value),
                    size(m),
                    c,
                    None,
                )
            }
            Metric::Deny(globs) => {
                let set = matcher(globs);
                let ix = &a.index;
                // Directories match too (`**/.git` denies the directory itself).
                let nodes: Vec<(NodeId, u64)> = (1..ix.paths.len() as NodeId)
                    .filter(|&n| ix.visible[n as usize])
                    .collect::<Vec<_>>()
                    .into_iter()
                    .filter(|&n| set.is_match(a.index.paths.path(n).trim_start_matches('/')))
                    .map(|n| (n, ix.node_size[n as usize]))
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
                let outer: Vec<(NodeId, u64)> =
                    nodes.iter().copied().filter(|(n, _)| !below[*n as usize]).collect();
                let m = outer.len() as f64;
                let c = ev.largest_paths(&outer);
                (
                    "deny".into(),
                    format!("no paths matching {}", globs.join(", ")),
                    m,
                    outer.is_empty(),
                    "none".into(),
                    format!("{} {}", outer.len(), if outer.len() == 1 { "path" } else { "paths" }),
                    c,
                    None,
                )
            }
            Metric::Growth | Metric::GrowthPercent => {
                let pct = l.metric == Metric::GrowthPercent;
                let id = if pct { "growth-percent" } else { "growth" };
                match baseline {
                    None => (
                        id.into(),
                        format!(
                            "growth against the baseline ≤ {}",
                            if pct { format!("{} %", l.value) } else { size(l.value) }
                        ),
                        0.0,
                        false,
                        if pct { format!("{} %", l.value) } else { size(l.value) },
                        "n/a".into(),
                        vec![],
                        Some(
                            "no baseline image: give --baseline IMAGE or baseline = \"...\" in [budget]"
                                .into(),
                        ),
                    ),
                    Some(b) => {
                        let delta = t.content_bytes as f64 - b.totals.content_bytes as f64;
                        let m = if pct {
                            if b.totals.content_bytes == 0 {
                                0.0
                            } else {
                                delta * 100.0 / b.totals.content_bytes as f64
                            }
                        } else {
                            delta
                        };
                        let pass = m <= l.value;
                        let mut c: Vec<Contributor> = Vec::new();
                        if !pass {
                            for cat in Category::ALL {
                                let d = a.category(cat).bytes as i64 - b.category(cat).bytes as i64;
                                if d > 0 {
                                    c.push(Contributor {
                                        kind: "category",
                                        name: cat.to_string(),
                                        bytes: d as u64,
                                        detail: "growth".into(),
                                    });
                                }
                            }
                            c.sort_by_key(|x| std::cmp::Reverse(x.bytes));
                        }
                        let (ls, ms) = if pct {
                            (format!("{} %", l.value), format!("{m:+.1} %"))
                        } else {
                            (
                                size(l.value),
                                format!("{}{}", if delta < 0.0 { "-" } else { "+" }, size(delta.abs())),
                            )
                        };
                        (id.into(), format!("growth against the baseline ≤ {ls}"), m, pass, ls, ms, c, None)
                    }
                }
            }
            Metric::DiveLowestEfficiency => {
                let d = dive.expect("computed above");
                let pass = d.efficiency >= l.value;
                (
                    "dive.lowestEfficiency".into(),
                    format!("dive efficiency ≥ {}", l.value),
                    d.efficiency,
                    pass,
                    l.value.to_string(),
                    format!("{:.4}", d.efficiency),
                    if pass { vec![] } else { ev.waste() },
                    Some(format!(
                        "dive's score: each path's smallest copy over all its copies; weigh's efficiency (content / written) is {}",
                        crate::report::percent(t.efficiency)
                    )),
                )
            }
            Metric::DiveHighestWastedBytes => {
                let d = dive.expect("computed above");
                let m = d.wasted_bytes as f64;
                let pass = at_most(m);
                (
                    "dive.highestWastedBytes".into(),
                    format!("dive wasted bytes ≤ {}", size(l.value)),
                    m,
                    pass,
                    size(l.value),
                    size(m),
                    if pass { vec![] } else { ev.waste() },
                    dive_note(d.wasted_bytes, t.waste_bytes),
                )
            }
            Metric::DiveHighestUserWastedPercent => {
                let d = dive.expect("computed above");
                let m = d.user_wasted_percent;
                let pass = m <= l.value;
                (
                    "dive.highestUserWastedPercent".into(),
                    format!("dive wasted / user bytes ≤ {}", l.value),
                    m,
                    pass,
                    l.value.to_string(),
                    format!("{m:.4}"),
                    if pass { vec![] } else { ev.waste() },
                    dive_note(d.wasted_bytes, t.waste_bytes),
                )
            }
        };
        results.push(RuleResult {
            id,
            title,
            limit: limit_s,
            measured: measured_s,
            limit_value: l.value,
            measured_value: measured,
            pass,
            source: budget.source.clone(),
            line: l.line,
            contributors,
            note,
        });
    }
    let failed = results.iter().filter(|r| !r.pass).count();
    Verdict {
        image: a.image.id.reference.clone(),
        baseline: baseline.map(|b| b.image.id.reference.clone()),
        budget: budget.source.clone(),
        dive_ci: budget.dive_ci,
        pass: failed == 0,
        passed: results.len() - failed,
        failed,
        rules: results,
    }
}

fn dive_note(dive_wasted: u64, weigh_waste: u64) -> Option<String> {
    (dive_wasted != weigh_waste).then(|| {
        format!(
            "dive counts every copy of a path written more than once, the surviving copy included ({}); weigh counts only the hidden copies: {}",
            crate::report::size(dive_wasted),
            crate::report::size(weigh_waste)
        )
    })
}

/// A starter `[budget]` for this image: today's sizes with headroom, and 0 for the
/// categories a production image should not carry.
pub fn init(a: &Analysis) -> String {
    let headroom = |b: u64| {
        // 10 % more, rounded up to two significant digits, in SI units as reports show.
        let v = (b as f64 * 1.1).max(1.0);
        let mag = 10f64.powi(v.log10().floor() as i32 - 1);
        let r = ((v / mag).ceil() * mag) as u64;
        crate::report::size(r).replace(' ', "")
    };
    let t = &a.totals;
    let mut o = String::from("[budget]\n");
    o.push_str(&format!(
        "# Made by `weigh check --init` from {} ({} today).\n",
        a.image.id.reference,
        crate::report::size(t.content_bytes)
    ));
    o.push_str(&format!("total = \"{}\"\n", headroom(t.content_bytes)));
    if let Some(c) = t.compressed_bytes {
        o.push_str(&format!("compressed = \"{}\"\n", headroom(c)));
    }
    let largest = a.layers.iter().map(|l| l.size).max().unwrap_or(0);
    o.push_str(&format!("largest-layer = \"{}\"\n", headroom(largest)));
    o.push_str(&format!("layers = {}\n", a.layers.len() + 2));
    o.push_str(&format!("waste = \"{}\"\n", headroom(t.waste_bytes.max(1_000_000))));
    // Secrets that should never ship; not `*.pem`, which the CA certificates are.
    o.push_str("deny = [\"**/.git\", \"**/.env\", \"**/id_rsa\", \"**/id_ed25519\", \"**/.pypirc\"]\n\n[budget.categories]\n");
    for c in Category::ALL {
        let now = a.category(c).bytes;
        if c.is_leak() {
            let comment =
                if now > 0 { format!("  # {} today", crate::report::size(now)) } else { String::new() };
            o.push_str(&format!("{} = \"0B\"{comment}\n", c.name()));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_parses_with_lines() {
        let text = "[budget]\ntotal = \"350MB\"\nefficiency = 0.9\ndev-dependencies = \"0B\"\n\n[budget.categories]\ntoolchain = 0\ncache = \"1.5GiB\"\n[budget.paths]\n\"/app/**/*.map\" = \"0B\"\n";
        let b = Budget::parse(text, "weigh.toml").unwrap().unwrap();
        let got: Vec<(String, f64, usize)> =
            b.limits.iter().map(|l| (l.key.clone(), l.value, l.line)).collect();
        assert_eq!(
            got,
            [
                ("total".into(), 350e6, 2),
                ("efficiency".into(), 0.9, 3),
                ("dev-dependencies".into(), 0.0, 4),
                ("categories.toolchain".into(), 0.0, 7),
                ("categories.cache".into(), 1.5 * 1024.0 * 1024.0 * 1024.0, 8),
                ("paths./app/**/*.map".into(), 0.0, 10),
            ]
        );
        assert!(Budget::parse("[classify.paths]\n", "w.toml").unwrap().is_none());
    }

    #[test]
    fn bad_budgets_name_the_line() {
        for (text, line, what) in [
            ("[budget]\ntotal = \"350MB\"\ntotl = \"1GB\"\n", 3, "unknown key \"totl\""),
            ("[budget]\n\ntotal = \"lots\"\n", 3, "not a size"),
            ("[budget]\ntotal = -5\n", 2, "not a size"),
            (
                "[budget.categories]\ntoolchain = \"0B\"\ndevdeps = \"0B\"\n",
                3,
                "unknown category \"devdeps\"",
            ),
            ("[budget]\nefficiency = 1.5\n", 2, "between 0 and 1"),
            ("[budget]\ndeny = \"**/.git\"\n", 2, "list of path globs"),
            ("[budget]\ntotal = \n", 2, ""),
        ] {
            let e = Budget::parse(text, "weigh.toml").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(what), "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("weigh.toml:{line}: ")), "{e}");
        }
    }

    #[test]
    fn dive_ci_rules() {
        let b = Budget::parse_dive_ci(
            "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n",
            ".dive-ci",
        )
        .unwrap();
        assert!(b.dive_ci);
        let got: Vec<(String, f64, usize)> =
            b.limits.iter().map(|l| (l.key.clone(), l.value, l.line)).collect();
        assert_eq!(
            got,
            [("rules.lowestEfficiency".into(), 0.95, 2), ("rules.highestWastedBytes".into(), 20e6, 3)]
        );
        let e = Budget::parse_dive_ci("rules:\n  lowestEfficiency: high\n", ".dive-ci").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
