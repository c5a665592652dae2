//! npm's lockfile (v2 and v3 `packages` map), read as a stream: a monorepo's lockfile is
//! megabytes of dependency maps, and only five fields of each package matter here.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::npm::NpmPackage;

/// Packages from an npm lockfile. `root` is the directory holding `node_modules` (the
/// project), relative to the image root.
pub fn parse_npm_lock(text: &[u8], root: &str) -> Result<Vec<NpmPackage>, String> {
    let lock: Lockfile = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let packages = lock.packages.ok_or("no \"packages\" map (lockfile v1?)")?;
    let mut out = Vec::new();
    // By key, so by path too (they share `root`); a key written twice keeps its last value.
    for (key, p) in packages {
        if key.is_empty() || !key.contains("node_modules/") || p.link == Some(true) {
            continue;
        }
        let name = p.name.unwrap_or_else(|| key.rsplit("node_modules/").next().unwrap_or(&key).to_string());
        out.push(NpmPackage {
            name,
            version: p.version.unwrap_or_default(),
            dev: p.dev == Some(true) || p.dev_optional == Some(true),
            path: if root.is_empty() { key } else { format!("{root}/{key}") },
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Lockfile {
    packages: Option<BTreeMap<String, Package>>,
}

/// The fields read of a package (the rest, dependency maps among them, are skipped unread).
/// A field of the wrong type reads as absent, as `Value::get(..).as_str()` did.
#[derive(Deserialize)]
struct Package {
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    dev: Option<bool>,
    #[serde(default, rename = "devOptional", deserialize_with = "lenient")]
    dev_optional: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    link: Option<bool>,
}

/// `T`, or `None` for a value of any other shape (buffered: only ever a small one here).
fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Or<T> {
        Is(T),
        Other(IgnoredAny),
    }
    Ok(match Or::<T>::deserialize(d)? {
        Or::Is(t) => Some(t),
        Or::Other(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_another_type_read_as_absent_and_a_repeated_key_keeps_its_last_value() {
        let lock = br#"{"lockfileVersion":3,"packages":{
            "node_modules/a": {"version":1,"name":["x"],"dev":"yes","dependencies":{"b":"^1"}},
            "node_modules/b": {"version":"1.0.0"},
            "node_modules/b": {"version":"2.0.0","devOptional":true},
            "node_modules/\u0063": {"version":"3.0.0","link":"no"}
        }}"#;
        let p = parse_npm_lock(lock, "").unwrap();
        let got: Vec<(&str, &str, bool)> =
            p.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev)).collect();
        assert_eq!(got, [("a", "", false), ("b", "2.0.0", true), ("c", "3.0.0", false)]);
        assert!(parse_npm_lock(br#"{"lockfileVersion":1,"dependencies":{}}"#, "").is_err());
        assert!(parse_npm_lock(br#"{"packages":[]}"#, "").is_err());
    }
}
