//! The terminal report of `weigh inspect`.

use std::fmt::Write as _;

use super::table::{Align, Table};
use super::{count, opt_size, percent, size};
use crate::analysis::Analysis;
use crate::attribute::short_command;
use crate::index::HiddenHow;
use crate::source::{Compression, Transport};

pub fn render(a: &Analysis, top: usize) -> String {
    let mut o = String::new();
    let img = &a.image.id;
    let t = &a.totals;
    let _ = writeln!(o, "{}", img.reference);
    let field = |o: &mut String, k: &str, v: String| {
        let _ = writeln!(o, "  {k:<11}{v}");
    };
    if let Some(name) = &img.name {
        field(&mut o, "name", name.clone());
    }
    if let Some(d) = &img.digest {
        let what = if img.transport == Transport::DockerArchive { "image ID" } else { "manifest" };
        field(&mut o, "digest", format!("{d} ({what})"));
    }
    let mut platform = img.platform.to_string();
    if img.available_platforms.len() > 1 {
        let others: Vec<String> = img.available_platforms.iter().map(ToString::to_string).collect();
        let _ = write!(platform, " (index has {})", others.join(", "));
    }
    field(&mut o, "platform", platform);
    if img.base_name.is_some() || img.base_digest.is_some() {
        let base: Vec<&str> =
            [img.base_name.as_deref(), img.base_digest.as_deref()].into_iter().flatten().collect();
        field(&mut o, "base", format!("{} (as the builder recorded it)", base.join(" ")));
    }
    if let Some(c) = &a.image.created {
        field(&mut o, "created", c.clone());
    }
    let compressed = match t.compressed_bytes {
        Some(c) => format!("{} compressed", size(c)),
        None => format!("compressed n/a: layers stored uncompressed ({} as stored)", size(t.blob_bytes)),
    };
    field(&mut o, "size", format!("{} uncompressed · {}", size(t.content_bytes), compressed));
    field(
        &mut o,
        "files",
        format!("{} in {} {}", count(t.files), t.layers, if t.layers == 1 { "layer" } else { "layers" }),
    );
    field(
        &mut o,
        "waste",
        format!(
            "{} hidden by later layers · efficiency {} ({} written in all)",
            size(t.waste_bytes),
            percent(t.efficiency),
            size(t.written_bytes)
        ),
    );
    field(
        &mut o,
        "duplicates",
        format!(
            "{} in {} groups of identical files",
            size(t.duplicate_bytes),
            count(t.duplicate_groups as u64)
        ),
    );

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
            match (&l.attribution.stage, l.attribution.base_image) {
                (_, true) => "base image".into(),
                (Some(s), _) => s.clone(),
                (None, false) => "-".into(),
            },
            cmd,
        ]);
    }
    o.push_str(&layers.render("  "));

    let total = t.content_bytes.max(1) as f64;
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
                p.name.clone(),
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
            let how = match w.how {
                HiddenHow::Deleted => "deleted in",
                HiddenHow::Overwritten => "overwritten in",
            };
            tb.row(vec![size(w.size), w.layer.to_string(), format!("{how} {}", w.hidden_by), w.path]);
        }
        o.push_str(&tb.render("  "));
    }

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
