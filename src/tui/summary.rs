//! The summary pane: totals, waste and efficiency, and bytes by category as bars.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::category_color;
use super::model::Model;
use crate::report::{count, percent, size};

/// Compare mode: both totals and the change by category, bars scaled to the largest change.
fn render_compare(f: &mut Frame, area: Rect, c: &crate::compare::Comparison) {
    let block = Block::default().borders(Borders::ALL).title(" Before → after ");
    let inner_w = block.inner(area).width as usize;
    let signed =
        |d: i64| if d < 0 { format!("-{}", size(d.unsigned_abs())) } else { format!("+{}", size(d as u64)) };
    let mut lines = vec![Line::from(format!(
        "{} → {} ({}, {}) · {} → {} files",
        size(c.total.before),
        size(c.total.after),
        signed(c.total.delta),
        percent_change(c.total.before, c.total.after),
        count(c.before.files),
        count(c.after.files),
    ))];
    let max = c.categories.iter().map(|d| d.delta.unsigned_abs()).max().unwrap_or(1).max(1);
    let bar_w = inner_w.saturating_sub(28).max(4);
    for d in c.categories.iter().filter(|d| d.delta != 0) {
        let cat = crate::classify::Category::parse(&d.name).unwrap_or(crate::classify::Category::Other);
        let cells = ((d.delta.unsigned_abs() as f64 / max as f64) * bar_w as f64).ceil() as usize;
        let glyph = if d.delta < 0 { "░" } else { "█" };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<16} {:>10} ", d.name, signed(d.delta))),
            Span::styled(glyph.repeat(cells.max(1)), Style::default().fg(category_color(cat))),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn percent_change(before: u64, after: u64) -> String {
    if before == 0 {
        return "new".into();
    }
    format!("{:+.1} %", (after as f64 - before as f64) / before as f64 * 100.0)
}

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    if let Some(c) = &m.cmp {
        render_compare(f, area, &c.c);
        return;
    }
    let t = &m.a.totals;
    let block = Block::default().borders(Borders::ALL).title(" Image ");
    let inner_w = block.inner(area).width as usize;
    let mut lines = vec![
        Line::from(format!("{} · {} files · {} layers", size(t.content_bytes), count(t.files), t.layers)),
        Line::from(format!("waste {} · efficiency {}", size(t.waste_bytes), percent(t.efficiency))),
    ];
    let mut cats = m.a.categories();
    cats.sort_by_key(|c| std::cmp::Reverse(c.bytes));
    let max = cats.first().map(|c| c.bytes).unwrap_or(1).max(1);
    let bar_w = inner_w.saturating_sub(28).max(4);
    for c in cats.iter().filter(|c| c.bytes > 0) {
        let cells = ((c.bytes as f64 / max as f64) * bar_w as f64).ceil() as usize;
        lines.push(Line::from(vec![
            Span::raw(format!("{:<16} {:>9} ", c.category.name(), size(c.bytes))),
            Span::styled("█".repeat(cells.max(1)), Style::default().fg(category_color(c.category))),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
