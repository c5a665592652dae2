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
    let mode = match (m.layer_mode, m.cmp.is_some()) {
        (LayerMode::UpTo, false) => "showing image up to the layer",
        (LayerMode::Changes, false) => "showing the layer's changes",
        (LayerMode::UpTo, true) => "before, then after · = shared base",
        (LayerMode::Changes, true) => "showing what the layer wrote · = shared base",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(focus_style(m.focus == Pane::Layers))
        .title(format!(" Layers · {mode} "));
    // Compare mode lists BEFORE's layers then AFTER's, each marked with its image and
    // whether the other image has the same layer.
    let mut listed: Vec<(&crate::analysis::LayerInfo, String)> = Vec::new();
    match &m.cmp {
        Some(c) => {
            for (l, row) in c.before.layers.iter().zip(&c.c.layers_before) {
                listed.push((l, format!("{}b{}", if row.shared { "=" } else { " " }, l.index)));
            }
            for (l, row) in m.a.layers.iter().zip(&c.c.layers_after) {
                listed.push((l, format!("{}a{}", if row.shared { "=" } else { " " }, l.index)));
            }
        }
        None => listed.extend(m.a.layers.iter().map(|l| (l, l.index.to_string()))),
    }
    let rows = listed.iter().enumerate().map(|(i, (l, label))| {
        let cmd = l
            .history
            .created_by
            .as_deref()
            .map(|c| crate::report::fmt::short_command(c, 200))
            .unwrap_or_default();
        Row::new(vec![
            Cell::from(label.clone()),
            Cell::from(size(l.size)),
            Cell::from(l.compressed_size.map(size).unwrap_or_else(|| "-".into())),
            Cell::from(l.stage_label().to_string()),
            Cell::from(category_bar(m, i, 6)),
            Cell::from(cmd),
        ])
    });
    let label_w = if m.cmp.is_some() { 4 } else { 3 };
    let table = Table::new(
        rows,
        [
            Constraint::Length(label_w),
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
    let mut state = TableState::default().with_offset(offset(m, area)).with_selected(Some(m.layer));
    f.render_stateful_widget(table, area, &mut state);
}

/// The first layer row on screen: the table scrolls just enough to show the selected layer.
/// Set explicitly so a click maps to the row it lands on.
pub fn offset(m: &Model, area: Rect) -> usize {
    let rows = area.height.saturating_sub(3).max(1) as usize;
    (m.layer + 1).saturating_sub(rows)
}
