//! A Dockerfile's stages and the instructions that make layers, from `--dockerfile`.
//! Parsing (continuations, heredocs, parser directives) is parse-dockerfile's.

use std::collections::HashMap;

use parse_dockerfile::{Command, Instruction, Source};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    pub name: Option<String>,
    /// The image or stage named by `FROM`, with ARGs substituted.
    pub from: String,
    pub steps: Vec<DStep>,
}

impl Stage {
    /// The name users know the stage by: its `AS` name, else its index.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("stage {}", self.index))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DStep {
    pub instruction: String,
    /// The arguments: a RUN's command (with its heredocs), a COPY's sources and destination.
    pub args: String,
    /// `COPY --from=NAME`: the stage (or image) the files come from.
    pub copy_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerfileError {
    /// What parse-dockerfile says is wrong.
    #[error("{0}")]
    Syntax(String),
    #[error("no FROM instruction")]
    NoFrom,
    #[error("no stage named {0:?}")]
    NoStage(String),
}

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
}

/// Substitutes `$VAR` and `${VAR}` (with `:-default`) from build args.
fn substitute(s: &str, args: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (expr, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => (after, after.len()),
            }
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], end)
        };
        let (name, default) = expr.split_once(":-").unwrap_or((expr, ""));
        out.push_str(args.get(name).map(String::as_str).unwrap_or(default));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

impl Dockerfile {
    pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
        let parsed = parse_dockerfile::parse(text).map_err(|e| DockerfileError::Syntax(e.to_string()))?;
        let mut args: HashMap<String, String> = HashMap::new();
        for a in parsed.global_args() {
            if let Some((k, v)) = a.arguments.value.trim().split_once('=') {
                args.insert(k.to_string(), v.trim_matches('"').to_string());
            }
        }
        let mut stages = Vec::new();
        for (index, st) in parsed.stages().enumerate() {
            let name = st.from.as_.as_ref().map(|(_, n)| n.value.to_lowercase());
            let from = substitute(&st.from.image.value, &args);
            let mut steps = Vec::new();
            for ins in st.instructions {
                let step = match ins {
                    Instruction::Run(r) => {
                        let mut a = match &r.arguments {
                            Command::Shell(s) => s.value.to_string(),
                            Command::Exec(e) => {
                                e.value.iter().map(|v| v.value.to_string()).collect::<Vec<_>>().join(" ")
                            }
                            _ => String::new(),
                        };
                        for h in &r.here_docs {
                            a.push('\n');
                            a.push_str(&h.value);
                        }
                        DStep { instruction: "RUN".into(), args: a, copy_from: None }
                    }
                    Instruction::Copy(c) => DStep {
                        instruction: "COPY".into(),
                        args: c
                            .src
                            .iter()
                            .filter_map(|s| match s {
                                Source::Path(p) => Some(p.value.to_string()),
                                _ => None,
                            })
                            .chain(std::iter::once(c.dest.value.to_string()))
                            .collect::<Vec<_>>()
                            .join(" "),
                        copy_from: c
                            .options
                            .iter()
                            .find(|f| f.name.value == "from")
                            .and_then(|f| f.value.as_ref())
                            .map(|v| substitute(&v.value, &args).to_lowercase()),
                    },
                    Instruction::Add(a) => {
                        DStep { instruction: "ADD".into(), args: a.dest.value.to_string(), copy_from: None }
                    }
                    Instruction::Workdir(w) => DStep {
                        instruction: "WORKDIR".into(),
                        args: w.arguments.value.to_string(),
                        copy_from: None,
                    },
                    _ => continue,
                };
                steps.push(step);
            }
            stages.push(Stage { index, name, from, steps });
        }
        if stages.is_empty() {
            return Err(DockerfileError::NoFrom);
        }
        Ok(Dockerfile { stages })
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        let lower = name.to_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| name.parse::<usize>().ok().and_then(|i| self.stages.get(i)))
    }

    /// The stages an image of `target` (default: the last stage) is built on, root first:
    /// `FROM base AS final` puts `base`'s layers under `final`'s.
    pub fn chain(&self, target: Option<&str>) -> Result<Vec<&Stage>, DockerfileError> {
        let mut cur = match target {
            Some(t) => self.stage(t).ok_or_else(|| DockerfileError::NoStage(t.to_string()))?,
            None => self.stages.last().ok_or(DockerfileError::NoFrom)?,
        };
        let mut chain = vec![cur];
        while let Some(parent) = self.stage(&cur.from).filter(|p| p.index < cur.index) {
            chain.push(parent);
            cur = parent;
        }
        chain.reverse();
        Ok(chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "
ARG NODE=20
FROM node:${NODE}-slim AS base
WORKDIR /app

FROM base AS build
RUN apt-get update \\
 && apt-get install -y g++
COPY package*.json ./
RUN <<EOT
npm ci
EOT

FROM base AS final
COPY --from=build /app/node_modules ./node_modules
USER node
";

    #[test]
    fn stages_chains_and_copy_from() {
        let d = Dockerfile::parse(MULTI).unwrap();
        assert_eq!(d.stages.len(), 3);
        assert_eq!(d.stages[0].from, "node:20-slim");
        let chain = d.chain(None).unwrap();
        assert_eq!(chain.iter().map(|s| s.label()).collect::<Vec<_>>(), ["base", "final"]);
        assert_eq!(chain[1].steps[0].copy_from.as_deref(), Some("build"));
        let build = d.stage("build").unwrap();
        assert_eq!(
            build.steps.iter().map(|s| s.instruction.as_str()).collect::<Vec<_>>(),
            ["RUN", "COPY", "RUN"]
        );
        assert!(build.steps[0].args.contains("apt-get install"));
        assert!(build.steps[2].args.contains("npm ci"));
    }

    #[test]
    fn bad_dockerfiles_are_errors() {
        assert!(Dockerfile::parse("RUN x").is_err());
        assert!(Dockerfile::parse("FROM a\nBOGUS x").is_err());
    }
}
