//! `growth` and `growth-percent`: how much the image grew against a baseline image.

use super::{Context, Rule, bytes};
use crate::analysis::{Contributor, ContributorKind, Detail};
use crate::budget::{Measurement, Note, Quantity, Unit};
use crate::classify::Category;

pub struct Growth {
    /// In percent of the baseline, not bytes.
    pub percent: bool,
}

impl Rule for Growth {
    fn id(&self) -> String {
        if self.percent { "growth-percent" } else { "growth" }.into()
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let limit = if self.percent { Quantity::new(limit, Unit::Percent) } else { bytes(limit) };
        let Some(b) = cx.baseline else {
            return Measurement {
                value: Quantity::new(0.0, Unit::Missing),
                limit,
                pass: false,
                contributors: Vec::new(),
                note: Some(Note::NoBaseline),
                findings: Vec::new(),
            };
        };
        let a = cx.a;
        let delta = a.totals.content_bytes as f64 - b.totals.content_bytes as f64;
        let value = if self.percent {
            let base = b.totals.content_bytes;
            Quantity::new(if base == 0 { 0.0 } else { delta * 100.0 / base as f64 }, Unit::SignedPercent)
        } else {
            Quantity::new(delta, Unit::SignedBytes)
        };
        let pass = value.value <= limit.value;
        let mut contributors: Vec<Contributor> = Vec::new();
        if !pass {
            for cat in Category::ALL {
                let d = a.category(cat).bytes as i64 - b.category(cat).bytes as i64;
                if d > 0 {
                    contributors.push(Contributor {
                        kind: ContributorKind::Category,
                        name: cat.to_string(),
                        bytes: d as u64,
                        detail: Detail::Growth,
                    });
                }
            }
            contributors.sort_by_key(|x| std::cmp::Reverse(x.bytes));
        }
        Measurement { value, limit, pass, contributors, note: None, findings: Vec::new() }
    }
}
