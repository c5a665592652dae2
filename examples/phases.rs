//! What the steps after indexing cost, as shares of one whole analysis (not a test): the
//! classification (every package database, categories and reasons) and the findings (native
//! code, links, secrets, permissions), each run again on an index of the same image (the
//! analysis hands its package files to the classifier, which keeps none of them).
//!
//!     cargo run --release --example phases -- IMAGE [RUNS]
//!
//! Prints one line per step: its median time, and that time as a share of the analysis's.

use std::time::{Duration, Instant};

use weigh::classify::{Facts, Rules, classify};
use weigh::findings::{Cx, find};
use weigh::index::{Index, IndexOptions, NoProgress};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let reference = args.get(1).ok_or("usage: phases IMAGE [RUNS]")?;
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(3).max(1);
    let opts = weigh::Options::default();
    let mut whole = Vec::new();
    let mut analysis = None;
    for _ in 0..runs {
        let t = Instant::now();
        analysis = Some(weigh::analyze(reference, &opts, &NoProgress)?);
        whole.push(t.elapsed());
    }
    let a = analysis.ok_or("no run")?;
    // The facts the analysis classified with, from the same config.
    let layers = weigh::layers(reference, &opts)?;
    let cfg = layers.image.config.config().as_ref();
    let facts = Facts {
        working_dir: a.image.working_dir.clone(),
        argv: a.image.entrypoint.iter().flatten().chain(a.image.cmd.iter().flatten()).cloned().collect(),
        env: cfg.and_then(|c| c.env().clone()).unwrap_or_default(),
    };
    let rules = Rules::default();
    let index_opts = IndexOptions { limits: opts.limits, ..IndexOptions::default() };
    let mut index = Index::build(&layers.image, index_opts, &NoProgress)?;
    let package_files = index.take_contents(|path| !weigh::findings::wants_content(path));
    let mut classes = Vec::new();
    let mut findings = Vec::new();
    for _ in 0..runs {
        let files = package_files.clone();
        let t = Instant::now();
        let c = classify(&index, files, &facts, &rules);
        classes.push(t.elapsed());
        let t = Instant::now();
        let f = find(&Cx {
            ix: &index,
            classes: &c,
            image: &a.image,
            env: &facts.env,
            architecture: &layers.image.id.platform.architecture,
        });
        findings.push(t.elapsed());
        assert_eq!(f.len(), a.findings.len(), "the findings ran on what the analysis had");
    }
    let whole = median(whole);
    let share = |d: Duration| 100.0 * d.as_secs_f64() / whole.as_secs_f64();
    let (c, f) = (median(classes), median(findings));
    println!("analysis        {:>8.3} s  ({} files)", whole.as_secs_f64(), a.totals.files);
    println!("classification  {:>8.3} s  {:>5.1} % of the analysis", c.as_secs_f64(), share(c));
    println!("findings        {:>8.3} s  {:>5.1} % of the analysis", f.as_secs_f64(), share(f));
    Ok(())
}
