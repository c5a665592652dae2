//! `weigh compare` as text, JSON and Markdown (HTML is in `html.rs`).

use std::fmt::Write as _;

use super::table::{Align, Table};
use super::{count, percent, size};
use crate::compare::{Comparison, Delta, OnlyIn};

/// Bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// `+12.3 MB`, `-787.6 MB`, `0 B`.
pub fn signed(d: i64) -> String {
    match d.signum() {
        1 => format!("+{}", size(d as u64)),
        -1 => format!("-{}", size(d.unsigned_abs())),
        _ => "0 B".into(),
    }
}

fn pct(d: &Delta) -> String {
    if d.before == 0 {
        return if d.after == 0 { "0.0 %".into() } else { "new".into() };
    }
    let p = d.delta as f64 * 100.0 / d.before as f64;
    format!("{}{:.1} %", if p > 0.0 { "+" } else { "" }, p)
}

fn side_line(s: &crate::compare::Side) -> String {
    let compressed = s.compressed_bytes.map(|c| format!(" ({} compressed)", size(c))).unwrap_or_default();
    format!(
        "{}{compressed}, {} files, {} layers, user {}",
        size(s.content_bytes),
        count(s.files),
        s.layers,
        s.user.as_deref().unwrap_or("root")
    )
}

fn delta_table(rows: &[Delta], first: &'static str, skip_zero: bool) -> String {
    let mut t = Table::new(&[
        (first, Align::Left),
        ("BEFORE", Align::Right),
        ("AFTER", Align::Right),
        ("CHANGE", Align::Right),
        ("", Align::Right),
    ]);
    for d in rows.iter().filter(|d| !skip_zero || d.before != 0 || d.after != 0) {
        t.row(vec![d.name.clone(), size(d.before), size(d.after), signed(d.delta), pct(d)]);
    }
    t.render("  ")
}

fn only_table(rows: &[OnlyIn]) -> String {
    let mut t = Table::new(&[("SIZE", Align::Right), ("FILES", Align::Right), ("PATH", Align::Left)]);
    for o in rows {
        t.row(vec![
            size(o.bytes),
            count(o.files as u64),
            format!("{}{}", o.path, if o.dir { "/" } else { "" }),
        ]);
    }
    t.render("  ")
}

/// The one-line headline: total change and the largest category changes.
pub fn headline(c: &Comparison) -> String {
    let cats: Vec<String> = c
        .categories
        .iter()
        .filter(|d| d.delta != 0)
        .take(4)
        .map(|d| format!("{} {}", d.name, signed(d.delta)))
        .collect();
    format!("{} ({}): {}", signed(c.total.delta), pct(&c.total), cats.join(", "))
}

