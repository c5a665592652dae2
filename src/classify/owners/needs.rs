//! Packages that are there because something else needs them: the dependency graph of a
//! package database, and how a class (only builds need it, the runtime needs it) spreads
//! from the packages that are known to what only they need.

/// A class a package ends up in through what needs it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Need {
    /// Only builds need it (toolchain) / only development needs it (dev tools).
    Build,
    /// The language runtime needs it.
    Runtime,
}

/// Propagates seed classes to packages that only seeded packages need. A package with at
/// least one installed dependent, not pinned, joins `Build` when every dependent is `Build`,
/// `Runtime` when every dependent is `Build` or `Runtime` (and one is `Runtime`: the runtime
/// needs it). Packages that need each other (perl and perl-modules) are decided together, by
/// the dependents outside their cycle. Returns, per package, its dependents.
pub fn propagate(needs: &[Vec<usize>], class: &mut [Option<Need>], pinned: &[bool]) -> Vec<Vec<usize>> {
    let n = needs.len();
    let mut rdeps: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut graph = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, 0);
    let ids: Vec<_> = (0..n).map(|_| graph.add_node(())).collect();
    for (i, deps) in needs.iter().enumerate() {
        for &d in deps {
            if d != i {
                rdeps[d].push(i);
                graph.add_edge(ids[i], ids[d], ());
            }
        }
    }
    for r in &mut rdeps {
        r.sort_unstable();
        r.dedup();
    }
    // Kosaraju's algorithm runs on an explicit stack: a hostile package database with a
    // dependency chain 300,000 long must not overflow ours.
    let sccs = petgraph::algo::kosaraju_scc(&graph);
    let mut comp = vec![0usize; n];
    for (c, members) in sccs.iter().enumerate() {
        for m in members {
            comp[m.index()] = c;
        }
    }
    // Dependents before what they depend on (Kahn's order on the components), so one pass
    // decides every component from already decided dependents.
    let nc = sccs.len();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nc];
    let mut waiting = vec![0usize; nc];
    for (i, deps) in needs.iter().enumerate() {
        for &d in deps {
            let (ci, cd) = (comp[i], comp[d]);
            if ci != cd {
                down[ci].push(cd);
            }
        }
    }
    for d in &mut down {
        d.sort_unstable();
        d.dedup();
        for &x in d.iter() {
            waiting[x] += 1;
        }
    }
    let mut order: Vec<usize> = (0..nc).filter(|&c| waiting[c] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        let c = order[k];
        k += 1;
        for &x in &down[c] {
            waiting[x] -= 1;
            if waiting[x] == 0 {
                order.push(x);
            }
        }
    }
    let seeded: Vec<bool> = class.iter().map(Option::is_some).collect();
    for &c in &order {
        let members: Vec<usize> = sccs[c].iter().map(|m| m.index()).collect();
        let open: Vec<usize> =
            members.iter().copied().filter(|&m| class[m].is_none() && !pinned[m]).collect();
        if open.is_empty() {
            continue;
        }
        let mut outside: Vec<Option<Need>> = Vec::new();
        for &m in &members {
            outside.extend(rdeps[m].iter().filter(|&&r| comp[r] != c).map(|&r| class[r]));
            if seeded[m] {
                outside.push(class[m]);
            }
        }
        if outside.is_empty() || outside.iter().any(Option::is_none) {
            continue;
        }
        let need = if outside.iter().all(|x| *x == Some(Need::Build)) { Need::Build } else { Need::Runtime };
        for m in open {
            class[m] = Some(need);
        }
    }
    rdeps
}

pub fn few(names: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = names.collect();
    if v.len() > 3 { format!("{}, ... ({} packages)", v[..3].join(", "), v.len()) } else { v.join(", ") }
}
