//! Steps 6 and 7 of the classification: what no rule, package, runtime or app claimed. Files
//! in `node_modules`, `site-packages` or a virtualenv are `dependencies`; the rest of the
//! usual system directories is `os`; anything else `other`.

use super::Category;

/// The dependency areas a directory can be in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Area {
    None,
    NodeModules,
    SitePackages,
    Venv,
}

pub struct Fallback {
    pub other: u32,
    pub os: u32,
    pub node_modules: u32,
    pub site_packages: u32,
}

impl Fallback {
    /// A file in a dependency area no package claims.
    pub fn dependencies(&self, area: Area) -> Option<(Category, u32)> {
        match area {
            Area::NodeModules => Some((Category::Dependencies, self.node_modules)),
            Area::SitePackages | Area::Venv => Some((Category::Dependencies, self.site_packages)),
            Area::None => None,
        }
    }

    /// The rest, by the top-level directory it is under.
    pub fn system(&self, top: &str) -> (Category, u32) {
        let system = matches!(
            top,
            "bin"
                | "sbin"
                | "lib"
                | "lib32"
                | "lib64"
                | "libx32"
                | "usr"
                | "etc"
                | "var"
                | "boot"
                | "run"
                | "srv"
                | "root"
                | "home"
                | "opt"
                | "mnt"
                | "media"
        );
        if system { (Category::Os, self.os) } else { (Category::Other, self.other) }
    }
}
