//! `weigh compare A B C ...` in text and Markdown: the images, the layers they share, what
//! each adds by category, their stages. The numbers are `compare::several`'s.

use std::fmt::Write as _;

use super::fmt::{count, md_cell, md_code, opt_size, printable, short_command, size};
use super::table::{Align, Table};
use crate::classify::Category;
use crate::compare::several::{CategoryBytes, Member, Several};

/// The one-line summary both formats open with.
pub fn headline(s: &Several) -> String {
    let stages = match s.shared_stages.as_slice() {
        [] => String::new(),
        st => format!(" (stages {})", st.join(", ")),
    };
    format!(
        "{} images; {} {} ({}) in all of them{stages}",
        s.images.len(),
        s.shared_layers,
        if s.shared_layers == 1 { "layer" } else { "layers" },
        size(s.shared_bytes)
    )
}

/// The categories any image adds, in the order of the most bytes added by any image.
fn add_categories(s: &Several) -> Vec<Category> {
    let mut best: Vec<(Category, u64)> = Vec::new();
    for m in &s.images {
        for c in &m.adds {
            match best.iter_mut().find(|b| b.0 == c.category) {
                Some(b) => b.1 = b.1.max(c.bytes),
                None => best.push((c.category, c.bytes)),
            }
        }
    }
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    best.into_iter().map(|b| b.0).collect()
}

fn bytes_of(rows: &[CategoryBytes], c: Category) -> u64 {
    rows.iter().find(|r| r.category == c).map_or(0, |r| r.bytes)
}

/// Stage names across the images, in the order they first appear.
fn stage_names(s: &Several) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for m in &s.images {
        for st in &m.stages {
            if !names.contains(&st.stage) {
                names.push(st.stage.clone());
            }
        }
    }
    names
}

fn stage_cell(m: &Member, name: &str) -> String {
    match m.stages.iter().find(|s| s.stage == name) {
        Some(s) if s.shared => format!("{} (shared)", size(s.bytes)),
        Some(s) => size(s.bytes),
        None => "-".into(),
    }
}

fn table(head: &[(String, Align)]) -> Table {
    Table::new(&head.iter().map(|(h, a)| (h.as_str(), *a)).collect::<Vec<_>>())
}

fn marks(images: &[usize], n: usize, yes: &str, no: &str) -> Vec<String> {
    (0..n).map(|i| if images.contains(&i) { yes.to_string() } else { no.to_string() }).collect()
}

pub fn text(s: &Several) -> String {
    let n = s.images.len();
    let mut o = String::new();
    let _ = writeln!(o, "weigh compare: {}\n", printable(&headline(s)));
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("IMAGE", Align::Left),
        ("SIZE", Align::Right),
        ("COMPRESSED", Align::Right),
        ("FILES", Align::Right),
        ("LAYERS", Align::Right),
        ("IN ALL", Align::Right),
        ("IN SOME", Align::Right),
        ("OWN", Align::Right),
    ]);
    for (i, m) in s.images.iter().enumerate() {
        t.row(vec![
            (i + 1).to_string(),
            printable(&m.side.reference),
            size(m.side.content_bytes),
            opt_size(m.side.compressed_bytes),
            count(m.side.files),
            m.side.layers.to_string(),
            size(m.in_shared),
            size(m.in_some),
            size(m.own),
        ]);
    }
    o.push_str(&t.render("  "));

    let _ = writeln!(o, "\nLayers by diff_id (x: the image has it)");
    let mut head: Vec<(String, Align)> =
        vec![("SIZE".into(), Align::Right), ("STAGE".into(), Align::Left), ("MADE BY".into(), Align::Left)];
    head.extend((1..=n).map(|i| (i.to_string(), Align::Left)));
    let mut t = table(&head);
    for l in &s.layers {
        let mut row = vec![size(l.size), printable(&l.stage), printable(&short_command(&l.command, 56))];
        row.extend(marks(&l.images, n, "x", "."));
        t.row(row);
    }
    o.push_str(&t.render("  "));

    let cats = add_categories(s);
    let _ = writeln!(o, "\nWhat each image adds beyond the layers all of them have, by category");
    let mut head: Vec<(String, Align)> = vec![("CATEGORY".into(), Align::Left)];
    head.extend((1..=n).map(|i| (i.to_string(), Align::Right)));
    let mut t = table(&head);
    for &c in &cats {
        let mut row = vec![c.to_string()];
        row.extend(s.images.iter().map(|m| size(bytes_of(&m.adds, c))));
        t.row(row);
    }
    let mut total = vec!["total".to_string()];
    total.extend(s.images.iter().map(|m| size(m.in_some + m.own)));
    t.row(total);
    o.push_str(&t.render("  "));

    let _ = writeln!(o, "\nBy stage (shared: every image has all its layers)");
    let mut head: Vec<(String, Align)> = vec![("STAGE".into(), Align::Left)];
    head.extend((1..=n).map(|i| (i.to_string(), Align::Right)));
    let mut t = table(&head);
    for name in stage_names(s) {
        let mut row = vec![printable(&name)];
        row.extend(s.images.iter().map(|m| stage_cell(m, &name)));
        t.row(row);
    }
    o.push_str(&t.render("  "));
    o
}

