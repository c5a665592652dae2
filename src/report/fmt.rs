//! What every format shares: sizes, counts, signed deltas and percents, shortened commands,
//! and escaping for each medium (terminal, Markdown, HTML, XML). Text from an image (paths,
//! tags, package names, commands) is untrusted: it goes through the escape of the medium it
//! is written to, and only through these functions.

use std::fmt::Write as _;

use crate::analysis::Detail;
use crate::budget::{Metric, Note, Quantity, RuleResult, Unit};
use crate::compare::{Advice, Delta, Evidence, NodeManager, Recommendation};

/// `959.3 MB`: SI units, as docker and registries show sizes.
pub fn size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().si().to_string()
}

/// Optional sizes print as `n/a`.
pub fn opt_size(bytes: Option<u64>) -> String {
    bytes.map(size).unwrap_or_else(|| "n/a".into())
}

/// `41,203`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn percent(ratio: f64) -> String {
    let mut s = String::new();
    let _ = write!(s, "{:.1} %", ratio * 100.0);
    s
}

/// `+12.3 MB`, `-787.6 MB`, `0 B`.
pub fn signed(d: i64) -> String {
    match d.signum() {
        1 => format!("+{}", size(d as u64)),
        -1 => format!("-{}", size(d.unsigned_abs())),
        _ => "0 B".into(),
    }
}

/// A delta's change relative to its before: `-72.5 %`, `new`.
pub fn pct(d: &Delta) -> String {
    if d.before == 0 {
        return if d.after == 0 { "0.0 %".into() } else { "new".into() };
    }
    let p = d.delta as f64 * 100.0 / d.before as f64;
    format!("{}{:.1} %", if p > 0.0 { "+" } else { "" }, p)
}

/// The rows of a delta table worth a line: with `skip_zero`, those present in neither image
/// are left out.
pub fn delta_rows(rows: &[Delta], skip_zero: bool) -> impl Iterator<Item = &Delta> {
    rows.iter().filter(move |d| !skip_zero || d.before != 0 || d.after != 0)
}

/// An image's row in a comparison's table: size, compressed size, files, layers.
pub fn side_cells(s: &crate::compare::Side) -> [String; 4] {
    [size(s.content_bytes), opt_size(s.compressed_bytes), count(s.files), s.layers.to_string()]
}

/// What two images share, as a sentence.
pub fn shared_base(b: &crate::compare::Base) -> String {
    format!(
        "Shared base: {} layers from the bottom, {} identical ({} of before, {} of after).",
        b.common_prefix,
        b.identical_layers,
        percent(b.before_share),
        percent(b.after_share)
    )
}

/// A package's versions before and after: `1.0 -> 1.1`, or the one version it has.
pub fn versions(before: Option<&str>, after: Option<&str>, arrow: &str) -> String {
    match (before, after) {
        (Some(b), Some(a)) if b != a => format!("{b} {arrow} {a}"),
        (Some(v), _) | (None, Some(v)) => v.to_string(),
        _ => String::new(),
    }
}

/// The one-line headline: total change and the largest category changes.
pub fn headline(c: &crate::compare::Comparison) -> String {
    let cats: Vec<String> = c
        .categories
        .iter()
        .filter(|d| d.delta != 0)
        .take(4)
        .map(|d| format!("{} {}", d.name, signed(d.delta)))
        .collect();
    format!("{} ({}): {}", signed(c.total.delta), pct(&c.total), cats.join(", "))
}

