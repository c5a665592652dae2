//! Step 4 of the classification: the language runtime installed without a package manager
//! (node and what ships with it, the Python interpreter under `/usr/local`, a JDK) and a
//! virtualenv's interpreter links.

use globset::{GlobSet, GlobSetBuilder};

use super::{Category, Reasons};

/// Files of a runtime installed without a package manager, matched when nothing owns them.
const FILE_RULES: &[(&str, &str)] = &[
    ("usr/bin/node", "the node runtime"),
    ("usr/bin/nodejs", "the node runtime"),
    ("usr/local/bin/node", "the node runtime"),
    ("usr/local/bin/nodejs", "the node runtime"),
    ("usr/bin/{npm,npx,corepack,yarn,yarnpkg,pnpm,pnpx}", "ships with node"),
    ("usr/local/bin/{npm,npx,corepack,yarn,yarnpkg,pnpm,pnpx}", "ships with node"),
    ("usr/local/bin/{python,pip,idle,pydoc,2to3}*", "the Python interpreter"),
    ("usr/local/lib/libpython*", "the Python interpreter"),
    ("usr/local/bin/java", "Java runtime"),
];

pub struct Runtime {
    files: GlobSet,
    venv_interpreter: u32,
    venv_dependency: u32,
}

impl Runtime {
    pub fn new(venv_interpreter: u32, venv_dependency: u32) -> Runtime {
        let mut b = GlobSetBuilder::new();
        for (p, _) in FILE_RULES {
            b.add(globset::GlobBuilder::new(p).literal_separator(true).build().expect("built-in glob"));
        }
        Runtime { files: b.build().expect("built-in globs"), venv_interpreter, venv_dependency }
    }

    /// A file of a virtualenv: its interpreter and activation scripts are the runtime, the
    /// rest is installed dependencies.
    pub fn in_venv(&self, name: &str) -> (Category, u32) {
        let rt = name.starts_with("python") || name == "pyvenv.cfg" || name.starts_with("activate");
        if rt {
            (Category::Runtime, self.venv_interpreter)
        } else {
            (Category::Dependencies, self.venv_dependency)
        }
    }

    /// A runtime file at `path` (relative), outside any package.
    pub fn file(&self, path: &str, reasons: &mut Reasons) -> Option<(Category, u32)> {
        let i = self.files.matches(path).into_iter().min()?;
        Some((Category::Runtime, reasons.id(FILE_RULES[i].1)))
    }
}
