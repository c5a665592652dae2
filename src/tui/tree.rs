//! The file tree pane: collapsible directories with sizes, the selected layer's change
//! markers, category colours. Only the rows on screen are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::model::{Model, Pane, Sort};
use super::{category_color, focus_style};
use crate::index::Change;
use crate::report::size;

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    let mut title = format!(" Files · sorted by {} ", if m.sort == Sort::Size { "size" } else { "name" });
    if let Some(c) = m.category {
        title.push_str(&format!("· {c} "));
    }
    if m.changed_only {
        if m.cmp.is_some() {
            title.push_str("· changed ");
        } else {
            title.push_str(&format!("· changed in layer {} ", m.layer));
        }
    }
    if !m.filter.is_empty() {
        title.push_str(&format!("· /{} ", m.filter));
    }
    if let Some(e) = &m.filter_error {
        title.push_str(&format!("· {e} "));
    }
    if m.cmp.is_some() {
        title = format!(" Changes{}", &title[" Files".len()..]);
    }
    let block =
        Block::default().borders(Borders::ALL).border_style(focus_style(m.focus == Pane::Tree)).title(title);
    let inner = block.inner(area);
    let height = inner.height as usize;
    let width = inner.width as usize;
    let mut lines = Vec::with_capacity(height);
    for (i, row) in m.rows.iter().enumerate().skip(m.scroll).take(height) {
        let n = row.node as usize;
        let dir = m.is_dir(row.node);
        let marker = match m.view_change[n] {
            Some(Change::Added) => Span::styled("+", Style::default().fg(ratatui::style::Color::Green)),
            Some(Change::Modified) => Span::styled("~", Style::default().fg(ratatui::style::Color::Yellow)),
            Some(Change::Deleted) => Span::styled("-", Style::default().fg(ratatui::style::Color::Red)),
            _ => Span::raw(" "),
        };
        // A finding names this path or something below it.
        let flag = match m.flagged.get(n).copied().flatten() {
            Some(s) => Span::styled(
                "!",
                Style::default().fg(super::findings::severity_color(s)).add_modifier(Modifier::BOLD),
            ),
            None => Span::raw(" "),
        };
        let fold = if dir { if m.expanded.contains(&row.node) { "▾ " } else { "▸ " } } else { "  " };
        let name_style = match m.category_of(row.node) {
            Some(cat) if !dir => Style::default().fg(category_color(cat)),
            _ => Style::default().add_modifier(Modifier::BOLD),
        };
        let size_text = match m.view_before.get(n) {
            // Compare mode: the change, then what AFTER holds.
            Some(&before) => {
                let after = m.view_size[n];
                let delta = if after >= before {
                    format!("+{}", size(after - before))
                } else {
                    format!("-{}", size(before - after))
                };
                let delta = if after == before { "=".to_string() } else { delta };
                format!("{delta:>10} {:>9} ", size(after))
            }
            None => format!("{:>9} ", size(m.view_size[n])),
        };
        let indent = "  ".repeat(row.depth as usize);
        let mut name = format!("{indent}{fold}{}", m.name(row.node));
        let used = 2 + size_text.chars().count();
        let room = width.saturating_sub(used);
        if name.chars().count() > room {
            name = name.chars().take(room.saturating_sub(1)).collect::<String>() + "…";
        }
        let mut line = Line::from(vec![marker, flag, Span::raw(size_text), Span::styled(name, name_style)]);
        if i == m.selected {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    if m.rows.is_empty() {
        lines.push(Line::from("  nothing matches"));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
