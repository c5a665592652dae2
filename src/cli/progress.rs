//! Progress on stderr: a spinner naming the phase (reading, merging, hashing, classifying)
//! and one bar per layer being read. indicatif draws nothing when stderr is not a terminal.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::index::Progress;

pub struct Bars {
    multi: MultiProgress,
    /// The phase, above the layers' bars; made when the first phase starts.
    spinner: Mutex<Option<ProgressBar>>,
    /// One slot per layer, once the image says how many it has.
    bars: Mutex<Vec<Option<ProgressBar>>>,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        Bars {
            multi: MultiProgress::with_draw_target(target),
            spinner: Mutex::new(None),
            bars: Mutex::new(Vec::new()),
        }
    }
}

impl Progress for Bars {
    fn layers(&self, n: usize) {
        if let Ok(mut bars) = self.bars.lock() {
            *bars = vec![None; n];
        }
    }

    fn phase(&self, name: &'static str) {
        if self.multi.is_hidden() {
            return;
        }
        let Ok(mut spinner) = self.spinner.lock() else { return };
        let s = spinner.get_or_insert_with(|| {
            let s = self.multi.insert(0, ProgressBar::new_spinner());
            s.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            s.enable_steady_tick(Duration::from_millis(100));
            s
        });
        s.set_message(name);
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
        if let Ok(mut spinner) = self.spinner.lock()
            && let Some(s) = spinner.take()
        {
            s.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}
