//! Reading budgets: the `[budget]` table of `weigh.toml`, and dive's `.dive-ci` rules. Every
//! error names the file and the line.

use indexmap::IndexMap;

use super::{Budget, Limit, Metric};
use crate::classify::user::{self as rules, line_of};
use crate::classify::{Category, ConfigError};
use crate::findings::{FindingId, Severity};

/// `350MB`, `1.5GiB`, `0B` or a plain number of bytes.
pub fn parse_size(v: &toml::Value) -> Result<u64, String> {
    match v {
        toml::Value::Integer(i) if *i >= 0 => Ok(*i as u64),
        toml::Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(format!("{s:?} is not a size (like \"350MB\", \"1.5GiB\" or 0)"));
            }
            s.parse::<bytesize::ByteSize>()
                .map(|b| b.as_u64())
                .map_err(|_| format!("{s:?} is not a size (like \"350MB\", \"1.5GiB\" or 0)"))
        }
        other => Err(format!("{other} is not a size (like \"350MB\", \"1.5GiB\" or 0)")),
    }
}

fn parse_number(v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        other => Err(format!("{other} is not a number")),
    }
}

pub(super) fn path_glob(pattern: &str) -> Result<globset::Glob, String> {
    rules::path_glob(pattern).map_err(|e| format!("bad glob {pattern:?}: {}", e.kind()))
}

