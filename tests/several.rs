//! `weigh compare A B C`: three targets of one Dockerfile side by side, the layers they share
//! by diff_id, what each adds by category, each image's target found by its history.

use assert_cmd::Command;
use serde_json::Value;

mod support;
use support::{E, Img, Layer, file, oci_files, write_dir};

const DOCKERFILE: &str = "FROM node:20-slim AS common\nWORKDIR /app\nCOPY . .\n\
FROM common AS deps\nRUN npm ci --omit=dev\n\
FROM common AS build\nRUN npm ci && npm run build\n\
FROM common AS api\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY --from=build /app/api/dist ./api/dist\n\
FROM common AS web\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY --from=build /app/web/dist ./web/dist\n\
FROM common AS naive\nRUN npm ci && npm run build\n";

/// npm's record of the naive image's full install.
const LOCK: &str = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},
"node_modules/express":{"version":"4.21.2"},"node_modules/typescript":{"version":"5.7.2","dev":true}}}"#;

fn base() -> Vec<Layer> {
    vec![
        Layer::new(vec![file("usr/bin/node", 90_000, 1), file("var/lib/dpkg/status", 10, 2)]),
        Layer::new(vec![E::Dir("app")]).by("WORKDIR /app"),
        Layer::new(vec![file("app/package.json", 40, 3), file("app/api/src/server.ts", 3_000, 4)])
            .by("COPY . . # buildkit"),
    ]
}

fn deps() -> Layer {
    Layer::new(vec![file("app/node_modules/express/index.js", 20_000, 5)])
        .by("COPY /app/node_modules ./node_modules # buildkit")
}

fn app(name: &'static str, dist: &'static str, bytes: usize) -> Layer {
    Layer::new(vec![file(dist, bytes, 6)]).by(&format!("COPY /app/{name}/dist ./{name}/dist # buildkit"))
}

/// api, web and naive as OCI layouts in one directory, with the Dockerfile.
fn images() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut api = base();
    api.extend([deps(), app("api", "app/api/dist/server.js", 5_000)]);
    let mut web = base();
    web.extend([deps(), app("web", "app/web/dist/main.js", 7_000)]);
    let mut naive = base();
    naive.push(
        Layer::new(vec![
            file("app/node_modules/express/index.js", 20_000, 5),
            file("app/node_modules/typescript/lib/tsc.js", 50_000, 7),
            E::File("app/node_modules/.package-lock.json", LOCK.as_bytes().to_vec()),
            file("app/api/dist/server.js", 5_000, 6),
            file("root/.npm/_cacache/index-v5/aa", 8_000, 8),
        ])
        .by("RUN /bin/sh -c npm ci && npm run build # buildkit"),
    );
    for (name, layers) in [("api", api), ("web", web), ("naive", naive)] {
        write_dir(&dir.path().join(name), &oci_files(&[("latest", &Img::new(layers))]));
    }
    std::fs::create_dir(dir.path().join("ctx")).unwrap();
    std::fs::write(dir.path().join("ctx/Dockerfile"), DOCKERFILE).unwrap();
    dir
}