/// A one-line form of a `created_by` command for tables: drops the shell wrapper and
/// builder markers, collapses whitespace, and cuts to `width` characters.
pub fn short_command(created_by: &str, width: usize) -> String {
    let mut s = created_by.trim();
    s = s.strip_suffix("# buildkit").unwrap_or(s).trim();
    let mut run = false;
    if let Some(rest) = s.strip_prefix("RUN ") {
        run = true;
        s = rest.trim_start();
    }
    // RUN lines with build args: `|2 A=1 B=2 /bin/sh -c cmd`.
    if s.starts_with('|')
        && let Some((_, cmd)) = s.split_once(" /bin/sh -c ")
    {
        run = true;
        s = cmd;
    }
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop) ") {
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        run = true;
        s = rest.trim_start();
    }
    let body = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = if run { format!("RUN {body}") } else { body };
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A measured or limiting number in its unit: `350 MB`, `12`, `95.0 %`, `+1.2 %`, `0.9876`.
pub fn quantity(q: Quantity) -> String {
    let v = q.value;
    match q.unit {
        Unit::Bytes => size(v.max(0.0) as u64),
        Unit::SignedBytes => format!("{}{}", if v < 0.0 { "-" } else { "+" }, size(v.abs() as u64)),
        Unit::Count | Unit::Number => v.to_string(),
        Unit::Ratio => percent(v),
        Unit::Percent => format!("{v} %"),
        Unit::SignedPercent => format!("{v:+.1} %"),
        Unit::Score => format!("{v:.4}"),
        Unit::Paths => format!("{} {}", v, if v == 1.0 { "path" } else { "paths" }),
        Unit::Findings => format!("{} {}", v, if v == 1.0 { "finding" } else { "findings" }),
        Unit::Nothing => "none".into(),
        Unit::Missing => "n/a".into(),
    }
}

/// A budget rule as a reader states it: `dev-dependencies ≤ 0 B`.
pub fn rule_title(r: &RuleResult) -> String {
    let limit = quantity(r.measured.limit);
    match &r.metric {
        Metric::Total => format!("image size ≤ {limit}"),
        Metric::Compressed => format!("compressed size ≤ {limit}"),
        Metric::LargestLayer => format!("largest layer ≤ {limit}"),
        Metric::Layers => format!("layers ≤ {limit}"),
        Metric::Waste => format!("waste ≤ {limit}"),
        Metric::Efficiency => format!("efficiency ≥ {limit}"),
        Metric::Category(c) => format!("{c} ≤ {limit}"),
        Metric::Stage(s) => format!("stage {s} ≤ {limit}"),
        Metric::Path(g) => format!("{g} ≤ {limit}"),
        Metric::Deny(globs) => format!("no paths matching {}", globs.join(", ")),
        Metric::Findings(ids) => {
            format!("no findings: {}", ids.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "))
        }
        Metric::FindingSeverity(s) => format!("no findings of severity {} or worse", s.name()),
        Metric::Growth | Metric::GrowthPercent => format!("growth against the baseline ≤ {limit}"),
        Metric::DiveLowestEfficiency => format!("dive efficiency ≥ {limit}"),
        Metric::DiveHighestWastedBytes => format!("dive wasted bytes ≤ {limit}"),
        Metric::DiveHighestUserWastedPercent => format!("dive wasted / user bytes ≤ {limit}"),
    }
}

/// A rule's words, as every format shows them.
pub struct RuleText {
    pub title: String,
    pub limit: String,
    pub measured: String,
    pub note: Option<String>,
}

pub fn rule_text(r: &RuleResult) -> RuleText {
    RuleText {
        title: rule_title(r),
        limit: quantity(r.measured.limit),
        measured: quantity(r.measured.value),
        note: r.measured.note.as_ref().map(note),
    }
}

/// A contributor's name and detail, `sep` between them.
pub fn contributor(c: &crate::analysis::Contributor, sep: &str) -> String {
    match &c.detail {
        Detail::None => c.name.clone(),
        d => format!("{}{sep}{}", c.name, detail(d)),
    }
}

pub fn note(n: &Note) -> String {
    match n {
        Note::StoredUncompressed => {
            "the layers are stored uncompressed (a docker save archive): measured as stored".into()
        }
        Note::NoSuchStage { stage, stages } => {
            format!("no stage {stage:?} in this image (stages: {})", stages.join(", "))
        }
        Note::NoBaseline => {
            "no baseline image: give --baseline IMAGE or baseline = \"...\" in [budget]".into()
        }
        Note::DiveScore { weigh_efficiency } => format!(
            "dive's score: each path's smallest copy over all its copies; weigh's efficiency (content / written) is {}",
            percent(*weigh_efficiency)
        ),
        Note::DiveCounting { dive_wasted, weigh_waste } => format!(
            "dive counts every copy of a path written more than once, the surviving copy included ({}); weigh counts only the hidden copies: {}",
            size(*dive_wasted),
            size(*weigh_waste)
        ),
    }
}

/// What a contributor's detail says: the package's directory, the layer's command, where a
/// hidden copy was written and hidden.
pub fn detail(d: &Detail) -> String {
    match d {
        Detail::None => String::new(),
        Detail::Path(p) => p.clone(),
        Detail::Command(c) => short_command(c, 70),
        Detail::Hidden { layer, by } => format!("written in layer {layer}, hidden in layer {by}"),
        Detail::Growth => "growth".into(),
        Detail::Finding(id) => (*id).into(),
    }
}

/// A layer's command as the documents carry it: shortened like the tables show it.
pub fn serialize_command<S: serde::Serializer>(created_by: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&short_command(created_by, 60))
}

