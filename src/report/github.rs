//! GitHub Actions: the text verdict followed by workflow commands, one `::error` annotation
//! per failed rule.

use std::fmt::Write as _;

use super::fmt::{rule_text, size, workflow_data, workflow_property};
use crate::budget::Verdict;

/// GitHub Actions workflow commands: one `::error` per failed rule, after the text report.
pub fn verdict(v: &Verdict) -> String {
    let (data, prop) = (workflow_data, workflow_property);
    let mut o = super::text::verdict(v);
    for r in v.rules.iter().filter(|r| !r.pass()) {
        for f in &r.measured.findings {
            let (title, detail) = super::fmt::finding(f);
            let level = if f.severity == crate::findings::Severity::Error { "error" } else { "warning" };
            let _ = writeln!(
                o,
                "::{level} title={}::{}",
                prop(&format!("weigh: {}", f.id.name())),
                data(&format!("{title}: {detail} {}", f.paths.join(", ")))
            );
        }
        let w = rule_text(r);
        let mut msg = format!("{}: measured {}, limit {}", w.title, w.measured, w.limit);
        if let Some(c) = r.measured.contributors.first() {
            let _ = write!(msg, "; largest: {} ({})", c.name, size(c.bytes));
        }
        let _ = writeln!(
            o,
            "::error file={},line={},title={}::{}",
            prop(&r.source),
            r.line,
            prop(&format!("weigh: {}", r.id)),
            data(&msg)
        );
    }
    o
}
