//! `weigh compare A B C ... --format html`: one stacked bar per image, the tables of
//! `report::several`, and the treemap of the largest image.

use std::fmt::Write as _;

use super::{Bar, Charts, bars_svg, page, rows_table, tree, treemap_svg};
use crate::analysis::Analysis;
use crate::compare::several::Several;
use crate::report::fmt::{self, count, opt_size, short_command, size};

pub fn several(s: &Several, images: &[&Analysis]) -> String {
    let n = s.images.len();
    let Some(largest) = images.iter().copied().max_by_key(|a| a.totals.content_bytes) else {
        return String::new();
    };
    let charts = Charts {
        categories: crate::classify::Category::names(),
        bars: images.iter().enumerate().map(|(i, a)| Bar::image(&format!("{}", i + 1), a)).collect(),
        tree: tree(largest),
    };
    let mut o = String::new();
    let _ = writeln!(o, "<h1>weigh compare: {}</h1>", fmt::html(&crate::report::several::headline(s)));
    rows_table(
        &mut o,
        &["#", "image", "size", "compressed", "files", "layers", "in all", "in some", "own"],
        s.images.iter().enumerate().map(|(i, m)| {
            vec![
                (i + 1).to_string(),
                m.side.reference.clone(),
                size(m.side.content_bytes),
                opt_size(m.side.compressed_bytes),
                count(m.side.files),
                m.side.layers.to_string(),
                size(m.in_shared),
                size(m.in_some),
                size(m.own),
            ]
        }),
    );
    let _ = writeln!(o, "<h2>Bytes by category, one bar per image</h2>");
    bars_svg(&mut o, "bytes by category per image");
    let numbers: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let mut head: Vec<&str> = vec!["category"];
    head.extend(numbers.iter().map(String::as_str));
    let _ = writeln!(o, "<h2>What each image adds beyond the layers all of them have</h2>");
    let mut cats: Vec<crate::classify::Category> = Vec::new();
    for m in &s.images {
        for c in &m.adds {
            if !cats.contains(&c.category) {
                cats.push(c.category);
            }
        }
    }
    let added = |m: &crate::compare::several::Member, c| {
        m.adds.iter().find(|x| x.category == c).map_or(0, |x| x.bytes)
    };
    let mut rows: Vec<Vec<String>> = cats
        .iter()
        .map(|&c| {
            let mut r = vec![c.to_string()];
            r.extend(s.images.iter().map(|m| size(added(m, c))));
            r
        })
        .collect();
    let mut total = vec!["total".to_string()];
    total.extend(s.images.iter().map(|m| size(m.in_some + m.own)));
    rows.push(total);
    rows_table(&mut o, &head, rows);
    let _ = writeln!(o, "<h2>Layers by diff_id</h2>");
    let mut head: Vec<&str> = vec!["size", "stage", "made by"];
    head.extend(numbers.iter().map(String::as_str));
    rows_table(
        &mut o,
        &head,
        s.layers.iter().map(|l| {
            let mut r = vec![size(l.size), l.stage.clone(), short_command(&l.command, 72)];
            r.extend((0..n).map(|i| if l.images.contains(&i) { "✓".to_string() } else { String::new() }));
            r
        }),
    );
    let _ = writeln!(
        o,
        "<h2>The largest image ({}), by directory, coloured by category</h2>",
        fmt::html(&largest.image.id.reference)
    );
    treemap_svg(&mut o);
    page("weigh compare", &o, &charts)
}
