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

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    let block = Block::default().borders(Borders::ALL).title(" Details ");
    let Some(node) = m.selected_node() else {
        f.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let ix = &m.a.index;
    let n = node as usize;
    let key = |k: &str| Span::styled(format!("{k:<9}"), Style::default().add_modifier(Modifier::BOLD));
    let mut lines = vec![Line::from(vec![key("path"), Span::raw(ix.paths.path(node))])];
    lines.push(Line::from(vec![key("size"), Span::raw(size(m.view_size[n]))]));
    let e = ix.current[n];
    if m.is_dir(node) {
        lines.push(Line::from(vec![key("files"), Span::raw(count(ix.node_files[n] as u64))]));
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
                Span::raw(format!("{} {} {}", p.ecosystem.name(), p.name, p.version)),
            ]));
        }
        match entry.kind {
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
