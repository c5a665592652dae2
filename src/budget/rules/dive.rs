//! dive's CI rules (`.dive-ci`), on dive's image metrics computed the way dive computes them,
//! so a `.dive-ci` file gives the verdict `dive --ci` gives on the same image.
//!
//! dive visits the leaves of every layer's tree (files, symlinks, empty directories,
//! whiteouts). A path seen in more than one layer is "inefficient"; its cumulative size is the
//! sum of all its copies, the surviving one included, and a whiteout of a directory counts
//! the bytes it deletes (a whiteout of a file counts 0). Then:
//!
//! - wasted bytes = the cumulative sizes of the inefficient paths;
//! - efficiency = Σ smallest copy per path / Σ cumulative size per path;
//! - user wasted percent = wasted bytes / the size of every layer but the first.
//!
//! Opaque directory markers (`.wh..wh..opq`) are ignored here; dive does not understand them
//! either.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Context, Rule, at_most, bytes};
use crate::budget::{Measurement, Note, Quantity, Unit};
use crate::index::{HiddenHow, Index, Kind, NONE, NodeId};

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct DiveMetrics {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: f64,
    /// Sum of the layers' sizes, as dive's `sizeBytes`.
    pub size_bytes: u64,
}

pub fn metrics(ix: &Index) -> DiveMetrics {
    // Per path: (cumulative size, smallest copy, copies).
    let mut paths: HashMap<NodeId, (u64, u64, u32)> = HashMap::new();
    let mut mark: Vec<u32> = vec![NONE; ix.paths.len()];
    let mut deleted_by: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, e) in ix.entries.iter().enumerate() {
        if e.hidden_by != crate::index::NO_LAYER && e.hidden_how() == HiddenHow::Deleted {
            deleted_by.entry(e.hidden_by as u32).or_default().push(i as u32);
        }
    }
    for (l, layer) in ix.layers.iter().enumerate() {
        let l = l as u32;
        let range = layer.entries.start as usize..layer.entries.end as usize;
        // Directories something in this layer lies below are not leaves of its tree.
        for e in &ix.entries[range.clone()] {
            let mut a = ix.paths.parent(e.node);
            while let Some(n) = a {
                if mark[n as usize] == l {
                    break;
                }
                mark[n as usize] = l;
                a = ix.paths.parent(n);
            }
        }
        // What each whiteout of this layer deletes: a directory's files count, a file 0.
        let whiteouts: HashSet<NodeId> =
            ix.entries[range.clone()].iter().filter(|e| e.kind() == Kind::Whiteout).map(|e| e.node).collect();
        let mut deleted: HashMap<NodeId, u64> = HashMap::new();
        if !whiteouts.is_empty() {
            for &d in deleted_by.get(&l).into_iter().flatten() {
                let d = &ix.entries[d as usize];
                let mut a = ix.paths.parent(d.node);
                while let Some(n) = a {
                    if whiteouts.contains(&n) {
                        *deleted.entry(n).or_default() += if d.kind() == Kind::File { d.size } else { 0 };
                        break;
                    }
                    a = ix.paths.parent(n);
                }
            }
        }
        // One visit per path per layer: the last entry for it wins, as in dive's tree.
        let mut seen: HashMap<NodeId, u64> = HashMap::new();
        for e in &ix.entries[range] {
            if e.kind() == Kind::Opaque || mark[e.node as usize] == l {
                continue;
            }
            let size = match e.kind() {
                Kind::File => e.size,
                Kind::Whiteout => deleted.get(&e.node).copied().unwrap_or(0),
                _ => 0,
            };
            seen.insert(e.node, size);
        }
        for (node, size) in seen {
            let p = paths.entry(node).or_insert((0, u64::MAX, 0));
            p.0 += size;
            p.1 = p.1.min(size);
            p.2 += 1;
        }
    }
    let (mut min_sum, mut cum_sum, mut wasted) = (0u64, 0u64, 0u64);
    for (cum, min, copies) in paths.values() {
        cum_sum += cum;
        min_sum += min;
        if *copies >= 2 {
            wasted += cum;
        }
    }
    let size_bytes: u64 = ix.layers.iter().map(|l| l.size).sum();
    let user: u64 = ix.layers.iter().skip(1).map(|l| l.size).sum();
    DiveMetrics {
        efficiency: if cum_sum == 0 { 1.0 } else { min_sum as f64 / cum_sum as f64 },
        wasted_bytes: wasted,
        user_wasted_percent: if user == 0 { 0.0 } else { wasted as f64 / user as f64 },
        size_bytes,
    }
}

/// dive's note when its wasted bytes are not weigh's waste.
fn counting(d: &DiveMetrics, cx: &Context) -> Option<Note> {
    let weigh_waste = cx.a.totals.waste_bytes;
    (d.wasted_bytes != weigh_waste).then_some(Note::DiveCounting { dive_wasted: d.wasted_bytes, weigh_waste })
}

/// `lowestEfficiency`: dive's score must not fall below the limit.
pub struct LowestEfficiency;
impl Rule for LowestEfficiency {
    fn id(&self) -> String {
        "dive.lowestEfficiency".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let d = cx.dive();
        let pass = d.efficiency >= limit;
        Measurement {
            value: Quantity::new(d.efficiency, Unit::Score),
            limit: Quantity::new(limit, Unit::Number),
            pass,
            contributors: if pass { Vec::new() } else { cx.waste() },
            note: Some(Note::DiveScore { weigh_efficiency: cx.a.totals.efficiency }),
            findings: Vec::new(),
        }
    }
}

/// `highestWastedBytes`.
pub struct HighestWastedBytes;
impl Rule for HighestWastedBytes {
    fn id(&self) -> String {
        "dive.highestWastedBytes".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let d = cx.dive();
        Measurement {
            note: counting(&d, cx),
            ..at_most(bytes(d.wasted_bytes as f64), bytes(limit), || cx.waste())
        }
    }
}

/// `highestUserWastedPercent`: wasted bytes over the bytes of every layer but the first.
pub struct HighestUserWastedPercent;
impl Rule for HighestUserWastedPercent {
    fn id(&self) -> String {
        "dive.highestUserWastedPercent".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let d = cx.dive();
        Measurement {
            note: counting(&d, cx),
            ..at_most(
                Quantity::new(d.user_wasted_percent, Unit::Score),
                Quantity::new(limit, Unit::Number),
                || cx.waste(),
            )
        }
    }
}
