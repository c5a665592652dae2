//! Stages from a BuildKit provenance attestation: the demo multi-stage image in an OCI layout
//! with the attestation manifest `docker buildx build --provenance=mode=max` attaches (an
//! image index holding the image and, for `unknown/unknown`, the in-toto statement), in SLSA
//! v0.2 and v1, as BuildKit writes them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{Value, json};

mod support;
use sha2::Digest as _;
use support::{inspect_json_in as inspect, layer_stages as stages, notes};

const DEMO: &str = "fixtures/demo/node-multi.oci.tar";
const MULTI: &str = "fixtures/node-app/Dockerfile.multi";
const SINGLE: &str = "fixtures/node-app/Dockerfile.single";

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

fn put(dir: &Path, bytes: &[u8]) -> (String, usize) {
    let d = sha(bytes);
    std::fs::write(dir.join("blobs/sha256").join(&d[7..]), bytes).unwrap();
    (d, bytes.len())
}

/// The statement BuildKit writes, with `dockerfile` (mode=max) or without it (mode=min).
fn statement(version: &str, dockerfile: Option<&str>, target: Option<&str>) -> Value {
    let infos = dockerfile
        .map(|d| {
            json!([{"filename": "Dockerfile", "language": "Dockerfile",
                    "data": base64::engine::general_purpose::STANDARD.encode(d), "llbDefinition": []}])
        })
        .unwrap_or(json!([]));
    let mut args = json!({"build-arg:NODE_ENV": "production"});
    if let Some(t) = target {
        args["target"] = json!(t);
    }
    match version {
        "v0.2" => json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": "pkg:docker/node-multi@latest?platform=linux%2Famd64", "digest": {"sha256": "00"}}],
            "predicate": {
                "builder": {"id": ""},
                "buildType": "https://mobyproject.org/buildkit@v1",
                "materials": [],
                "invocation": {
                    "configSource": {"entryPoint": "Dockerfile"},
                    "parameters": {"frontend": "dockerfile.v0", "args": args, "locals": [{"name": "context"}, {"name": "dockerfile"}]},
                    "environment": {"platform": "linux/amd64"}
                },
                "metadata": {"buildInvocationID": "x", "completeness": {"parameters": true},
                    "https://mobyproject.org/buildkit@v1#metadata": {"source": {"locations": {}, "infos": infos}}}
            }
        }),
        _ => json!({
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://slsa.dev/provenance/v1",
            "subject": [{"name": "pkg:docker/node-multi@latest?platform=linux%2Famd64", "digest": {"sha256": "00"}}],
            "predicate": {
                "buildDefinition": {
                    "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
                    "externalParameters": {"configSource": {"path": "Dockerfile"}, "request": {"frontend": "dockerfile.v0", "args": args, "locals": []}},
                    "internalParameters": {"builderPlatform": "linux/amd64"},
                    "resolvedDependencies": []
                },
                "runDetails": {"builder": {"id": ""}, "metadata": {"invocationID": "x",
                    "buildkit_metadata": {"source": {"locations": {}, "infos": infos}, "vcs": {}}}}
            }
        }),
    }
}

/// The demo image unpacked as a layout whose index.json names an image index holding the
/// image and its attestation.
fn layout_with(dir: &Path, statement: &Value) -> PathBuf {
    let out = dir.join("layout");
    tar::Archive::new(std::fs::File::open(Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO)).unwrap())
        .unpack(&out)
        .unwrap();
    let index: Value = serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
    let mut image = index["manifests"][0].clone();
    image["platform"] = json!({"architecture": "amd64", "os": "linux"});
    image.as_object_mut().unwrap().remove("annotations");
    let predicate = statement["predicateType"].as_str().unwrap().to_string();
    let (sd, ss) = put(&out, &serde_json::to_vec(statement).unwrap());
    let (cd, cs) = put(
        &out,
        br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#,
    );
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": sd, "size": ss,
                    "annotations": {"in-toto.io/predicate-type": predicate}}]
    });
    let (md, ms) = put(&out, &serde_json::to_vec(&manifest).unwrap());
    let attestation = json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
        "annotations": {"vnd.docker.reference.digest": image["digest"], "vnd.docker.reference.type": "attestation-manifest"},
        "platform": {"architecture": "unknown", "os": "unknown"}
    });
    let nested = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [image, attestation]});
    let (id, is) = put(&out, &serde_json::to_vec(&nested).unwrap());
    let top = json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": id, "size": is, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]});
    std::fs::write(out.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    out
}

