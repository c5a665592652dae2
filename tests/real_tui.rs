//! End-to-end tier: the TUI in a real terminal. The real binary runs in a detached tmux
//! session on the real images scripts/real-images.sh builds; keys go in with send-keys, the
//! screen comes back with capture-pane, and the terminal's modes are read after it quits.
//!
//! Run through scripts/test.sh, which builds the images and sets WEIGH_REAL_IMAGES.

use std::path::PathBuf;
use std::process::Command;

mod support;
use support::real::{images_dir, run};

/// The real binary in a detached tmux session, with what it left in the terminal's modes.
struct Tmux {
    session: String,
    stty: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Tmux {
    fn start(args: &str) -> Tmux {
        let tmp = tempfile::tempdir().unwrap();
        let stty = tmp.path().join("stty.txt");
        let session = format!("weigh-e2e-{}-{}", std::process::id(), args.len());
        let script = format!(
            "{} tui {args}; stty -a > {}; echo WEIGH-DONE; sleep 60",
            env!("CARGO_BIN_EXE_weigh"),
            stty.display()
        );
        run(Command::new("tmux").args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "40",
            &script,
        ]));
        Tmux { session, stty, _tmp: tmp }
    }

    fn capture(&self) -> String {
        run(Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]))
    }

    fn send(&self, keys: &[&str]) {
        run(Command::new("tmux").args(["send-keys", "-t", &self.session]).args(keys));
    }

    fn wait_for(&self, what: &str) -> String {
        for _ in 0..300 {
            let screen = self.capture();
            if screen.contains(what) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{what:?} never appeared:\n{}", self.capture());
    }

    /// After the TUI quit: its screen is gone and the terminal is back in cooked mode.
    fn assert_restored(&self, title: &str) {
        let after = self.wait_for("WEIGH-DONE");
        assert!(!after.contains(title), "the TUI's screen is gone:\n{after}");
        let modes = std::fs::read_to_string(&self.stty).unwrap();
        assert!(modes.contains(" icanon") && modes.contains(" echo"), "terminal restored: {modes}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).status();
    }
}

/// The TUI in a real terminal (tmux) on a real image: it opens, the path filter finds
/// node_modules, the category filter narrows it to dev-dependencies, `q` quits, and the
/// terminal is back in cooked mode with the TUI's screen gone.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn tui_in_tmux() {
    let image = images_dir().join("node-single-buildkit.oci").display().to_string();
    let t = Tmux::start(&image);
    t.wait_for("Files · sorted by size");
    t.send(&["/", "node_modules", "Enter"]);
    t.wait_for("/node_modules");
    t.send(&["c"]);
    let screen = t.wait_for("· dev-dependencies");
    assert!(screen.contains("▾ app") || screen.contains("▸ app"), "{screen}");
    t.send(&["Enter", "j", "Enter"]);
    t.wait_for("node_modules");
    t.send(&["q"]);
    t.assert_restored("Files · sorted by size");
}

/// Compare mode in a real terminal: both images load, the shared base is marked, the
/// changed-only and category filters find what only the single-stage image has, and Ctrl-C
/// quits with the terminal restored.
#[test]
#[ignore = "needs real images: run scripts/test.sh"]
fn tui_compare_in_tmux() {
    let single = images_dir().join("node-single-buildkit.oci").display().to_string();
    let multi = images_dir().join("node-multi-buildkit.oci").display().to_string();
    let t = Tmux::start(&format!("{single} {multi}"));
    let screen = t.wait_for("Changes · sorted by size");
    assert!(
        screen.contains("Before → after") && screen.contains("=b0") && screen.contains("=a0"),
        "{screen}"
    );
    // What differs, in dev-dependencies: typescript is gone from the multi-stage image.
    t.send(&["x"]);
    t.wait_for("· changed");
    // The first category the filter cycles to is dev-dependencies.
    t.send(&["c"]);
    t.wait_for("· dev-dependencies");
    t.send(&["e"]);
    let screen = t.wait_for("typescript");
    assert!(screen.contains("-  "), "only-in-before markers: {screen}");
    // Ctrl-C quits too, and restores the terminal.
    t.send(&["C-c"]);
    t.assert_restored("Changes · sorted by size");
}
