//! What points at nothing: symlinks whose target is not in the final tree (grouped by
//! directory, so a monorepo stage's 2,000 broken `node_modules` links are one finding), the
//! command's executable or script missing, and a package manager the command runs that
//! corepack would download at every start.

use std::collections::BTreeMap;

use super::{Cx, Finding, FindingId, Missing, Severity, What};
use crate::classify::paths::{follow, resolve};
use crate::index::{Kind, NONE, NodeId};

/// Targets under these exist at run time only (`/etc/mtab` → `/proc/self/mounts`).
const RUNTIME_DIRS: &[&str] = &["proc", "sys", "dev", "run"];

pub fn find(cx: &Cx, out: &mut Vec<Finding>) {
    dangling(cx, out);
    entrypoint(cx, out);
}

/// The broken links of one directory.
struct Group {
    nodes: Vec<NodeId>,
    /// One link and its target, to show.
    example: (String, String),
    /// The latest layer that deleted a target the links point at.
    gone: Option<usize>,
}

fn dangling(cx: &Cx, out: &mut Vec<Finding>) {
    let ix = cx.ix;
    let mut groups: BTreeMap<NodeId, Group> = BTreeMap::new();
    for (node, e) in ix.final_files() {
        if e.kind() != Kind::Symlink {
            continue;
        }
        let Some(target) = ix.symlink_target(ix.current[node as usize]) else { continue };
        let dir = ix.paths.parent(node).unwrap_or(crate::index::ROOT);
        let base = ix.paths.path(dir);
        let abs = if target.starts_with('/') { target.to_string() } else { format!("{base}/{target}") };
        let Ok(clean) = crate::path::normalize(&abs) else { continue };
        if RUNTIME_DIRS.contains(&clean.split('/').next().unwrap_or("")) || follow(ix, &clean).is_some() {
            continue;
        }
        // A target the image once had: which layer hid it.
        let gone = ix.paths.find(&clean).and_then(|t| {
            ix.entries
                .iter()
                .filter(|x| x.node == t && x.hidden_by != crate::index::NO_LAYER)
                .map(|x| x.hidden_by as usize)
                .max()
        });
        let g = groups.entry(dir).or_insert_with(|| Group {
            nodes: Vec::new(),
            example: (ix.paths.path(node), target.to_string()),
            gone: None,
        });
        g.nodes.push(node);
        g.gone = g.gone.max(gone);
    }
    for (dir, Group { nodes, example, gone }) in groups {
        let what = What::DanglingSymlinks { dir: ix.paths.path(dir), count: nodes.len(), example, gone };
        out.push(Finding::new(FindingId::DanglingSymlink, Severity::Warning, what).with_paths(ix, &nodes));
    }
}

/// The image's `PATH`.
fn path_dirs<'a>(cx: &Cx<'a>) -> Vec<&'a str> {
    cx.env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .split(':')
        .filter(|d| !d.is_empty())
        .collect()
}

fn entrypoint(cx: &Cx, out: &mut Vec<Finding>) {
    let ix = cx.ix;
    let argv: Vec<&str> = cx
        .image
        .entrypoint
        .iter()
        .flatten()
        .chain(cx.image.cmd.iter().flatten())
        .map(String::as_str)
        .collect();
    let Some(&first) = argv.first() else { return };
    let workdir = cx.image.working_dir.as_deref().unwrap_or("/");
    let at = |word: &str| -> Option<NodeId> {
        if word.contains('/') {
            let p = if word.starts_with('/') { word.to_string() } else { format!("{workdir}/{word}") };
            return follow(ix, &p);
        }
        path_dirs(cx).into_iter().find_map(|d| follow(ix, &format!("{d}/{word}")).filter(|&n| ix.is_file(n)))
    };
    let word = first.split_whitespace().next().unwrap_or(first);
    let tool = word.rsplit('/').next().unwrap_or(word);
    // pnpm and yarn through corepack: its shims fetch the tool when it first runs, in every
    // new container, unless the image carries it.
    if matches!(tool, "pnpm" | "pnpx" | "yarn" | "yarnpkg") || (tool == "corepack" && argv.len() > 1) {
        let tool = if tool == "corepack" { argv[1] } else { tool };
        let shim = at(word).map(|n| ix.paths.path(n)).is_none_or(|p| p.contains("/corepack/"));
        let prepared = ix.paths.find("root/.cache/node/corepack").is_some()
            || cx.env.iter().any(|e| e.starts_with("COREPACK_HOME="))
            || (0..ix.paths.len() as NodeId).any(|n| {
                ix.visible(n)
                    && ix.paths.name(n) == "corepack"
                    && ix.paths.parent(n).is_some_and(|p| {
                        ix.paths.name(p) == "node"
                            && ix.paths.parent(p).is_some_and(|c| ix.paths.name(c) == ".cache")
                    })
            });
        if shim && !prepared {
            let mut f = Finding::new(
                FindingId::RuntimeDownload,
                Severity::Warning,
                What::RuntimeDownload { tool: tool.to_string() },
            );
            f.paths = at(word).map(|n| vec![ix.paths.path(n)]).unwrap_or_default();
            out.push(f);
            return;
        }
    }
    let command = argv.join(" ");
    let missing = match at(word) {
        None => Some(Missing::Executable),
        Some(n) => {
            let e = ix.current[n as usize];
            let exec = e != NONE && ix.meta(&ix.entries[e as usize]).mode & 0o111 != 0;
            if ix.is_file(n) && !exec {
                Some(Missing::NotExecutable)
            } else {
                script(cx, tool, &argv[1..], &at)
            }
        }
    };
    if let Some(missing) = missing {
        let mut f = Finding::new(
            FindingId::MissingEntrypoint,
            Severity::Error,
            What::MissingEntrypoint { command, missing },
        );
        f.paths = vec![word.to_string()];
        out.push(f);
    }
}

/// The script an interpreter is given, when it is not in the image.
fn script(cx: &Cx, tool: &str, args: &[&str], at: &dyn Fn(&str) -> Option<NodeId>) -> Option<Missing> {
    let interpreter =
        tool == "node" || tool == "nodejs" || tool == "bun" || tool.starts_with("python") || tool == "ruby";
    if !interpreter {
        return None;
    }
    for a in args {
        // `node -e ...`, `python -m module`, `python -c ...`: no script file.
        if matches!(*a, "-e" | "--eval" | "-p" | "--print" | "-m" | "-c") {
            return None;
        }
        if a.starts_with('-') {
            continue;
        }
        let found = at(a).or_else(|| resolve(cx.ix, a));
        return match found {
            Some(_) => None,
            // `node dist/server` resolves `dist/server.js` or a directory's index.
            None if ["js", "cjs", "mjs"].iter().any(|x| at(&format!("{a}.{x}")).is_some()) => None,
            None => Some(Missing::Script(a.to_string())),
        };
    }
    None
}
