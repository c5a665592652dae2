//! `weigh check --format junit`: one test suite for the image, one test case per rule, in the
//! Apache Ant JUnit format (the JUnit XSD CI servers read: `testsuites` of `testsuite`s with
//! `properties`, `testcase`s, `system-out` and `system-err`).

use std::fmt::Write as _;

use super::fmt::{detail, finding, rule_text, size, xml};
use crate::budget::Verdict;

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// `seconds`: how long the check took.
pub fn render(v: &Verdict, seconds: f64) -> String {
    // The schema's timestamp is a dateTime without a zone designator; this one is UTC.
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let timestamp = now.trim_end_matches('Z');
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    // Findings that fail a findings rule are test cases of their own.
    let extra: usize = v.rules.iter().map(|r| r.measured.findings.len()).sum();
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" package=\"weigh\" id=\"0\" timestamp=\"{timestamp}\" hostname=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{seconds:.3}\">",
        xml(&format!("weigh check {}", v.image)),
        xml(&hostname()),
        v.rules.len() + extra,
        v.failed + extra,
    );
    let _ = writeln!(o, "    <properties>");
    let _ = writeln!(o, "      <property name=\"image\" value=\"{}\"/>", xml(&v.image));
    let _ = writeln!(o, "      <property name=\"budget\" value=\"{}\"/>", xml(&v.budget));
    if let Some(b) = &v.baseline {
        let _ = writeln!(o, "      <property name=\"baseline\" value=\"{}\"/>", xml(b));
    }
    let _ = writeln!(o, "    </properties>");
    for r in &v.rules {
        let w = rule_text(r);
        // A findings rule that fails: a test case per finding.
        for f in &r.measured.findings {
            let (title, detail) = finding(f);
            let mut body = format!("{detail}\n");
            for p in &f.paths {
                let _ = writeln!(body, "  {p}");
            }
            let _ = writeln!(
                o,
                "    <testcase name=\"{}\" classname=\"weigh.findings\" time=\"0\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml(&format!("{}: {title}", f.id.name())),
                xml(&title),
                f.id.name(),
                xml(&body)
            );
        }
        let _ = write!(o, "    <testcase name=\"{}\" classname=\"weigh.budget\" time=\"0\"", xml(&w.title));
        if r.pass() {
            let _ = writeln!(o, "/>");
            continue;
        }
        let message = format!("{}: measured {}, limit {}", w.title, w.measured, w.limit);
        let mut body = format!("{} ({}:{})\n", message, r.source, r.line);
        if let Some(n) = &w.note {
            let _ = writeln!(body, "{n}");
        }
        for c in &r.measured.contributors {
            let _ =
                writeln!(body, "{:>10}  {}  {} {}", size(c.bytes), c.kind.name(), c.name, detail(&c.detail));
        }
        let _ = writeln!(
            o,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            xml(&message),
            xml(&r.id),
            xml(&body)
        );
    }
    let _ = writeln!(o, "    <system-out/>\n    <system-err/>\n  </testsuite>\n</testsuites>");
    o
}
