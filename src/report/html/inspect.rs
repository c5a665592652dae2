//! `weigh inspect --format html`: one image on one page.

use std::fmt::Write as _;

use super::{Bar, Charts, bars_svg, page, rows_table, tree, treemap_svg};
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::report::fmt::{self, count, opt_size, percent, short_command, size};

/// One bar per layer: the bytes of the final tree it provides, by category, then what later
/// layers hid of it.
fn layer_bars(a: &Analysis) -> Vec<Bar> {
    let ix = &a.index;
    let mut by = vec![[0u64; Category::ALL.len()]; a.layers.len()];
    for (f, bytes) in a.visible_files() {
        let layer = ix.entries[ix.current[f as usize] as usize].layer as usize;
        let c = a.classes.category[f as usize] as usize;
        if let Some(row) = by.get_mut(layer) {
            row[c] = row[c].saturating_add(bytes);
        }
    }
    a.layers
        .iter()
        .zip(by)
        .map(|(l, cats)| {
            let mut parts: Vec<(&'static str, u64)> =
                Category::ALL.iter().zip(cats).filter(|(_, b)| *b > 0).map(|(c, b)| (c.name(), b)).collect();
            let shown: u64 = parts.iter().map(|p| p.1).sum();
            if l.size > shown {
                parts.push(("hidden", l.size - shown));
            }
            let stage =
                if l.attribution.base_image { "base".to_string() } else { l.stage_label().to_string() };
            let mut label = format!("#{} {}", l.index, stage);
            if label.chars().count() > 20 {
                label = label.chars().take(19).collect::<String>() + "…";
            }
            Bar { label, total: l.size.max(shown), parts }
        })
        .collect()
}

fn summary(o: &mut String, a: &Analysis) {
    let mut facts = fmt::image_facts(a);
    let user = a.image.user.clone().filter(|u| !u.is_empty()).unwrap_or_else(|| "root (none set)".into());
    let at = facts.iter().position(|(k, _)| *k == "size").unwrap_or(facts.len());
    facts.insert(at, ("user", user));
    let _ = write!(o, "<table class=\"summary\"><tbody>");
    for (k, v) in facts {
        let _ = writeln!(o, "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>", fmt::html(&v));
    }
    let _ = writeln!(o, "</tbody></table>");
}

fn findings(o: &mut String, a: &Analysis) {
    let _ = writeln!(o, "<h2>Findings (what will break or leak)</h2>");
    if a.findings.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table><thead><tr><th>finding</th><th class=\"l\">severity</th><th class=\"l\">what</th></tr></thead><tbody>"
    );
    for f in &a.findings {
        let (title, detail) = fmt::finding(f);
        let mut paths: Vec<String> = f.paths.iter().take(5).map(|p| fmt::html(p)).collect();
        let more = f.paths.len().saturating_sub(5) + f.more;
        if more > 0 {
            paths.push(format!("and {} more", count(more as u64)));
        }
        let paths = if paths.is_empty() {
            String::new()
        } else {
            format!("<br><code>{}</code>", paths.join("</code><br><code>"))
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"l sev-{}\">{}</td><td class=\"l\"><b>{}</b><br>{}{paths}</td></tr>",
            f.id.name(),
            f.severity.name(),
            f.severity.name(),
            fmt::html(&title),
            fmt::html(&detail),
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// `weigh inspect --format html`.
pub fn inspect(a: &Analysis, top: usize) -> String {
    let charts = Charts { categories: Category::names(), bars: layer_bars(a), tree: tree(a) };
    let mut o = String::new();
    let _ = writeln!(o, "<h1>weigh inspect: {}</h1>", fmt::html(&a.image.id.reference));
    summary(&mut o, a);
    findings(&mut o, a);

    let _ = writeln!(o, "<h2>Layers, by category of the bytes each one leaves in the image</h2>");
    bars_svg(&mut o, "layers by category");
    rows_table(
        &mut o,
        &["#", "size", "compressed", "+files", "-files", "stage", "command"],
        a.layers.iter().map(|l| {
            vec![
                l.index.to_string(),
                size(l.size),
                opt_size(l.compressed_size),
                count(l.added.files),
                count(l.deleted.files),
                l.stage_label().to_string(),
                l.history.created_by.as_deref().map(|c| short_command(c, 120)).unwrap_or_default(),
            ]
        }),
    );

    let _ = writeln!(o, "<h2>The final tree, by directory, coloured by category</h2>");
    treemap_svg(&mut o);

    let total = a.totals.content_bytes.max(1) as f64;
    let mut cats = a.categories();
    cats.retain(|c| c.files > 0);
    cats.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.category.cmp(&y.category)));
    let _ = writeln!(o, "<h2>By category</h2>");
    rows_table(
        &mut o,
        &["category", "size", "share", "files", "largest reason"],
        cats.iter().map(|c| {
            vec![
                c.category.to_string(),
                size(c.bytes),
                percent(c.bytes as f64 / total),
                count(c.files),
                a.top_reason(c.category).unwrap_or_default(),
            ]
        }),
    );
    for n in &a.classes.notes {
        let _ = writeln!(o, "<p class=\"hint\">note: {}</p>", fmt::html(n));
    }

    let _ = writeln!(o, "<h2>By stage</h2>");
    rows_table(
        &mut o,
        &["stage", "size", "files", "layers"],
        a.stages.iter().map(|s| {
            let layers: Vec<String> = s.layers.iter().map(ToString::to_string).collect();
            vec![s.stage.clone(), size(s.bytes), count(s.files), layers.join(" ")]
        }),
    );

    let packages = a.packages_by_size();
    if !packages.is_empty() {
        let _ = writeln!(o, "<h2>Largest packages ({} in all)</h2>", count(packages.len() as u64));
        rows_table(
            &mut o,
            &["package", "size", "files", "kind", "version", "category"],
            packages.iter().take(top.max(25)).map(|p| {
                vec![
                    p.label(),
                    size(p.size),
                    count(p.files),
                    p.ecosystem.name().into(),
                    p.version.clone(),
                    p.category.to_string(),
                ]
            }),
        );
    }

    let _ = writeln!(o, "<h2>Largest files</h2>");
    rows_table(
        &mut o,
        &["path", "size", "layer"],
        a.largest_files(top)
            .into_iter()
            .map(|f| vec![f.path, size(f.size), f.layer.map(|l| l.to_string()).unwrap_or_default()]),
    );

    let waste = a.waste_items(top);
    let _ = writeln!(o, "<h2>Waste (bytes hidden by a later layer): {}</h2>", size(a.totals.waste_bytes));
    if waste.is_empty() {
        let _ = writeln!(o, "<p>None: no layer overwrites or deletes what a lower layer wrote.</p>");
    } else {
        rows_table(
            &mut o,
            &["path", "size", "layer", "hidden by"],
            waste.into_iter().map(|w| {
                let by = fmt::hidden_by(&w);
                vec![w.path, size(w.size), w.layer.to_string(), by]
            }),
        );
    }

    let _ = writeln!(
        o,
        "<h2>Duplicates (identical content at several paths): {}</h2>",
        size(a.totals.duplicate_bytes)
    );
    if a.duplicates.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    } else {
        rows_table(
            &mut o,
            &["paths", "wasted", "copies", "each"],
            a.duplicates.iter().take(top).map(|g| {
                let paths = a.group_paths(g);
                let shown = if paths.len() > 3 {
                    format!("{} and {} more", paths[..3].join(", "), paths.len() - 3)
                } else {
                    paths.join(", ")
                };
                vec![shown, size(g.wasted), count(g.count as u64), size(g.size)]
            }),
        );
    }
    page(&format!("weigh inspect {}", a.image.id.reference), &o, &charts)
}
