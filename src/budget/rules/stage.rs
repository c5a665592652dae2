//! `[budget.stages]`: bytes the final image holds from one Dockerfile stage.

use super::{Context, Rule, at_most, bytes};
use crate::budget::{Measurement, Note};
use crate::index::NodeId;

pub struct StageLimit(pub String);

impl Rule for StageLimit {
    fn id(&self) -> String {
        format!("stage.{}", self.0)
    }
    fn measure(&self, limit: f64, cx: &mut Context) -> Measurement {
        let a = cx.a;
        let found = a.stages.iter().find(|st| st.stage == self.0);
        let m = found.map(|st| st.bytes).unwrap_or(0) as f64;
        let mut measured = at_most(bytes(m), bytes(limit), || {
            let layers: Vec<usize> = found.map(|f| f.layers.clone()).unwrap_or_default();
            let nodes: Vec<(NodeId, u64)> = a
                .index
                .final_files()
                .filter(|(_, e)| layers.contains(&(e.layer as usize)))
                .map(|(n, _)| (n, a.index.node_size(n)))
                .collect();
            cx.owners(&nodes)
        });
        if found.is_none() {
            measured.note = Some(Note::NoSuchStage {
                stage: self.0.clone(),
                stages: a.stages.iter().map(|s| s.stage.clone()).collect(),
            });
        }
        measured
    }
}
