//! Terminal reports: `weigh inspect`, `weigh compare` and `weigh check` as text.

use std::fmt::Write as _;

use super::fmt::{
    contributor, count, headline, opt_size, pct, percent, printable, recommendation, rule_text,
    short_command, signed, size, versions,
};
use super::table::{Align, Table};
use crate::analysis::{Analysis, Contributor};
use crate::budget::{RuleResult, Verdict};
use crate::compare::{Comparison, Delta, OnlyIn};
use crate::source::Compression;

/// `weigh inspect`.
pub fn inspect(a: &Analysis, top: usize) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", printable(&a.image.id.reference));
    // Names, tags, base and dates come from the image: escaped like every other cell.
    for (k, v) in super::fmt::image_facts(a) {
        let _ = writeln!(o, "  {k:<11}{}", printable(&v));
    }

    let _ = writeln!(o, "\nLayers");
    let mut layers = Table::new(&[
        ("#", Align::Right),
        ("SIZE", Align::Right),
        ("COMPRESSED", Align::Right),
        ("+FILES", Align::Right),
        ("~FILES", Align::Right),
        ("-FILES", Align::Right),
        ("STAGE", Align::Left),
        ("COMMAND", Align::Left),
    ]);
    for l in &a.layers {
        let cmd = l.history.created_by.as_deref().map(|c| short_command(c, 60)).unwrap_or_default();
        let compressed = match l.compression {
            Compression::None => "-".into(),
            _ => opt_size(l.compressed_size),
        };
        layers.row(vec![
            l.index.to_string(),
            size(l.size),
            compressed,
            count(l.added.files),
            count(l.modified.files),
            count(l.deleted.files),
            l.stage_label().to_string(),
            cmd,
        ]);
    }
    o.push_str(&layers.render("  "));

    let total = a.totals.content_bytes.max(1) as f64;
    let _ = writeln!(o, "\nBy category (every file has one; the sizes add up to the image)");
    let mut cats = Table::new(&[
        ("CATEGORY", Align::Left),
        ("SIZE", Align::Right),
        ("SHARE", Align::Right),
        ("FILES", Align::Right),
        ("LARGEST REASON", Align::Left),
    ]);
    let mut categories = a.categories();
    categories.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.category.cmp(&y.category)));
    for c in categories.iter().filter(|c| c.files > 0) {
        cats.row(vec![
            c.category.to_string(),
            size(c.bytes),
            percent(c.bytes as f64 / total),
            count(c.files),
            a.top_reason(c.category).unwrap_or_default(),
        ]);
    }
    o.push_str(&cats.render("  "));
    let cl = &a.classes;
    let mut context = Vec::new();
    if let Some(d) = &cl.app_dir {
        context.push(format!("app directory {d}"));
    }
    if let Some(l) = cl.language {
        context.push(format!(
            "runs {}",
            serde_json::to_value(l).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        ));
    }
    if !context.is_empty() {
        let _ = writeln!(o, "  ({})", context.join(", "));
    }
    for n in &cl.notes {
        let _ = writeln!(o, "  note: {n}");
    }

    let _ = writeln!(o, "\nBy stage");
    let mut stages = Table::new(&[
        ("STAGE", Align::Left),
        ("SIZE", Align::Right),
        ("FILES", Align::Right),
        ("LAYERS", Align::Left),
    ]);
    for s in &a.stages {
        let layers: Vec<String> = s.layers.iter().map(ToString::to_string).collect();
        stages.row(vec![s.stage.clone(), size(s.bytes), count(s.files), layers.join(" ")]);
    }
    o.push_str(&stages.render("  "));

    let packages = a.packages_by_size();
    if !packages.is_empty() {
        let _ = writeln!(o, "\nLargest packages ({} in all)", count(packages.len() as u64));
        let mut tb = Table::new(&[
            ("SIZE", Align::Right),
            ("FILES", Align::Right),
            ("KIND", Align::Left),
            ("PACKAGE", Align::Left),
            ("VERSION", Align::Left),
            ("CATEGORY", Align::Left),
        ]);
        for p in packages.iter().take(top) {
            tb.row(vec![
                size(p.size),
                count(p.files),
                p.ecosystem.name().to_string(),
                p.label(),
                p.version.clone(),
                p.category.to_string(),
            ]);
        }
        o.push_str(&tb.render("  "));
    }

    let dirs = a.largest_dirs(top);
    if !dirs.is_empty() {
        let _ = writeln!(o, "\nLargest directories");
        let mut tb = Table::new(&[("SIZE", Align::Right), ("FILES", Align::Right), ("PATH", Align::Left)]);
        for d in dirs {
            tb.row(vec![size(d.size), count(d.files.unwrap_or(0) as u64), d.path]);
        }
        o.push_str(&tb.render("  "));
    }

    let files = a.largest_files(top);
    if !files.is_empty() {
        let _ = writeln!(o, "\nLargest files");
        let mut tb = Table::new(&[("SIZE", Align::Right), ("LAYER", Align::Right), ("PATH", Align::Left)]);
        for f in files {
            tb.row(vec![size(f.size), f.layer.map(|l| l.to_string()).unwrap_or_default(), f.path]);
        }
        o.push_str(&tb.render("  "));
    }

    let waste = a.waste_items(top);
    let _ = writeln!(o, "\nWaste (bytes hidden by a later layer)");
    if waste.is_empty() {
        let _ = writeln!(o, "  none: no layer overwrites or deletes what a lower layer wrote");
    } else {
        let mut tb = Table::new(&[
            ("SIZE", Align::Right),
            ("LAYER", Align::Right),
            ("HIDDEN BY", Align::Left),
            ("PATH", Align::Left),
        ]);
        for w in waste {
            let by = super::fmt::hidden_by(&w);
            tb.row(vec![size(w.size), w.layer.to_string(), by, w.path]);
        }
        o.push_str(&tb.render("  "));
    }

    findings(&mut o, &a.findings);

    let _ = writeln!(o, "\nDuplicates (identical content at several paths)");
    if a.duplicates.is_empty() {
        let _ = writeln!(o, "  none");
    } else {
        let mut tb = Table::new(&[
            ("WASTED", Align::Right),
            ("COPIES", Align::Right),
            ("EACH", Align::Right),
            ("PATHS", Align::Left),
        ]);
        for g in a.duplicates.iter().take(top) {
            let paths = a.group_paths(g);
            let shown = if paths.len() > 2 {
                format!("{}, {} and {} more", paths[0], paths[1], paths.len() - 2)
            } else {
                paths.join(", ")
            };
            tb.row(vec![size(g.wasted), count(g.count as u64), size(g.size), shown]);
        }
        o.push_str(&tb.render("  "));
    }
    o
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
    for d in super::fmt::delta_rows(rows, skip_zero) {
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

/// `weigh compare`.
pub fn compare(c: &Comparison, color: bool) -> String {
    let paint = |s: String, code: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "before  {}\n        {}",
        printable(&c.before.reference),
        printable(&side_line(&c.before))
    );
    let _ =
        writeln!(o, "after   {}\n        {}", printable(&c.after.reference), printable(&side_line(&c.after)));
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
                short_command(&l.created_by, 60),
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
            let version = versions(p.before_version.as_deref(), p.after_version.as_deref(), "->");
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
            contributor_table(&mut o, &l.top, "    ");
        }
    }
    let _ = writeln!(o, "\nFindings");
    if c.findings_fixed.is_empty() && c.findings_introduced.is_empty() {
        let _ = writeln!(o, "  the same in both");
    }
    for (label, list) in
        [("fixed in after", &c.findings_fixed), ("introduced by after", &c.findings_introduced)]
    {
        for f in list {
            let (title, _) = super::fmt::finding(f);
            let _ = writeln!(
                o,
                "  {label:<20} {:<7} {:<24} {}",
                f.severity.name(),
                f.id.name(),
                printable(&title)
            );
        }
    }
    let _ = writeln!(o, "\nRecommendations for after");
    if c.recommendations.is_empty() {
        let _ = writeln!(o, "  none: nothing in the image calls for a change");
    }
    for (i, r) in c.recommendations.iter().enumerate() {
        let saves = if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
        let (title, evidence) = recommendation(r);
        let _ = writeln!(o, "  {}. {title} ({saves})\n     {evidence}", i + 1);
    }
    o
}

