//! `dev-dependencies = "0B"`, `[budget.categories]`: bytes of one category.

use super::{Context, Rule, at_most, bytes};
use crate::budget::Measurement;
use crate::classify::Category;
use crate::index::NodeId;

pub struct CategoryLimit(pub Category);

impl Rule for CategoryLimit {
    fn id(&self) -> String {
        format!("category.{}", self.0)
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let (a, c) = (cx.a, self.0);
        at_most(bytes(a.category(c).bytes as f64), bytes(limit), || {
            let nodes: Vec<(NodeId, u64)> =
                a.visible_files().filter(|(n, _)| a.classes.category[*n as usize] == c).collect();
            cx.owners(&nodes)
        })
    }
}
