//! The one call that turns an image reference into an [`Analysis`]: source → index →
//! attribute → classify. The CLI, the TUI's loader, the tests and the examples all go through
//! [`analyze`] (or [`layers`] for what the manifest and config alone say), with [`Options`]
//! validated once from whatever the caller was given.

use std::path::PathBuf;

use crate::analysis::Analysis;
use crate::attribute::dockerfile::Dockerfile;
use crate::attribute::{
    AttributeError, Attribution, HistoryInfo, attribute, attribute_any_target, pair_history,
};
use crate::classify::Rules;
use crate::index::{Index, IndexOptions, Progress};
use crate::limits::Limits;
use crate::source::registry::RegistryOptions;
use crate::source::{Image, OpenOptions, Platform, SourceError};

/// Everything an analysis depends on besides the image, checked before any image is read.
#[derive(Default)]
pub struct Options {
    /// `--platform`; `None` picks this machine's from a multi-platform index.
    pub platform: Option<Platform>,
    /// The Dockerfile the image was built from, with the stage it was built as (`--target`;
    /// `None` for the last stage).
    pub dockerfile: Option<(Dockerfile, Option<String>)>,
    /// A Dockerfile found rather than given (`--context`, or the current directory's): its
    /// stages are used only when the image's history matches it.
    pub found_dockerfile: Option<FoundDockerfile>,
    /// An image whose layers are this one's base.
    pub base: Option<String>,
    /// The user's classification rules.
    pub rules: Rules,
    pub registry: RegistryOptions,
    /// Where layer indexes are kept by diff_id (`--cache-dir`).
    pub cache_dir: Option<PathBuf>,
    /// What an image may make weigh do (`--limit`).
    pub limits: Limits,
}

impl Options {
    fn open(&self) -> OpenOptions {
        OpenOptions { platform: self.platform.clone(), registry: self.registry.clone(), limits: self.limits }
    }
}

/// See [`Options::found_dockerfile`].
pub struct FoundDockerfile {
    /// As the notes name it (`./Dockerfile`).
    pub path: String,
    pub dockerfile: Dockerfile,
    pub target: Option<String>,
    /// Asked for (`--context`): a mismatch is a note. The current directory's is tried
    /// quietly, as it may be any project's.
    pub asked: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The image (or the base image) cannot be opened or read.
    // The causes are not `#[source]`s: the message already says them, and a chain would
    // repeat them when printed with their sources.
    #[error("{reference}: {error}")]
    Source { reference: String, error: SourceError },
    #[error("{reference}: not built on {base} (its layers are not a prefix of this image's)")]
    NotBuiltOn { reference: String, base: String },
    #[error("{reference}: {error}")]
    Attribute { reference: String, error: AttributeError },
}

fn source(reference: &str) -> impl FnOnce(SourceError) -> Error + '_ {
    move |error| Error::Source { reference: reference.to_string(), error }
}

/// The layers of an image as its manifest and config describe them, attributed: nothing but
/// the manifest and the config is read.
pub struct Layers {
    pub image: Image,
    pub history: Vec<Option<HistoryInfo>>,
    pub attribution: Vec<Attribution>,
    /// Where the stages came from, for the report's notes.
    pub notes: Vec<String>,
}

/// Opens the image and attributes its layers, without reading any of them.
pub fn layers(reference: &str, opts: &Options) -> Result<Layers, Error> {
    let image = Image::open(reference, &opts.open()).map_err(source(reference))?;
    let base_layers = match &opts.base {
        Some(base) => Some(base_prefix(reference, &image, base, opts)?),
        None => None,
    };
    let history = pair_history(&image.config, image.layers.len());
    let given = opts.dockerfile.as_ref().map(|(d, t)| (d, t.as_deref()));
    let failed = |error| Error::Attribute { reference: reference.to_string(), error };
    let mut notes = Vec::new();
    // The most trusted evidence first: the Dockerfile given, the provenance's, one found;
    // else the history alone.
    let attribution = match given {
        Some((d, None)) => {
            let (a, target) = attribute_any_target(&history, d, base_layers).map_err(failed)?;
            if let Some(t) = target {
                notes.push(format!(
                    "target {t}: the stage the image's history matches (not the Dockerfile's last)"
                ));
            }
            a
        }
        Some(d) => attribute(&history, Some(d), base_layers).map_err(failed)?,
        None => match provenance_stages(&image, &history, base_layers, &mut notes).or_else(|| {
            opts.found_dockerfile.as_ref().and_then(|f| found_stages(f, &history, base_layers, &mut notes))
        }) {
            Some(a) => a,
            None => attribute(&history, None, base_layers).map_err(failed)?,
        },
    };
    Ok(Layers { image, history, attribution, notes })
}

