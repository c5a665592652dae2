//! Who the container runs as, and files whose permissions widen what a process in it can do:
//! setuid or setgid files that no system package installed, and world-writable files outside
//! the temporary directories.

use super::{Cx, Finding, FindingId, Severity, What};
use crate::classify::Ecosystem;
use crate::index::{Kind, NONE, NodeId};

pub fn find(cx: &Cx, out: &mut Vec<Finding>) {
    let ix = cx.ix;
    let user = cx.image.user.as_deref().unwrap_or("");
    let name = user.split(':').next().unwrap_or("");
    if name.is_empty() || name == "root" || name == "0" {
        out.push(Finding::new(
            FindingId::RootUser,
            Severity::Warning,
            What::RootUser { user: (!user.is_empty()).then(|| user.to_string()) },
        ));
    }
    let system = |n: NodeId| {
        let p = cx.classes.package[n as usize];
        p != NONE
            && matches!(
                cx.classes.packages[p as usize].ecosystem,
                Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm
            )
    };
    let (mut setuid, mut writable): (Vec<NodeId>, Vec<NodeId>) = (Vec::new(), Vec::new());
    for (n, e) in ix.final_files() {
        if e.kind() != Kind::File {
            continue;
        }
        let mode = ix.meta(e).mode;
        if mode & 0o6000 != 0 && !system(n) {
            setuid.push(n);
        }
        if mode & 0o002 != 0 {
            let path = ix.paths.path(n);
            if !path.starts_with("/tmp/") && !path.starts_with("/var/tmp/") && !path.starts_with("/dev/") {
                writable.push(n);
            }
        }
    }
    if !setuid.is_empty() {
        let what = What::Setuid { count: setuid.len() };
        out.push(Finding::new(FindingId::Setuid, Severity::Warning, what).with_paths(ix, &setuid));
    }
    if !writable.is_empty() {
        let what = What::WorldWritable { count: writable.len() };
        out.push(Finding::new(FindingId::WorldWritable, Severity::Warning, what).with_paths(ix, &writable));
    }
}
