//! The summary pane: totals, waste and efficiency, and bytes by category as bars.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::category_color;
use super::model::Model;
use crate::report::{count, percent, size};

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
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
