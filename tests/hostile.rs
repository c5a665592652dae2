//! Images made to hurt, run through the real binary: every one ends with exit 0 or exit 2
//! (one line on stderr) as the README's "Limits" says, within 10 s and 512 MB of RSS, and
//! never with a panic. Time and memory are the child's own, from wait4.

mod support;

#[path = "hostile/archives.rs"]
mod archives;
#[path = "hostile/cases.rs"]
mod cases;
#[path = "hostile/raw.rs"]
mod raw;

use std::path::Path;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(10);
const MAX_RSS_MB: f64 = 512.0;

/// What a case must end with.
pub enum Expect {
    /// Analysed: exit 0.
    Ok,
    /// Refused: exit 2 and stderr (one line) containing this.
    Refused(String),
}

pub struct Case {
    pub name: &'static str,
    pub reference: String,
    pub expect: Expect,
    /// Extra flags before the reference.
    pub flags: Vec<String>,
}

impl Case {
    pub fn ok(name: &'static str, reference: String) -> Case {
        Case { name, reference, expect: Expect::Ok, flags: Vec::new() }
    }
    pub fn refused(name: &'static str, reference: String, why: &'static str) -> Case {
        Case { name, reference, expect: Expect::Refused(why.to_string()), flags: Vec::new() }
    }
    pub fn with(mut self, flag: &str) -> Case {
        self.flags.push(flag.to_string());
        self
    }
}

struct Outcome {
    code: Option<i32>,
    secs: f64,
    rss_mb: f64,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs weigh with `args`, killing it at the deadline; time and peak RSS from wait4.
fn run(args: &[String], dir: &Path) -> Outcome {
    let out = dir.join("stdout");
    let err = dir.join("stderr");
    let start = Instant::now();
    // Reaped below with wait4 (for its rusage), not with Child::wait.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_weigh"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data, filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child, with valid pointers to locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > DEADLINE {
            // SAFETY: our child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Outcome {
        code,
        secs: start.elapsed().as_secs_f64(),
        // Linux reports ru_maxrss in KiB.
        rss_mb: usage.ru_maxrss as f64 / 1024.0,
        stdout: std::fs::read(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}

fn judge(case: &Case, o: &Outcome) -> Result<(), String> {
    if o.secs > DEADLINE.as_secs_f64() {
        return Err(format!("still running after {:.1} s", o.secs));
    }
    if o.rss_mb > MAX_RSS_MB {
        return Err(format!("peak RSS {:.0} MB", o.rss_mb));
    }
    if o.stderr.contains("panicked")
        || o.stderr.contains("internal error")
        || o.stderr.contains("RUST_BACKTRACE")
    {
        return Err(format!("panicked: {}", o.stderr.trim()));
    }
    // Nothing from the image reaches the terminal raw: no escape sequences, no carriage returns.
    for (what, out) in [("stdout", &o.stdout[..]), ("stderr", o.stderr.as_bytes())] {
        if let Some(at) = out.iter().position(|&b| b == 0x1b || b == b'\r') {
            let around =
                String::from_utf8_lossy(&out[at.saturating_sub(60)..(at + 20).min(out.len())]).into_owned();
            return Err(format!("a control character reached {what}: {around:?}"));
        }
    }
    match (&case.expect, o.code) {
        (Expect::Ok, Some(0)) => Ok(()),
        (Expect::Refused(why), Some(2)) => {
            let lines = o.stderr.lines().count();
            if lines != 1 || !o.stderr.starts_with("weigh: ") {
                return Err(format!("expected one line on stderr, got {lines}: {}", o.stderr));
            }
            if !o.stderr.contains(why.as_str()) {
                return Err(format!("stderr does not say {why:?}: {}", o.stderr.trim()));
            }
            if !o.stdout.is_empty() {
                return Err("a refused image printed a report".into());
            }
            Ok(())
        }
        (want, code) => Err(format!(
            "exit {code:?}, expected {}: {}",
            match want {
                Expect::Ok => "0".to_string(),
                Expect::Refused(w) => format!("2 ({w})"),
            },
            o.stderr.trim()
        )),
    }
}

/// The corpus is written by a child process (this test binary again), so this process stays
/// small: a child's peak RSS as wait4 reports it starts at its parent's RSS when it forks.
const GENERATE: &str = "WEIGH_HOSTILE_CORPUS";

#[test]
fn hostile_images_end_cleanly_within_bounds() {
    if let Some(dir) = std::env::var_os(GENERATE) {
        let dir = std::path::PathBuf::from(dir);
        let list: Vec<serde_json::Value> = cases::all(&dir)
            .into_iter()
            .map(|c| {
                let refused = match &c.expect {
                    Expect::Ok => None,
                    Expect::Refused(w) => Some(w.clone()),
                };
                serde_json::json!({"name": c.name, "reference": c.reference, "refused": refused, "flags": c.flags})
            })
            .collect();
        std::fs::write(dir.join("cases.json"), serde_json::to_vec(&list).unwrap()).unwrap();
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let made = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "hostile_images_end_cleanly_within_bounds", "--test-threads=1"])
        .env(GENERATE, tmp.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "generating the corpus: {}", String::from_utf8_lossy(&made.stderr));
    let list: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(tmp.path().join("cases.json")).unwrap()).unwrap();
    assert!(list.len() >= 40, "the corpus has {} cases", list.len());
    let mut failures = Vec::new();
    let mut worst = (0.0f64, 0.0f64);
    for c in &list {
        let name = c["name"].as_str().unwrap();
        let case = Case {
            name: "",
            reference: c["reference"].as_str().unwrap().to_string(),
            expect: c["refused"].as_str().map_or(Expect::Ok, |w| Expect::Refused(w.to_string())),
            flags: c["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect(),
        };
        let mut args: Vec<String> = vec!["inspect".into(), "--quiet".into()];
        args.extend(case.flags.iter().cloned());
        args.push(case.reference.clone());
        let o = run(&args, tmp.path());
        worst = (worst.0.max(o.secs), worst.1.max(o.rss_mb));
        eprintln!("{name:<48} exit {:>8} {:>6.2} s {:>6.0} MB", format!("{:?}", o.code), o.secs, o.rss_mb);
        if let Err(why) = judge(&case, &o) {
            failures.push(format!("{name}: {why}"));
        }
    }
    eprintln!("{} cases; slowest {:.2} s, largest {:.0} MB", list.len(), worst.0, worst.1);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        list.len(),
        failures.join("\n")
    );
}

