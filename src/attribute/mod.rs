//! Layer → history entry. (Instructions and stages build on this.)

pub mod dockerfile;
pub mod history;

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
    /// A CMD or ENTRYPOINT came between the previous layer and this one: an image's last
    /// words, so this layer starts a build on top of a finished image.
    #[serde(skip)]
    pub after_image_end: bool,
}

/// Pairs each layer with its history entry. Entries marked `empty_layer` (ENV, CMD, ...) made
/// no layer and are skipped. When the counts disagree (squashed or hand-made images) only the
/// trailing entries are paired, since builders append history as they add layers.
pub fn pair_history(config: &ImageConfiguration, layers: usize) -> Vec<Option<HistoryInfo>> {
    let mut ended = false;
    let mut with_layers: Vec<HistoryInfo> = Vec::new();
    for h in config.history().as_deref().unwrap_or_default() {
        if h.empty_layer().unwrap_or(false) {
            let step = h.created_by().as_deref().and_then(|c| history::parse(c, h.comment().as_deref()));
            ended |= step.is_some_and(|s| matches!(s.instruction.as_str(), "CMD" | "ENTRYPOINT"));
            continue;
        }
        with_layers.push(HistoryInfo {
            created_by: h.created_by().clone(),
            created: h.created().clone(),
            comment: h.comment().clone(),
            after_image_end: std::mem::take(&mut ended),
        });
    }
    let mut out = vec![None; layers];
    let skip = layers.saturating_sub(with_layers.len());
    let from = with_layers.len().saturating_sub(layers);
    for (slot, h) in out.iter_mut().skip(skip).zip(with_layers.into_iter().skip(from)) {
        *slot = Some(h);
    }
    out
}

/// Why layers cannot be attributed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    #[error(
        "the Dockerfile does not match the image: layer {} was made by `{} {}` where the Dockerfile has `{} {}` (stage {})",
        .0.layer, .0.made_by.0, crate::report::fmt::short_command(&.0.made_by.1, 60),
        .0.expected.0, crate::report::fmt::short_command(&.0.expected.1, 60), .0.stage
    )]
    Mismatch(Box<Mismatch>),
    #[error(
        "the Dockerfile does not match the image: `{} {}` (stage {stage}) has no layer left to match",
        expected.0, crate::report::fmt::short_command(&expected.1, 60)
    )]
    NoLayerLeft { expected: (String, String), stage: String },
    #[error(transparent)]
    Dockerfile(#[from] dockerfile::DockerfileError),
}

/// A layer whose history is not the Dockerfile step it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub layer: usize,
    /// The history's instruction and arguments.
    pub made_by: (String, String),
    /// The Dockerfile's.
    pub expected: (String, String),
    pub stage: String,
}

/// What made a layer: its instruction, and the stage whose output it is.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Attribution {
    /// `RUN`, `COPY`, ... when the history says.
    pub instruction: Option<String>,
    /// The instruction's arguments as the history records them.
    pub args: Option<String>,
    /// The Dockerfile stage whose output the layer is (for `COPY --from=NAME`, NAME); without
    /// a Dockerfile, `final` for what the build made; null for base-image layers and layers
    /// without history.
    pub stage: Option<String>,
    /// Whether the layer came with the `FROM` image.
    pub base_image: bool,
    /// What says which stage made the layer; null when nothing does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_from: Option<StageFrom>,
}

/// The evidence for a layer's stage, most trusted first.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StageFrom {
    /// The Dockerfile the image was built from (`--dockerfile`, or found beside it).
    Dockerfile,
    /// The Dockerfile and target the build's provenance attestation records.
    Provenance,
    /// The image's history alone: one build after the base, so one final stage.
    History,
}

/// The stage of the layers above the base when only the history says what made them.
pub const FINAL_STAGE: &str = "final";

/// The stage of a build layer nothing attributes.
pub const UNKNOWN_STAGE: &str = "unknown stage";

impl Attribution {
    /// The stage a layer's files are attributed to, as every table shows it.
    pub fn stage_label(&self) -> &str {
        match (&self.stage, self.base_image) {
            (_, true) => "base image",
            (Some(s), false) => s,
            (None, false) => UNKNOWN_STAGE,
        }
    }
}

