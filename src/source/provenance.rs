//! BuildKit's provenance attestations: the SLSA statement a `--provenance=mode=max` build
//! attaches to an image in its OCI index (an attestation manifest whose
//! `vnd.docker.reference.digest` is the image's manifest, with `application/vnd.in-toto+json`
//! layers). What weigh reads from it: the Dockerfile the build ran (mode=max keeps its text in
//! the BuildKit metadata's `source.infos`), its name, the target stage and the build args.
//! SLSA v0.2 and v1 keep these in different places; both are read.

use base64::Engine as _;
use oci_spec::image::{Descriptor, ImageManifest};
use serde::Serialize;
use serde_json::Value;

use super::store::Store;
use super::{Digest, OpenOptions, SourceError, read_verified};

const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
const V02_METADATA: &str = "https://mobyproject.org/buildkit@v1#metadata";

/// What an image's provenance says about how it was built.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Provenance {
    /// `https://slsa.dev/provenance/v0.2` or `https://slsa.dev/provenance/v1`.
    pub predicate_type: String,
    /// The attestation manifest it came from.
    pub attestation: String,
    /// The Dockerfile's path as the build named it (`Dockerfile`, `docker/app.Dockerfile`).
    pub dockerfile_name: Option<String>,
    /// The Dockerfile's text: only in mode=max provenance.
    #[serde(skip)]
    pub dockerfile: Option<String>,
    /// `docker build --target`.
    pub target: Option<String>,
    /// `--build-arg` names and values (mode=max), sorted.
    pub build_args: Vec<(String, String)>,
}

impl Provenance {
    /// `v0.2` or `v1`.
    pub fn version(&self) -> &str {
        self.predicate_type.rsplit('/').next().unwrap_or(&self.predicate_type)
    }
}

/// The provenance of the image whose manifest is `image`, from the attestation manifests
/// beside it in `siblings` (the index it was chosen from). `None` when there is none, or its
/// blobs were not exported with the image (a layout copied without attestations).
pub(super) fn find(
    store: &dyn Store,
    siblings: &[Descriptor],
    image: &Digest,
    opts: &OpenOptions,
) -> Result<Option<Provenance>, SourceError> {
    let wanted = image.to_string();
    for d in siblings {
        let refers =
            d.annotations().as_ref().and_then(|a| a.get(REFERENCE_DIGEST)).is_some_and(|r| *r == wanted);
        let Some(digest) = Digest::parse(d.digest().as_ref()) else { continue };
        if !refers || !store.exists(&digest.blob_path()) {
            continue;
        }
        let bytes = read_verified(store, &digest.blob_path(), Some(&digest), "attestation manifest", opts)?;
        let Ok(manifest) = ImageManifest::from_reader(&bytes[..]) else { continue };
        for layer in manifest.layers() {
            let predicate = layer.annotations().as_ref().and_then(|a| a.get(PREDICATE_TYPE));
            if !predicate.is_some_and(|p| p.starts_with("https://slsa.dev/provenance/")) {
                continue;
            }
            let Some(ld) = Digest::parse(layer.digest().as_ref()) else { continue };
            if !store.exists(&ld.blob_path()) {
                continue;
            }
            let statement = read_verified(store, &ld.blob_path(), Some(&ld), "provenance statement", opts)?;
            if let Some(p) = parse_statement(&statement, &digest.to_string()) {
                return Ok(Some(p));
            }
        }
    }
    Ok(None)
}

