//! Layer → history entry. (Instructions and stages build on this.)

use oci_spec::image::ImageConfiguration;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, Default)]
pub struct HistoryInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Pairs each layer with its history entry. Entries marked `empty_layer` (ENV, CMD, ...) made
/// no layer and are skipped. When the counts disagree (squashed or hand-made images) only the
/// trailing entries are paired, since builders append history as they add layers.
pub fn pair_history(config: &ImageConfiguration, layers: usize) -> Vec<Option<HistoryInfo>> {
    let with_layers: Vec<HistoryInfo> = config
        .history()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|h| !h.empty_layer().unwrap_or(false))
        .map(|h| HistoryInfo {
            created_by: h.created_by().clone(),
            created: h.created().clone(),
            comment: h.comment().clone(),
        })
        .collect();
    let mut out = vec![None; layers];
    let skip = layers.saturating_sub(with_layers.len());
    let from = with_layers.len().saturating_sub(layers);
    for (slot, h) in out.iter_mut().skip(skip).zip(with_layers.into_iter().skip(from)) {
        *slot = Some(h);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