fn normalize(s: &str) -> String {
    s.replace("\\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a history step is the Dockerfile step. RUN commands must agree; COPY and ADD must
/// agree on the destination (builders record sources differently: BuildKit by path,
/// buildah and classic docker by content hash).
fn step_matches(layer: &history::Step, d: &dockerfile::DStep) -> bool {
    if layer.instruction != d.instruction {
        return false;
    }
    match d.instruction.as_str() {
        "RUN" => {
            let (a, b) = (normalize(&layer.args), normalize(&d.args));
            a == b || a.ends_with(&b) || b.ends_with(&a)
        }
        "COPY" | "ADD" => {
            let dest = d.args.split_whitespace().last().unwrap_or("");
            normalize(&layer.args).split_whitespace().last() == Some(dest)
        }
        _ => true,
    }
}

/// Attributes every layer. With a Dockerfile, the layer-making steps of the target stage
/// and the stages it is built `FROM` are matched to the image's layers from the top down;
/// what is left below is the base image. Without one, `base_layers` (from `--base`) or the
/// history decides where the base image ends: it ends before the first step a builder wrote.
pub fn attribute(
    history: &[Option<HistoryInfo>],
    dockerfile: Option<(&dockerfile::Dockerfile, Option<&str>)>,
    base_layers: Option<usize>,
) -> Result<Vec<Attribution>, AttributeError> {
    let steps: Vec<Option<history::Step>> = history
        .iter()
        .map(|h| h.as_ref().and_then(|h| history::parse(h.created_by.as_deref()?, h.comment.as_deref())))
        .collect();
    let mut out: Vec<Attribution> = steps
        .iter()
        .map(|s| Attribution {
            instruction: s.as_ref().map(|s| s.instruction.clone()),
            args: s.as_ref().map(|s| s.args.clone()),
            stage: None,
            base_image: false,
            stage_from: None,
        })
        .collect();
    let n = out.len();
    let base = if let Some((df, target)) = dockerfile {
        let chain = df.chain(target)?;
        let wanted: Vec<(String, &dockerfile::DStep)> = chain
            .iter()
            .flat_map(|st| {
                st.steps.iter().map(move |d| {
                    let from_stage = d.copy_from.as_deref().and_then(|f| df.stage(f)).map(|s| s.label());
                    (from_stage.unwrap_or_else(|| st.label()), d)
                })
            })
            .collect();
        let mut li = n;
        for (stage, d) in wanted.iter().rev() {
            let layer = li.checked_sub(1).and_then(|i| steps[i].as_ref().map(|s| (i, s)));
            match layer {
                Some((i, s)) if step_matches(s, d) => {
                    out[i].stage = Some(stage.clone());
                    out[i].stage_from = Some(StageFrom::Dockerfile);
                    li = i;
                }
                // WORKDIR makes a layer with BuildKit only, and only for a new directory.
                _ if d.instruction == "WORKDIR" => {}
                Some((i, s)) => {
                    return Err(AttributeError::Mismatch(Box::new(Mismatch {
                        layer: i,
                        made_by: (s.instruction.clone(), s.args.clone()),
                        expected: (d.instruction.clone(), d.args.clone()),
                        stage: stage.clone(),
                    })));
                }
                None => {
                    return Err(AttributeError::NoLayerLeft {
                        expected: (d.instruction.clone(), d.args.clone()),
                        stage: stage.clone(),
                    });
                }
            }
        }
        li
    } else if let Some(b) = base_layers {
        b.min(n)
    } else {
        // BuildKit marks the steps it ran; a base image built by another builder (or one that
        // BuildKit built elsewhere and copied the history of) ends before the first marked
        // step. Otherwise the base ends before the first step any builder wrote.
        let last = steps.iter().rev().flatten().next().map(|s| s.builder);
        let wanted = |b: history::Builder| match last {
            Some(history::Builder::Buildkit) => b == history::Builder::Buildkit,
            _ => b != history::Builder::Other,
        };
        let first = steps.iter().position(|s| s.as_ref().is_some_and(|s| wanted(s.builder))).unwrap_or(0);
        // A base that is itself a built image (node's official images are BuildKit's too)
        // ends where the last finished image's CMD or ENTRYPOINT is.
        let ended = history.iter().rposition(|h| h.as_ref().is_some_and(|h| h.after_image_end));
        first.max(ended.unwrap_or(0))
    };
    if dockerfile.is_none() {
        // No Dockerfile: what a builder made above the base is one build's, so the final
        // stage's (a COPY --from is that stage's step too; BuildKit does not record --from).
        // A layer without history says nothing.
        for (a, s) in out.iter_mut().zip(&steps).skip(base) {
            if s.is_some() {
                a.stage = Some(FINAL_STAGE.to_string());
                a.stage_from = Some(StageFrom::History);
            }
        }
    }
    for a in out.iter_mut().take(base) {
        a.base_image = true;
        a.stage = None;
        a.stage_from = None;
    }
    Ok(out)
}

/// [`attribute`] with a Dockerfile whose target is not given: its last stage, else the stage
/// the history matches (an image built with `--target`, one of several apps). Of several that
/// match, the one that accounts for the most layers, then the later. Gives the stage chosen
/// when it is not the last; when none matches, the last stage's error.
pub fn attribute_any_target(
    history: &[Option<HistoryInfo>],
    df: &dockerfile::Dockerfile,
    base_layers: Option<usize>,
) -> Result<(Vec<Attribution>, Option<String>), AttributeError> {
    let last = match attribute(history, Some((df, None)), base_layers) {
        Ok(a) => return Ok((a, None)),
        Err(e) => e,
    };
    let mut best: Option<(usize, Vec<Attribution>, String)> = None;
    for st in df.stages.iter().rev().skip(1) {
        let target = st.name.clone().unwrap_or_else(|| st.index.to_string());
        let Ok(a) = attribute(history, Some((df, Some(&target))), base_layers) else { continue };
        let matched = a.iter().filter(|x| x.stage_from == Some(StageFrom::Dockerfile)).count();
        if matched > 0 && best.as_ref().is_none_or(|b| matched > b.0) {
            best = Some((matched, a, st.label()));
        }
    }
    best.map(|(_, a, label)| (a, Some(label))).ok_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(cmds: &[&str]) -> Vec<Option<HistoryInfo>> {
        cmds.iter()
            .map(|c| Some(HistoryInfo { created_by: Some(c.to_string()), ..Default::default() }))
            .collect()
    }

    const DF: &str = "FROM node AS base\nWORKDIR /app\nFROM base AS deps\nRUN npm ci --omit=dev\n\
        FROM base AS build\nRUN npm ci && npm run build\nFROM base AS final\n\
        COPY --from=deps /app/node_modules ./node_modules\nCOPY --from=build /app/dist ./dist\nUSER node\n";

    #[test]
    fn dockerfile_attributes_copy_from_to_stages() {
        let df = dockerfile::Dockerfile::parse(DF).unwrap();
        let buildkit = hist(&[
            "/bin/sh",
            "WORKDIR /app",
            "COPY /app/node_modules ./node_modules # buildkit",
            "COPY /app/dist ./dist # buildkit",
        ]);
        let a = attribute(&buildkit, Some((&df, None)), None).unwrap();
        let stages: Vec<Option<&str>> = a.iter().map(|a| a.stage.as_deref()).collect();
        assert_eq!(stages, [None, Some("base"), Some("deps"), Some("build")]);
        assert!(a[0].base_image && !a[1].base_image);

        // buildah writes no WORKDIR layer and names copies by content hash.
        let buildah = hist(&[
            "/bin/sh",
            "/bin/sh -c #(nop) COPY dir:1a2b in ./node_modules ",
            "/bin/sh -c #(nop) COPY dir:3c4d in ./dist ",
        ]);
        let a = attribute(&buildah, Some((&df, None)), None).unwrap();
        assert_eq!(
            a.iter().map(|a| a.stage.as_deref()).collect::<Vec<_>>(),
            [None, Some("deps"), Some("build")]
        );
    }

    #[test]
    fn the_target_is_the_stage_the_history_matches() {
        let df = dockerfile::Dockerfile::parse(
            "FROM node AS common\nWORKDIR /app\nCOPY . .\nFROM common AS deps\nRUN npm ci\n\
             FROM common AS api\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY api ./api\n\
             FROM common AS web\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY web ./web\n",
        )
        .unwrap();
        let image = |app: &str| {
            hist(&[
                "/bin/sh",
                "WORKDIR /app",
                "COPY . . # buildkit",
                "COPY /app/node_modules ./node_modules # buildkit",
                &format!("COPY {app} ./{app} # buildkit"),
            ])
        };
        let (a, target) = attribute_any_target(&image("api"), &df, None).unwrap();
        assert_eq!(target.as_deref(), Some("api"));
        let stages: Vec<Option<&str>> = a.iter().map(|a| a.stage.as_deref()).collect();
        assert_eq!(stages, [None, Some("common"), Some("common"), Some("deps"), Some("api")]);
        // The last stage needs no inferring.
        assert_eq!(attribute_any_target(&image("web"), &df, None).unwrap().1, None);
        // Nothing matches: the last stage's error.
        let err = attribute_any_target(&image("cli"), &df, None).unwrap_err();
        assert!(err.to_string().contains("stage web"), "{err}");
    }

    #[test]
    fn mismatched_dockerfile_is_an_error() {
        let df = dockerfile::Dockerfile::parse(DF).unwrap();
        let err = attribute(&hist(&["/bin/sh", "RUN /bin/sh -c make # buildkit"]), Some((&df, None)), None)
            .unwrap_err();
        assert!(matches!(&err, AttributeError::Mismatch(m) if m.layer == 1), "{err}");
        assert!(err.to_string().contains("does not match") && err.to_string().contains("layer 1"), "{err}");
        let err =
            attribute(&hist(&["COPY /app/dist ./dist # buildkit"]), Some((&df, None)), None).unwrap_err();
        assert!(err.to_string().contains("no layer left"), "{err}");
    }

    #[test]
    fn base_boundary_without_dockerfile() {
        let h = hist(&["/bin/sh", "debootstrap", "RUN /bin/sh -c npm ci # buildkit", "COPY . . # buildkit"]);
        let a = attribute(&h, None, None).unwrap();
        assert_eq!(a.iter().map(|a| a.base_image).collect::<Vec<_>>(), [true, true, false, false]);
        let a = attribute(&h, None, Some(1)).unwrap();
        assert_eq!(a.iter().map(|a| a.base_image).collect::<Vec<_>>(), [true, false, false, false]);
        // A base whose history another builder wrote, under a BuildKit build.
        let h = hist(&[
            "/bin/sh -c #(nop) ADD file:ab in / ",
            "/bin/sh -c #(nop)  CMD [\"bash\"]",
            "WORKDIR /app # buildkit",
            "RUN /bin/sh -c make # buildkit",
        ]);
        let a = attribute(&h, None, None).unwrap();
        assert_eq!(a.iter().map(|a| a.base_image).collect::<Vec<_>>(), [true, true, false, false]);
        assert_eq!(a[3].instruction.as_deref(), Some("RUN"));
    }

    #[test]
    fn a_base_built_by_buildkit_ends_at_its_cmd() {
        // node's official image over debian's, then an app, all as `docker history` has them.
        let config: ImageConfiguration = serde_json::from_value(serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [
                {"created_by": "# debian.sh --arch 'amd64' out/ 'bookworm' '@1733097600'"},
                {"created_by": "CMD [\"bash\"]", "comment": "debuerreotype 0.15", "empty_layer": true},
                {"created_by": "ENV NODE_VERSION=22.12.0", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
                {"created_by": "RUN /bin/sh -c groupadd --gid 1000 node # buildkit", "comment": "buildkit.dockerfile.v0"},
                {"created_by": "COPY docker-entrypoint.sh /usr/local/bin/ # buildkit", "comment": "buildkit.dockerfile.v0"},
                {"created_by": "ENTRYPOINT [\"docker-entrypoint.sh\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
                {"created_by": "CMD [\"node\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
                {"created_by": "WORKDIR /app", "comment": "buildkit.dockerfile.v0"},
                {"created_by": "COPY . . # buildkit", "comment": "buildkit.dockerfile.v0"},
                {"created_by": "USER node", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
                {"created_by": "CMD [\"node\", \"server.js\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": true}
            ]
        }))
        .unwrap();
        let h = pair_history(&config, 5);
        let a = attribute(&h, None, None).unwrap();
        assert_eq!(a.iter().map(|a| a.base_image).collect::<Vec<_>>(), [true, true, true, false, false]);
        assert_eq!(a[3].stage.as_deref(), Some(FINAL_STAGE));
        // Without the finished image's CMD, the BuildKit steps are all the build's.
        let h: Vec<_> =
            h.into_iter().map(|h| h.map(|h| HistoryInfo { after_image_end: false, ..h })).collect();
        let a = attribute(&h, None, None).unwrap();
        assert_eq!(a.iter().map(|a| a.base_image).collect::<Vec<_>>(), [true, false, false, false, false]);
    }

    #[test]
    fn without_a_dockerfile_the_build_is_the_final_stage_and_no_history_says_nothing() {
        let mut h =
            hist(&["/bin/sh", "debootstrap", "RUN /bin/sh -c npm ci # buildkit", "COPY . . # buildkit"]);
        h.push(None);
        let a = attribute(&h, None, None).unwrap();
        let stages: Vec<Option<&str>> = a.iter().map(|a| a.stage.as_deref()).collect();
        assert_eq!(stages, [None, None, Some(FINAL_STAGE), Some(FINAL_STAGE), None]);
        let from: Vec<Option<StageFrom>> = a.iter().map(|a| a.stage_from).collect();
        assert_eq!(from, [None, None, Some(StageFrom::History), Some(StageFrom::History), None]);
        // With a Dockerfile the stages are its own, and say so.
        let df = dockerfile::Dockerfile::parse(DF).unwrap();
        let h = hist(&[
            "/bin/sh",
            "WORKDIR /app",
            "COPY /app/node_modules ./node_modules # buildkit",
            "COPY /app/dist ./dist # buildkit",
        ]);
        let a = attribute(&h, Some((&df, None)), None).unwrap();
        assert!(a[1..].iter().all(|a| a.stage_from == Some(StageFrom::Dockerfile)));
    }
}
