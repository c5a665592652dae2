//! `--format json`: the versioned documents described in docs/json-schema.md (inspect,
//! compare, check).

use serde::Serialize;

use crate::analysis::{
    Analysis, CategoryTotal, DuplicateGroup, FileRecord, ImageInfo, LayerInfo, PathSize, StageTotal, Totals,
    WasteItem,
};
use crate::classify::{Language, Package};

/// The inspect document's version: bumped whenever a field changes meaning or disappears;
/// additions keep the version.
pub const SCHEMA_VERSION: u32 = 3;
/// The compare document's version.
pub const COMPARE_SCHEMA_VERSION: u32 = 1;
/// `weigh compare` of three images or more.
pub const SEVERAL_SCHEMA_VERSION: u32 = 1;
/// The check (verdict) document's version.
pub const CHECK_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Document<'a> {
    pub schema_version: u32,
    pub tool: Tool,
    pub image: &'a ImageInfo,
    pub totals: &'a Totals,
    pub layers: &'a [LayerInfo],
    pub categories: Vec<CategoryTotal>,
    pub stages: &'a [StageTotal],
    pub classification: ClassificationInfo<'a>,
    /// Largest first.
    pub packages: Vec<&'a Package>,
    pub largest_directories: Vec<PathSize>,
    pub largest_files: Vec<PathSize>,
    pub waste: Waste,
    pub duplicates: Duplicates,
    /// What will break or leak, most severe first.
    pub findings: &'a [crate::findings::Finding],
    pub files: Vec<FileRecord>,
}

#[derive(Serialize)]
pub struct ClassificationInfo<'a> {
    pub app_dir: Option<&'a str>,
    pub language: Option<Language>,
    /// Files weigh could not read (a lockfile that does not parse, ...).
    pub notes: &'a [String],
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct Waste {
    pub bytes: u64,
    pub efficiency: f64,
    pub items: Vec<WasteItem>,
}

#[derive(Serialize)]
pub struct Duplicates {
    pub bytes: u64,
    pub groups: Vec<Group>,
}

#[derive(Serialize)]
pub struct Group {
    #[serde(flatten)]
    pub group: DuplicateGroup,
    pub paths: Vec<String>,
}

pub fn document(a: &Analysis, top: usize) -> Document<'_> {
    Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        image: &a.image,
        totals: &a.totals,
        layers: &a.layers,
        categories: a.categories(),
        stages: &a.stages,
        classification: ClassificationInfo {
            app_dir: a.classes.app_dir.as_deref(),
            language: a.classes.language,
            notes: &a.classes.notes,
        },
        packages: a.packages_by_size(),
        largest_directories: a.largest_dirs(top),
        largest_files: a.largest_files(top),
        waste: Waste {
            bytes: a.totals.waste_bytes,
            efficiency: a.totals.efficiency,
            items: a.waste_items(top),
        },
        duplicates: Duplicates {
            bytes: a.totals.duplicate_bytes,
            groups: a
                .duplicates
                .iter()
                .take(top)
                .map(|g| Group { group: g.clone(), paths: a.group_paths(g) })
                .collect(),
        },
        findings: &a.findings,
        files: a.files(),
    }
}

/// A `--format json` document: `schema_version` and `tool`, then `body`'s fields.
pub fn versioned<T: Serialize>(schema_version: u32, body: &T) -> String {
    #[derive(Serialize)]
    struct Doc<'a, T> {
        schema_version: u32,
        tool: Tool,
        #[serde(flatten)]
        body: &'a T,
    }
    let doc = Doc { schema_version, tool: Tool::this(), body };
    serde_json::to_string_pretty(&doc).expect("reports serialize") + "\n"
}

impl Tool {
    pub fn this() -> Tool {
        Tool { name: "weigh", version: env!("CARGO_PKG_VERSION") }
    }
}

pub fn write(a: &Analysis, top: usize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(a, top))?;
    writeln!(out)
}

/// `weigh compare --format json`.
pub fn compare(c: &crate::compare::Comparison) -> String {
    versioned(COMPARE_SCHEMA_VERSION, c)
}

/// `weigh compare A B C ... --format json`.
pub fn several(s: &crate::compare::several::Several) -> String {
    versioned(SEVERAL_SCHEMA_VERSION, s)
}

/// `weigh check --format json`: every rule with its words and its numbers.
pub fn verdict(v: &crate::budget::Verdict) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        image: &'a str,
        size: u64,
        compressed: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        baseline: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        baseline_size: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        growth: Option<i128>,
        budget: &'a str,
        dive_ci: bool,
        pass: bool,
        passed: usize,
        failed: usize,
        rules: Vec<Rule<'a>>,
    }
    #[derive(Serialize)]
    struct Rule<'a> {
        id: &'a str,
        title: String,
        limit: String,
        measured: String,
        limit_value: f64,
        measured_value: f64,
        pass: bool,
        source: &'a str,
        line: usize,
        contributors: &'a [crate::analysis::Contributor],
        /// A findings rule: the findings it counts, as `inspect` writes them.
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        findings: &'a [crate::findings::Finding],
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }
    let rules = v
        .rules
        .iter()
        .map(|r| {
            let w = super::fmt::rule_text(r);
            Rule {
                id: &r.id,
                title: w.title,
                limit: w.limit,
                measured: w.measured,
                limit_value: r.measured.limit.value,
                measured_value: r.measured.value.value,
                pass: r.pass(),
                source: &r.source,
                line: r.line,
                contributors: &r.measured.contributors,
                findings: &r.measured.findings,
                note: w.note,
            }
        })
        .collect();
    let doc = Doc {
        image: &v.image,
        size: v.size,
        compressed: v.compressed,
        baseline: v.baseline.as_deref(),
        baseline_size: v.baseline_size,
        growth: v.baseline_size.map(|b| v.size as i128 - b as i128),
        budget: &v.budget,
        dive_ci: v.dive_ci,
        pass: v.pass,
        passed: v.passed,
        failed: v.failed,
        rules,
    };
    versioned(CHECK_SCHEMA_VERSION, &doc)
}
