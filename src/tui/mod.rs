//! `weigh tui IMAGE`: explore one image. The Elm Architecture: a [`model::Model`],
//! [`model::Msg`]s made from keys and the mouse, [`model::update`], and [`view`], one file per
//! pane. Loading runs on another thread while a progress view is shown.

mod compute;
pub mod details;
mod filter;
pub mod findings;
pub mod help;
pub mod layers;
pub mod model;
pub mod summary;
pub mod tree;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers,
    MouseEvent, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

use crate::classify::Category;
use model::{Model, Msg, Pane};

pub fn category_color(c: Category) -> Color {
    match c {
        Category::DevDependencies => Color::Red,
        Category::Toolchain => Color::LightRed,
        Category::Source => Color::Yellow,
        Category::Cache => Color::Magenta,
        Category::Docs => Color::LightYellow,
        Category::Vcs => Color::LightMagenta,
        Category::Dependencies => Color::Blue,
        Category::App => Color::Green,
        Category::Runtime => Color::Cyan,
        Category::Os => Color::Gray,
        Category::Other => Color::DarkGray,
    }
}

fn focus_style(focused: bool) -> Style {
    if focused { Style::default().fg(Color::Cyan) } else { Style::default() }
}

/// Where the panes go for a terminal of this size.
pub struct Areas {
    pub layers: Rect,
    pub details: Rect,
    pub summary: Rect,
    pub tree: Rect,
    pub status: Rect,
}

pub fn areas(size: Rect, layer_count: usize) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(size);
    let [left, tree] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let layers_h = (layer_count as u16 + 3).min(left.height / 2).max(3);
    let [layers, details, summary] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(layers_h),
            Constraint::Min(3),
            Constraint::Length(7.min(left.height / 3).max(3)),
        ])
        .areas(left);
    Areas { layers, details, summary, tree, status }
}

pub fn view(f: &mut Frame, m: &Model) {
    let a = areas(f.area(), m.layer_count());
    layers::render(f, a.layers, m);
    details::render(f, a.details, m);
    summary::render(f, a.summary, m);
    tree::render(f, a.tree, m);
    let status = match &m.typing {
        Some(t) => Line::from(format!("filter: {t}▏ (Enter applies, Esc cancels)")),
        None => {
            let mut spans = Vec::new();
            if m.pending {
                spans.push(Span::styled(" updating…", Style::default().fg(Color::Yellow)));
            }
            spans.push(Span::raw(format!(
                " {}{} · Tab pane · Enter open · / filter · c category · x changed · m layer view · ? help · q quit",
                if m.cmp.is_some() { "compare · " } else { "" },
                if m.focus == Pane::Tree { "files" } else { "layers" }
            )));
            if let Some(worst) = m.a.findings.first() {
                let n = m.a.findings.len();
                spans.push(Span::styled(
                    format!(" · f {n} finding{}", if n == 1 { "" } else { "s" }),
                    Style::default().fg(findings::severity_color(worst.severity)),
                ));
            }
            Line::from(spans).style(Style::default().add_modifier(Modifier::DIM))
        }
    };
    f.render_widget(Paragraph::new(status), a.status);
    findings::render(f, f.area(), m);
    if m.help {
        help::render(f, f.area());
    }
}

/// What a key means; None for keys without a binding.
pub fn key_msg(k: KeyEvent, typing: bool) -> Option<Msg> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    if typing {
        return match k.code {
            KeyCode::Char(c) => Some(Msg::FilterChar(c)),
            KeyCode::Backspace => Some(Msg::FilterBackspace),
            KeyCode::Enter => Some(Msg::FilterDone),
            KeyCode::Esc => Some(Msg::FilterCancel),
            _ => None,
        };
    }
    Some(match k.code {
        KeyCode::Up | KeyCode::Char('k') => Msg::Up,
        KeyCode::Down | KeyCode::Char('j') => Msg::Down,
        KeyCode::PageUp => Msg::PageUp,
        KeyCode::PageDown => Msg::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Msg::Home,
        KeyCode::End | KeyCode::Char('G') => Msg::End,
        KeyCode::Tab | KeyCode::BackTab => Msg::NextPane,
        KeyCode::Enter | KeyCode::Char(' ') => Msg::Toggle,
        KeyCode::Right | KeyCode::Char('l') => Msg::Expand,
        KeyCode::Left | KeyCode::Char('h') => Msg::Collapse,
        KeyCode::Char('e') => Msg::ExpandAll,
        KeyCode::Char('E') => Msg::CollapseAll,
        KeyCode::Char('L') => Msg::Largest,
        KeyCode::Char('s') => Msg::ToggleSort,
        KeyCode::Char('m') => Msg::ToggleLayerMode,
        KeyCode::Char('c') => Msg::CycleCategory,
        KeyCode::Char('x') => Msg::ToggleChangedOnly,
        KeyCode::Char('/') => Msg::StartFilter,
        KeyCode::Char('?') => Msg::Help,
        KeyCode::Char('f') => Msg::Findings,
        KeyCode::Esc => Msg::Escape,
        KeyCode::Char('q') => Msg::Quit,
        _ => return None,
    })
}

