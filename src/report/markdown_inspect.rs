//! `weigh inspect --format markdown`: one image for a pull-request comment or a step summary.
//! The summary comes first and the details fold; a `max` cut leaves out whole sections, the
//! least useful first, and says which.

use std::fmt::Write as _;

use super::fmt::{count, finding, md_cell, md_code, opt_size, percent, short_command, size};
use crate::analysis::Analysis;

/// GitHub refuses a comment longer than 65,536 characters; this leaves room for what a
/// workflow puts around the report.
pub const DEFAULT_MAX_BYTES: usize = 60_000;

fn head(a: &Analysis) -> String {
    let t = &a.totals;
    let mut o = String::new();
    let _ = writeln!(o, "### weigh inspect: `{}`\n", md_code(&a.image.id.reference));
    let user = a.image.user.clone().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".into());
    let _ = writeln!(
        o,
        "**{}** uncompressed · {} compressed · {} files in {} layers · waste {} · duplicates {} · user `{}`\n",
        size(t.content_bytes),
        opt_size(t.compressed_bytes),
        count(t.files),
        t.layers,
        size(t.waste_bytes),
        size(t.duplicate_bytes),
        md_code(&user)
    );
    let total = t.content_bytes.max(1) as f64;
    let mut cats = a.categories();
    cats.retain(|c| c.files > 0);
    cats.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.category.cmp(&y.category)));
    let _ = writeln!(o, "| category | size | share | files |\n|---|--:|--:|--:|");
    for c in &cats {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            c.category,
            size(c.bytes),
            percent(c.bytes as f64 / total),
            count(c.files)
        );
    }
    if a.findings.is_empty() {
        let _ = writeln!(o, "\nFindings: **none**.");
    } else {
        let names: Vec<String> = a
            .findings
            .iter()
            .map(|f| {
                let icon = match f.severity {
                    crate::findings::Severity::Error => "❌",
                    crate::findings::Severity::Warning => "⚠️",
                    crate::findings::Severity::Info => "ℹ️",
                };
                format!("{icon} `{}` {}", f.id.name(), md_cell(&finding(f).0))
            })
            .collect();
        let _ = writeln!(o, "\nFindings: {}.", names.join("; "));
    }
    o
}

fn fold(title: &str, body: &str) -> String {
    format!("\n<details><summary>{title}</summary>\n\n{body}\n</details>\n")
}

/// The folded sections, most useful first.
fn sections(a: &Analysis, top: usize) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if !a.findings.is_empty() {
        let mut b = String::new();
        for f in &a.findings {
            let (title, detail) = finding(f);
            let _ = writeln!(b, "- **{}** `{}`: {}", f.severity.name(), f.id.name(), md_cell(&title));
            let _ = writeln!(b, "  {}", md_cell(&detail));
            for p in f.paths.iter().take(5) {
                let _ = writeln!(b, "  - `{}`", md_code(p));
            }
            let more = f.paths.len().saturating_sub(5) + f.more;
            if more > 0 {
                let _ = writeln!(b, "  - and {} more", count(more as u64));
            }
        }
        v.push(("Findings".to_string(), b));
    }
    let mut b = String::from("| # | size | compressed | stage | command |\n|--:|--:|--:|---|---|\n");
    for l in &a.layers {
        let stage = l.stage_label();
        let cmd = l.history.created_by.as_deref().map(|c| short_command(c, 80)).unwrap_or_default();
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} | `{}` |",
            l.index,
            size(l.size),
            opt_size(l.compressed_size),
            md_cell(stage),
            md_code(&cmd)
        );
    }
    v.push((format!("Layers ({})", a.layers.len()), b));
    let mut b = String::from("| stage | size | files | layers |\n|---|--:|--:|---|\n");
    for s in &a.stages {
        let layers: Vec<String> = s.layers.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} |",
            md_cell(&s.stage),
            size(s.bytes),
            count(s.files),
            layers.join(" ")
        );
    }
    v.push(("Stages".to_string(), b));
    let packages = a.packages_by_size();
    if !packages.is_empty() {
        let mut b = String::from("| size | kind | package | version | category |\n|--:|---|---|---|---|\n");
        for p in packages.iter().take(top) {
            let _ = writeln!(
                b,
                "| {} | {} | {} | {} | {} |",
                size(p.size),
                p.ecosystem.name(),
                md_cell(&p.label()),
                md_cell(&p.version),
                p.category
            );
        }
        v.push((format!("Largest packages ({} in all)", count(packages.len() as u64)), b));
    }
    let mut b = String::from("| size | layer | path |\n|--:|--:|---|\n");
    for f in a.largest_files(top) {
        let layer = f.layer.map(|l| l.to_string()).unwrap_or_default();
        let _ = writeln!(b, "| {} | {layer} | `{}` |", size(f.size), md_code(&f.path));
    }
    v.push(("Largest files".to_string(), b));
    let waste = a.waste_items(top);
    if !waste.is_empty() {
        let mut b = String::from("| size | layer | hidden by | path |\n|--:|--:|---|---|\n");
        for w in waste {
            let _ = writeln!(
                b,
                "| {} | {} | {} | `{}` |",
                size(w.size),
                w.layer,
                super::fmt::hidden_by(&w),
                md_code(&w.path)
            );
        }
        v.push((format!("Waste: {}", size(a.totals.waste_bytes)), b));
    }
    if !a.duplicates.is_empty() {
        let mut b = String::from("| wasted | copies | paths |\n|--:|--:|---|\n");
        for g in a.duplicates.iter().take(top) {
            let paths: Vec<String> =
                a.group_paths(g).iter().take(3).map(|p| format!("`{}`", md_code(p))).collect();
            let _ = writeln!(b, "| {} | {} | {} |", size(g.wasted), g.count, paths.join(", "));
        }
        v.push((format!("Duplicates: {}", size(a.totals.duplicate_bytes)), b));
    }
    v
}

/// The report within `max` bytes: whole sections are left out from the end until it fits,
/// and a last line names them.
pub fn inspect(a: &Analysis, top: usize, max: usize) -> String {
    let head = head(a);
    let mut folded: Vec<(String, String)> =
        sections(a, top).into_iter().map(|(t, b)| (t.clone(), fold(&t, &b))).collect();
    let mut left_out = Vec::new();
    let note = |left: &[String]| {
        format!("\n_Left out to stay within {max} bytes (raise `--max-bytes`): {}._\n", left.join(", "))
    };
    loop {
        let body: usize = folded.iter().map(|(_, s)| s.len()).sum();
        let extra = if left_out.is_empty() { 0 } else { note(&left_out).len() };
        if head.len() + body + extra <= max || folded.is_empty() {
            break;
        }
        let (title, _) = folded.pop().expect("not empty");
        left_out.insert(0, title);
    }
    let mut o = head;
    for (_, s) in &folded {
        o.push_str(s);
    }
    if !left_out.is_empty() {
        o.push_str(&note(&left_out));
    }
    o
}