/// The stages a found Dockerfile gives, when the image's history matches it; a mismatch is a
/// note when the Dockerfile was asked for.
fn found_stages(
    f: &FoundDockerfile,
    history: &[Option<HistoryInfo>],
    base_layers: Option<usize>,
    notes: &mut Vec<String>,
) -> Option<Vec<Attribution>> {
    let attributed = match f.target.as_deref() {
        Some(t) => attribute(history, Some((&f.dockerfile, Some(t))), base_layers).map(|a| (a, None)),
        None => attribute_any_target(history, &f.dockerfile, base_layers),
    };
    let why = match attributed {
        Ok((a, target)) if a.iter().any(|a| a.stage.is_some()) => {
            let target = target.map(|t| format!(", as its target {t}")).unwrap_or_default();
            notes.push(format!("stages from {}: the image's history matches it{target}", f.path));
            return Some(a);
        }
        Ok(_) => "none of its steps made a layer of the image".to_string(),
        Err(e) => e.to_string(),
    };
    if f.asked {
        notes.push(format!("{} is not used: {why}", f.path));
    }
    None
}

/// The stages the image's provenance gives: its Dockerfile and target, when it records them
/// (mode=max) and the history matches them. What it could not give is a note.
fn provenance_stages(
    image: &Image,
    history: &[Option<HistoryInfo>],
    base_layers: Option<usize>,
    notes: &mut Vec<String>,
) -> Option<Vec<Attribution>> {
    let p = image.provenance.as_ref()?;
    let what = format!("the build's provenance (SLSA {}, {})", p.version(), short(&p.attestation));
    let Some(text) = &p.dockerfile else {
        notes.push(format!(
            "{what} records no Dockerfile (it was made with mode=min): stages from what else there is"
        ));
        return None;
    };
    let name = p.dockerfile_name.as_deref().unwrap_or("Dockerfile");
    let parsed = Dockerfile::parse(text).map_err(|e| e.to_string());
    let attributed = parsed.and_then(|d| {
        attribute(history, Some((&d, p.target.as_deref())), base_layers).map_err(|e| e.to_string())
    });
    match attributed {
        Ok(mut a) => {
            for x in a.iter_mut().filter(|x| x.stage_from.is_some()) {
                x.stage_from = Some(crate::attribute::StageFrom::Provenance);
            }
            let target = p.target.as_deref().map(|t| format!(", target {t}")).unwrap_or_default();
            notes.push(format!("stages from {what}: its Dockerfile {name}{target}"));
            Some(a)
        }
        Err(e) => {
            notes.push(format!("{what}: its Dockerfile {name} is not used: {e}"));
            None
        }
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}

/// How many layers at the bottom of `image` are `base`'s.
fn base_prefix(reference: &str, image: &Image, base: &str, opts: &Options) -> Result<usize, Error> {
    let b = Image::open(base, &opts.open()).map_err(source(base))?;
    let ids = |i: &Image| i.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>();
    let (mine, theirs) = (ids(image), ids(&b));
    if theirs.is_empty() || !mine.starts_with(&theirs) {
        return Err(Error::NotBuiltOn { reference: reference.to_string(), base: base.to_string() });
    }
    Ok(theirs.len())
}

/// Reads every layer of the image and analyses it. `progress` hears about each layer.
pub fn analyze(reference: &str, opts: &Options, progress: &dyn Progress) -> Result<Analysis, Error> {
    let Layers { image, history, attribution, notes } = layers(reference, opts)?;
    let index_opts =
        IndexOptions { cache: opts.cache_dir.clone(), limits: opts.limits, ..IndexOptions::default() };
    let index = Index::build(&image, index_opts, progress);
    let index = index.map_err(source(reference)).inspect_err(|_| progress.finished())?;
    progress.phase("classifying");
    let mut analysis = Analysis::new(&image, index, history, attribution, &opts.rules);
    analysis.note_stages(notes);
    progress.finished();
    Ok(analysis)
}