/// What a mouse event means, given where the panes are for the model's terminal size.
pub fn mouse_msg(me: MouseEvent, m: &Model) -> Option<Msg> {
    let a = areas(Rect::new(0, 0, m.size.0, m.size.1), m.layer_count());
    // Inside the pane's border.
    let inside = |r: Rect| {
        me.column > r.x && me.column + 1 < r.x + r.width && me.row > r.y && me.row + 1 < r.y + r.height
    };
    match me.kind {
        MouseEventKind::ScrollUp => Some(Msg::ScrollUp),
        MouseEventKind::ScrollDown => Some(Msg::ScrollDown),
        MouseEventKind::Down(_) if inside(a.tree) => Some(Msg::ClickTree((me.row - a.tree.y - 1) as usize)),
        // The layers table has a header row under its border, and may be scrolled.
        MouseEventKind::Down(_) if inside(a.layers) && me.row > a.layers.y + 1 => {
            let row = (me.row - a.layers.y - 2) as usize;
            Some(Msg::ClickLayer(row + layers::offset(m, a.layers)))
        }
        _ => None,
    }
}

/// The loading screen: layers done so far.
fn loading_view(f: &mut Frame, reference: &str, done: usize, total: usize) {
    let area = f.area();
    let [_, mid, _] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Length(3), Constraint::Min(0)]).areas(area);
    let ratio = if total == 0 { 0.0 } else { done as f64 / total as f64 };
    f.render_widget(
        Gauge::default()
            .block(Block::default().borders(Borders::ALL).title(format!(" weigh: reading {reference} ")))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(if total == 0 { "opening".to_string() } else { format!("{done} of {total} layers") }),
        mid,
    );
}

/// Counts finished layers for the loading screen.
pub struct LayerCount {
    pub done: Arc<AtomicUsize>,
    pub total: Arc<AtomicUsize>,
}

impl crate::index::Progress for LayerCount {
    // Two images (compare mode) add up.
    fn layers(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }
    fn done(&self, _layer: usize) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs the TUI. `load` builds the model (one image, or two in compare mode) on a background
/// thread; it gets the layer counter to report progress through. The terminal is restored on every exit path,
/// panics included (ratatui's init installs the hook).
pub fn run<F>(reference: &str, load: F) -> anyhow::Result<()>
where
    F: FnOnce(&LayerCount) -> anyhow::Result<Model> + Send + 'static,
{
    let counter = LayerCount { done: Arc::new(AtomicUsize::new(0)), total: Arc::new(AtomicUsize::new(0)) };
    let progress = LayerCount { done: counter.done.clone(), total: counter.total.clone() };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(&progress));
    });
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    let result = (|| -> anyhow::Result<()> {
        // Loading: redraw a few times a second; q or Ctrl-C leaves.
        let mut m = loop {
            terminal.draw(|f| {
                loading_view(
                    f,
                    reference,
                    counter.done.load(Ordering::Relaxed),
                    counter.total.load(Ordering::Relaxed),
                )
            })?;
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => break r?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(e) => anyhow::bail!("loading stopped: {e}"),
            }
            if event::poll(Duration::ZERO)?
                && let Event::Key(k) = event::read()?
                && matches!(key_msg(k, false), Some(Msg::Quit) | Some(Msg::Escape))
            {
                return Ok(());
            }
        };
        let size = terminal.size()?;
        model::update(&mut m, Msg::Resize(size.width, size.height));
        m.background();
        let mut redraw = true;
        loop {
            if redraw {
                terminal.draw(|f| {
                    m.page = areas(f.area(), m.layer_count()).tree.height.saturating_sub(2) as usize;
                    view(f, &m)
                })?;
            }
            redraw = m.poll();
            if redraw {
                continue;
            }
            // While the worker computes a view, look for it between keys.
            let wait = if m.pending { Duration::from_millis(8) } else { Duration::from_secs(1) };
            if !event::poll(wait)? {
                continue;
            }
            let msg = match event::read()? {
                Event::Key(k) => key_msg(k, m.typing.is_some()),
                Event::Resize(w, h) => Some(Msg::Resize(w, h)),
                Event::Mouse(me) => mouse_msg(me, &m),
                _ => None,
            };
            if let Some(msg) = msg {
                model::update(&mut m, msg);
                redraw = true;
            }
            if m.quit {
                return Ok(());
            }
        }
    })();
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}