pub fn text(c: &Comparison, color: bool) -> String {
    let paint = |s: String, code: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s };
    let mut o = String::new();
    let _ = writeln!(o, "before  {}\n        {}", c.before.reference, side_line(&c.before));
    let _ = writeln!(o, "after   {}\n        {}", c.after.reference, side_line(&c.after));
    let b = &c.base;
    if b.identical_layers > 0 {
        let _ = writeln!(
            o,
            "shared  {} {} from the bottom, {} identical in all: {} ({} of before, {} of after)",
            b.common_prefix,
            if b.common_prefix == 1 { "layer" } else { "layers" },
            b.identical_layers,
            size(b.after_bytes),
            percent(b.before_share),
            percent(b.after_share)
        );
    } else {
        let _ = writeln!(o, "shared  no layers in common");
    }
    let total = match &c.compressed {
        Some(z) => format!("{} · compressed {} ({})", headline(c), signed(z.delta), pct(z)),
        None => headline(c),
    };
    let code = if c.total.delta <= 0 { "32" } else { "31" };
    let _ = writeln!(o, "\nChange  {}", paint(total, code));

    let _ = writeln!(o, "\nBy category (uncompressed; the changes add up to the total)");
    o.push_str(&delta_table(&c.categories, "CATEGORY", true));
    if !c.categories_compressed.is_empty() {
        let _ = writeln!(o, "\nBy category, compressed (each layer's blob shared out by content)");
        o.push_str(&delta_table(&c.categories_compressed, "CATEGORY", true));
    }
    let _ = writeln!(o, "\nBy stage");
    o.push_str(&delta_table(&c.stages, "STAGE", false));
    for (title, rows) in [("before", &c.layers_before), ("after", &c.layers_after)] {
        let _ = writeln!(o, "\nLayers of {title} (bytes still in the image)");
        let mut t = Table::new(&[
            ("#", Align::Right),
            ("SIZE", Align::Right),
            ("STAGE", Align::Left),
            ("", Align::Left),
            ("COMMAND", Align::Left),
        ]);
        for l in rows.iter() {
            t.row(vec![
                l.index.to_string(),
                size(l.bytes),
                l.stage.clone(),
                if l.shared { "shared".into() } else { String::new() },
                l.command.clone(),
            ]);
        }
        o.push_str(&t.render("  "));
    }
    if !c.packages.is_empty() {
        let _ = writeln!(o, "\nBy package (largest changes of {})", count(c.packages.len() as u64));
        let mut t = Table::new(&[
            ("KIND", Align::Left),
            ("PACKAGE", Align::Left),
            ("", Align::Left),
            ("VERSION", Align::Left),
            ("CHANGE", Align::Right),
            ("CATEGORY", Align::Left),
        ]);
        for p in c.packages.iter().take(15) {
            let version = match (&p.before_version, &p.after_version) {
                (Some(b), Some(a)) if b != a => format!("{b} -> {a}"),
                (Some(v), _) | (None, Some(v)) => v.clone(),
                _ => String::new(),
            };
            t.row(vec![
                p.ecosystem.name().into(),
                p.name.clone(),
                p.change.into(),
                version,
                signed(p.delta),
                p.category.to_string(),
            ]);
        }
        o.push_str(&t.render("  "));
    }
    if !c.directories.is_empty() {
        let _ = writeln!(o, "\nBy directory (largest changes)");
        o.push_str(&delta_table(&c.directories, "PATH", false));
    }
    for (title, rows) in [("before", &c.only_before), ("after", &c.only_after)] {
        if !rows.is_empty() {
            let _ = writeln!(o, "\nOnly in {title} (largest)");
            o.push_str(&only_table(rows));
        }
    }
    let _ = writeln!(o, "\nLeaks: what after still carries that a production image should not");
    if c.leaks.is_empty() {
        let _ = writeln!(o, "  none");
    } else {
        for l in &c.leaks {
            let _ = writeln!(
                o,
                "  {} {} in {} files",
                paint(l.category.to_string(), "31"),
                size(l.bytes),
                count(l.files)
            );
            let mut t = Table::new(&[("SIZE", Align::Right), ("KIND", Align::Left), ("WHAT", Align::Left)]);
            for x in &l.top {
                let what =
                    if x.detail.is_empty() { x.name.clone() } else { format!("{}  {}", x.name, x.detail) };
                t.row(vec![size(x.bytes), x.kind.into(), what]);
            }
            o.push_str(&t.render("    "));
        }
    }
    let _ = writeln!(o, "\nRecommendations for after");
    if c.recommendations.is_empty() {
        let _ = writeln!(o, "  none: nothing in the image calls for a change");
    }
    for (i, r) in c.recommendations.iter().enumerate() {
        let saves = if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
        let _ = writeln!(o, "  {}. {} ({saves})\n     {}", i + 1, r.title, r.evidence);
    }
    o
}

pub fn json(c: &Comparison) -> String {
    super::json::versioned(SCHEMA_VERSION, c)
}

use super::verdict::{cell as md_cell, code as md_code};

fn md_deltas(o: &mut String, rows: &[Delta], first: &str, skip_zero: bool) {
    let _ = writeln!(o, "| {first} | before | after | change | |\n|---|--:|--:|--:|--:|");
    for d in rows.iter().filter(|d| !skip_zero || d.before != 0 || d.after != 0) {
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
pub fn markdown(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "### weigh compare: {}\n", md_cell(&headline(c)));
    let _ = writeln!(o, "| | image | size | compressed | files | layers |\n|---|---|--:|--:|--:|--:|");
    for (label, s) in [("before", &c.before), ("after", &c.after)] {
        let _ = writeln!(
            o,
            "| {label} | `{}` | {} | {} | {} | {} |",
            md_code(&s.reference),
            size(s.content_bytes),
            s.compressed_bytes.map(size).unwrap_or_else(|| "n/a".into()),
            count(s.files),
            s.layers
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
    if !c.recommendations.is_empty() {
        let _ = writeln!(o, "\n<details><summary>Recommendations ({})</summary>\n", c.recommendations.len());
        for r in &c.recommendations {
            let saves =
                if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
            let _ = writeln!(o, "- **{}** ({saves}): {}", r.title, md_cell(&r.evidence));
        }
        let _ = writeln!(o, "\n</details>");
    }
    for l in &c.leaks {
        let _ = writeln!(o, "\n<details><summary>Leak: {} {}</summary>\n", l.category, size(l.bytes));
        let _ = writeln!(o, "| size | kind | what |\n|--:|---|---|");
        for x in &l.top {
            let _ = writeln!(o, "| {} | {} | `{}` |", size(x.bytes), x.kind, md_code(&x.name));
        }
        let _ = writeln!(o, "\n</details>");
    }
    let b = &c.base;
    let _ = writeln!(
        o,
        "\n<details><summary>Stages and layers</summary>\n\nShared base: {} layers from the bottom, {} identical ({} of before, {} of after).\n",
        b.common_prefix,
        b.identical_layers,
        percent(b.before_share),
        percent(b.after_share)
    );
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
            let version = match (&p.before_version, &p.after_version) {
                (Some(b), Some(a)) if b != a => format!("{b} → {a}"),
                (Some(v), _) | (None, Some(v)) => v.clone(),
                _ => String::new(),
            };
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
