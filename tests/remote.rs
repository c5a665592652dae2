//! End-to-end tier for the remote sources: a real registry (CNCF distribution, Debian's
//! `docker-registry`) on loopback, filled with skopeo, with and without htpasswd auth and
//! behind a fault-injecting proxy; and a real Docker engine (Debian's dockerd, vfs storage).
//! Every process a test starts is stopped when the test ends.
//!
//! Run through scripts/test.sh, which builds the images and sets WEIGH_REAL_IMAGES.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::engine::Dockerd;

fn images_dir() -> PathBuf {
    let dir = std::env::var("WEIGH_REAL_IMAGES").expect("WEIGH_REAL_IMAGES is not set: run scripts/test.sh");
    PathBuf::from(dir)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not start listening on {port}");
}

/// A registry process, killed on drop.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start(credentials: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n",
            dir.path().join("data").display()
        );
        if let Some((user, password)) = credentials {
            let out = Command::new("htpasswd").args(["-Bbn", user, password]).output().unwrap();
            assert!(out.status.success());
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, &out.stdout).unwrap();
            config
                .push_str(&format!("auth: {{htpasswd: {{realm: weigh-test, path: {}}}}}\n", file.display()));
        }
        let yml = dir.path().join("registry.yml");
        std::fs::write(&yml, config).unwrap();
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(&yml)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (Debian package docker-registry)");
        wait_for_port(port, &mut child, "docker-registry");
        Registry { child, port, _dir: dir }
    }

    fn push(&self, layout: &Path, dest: &str, creds: Option<&str>) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "-q", "--all", "--preserve-digests", "--dest-tls-verify=false"]);
        if let Some(c) = creds {
            cmd.args(["--dest-creds", c]);
        }
        cmd.arg(format!("oci:{}", layout.display())).arg(format!("docker://127.0.0.1:{}/{dest}", self.port));
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "skopeo: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn weigh(args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weigh"));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Credentials only from what each test gives.
    cmd.env("DOCKER_CONFIG", "/nonexistent-weigh-test");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// `inspect --format json`, without the fields that name where the image was read from.
fn inspect(reference: &str, extra: &[&str], envs: &[(&str, &str)]) -> Value {
    let mut args = vec!["inspect", "--quiet", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(reference);
    let out = weigh(&args, envs, None);
    assert!(out.status.success(), "{reference}: {}", String::from_utf8_lossy(&out.stderr));
    analysis(&out)
}

/// The JSON report of a successful run, without the fields that name where the image was read
/// from.
fn analysis(out: &Output) -> Value {
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let image = v["image"].as_object_mut().unwrap();
    image.remove("reference");
    image.remove("transport");
    v
}

/// Compares two JSON documents field by field, naming the first difference.
fn assert_same(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                assert_same(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths differ");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_same(p, q, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path} differs"),
    }
}

