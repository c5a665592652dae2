//! Per-layer progress bars on stderr. indicatif draws nothing when stderr is not a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::index::Progress;

pub struct Bars {
    multi: MultiProgress,
    bars: std::sync::Mutex<Vec<Option<ProgressBar>>>,
}

impl Bars {
    pub fn new(layers: usize, quiet: bool) -> Bars {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        Bars {
            multi: MultiProgress::with_draw_target(target),
            bars: std::sync::Mutex::new(vec![None; layers]),
        }
    }

    pub fn clear(&self) {
        let _ = self.multi.clear();
    }
}

impl Progress for Bars {
    fn start(&self, layer: usize, blob_bytes: Option<u64>) -> Option<Box<dyn FnMut(u64) + Send>> {
        if self.multi.is_hidden() {
            return None;
        }
        let bar = self.multi.add(ProgressBar::new(blob_bytes.unwrap_or(0)));
        bar.set_style(
            ProgressStyle::with_template(
                "layer {prefix:>3} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(layer.to_string());
        if let Ok(mut bars) = self.bars.lock() {
            bars[layer] = Some(bar.clone());
        }
        Some(Box::new(move |n| bar.set_position(n)))
    }

    fn done(&self, layer: usize) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars[layer].take()
        {
            bar.finish_and_clear();
        }
    }
}
