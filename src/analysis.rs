//! The `Analysis`: everything downstream (reports, compare, budgets, the TUI) reads this and
//! nothing else, so a number is the same wherever it is shown.

use serde::Serialize;

use crate::attribute::{Attribution, HistoryInfo};
use crate::classify::{Category, Classification, Facts, Package, Rules, Tally, classify};
use crate::index::{Change, Count, HiddenHow, Index, Kind, NO_LAYER, NodeId};
use crate::source::{Compression, Digest, Identity, Image};

#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    #[serde(flatten)]
    pub id: Identity,
    pub created: Option<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// The build's provenance attestation, when the image carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::source::provenance::Provenance>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Uncompressed content of the final tree: regular files, hardlinks counted once.
    pub content_bytes: u64,
    /// Sum of the compressed layer blobs; null when some layer is stored uncompressed.
    pub compressed_bytes: Option<u64>,
    /// Sum of the layer blobs as stored.
    pub blob_bytes: u64,
    /// Content written by all layers, including bytes later hidden.
    pub written_bytes: u64,
    pub files: u64,
    pub layers: usize,
    /// Bytes written by a layer and hidden (overwritten or deleted) by a later one.
    pub waste_bytes: u64,
    /// content_bytes / written_bytes.
    pub efficiency: f64,
    /// Bytes in files whose identical content already exists at another path.
    pub duplicate_bytes: u64,
    pub duplicate_groups: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub index: usize,
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub media_type: Option<String>,
    pub compression: Compression,
    /// Regular-file bytes in the layer's tar.
    pub size: u64,
    /// The blob's size when it is compressed, else null.
    pub compressed_size: Option<u64>,
    pub blob_size: u64,
    pub tar_size: u64,
    /// Bytes of this layer still visible in the final image.
    pub final_bytes: u64,
    pub added: Count,
    pub modified: Count,
    pub deleted: Count,
    #[serde(flatten)]
    pub history: HistoryInfo,
    #[serde(flatten)]
    pub attribution: Attribution,
}

#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    /// Size of one copy.
    pub size: u64,
    pub count: usize,
    /// Bytes beyond the first copy.
    pub wasted: u64,
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

pub struct Analysis {
    pub image: ImageInfo,
    pub totals: Totals,
    pub layers: Vec<LayerInfo>,
    /// Largest wasted first.
    pub duplicates: Vec<DuplicateGroup>,
    pub classes: Classification,
    /// Bytes in the final image by the stage whose layer wrote them, largest first.
    pub stages: Vec<StageTotal>,
    /// What will break or leak, most severe first.
    pub findings: Vec<crate::findings::Finding>,
    pub index: Index,
}

/// Something that makes up a measured number: a package, a path, a layer, a category.
#[derive(Debug, Clone, Serialize)]
pub struct Contributor {
    pub kind: ContributorKind,
    pub name: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Detail::is_none")]
    pub detail: Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContributorKind {
    Package,
    Path,
    Layer,
    Category,
}

impl ContributorKind {
    pub fn name(self) -> &'static str {
        match self {
            ContributorKind::Package => "package",
            ContributorKind::Path => "path",
            ContributorKind::Layer => "layer",
            ContributorKind::Category => "category",
        }
    }
}

/// More about a contributor; `report::fmt::detail` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    None,
    /// A package's directory.
    Path(String),
    /// The command that made a layer.
    Command(String),
    /// A hidden copy: the layer that wrote it and the one that hid it.
    Hidden {
        layer: usize,
        by: usize,
    },
    /// A category's growth against a baseline.
    Growth,
    /// The finding (by id) a path has.
    Finding(&'static str),
}

impl Detail {
    pub fn is_none(&self) -> bool {
        *self == Detail::None
    }
}

