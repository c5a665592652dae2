//! Limits on the image as a whole: its size, compressed size, layers, waste and efficiency.

use super::{Context, Rule, at_most, bytes};
use crate::budget::{Measurement, Note, Quantity, Unit};

pub struct Total;
impl Rule for Total {
    fn id(&self) -> String {
        "total".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        at_most(bytes(cx.a.totals.content_bytes as f64), bytes(limit), || cx.layers(false))
    }
}

pub struct Compressed;
impl Rule for Compressed {
    fn id(&self) -> String {
        "compressed".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let t = &cx.a.totals;
        match t.compressed_bytes {
            Some(c) => at_most(bytes(c as f64), bytes(limit), || cx.layers(true)),
            None => Measurement {
                note: Some(Note::StoredUncompressed),
                ..at_most(bytes(t.blob_bytes as f64), bytes(limit), Vec::new)
            },
        }
    }
}

pub struct LargestLayer;
impl Rule for LargestLayer {
    fn id(&self) -> String {
        "largest-layer".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let m = cx.a.layers.iter().map(|l| l.size).max().unwrap_or(0) as f64;
        at_most(bytes(m), bytes(limit), || cx.layers(false).into_iter().take(3).collect())
    }
}

pub struct LayerCount;
impl Rule for LayerCount {
    fn id(&self) -> String {
        "layers".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let count = |v| Quantity::new(v, Unit::Count);
        at_most(count(cx.a.layers.len() as f64), count(limit), Vec::new)
    }
}

pub struct Waste;
impl Rule for Waste {
    fn id(&self) -> String {
        "waste".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        at_most(bytes(cx.a.totals.waste_bytes as f64), bytes(limit), || cx.waste())
    }
}

/// The lowest efficiency allowed: a lower limit, unlike the others.
pub struct Efficiency;
impl Rule for Efficiency {
    fn id(&self) -> String {
        "efficiency".into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let m = cx.a.totals.efficiency;
        let pass = m >= limit;
        Measurement {
            value: Quantity::new(m, Unit::Ratio),
            limit: Quantity::new(limit, Unit::Ratio),
            pass,
            contributors: if pass { Vec::new() } else { cx.waste() },
            note: None,
            findings: Vec::new(),
        }
    }
}
