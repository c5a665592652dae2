//! What the image runs, down to the libraries it loads: the entrypoint and command's
//! executables, the language runtime's binaries, and every native addon (`*.node`, Python
//! extension modules), each followed through its `DT_NEEDED` libraries as the dynamic loader
//! would find them in the final tree (`RUNPATH`/`RPATH` with `$ORIGIN`, the loader's search
//! path, the usual library directories).

use std::collections::{HashMap, HashSet};

use super::Facts;
use super::paths::follow;
use crate::index::elf::ElfInfo;
use crate::index::{Index, NodeId};

/// Library directories both loaders search when nothing else says.
const LIB_DIRS: &[&str] = &[
    "lib",
    "usr/lib",
    "lib64",
    "usr/lib64",
    "usr/local/lib",
    "lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu",
    "lib/aarch64-linux-gnu",
    "usr/lib/aarch64-linux-gnu",
    "usr/local/lib64",
];

/// The loader's own search path files: glibc's `ld.so.conf` (with its `include`s) and musl's
/// `/etc/ld-musl-ARCH.path`.
pub fn wants(path: &str) -> bool {
    path == "etc/ld.so.conf"
        || (path.starts_with("etc/ld.so.conf.d/") && path.ends_with(".conf"))
        || (path.starts_with("etc/ld-musl-") && path.ends_with(".path"))
}

/// What runs and what it loads.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every ELF file in the closure, with the roots whose loading brings it in (sorted).
    pub by: HashMap<NodeId, Vec<NodeId>>,
    /// The roots: what the image runs directly.
    pub roots: Vec<NodeId>,
    /// Libraries a file needs that are nowhere in the image: (the file, the library).
    pub missing: Vec<(NodeId, String)>,
}

/// The directories the loader searches, from its configuration in the image, then the usual
/// ones.
fn search_dirs(ix: &Index, meta: &super::owners::Meta) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    let mut conf: Vec<&[u8]> = Vec::new();
    for (path, text) in meta.iter() {
        if wants(path) {
            conf.push(text);
        }
    }
    for text in conf {
        for line in String::from_utf8_lossy(text).lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            // musl's path file separates with newlines or colons; glibc's `include` lines
            // name the conf.d files, which are read here anyway.
            if line.is_empty() || line.starts_with("include ") {
                continue;
            }
            for d in line.split(':') {
                let d = d.trim().trim_matches('/');
                if !d.is_empty() && !dirs.iter().any(|x| x == d) {
                    dirs.push(d.to_string());
                }
            }
        }
    }
    let _ = ix;
    for d in LIB_DIRS {
        if !dirs.iter().any(|x| x == d) {
            dirs.push(d.to_string());
        }
    }
    dirs
}

/// The executable a command word names: a path, or a name looked up on the image's `PATH`.
fn command(ix: &Index, word: &str, path_env: &[String], workdir: &str) -> Option<NodeId> {
    if word.contains('/') {
        let p = if word.starts_with('/') { word.to_string() } else { format!("{workdir}/{word}") };
        return follow(ix, &p).filter(|&n| ix.is_file(n));
    }
    path_env.iter().find_map(|d| follow(ix, &format!("{d}/{word}")).filter(|&n| ix.is_file(n)))
}

/// The program the image runs (the first word of ENTRYPOINT, else of CMD), when it is an ELF
/// executable: a service built into the image (`ENTRYPOINT ["weigh"]`, a Go server) is the
/// app even where it lives in a system directory.
pub fn entry_program(ix: &Index, facts: &Facts) -> Option<NodeId> {
    let first = facts.argv.first()?.split_whitespace().next()?;
    let workdir = facts.working_dir.as_deref().unwrap_or("/");
    command(ix, first, &path_env(facts), workdir).filter(|&n| ix.elf(n).is_some())
}

