//! `weigh compare A B C ...`: several images side by side, typically the targets of one
//! Dockerfile (one image per app of a monorepo): the layers they share by diff_id, the stages
//! those layers are, and what each image adds on top, by category.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::{Side, side};
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::source::digest::Digest;

#[derive(Debug, Clone, Serialize)]
pub struct Several {
    pub images: Vec<Member>,
    /// Every distinct layer (by diff_id), in the order the images first list them.
    pub layers: Vec<SharedLayer>,
    /// Layers every image has.
    pub shared_layers: usize,
    /// Their bytes (every image holds the same).
    pub shared_bytes: u64,
    /// Stages whose layers every image has (by the first image's attribution).
    pub shared_stages: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    #[serde(flatten)]
    pub side: Side,
    /// Bytes of the image in layers every image has, in layers some other image has, and in
    /// layers only this one has; they add up to its size.
    pub in_shared: u64,
    pub in_some: u64,
    pub own: u64,
    /// What it adds beyond the layers every image has, by category (largest first).
    pub adds: Vec<CategoryBytes>,
    /// The whole image by category (largest first).
    pub categories: Vec<CategoryBytes>,
    /// Its stages, with whether every image has all of that stage's layers (those with files).
    pub stages: Vec<StageBytes>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CategoryBytes {
    pub category: Category,
    pub bytes: u64,
    pub files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageBytes {
    pub stage: String,
    pub bytes: u64,
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SharedLayer {
    pub diff_id: String,
    /// The stage the first image holding it attributes it to.
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    #[serde(serialize_with = "crate::report::fmt::serialize_command")]
    pub command: String,
    /// Regular-file bytes in the layer.
    pub size: u64,
    /// The images (their position in `images`) that have it.
    pub images: Vec<usize>,
}

fn by_category(acc: &HashMap<Category, (u64, u64)>) -> Vec<CategoryBytes> {
    let mut v: Vec<CategoryBytes> = acc
        .iter()
        .filter(|(_, t)| t.0 > 0 || t.1 > 0)
        .map(|(&category, &(bytes, files))| CategoryBytes { category, bytes, files })
        .collect();
    v.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.category.cmp(&b.category)));
    v
}

pub fn several(images: &[&Analysis]) -> Several {
    // Which images hold each diff_id; a layer without one is its image's own.
    let mut holders: HashMap<&Digest, Vec<usize>> = HashMap::new();
    let mut layers: Vec<SharedLayer> = Vec::new();
    let mut order: Vec<&Digest> = Vec::new();
    for (i, a) in images.iter().enumerate() {
        let mut seen: HashSet<&Digest> = HashSet::new();
        for l in &a.layers {
            let Some(d) = l.diff_id.as_ref() else { continue };
            if !seen.insert(d) {
                continue;
            }
            let h = holders.entry(d).or_default();
            if h.is_empty() {
                order.push(d);
                layers.push(SharedLayer {
                    diff_id: d.to_string(),
                    stage: l.stage_label().to_string(),
                    instruction: l.attribution.instruction.clone(),
                    command: l.history.created_by.clone().unwrap_or_default(),
                    size: l.size,
                    images: Vec::new(),
                });
            }
            h.push(i);
        }
    }
    for (l, d) in layers.iter_mut().zip(&order) {
        l.images = holders[d].clone();
    }
    let n = images.len();
    let held_by = |a: &Analysis, layer: usize| -> usize {
        a.layers[layer].diff_id.as_ref().and_then(|d| holders.get(d)).map_or(1, Vec::len)
    };
    let mut members = Vec::with_capacity(n);
    for a in images {
        let (mut in_shared, mut in_some, mut own) = (0, 0, 0);
        for l in &a.layers {
            match held_by(a, l.index) {
                h if h == n => in_shared += l.final_bytes,
                1 => own += l.final_bytes,
                _ => in_some += l.final_bytes,
            }
        }
        let shared_layer: Vec<bool> = a.layers.iter().map(|l| held_by(a, l.index) == n).collect();
        // A layer with no files (a WORKDIR that made a directory, an empty tar) has the same
        // diff_id in any image: it says nothing about a stage being shared.
        let empty = |i: usize| {
            let l = &a.layers[i];
            l.added.files + l.modified.files + l.deleted.files == 0
        };
        let mut adds: HashMap<Category, (u64, u64)> = HashMap::new();
        for (node, e) in a.index.final_files() {
            if shared_layer[e.layer as usize] {
                continue;
            }
            let t = adds.entry(a.classes.category[node as usize]).or_default();
            t.0 += a.index.node_size(node);
            t.1 += 1;
        }
        let whole: HashMap<Category, (u64, u64)> = Category::ALL
            .iter()
            .map(|&c| {
                let t = a.category(c);
                (c, (t.bytes, t.files))
            })
            .collect();
        let stages = a
            .stages
            .iter()
            .map(|s| StageBytes {
                stage: s.stage.clone(),
                bytes: s.bytes,
                shared: s.layers.iter().any(|&i| !empty(i))
                    && s.layers.iter().all(|&i| empty(i) || shared_layer[i]),
            })
            .collect();
        members.push(Member {
            side: side(a),
            in_shared,
            in_some,
            own,
            adds: by_category(&adds),
            categories: by_category(&whole),
            stages,
        });
    }
    let all: Vec<&SharedLayer> = layers.iter().filter(|l| l.images.len() == n).collect();
    let mut shared_stages: BTreeMap<usize, String> = BTreeMap::new();
    if let Some(first) = members.first() {
        for (i, s) in first.stages.iter().enumerate() {
            if s.shared {
                shared_stages.insert(i, s.stage.clone());
            }
        }
    }
    Several {
        shared_layers: all.len(),
        shared_bytes: all.iter().map(|l| l.size).sum(),
        shared_stages: shared_stages.into_values().collect(),
        images: members,
        layers,
    }
}
