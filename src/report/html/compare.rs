//! `weigh compare --format html`.

use std::fmt::Write as _;

use super::{Bar, Charts, bars_svg, page, tree, treemap_svg};
use crate::analysis::Analysis;
use crate::compare::{Comparison, Delta};
use crate::report::fmt::{self, headline, signed, size};

fn table(o: &mut String, rows: &[Delta], first: &str, skip_zero: bool) {
    let _ = writeln!(
        o,
        "<table><thead><tr><th>{first}</th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>"
    );
    for d in fmt::delta_rows(rows, skip_zero) {
        let class = if d.delta < 0 {
            "down"
        } else if d.delta > 0 {
            "up"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td></tr>",
            fmt::html(&d.name),
            size(d.before),
            size(d.after),
            signed(d.delta)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// `weigh compare --format html`.
pub fn compare(c: &Comparison, before: &Analysis, after: &Analysis) -> String {
    let bigger = if after.totals.content_bytes > before.totals.content_bytes { after } else { before };
    let tree_image = if std::ptr::eq(bigger, after) { "after" } else { "before" };
    let charts = Charts {
        categories: crate::classify::Category::names(),
        bars: vec![Bar::image("before", before), Bar::image("after", after)],
        tree: tree(bigger),
    };
    let mut o = String::new();
    let _ = writeln!(o, "<h1>weigh compare: {}</h1>", fmt::html(&headline(c)));
    let _ = writeln!(
        o,
        "<table><thead><tr><th>image</th><th>size</th><th>compressed</th><th>files</th><th>layers</th></tr></thead><tbody>"
    );
    for (label, s) in [("before", &c.before), ("after", &c.after)] {
        let [bytes, compressed, files, layers] = fmt::side_cells(s);
        let _ = writeln!(
            o,
            "<tr><td>{label}: {}</td><td>{bytes}</td><td>{compressed}</td><td>{files}</td><td>{layers}</td></tr>",
            fmt::html(&s.reference),
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let _ = writeln!(o, "<p>{}</p>", fmt::shared_base(&c.base));
    let _ = writeln!(o, "<h2>Bytes by category</h2>");
    bars_svg(&mut o, "bytes by category");
    table(&mut o, &c.categories, "category", true);
    let _ = writeln!(o, "<h2>The {tree_image} image, by directory, coloured by category</h2>");
    treemap_svg(&mut o);
    let _ = writeln!(o, "<h2>Leaks in after</h2>");
    if c.leaks.is_empty() {
        let _ = writeln!(
            o,
            "<p>None: after carries no dev-dependencies, toolchain, sources, caches or vcs data.</p>"
        );
    } else {
        let _ = writeln!(o, "<table><thead><tr><th>category / what</th><th>size</th></tr></thead><tbody>");
        for l in &c.leaks {
            let _ = writeln!(o, "<tr><td><b>{}</b></td><td>{}</td></tr>", l.category, size(l.bytes));
            for x in &l.top {
                let _ = writeln!(
                    o,
                    "<tr><td>&nbsp;&nbsp;{}</td><td>{}</td></tr>",
                    fmt::html(&x.name),
                    size(x.bytes)
                );
            }
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let _ = writeln!(o, "<h2>Recommendations for after</h2>");
    if c.recommendations.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    } else {
        let _ = writeln!(o, "<ol>");
        for r in &c.recommendations {
            let saves =
                if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
            let (title, evidence) = fmt::recommendation(r);
            let _ =
                writeln!(o, "<li><b>{}</b> ({saves})<br>{}</li>", fmt::html(&title), fmt::html(&evidence));
        }
        let _ = writeln!(o, "</ol>");
    }
    let _ = writeln!(o, "<h2>By stage</h2>");
    table(&mut o, &c.stages, "stage", false);
    let _ = writeln!(
        o,
        "<h2>By package (largest changes)</h2><table><thead><tr><th>package</th><th>change</th><th>before</th><th>after</th><th>size change</th></tr></thead><tbody>"
    );
    for p in c.packages.iter().take(40) {
        let _ = writeln!(
            o,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.ecosystem.name(),
            fmt::html(&p.name),
            p.change,
            fmt::html(p.before_version.as_deref().unwrap_or("")),
            fmt::html(p.after_version.as_deref().unwrap_or("")),
            signed(p.delta)
        );
    }
    let _ = writeln!(o, "</tbody></table>\n<h2>By directory</h2>");
    table(&mut o, &c.directories, "path", false);
    page("weigh compare", &o, &charts)
}
