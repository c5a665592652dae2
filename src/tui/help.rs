//! The help overlay: every key binding.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub const BINDINGS: &[(&str, &str)] = &[
    ("↑ ↓ / k j", "move in the focused pane"),
    ("PgUp PgDn", "a page up or down"),
    ("Home End / g G", "first or last"),
    ("Tab", "switch between the layers and the files"),
    ("Enter Space", "open or close the directory"),
    ("→ ← / l h", "open / close (← on a file: its directory)"),
    ("e / E", "open everything / close everything"),
    ("L", "jump to the largest file"),
    ("s", "sort by size or by name"),
    ("m", "layer view: the image up to the layer, or only its changes"),
    ("c", "filter by category (cycles through them)"),
    ("x", "only what the selected layer changed (compare: what differs)"),
    ("/", "filter paths: text, glob (* ? [), regex (re: or ^ $ | ( ) \\)"),
    ("Esc", "clear the filters; with none, quit"),
    ("?", "this help"),
    ("q", "quit"),
    ("mouse", "wheel scrolls, click selects, a second click opens"),
];

pub fn render(f: &mut Frame, area: Rect) {
    let w = 84.min(area.width);
    let h = (BINDINGS.len() as u16 + 4).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let text: Vec<String> = BINDINGS.iter().map(|(k, v)| format!(" {k:<16} {v}")).collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.join("\n"))
            .block(Block::default().borders(Borders::ALL).title(" Keys (any key closes) ")),
        r,
    );
}
