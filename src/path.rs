//! Path names as images spell them (tar members, archive members, package database entries):
//! one normalisation for all, so `./a//b`, `a/./b` and `/a/b` are the same path everywhere and
//! nothing can climb out of the image root.

/// A path that climbs out of the image root with `..`.
#[derive(Debug, PartialEq, Eq)]
pub struct EscapesRoot;

/// Resolves `.`, `..` and repeated slashes lexically into a relative path (`/usr/./lib/../bin`
/// → `usr/bin`; the root is `""`). A `..` above the root is an error.
pub fn normalize(path: &str) -> Result<String, EscapesRoot> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(EscapesRoot)?;
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// A tar member's path (`./usr//bin/` → `usr/bin`); `None` for the root itself. Layers never
/// need `..`, so any is refused, even one that would stay inside.
pub fn clean_tar_path(raw: &str) -> Result<Option<String>, EscapesRoot> {
    if raw.split('/').any(|p| p == "..") {
        return Err(EscapesRoot);
    }
    normalize(raw).map(|p| (!p.is_empty()).then_some(p))
}

/// `base/rel`, normalised; `None` when it leaves the root.
pub fn join(base: &str, rel: &str) -> Option<String> {
    normalize(&format!("{base}/{rel}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_normalisation() {
        assert_eq!(normalize("./a//b/./c").unwrap(), "a/b/c");
        assert_eq!(normalize("a/../b").unwrap(), "b");
        assert_eq!(normalize("../etc/passwd"), Err(EscapesRoot));
        assert_eq!(normalize("./").unwrap(), "");
        assert_eq!(clean_tar_path("./usr//bin/").unwrap().as_deref(), Some("usr/bin"));
        assert_eq!(clean_tar_path("./").unwrap(), None);
        assert!(clean_tar_path("a/../../etc").is_err());
        assert!(clean_tar_path("a/../b").is_err());
        assert_eq!(join("usr/lib/python3/site-packages", "../../../bin/x").as_deref(), Some("usr/bin/x"));
        assert_eq!(join("a", "../../x"), None);
    }
}
