//! Credentials in the image: files whose name and content say so (`.npmrc` with an
//! `_authToken`, `.pypirc`, `.git-credentials`, `.netrc`, `.env`, docker `config.json` auths,
//! cloud credential files), private keys by their PEM or OpenSSH header, and well-known token
//! shapes. Hidden copies count too: a file "deleted" by a later layer is still in its layer's
//! blob, which every pull downloads. A secret's value is never kept in a finding: only its
//! kind and a fixed hint (the token type's public prefix).

use super::{Cx, Finding, FindingId, Severity, What};
use crate::index::NO_LAYER;

/// Files larger than this are not credential files.
const MAX_SIZE: usize = 64 << 10;

/// Whether a file's name makes it a credential candidate whose contents the indexer keeps.
pub fn wants(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parent = path.rsplit('/').nth(1).unwrap_or("");
    matches!(
        name,
        ".npmrc"
            | ".yarnrc"
            | ".yarnrc.yml"
            | ".pypirc"
            | ".git-credentials"
            | ".netrc"
            | "_netrc"
            | ".pgpass"
            | ".my.cnf"
            | ".htpasswd"
            | "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".env"
            | "application_default_credentials.json"
            | "credentials.json"
    ) || (name.starts_with(".env.")
        && !matches!(name, ".env.example" | ".env.sample" | ".env.template" | ".env.dist"))
        || (name == "credentials" && parent == ".aws")
        || (name == "config.json" && parent == ".docker")
        || name.ends_with(".pem")
        || name.ends_with(".key")
        || name.ends_with(".p8")
        || (name.starts_with("service-account") && name.ends_with(".json"))
}

/// Token shapes whose prefix says what they are: (prefix, kind, how many characters follow
/// at least).
const TOKENS: &[(&str, &str, usize)] = &[
    ("npm_", "npm token", 36),
    ("ghp_", "GitHub token", 36),
    ("gho_", "GitHub token", 36),
    ("ghs_", "GitHub token", 36),
    ("github_pat_", "GitHub token", 40),
    ("glpat-", "GitLab token", 20),
    ("AKIA", "AWS access key", 16),
    ("xoxb-", "Slack token", 20),
    ("xoxp-", "Slack token", 20),
    ("sk_live_", "Stripe key", 20),
    ("pypi-AgEIcHlwaS5vcmc", "PyPI token", 50),
];

fn token(text: &str) -> Option<(&'static str, &'static str)> {
    for &(prefix, kind, len) in TOKENS {
        let mut at = 0;
        while let Some(i) = text[at..].find(prefix) {
            let start = at + i + prefix.len();
            let run = text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .count();
            let before = text[..at + i].chars().next_back();
            if run >= len && !before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                return Some((kind, prefix));
            }
            at = start;
        }
    }
    None
}

