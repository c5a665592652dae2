//! Findings in the TUI: a `!` on every path a finding names (and the directories above it,
//! so a collapsed tree still shows where to look), the findings of the selected file in the
//! details, and an overlay (`f`) listing them all, where Enter opens the tree at the first
//! path of the one selected. In compare mode these are AFTER's findings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::model::{Model, Msg};
use crate::findings::{Finding, Severity};
use crate::index::{NodeId, ROOT};
use crate::report::size;

pub fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Blue,
    }
}

/// The node of the explored tree at `path`, found by walking the names from the root.
pub fn node_at(m: &Model, path: &str) -> Option<NodeId> {
    let mut node = ROOT;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        node = m.children(node).into_iter().find(|&c| m.name(c) == part)?;
    }
    (node != ROOT).then_some(node)
}

/// Per node of the tree: the most severe finding naming it or something below it.
pub fn flags(m: &Model) -> Vec<Option<Severity>> {
    let mut flags = vec![None; m.node_count()];
    for f in &m.a.findings {
        for p in &f.paths {
            let mut at = node_at(m, p);
            while let Some(n) = at.filter(|&n| n != ROOT) {
                let slot: &mut Option<Severity> = &mut flags[n as usize];
                // Severity orders most severe first.
                *slot = Some(slot.map_or(f.severity, |s| s.min(f.severity)));
                at = m.parent(n);
            }
        }
    }
    flags
}

/// The findings that name this path.
pub fn naming<'a>(m: &'a Model, path: &str) -> impl Iterator<Item = &'a Finding> + 'a {
    let path = path.to_string();
    m.a.findings.iter().filter(move |f| f.paths.contains(&path))
}

/// Keys while the overlay is open: move, Enter to go to the finding's first path, Esc or
/// `f` to close.
pub fn update(m: &mut Model, msg: Msg) {
    let Some(sel) = m.findings else { return };
    let last = m.a.findings.len().saturating_sub(1);
    match msg {
        Msg::Quit => m.quit = true,
        Msg::Resize(w, h) => m.size = (w, h),
        Msg::Up | Msg::ScrollUp => m.findings = Some(sel.saturating_sub(1)),
        Msg::Down | Msg::ScrollDown => m.findings = Some((sel + 1).min(last)),
        Msg::Home => m.findings = Some(0),
        Msg::End => m.findings = Some(last),
        Msg::Toggle | Msg::Expand => {
            m.findings = None;
            let first = m.a.findings.get(sel).and_then(|f| f.paths.first()).cloned();
            if let Some(n) = first.and_then(|p| node_at(m, &p)) {
                m.reveal(n);
            }
        }
        Msg::Findings | Msg::Escape | Msg::Help => m.findings = None,
        _ => {}
    }
}

pub fn render(f: &mut Frame, area: Rect, m: &Model) {
    let Some(sel) = m.findings else { return };
    let w = 100.min(area.width);
    let h = area.height.saturating_sub(4).max(3).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, r);
    // The list, one finding a line, above what the selected one says in full.
    let list_h = (m.a.findings.len().max(1) as u16 + 2).min(h / 2).max(3.min(h));
    let [list, more] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(r);
    let title = if m.cmp.is_some() { " Findings in after " } else { " Findings " };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!("{title}(↑↓ select · Enter go to the file · Esc close) "));
    let room = list.height.saturating_sub(2) as usize;
    let first = sel.saturating_sub(room.saturating_sub(1));
    let width = list.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if m.a.findings.is_empty() {
        lines.push(Line::from(" nothing will break or leak that weigh can see"));
    }
    for (i, x) in m.a.findings.iter().enumerate().skip(first).take(room) {
        let title = crate::report::fmt::finding(x).0;
        let text = format!("{:<26} {title}", x.id.name());
        let text: String = if text.chars().count() + 10 > width {
            text.chars().take(width.saturating_sub(11)).chain(['…']).collect()
        } else {
            text
        };
        let mut line = Line::from(vec![
            Span::styled(
                format!(" {:<8} ", x.severity.name()),
                Style::default().fg(severity_color(x.severity)).add_modifier(Modifier::BOLD),
            ),
            Span::raw(text),
        ]);
        if i == sel {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines).block(block), list);
    let Some(x) = m.a.findings.get(sel) else { return };
    let (title, detail) = crate::report::fmt::finding(x);
    let mut lines = vec![
        Line::from(Span::styled(title, Style::default().add_modifier(Modifier::BOLD))),
        Line::from(detail),
    ];
    if x.bytes > 0 {
        lines.push(Line::from(format!("{} in what it names", size(x.bytes))));
    }
    lines.push(Line::from(""));
    for p in &x.paths {
        lines.push(Line::from(p.clone()).style(Style::default().add_modifier(Modifier::DIM)));
    }
    if x.more > 0 {
        lines.push(Line::from(format!("and {} more", x.more)));
    }
    let block = Block::default().borders(Borders::ALL).title(format!(" {} ", x.id.name()));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), more);
}