#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn registry_pulls_equal_the_oci_layouts_gzip_zstd_and_a_two_platform_index() {
    let dir = images_dir();
    let reg = Registry::start(None);
    let gzip = dir.join("node-multi-buildkit.oci");
    let zstd = dir.join("node-multi-buildkit.zstd.oci");
    reg.push(&gzip, "node-multi-gzip:latest", None);
    reg.push(&zstd, "node-multi-zstd:latest", None);
    for (layout, repo) in [(&gzip, "node-multi-gzip"), (&zstd, "node-multi-zstd")] {
        let local = inspect(&format!("oci:{}", layout.display()), &[], &[]);
        let remote = inspect(&format!("docker://127.0.0.1:{}/{repo}:latest", reg.port), &[], &[]);
        assert_same(&remote, &local, repo);
        // A bare reference is a registry reference too.
        let bare = inspect(&format!("127.0.0.1:{}/{repo}:latest", reg.port), &[], &[]);
        assert_same(&bare, &local, repo);
    }
    // Pinned by digest.
    let local = inspect(&format!("oci:{}", gzip.display()), &[], &[]);
    let digest = local["image"]["digest"].as_str().unwrap().to_string();
    let pinned = inspect(&format!("docker://127.0.0.1:{}/node-multi-gzip@{digest}", reg.port), &[], &[]);
    let mut expected = local.clone();
    expected["image"].as_object_mut().unwrap().remove("name");
    let mut got = pinned;
    got["image"].as_object_mut().unwrap().remove("name");
    assert_same(&got, &expected, "pinned");

    // A two-platform index: the node image for amd64 and a small arm64 image.
    let multi = tempfile::tempdir().unwrap();
    let layout = two_platform_layout(&gzip, multi.path());
    reg.push(&layout, "multi:latest", None);
    for platform in ["linux/amd64", "linux/arm64"] {
        let local = inspect(&format!("oci:{}", layout.display()), &["--platform", platform], &[]);
        let remote =
            inspect(&format!("docker://127.0.0.1:{}/multi:latest", reg.port), &["--platform", platform], &[]);
        assert_same(&remote, &local, platform);
        let p = &remote["image"]["platform"];
        assert_eq!(
            format!("{}/{}", p["os"].as_str().unwrap(), p["architecture"].as_str().unwrap()),
            platform
        );
        assert_eq!(remote["image"]["available_platforms"].as_array().map(Vec::len), Some(2));
    }
    let out = weigh(
        &[
            "inspect",
            "-q",
            "--platform",
            "linux/s390x",
            &format!("docker://127.0.0.1:{}/multi:latest", reg.port),
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("linux/amd64") && err.contains("linux/arm64"), "{err}");
}

/// Copies the node layout and adds a one-layer arm64 image, under a two-entry index.
fn two_platform_layout(node: &Path, out: &Path) -> PathBuf {
    let layout = out.join("multi.oci");
    let status = Command::new("cp").arg("-a").arg(node).arg(&layout).status().unwrap();
    assert!(status.success());
    let sha = |b: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>()
    };
    let put = |b: &[u8]| {
        let h = sha(b);
        std::fs::write(layout.join("blobs/sha256").join(&h), b).unwrap();
        h
    };
    // A layer with one file, as a plain tar.
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(5);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "hello.txt", &b"hello"[..]).unwrap();
    let layer = tar.into_inner().unwrap();
    let layer_digest = put(&layer);
    let config = serde_json::json!({
        "architecture": "arm64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{layer_digest}")]},
        "history": [{"created_by": "COPY hello.txt /"}]
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_digest = put(&config);
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": format!("sha256:{layer_digest}"), "size": layer.len()}]
    });
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let arm = put(&manifest);
    let top: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let mut node_desc = top["manifests"][0].clone();
    node_desc.as_object_mut().unwrap().remove("annotations");
    node_desc["platform"] = serde_json::json!({"architecture": "amd64", "os": "linux"});
    let index = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [node_desc, {
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{arm}"),
            "size": manifest.len(), "platform": {"architecture": "arm64", "os": "linux"}
        }]
    });
    let index = serde_json::to_vec(&index).unwrap();
    let index_digest = put(&index);
    let top = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{index_digest}"),
        "size": index.len(), "annotations": {"org.opencontainers.image.ref.name": "latest"}
    }]});
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    layout
}