fn read(p: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

#[test]
fn mode_max_provenance_gives_the_dockerfiles_stages_in_both_slsa_versions() {
    let here = tempfile::tempdir().unwrap(); // no Dockerfile here
    let given = inspect(
        here.path(),
        &[
            "--dockerfile",
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(MULTI).display().to_string(),
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO).display().to_string(),
        ],
    );
    for version in ["v0.2", "v1"] {
        let dir = tempfile::tempdir().unwrap();
        let layout = layout_with(dir.path(), &statement(version, Some(&read(MULTI)), Some("final")));
        let v = inspect(here.path(), &[layout.to_str().unwrap()]);
        assert_eq!(stages(&v), stages(&given), "{version}");
        assert_eq!(stages(&v)[2].as_deref(), Some("prod-deps"));
        assert!(
            v["layers"].as_array().unwrap()[1..].iter().all(|l| l["stage_from"] == "provenance"),
            "{version}"
        );
        let p = &v["image"]["provenance"];
        assert_eq!(p["predicate_type"], format!("https://slsa.dev/provenance/{version}"));
        assert_eq!(
            (p["target"].as_str(), p["dockerfile_name"].as_str()),
            (Some("final"), Some("Dockerfile"))
        );
        assert_eq!(p["build_args"], json!([["NODE_ENV", "production"]]));
        let n = notes(&v);
        assert!(
            n.iter().any(|n| n.starts_with(&format!("stages from the build's provenance (SLSA {version}"))),
            "{n:?}"
        );
        // The text report names it in the header.
        let out = Command::cargo_bin("weigh")
            .unwrap()
            .current_dir(here.path())
            .args(["inspect", layout.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains(&format!(
                "provenance SLSA {version} attestation, Dockerfile Dockerfile, target final"
            )),
            "{text}"
        );
    }
}

#[test]
fn provenance_without_a_dockerfile_or_with_another_one_says_so() {
    let here = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let min = layout_with(dir.path(), &statement("v1", None, Some("final")));
    let v = inspect(here.path(), &[min.to_str().unwrap()]);
    assert!(stages(&v)[1..].iter().all(|s| s.as_deref() == Some("final")), "history: {:?}", stages(&v));
    assert!(
        notes(&v).iter().any(|n| n.contains("records no Dockerfile (it was made with mode=min)")),
        "{:?}",
        notes(&v)
    );

    let dir = tempfile::tempdir().unwrap();
    let other = layout_with(dir.path(), &statement("v0.2", Some(&read(SINGLE)), None));
    let v = inspect(here.path(), &[other.to_str().unwrap()]);
    assert!(stages(&v)[1..].iter().all(|s| s.as_deref() == Some("final")));
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.contains("its Dockerfile Dockerfile is not used: the Dockerfile does not match")),
        "{:?}",
        notes(&v)
    );

    // --dockerfile comes first: the provenance is shown, not used for the stages.
    let dir = tempfile::tempdir().unwrap();
    let max = layout_with(dir.path(), &statement("v0.2", Some(&read(MULTI)), Some("final")));
    let df = Path::new(env!("CARGO_MANIFEST_DIR")).join(MULTI);
    let v = inspect(here.path(), &["--dockerfile", df.to_str().unwrap(), max.to_str().unwrap()]);
    assert!(v["layers"].as_array().unwrap()[1..].iter().all(|l| l["stage_from"] == "dockerfile"));
    assert_eq!(v["image"]["provenance"]["target"], "final");
}
