//! `weigh check --format sarif`: SARIF 2.1.0, one result per violated rule, located at the
//! image paths that make it up (or at the budget line when the rule is about no path).

use serde_json::{Value, json};

use crate::budget::Verdict;

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

pub fn render(v: &Verdict) -> String {
    let mut rules: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    for r in &v.rules {
        // The same limit set twice is one rule with two results.
        let index = match rules.iter().position(|x| x["id"] == r.id.as_str()) {
            Some(i) => i,
            None => {
                rules.push(json!({
                    "id": r.id,
                    "name": r.id.replace(['.', '/', '*'], "-"),
                    "shortDescription": {"text": r.title},
                    "defaultConfiguration": {"level": "error"},
                }));
                rules.len() - 1
            }
        };
        if r.pass {
            continue;
        }
        let mut text = format!("{}: measured {}, limit {}.", r.title, r.measured, r.limit);
        if let Some(n) = &r.note {
            text.push(' ');
            text.push_str(n);
        }
        let paths: Vec<&crate::budget::Contributor> = r
            .contributors
            .iter()
            .filter(|c| c.kind == "path" || (c.kind == "package" && !c.detail.is_empty()))
            .collect();
        let locations: Vec<Value> = if paths.is_empty() {
            vec![json!({"physicalLocation": {
                "artifactLocation": {"uri": uri(&r.source)},
                "region": {"startLine": r.line.max(1)},
            }})]
        } else {
            paths
                .iter()
                .map(|c| {
                    let path = if c.kind == "path" { &c.name } else { &c.detail };
                    json!({
                        "physicalLocation": {"artifactLocation": {
                            "uri": uri(path),
                            "uriBaseId": "IMAGEROOT",
                        }},
                        "message": {"text": format!("{} ({})", c.name, crate::report::size(c.bytes))},
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
            "properties": {"measured": r.measured_value, "limit": r.limit_value, "budgetLine": r.line},
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