#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn registry_basic_auth_from_docker_config_and_stdin_and_a_clear_401() {
    let (user, password) = ("weigh-user", "s3cret-Pa55-never-printed");
    let reg = Registry::start(Some((user, password)));
    let layout = images_dir().join("node-multi-buildkit.oci");
    reg.push(&layout, "app:latest", Some(&format!("{user}:{password}")));
    let reference = format!("docker://127.0.0.1:{}/app:latest", reg.port);
    let local = inspect(&format!("oci:{}", layout.display()), &[], &[]);

    let config = tempfile::tempdir().unwrap();
    let write_config = |pass: &str| {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let json = serde_json::json!({"auths": {format!("127.0.0.1:{}", reg.port): {"auth": auth}}});
        std::fs::write(config.path().join("config.json"), json.to_string()).unwrap();
    };
    let cfg = config.path().to_str().unwrap().to_string();
    write_config(password);
    let remote = inspect(&reference, &[], &[("DOCKER_CONFIG", &cfg)]);
    assert_same(&remote, &local, "config.json auth");

    // A credential helper (credHelpers), as the docker CLI runs it: `docker-credential-NAME get`
    // with the server on stdin.
    let bin = tempfile::tempdir().unwrap();
    let helper = bin.path().join("docker-credential-weightest");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread server\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}' \"$server\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let helper_config = tempfile::tempdir().unwrap();
    let json = serde_json::json!({"credHelpers": {format!("127.0.0.1:{}", reg.port): "weightest"}});
    std::fs::write(helper_config.path().join("config.json"), json.to_string()).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let remote = inspect(
        &reference,
        &[],
        &[("DOCKER_CONFIG", helper_config.path().to_str().unwrap()), ("PATH", &path)],
    );
    assert_same(&remote, &local, "credential helper");

    // --username with --password-stdin.
    let out = weigh(
        &["inspect", "-q", "--format", "json", "--username", user, "--password-stdin", &reference],
        &[],
        Some(&format!("{password}\n")),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Wrong, and no credentials: one line, 401, exit 2; the password is never echoed.
    write_config("wrong-password-also-secret");
    for envs in [vec![("DOCKER_CONFIG", cfg.as_str())], vec![]] {
        let out = weigh(&["inspect", &reference], &envs, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("401") && err.contains("127.0.0.1") && err.contains("app"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        for secret in [password, "wrong-password-also-secret"] {
            assert!(!err.contains(secret) && !String::from_utf8_lossy(&out.stdout).contains(secret));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// 500 for the first two requests of the blob.
    TwoErrors,
    /// The first response is cut in half and the connection closed.
    DropOnce,
    /// Every response is cut in half.
    Truncate,
    /// One byte in the middle is changed.
    Corrupt,
    /// Nothing is ever answered.
    Hang,
}

/// An HTTP proxy in front of the registry that applies `fault` to GETs of one blob.
struct Proxy {
    port: u16,
}

impl Proxy {
    fn start(upstream: u16, blob: String, fault: Fault) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (blob, hits) = (blob.clone(), hits.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &blob, fault, &hits);
                });
            }
        });
        Proxy { port }
    }
}

fn serve(
    mut conn: TcpStream,
    upstream: u16,
    blob: &str,
    fault: Fault,
    hits: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if !line.to_ascii_lowercase().starts_with("connection:") {
                head.push(line);
            }
        }
        let targeted = head[0].starts_with("GET ") && head[0].contains(&format!("/blobs/{blob}"));
        let n = if targeted { hits.fetch_add(1, Ordering::SeqCst) } else { usize::MAX };
        if targeted && fault == Fault::Hang {
            std::thread::sleep(Duration::from_secs(120));
            return Ok(());
        }
        if targeted && fault == Fault::TwoErrors && n < 2 {
            conn.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        }
        // One request per upstream connection: the response ends when upstream closes.
        let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
        let mut request = head.concat();
        request.push_str("Connection: close\r\n\r\n");
        up.write_all(request.as_bytes())?;
        let mut response = Vec::new();
        up.read_to_end(&mut response)?;
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |p| p + 4);
        let (rhead, body) = response.split_at(split);
        let mut body = body.to_vec();
        let cut = targeted && (fault == Fault::Truncate || (fault == Fault::DropOnce && n == 0));
        if targeted && fault == Fault::Corrupt && !body.is_empty() {
            let mid = body.len() / 2;
            body[mid] ^= 0x55;
        }
        if cut {
            conn.write_all(rhead)?;
            conn.write_all(&body[..body.len() / 2])?;
            return Ok(()); // dropped mid-body
        }
        conn.write_all(rhead)?;
        conn.write_all(&body)?;
    }
}

