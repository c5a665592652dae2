//! One type per kind of limit, as cargo-deny has one module per check: each measures the
//! image and says whether the limit holds, with what makes up the number when it does not.

mod category;
pub mod dive;
mod findings;
mod growth;
mod paths;
mod size;
mod stage;

use std::collections::HashMap;

use super::{Measurement, Metric, Quantity, Unit};
use crate::analysis::{Analysis, Contributor, ContributorKind, Detail, LayerInfo};
use crate::index::NodeId;

/// How many contributors a failure lists.
pub const TOP: usize = 8;

pub trait Rule {
    /// The rule's stable id (`total`, `category.toolchain`, `dive.lowestEfficiency`).
    fn id(&self) -> String;
    /// Measures the image against `limit` (bytes, a count, a ratio or a percent, as the
    /// rule says).
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement;
}

/// The rule that checks `metric`.
pub fn rule(metric: &Metric) -> Box<dyn Rule> {
    match metric {
        Metric::Total => Box::new(size::Total),
        Metric::Compressed => Box::new(size::Compressed),
        Metric::LargestLayer => Box::new(size::LargestLayer),
        Metric::Layers => Box::new(size::LayerCount),
        Metric::Waste => Box::new(size::Waste),
        Metric::Efficiency => Box::new(size::Efficiency),
        Metric::Category(c) => Box::new(category::CategoryLimit(*c)),
        Metric::Stage(s) => Box::new(stage::StageLimit(s.clone())),
        Metric::Path(g) => Box::new(paths::PathLimit(g.clone())),
        Metric::Deny(globs) => Box::new(paths::Deny(globs.clone())),
        Metric::Findings(ids) => Box::new(findings::Findings(ids.clone())),
        Metric::FindingSeverity(s) => Box::new(findings::AtLeast(*s)),
        Metric::Growth => Box::new(growth::Growth { percent: false }),
        Metric::GrowthPercent => Box::new(growth::Growth { percent: true }),
        Metric::DiveLowestEfficiency => Box::new(dive::LowestEfficiency),
        Metric::DiveHighestWastedBytes => Box::new(dive::HighestWastedBytes),
        Metric::DiveHighestUserWastedPercent => Box::new(dive::HighestUserWastedPercent),
    }
}

/// What the rules read, and what several of them would otherwise compute again.
pub struct Context<'a> {
    pub a: &'a Analysis,
    pub baseline: Option<&'a Analysis>,
    paths: HashMap<NodeId, String>,
    dive: Option<dive::DiveMetrics>,
}

impl<'a> Context<'a> {
    pub fn new(a: &'a Analysis, baseline: Option<&'a Analysis>) -> Context<'a> {
        Context { a, baseline, paths: HashMap::new(), dive: None }
    }

    fn path(&mut self, n: NodeId) -> String {
        self.paths.entry(n).or_insert_with(|| self.a.index.paths.path(n)).clone()
    }

    /// dive's metrics of the image, computed once.
    fn dive(&mut self) -> dive::DiveMetrics {
        *self.dive.get_or_insert_with(|| dive::metrics(&self.a.index))
    }

    /// The packages (then directories) making up `nodes`.
    fn owners(&self, nodes: &[(NodeId, u64)]) -> Vec<Contributor> {
        self.a.owners_of(nodes, TOP)
    }

    fn largest_paths(&mut self, nodes: &[(NodeId, u64)]) -> Vec<Contributor> {
        let mut v = nodes.to_vec();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter()
            .take(TOP)
            .map(|(n, b)| Contributor {
                kind: ContributorKind::Path,
                name: self.path(n),
                bytes: b,
                detail: Detail::None,
            })
            .collect()
    }

    /// Layers by uncompressed size, or by blob size when `compressed`.
    fn layers(&self, compressed: bool) -> Vec<Contributor> {
        let key = |l: &LayerInfo| if compressed { l.blob_size } else { l.size };
        let mut l: Vec<&LayerInfo> = self.a.layers.iter().collect();
        l.sort_by(|a, b| key(b).cmp(&key(a)).then(a.index.cmp(&b.index)));
        l.into_iter()
            .take(TOP)
            .map(|l| Contributor {
                kind: ContributorKind::Layer,
                name: format!("layer {}", l.index),
                bytes: key(l),
                detail: l.history.created_by.clone().map_or(Detail::None, Detail::Command),
            })
            .collect()
    }

    fn waste(&self) -> Vec<Contributor> {
        self.a
            .waste_items(TOP)
            .into_iter()
            .map(|w| Contributor {
                kind: ContributorKind::Path,
                name: w.path,
                bytes: w.size,
                detail: Detail::Hidden { layer: w.layer, by: w.hidden_by },
            })
            .collect()
    }
}

/// A measurement of an upper limit: `value ≤ limit`, with contributors only on failure.
fn at_most(value: Quantity, limit: Quantity, contributors: impl FnOnce() -> Vec<Contributor>) -> Measurement {
    let pass = value.value <= limit.value;
    Measurement {
        value,
        limit,
        pass,
        contributors: if pass { Vec::new() } else { contributors() },
        note: None,
        findings: Vec::new(),
    }
}

fn bytes(v: f64) -> Quantity {
    Quantity::new(v, Unit::Bytes)
}

fn path_set(globs: &[String]) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = super::parse::path_glob(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}
