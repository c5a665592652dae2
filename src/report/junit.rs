//! `weigh check --format junit`: one test suite for the image, one test case per rule, in the
//! Apache Ant JUnit format (the JUnit XSD CI servers read: `testsuites` of `testsuite`s with
//! `properties`, `testcase`s, `system-out` and `system-err`).

use std::fmt::Write as _;

use crate::budget::Verdict;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 allows tab, newline and carriage return among the control characters.
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{fffe}' | '\u{ffff}') =>
            {
                o.push('?')
            }
            c => o.push(c),
        }
    }
    o
}

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
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" package=\"weigh\" id=\"0\" timestamp=\"{timestamp}\" hostname=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{seconds:.3}\">",
        esc(&format!("weigh check {}", v.image)),
        esc(&hostname()),
        v.rules.len(),
        v.failed,
    );
    let _ = writeln!(o, "    <properties>");
    let _ = writeln!(o, "      <property name=\"image\" value=\"{}\"/>", esc(&v.image));
    let _ = writeln!(o, "      <property name=\"budget\" value=\"{}\"/>", esc(&v.budget));
    if let Some(b) = &v.baseline {
        let _ = writeln!(o, "      <property name=\"baseline\" value=\"{}\"/>", esc(b));
    }
    let _ = writeln!(o, "    </properties>");
    for r in &v.rules {
        let _ = write!(o, "    <testcase name=\"{}\" classname=\"weigh.budget\" time=\"0\"", esc(&r.title));
        if r.pass {
            let _ = writeln!(o, "/>");
            continue;
        }
        let message = format!("{}: measured {}, limit {}", r.title, r.measured, r.limit);
        let mut body = format!("{} ({}:{})\n", message, r.source, r.line);
        if let Some(n) = &r.note {
            let _ = writeln!(body, "{n}");
        }
        for c in &r.contributors {
            let _ =
                writeln!(body, "{:>10}  {}  {} {}", crate::report::size(c.bytes), c.kind, c.name, c.detail);
        }
        let _ = writeln!(
            o,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            esc(&message),
            esc(&r.id),
            esc(&body)
        );
    }
    let _ = writeln!(o, "    <system-out/>\n    <system-err/>\n  </testsuite>\n</testsuites>");
    o
}
