//! The budget for file contents kept in memory (package databases, lock files, credential
//! candidates), shared by the layer readers of one image. Contents are reserved before they
//! are read and given back when a later layer hides the file, so an image of a thousand
//! copies of one lock file costs one copy, and no image can hold more than the budget.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Kept {
    limit: u64,
    used: AtomicU64,
    skipped: Mutex<Skipped>,
}

/// What the budget turned away.
#[derive(Debug, Default, Clone)]
pub struct Skipped {
    pub files: u64,
    pub bytes: u64,
    /// The largest file not kept, to name in the note.
    pub largest: Option<(u64, String)>,
}

impl Kept {
    pub fn new(limit: u64) -> Kept {
        Kept { limit, used: AtomicU64::new(0), skipped: Mutex::new(Skipped::default()) }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Reserves `bytes` for the file at `path`; false (and the file noted) when over budget.
    pub fn take(&self, bytes: u64, path: &str) -> bool {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let next = used.saturating_add(bytes);
            if next > self.limit {
                let mut s = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
                s.files += 1;
                s.bytes = s.bytes.saturating_add(bytes);
                if s.largest.as_ref().is_none_or(|(b, _)| bytes > *b) {
                    s.largest = Some((bytes, path.to_string()));
                }
                return false;
            }
            match self.used.compare_exchange_weak(used, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }

    pub fn give_back(&self, bytes: u64) {
        let _ =
            self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| Some(u.saturating_sub(bytes)));
    }

    pub fn skipped(&self) -> Skipped {
        self.skipped.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_reuses_what_is_given_back() {
        let k = Kept::new(10);
        assert!(k.take(6, "a"));
        assert!(!k.take(6, "b"));
        k.give_back(6);
        assert!(k.take(6, "c"));
        assert!(!k.take(u64::MAX, "d"));
        let s = k.skipped();
        assert_eq!((s.files, s.largest.map(|l| l.1)), (2, Some("d".to_string())));
    }
}
