//! The details pane: what the selected file or directory is, and why.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::category_color;
use super::model::Model;
use crate::index::{Kind, NONE};
use crate::report::{count, size};

fn key(k: &str) -> Span<'static> {
    Span::styled(format!("{k:<9}"), Style::default().add_modifier(Modifier::BOLD))
}

/// One image's side of a path: its size, the layer that wrote it, its category and package.
fn side_line(
    label: &str,
    a: &crate::analysis::Analysis,
    node: Option<crate::index::NodeId>,
) -> Line<'static> {
    let Some(node) = node else {
        return Line::from(vec![key(label), Span::raw("absent")]);
    };
    let ix = &a.index;
    let mut text = size(ix.node_size(node));
    let e = ix.current[node as usize];
    let mut spans = vec![key(label)];
    if e != NONE && ix.entries[e as usize].kind() != Kind::Dir {
        let layer = &a.layers[ix.entries[e as usize].layer as usize];
        let (cat, _, pkg) = a.classes.of(node);
        text.push_str(&format!(
            " · layer {} {} ({}) · ",
            layer.index,
            layer.attribution.instruction.as_deref().unwrap_or("?"),
            layer.stage_label()
        ));
        spans.push(Span::raw(text));
        spans.push(Span::styled(cat.to_string(), Style::default().fg(category_color(cat))));
        if let Some(p) = pkg {
            spans.push(Span::raw(format!(" · {} {}", p.label(), p.version)));
        }
    } else {
        text.push_str(&format!(" · {} files", count(ix.node_files(node) as u64)));
        spans.push(Span::raw(text));
    }
    Line::from(spans)
}

fn render_compare(
    f: &mut Frame,
    area: Rect,
    block: Block,
    m: &Model,
    c: &crate::tui::model::Cmp,
    node: crate::index::NodeId,
) {
    let (b, x) = (c.tree.before(node), c.tree.after(node, &m.a));
    let (before, after) = (m.view_before[node as usize], m.view_size[node as usize]);
    let change = match (b, x) {
        (None, Some(_)) => "only in after".to_string(),
        (Some(_), None) => "only in before".to_string(),
        _ if after == before => "same size".to_string(),
        _ if after > before => format!("grew by {}", size(after - before)),
        _ => format!("shrank by {}", size(before - after)),
    };
    let filtered = m.category.is_some() || !m.filter.is_empty() || m.changed_only;
    let change = if filtered && m.is_dir(node) { format!("{change} (in what is shown)") } else { change };
    let mut lines = vec![
        Line::from(vec![key("path"), Span::raw(m.path(node))]),
        Line::from(vec![key("change"), Span::raw(change)]),
        side_line("before", &c.before, b),
        side_line("after", &m.a, x),
    ];
    // Why: the category reason of the side that has the file (AFTER first).
    let why = match (x, b) {
        (Some(x), _) if m.a.index.is_file(x) => Some(m.a.classes.of(x).1.to_string()),
        (_, Some(b)) if c.before.index.is_file(b) => Some(c.before.classes.of(b).1.to_string()),
        _ => None,
    };
    if let Some(w) = why {
        lines.push(Line::from(vec![key("why"), Span::raw(w)]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    let block = Block::default().borders(Borders::ALL).title(" Details ");
    let Some(node) = m.selected_node() else {
        f.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    if let Some(c) = &m.cmp {
        render_compare(f, area, block, m, c, node);
        return;
    }
    let ix = &m.a.index;
    let n = node as usize;
    let mut lines = vec![Line::from(vec![key("path"), Span::raw(ix.paths.path(node))])];
    lines.push(Line::from(vec![key("size"), Span::raw(size(m.view_size[n]))]));
    let e = ix.current[n];
    if m.is_dir(node) {
        lines.push(Line::from(vec![key("files"), Span::raw(count(ix.node_files(node) as u64))]));
    } else if e != NONE {
        let entry = &ix.entries[e as usize];
        let layer = &m.a.layers[entry.layer as usize];
        let (cat, reason, pkg) = m.a.classes.of(node);
        lines.push(Line::from(vec![
            key("layer"),
            Span::raw(format!(
                "{} {} ({})",
                entry.layer,
                layer.attribution.instruction.as_deref().unwrap_or("?"),
                layer.stage_label()
            )),
        ]));
        lines.push(Line::from(vec![
            key("category"),
            Span::styled(cat.to_string(), Style::default().fg(category_color(cat))),
        ]));
        lines.push(Line::from(vec![key("why"), Span::raw(reason.to_string())]));
        if let Some(p) = pkg {
            lines.push(Line::from(vec![
                key("package"),
                Span::raw(format!("{} {} {}", p.ecosystem.name(), p.label(), p.version)),
            ]));
        }
        match entry.kind() {
            Kind::Symlink => {
                lines.push(Line::from(vec![
                    key("link to"),
                    Span::raw(ix.symlink_target(e).unwrap_or("?").to_string()),
                ]));
            }
            Kind::Hardlink if entry.link != NONE => {
                lines.push(Line::from(vec![key("link to"), Span::raw(ix.entry_path(entry.link))]));
            }
            _ => {}
        }
        for x in super::findings::naming(m, &ix.paths.path(node)) {
            lines.push(Line::from(vec![
                key("finding"),
                Span::styled(
                    format!("{} {}", x.severity.name(), x.id.name()),
                    Style::default().fg(super::findings::severity_color(x.severity)),
                ),
                Span::raw(format!(": {}", crate::report::fmt::finding(x).0)),
            ]));
        }
        if let Some(g) = m.a.duplicates.iter().find(|g| g.nodes.contains(&node)) {
            let others: Vec<String> =
                g.nodes.iter().filter(|&&x| x != node).take(3).map(|&x| ix.paths.path(x)).collect();
            lines.push(Line::from(vec![
                key("copies"),
                Span::raw(format!("{} identical: {}", g.count - 1, others.join(", "))),
            ]));
        }
    } else {
        lines.push(Line::from(vec![
            key("state"),
            Span::raw("not in the final image (deleted by a later layer)"),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}
