//! Size budgets: the `[budget]` table of `weigh.toml` (or dive's `.dive-ci` rules), evaluated
//! against an [`Analysis`] (and optionally a baseline) into a [`Verdict`]. Each kind of limit
//! is a rule of its own in `rules/`, returning a [`Measurement`]: numbers with their units,
//! never text, so every format words them the same way.
//!
//! ```toml
//! [budget]
//! total = "350MB"              # uncompressed content
//! compressed = "120MB"         # transfer size
//! largest-layer = "200MB"
//! layers = 12
//! waste = "10MB"
//! efficiency = 0.95            # lowest allowed
//! deny = ["**/.git/**", "**/*.pem"]
//! baseline = "oci-archive:previous.oci.tar"
//! growth = "10MB"              # against the baseline
//! growth-percent = 5
//! dev-dependencies = "0B"      # any category, here or under [budget.categories]
//!
//! [budget.categories]
//! toolchain = "0B"
//! [budget.stages]
//! build = "0B"
//! [budget.paths]
//! "/app/**/*.map" = "0B"
//! ```
//!
//! and over the findings: `findings = ["secret", "libc-mismatch"]` (none of these ids) or
//! `findings-severity = "error"` (nothing that severe).

mod parse;
pub mod rules;
pub mod starter;

use serde::Serialize;

use crate::analysis::Analysis;
pub use crate::analysis::{Contributor, ContributorKind, Detail};
use crate::classify::Category;
pub use parse::parse_size;

#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    Total,
    Compressed,
    LargestLayer,
    Layers,
    Waste,
    /// Lowest allowed efficiency (content / written).
    Efficiency,
    Category(Category),
    Stage(String),
    /// Bytes of the files matching a glob.
    Path(String),
    /// Paths that must not exist.
    Deny(Vec<String>),
    /// Findings that must not be there, by id.
    Findings(Vec<crate::findings::FindingId>),
    /// No finding this severe or worse.
    FindingSeverity(crate::findings::Severity),
    Growth,
    GrowthPercent,
    DiveLowestEfficiency,
    DiveHighestWastedBytes,
    DiveHighestUserWastedPercent,
}

#[derive(Debug, Clone)]
pub struct Limit {
    pub metric: Metric,
    /// Bytes, a count, a ratio or a percent, as the metric says; unused for `Deny`.
    pub value: f64,
    /// The budget file's line that set it.
    pub line: usize,
    /// The key as written (`dev-dependencies`, `paths."/app/**/*.map"`).
    pub key: String,
}

#[derive(Debug, Clone, Default)]
pub struct Budget {
    /// The file it came from.
    pub source: String,
    pub limits: Vec<Limit>,
    pub baseline: Option<String>,
    /// Read from dive's `.dive-ci`.
    pub dive_ci: bool,
}

/// What a number counts, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Bytes,
    /// A change in bytes, with its sign.
    SignedBytes,
    /// A whole number (layers).
    Count,
    /// A ratio from 0 to 1 shown as a percent (efficiency).
    Ratio,
    /// A percent, as written in the budget.
    Percent,
    /// A change in percent, with its sign.
    SignedPercent,
    /// A number as written in the budget (dive's rules).
    Number,
    /// A number measured to four decimals (dive's scores).
    Score,
    /// Paths found (deny).
    Paths,
    /// Findings found.
    Findings,
    /// A limit of none at all (deny's).
    Nothing,
    /// Nothing could be measured (no baseline).
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    pub fn new(value: f64, unit: Unit) -> Quantity {
        Quantity { value, unit }
    }
}

/// Something a reader should know about a measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// The layers are stored uncompressed: the compressed size is the stored size.
    StoredUncompressed,
    NoSuchStage {
        stage: String,
        stages: Vec<String>,
    },
    NoBaseline,
    /// dive's efficiency score, beside weigh's.
    DiveScore {
        weigh_efficiency: f64,
    },
    /// dive counts wasted bytes otherwise than weigh.
    DiveCounting {
        dive_wasted: u64,
        weigh_waste: u64,
    },
}

/// What one rule found.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub value: Quantity,
    pub limit: Quantity,
    pub pass: bool,
    /// For a failure: what makes up the measured value, largest first.
    pub contributors: Vec<Contributor>,
    pub note: Option<Note>,
    /// For the findings rules: the findings that fail it.
    pub findings: Vec<crate::findings::Finding>,
}

#[derive(Debug, Clone)]
pub struct RuleResult {
    /// Stable id: `total`, `category.dev-dependencies`, `paths./app/**/*.map`, `dive.lowestEfficiency`.
    pub id: String,
    pub metric: Metric,
    pub measured: Measurement,
    /// The budget file and line that set the limit.
    pub source: String,
    pub line: usize,
}

impl RuleResult {
    pub fn pass(&self) -> bool {
        self.measured.pass
    }
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub image: String,
    /// The image's uncompressed content and compressed layers, whatever the rules are.
    pub size: u64,
    pub compressed: Option<u64>,
    pub baseline: Option<String>,
    pub baseline_size: Option<u64>,
    pub budget: String,
    pub dive_ci: bool,
    pub pass: bool,
    pub passed: usize,
    pub failed: usize,
    pub rules: Vec<RuleResult>,
}

/// Evaluates every limit. `baseline` is needed for the growth limits (they fail with a note
/// when it is missing).
pub fn evaluate(budget: &Budget, a: &Analysis, baseline: Option<&Analysis>) -> Verdict {
    let mut cx = rules::Context::new(a, baseline);
    let results: Vec<RuleResult> = budget
        .limits
        .iter()
        .map(|l| {
            let rule = rules::rule(&l.metric);
            RuleResult {
                id: rule.id(),
                metric: l.metric.clone(),
                measured: rule.measure(l.value, &mut cx),
                source: budget.source.clone(),
                line: l.line,
            }
        })
        .collect();
    let failed = results.iter().filter(|r| !r.pass()).count();
    Verdict {
        image: a.image.id.reference.clone(),
        size: a.totals.content_bytes,
        compressed: a.totals.compressed_bytes,
        baseline: baseline.map(|b| b.image.id.reference.clone()),
        baseline_size: baseline.map(|b| b.totals.content_bytes),
        budget: budget.source.clone(),
        dive_ci: budget.dive_ci,
        pass: failed == 0,
        passed: results.len() - failed,
        failed,
        rules: results,
    }
}