/// A recommendation's title and evidence.
pub fn recommendation(r: &Recommendation) -> (String, String) {
    let list = |v: &[String]| v.join(", ");
    let title: String = match r.kind {
        Advice::ProductionDependencies(m) => {
            let how = match m {
                NodeManager::Pnpm => "`pnpm install --prod --frozen-lockfile`",
                NodeManager::Yarn => {
                    "`yarn workspaces focus --production` (yarn classic: `yarn install --production --frozen-lockfile`)"
                }
                NodeManager::Npm => "`npm ci --omit=dev`",
            };
            format!(
                "Install production dependencies only, in their own stage ({how}), and copy that node_modules into the final stage"
            )
        }
        Advice::PythonProductionRequirements => "Install only the production requirements (`pip install -r requirements.txt`, `poetry install --only main`, `uv sync --no-dev`), in a virtualenv you copy into the final stage".into(),
        Advice::BuildStage => "Compile in a build stage and copy only its output: the final stage needs no compiler".into(),
        Advice::CleanNodeGyp => "Delete node-gyp's objects and makefiles after the install (keep only build/Release/*.node)".into(),
        Advice::CleanApt => "Clean apt in the same RUN as the install: `apt-get install --no-install-recommends ... && apt-get clean && rm -rf /var/lib/apt/lists/*`".into(),
        Advice::NpmCache => "Keep npm's cache out of the layer: `npm ci ... && npm cache clean --force` in the same RUN, or `RUN --mount=type=cache,target=/root/.npm`".into(),
        Advice::PipCache => "Install with `pip install --no-cache-dir` (or a cache mount)".into(),
        Advice::TestsInBuildStage => "Run tests and linters in a build stage, not the final one (or list their caches in .dockerignore)".into(),
        Advice::CopyBuildOutputOnly => "Copy only the build output into the final stage (e.g. `COPY --from=build /app/dist ./dist`) instead of the whole project".into(),
        Advice::NoSourceMaps => "Build without source maps, or leave `*.map` out of the final stage".into(),
        Advice::IgnoreGit => "Add .git to .dockerignore".into(),
        Advice::DeleteInSameRun => "Delete files in the same RUN that creates them: a later layer's delete or overwrite still ships the bytes".into(),
        Advice::NonRootUser => "Run as a non-root user (`USER node`, or `RUN useradd ...` and `USER app`)".into(),
    };
    let what = match (r.kind, &r.evidence) {
        (Advice::ProductionDependencies(_), Evidence::Packages(p)) => {
            format!("devDependencies in the image: {}", list(p))
        }
        (Advice::PythonProductionRequirements, Evidence::Packages(p)) => {
            format!("development distributions in the image: {}", list(p))
        }
        (_, Evidence::Packages(p)) => format!("toolchain packages: {}", list(p)),
        (Advice::CleanNodeGyp, Evidence::Paths(p)) => format!("node-gyp build trees: {}", list(p)),
        (Advice::NpmCache, Evidence::Paths(p)) => format!("npm cache: {}", list(p)),
        (Advice::PipCache, Evidence::Paths(p)) => format!("pip cache: {}", list(p)),
        (Advice::TestsInBuildStage, Evidence::Paths(p)) => format!("test and lint caches: {}", list(p)),
        (Advice::NoSourceMaps, Evidence::Paths(p)) => format!("source maps in {}", list(p)),
        (_, Evidence::Paths(p)) => format!("sources, tests and build configuration in {}", list(p)),
        (_, Evidence::AptCache { lists, archives }) => {
            format!("apt lists {} and package cache {}", size(*lists), size(*archives))
        }
        (_, Evidence::Hidden(items)) => format!(
            "hidden by later layers: {}",
            items.iter().map(|(p, l)| format!("{p} (layer {l})")).collect::<Vec<_>>().join(", ")
        ),
        (_, Evidence::Present) => "version control data in the image".into(),
        (_, Evidence::User(None)) => "no USER in the image config: the container runs as root".into(),
        (_, Evidence::User(Some(u))) => format!("USER {u}"),
    };
    (title, what)
}

