//! The help overlay: every key binding.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::model::Msg;

/// A line of the help: the keys as shown, what they do, and each key with the message
/// `key_msg` must turn it into (checked by a test, so the help cannot drift from the keys).
pub struct Binding {
    pub label: &'static str,
    pub what: &'static str,
    pub keys: &'static [(KeyCode, Msg)],
}

const fn b(label: &'static str, what: &'static str, keys: &'static [(KeyCode, Msg)]) -> Binding {
    Binding { label, what, keys }
}

pub const BINDINGS: &[Binding] = &[
    b(
        "↑ ↓ / k j",
        "move in the focused pane",
        &[
            (KeyCode::Up, Msg::Up),
            (KeyCode::Down, Msg::Down),
            (KeyCode::Char('k'), Msg::Up),
            (KeyCode::Char('j'), Msg::Down),
        ],
    ),
    b(
        "PgUp PgDn",
        "a page up or down",
        &[(KeyCode::PageUp, Msg::PageUp), (KeyCode::PageDown, Msg::PageDown)],
    ),
    b(
        "Home End / g G",
        "first or last",
        &[
            (KeyCode::Home, Msg::Home),
            (KeyCode::End, Msg::End),
            (KeyCode::Char('g'), Msg::Home),
            (KeyCode::Char('G'), Msg::End),
        ],
    ),
    b("Tab", "switch between the layers and the files", &[(KeyCode::Tab, Msg::NextPane)]),
    b(
        "Enter Space",
        "open or close the directory",
        &[(KeyCode::Enter, Msg::Toggle), (KeyCode::Char(' '), Msg::Toggle)],
    ),
    b(
        "→ ← / l h",
        "open / close (← on a file: its directory)",
        &[
            (KeyCode::Right, Msg::Expand),
            (KeyCode::Left, Msg::Collapse),
            (KeyCode::Char('l'), Msg::Expand),
            (KeyCode::Char('h'), Msg::Collapse),
        ],
    ),
    b(
        "e / E",
        "open everything / close everything",
        &[(KeyCode::Char('e'), Msg::ExpandAll), (KeyCode::Char('E'), Msg::CollapseAll)],
    ),
    b("L", "jump to the largest file", &[(KeyCode::Char('L'), Msg::Largest)]),
    b("s", "sort by size or by name", &[(KeyCode::Char('s'), Msg::ToggleSort)]),
    b(
        "m",
        "layer view: the image up to the layer, or only its changes",
        &[(KeyCode::Char('m'), Msg::ToggleLayerMode)],
    ),
    b("c", "filter by category (cycles through them)", &[(KeyCode::Char('c'), Msg::CycleCategory)]),
    b(
        "x",
        "only what the selected layer changed (compare: what differs)",
        &[(KeyCode::Char('x'), Msg::ToggleChangedOnly)],
    ),
    b(
        "/",
        "filter paths: text, glob (* ? [), regex (re: or ^ $ | ( ) \\)",
        &[(KeyCode::Char('/'), Msg::StartFilter)],
    ),
    b(
        "f",
        "findings: what will break or leak (Enter goes to the file)",
        &[(KeyCode::Char('f'), Msg::Findings)],
    ),
    b("Esc", "clear the filters; with none, quit", &[(KeyCode::Esc, Msg::Escape)]),
    b("?", "this help", &[(KeyCode::Char('?'), Msg::Help)]),
    b("q", "quit", &[(KeyCode::Char('q'), Msg::Quit)]),
    // Mouse events go through `mouse_msg`, tested on their own.
    b("mouse", "wheel scrolls, click selects, a second click opens", &[]),
];

pub fn render(f: &mut Frame, area: Rect) {
    let w = 84.min(area.width);
    let h = (BINDINGS.len() as u16 + 4).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let text: Vec<String> = BINDINGS.iter().map(|b| format!(" {:<16} {}", b.label, b.what)).collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.join("\n"))
            .block(Block::default().borders(Borders::ALL).title(" Keys (any key closes) ")),
        r,
    );
}
