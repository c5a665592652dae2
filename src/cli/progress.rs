//! Per-layer progress bars on stderr. indicatif draws nothing when stderr is not a terminal.

use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::index::Progress;

pub struct Bars {
    multi: MultiProgress,
    /// One slot per layer, once the image says how many it has.
    bars: Mutex<Vec<Option<ProgressBar>>>,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        Bars { multi: MultiProgress::with_draw_target(target), bars: Mutex::new(Vec::new()) }
    }
}

impl Progress for Bars {
    fn layers(&self, n: usize) {
        if let Ok(mut bars) = self.bars.lock() {
            *bars = vec![None; n];
        }
    }

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
        if let Ok(mut bars) = self.bars.lock()
            && let Some(slot) = bars.get_mut(layer)
        {
            *slot = Some(bar.clone());
        }
        Some(Box::new(move |n| bar.set_position(n)))
    }

    fn done(&self, layer: usize) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.get_mut(layer).and_then(Option::take)
        {
            bar.finish_and_clear();
        }
    }

    fn finished(&self) {
        let _ = self.multi.clear();
    }
}