fn libc_name(l: crate::findings::Libc) -> &'static str {
    match l {
        crate::findings::Libc::Glibc => "glibc",
        crate::findings::Libc::Musl => "musl",
    }
}

/// The architecture an ELF `e_machine` is.
fn machine_name(m: u16) -> String {
    match m {
        62 => "x86-64 (amd64)".into(),
        183 => "aarch64 (arm64)".into(),
        40 => "arm".into(),
        3 => "i386".into(),
        21 => "ppc64".into(),
        22 => "s390x".into(),
        243 => "riscv64".into(),
        m => format!("machine {m}"),
    }
}

/// A finding's title and detail.
pub fn finding(f: &crate::findings::Finding) -> (String, String) {
    use crate::findings::{Missing, What};
    let n = f.paths.len() + f.more;
    let files = |n: usize| format!("{n} {}", if n == 1 { "file" } else { "files" });
    match &f.what {
        What::LibcMismatch { needs, image, package } => (
            format!(
                "{} built for {} in an image with {}",
                package.as_deref().map(|p| format!("{p}: native code")).unwrap_or_else(|| "native code".into()),
                libc_name(*needs),
                image.map(libc_name).unwrap_or("no C library")
            ),
            format!(
                "{} cannot load: {} needs {}'s loader and libc, which the image does not have. Install the dependencies in a stage on the final stage's base (or for its libc: npm install --libc={}).",
                files(n),
                if n == 1 { "it" } else { "they" },
                libc_name(*needs),
                image.map(libc_name).unwrap_or("?")
            ),
        ),
        What::ArchMismatch { machine, image } => (
            format!("native code for {} in a {image} image", machine_name(*machine)),
            format!("{} cannot run on the image's architecture.", files(n)),
        ),
        What::MissingLibrary { library, needed_by } => (
            format!("{library} is needed but not in the image"),
            format!("{needed_by} (and {} in all) will fail to load: the loader finds no {library}.", files(n)),
        ),
        What::GlibcTooOld { needs, has } => (
            format!("native code needs glibc {}.{}, the image has {}.{}", needs.0, needs.1, has.0, has.1),
            format!("{} ask for GLIBC_{}.{} symbols: built on a newer system than the final stage's.", files(n), needs.0, needs.1),
        ),
        What::MissingEntrypoint { command, missing } => (
            match missing {
                Missing::Executable => format!("the command's executable is not in the image: {command}"),
                Missing::NotExecutable => format!("the command's file is not executable: {command}"),
                Missing::Script(s) => format!("the command's script {s} is not in the image: {command}"),
            },
            "The container will not start.".into(),
        ),
        What::RuntimeDownload { tool } => (
            format!("the command runs {tool} through corepack, which downloads it at every start"),
            format!("Install {tool} in the image (corepack prepare --activate, or npm install -g {tool}), or run node directly."),
        ),
        What::DanglingSymlinks { dir, count, example, gone } => (
            format!("{count} {} in {dir} point{} at nothing", if *count == 1 { "link" } else { "links" }, if *count == 1 { "s" } else { "" }),
            format!(
                "{} -> {}{}",
                example.0,
                example.1,
                match gone {
                    Some(l) => format!(" (its target was deleted in layer {l})"),
                    None => " (the target was never in the image: copied from a stage without it?)".into(),
                }
            ),
        ),
        What::Secret { kind, hint, hidden_by } => (
            match hidden_by {
                Some(h) => format!("{kind} in a layer, deleted in layer {h}: still in the image's blobs"),
                None => format!("{kind} in the image"),
            },
            format!(
                "{}Anyone who pulls the image has it: rotate it, and pass it with a BuildKit secret mount instead.",
                if hint.is_empty() { String::new() } else { format!("The value starts {hint} (the rest is not shown). ") }
            ),
        ),
        What::RootUser { user } => (
            match user {
                Some(u) => format!("the container runs as root (USER {u})"),
                None => "the container runs as root (no USER)".into(),
            },
            "Add a non-root user and `USER` in the final stage.".into(),
        ),
        What::Setuid { count } => (
            format!("{count} setuid or setgid {} no system package installed", if *count == 1 { "file" } else { "files" }),
            "They run with their owner's rights whoever starts them.".into(),
        ),
        What::WorldWritable { count } => (
            format!("{count} world-writable {} outside /tmp", if *count == 1 { "file" } else { "files" }),
            "Any process in the container may change them.".into(),
        ),
        What::DuplicateNativeVariants { family, variants } => (
            format!("{family} installed for {} platforms: {}", variants.len(), variants.join(", ")),
            "A container loads one; the others are dead weight (install for the final stage's platform only).".into(),
        ),
    }
}