/// The sparse formats GNU tar writes (`--sparse` with `--format=gnu`, and `--format=posix`
/// with `--sparse-version` 0.0, 0.1 and 1.0), each of a 1 GiB file holding 5 real bytes: the
/// file keeps its name and apparent size, as `tar -tvf` lists it, and no zeros are read.
#[test]
fn gnu_tar_sparse_files_keep_their_name_and_size() {
    use std::io::Read;
    for name in ["gnu", "pax-0.0", "pax-0.1", "pax-1.0"] {
        let path = format!("{}/tests/data/sparse/{name}.tar.gz", env!("CARGO_MANIFEST_DIR"));
        let blob = std::fs::read(&path).unwrap();
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&blob[..]).read_to_end(&mut tar).unwrap();
        let mut layer = support::Layer::new(vec![]);
        layer.blob = Some((blob, support::sha256(&tar)));
        let dir = tempfile::tempdir().unwrap();
        support::write_dir(dir.path(), &support::oci_files(&[("latest", &support::Img::new(vec![layer]))]));
        let started = Instant::now();
        let a = weigh::analyze(
            &format!("oci:{}", dir.path().display()),
            &weigh::Options::default(),
            &weigh::index::NoProgress,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let files: Vec<(String, u64)> = a
            .files()
            .into_iter()
            .filter(|f| f.kind == weigh::index::Kind::File)
            .map(|f| (f.path, f.size))
            .collect();
        assert_eq!(files, vec![("/d/huge".to_string(), 1 << 30)], "{name}");
        assert!(started.elapsed() < Duration::from_secs(5), "{name}: the zeros were read");
    }
}