// The documents carry the detail as its text.
impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::report::fmt::detail(self))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StageTotal {
    /// The stage name, `base image`, or `unknown stage` for build layers nothing attributes.
    pub stage: String,
    pub bytes: u64,
    pub files: u64,
    /// The layers whose output this is.
    pub layers: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryTotal {
    pub category: Category,
    pub bytes: u64,
    pub files: u64,
}

pub use crate::attribute::UNKNOWN_STAGE;

impl LayerInfo {
    /// See [`Attribution::stage_label`].
    pub fn stage_label(&self) -> &str {
        self.attribution.stage_label()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PathSize {
    pub path: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WasteItem {
    pub path: String,
    pub size: u64,
    /// Layer that wrote the hidden copy.
    pub layer: usize,
    /// Layer that hid it.
    pub hidden_by: usize,
    pub how: HiddenHow,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    pub path: String,
    pub kind: Kind,
    /// Bytes this path contributes (0 for the second name of a hardlinked file).
    pub size: u64,
    pub layer: usize,
    pub change: Change,
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    pub category: Category,
    pub reason: String,
    /// The owning package's id (see the document's `packages`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

impl Analysis {
    /// `history` and `attribution` hold one entry per layer (see [`crate::attribute`]).
    pub fn new(
        image: &Image,
        mut index: Index,
        history: Vec<Option<HistoryInfo>>,
        attribution: Vec<Attribution>,
        rules: &Rules,
    ) -> Analysis {
        let layers: Vec<LayerInfo> = image
            .layers
            .iter()
            .zip(&index.layers)
            .zip(history.into_iter().zip(attribution))
            .enumerate()
            .map(|(i, ((src, ch), (h, attribution)))| LayerInfo {
                index: i,
                digest: src.digest.clone(),
                diff_id: src.diff_id.clone(),
                media_type: src.media_type.clone(),
                compression: ch.compression,
                size: ch.size,
                compressed_size: (ch.compression != Compression::None).then_some(ch.blob_bytes),
                blob_size: ch.blob_bytes,
                tar_size: ch.tar_bytes,
                final_bytes: ch.final_bytes,
                added: ch.added,
                modified: ch.modified,
                deleted: ch.deleted,
                history: h.unwrap_or_default(),
                attribution,
            })
            .collect();
        let duplicates = find_duplicates(&index);
        let cfg = image.config.config().as_ref();
        let totals = Totals {
            content_bytes: index.final_bytes,
            compressed_bytes: layers.iter().map(|l| l.compressed_size).sum(),
            blob_bytes: layers.iter().map(|l| l.blob_size).sum(),
            written_bytes: index.written_bytes,
            files: index.final_files,
            layers: layers.len(),
            waste_bytes: index.waste_bytes(),
            efficiency: if index.written_bytes == 0 {
                1.0
            } else {
                index.final_bytes as f64 / index.written_bytes as f64
            },
            duplicate_bytes: duplicates.iter().map(|g| g.wasted).sum(),
            duplicate_groups: duplicates.len(),
        };
        let image_info = ImageInfo {
            id: image.id.clone(),
            created: image.config.created().clone(),
            user: cfg.and_then(|c| c.user().clone()).filter(|u| !u.is_empty()),
            working_dir: cfg.and_then(|c| c.working_dir().clone()).filter(|w| !w.is_empty()),
            entrypoint: cfg.and_then(|c| c.entrypoint().clone()),
            cmd: cfg.and_then(|c| c.cmd().clone()),
            provenance: image.provenance.clone(),
        };
        let facts = Facts {
            working_dir: image_info.working_dir.clone(),
            argv: image_info
                .entrypoint
                .iter()
                .flatten()
                .chain(image_info.cmd.iter().flatten())
                .cloned()
                .collect(),
            env: cfg.and_then(|c| c.env().clone()).unwrap_or_default(),
        };
        // Package databases and lock files are the classifier's alone; credentials stay for
        // the findings.
        let package_files = index.take_contents(|path| !crate::findings::wants_content(path));
        let classes = classify(&index, package_files, &facts, rules);
        let stages = stage_totals(&index, &layers);
        let findings = crate::findings::find(&crate::findings::Cx {
            ix: &index,
            classes: &classes,
            image: &image_info,
            env: &facts.env,
            architecture: &image.id.platform.architecture,
        });
        Analysis { image: image_info, totals, layers, duplicates, classes, stages, findings, index }
    }

    /// Bytes and files per category, in [`Category::ALL`] order.
    pub fn categories(&self) -> Vec<CategoryTotal> {
        self.classes
            .totals
            .iter()
            .map(|(c, t)| CategoryTotal { category: *c, bytes: t.bytes, files: t.files })
            .collect()
    }

    pub fn category(&self, c: Category) -> Tally {
        self.classes.total(c)
    }

    /// Adds the notes on where the layers' stages came from: `found` (a Dockerfile found
    /// and matched, or not), then what the history alone could say.
    pub fn note_stages(&mut self, found: Vec<String>) {
        use crate::attribute::StageFrom;
        let mut notes = found;
        let build: Vec<&LayerInfo> = self.layers.iter().filter(|l| !l.attribution.base_image).collect();
        if build.iter().any(|l| l.attribution.stage_from == Some(StageFrom::History)) {
            notes.push(
                "stages from the history alone (no Dockerfile: give --dockerfile or --context DIR): the layers \
                 above the base are one build's, its final stage"
                    .into(),
            );
        }
        let unknown: Vec<String> =
            build.iter().filter(|l| l.attribution.stage.is_none()).map(|l| l.index.to_string()).collect();
        if !unknown.is_empty() {
            notes.push(format!(
                "{UNKNOWN_STAGE} for layer{} {}: no Dockerfile was given and the history does not say what made {}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown.join(", "),
                if unknown.len() == 1 { "it" } else { "them" }
            ));
        }
        self.classes.notes.extend(notes);
    }

    /// Visible non-directory nodes with the bytes they carry.
    pub fn visible_files(&self) -> impl Iterator<Item = (NodeId, u64)> + '_ {
        self.index.visible_files()
    }

    /// What `nodes` (files with their bytes) consist of, largest first: the packages that own
    /// them, then the directories of the files no package owns.
    pub fn owners_of(&self, nodes: &[(NodeId, u64)], top: usize) -> Vec<Contributor> {
        use std::collections::HashMap;
        let cl = &self.classes;
        let mut by_pkg: HashMap<u32, u64> = HashMap::new();
        let mut by_dir: HashMap<NodeId, u64> = HashMap::new();
        for &(n, b) in nodes {
            let p = cl.package[n as usize];
            if p != crate::index::NONE {
                *by_pkg.entry(p).or_default() += b;
            } else {
                *by_dir.entry(self.index.paths.parent(n).unwrap_or(n)).or_default() += b;
            }
        }
        let mut pkgs: Vec<(u32, u64)> = by_pkg.into_iter().filter(|p| p.1 > 0).collect();
        pkgs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut out: Vec<Contributor> = pkgs
            .iter()
            .take(top)
            .map(|&(p, b)| {
                let pkg = &cl.packages[p as usize];
                Contributor {
                    kind: ContributorKind::Package,
                    name: format!("{} {} {}", pkg.ecosystem.name(), pkg.name, pkg.version)
                        .trim_end()
                        .to_string(),
                    bytes: b,
                    detail: pkg.path.clone().map_or(Detail::None, Detail::Path),
                }
            })
            .collect();
        let mut dirs: Vec<(NodeId, u64)> = by_dir.into_iter().filter(|d| d.1 > 0).collect();
        dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (d, b) in dirs.into_iter().take(top.saturating_sub(out.len()).max(3)) {
            out.push(Contributor {
                kind: ContributorKind::Path,
                name: self.index.paths.path(d),
                bytes: b,
                detail: Detail::None,
            });
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.bytes));
        out.truncate(top);
        out
    }

    /// The reason that put the most bytes into category `c`.
    pub fn top_reason(&self, c: Category) -> Option<String> {
        let mut by: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
        let cl = &self.classes;
        for (node, bytes) in self.index.visible_files() {
            if cl.category[node as usize] == c {
                *by.entry(cl.reason[node as usize]).or_default() += bytes;
            }
        }
        by.into_iter()
            .max_by_key(|(r, b)| (*b, std::cmp::Reverse(*r)))
            .map(|(r, _)| cl.reasons[r as usize].clone())
    }

    /// Packages, largest first.
    pub fn packages_by_size(&self) -> Vec<&Package> {
        let mut p: Vec<&Package> = self.classes.packages.iter().collect();
        p.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.id.cmp(&b.id)));
        p
    }

    /// Directories of the final tree, largest first (the root excluded).
    pub fn largest_dirs(&self, n: usize) -> Vec<PathSize> {
        let ix = &self.index;
        let mut dirs: Vec<NodeId> = (1..ix.paths.len() as NodeId).filter(|&node| ix.is_dir(node)).collect();
        top_by(&mut dirs, n, |&d| ix.node_size(d));
        dirs.into_iter()
            .map(|d| PathSize {
                path: ix.paths.path(d),
                size: ix.node_size(d),
                files: Some(ix.node_files(d)),
                layer: None,
            })
            .collect()
    }

    /// Files of the final tree, largest first.
    pub fn largest_files(&self, n: usize) -> Vec<PathSize> {
        let ix = &self.index;
        let mut files: Vec<NodeId> = (1..ix.paths.len() as NodeId).filter(|&node| ix.is_file(node)).collect();
        top_by(&mut files, n, |&f| ix.node_size(f));
        files
            .into_iter()
            .map(|f| PathSize {
                path: ix.paths.path(f),
                size: ix.node_size(f),
                files: None,
                layer: Some(ix.entries[ix.current[f as usize] as usize].layer as usize),
            })
            .collect()
    }

    /// Hidden copies, largest first.
    pub fn waste_items(&self, n: usize) -> Vec<WasteItem> {
        let ix = &self.index;
        let mut dead: Vec<u32> = ix.dead_entries().filter(|&e| ix.entries[e as usize].size > 0).collect();
        top_by(&mut dead, n, |&e| ix.entries[e as usize].size);
        dead.into_iter()
            .map(|e| {
                let entry = &ix.entries[e as usize];
                WasteItem {
                    path: ix.paths.path(entry.node),
                    size: entry.size,
                    layer: entry.layer as usize,
                    hidden_by: if entry.hidden_by == NO_LAYER {
                        entry.layer as usize
                    } else {
                        entry.hidden_by as usize
                    },
                    how: entry.hidden_how(),
                }
            })
            .collect()
    }

    /// Every non-directory path of the final tree, sorted by path.
    pub fn files(&self) -> Vec<FileRecord> {
        let ix = &self.index;
        let mut out: Vec<FileRecord> = (1..ix.paths.len() as NodeId)
            .filter_map(|node| {
                let c = ix.current[node as usize];
                if c == crate::index::NONE {
                    return None;
                }
                let e = &ix.entries[c as usize];
                if e.kind() == Kind::Dir {
                    return None;
                }
                let link = match e.kind() {
                    Kind::Symlink => ix.symlink_target(c).map(str::to_string),
                    Kind::Hardlink if e.link != crate::index::NONE => Some(ix.entry_path(e.link)),
                    _ => None,
                };
                let (category, reason, package) = self.classes.of(node);
                let layer = &self.layers[e.layer as usize];
                Some(FileRecord {
                    stage: layer.stage_label().to_string(),
                    instruction: layer.attribution.instruction.clone(),
                    category,
                    reason: reason.to_string(),
                    package: package.map(|p| p.id.clone()),
                    path: ix.paths.path(node),
                    kind: e.kind(),
                    size: ix.node_size(node),
                    layer: e.layer as usize,
                    change: e.change(),
                    mode: format!("{:04o}", ix.meta(e).mode & 0o7777),
                    uid: ix.meta(e).uid,
                    gid: ix.meta(e).gid,
                    link,
                })
            })
            .collect();
        out.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Paths of a duplicate group, sorted.
    pub fn group_paths(&self, g: &DuplicateGroup) -> Vec<String> {
        let mut p: Vec<String> = g.nodes.iter().map(|&n| self.index.paths.path(n)).collect();
        p.sort();
        p
    }
}

fn stage_totals(ix: &Index, layers: &[LayerInfo]) -> Vec<StageTotal> {
    let mut out: Vec<StageTotal> = Vec::new();
    let mut per_layer = vec![(0u64, 0u64); layers.len()];
    for (node, e) in ix.final_files() {
        let l = &mut per_layer[e.layer as usize];
        l.0 += ix.node_size(node);
        l.1 += 1;
    }
    for (l, (bytes, files)) in layers.iter().zip(per_layer) {
        let label = l.stage_label();
        match out.iter_mut().find(|s| s.stage == label) {
            Some(s) => {
                s.bytes = s.bytes.saturating_add(bytes);
                s.files += files;
                s.layers.push(l.index);
            }
            None => out.push(StageTotal { stage: label.to_string(), bytes, files, layers: vec![l.index] }),
        }
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.stage.cmp(&b.stage)));
    out
}

/// Sorts the `n` largest to the front (ties by id, for stable output) and truncates.
fn top_by<T: Copy + Ord>(items: &mut Vec<T>, n: usize, key: impl Fn(&T) -> u64) {
    let cmp = |a: &T, b: &T| key(b).cmp(&key(a)).then(a.cmp(b));
    if items.len() > n && n > 0 {
        items.select_nth_unstable_by(n - 1, cmp);
        items.truncate(n);
    }
    items.sort_unstable_by(cmp);
    items.truncate(n);
}

/// Groups visible files by (size, content hash). Hardlinks are one file, so only the name
/// carrying a file's bytes takes part.
fn find_duplicates(ix: &Index) -> Vec<DuplicateGroup> {
    let file = |node: usize, c: u32| {
        let e = ix.entries.get(c as usize)?;
        let size = ix.node_size(node as NodeId);
        let hash = ix.entries[ix.owner(c) as usize].hash;
        (size > 0 && matches!(e.kind(), Kind::File | Kind::Hardlink) && hash != 0).then_some(hash)
    };
    // Most hashes are seen once and cannot be a duplicate's. A bit per hash, in tables of 8
    // bits per file, marks those seen twice; only files whose hash is marked are sorted
    // (an eighth of the unique ones share a bit by chance), where a list of every file took
    // 16 bytes each. Equal hashes of unequal sizes are split below.
    let hashes = || ix.current.iter().enumerate().filter_map(|(node, &c)| Some((file(node, c)?, node)));
    let bits = (ix.final_files as usize * 8).next_power_of_two().max(64);
    let (mut once, mut twice) = (vec![0u64; bits / 64], vec![0u64; bits / 64]);
    let slot = |hash: u64| ((hash as usize & (bits - 1)) / 64, 1u64 << (hash % 64));
    for (hash, _) in hashes() {
        let (w, bit) = slot(hash);
        twice[w] |= once[w] & bit;
        once[w] |= bit;
    }
    drop(once);
    let marked = |hash: u64| {
        let (w, bit) = slot(hash);
        twice[w] & bit != 0
    };
    let mut keyed: Vec<(u64, NodeId)> =
        hashes().filter(|&(hash, _)| marked(hash)).map(|(hash, node)| (hash, node as NodeId)).collect();
    let size = |node: NodeId| ix.node_size(node);
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| size(a.1).cmp(&size(b.1))).then(a.1.cmp(&b.1)));
    let mut groups = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0 && size(a.1) == size(b.1)) {
        if run.len() > 1 {
            let size = size(run[0].1);
            groups.push(DuplicateGroup {
                size,
                count: run.len(),
                wasted: size * (run.len() as u64 - 1),
                nodes: run.iter().map(|r| r.1).collect(),
            });
        }
    }
    groups.sort_by(|a, b| b.wasted.cmp(&a.wasted).then(b.size.cmp(&a.size)).then(a.nodes.cmp(&b.nodes)));
    groups
}