/// What kind of credential a candidate file holds, if any, and the hint shown.
fn classify(path: &str, data: &[u8]) -> Option<(FindingId, &'static str, String)> {
    if data.len() > MAX_SIZE {
        return None;
    }
    let text = String::from_utf8_lossy(data);
    if text.contains("PRIVATE KEY-----") && text.contains("-----BEGIN") {
        let kind =
            if text.contains("OPENSSH PRIVATE KEY") { "OpenSSH private key" } else { "PEM private key" };
        return Some((FindingId::PrivateKey, kind, "-----BEGIN … PRIVATE KEY-----".into()));
    }
    if let Some((kind, prefix)) = token(&text) {
        return Some((FindingId::Secret, kind, format!("{prefix}…")));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let has_value = |keys: &[&str]| {
        text.lines().any(|l| {
            let l = l.trim();
            keys.iter().any(|k| {
                l.match_indices(k).any(|(i, _)| {
                    let after = l[i + k.len()..].trim_start();
                    let Some(rest) = after.strip_prefix(['=', ':']) else { return false };
                    let rest = rest.trim().trim_matches(['"', '\'', ',']).trim();
                    !rest.is_empty() && !rest.starts_with("${")
                })
            })
        })
    };
    let kind = match name {
        ".npmrc" | ".yarnrc" | ".yarnrc.yml"
            if has_value(&["_authToken", "_auth", "_password", "npmAuthToken"]) =>
        {
            "npm registry credentials"
        }
        ".pypirc" if has_value(&["password"]) => "PyPI credentials",
        ".git-credentials" if text.contains("://") && text.contains('@') => "git credentials",
        ".netrc" | "_netrc" if has_value(&["password"]) => "netrc credentials",
        ".pgpass" if text.lines().any(|l| l.split(':').count() >= 5) => "PostgreSQL password file",
        ".my.cnf" if has_value(&["password"]) => "MySQL credentials",
        ".htpasswd" if text.contains(':') => "htpasswd hashes",
        "credentials" if has_value(&["aws_secret_access_key"]) => "AWS credentials",
        "config.json" if text.contains("\"auth\"") && has_value(&["\"auth\""]) => {
            "docker registry credentials"
        }
        n if (n == ".env" || n.starts_with(".env."))
            && text.lines().any(|l| {
                let Some((k, v)) = l.split_once('=') else { return false };
                let k = k.trim().to_ascii_uppercase();
                let v = v.trim().trim_matches(['"', '\'']);
                !v.is_empty()
                    && !l.trim_start().starts_with('#')
                    && ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY"]
                        .iter()
                        .any(|s| k.contains(s))
            }) =>
        {
            "secrets in an .env file"
        }
        n if n.ends_with(".json")
            && text.contains("\"private_key\"")
            && text.contains("\"client_email\"") =>
        {
            "cloud service account key"
        }
        _ => return None,
    };
    Some((FindingId::Secret, kind, String::new()))
}

pub fn find(cx: &Cx, out: &mut Vec<Finding>) {
    let ix = cx.ix;
    let mut found: Vec<(u32, FindingId, &'static str, String)> = Vec::new();
    for (&e, data) in &ix.contents {
        let path = ix.entry_path(e);
        if !wants(path.trim_start_matches('/')) {
            continue;
        }
        if let Some((id, kind, hint)) = classify(&path, data) {
            found.push((e, id, kind, hint));
        }
    }
    found.sort_by_key(|f| f.0);
    for (e, id, kind, hint) in found {
        let entry = &ix.entries[e as usize];
        let hidden = entry.hidden_by != NO_LAYER;
        let id = if hidden && id == FindingId::Secret { FindingId::SecretInHiddenLayer } else { id };
        let what = What::Secret { kind, hint, hidden_by: hidden.then_some(entry.hidden_by as usize) };
        let mut f = Finding::new(id, Severity::Error, what);
        f.paths = vec![ix.entry_path(e)];
        f.layer = Some(entry.layer as usize);
        f.bytes = entry.size;
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_by_name_and_content() {
        let npm = format!("//registry.example/:_authToken=npm_{}\n", "a".repeat(36));
        assert_eq!(
            classify("/root/.npmrc", npm.as_bytes()).map(|c| (c.0, c.1)),
            Some((FindingId::Secret, "npm token"))
        );
        assert_eq!(
            classify("/app/.npmrc", b"//r/:_authToken=${NPM_TOKEN}\n"),
            None,
            "a variable, not a token"
        );
        assert!(classify("/app/.npmrc", b"//r/:_authToken=abc123\n").is_some());
        assert!(classify("/app/.env", b"DATABASE_PASSWORD=hunter2\n").is_some());
        assert_eq!(classify("/app/.env", b"# API_KEY=\nPORT=3000\n"), None);
        let key =
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(classify("/root/.ssh/id_ed25519", key).map(|c| c.0), Some(FindingId::PrivateKey));
        assert_eq!(
            classify(
                "/etc/ssl/certs/ca.pem",
                b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            ),
            None
        );
        assert!(
            classify("/root/.docker/config.json", br#"{"auths":{"r":{"auth":"dXNlcjpwYXNz"}}}"#).is_some()
        );
        assert_eq!(classify("/root/.docker/config.json", br#"{"auths":{}}"#), None);
        assert!(wants("root/.aws/credentials") && wants("app/.env.production") && !wants("app/.env.example"));
        // The hint never holds the secret.
        let (_, _, hint) = classify("/root/.npmrc", npm.as_bytes()).unwrap();
        assert_eq!(hint, "npm_…");
    }
}