pub(super) fn status(r: &RuleResult) -> &'static str {
    if r.pass() { "pass" } else { "FAIL" }
}

/// What will break or leak, most severe first.
fn findings(o: &mut String, list: &[crate::findings::Finding]) {
    let _ = writeln!(o, "\nFindings (what will break or leak)");
    if list.is_empty() {
        let _ = writeln!(o, "  none");
        return;
    }
    for f in list {
        let (title, detail) = super::fmt::finding(f);
        let _ = writeln!(o, "  {:<7} {:<24} {}", f.severity.name(), f.id.name(), printable(&title));
        let _ = writeln!(o, "          {}", printable(&detail));
        for p in &f.paths.iter().take(3).collect::<Vec<_>>() {
            let _ = writeln!(o, "          {}", printable(p));
        }
        let more = f.paths.len().saturating_sub(3) + f.more;
        if more > 0 {
            let _ = writeln!(o, "          and {} more", count(more as u64));
        }
    }
}

/// What makes up a number: size, kind, and what it is.
fn contributor_table(o: &mut String, contributors: &[Contributor], indent: &str) {
    let mut t = Table::new(&[("SIZE", Align::Right), ("KIND", Align::Left), ("WHAT", Align::Left)]);
    for c in contributors {
        t.row(vec![size(c.bytes), c.kind.name().into(), contributor(c, "  ")]);
    }
    o.push_str(&t.render(indent));
}

pub(super) fn summary_line(v: &Verdict) -> String {
    format!(
        "{}: {} of {} rules passed{}",
        if v.pass { "PASS" } else { "FAIL" },
        v.passed,
        v.rules.len(),
        if v.failed > 0 { format!(", {} failed", v.failed) } else { String::new() }
    )
}

/// `weigh check`.
pub fn verdict(v: &Verdict) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", printable(&v.image));
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
        let w = rule_text(r);
        t.row(vec![status(r).into(), w.title, w.limit, w.measured, r.line.to_string()]);
    }
    o.push_str(&t.render("  "));
    for r in v.rules.iter().filter(|r| !r.pass() || r.measured.note.is_some()) {
        let w = rule_text(r);
        let _ = writeln!(o, "\n{} {}  ({}:{})", status(r), printable(&w.title), printable(&r.source), r.line);
        if let Some(n) = &w.note {
            let _ = writeln!(o, "  note: {}", printable(n));
        }
        if !r.measured.contributors.is_empty() {
            contributor_table(&mut o, &r.measured.contributors, "  ");
        }
    }
    let _ = writeln!(o, "\n{}", summary_line(v));
    o
}
