//! Benchmark of the TUI on a large image (not a test): time to the first frame, time until
//! the image is loaded, and the time from a key's message to the redrawn frame, by kind of key.
//!
//!     cargo run --release --example synthetic -- synth1m
//!     cargo run --release --example tui_bench -- oci:synth1m
//!
//! Frames are drawn on ratatui's TestBackend (200x60), so terminal I/O is not measured.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use weigh::analysis::Analysis;
use weigh::index::NoProgress;
use weigh::tui::model::{Model, Msg, update};

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn load(reference: &str) -> Result<Analysis, Box<dyn std::error::Error>> {
    Ok(weigh::analyze(reference, &weigh::Options::default(), &NoProgress)?)
}

fn filter(text: &str) -> Vec<Msg> {
    let mut msgs = vec![Msg::StartFilter];
    msgs.extend(text.chars().map(Msg::FilterChar));
    msgs.push(Msg::FilterDone);
    msgs
}

/// Runs `msgs` `rounds` times, timing each message from its update to the redrawn frame, and
/// to the frame that shows the view the worker computed for it (the same when no view is
/// computed).
fn run(
    term: &mut Terminal<TestBackend>,
    m: &mut Model,
    name: &str,
    msgs: &[Msg],
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let (mut frame, mut ready) = (Vec::new(), Vec::new());
    let draw = |term: &mut Terminal<TestBackend>, m: &mut Model| {
        term.draw(|f| {
            m.page = weigh::tui::areas(f.area(), m.layer_count()).tree.height.saturating_sub(2) as usize;
            weigh::tui::view(f, m)
        })
        .map(|_| ())
    };
    for _ in 0..rounds {
        for msg in msgs {
            let t = Instant::now();
            update(m, msg.clone());
            draw(term, m)?;
            let drawn = t.elapsed();
            if m.pending {
                m.wait();
                draw(term, m)?;
            }
            // Typing a filter redraws the prompt only; the filter applies on Enter.
            if !matches!(msg, Msg::FilterChar(_) | Msg::StartFilter) {
                frame.push(drawn);
                ready.push(t.elapsed());
            }
        }
    }
    println!(
        "{name:<34} {:>5} keys  frame p50 {:>9.2?} p99 {:>9.2?}  view ready p50 {:>9.2?} p99 {:>9.2?}",
        frame.len(),
        pct(frame.clone(), 0.5),
        pct(frame, 0.99),
        pct(ready.clone(), 0.5),
        pct(ready, 0.99),
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reference = std::env::args().nth(1).ok_or("usage: tui_bench IMAGE")?;
    let t0 = Instant::now();
    let mut term = Terminal::new(TestBackend::new(200, 60))?;
    // The first frame is the loading screen, drawn before anything is read.
    term.draw(|f| f.render_widget(ratatui::widgets::Paragraph::new("loading"), f.area()))?;
    let first = t0.elapsed();
    let a = load(&reference)?;
    let files = a.totals.files;
    let mut m = Model::new(a);
    m.background();
    update(&mut m, Msg::Resize(200, 60));
    term.draw(|f| weigh::tui::view(f, &m))?;
    let loaded = t0.elapsed();
    println!("{files} files: first frame {first:.1?}, loaded and drawn {loaded:.1?}");
    let t = &mut term;
    run(
        t,
        &mut m,
        "move (j/k, PgDn/PgUp)",
        &[Msg::Down, Msg::Down, Msg::PageDown, Msg::Up, Msg::PageUp],
        100,
    )?;
    run(t, &mut m, "open / close a directory (Enter)", &[Msg::Toggle, Msg::Down, Msg::Toggle, Msg::Up], 50)?;
    run(t, &mut m, "switch pane, select a layer", &[Msg::NextPane, Msg::Up, Msg::Down, Msg::NextPane], 10)?;
    run(t, &mut m, "jump to the largest file (L)", &[Msg::Largest], 5)?;
    run(t, &mut m, "category filter (c)", &[Msg::CycleCategory], 5)?;
    run(t, &mut m, "layer view toggle (m)", &[Msg::ToggleLayerMode], 4)?;
    run(t, &mut m, "text filter (/ Enter)", &filter("dir1"), 5)?;
    run(t, &mut m, "glob filter (/ Enter)", &filter("*dir1*/f*7"), 5)?;
    run(t, &mut m, "regex filter (/ Enter)", &filter("re:f\\d+7$"), 5)?;
    run(t, &mut m, "clear filters (Esc)", &[Msg::Escape], 1)?;
    // Compare mode: the image against a second load of itself (every path shared).
    drop(m);
    let (before, after) = (load(&reference)?, load(&reference)?);
    let t1 = Instant::now();
    let mut m = Model::compare(before, after);
    m.background();
    println!("compare mode built in {:.1?}", t1.elapsed());
    run(t, &mut m, "compare: move", &[Msg::Down, Msg::Down, Msg::PageDown, Msg::Up, Msg::PageUp], 50)?;
    run(t, &mut m, "compare: category filter (c)", &[Msg::CycleCategory], 5)?;
    run(t, &mut m, "compare: changed only (x)", &[Msg::ToggleChangedOnly], 4)?;
    run(t, &mut m, "compare: text filter (/ Enter)", &filter("dir1"), 5)?;
    run(t, &mut m, "compare: layer view toggle (m)", &[Msg::ToggleLayerMode], 4)?;
    Ok(())
}