/// The image's `PATH`, or the default one.
fn path_env(facts: &Facts) -> Vec<String> {
    let p = facts
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    p.split(':').filter(|d| !d.is_empty()).map(String::from).collect()
}

/// Whether a file is a native extension a language runtime loads.
fn is_addon(name: &str, path: &str) -> bool {
    name.ends_with(".node")
        || ((path.contains("/site-packages/") || path.contains("/dist-packages/"))
            && (name.contains(".cpython-") || name.contains(".abi3.") || name.ends_with(".so")))
}

pub fn closure(ix: &Index, facts: &Facts, meta: &super::owners::Meta) -> Loaded {
    let mut out = Loaded::default();
    let env = path_env(facts);
    let workdir = facts.working_dir.as_deref().unwrap_or("/");
    let mut roots: Vec<NodeId> = Vec::new();
    // The command's words that name executables (`node`, `/usr/local/bin/gunicorn`, a shell).
    for w in facts.argv.iter().flat_map(|a| a.split_whitespace()) {
        if w.starts_with('-') {
            continue;
        }
        if let Some(n) = command(ix, w, &env, workdir).filter(|&n| ix.elf(n).is_some()) {
            roots.push(n);
        }
    }
    for rt in ["node", "python3", "python", "java", "ruby"] {
        if let Some(n) = command(ix, rt, &env, workdir).filter(|&n| ix.elf(n).is_some()) {
            roots.push(n);
        }
    }
    for (node, _) in ix.final_files() {
        if ix.elf(node).is_none() {
            continue;
        }
        let name = ix.paths.name(node);
        if (name.ends_with(".node") || name.contains(".so")) && is_addon(name, &ix.paths.path(node)) {
            roots.push(node);
        }
    }
    roots.sort_unstable();
    roots.dedup();
    let dirs = search_dirs(ix, meta);
    // What each file loads, resolved once: roots share most of their libraries.
    let mut edges: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for &root in &roots {
        let mut seen = HashSet::from([root]);
        let mut todo = vec![root];
        while let Some(file) = todo.pop() {
            let next = edges.entry(file).or_insert_with(|| loads(ix, file, &dirs, &mut out.missing));
            todo.extend(next.iter().filter(|&&n| seen.insert(n)));
        }
        for n in seen {
            out.by.entry(n).or_default().push(root);
        }
    }
    out.roots = roots;
    out
}

/// The files `file` makes the loader open (its interpreter and its libraries); a library
/// found nowhere goes to `missing`.
fn loads(ix: &Index, file: NodeId, dirs: &[String], missing: &mut Vec<(NodeId, String)>) -> Vec<NodeId> {
    let Some(info) = ix.elf(file) else { return Vec::new() };
    let origin = ix.paths.parent(file).map(|d| ix.paths.path(d)).unwrap_or_else(|| "/".into());
    let mut out = Vec::new();
    if let Some(n) = info.interpreter.as_deref().and_then(|i| follow(ix, i)).filter(|&n| ix.is_file(n)) {
        out.push(n);
    }
    for lib in &info.needed {
        match find_library(ix, info, lib, &origin, dirs) {
            Some(n) => out.push(n),
            None => missing.push((file, lib.clone())),
        }
    }
    out
}

/// Where the loader finds `lib` for `info` (in directory `origin`): a name with a slash as it
/// is, else `RUNPATH`/`RPATH` (with `$ORIGIN`), then the search directories.
fn find_library(ix: &Index, info: &ElfInfo, lib: &str, origin: &str, dirs: &[String]) -> Option<NodeId> {
    if lib.contains('/') {
        let p = if lib.starts_with('/') { lib.to_string() } else { format!("{origin}/{lib}") };
        return follow(ix, &p).filter(|&n| ix.is_file(n));
    }
    let own = info.search.iter().map(|d| d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin));
    own.chain(dirs.iter().cloned()).find_map(|d| follow(ix, &format!("{d}/{lib}")).filter(|&n| ix.is_file(n)))
}