impl Budget {
    /// The `[budget]` table of a config file; Ok(None) when the file has none.
    pub fn parse(text: &str, file: &str) -> Result<Option<Budget>, ConfigError> {
        let err = |line: usize, message: String| ConfigError { file: file.to_string(), line, message };
        // Spans for every key and value, so each error names its line.
        #[derive(serde::Deserialize)]
        struct Doc {
            budget: Option<IndexMap<toml::Spanned<String>, toml::Spanned<toml::Value>>>,
        }
        let doc: Doc = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().trim().to_string())
        })?;
        let Some(budget) = doc.budget else { return Ok(None) };
        let mut b = Budget { source: file.to_string(), ..Budget::default() };
        let push = |b: &mut Budget, metric: Metric, value: f64, line: usize, key: String| {
            b.limits.push(Limit { metric, value, line, key });
        };
        for (k, v) in &budget {
            let key = k.get_ref().as_str();
            let line = line_of(text, k.span().start);
            let val = v.get_ref();
            let size = || parse_size(val).map(|s| s as f64).map_err(|m| err(line, format!("{key}: {m}")));
            let number = || parse_number(val).map_err(|m| err(line, format!("{key}: {m}")));
            match key {
                "total" => push(&mut b, Metric::Total, size()?, line, key.into()),
                "compressed" => push(&mut b, Metric::Compressed, size()?, line, key.into()),
                "largest-layer" => push(&mut b, Metric::LargestLayer, size()?, line, key.into()),
                "waste" => push(&mut b, Metric::Waste, size()?, line, key.into()),
                "growth" => push(&mut b, Metric::Growth, size()?, line, key.into()),
                "layers" => {
                    let n = number()?;
                    if n < 0.0 || n.fract() != 0.0 {
                        return Err(err(line, format!("layers: {n} is not a whole number")));
                    }
                    push(&mut b, Metric::Layers, n, line, key.into())
                }
                "efficiency" => {
                    let n = number()?;
                    if !(0.0..=1.0).contains(&n) {
                        return Err(err(line, format!("efficiency: {n} is not between 0 and 1")));
                    }
                    push(&mut b, Metric::Efficiency, n, line, key.into())
                }
                "growth-percent" => {
                    let n = number()?;
                    push(&mut b, Metric::GrowthPercent, n, line, key.into())
                }
                "baseline" => match val {
                    toml::Value::String(s) if !s.is_empty() => b.baseline = Some(s.clone()),
                    _ => return Err(err(line, "baseline: expected an image reference".into())),
                },
                "deny" => {
                    let globs: Vec<String> = match val {
                        toml::Value::Array(a) => a
                            .iter()
                            .map(|g| {
                                g.as_str()
                                    .map(String::from)
                                    .ok_or_else(|| err(line, "deny: expected strings".into()))
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err(err(line, "deny: expected a list of path globs".into())),
                    };
                    for g in &globs {
                        path_glob(g).map_err(|m| err(line, format!("deny: {m}")))?;
                    }
                    push(&mut b, Metric::Deny(globs), 0.0, line, key.into())
                }
                "findings" => {
                    let toml::Value::Array(a) = val else {
                        return Err(err(line, "findings: expected a list of finding ids".into()));
                    };
                    let mut ids = Vec::new();
                    for v in a {
                        let id = v.as_str().and_then(FindingId::parse).ok_or_else(|| {
                            err(
                                line,
                                format!(
                                    "findings: unknown finding {v} (one of: {})",
                                    FindingId::ALL.map(|f| f.name()).join(", ")
                                ),
                            )
                        })?;
                        ids.push(id);
                    }
                    push(&mut b, Metric::Findings(ids), 0.0, line, key.into())
                }
                "findings-severity" => {
                    let sev = val.as_str().and_then(Severity::parse).ok_or_else(|| {
                        err(line, "findings-severity: expected \"error\", \"warning\" or \"info\"".into())
                    })?;
                    push(&mut b, Metric::FindingSeverity(sev), 0.0, line, key.into())
                }
                "categories" | "stages" | "paths" => {
                    let toml::Value::Table(t) = val else {
                        return Err(err(line, format!("{key}: expected a table")));
                    };
                    // Lines of the sub-keys: find them in the text after the table's start.
                    for (sub, sv) in t {
                        let sub_line = find_key_line(text, v.span().start, sub).unwrap_or(line);
                        let bytes =
                            parse_size(sv).map_err(|m| err(sub_line, format!("{key}.{sub}: {m}")))? as f64;
                        let metric = match key {
                            "categories" => Metric::Category(Category::parse(sub).ok_or_else(|| {
                                err(
                                    sub_line,
                                    format!(
                                        "unknown category {sub:?} (one of: {})",
                                        Category::names().join(", ")
                                    ),
                                )
                            })?),
                            "stages" => Metric::Stage(sub.clone()),
                            _ => {
                                path_glob(sub).map_err(|m| err(sub_line, format!("paths: {m}")))?;
                                Metric::Path(sub.clone())
                            }
                        };
                        push(&mut b, metric, bytes, sub_line, format!("{key}.{sub}"));
                    }
                }
                k => match Category::parse(k) {
                    Some(c) => push(&mut b, Metric::Category(c), size()?, line, key.into()),
                    None => {
                        return Err(err(
                            line,
                            format!(
                                "unknown key {k:?} in [budget] (total, compressed, largest-layer, layers, waste, efficiency, deny, findings, findings-severity, baseline, growth, growth-percent, a category, or the tables categories, stages, paths)"
                            ),
                        ));
                    }
                },
            }
        }
        Ok(Some(b))
    }

    /// dive's `.dive-ci`: `rules:` with `lowestEfficiency`, `highestWastedBytes`,
    /// `highestUserWastedPercent`; `disabled` turns a rule off.
    pub fn parse_dive_ci(text: &str, file: &str) -> Result<Budget, ConfigError> {
        let err = |line: usize, message: String| ConfigError { file: file.to_string(), line, message };
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)
            .map_err(|e| err(e.location().map(|l| l.line()).unwrap_or(1), e.to_string()))?;
        let mut b = Budget { source: file.to_string(), dive_ci: true, ..Budget::default() };
        let Some(rules) = doc.get("rules").and_then(|r| r.as_mapping()) else {
            return Ok(b);
        };
        for (k, v) in rules {
            let key = k.as_str().unwrap_or_default();
            let line = find_key_line(text, 0, key).unwrap_or(1);
            let raw = match v {
                serde_yaml_ng::Value::String(s) => s.trim().to_string(),
                serde_yaml_ng::Value::Number(n) => n.to_string(),
                _ => return Err(err(line, format!("{key}: expected a value or \"disabled\""))),
            };
            if raw == "disabled" {
                continue;
            }
            let number =
                || raw.parse::<f64>().map_err(|_| err(line, format!("{key}: {raw:?} is not a number")));
            let (metric, value) = match key {
                "lowestEfficiency" => (Metric::DiveLowestEfficiency, number()?),
                "highestWastedBytes" => (
                    Metric::DiveHighestWastedBytes,
                    parse_size(&toml::Value::String(raw.clone()))
                        .map_err(|m| err(line, format!("{key}: {m}")))? as f64,
                ),
                "highestUserWastedPercent" => (Metric::DiveHighestUserWastedPercent, number()?),
                other => return Err(err(line, format!("unknown dive rule {other:?}"))),
            };
            b.limits.push(Limit { metric, value, line, key: format!("rules.{key}") });
        }
        Ok(b)
    }
}

