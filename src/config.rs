//! Finding weigh's config files as cargo and git do: in the current directory, else in its
//! parents up to the repository root (the first directory holding `.git`) or the filesystem
//! root. A file in a subdirectory of a repository serves every directory below it.

use std::path::{Path, PathBuf};

/// `name` in `start` or the nearest parent that has it, without leaving the repository
/// `start` is in. The path is relative to `start` (`weigh.toml`, `../weigh.toml`).
pub fn find_from(start: &Path, name: &str) -> Option<PathBuf> {
    let mut dir = start.to_path_buf();
    let mut up = PathBuf::new();
    loop {
        if dir.join(name).is_file() {
            return Some(up.join(name));
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
        up.push("..");
    }
}

/// [`find_from`] the current directory.
pub fn find(name: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    find_from(&cwd, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_up_to_the_repository_root_and_no_further() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        let deep = repo.join("services/api/src");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        assert_eq!(find_from(&deep, "weigh.toml"), None);
        // Above the repository: never read.
        std::fs::write(root.path().join("weigh.toml"), "").unwrap();
        assert_eq!(find_from(&deep, "weigh.toml"), None);
        std::fs::write(repo.join("weigh.toml"), "").unwrap();
        assert_eq!(find_from(&deep, "weigh.toml"), Some(PathBuf::from("../../../weigh.toml")));
        std::fs::write(repo.join("services/api/weigh.toml"), "").unwrap();
        assert_eq!(find_from(&deep, "weigh.toml"), Some(PathBuf::from("../weigh.toml")));
        std::fs::write(deep.join("weigh.toml"), "").unwrap();
        assert_eq!(find_from(&deep, "weigh.toml"), Some(PathBuf::from("weigh.toml")));
        // A directory of that name is not the file.
        std::fs::create_dir_all(deep.join("x/.dive-ci")).unwrap();
        assert_eq!(find_from(&deep.join("x"), ".dive-ci"), None);
    }
}