/// An in-toto statement with a SLSA v0.2 or v1 predicate, as BuildKit writes it. `None` for
/// anything else.
pub fn parse_statement(bytes: &[u8], attestation: &str) -> Option<Provenance> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let predicate_type = v.get("predicateType")?.as_str()?.to_string();
    let p = v.get("predicate")?;
    let (request, config_source, metadata) = if predicate_type.ends_with("/v0.2") {
        let inv = p.get("invocation");
        (
            inv.and_then(|i| i.get("parameters")),
            inv.and_then(|i| i.get("configSource")).and_then(|c| c.get("entryPoint")),
            p.get("metadata").and_then(|m| m.get(V02_METADATA)),
        )
    } else if predicate_type.ends_with("/v1") {
        let ext = p.get("buildDefinition").and_then(|b| b.get("externalParameters"));
        (
            ext.and_then(|e| e.get("request")),
            ext.and_then(|e| e.get("configSource")).and_then(|c| c.get("path")),
            p.get("runDetails").and_then(|r| r.get("metadata")).and_then(|m| m.get("buildkit_metadata")),
        )
    } else {
        return None;
    };
    let args = request.and_then(|r| r.get("args")).and_then(Value::as_object);
    let dockerfile_name = config_source.and_then(Value::as_str).map(String::from);
    let target = args.and_then(|a| a.get("target")).and_then(Value::as_str).map(String::from);
    let mut build_args: Vec<(String, String)> = args
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.strip_prefix("build-arg:")?.to_string(), v.as_str()?.to_string())))
        .collect();
    build_args.sort();
    // The Dockerfile: the source info of the Dockerfile language, the one named as the
    // config source when there are several.
    let infos = metadata.and_then(|m| m.get("source")).and_then(|s| s.get("infos")).and_then(Value::as_array);
    let dockerfiles: Vec<&Value> = infos
        .into_iter()
        .flatten()
        .filter(|i| {
            i.get("language").and_then(Value::as_str).is_none_or(|l| l.eq_ignore_ascii_case("dockerfile"))
        })
        .collect();
    let chosen = dockerfiles
        .iter()
        .find(|i| {
            let f = i.get("filename").and_then(Value::as_str);
            f.is_some() && f == dockerfile_name.as_deref()
        })
        .or(dockerfiles.first());
    let dockerfile = chosen
        .and_then(|i| i.get("data")?.as_str())
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .and_then(|b| String::from_utf8(b).ok());
    Some(Provenance {
        predicate_type,
        attestation: attestation.to_string(),
        dockerfile_name,
        dockerfile,
        target,
        build_args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DF: &str = "FROM node:22 AS build\nRUN npm ci\nFROM node:22-slim\nCOPY --from=build /app /app\n";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn slsa_v02_mode_max() {
        let s = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": "pkg:docker/app@1", "digest": {"sha256": "ab"}}],
            "predicate": {
                "builder": {"id": ""},
                "buildType": "https://mobyproject.org/buildkit@v1",
                "invocation": {
                    "configSource": {"entryPoint": "docker/app.Dockerfile"},
                    "parameters": {"frontend": "dockerfile.v0", "args": {"target": "app1", "build-arg:NODE_ENV": "production", "label:x": "y"}},
                },
                "metadata": {"https://mobyproject.org/buildkit@v1#metadata": {"source": {"infos": [
                    {"filename": "docker/app.Dockerfile", "language": "Dockerfile", "data": b64(DF)}
                ]}}},
            },
        });
        let p = parse_statement(&serde_json::to_vec(&s).unwrap(), "sha256:cd").unwrap();
        assert_eq!(p.version(), "v0.2");
        assert_eq!(p.dockerfile.as_deref(), Some(DF));
        assert_eq!(p.dockerfile_name.as_deref(), Some("docker/app.Dockerfile"));
        assert_eq!(p.target.as_deref(), Some("app1"));
        assert_eq!(p.build_args, [("NODE_ENV".to_string(), "production".to_string())]);
    }

    #[test]
    fn slsa_v1_mode_min_has_no_dockerfile() {
        let s = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://slsa.dev/provenance/v1",
            "predicate": {
                "buildDefinition": {
                    "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
                    "externalParameters": {"configSource": {"path": "Dockerfile"}, "request": {"frontend": "dockerfile.v0", "args": {"target": "app2"}}},
                },
                "runDetails": {"builder": {"id": ""}, "metadata": {"buildkit_metadata": {"vcs": {}}}},
            },
        });
        let p = parse_statement(&serde_json::to_vec(&s).unwrap(), "sha256:cd").unwrap();
        assert_eq!((p.version(), p.target.as_deref(), p.dockerfile.as_deref()), ("v1", Some("app2"), None));
        assert!(parse_statement(br#"{"predicateType": "https://spdx.dev/Document"}"#, "x").is_none());
        assert!(parse_statement(b"not json", "x").is_none());
    }
}