/// The line of `key = ` (or `"key" =`, or `key:`) at or after byte `from`.
fn find_key_line(text: &str, from: usize, key: &str) -> Option<usize> {
    let start = text[..from.min(text.len())].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut offset = start;
    for l in text[start..].split_inclusive('\n') {
        let t = l.trim_start();
        let t = t
            .strip_prefix('"')
            .and_then(|t| t.strip_prefix(key))
            .and_then(|t| t.strip_prefix('"'))
            .or_else(|| t.strip_prefix(key));
        if let Some(rest) = t
            && (rest.trim_start().starts_with('=') || rest.trim_start().starts_with(':'))
        {
            return Some(line_of(text, offset));
        }
        offset += l.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_parses_with_lines() {
        let text = "[budget]\ntotal = \"350MB\"\nefficiency = 0.9\ndev-dependencies = \"0B\"\n\n[budget.categories]\ntoolchain = 0\ncache = \"1.5GiB\"\n[budget.paths]\n\"/app/**/*.map\" = \"0B\"\n";
        let b = Budget::parse(text, "weigh.toml").unwrap().unwrap();
        let got: Vec<(String, f64, usize)> =
            b.limits.iter().map(|l| (l.key.clone(), l.value, l.line)).collect();
        assert_eq!(
            got,
            [
                ("total".into(), 350e6, 2),
                ("efficiency".into(), 0.9, 3),
                ("dev-dependencies".into(), 0.0, 4),
                ("categories.toolchain".into(), 0.0, 7),
                ("categories.cache".into(), 1.5 * 1024.0 * 1024.0 * 1024.0, 8),
                ("paths./app/**/*.map".into(), 0.0, 10),
            ]
        );
        assert!(Budget::parse("[classify.paths]\n", "w.toml").unwrap().is_none());
    }

    #[test]
    fn bad_budgets_name_the_line() {
        for (text, line, what) in [
            ("[budget]\ntotal = \"350MB\"\ntotl = \"1GB\"\n", 3, "unknown key \"totl\""),
            ("[budget]\n\ntotal = \"lots\"\n", 3, "not a size"),
            ("[budget]\ntotal = -5\n", 2, "not a size"),
            (
                "[budget.categories]\ntoolchain = \"0B\"\ndevdeps = \"0B\"\n",
                3,
                "unknown category \"devdeps\"",
            ),
            ("[budget]\nefficiency = 1.5\n", 2, "between 0 and 1"),
            ("[budget]\ndeny = \"**/.git\"\n", 2, "list of path globs"),
            ("[budget]\ntotal = \n", 2, ""),
        ] {
            let e = Budget::parse(text, "weigh.toml").unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(what), "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("weigh.toml:{line}: ")), "{e}");
        }
    }

    #[test]
    fn dive_ci_rules() {
        let b = Budget::parse_dive_ci(
            "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n",
            ".dive-ci",
        )
        .unwrap();
        assert!(b.dive_ci);
        let got: Vec<(String, f64, usize)> =
            b.limits.iter().map(|l| (l.key.clone(), l.value, l.line)).collect();
        assert_eq!(
            got,
            [("rules.lowestEfficiency".into(), 0.95, 2), ("rules.highestWastedBytes".into(), 20e6, 3)]
        );
        let e = Budget::parse_dive_ci("rules:\n  lowestEfficiency: high\n", ".dive-ci").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