fn weigh(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("weigh")
        .unwrap()
        .current_dir(dir)
        .args(["-q", "compare"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(dir: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "api", "web", "naive"];
    args.extend_from_slice(extra);
    let out = weigh(dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn shared_layers_and_what_each_image_adds() {
    let dir = images();
    let v = json(dir.path(), &["--dockerfile", "ctx/Dockerfile"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(n(&v["shared_layers"]), 3, "the base, WORKDIR and COPY . . are in all three");
    let layers = v["layers"].as_array().unwrap();
    // 3 shared, deps (api and web), the two dists, naive's one RUN.
    assert_eq!(layers.len(), 7);
    let held: Vec<Vec<u64>> =
        layers.iter().map(|l| l["images"].as_array().unwrap().iter().map(n).collect()).collect();
    assert_eq!(held, [vec![0, 1, 2], vec![0, 1, 2], vec![0, 1, 2], vec![0, 1], vec![0], vec![1], vec![2]]);
    let stages: Vec<&str> = layers.iter().map(|l| l["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["base image", "common", "common", "deps", "build", "build", "naive"]);
    assert_eq!(v["shared_stages"], serde_json::json!(["base image", "common"]));
    for m in v["images"].as_array().unwrap() {
        let total = n(&m["content_bytes"]);
        assert_eq!(n(&m["in_shared"]) + n(&m["in_some"]) + n(&m["own"]), total, "{m}");
        // What each adds, by category, is exactly its bytes outside the shared layers.
        let adds: u64 = m["adds"].as_array().unwrap().iter().map(|c| n(&c["bytes"])).sum();
        assert_eq!(adds, n(&m["in_some"]) + n(&m["own"]), "{m}");
    }
    let img = |i: usize| &v["images"][i];
    assert_eq!((n(&img(0)["in_some"]), n(&img(0)["own"])), (20_000, 5_000));
    assert_eq!((n(&img(1)["in_some"]), n(&img(1)["own"])), (20_000, 7_000));
    assert_eq!((n(&img(2)["in_some"]), n(&img(2)["own"])), (0, 83_000 + LOCK.len() as u64));
    let added = |i: usize, cat: &str| {
        img(i)["adds"].as_array().unwrap().iter().find(|c| c["category"] == cat).map_or(0, |c| n(&c["bytes"]))
    };
    assert_eq!(added(2, "dev-dependencies"), 50_000);
    assert_eq!(added(2, "cache"), 8_000);
    assert_eq!(added(0, "dev-dependencies") + added(1, "cache"), 0);
}

#[test]
fn without_the_dockerfile_the_builds_are_final_and_the_layers_still_shared() {
    let dir = images();
    let v = json(dir.path(), &[]);
    assert_eq!(n(&v["shared_layers"]), 3);
    let stages: Vec<&str> =
        v["layers"].as_array().unwrap().iter().map(|l| l["stage"].as_str().unwrap()).collect();
    // BuildKit's own steps are the build; the rest (an unmarked WORKDIR here) the base.
    assert_eq!(stages[..2], ["base image", "base image"]);
    assert!(stages[2..].iter().all(|s| *s == "final"), "{stages:?}");
}

#[test]
fn every_format_shows_the_images_side_by_side() {
    let dir = images();
    let out = |fmt: &str| {
        let o =
            weigh(dir.path(), &["--format", fmt, "--dockerfile", "ctx/Dockerfile", "api", "web", "naive"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let text = out("text");
    assert!(text.starts_with("weigh compare: 3 images; 3 layers"), "{text}");
    assert!(text.contains("stages base image, common"), "{text}");
    let dev = text.lines().find(|l| l.trim_start().starts_with("dev-dependencies")).unwrap();
    assert_eq!(
        dev.split_whitespace().collect::<Vec<_>>(),
        ["dev-dependencies", "0", "B", "0", "B", "50.0", "kB"]
    );
    let md = out("markdown");
    assert!(md.contains("| dev-dependencies | 0 B | 0 B | 50.0 kB |"), "{md}");
    assert!(md.contains("| 20.0 kB | deps |"), "{md}");
    let html = out("html");
    // One stacked bar per image in the chart data, and no fetches.
    let data = html.split("id=\"weigh-data\" type=\"application/json\">").nth(1).unwrap();
    let data: Value = serde_json::from_str(data.split("</script>").next().unwrap()).unwrap();
    assert_eq!(data["bars"].as_array().unwrap().len(), 3);
    for bad in ["src=\"http", "href=\"http", "@import", "url(http", "fetch("] {
        assert!(!html.contains(bad), "{bad}");
    }
}

#[test]
fn two_images_stay_before_and_after_and_misused_flags_are_errors() {
    let dir = images();
    let out = weigh(dir.path(), &["--format", "json", "naive", "api"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["before"].is_object() && v["after"].is_object());
    let out = weigh(dir.path(), &["--format", "json", "--side-by-side", "api", "web"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&v["shared_layers"]), 4, "the base, WORKDIR, COPY . . and node_modules");
    assert_eq!((n(&v["images"][0]["own"]), n(&v["images"][1]["own"])), (5_000, 7_000));
    let out = weigh(dir.path(), &["--before-dockerfile", "ctx/Dockerfile", "api", "web", "naive"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--dockerfile"), "{err}");
    let out = weigh(dir.path(), &["api"]);
    assert_eq!(out.status.code(), Some(2));
}