#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn registry_faults_are_retried_or_reported_naming_the_layer() {
    let reg = Registry::start(None);
    let layout = images_dir().join("node-multi-buildkit.oci");
    reg.push(&layout, "app:latest", None);
    let local = inspect(&format!("oci:{}", layout.display()), &[], &[]);
    // The node_modules layer: a few MB.
    let layer = &local["layers"][2];
    let blob = layer["digest"].as_str().unwrap().to_string();
    let through = |fault: Fault| {
        let proxy = Proxy::start(reg.port, blob.clone(), fault);
        let reference = format!("docker://127.0.0.1:{}/app:latest", proxy.port);
        let started = Instant::now();
        let out =
            weigh(&["inspect", "-q", "--format", "json", "--registry-timeout", "2", &reference], &[], None);
        (out, started.elapsed())
    };
    for fault in [Fault::TwoErrors, Fault::DropOnce] {
        let (out, _) = through(fault);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_same(&analysis(&out), &local, "retried");
    }
    for fault in [Fault::Truncate, Fault::Corrupt] {
        let (out, _) = through(fault);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("layer 2") && err.contains(&blob[7..19]), "names the layer: {err}");
        assert!(err.contains("digest"), "{err}");
        assert!(fault != Fault::Truncate || err.contains("truncated"), "{err}");
        eprintln!("{err}");
    }
    // With the layer's index cached (from a direct pull), the hung blob is not asked for.
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let direct = format!("docker://127.0.0.1:{}/app:latest", reg.port);
    let out = weigh(&["inspect", "-q", "--cache-dir", cache_dir, &direct], &[], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let proxy = Proxy::start(reg.port, blob.clone(), Fault::Hang);
    let reference = format!("docker://127.0.0.1:{}/app:latest", proxy.port);
    let out = weigh(&["inspect", "-q", "--format", "json", "--cache-dir", cache_dir, &reference], &[], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same(&analysis(&out), &local, "cached");

    // The layer view needs the manifest and config only: the hung blob is never asked for.
    let proxy = Proxy::start(reg.port, blob.clone(), Fault::Hang);
    let started = Instant::now();
    let reference = format!("docker://127.0.0.1:{}/app:latest", proxy.port);
    let out = weigh(
        &["inspect", "--layers-only", "--format", "json", "--registry-timeout", "30", &reference],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(20));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["layers"][2]["digest"].as_str(), Some(blob.as_str()));
    let (out, took) = through(Fault::Hang);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("timed out") && err.contains("layer 2"), "{err}");
    assert!(took < Duration::from_secs(90), "gave up after {took:?}");
    eprintln!("{err}(after {took:?})");
}

#[test]
#[ignore = "end-to-end: run by scripts/test.sh"]
fn docker_daemon_source_equals_the_docker_archive() {
    let archive = images_dir().join("node-multi-buildkit.docker-save.tar");
    let engine = Dockerd::start();
    let out = engine.docker(&["load", "-q", "-i", archive.to_str().unwrap()]);
    assert!(out.status.success(), "docker load: {}", String::from_utf8_lossy(&out.stderr));
    let host = engine.host();
    let envs = [("DOCKER_HOST", host.as_str())];
    let remote = inspect("docker-daemon:weigh/node-multi-buildkit:latest", &[], &envs);
    let local = inspect(&format!("docker-archive:{}", archive.display()), &[], &[]);
    assert_same(&remote, &local, "docker-daemon");
    // No such image; no engine.
    let out = weigh(&["inspect", "docker-daemon:weigh/absent:1"], &envs, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no image"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        weigh(&["inspect", "docker-daemon:app"], &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no Docker engine answers"), "{err}");
}