/// Characters that change how the text around them is shown: control characters (cursor
/// moves, colours, new lines that start a CI workflow command) and the invisible bidirectional
/// and zero-width marks that make a name read as another.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Terminals and logs: unsafe characters escaped (`\n` → `\u{a}`). Every human format goes
/// through this or one of the escapes below.
pub fn printable(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    s.chars().map(|c| if is_unsafe(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Markdown, inside a code span in a table: backticks would end the span and `|` the cell.
pub fn md_code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => "'".to_string(),
            '|' => "\\|".to_string(),
            c if is_unsafe(c) => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Markdown table cells: nothing from an image may open HTML, a link, emphasis or a code
/// span, or end the row.
pub fn md_cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            c if is_unsafe(c) => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// HTML text and attribute values.
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// XML 1.0 text and attribute values; characters XML cannot carry become `?`.
pub fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 allows tab, newline and carriage return among the control characters.
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{fffe}' | '\u{ffff}') =>
            {
                o.push('?')
            }
            c => o.push(c),
        }
    }
    o
}

/// GitHub workflow commands: a command's data (`%`, CR and LF escaped) and its properties
/// (also `:` and `,`).
pub fn workflow_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    // What is left of the control characters would reach the log as is (colours, cursor).
    if s.chars().any(is_unsafe) { printable(&s) } else { s }
}

