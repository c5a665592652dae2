//! `weigh check` verdicts as text, JSON and Markdown.

use std::fmt::Write as _;

use super::size;
use super::table::{Align, Table};
use crate::budget::{RuleResult, Verdict};

/// Bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

fn status(r: &RuleResult) -> &'static str {
    if r.pass { "pass" } else { "FAIL" }
}

fn summary_line(v: &Verdict) -> String {
    format!(
        "{}: {} of {} rules passed{}",
        if v.pass { "PASS" } else { "FAIL" },
        v.passed,
        v.rules.len(),
        if v.failed > 0 { format!(", {} failed", v.failed) } else { String::new() }
    )
}

pub fn text(v: &Verdict) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", super::printable(&v.image));
    let source = if v.dive_ci { format!("{} (dive's CI rules)", v.budget) } else { v.budget.clone() };
    let _ = writeln!(o, "  budget     {source}");
    if let Some(b) = &v.baseline {
        let _ = writeln!(o, "  baseline   {b}");
    }
    let _ = writeln!(o);
    let mut t = Table::new(&[
        ("", Align::Left),
        ("RULE", Align::Left),
        ("LIMIT", Align::Right),
        ("MEASURED", Align::Right),
        ("LINE", Align::Right),
    ]);
    for r in &v.rules {
        t.row(vec![
            status(r).into(),
            r.title.clone(),
            r.limit.clone(),
            r.measured.clone(),
            r.line.to_string(),
        ]);
    }
    o.push_str(&t.render("  "));
    for r in v.rules.iter().filter(|r| !r.pass || r.note.is_some()) {
        let _ = writeln!(
            o,
            "\n{} {}  ({}:{})",
            status(r),
            super::printable(&r.title),
            super::printable(&r.source),
            r.line
        );
        if let Some(n) = &r.note {
            let _ = writeln!(o, "  note: {}", super::printable(n));
        }
        if !r.contributors.is_empty() {
            let mut t = Table::new(&[("SIZE", Align::Right), ("KIND", Align::Left), ("WHAT", Align::Left)]);
            for c in &r.contributors {
                let what =
                    if c.detail.is_empty() { c.name.clone() } else { format!("{}  {}", c.name, c.detail) };
                t.row(vec![size(c.bytes), c.kind.into(), what]);
            }
            o.push_str(&t.render("  "));
        }
    }
    let _ = writeln!(o, "\n{}", summary_line(v));
    o
}

pub fn json(v: &Verdict) -> String {
    super::json::versioned(SCHEMA_VERSION, v)
}

/// Text for inside a Markdown code span in a table: backticks would end the span and `|` the
/// cell.
pub fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => "'".to_string(),
            '|' => "\\|".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Escapes text for a Markdown table cell: nothing from an image may open HTML, a link,
/// emphasis or a code span, or end the row.
pub fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

pub fn markdown(v: &Verdict) -> String {
    let mut o = String::new();
    let icon = if v.pass { "✅" } else { "❌" };
    let _ = writeln!(o, "### {icon} weigh check: {}\n", cell(&summary_line(v)));
    let _ = writeln!(
        o,
        "Image `{}`, budget `{}`{}.\n",
        code(&v.image),
        code(&v.budget),
        if v.dive_ci { " (dive's CI rules)" } else { "" }
    );
    let _ = writeln!(o, "| | rule | limit | measured |\n|---|---|--:|--:|");
    for r in &v.rules {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            if r.pass { "✅" } else { "❌" },
            cell(&r.title),
            cell(&r.limit),
            cell(&r.measured)
        );
    }
    for r in v.rules.iter().filter(|r| !r.pass) {
        let _ = writeln!(o, "\n<details><summary>❌ {} — {}</summary>\n", cell(&r.title), cell(&r.measured));
        if let Some(n) = &r.note {
            let _ = writeln!(o, "{}\n", cell(n));
        }
        if !r.contributors.is_empty() {
            let _ = writeln!(o, "| size | kind | what |\n|--:|---|---|");
            for c in &r.contributors {
                let what =
                    if c.detail.is_empty() { c.name.clone() } else { format!("{} {}", c.name, c.detail) };
                let _ = writeln!(o, "| {} | {} | `{}` |", size(c.bytes), c.kind, code(&what));
            }
        }
        let _ = writeln!(o, "\nSet in `{}` line {}.\n\n</details>", code(&r.source), r.line);
    }
    o
}

/// GitHub Actions workflow commands: one `::error` per failed rule, after the text report.
pub fn github(v: &Verdict) -> String {
    // Workflow command escaping: data escapes % CR LF; properties also : and ,.
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut o = text(v);
    for r in v.rules.iter().filter(|r| !r.pass) {
        let mut msg = format!("{}: measured {}, limit {}", r.title, r.measured, r.limit);
        if let Some(c) = r.contributors.first() {
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