pub fn markdown(s: &Several) -> String {
    let n = s.images.len();
    let mut o = String::new();
    let _ = writeln!(o, "### weigh compare: {}\n", md_cell(&headline(s)));
    let _ = writeln!(
        o,
        "| # | image | size | compressed | files | layers | in all | in some | own |\n|--:|---|--:|--:|--:|--:|--:|--:|--:|"
    );
    for (i, m) in s.images.iter().enumerate() {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            md_code(&m.side.reference),
            size(m.side.content_bytes),
            opt_size(m.side.compressed_bytes),
            count(m.side.files),
            m.side.layers,
            size(m.in_shared),
            size(m.in_some),
            size(m.own)
        );
    }
    let cols: String = (1..=n).map(|i| format!(" {i} |")).collect();
    let align: String = (0..n).map(|_| "--:|").collect();
    let _ = writeln!(o, "\n**What each image adds** beyond the layers all of them have\n");
    let _ = writeln!(o, "| category |{cols}\n|---|{align}");
    for c in add_categories(s) {
        let cells: String = s.images.iter().map(|m| format!(" {} |", size(bytes_of(&m.adds, c)))).collect();
        let _ = writeln!(o, "| {c} |{cells}");
    }
    let totals: String = s.images.iter().map(|m| format!(" **{}** |", size(m.in_some + m.own))).collect();
    let _ = writeln!(o, "| **total** |{totals}");
    let _ = writeln!(o, "\n<details><summary>Layers ({} distinct)</summary>\n", s.layers.len());
    let centre: String = (0..n).map(|_| ":-:|").collect();
    let _ = writeln!(o, "| size | stage | made by |{cols}\n|--:|---|---|{centre}");
    for l in &s.layers {
        let m: String = marks(&l.images, n, "✓", "").iter().map(|m| format!(" {m} |")).collect();
        let _ = writeln!(
            o,
            "| {} | {} | `{}` |{m}",
            size(l.size),
            md_cell(&l.stage),
            md_code(&short_command(&l.command, 56))
        );
    }
    let _ = writeln!(o, "\n</details>\n\n<details><summary>By stage</summary>\n");
    let _ = writeln!(o, "| stage |{cols}\n|---|{align}");
    for name in stage_names(s) {
        let cells: String = s.images.iter().map(|m| format!(" {} |", stage_cell(m, &name))).collect();
        let _ = writeln!(o, "| {} |{cells}", md_cell(&name));
    }
    let _ = writeln!(o, "\n</details>");
    o
}