pub fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The facts about an image the reports open with, as (label, value): names, digests, base
/// and provenance come from the image and are escaped by whoever writes them.
pub fn image_facts(a: &crate::analysis::Analysis) -> Vec<(&'static str, String)> {
    let img = &a.image.id;
    let t = &a.totals;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if let Some(name) = &img.name {
        out.push(("name", name.clone()));
    }
    if let Some(d) = &img.digest {
        let what =
            if img.transport == crate::source::Transport::DockerArchive { "image ID" } else { "manifest" };
        out.push(("digest", format!("{d} ({what})")));
    }
    let mut platform = img.platform.to_string();
    if img.available_platforms.len() > 1 {
        let others: Vec<String> = img.available_platforms.iter().map(ToString::to_string).collect();
        let _ = write!(platform, " (index has {})", others.join(", "));
    }
    out.push(("platform", platform));
    if img.base_name.is_some() || img.base_digest.is_some() {
        let base: Vec<&str> =
            [img.base_name.as_deref(), img.base_digest.as_deref()].into_iter().flatten().collect();
        out.push(("base", format!("{} (as the builder recorded it)", base.join(" "))));
    }
    if let Some(c) = &a.image.created {
        out.push(("created", c.clone()));
    }
    if let Some(p) = &a.image.provenance {
        let mut what = format!("SLSA {} attestation", p.version());
        if let Some(n) = &p.dockerfile_name {
            what.push_str(&format!(", Dockerfile {n}"));
        }
        if let Some(t) = &p.target {
            what.push_str(&format!(", target {t}"));
        }
        if p.dockerfile.is_none() {
            what.push_str(" (mode=min: no Dockerfile text)");
        }
        out.push(("provenance", what));
    }
    let compressed = match t.compressed_bytes {
        Some(c) => format!("{} compressed", size(c)),
        None => format!("compressed n/a: layers stored uncompressed ({} as stored)", size(t.blob_bytes)),
    };
    out.push(("size", format!("{} uncompressed · {}", size(t.content_bytes), compressed)));
    out.push((
        "files",
        format!("{} in {} {}", count(t.files), t.layers, if t.layers == 1 { "layer" } else { "layers" }),
    ));
    out.push((
        "waste",
        format!(
            "{} hidden by later layers · efficiency {} ({} written in all)",
            size(t.waste_bytes),
            percent(t.efficiency),
            size(t.written_bytes)
        ),
    ));
    out.push((
        "duplicates",
        format!(
            "{} in {} groups of identical files",
            size(t.duplicate_bytes),
            count(t.duplicate_groups as u64)
        ),
    ));

    out
}

/// `deleted in 4`, `overwritten in 3`: what hid a waste item.
pub fn hidden_by(w: &crate::analysis::WasteItem) -> String {
    let how = match w.how {
        crate::index::HiddenHow::Deleted => "deleted in",
        crate::index::HiddenHow::Overwritten => "overwritten in",
    };
    format!("{how} {}", w.hidden_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(size(959_300_000), "959.3 MB");
        assert_eq!(size(512), "512 B");
        assert_eq!(percent(0.9987), "99.9 %");
        assert_eq!(signed(-5), "-5 B");
    }

    #[test]
    fn shortens_commands_of_both_builders() {
        assert_eq!(short_command("/bin/sh -c #(nop) COPY dir:abc in ./dist ", 80), "COPY dir:abc in ./dist");
        assert_eq!(short_command("RUN /bin/sh -c npm ci # buildkit", 80), "RUN npm ci");
        assert_eq!(short_command("COPY /app/dist ./dist # buildkit", 80), "COPY /app/dist ./dist");
        assert_eq!(
            short_command("RUN |1 NODE_ENV=production /bin/sh -c npm ci # buildkit", 80),
            "RUN npm ci"
        );
        assert_eq!(
            short_command("/bin/sh -c apt-get update &&     apt-get install -y g++", 20),
            "RUN apt-get update …"
        );
    }

    #[test]
    fn escapes_for_each_medium() {
        assert_eq!(printable("a\nb\x1b"), "a\\u{a}b\\u{1b}");
        assert_eq!(printable("evil\u{202e}txt.js\r"), "evil\\u{202e}txt.js\\u{d}");
        assert_eq!(workflow_data("a\x1b[31m\n"), "a\\u{1b}[31m%0A");
        assert_eq!(md_cell("a|b<c>*"), "a\\|b&lt;c&gt;\\*");
        assert_eq!(md_code("a`b|c"), "a'b\\|c");
        assert_eq!(html("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
        assert_eq!(xml("a\u{1}&"), "a?&amp;");
        assert_eq!(workflow_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
