//! Markdown reports, sized for a pull-request comment or a CI step summary: `weigh compare`
//! and `weigh check`.

use std::fmt::Write as _;

use super::fmt::{
    contributor, count, headline, md_cell, md_code, pct, recommendation, rule_text, shared_base, side_cells,
    signed, size, versions,
};
use super::text::summary_line;
use crate::budget::Verdict;
use crate::compare::{Comparison, Delta};

fn md_deltas(o: &mut String, rows: &[Delta], first: &str, skip_zero: bool) {
    let _ = writeln!(o, "| {first} | before | after | change | |\n|---|--:|--:|--:|--:|");
    for d in super::fmt::delta_rows(rows, skip_zero) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | **{}** | {} |",
            md_cell(&d.name),
            size(d.before),
            size(d.after),
            signed(d.delta),
            pct(d)
        );
    }
}

/// Fits a pull-request comment: the summary table first, details folded.
pub fn compare(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "### weigh compare: {}\n", md_cell(&headline(c)));
    let _ = writeln!(o, "| | image | size | compressed | files | layers |\n|---|---|--:|--:|--:|--:|");
    for (label, s) in [("before", &c.before), ("after", &c.after)] {
        let [bytes, compressed, files, layers] = side_cells(s);
        let _ = writeln!(
            o,
            "| {label} | `{}` | {bytes} | {compressed} | {files} | {layers} |",
            md_code(&s.reference)
        );
    }
    let _ = writeln!(o);
    md_deltas(&mut o, &c.categories, "category", true);
    let _ = writeln!(
        o,
        "| **total** | {} | {} | **{}** | {} |",
        size(c.total.before),
        size(c.total.after),
        signed(c.total.delta),
        pct(&c.total)
    );
    let leaks = if c.leaks.is_empty() {
        "none".to_string()
    } else {
        c.leaks.iter().map(|l| format!("{} {}", l.category, size(l.bytes))).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(o, "\nLeaks in after: **{leaks}**.");
    for (label, list) in
        [("Fixed in after", &c.findings_fixed), ("Introduced by after", &c.findings_introduced)]
    {
        if !list.is_empty() {
            let names: Vec<String> = list
                .iter()
                .map(|f| format!("`{}` {}", f.id.name(), md_cell(&super::fmt::finding(f).0)))
                .collect();
            let _ = writeln!(o, "\n{label}: {}.", names.join("; "));
        }
    }
    if !c.recommendations.is_empty() {
        let _ = writeln!(o, "\n<details><summary>Recommendations ({})</summary>\n", c.recommendations.len());
        for r in &c.recommendations {
            let saves =
                if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
            let (title, evidence) = recommendation(r);
            let _ = writeln!(o, "- **{title}** ({saves}): {}", md_cell(&evidence));
        }
        let _ = writeln!(o, "\n</details>");
    }
    for l in &c.leaks {
        let _ = writeln!(o, "\n<details><summary>Leak: {} {}</summary>\n", l.category, size(l.bytes));
        let _ = writeln!(o, "| size | kind | what |\n|--:|---|---|");
        for x in &l.top {
            let _ = writeln!(o, "| {} | {} | `{}` |", size(x.bytes), x.kind.name(), md_code(&x.name));
        }
        let _ = writeln!(o, "\n</details>");
    }
    let _ = writeln!(o, "\n<details><summary>Stages and layers</summary>\n\n{}\n", shared_base(&c.base));
    md_deltas(&mut o, &c.stages, "stage", false);
    let _ = writeln!(o, "\n</details>");
    if !c.packages.is_empty() {
        let _ = writeln!(
            o,
            "\n<details><summary>Packages ({} changed)</summary>\n",
            count(c.packages.len() as u64)
        );
        let _ = writeln!(o, "| kind | package | change | version | size change |\n|---|---|---|---|--:|");
        for p in c.packages.iter().take(25) {
            let version = versions(p.before_version.as_deref(), p.after_version.as_deref(), "→");
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                p.ecosystem.name(),
                md_cell(&p.name),
                p.change,
                md_cell(&version),
                signed(p.delta)
            );
        }
        let _ = writeln!(o, "\n</details>");
    }
    if !c.directories.is_empty() {
        let _ = writeln!(o, "\n<details><summary>Directories</summary>\n");
        md_deltas(&mut o, &c.directories, "path", false);
        let _ = writeln!(o, "\n</details>");
    }
    o
}

/// `weigh check`: the summary table, then each failure folded.
pub fn verdict(v: &Verdict) -> String {
    let mut o = String::new();
    let icon = if v.pass { "✅" } else { "❌" };
    let _ = writeln!(o, "### {icon} weigh check: {}\n", md_cell(&summary_line(v)));
    let _ = writeln!(
        o,
        "Image `{}`, budget `{}`{}.\n",
        md_code(&v.image),
        md_code(&v.budget),
        if v.dive_ci { " (dive's CI rules)" } else { "" }
    );
    let _ = writeln!(o, "| | rule | limit | measured |\n|---|---|--:|--:|");
    for r in &v.rules {
        let w = rule_text(r);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            if r.pass() { "✅" } else { "❌" },
            md_cell(&w.title),
            md_cell(&w.limit),
            md_cell(&w.measured)
        );
    }
    for r in v.rules.iter().filter(|r| !r.pass()) {
        let w = rule_text(r);
        let _ = writeln!(
            o,
            "\n<details><summary>❌ {} — {}</summary>\n",
            md_cell(&w.title),
            md_cell(&w.measured)
        );
        if let Some(n) = &w.note {
            let _ = writeln!(o, "{}\n", md_cell(n));
        }
        if !r.measured.contributors.is_empty() {
            let _ = writeln!(o, "| size | kind | what |\n|--:|---|---|");
            for c in &r.measured.contributors {
                let _ = writeln!(
                    o,
                    "| {} | {} | `{}` |",
                    size(c.bytes),
                    c.kind.name(),
                    md_code(&contributor(c, " "))
                );
            }
        }
        let _ = writeln!(o, "\nSet in `{}` line {}.\n\n</details>", md_code(&r.source), r.line);
    }
    o
}
