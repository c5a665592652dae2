//! Registry credentials the way the docker CLI finds them.

use std::io::Read;
use std::time::Duration;

/// Credentials for `host` the way the docker CLI finds them: `credHelpers[host]`, else
/// `credsStore`, else `auths[host]` of `$DOCKER_CONFIG/config.json` (or `~/.docker`).
pub(super) fn docker_credentials(host: &str) -> Option<(String, String)> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))?;
    let text = std::fs::read(dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_slice(&text).ok()?;
    // Docker Hub's key is its v1 URL; other registries are keyed by host, sometimes as a URL.
    let keys: Vec<String> = if host == "index.docker.io" || host == "docker.io" {
        vec!["https://index.docker.io/v1/".into(), "index.docker.io".into(), "docker.io".into()]
    } else {
        vec![host.into(), format!("https://{host}"), format!("http://{host}"), format!("https://{host}/v2/")]
    };
    let helper = keys
        .iter()
        .find_map(|k| config.get("credHelpers")?.get(k)?.as_str())
        .or_else(|| config.get("credsStore")?.as_str());
    // A helper that answers decides, as for docker; one that cannot be run leaves the
    // `auths` entries to decide.
    if let Some(h) = helper
        && let Some(answer) = credential_helper(h, &keys[0])
    {
        return answer;
    }
    let auths = config.get("auths")?;
    let entry = keys.iter().find_map(|k| auths.get(k)).or_else(|| {
        auths.as_object()?.iter().find_map(|(k, v)| {
            let bare = k.trim_start_matches("https://").trim_start_matches("http://");
            (bare.split('/').next() == Some(host)).then_some(v)
        })
    })?;
    if let (Some(u), Some(p)) =
        (entry.get("username").and_then(|v| v.as_str()), entry.get("password").and_then(|v| v.as_str()))
    {
        return Some((u.to_string(), p.to_string()));
    }
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(entry.get("auth")?.as_str()?.trim()).ok()?;
    let (u, p) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// `docker-credential-HELPER get`, the docker credential-helper protocol.
fn credential_helper(helper: &str, server: &str) -> Option<Option<(String, String)>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    // A helper waiting for a keyring to be unlocked must not hang the pull.
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Some(None);
            }
        }
    };
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_end(&mut stdout);
    }
    if !status.success() {
        return Some(None); // "credentials not found": anonymous
    }
    let v: serde_json::Value = serde_json::from_slice(&stdout).ok()?;
    let user = v.get("Username")?.as_str()?;
    // `<token>` marks an identity token, which needs an OAuth2 exchange weigh does not do.
    if user == "<token>" {
        return Some(None);
    }
    Some(Some((user.to_string(), v.get("Secret")?.as_str()?.to_string())))
}
