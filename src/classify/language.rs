//! The language an image runs, from its ENTRYPOINT and CMD: it decides which interpreter is the
//! runtime and which one only builds needed.

use serde::Serialize;

/// The language an image runs, from its ENTRYPOINT and CMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
    Java,
    Ruby,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python",
            Language::Java => "java",
            Language::Ruby => "ruby",
        }
    }

    pub const ALL: [Language; 4] = [Language::Node, Language::Python, Language::Java, Language::Ruby];
}

/// What the ENTRYPOINT/CMD runs: the first word naming a known interpreter or launcher.
pub fn detect_language(argv: &[String]) -> Option<(Language, String)> {
    let words = argv.iter().flat_map(|a| a.split_whitespace());
    for w in words {
        let base = w.rsplit('/').next().unwrap_or(w);
        let lang = match base {
            "node" | "nodejs" | "npm" | "npx" | "yarn" | "pnpm" | "tsx" | "ts-node" | "pm2"
            | "pm2-runtime" => Language::Node,
            "gunicorn" | "uvicorn" | "hypercorn" | "daphne" | "celery" | "flask" | "django-admin"
            | "uwsgi" | "waitress-serve" | "streamlit" | "fastapi" => Language::Python,
            "java" => Language::Java,
            "ruby" | "rails" | "puma" | "bundle" | "rackup" => Language::Ruby,
            b if b.starts_with("python") && b[6..].chars().all(|c| c.is_ascii_digit() || c == '.') => {
                Language::Python
            }
            _ => continue,
        };
        return Some((lang, base.to_string()));
    }
    None
}
