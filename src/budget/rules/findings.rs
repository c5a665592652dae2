//! `findings = [...]` and `findings-severity = "..."`: the image must have none of these
//! findings (see `findings/`), or none this severe.

use super::{Context, Rule};
use crate::analysis::{Contributor, ContributorKind, Detail};
use crate::budget::{Measurement, Quantity, Unit};
use crate::findings::{Finding, FindingId, Severity};

fn measure(found: Vec<Finding>) -> Measurement {
    let contributors = found
        .iter()
        .flat_map(|f| {
            let paths = if f.paths.is_empty() { vec![String::new()] } else { f.paths.clone() };
            paths.into_iter().take(super::TOP).map(move |p| Contributor {
                kind: ContributorKind::Path,
                name: p,
                bytes: f.bytes,
                detail: Detail::Finding(f.id.name()),
            })
        })
        .take(super::TOP)
        .collect();
    Measurement {
        value: Quantity::new(found.len() as f64, Unit::Findings),
        limit: Quantity::new(0.0, Unit::Nothing),
        pass: found.is_empty(),
        contributors,
        note: None,
        findings: found,
    }
}

pub struct Findings(pub Vec<FindingId>);

impl Rule for Findings {
    fn id(&self) -> String {
        "findings".into()
    }
    fn measure(&self, _limit: f64, cx: &mut Context) -> Measurement {
        measure(cx.a.findings.iter().filter(|f| self.0.contains(&f.id)).cloned().collect())
    }
}

pub struct AtLeast(pub Severity);

impl Rule for AtLeast {
    fn id(&self) -> String {
        "findings-severity".into()
    }
    fn measure(&self, _limit: f64, cx: &mut Context) -> Measurement {
        // Severities sort most severe first.
        measure(cx.a.findings.iter().filter(|f| f.severity <= self.0).cloned().collect())
    }
}
