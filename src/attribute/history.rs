//! `created_by` → the Dockerfile instruction that made a layer, for the history forms real
//! builders write:
//!
//! - BuildKit: `RUN /bin/sh -c npm ci # buildkit`, `RUN |2 A=1 B=2 /bin/sh -c cmd # buildkit`,
//!   `COPY /app/dist ./dist # buildkit`, `WORKDIR /app` (comment `buildkit.dockerfile.v0`);
//! - classic docker and buildah: `/bin/sh -c #(nop) COPY dir:<hash> in ./dist `,
//!   `/bin/sh -c npm ci`, `|1 A=1 /bin/sh -c cmd`;
//! - plain `RUN npm ci`, as kaniko and others write.

use serde::Serialize;

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    Buildkit,
    Classic,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `RUN`, `COPY`, ...
    pub instruction: String,
    /// The arguments; for RUN, the shell command without the `/bin/sh -c` wrapper.
    pub args: String,
    pub builder: Builder,
}

/// Strips `|N A=1 B=2 ` build-arg prefixes and the `/bin/sh -c` wrapper from a RUN.
fn run_command(s: &str) -> String {
    let mut s = s.trim();
    if s.starts_with('|')
        && let Some((_, cmd)) = s.split_once(" /bin/sh -c ")
    {
        s = cmd;
    }
    s.strip_prefix("/bin/sh -c ").unwrap_or(s).trim().to_string()
}

fn keyword_and_rest(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let (word, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    KEYWORDS.contains(&word).then_some((word, rest.trim()))
}

pub fn parse(created_by: &str, comment: Option<&str>) -> Option<Step> {
    let s = created_by.trim();
    let buildkit_suffix = s.strip_suffix("# buildkit");
    let buildkit = buildkit_suffix.is_some() || comment == Some("buildkit.dockerfile.v0");
    let s = buildkit_suffix.unwrap_or(s).trim();
    let make =
        |instruction: &str, args: String, builder| Step { instruction: instruction.into(), args, builder };
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        let (kw, args) = keyword_and_rest(rest)?;
        return Some(make(kw, args.to_string(), Builder::Classic));
    }
    if s.starts_with("/bin/sh -c ") || (s.starts_with('|') && s.contains(" /bin/sh -c ")) {
        return Some(make("RUN", run_command(s), Builder::Classic));
    }
    let (kw, args) = keyword_and_rest(s)?;
    let builder = if buildkit { Builder::Buildkit } else { Builder::Other };
    let args = if kw == "RUN" { run_command(args) } else { args.to_string() };
    Some(make(kw, args, builder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (String, String, Builder) {
        let st = parse(s, None).unwrap();
        (st.instruction, st.args, st.builder)
    }

    #[test]
    fn buildkit_forms() {
        assert_eq!(p("RUN /bin/sh -c npm ci # buildkit"), ("RUN".into(), "npm ci".into(), Builder::Buildkit));
        assert_eq!(p("RUN |2 A=1 B=2 /bin/sh -c make all # buildkit").1, "make all");
        assert_eq!(
            p("COPY /app/dist ./dist # buildkit"),
            ("COPY".into(), "/app/dist ./dist".into(), Builder::Buildkit)
        );
        let w = parse("WORKDIR /app", Some("buildkit.dockerfile.v0")).unwrap();
        assert_eq!((w.instruction.as_str(), w.builder), ("WORKDIR", Builder::Buildkit));
    }

    #[test]
    fn classic_and_buildah_forms() {
        assert_eq!(
            p("/bin/sh -c #(nop) COPY dir:abc in ./dist "),
            ("COPY".into(), "dir:abc in ./dist".into(), Builder::Classic)
        );
        assert_eq!(p("/bin/sh -c #(nop)  ENV A=b"), ("ENV".into(), "A=b".into(), Builder::Classic));
        assert_eq!(p("/bin/sh -c npm ci"), ("RUN".into(), "npm ci".into(), Builder::Classic));
        assert_eq!(p("|1 NODE_ENV=production /bin/sh -c npm ci").1, "npm ci");
        assert_eq!(p("RUN npm ci"), ("RUN".into(), "npm ci".into(), Builder::Other));
    }

    #[test]
    fn unknown_forms() {
        assert_eq!(parse("/bin/sh", None), None);
        assert_eq!(parse("", None), None);
        assert_eq!(parse("debootstrap bookworm", None), None);
    }
}
