//! What will break or leak in the final image, found from its bytes: native code that cannot
//! load (another libc or architecture, a library the image lacks, a glibc too old), broken
//! links and a command that is not there, secrets (in hidden layers too: every pull downloads
//! them), the root user, setuid and world-writable files, and two platforms' variants of one
//! native package. Each finding is data with a stable id; `report::fmt` words it.

mod links;
mod native;
mod perms;
pub mod secrets;
mod variants;

use serde::Serialize;

use crate::analysis::ImageInfo;
use crate::classify::Classification;
use crate::index::{Index, NodeId};

/// The stable ids (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    LibcMismatch,
    ArchMismatch,
    MissingLibrary,
    GlibcTooOld,
    MissingEntrypoint,
    RuntimeDownload,
    DanglingSymlink,
    Secret,
    SecretInHiddenLayer,
    PrivateKey,
    RootUser,
    Setuid,
    WorldWritable,
    DuplicateNativeVariants,
}

impl FindingId {
    pub const ALL: [FindingId; 14] = [
        FindingId::LibcMismatch,
        FindingId::ArchMismatch,
        FindingId::MissingLibrary,
        FindingId::GlibcTooOld,
        FindingId::MissingEntrypoint,
        FindingId::RuntimeDownload,
        FindingId::DanglingSymlink,
        FindingId::Secret,
        FindingId::SecretInHiddenLayer,
        FindingId::PrivateKey,
        FindingId::RootUser,
        FindingId::Setuid,
        FindingId::WorldWritable,
        FindingId::DuplicateNativeVariants,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingId::LibcMismatch => "libc-mismatch",
            FindingId::ArchMismatch => "arch-mismatch",
            FindingId::MissingLibrary => "missing-library",
            FindingId::GlibcTooOld => "glibc-too-old",
            FindingId::MissingEntrypoint => "missing-entrypoint",
            FindingId::RuntimeDownload => "runtime-download",
            FindingId::DanglingSymlink => "dangling-symlink",
            FindingId::Secret => "secret",
            FindingId::SecretInHiddenLayer => "secret-in-hidden-layer",
            FindingId::PrivateKey => "private-key",
            FindingId::RootUser => "root-user",
            FindingId::Setuid => "setuid",
            FindingId::WorldWritable => "world-writable",
            FindingId::DuplicateNativeVariants => "duplicate-native-variants",
        }
    }

    pub fn parse(s: &str) -> Option<FindingId> {
        FindingId::ALL.into_iter().find(|f| f.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Error, Severity::Warning, Severity::Info].into_iter().find(|x| x.name() == s)
    }
}

/// A C library a binary is built for or an image has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
}

/// Why an entrypoint cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The executable is not in the image (on `PATH`, or at the path given).
    Executable,
    /// It is there but not executable.
    NotExecutable,
    /// The interpreter is there; the script it is given is not.
    Script(String),
}

/// What each finding is about; `report::fmt::finding` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    LibcMismatch { needs: Libc, image: Option<Libc>, package: Option<String> },
    ArchMismatch { machine: u16, image: String },
    MissingLibrary { library: String, needed_by: String },
    GlibcTooOld { needs: (u32, u32), has: (u32, u32) },
    MissingEntrypoint { command: String, missing: Missing },
    RuntimeDownload { tool: String },
    DanglingSymlinks { dir: String, count: usize, example: (String, String), gone: Option<usize> },
    Secret { kind: &'static str, hint: String, hidden_by: Option<usize> },
    RootUser { user: Option<String> },
    Setuid { count: usize },
    WorldWritable { count: usize },
    DuplicateNativeVariants { family: String, variants: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    pub what: What,
    /// The paths it is about, at most [`MAX_PATHS`] (`more` counts the rest).
    pub paths: Vec<String>,
    pub more: usize,
    /// The layer that wrote it, when one did.
    pub layer: Option<usize>,
    /// Bytes of the files it is about.
    pub bytes: u64,
}

/// Paths listed per finding; the rest are counted.
pub const MAX_PATHS: usize = 20;

impl Finding {
    fn new(id: FindingId, severity: Severity, what: What) -> Finding {
        Finding { id, severity, what, paths: Vec::new(), more: 0, layer: None, bytes: 0 }
    }

    fn with_paths(mut self, ix: &Index, nodes: &[NodeId]) -> Finding {
        self.bytes = nodes.iter().map(|&n| ix.node_size(n)).sum();
        self.paths = nodes.iter().take(MAX_PATHS).map(|&n| ix.paths.path(n)).collect();
        self.more = nodes.len().saturating_sub(MAX_PATHS);
        self.layer = nodes
            .first()
            .and_then(|&n| ix.entries.get(ix.current[n as usize] as usize))
            .map(|e| e.layer as usize);
        self
    }
}

// The documents carry a finding with its words.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (title, detail) = crate::report::fmt::finding(self);
        let mut st = s.serialize_struct("Finding", 8)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("title", &title)?;
        st.serialize_field("detail", &detail)?;
        st.serialize_field("paths", &self.paths)?;
        st.serialize_field("more_paths", &self.more)?;
        st.serialize_field("layer", &self.layer)?;
        st.serialize_field("bytes", &self.bytes)?;
        st.end()
    }
}

/// What the findings read.
pub struct Cx<'a> {
    pub ix: &'a Index,
    pub classes: &'a Classification,
    pub image: &'a ImageInfo,
    pub env: &'a [String],
    pub architecture: &'a str,
}

/// Every finding, most severe first.
pub fn find(cx: &Cx) -> Vec<Finding> {
    let mut out = Vec::new();
    native::find(cx, &mut out);
    links::find(cx, &mut out);
    secrets::find(cx, &mut out);
    perms::find(cx, &mut out);
    variants::find(cx, &mut out);
    out.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.id.cmp(&b.id)).then(b.bytes.cmp(&a.bytes)));
    out
}

/// Whether the indexer should keep a file's contents for the findings (secret candidates).
pub fn wants_content(path: &str) -> bool {
    secrets::wants(path)
}
