//! `weigh check --init`: a starter budget for an image, today's sizes with headroom, and 0 for
//! the categories a production image should not carry. `report::toml` writes it out.

use crate::analysis::Analysis;
use crate::classify::Category;

pub struct Starter {
    /// The image it was made from, and its size today.
    pub image: String,
    pub content_bytes: u64,
    pub total: u64,
    pub compressed: Option<u64>,
    pub largest_layer: u64,
    pub layers: usize,
    pub waste: u64,
    /// Paths that should never ship (secrets, version control); not `*.pem`, which the CA
    /// certificates are.
    pub deny: Vec<&'static str>,
    /// The leak categories, each with its size today: their limit is 0.
    pub zero: Vec<(Category, u64)>,
    /// The ids of the error findings the image has today (the starter fails on any).
    pub errors: Vec<&'static str>,
}

/// 10 % more, rounded up to two significant digits.
fn headroom(b: u64) -> u64 {
    let v = (b as f64 * 1.1).max(1.0);
    let mag = 10f64.powi(v.log10().floor() as i32 - 1);
    ((v / mag).ceil() * mag) as u64
}

pub fn starter(a: &Analysis) -> Starter {
    let t = &a.totals;
    Starter {
        image: a.image.id.reference.clone(),
        content_bytes: t.content_bytes,
        total: headroom(t.content_bytes),
        compressed: t.compressed_bytes.map(headroom),
        largest_layer: headroom(a.layers.iter().map(|l| l.size).max().unwrap_or(0)),
        layers: a.layers.len() + 2,
        waste: headroom(t.waste_bytes.max(1_000_000)),
        deny: vec!["**/.git", "**/.env", "**/id_rsa", "**/id_ed25519", "**/.pypirc"],
        errors: {
            let mut ids: Vec<&str> = a
                .findings
                .iter()
                .filter(|f| f.severity == crate::findings::Severity::Error)
                .map(|f| f.id.name())
                .collect();
            ids.dedup();
            ids
        },
        zero: Category::ALL.into_iter().filter(|c| c.is_leak()).map(|c| (c, a.category(c).bytes)).collect(),
    }
}
