//! `weigh check --format sarif`: SARIF 2.1.0, one result per violated rule, located at the
//! image paths that make it up (or at the budget line when the rule is about no path).

use serde_json::{Value, json};

use super::fmt::{finding, rule_text, size};
use crate::budget::{Contributor, ContributorKind, Detail, Verdict};

/// A path as a URI reference: every byte outside the unreserved set (and `/`) percent-encoded.
fn uri(path: &str) -> String {
    let mut o = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn level(s: crate::findings::Severity) -> &'static str {
    match s {
        crate::findings::Severity::Error => "error",
        crate::findings::Severity::Warning => "warning",
        crate::findings::Severity::Info => "note",
    }
}

pub fn render(v: &Verdict) -> String {
    let mut rules: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    for r in &v.rules {
        let w = rule_text(r);
        // The same limit set twice is one rule with two results.
        let index = match rules.iter().position(|x| x["id"] == r.id.as_str()) {
            Some(i) => i,
            None => {
                rules.push(json!({
                    "id": r.id,
                    "name": r.id.replace(['.', '/', '*'], "-"),
                    "shortDescription": {"text": w.title},
                    "defaultConfiguration": {"level": "error"},
                }));
                rules.len() - 1
            }
        };
        if r.pass() {
            continue;
        }
        // A findings rule: each finding a result of its own, its id the rule.
        if !r.measured.findings.is_empty() {
            for f in &r.measured.findings {
                let (title, detail) = finding(f);
                let index = match rules.iter().position(|x| x["id"] == f.id.name()) {
                    Some(i) => i,
                    None => {
                        rules.push(json!({
                            "id": f.id.name(),
                            "name": f.id.name(),
                            "shortDescription": {"text": title},
                            "defaultConfiguration": {"level": level(f.severity)},
                        }));
                        rules.len() - 1
                    }
                };
                let locations: Vec<Value> = f
                    .paths
                    .iter()
                    .map(|p| json!({"physicalLocation": {"artifactLocation": {"uri": uri(p), "uriBaseId": "IMAGEROOT"}}}))
                    .collect();
                results.push(json!({
                    "ruleId": f.id.name(),
                    "ruleIndex": index,
                    "level": level(f.severity),
                    "message": {"text": format!("{title}. {detail}")},
                    "locations": locations,
                    "properties": {"budgetRule": r.id, "budgetLine": r.line, "bytes": f.bytes, "layer": f.layer},
                }));
            }
            continue;
        }
        let mut text = format!("{}: measured {}, limit {}.", w.title, w.measured, w.limit);
        if let Some(n) = &w.note {
            text.push(' ');
            text.push_str(n);
        }
        // Paths, and packages by their directory.
        let paths: Vec<(&Contributor, &str)> = r
            .measured
            .contributors
            .iter()
            .filter_map(|c| match (c.kind, &c.detail) {
                (ContributorKind::Path, _) => Some((c, c.name.as_str())),
                (ContributorKind::Package, Detail::Path(p)) => Some((c, p.as_str())),
                _ => None,
            })
            .collect();
        let locations: Vec<Value> = if paths.is_empty() {
            vec![json!({"physicalLocation": {
                "artifactLocation": {"uri": uri(&r.source)},
                "region": {"startLine": r.line.max(1)},
            }})]
        } else {
            paths
                .iter()
                .map(|(c, path)| {
                    json!({
                        "physicalLocation": {"artifactLocation": {
                            "uri": uri(path),
                            "uriBaseId": "IMAGEROOT",
                        }},
                        "message": {"text": format!("{} ({})", c.name, size(c.bytes))},
                    })
                })
                .collect()
        };
        results.push(json!({
            "ruleId": r.id,
            "ruleIndex": index,
            "level": "error",
            "message": {"text": text},
            "locations": locations,
            "properties": {"measured": r.measured.value.value, "limit": r.measured.limit.value, "budgetLine": r.line},
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "weigh",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {
                "IMAGEROOT": {"uri": "file:///", "description": {"text": format!("the root of the image {}", v.image)}},
            },
            "properties": {"image": v.image, "budget": v.budget},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("SARIF serializes") + "\n"
}
