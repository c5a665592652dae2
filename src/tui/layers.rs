//! The layers pane: index, size, compressed size, stage, command, and a bar of the layer's
//! categories.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::model::{LayerMode, Model, Pane};
use super::{category_color, focus_style};
use crate::classify::Category;
use crate::report::size;

/// A few cells showing how the layer's surviving bytes split by category.
fn category_bar(m: &Model, layer: usize, width: usize) -> Line<'static> {
    let by = &m.layer_categories[layer];
    let total: u64 = by.iter().sum();
    if total == 0 {
        return Line::from(" ".repeat(width));
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, b) in by.iter().enumerate() {
        let cells = ((*b as f64 / total as f64) * width as f64).round() as usize;
        let cells = cells.min(width - used);
        if cells > 0 {
            spans
                .push(Span::styled("█".repeat(cells), Style::default().fg(category_color(Category::ALL[i]))));
            used += cells;
        }
    }
    if used < width {
        spans.push(Span::raw(" ".repeat(width - used)));
    }
    Line::from(spans)
}

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    let mode = match m.layer_mode {
        LayerMode::UpTo => "image up to the layer",
        LayerMode::Changes => "the layer's changes",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(focus_style(m.focus == Pane::Layers))
        .title(format!(" Layers · showing {mode} "));
    let rows = m.a.layers.iter().map(|l| {
        let cmd = l
            .history
            .created_by
            .as_deref()
            .map(|c| crate::attribute::short_command(c, 200))
            .unwrap_or_default();
        Row::new(vec![
            Cell::from(l.index.to_string()),
            Cell::from(size(l.size)),
            Cell::from(l.compressed_size.map(size).unwrap_or_else(|| "-".into())),
            Cell::from(l.stage_label().to_string()),
            Cell::from(category_bar(m, l.index, 6)),
            Cell::from(cmd),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(3),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(12),
            Constraint::Length(6),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(["#", "SIZE", "COMPR", "STAGE", "KINDS", "COMMAND"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
    .block(block);
    let mut state = TableState::default().with_selected(Some(m.layer));
    f.render_stateful_widget(table, area, &mut state);
}
