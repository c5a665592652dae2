//! Benchmark of the TUI on a large image (not a test): time to the first frame, time until
//! the image is loaded, and the time from a key's message to the redrawn frame, by kind of key.
//!
//!     cargo run --release --example synthetic -- /tmp/synth1m
//!     cargo run --release --example tui_bench -- oci:/tmp/synth1m
//!
//! Frames are drawn on ratatui's TestBackend (200x60), so terminal I/O is not measured.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use weigh::analysis::Analysis;
use weigh::attribute::{attribute, pair_history};
use weigh::classify::Rules;
use weigh::index::{Index, IndexOptions, NoProgress};
use weigh::source::{Image, OpenOptions};
use weigh::tui::model::{Model, Msg, update};

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reference = std::env::args().nth(1).ok_or("usage: tui_bench IMAGE")?;
    let t0 = Instant::now();
    let mut term = Terminal::new(TestBackend::new(200, 60))?;
    // The first frame is the loading screen, drawn before anything is read.
    term.draw(|f| f.render_widget(ratatui::widgets::Paragraph::new("loading"), f.area()))?;
    let first = t0.elapsed();
    let image = Image::open(&reference, &OpenOptions::default())?;
    let index = Index::build(&image, IndexOptions::default(), &NoProgress)?;
    let history = pair_history(&image.config, image.layers.len());
    let attribution = attribute(&history, None, None)?;
    let a = Analysis::new(&image, index, history, attribution, &Rules::default());
    let files = a.totals.files;
    let mut m = Model::new(a);
    update(&mut m, Msg::Resize(200, 60));
    term.draw(|f| weigh::tui::view(f, &m))?;
    let loaded = t0.elapsed();
    println!("{files} files: first frame {first:.1?}, loaded and drawn {loaded:.1?}");
    let mut run = |name: &str, msgs: &[Msg], rounds: usize| -> Result<(), Box<dyn std::error::Error>> {
        let mut times = Vec::new();
        for _ in 0..rounds {
            for msg in msgs {
                let t = Instant::now();
                update(&mut m, msg.clone());
                term.draw(|f| {
                    m.page =
                        weigh::tui::areas(f.area(), m.a.layers.len()).tree.height.saturating_sub(2) as usize;
                    weigh::tui::view(f, &m)
                })?;
                times.push(t.elapsed());
            }
        }
        println!(
            "{name:<34} {:>5} frames  p50 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}",
            times.len(),
            pct(times.clone(), 0.5),
            pct(times.clone(), 0.99),
            times.iter().max().copied().unwrap_or_default()
        );
        Ok(())
    };
    run("move (j/k, PgDn/PgUp)", &[Msg::Down, Msg::Down, Msg::PageDown, Msg::Up, Msg::PageUp], 100)?;
    run("open / close a directory (Enter)", &[Msg::Toggle, Msg::Down, Msg::Toggle, Msg::Up], 50)?;
    run("switch pane, select a layer", &[Msg::NextPane, Msg::Up, Msg::Down, Msg::NextPane], 10)?;
    run("jump to the largest file (L)", &[Msg::Largest], 5)?;
    run("category filter (c)", &[Msg::CycleCategory], 5)?;
    run("layer view toggle (m)", &[Msg::ToggleLayerMode], 4)?;
    Ok(())
}
