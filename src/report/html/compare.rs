//! `weigh compare --format html`: one self-contained page (no network fetches). The tables
//! are written here; the charts (a stacked bar per image by category, a treemap of the larger
//! image coloured by category) are drawn by the page's script from the embedded data.

use std::fmt::Write as _;

use serde::Serialize;

use super::fmt::{self, headline, signed, size};
use crate::analysis::Analysis;
use crate::classify::Category;
use crate::compare::{Comparison, Delta};
use crate::index::{NodeId, ROOT};

#[derive(Serialize)]
struct TreeNode {
    name: String,
    size: u64,
    cat: Category,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<TreeNode>,
}

const MAX_DEPTH: usize = 5;

/// The larger image's tree for the treemap: directories down to a few levels and files big
/// enough to see, each coloured by the category holding most of its bytes.
fn tree(a: &Analysis) -> TreeNode {
    let ix = &a.index;
    let n = ix.paths.len();
    let mut depth = vec![0u8; n];
    for node in 1..n {
        let p = ix.paths.parent(node as NodeId).unwrap_or(ROOT) as usize;
        depth[node] = depth[p].saturating_add(1);
    }
    // Bytes per category for the directories the map shows.
    let mut cats: std::collections::HashMap<NodeId, [u64; 11]> = std::collections::HashMap::new();
    // Per node, its nearest ancestor-or-self the map shows, so deep files climb no further.
    let mut shallow: Vec<NodeId> = vec![ROOT; n];
    for node in 1..n {
        shallow[node] = if (depth[node] as usize) <= MAX_DEPTH {
            node as NodeId
        } else {
            shallow[ix.paths.parent(node as NodeId).unwrap_or(ROOT) as usize]
        };
    }
    for (f, bytes) in a.visible_files() {
        let c = a.classes.category[f as usize] as usize;
        let mut p = ix.paths.parent(f).map(|d| shallow[d as usize]);
        while let Some(d) = p {
            cats.entry(d).or_insert([0; 11])[c] += bytes;
            p = ix.paths.parent(d);
        }
    }
    let dominant = |d: NodeId| -> Category {
        cats.get(&d)
            .and_then(|b| {
                b.iter()
                    .enumerate()
                    .max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))
                    .map(|(i, _)| Category::ALL[i])
            })
            .unwrap_or(Category::Other)
    };
    let min = (a.totals.content_bytes / 400).max(1);
    fn build(
        a: &Analysis,
        node: NodeId,
        level: usize,
        min: u64,
        dominant: &dyn Fn(NodeId) -> Category,
    ) -> TreeNode {
        let ix = &a.index;
        let is_dir = ix.is_dir(node);
        let cat = if is_dir { dominant(node) } else { a.classes.category[node as usize] };
        let mut t = TreeNode {
            name: if node == ROOT { "/".into() } else { ix.paths.name(node).to_string() },
            size: ix.node_size[node as usize],
            cat,
            children: Vec::new(),
        };
        if !is_dir || level >= MAX_DEPTH {
            return t;
        }
        let mut kids: Vec<NodeId> = ix
            .paths
            .children(node)
            .filter(|&c| ix.visible[c as usize] && ix.node_size[c as usize] >= min)
            .collect();
        kids.sort_by(|x, y| ix.node_size[*y as usize].cmp(&ix.node_size[*x as usize]).then(x.cmp(y)));
        let mut shown = 0;
        for k in kids {
            let child = build(a, k, level + 1, min, dominant);
            shown += child.size;
            t.children.push(child);
        }
        if !t.children.is_empty() && t.size > shown {
            t.children.push(TreeNode {
                name: "(smaller)".into(),
                size: t.size - shown,
                cat,
                children: Vec::new(),
            });
        }
        t
    }
    build(a, ROOT, 0, min, &dominant)
}

#[derive(Serialize)]
struct Data<'a> {
    categories: Vec<&'static str>,
    images: Vec<ImageBar>,
    tree: TreeNode,
    tree_image: &'a str,
}

#[derive(Serialize)]
struct ImageBar {
    label: String,
    total: u64,
    parts: Vec<(Category, u64)>,
}

fn table(o: &mut String, rows: &[Delta], first: &str, skip_zero: bool) {
    let _ = writeln!(
        o,
        "<table><thead><tr><th>{first}</th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>"
    );
    for d in fmt::delta_rows(rows, skip_zero) {
        let class = if d.delta < 0 {
            "down"
        } else if d.delta > 0 {
            "up"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td></tr>",
            fmt::html(&d.name),
            size(d.before),
            size(d.after),
            signed(d.delta)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

const CSS: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left;font-family:ui-monospace,monospace}
.down{color:#1a7f37}.up{color:#cf222e}.legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
svg text{font:11px system-ui,sans-serif}#treemap rect{stroke:#fff;stroke-width:.5}
li{margin:.3em 0}code{background:#f3f3f3;padding:0 .2em}
"#;

const SCRIPT: &str = r##"
(function () {
  var data = JSON.parse(document.getElementById('weigh-data').textContent);
  var colors = {'dev-dependencies':'#e15759','toolchain':'#f28e2b','source':'#edc948','cache':'#b07aa1',
    'docs':'#9c755f','vcs':'#ff9da7','dependencies':'#4e79a7','app':'#59a14f','runtime':'#76b7b2',
    'os':'#bab0ac','other':'#d4d4d4'};
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(b) {
    var u = ['B','kB','MB','GB','TB'], i = 0;
    while (b >= 1000 && i < u.length - 1) { b /= 1000; i++; }
    return (i ? b.toFixed(1) : b) + ' ' + u[i];
  }
  // Stacked bars, one per image, on one scale.
  var bars = document.getElementById('bars');
  var W = 1000, rowH = 34, max = Math.max.apply(null, data.images.map(function (i) { return i.total; })) || 1;
  bars.setAttribute('viewBox', '0 0 ' + W + ' ' + (data.images.length * rowH + 4));
  data.images.forEach(function (img, r) {
    var x = 110, y = r * rowH + 4;
    el('text', {x: 0, y: y + 17}, bars).textContent = img.label;
    img.parts.forEach(function (p) {
      var w = (W - 200) * p[1] / max;
      if (w <= 0) return;
      var rect = el('rect', {x: x, y: y, width: w, height: rowH - 10, fill: colors[p[0]], 'data-category': p[0]}, bars);
      el('title', {}, rect).textContent = p[0] + ': ' + fmt(p[1]);
      x += w;
    });
    el('text', {x: x + 6, y: y + 17}, bars).textContent = fmt(img.total);
  });
  var legend = document.getElementById('legend');
  data.categories.forEach(function (c) {
    var s = document.createElement('span');
    s.innerHTML = '<i style="background:' + colors[c] + '"></i>' + c;
    legend.appendChild(s);
  });
  // Squarified treemap of the larger image.
  var tm = document.getElementById('treemap'), TW = 1000, TH = 560;
  tm.setAttribute('viewBox', '0 0 ' + TW + ' ' + TH);
  function worst(row, w) {
    var s = 0, mx = 0, mn = Infinity;
    row.forEach(function (a) { s += a.area; mx = Math.max(mx, a.area); mn = Math.min(mn, a.area); });
    return Math.max(w * w * mx / (s * s), (s * s) / (w * w * mn));
  }
  function layout(items, x, y, w, h, out) {
    items = items.slice();
    while (items.length) {
      var side = Math.min(w, h), row = [items.shift()];
      while (items.length && worst(row.concat([items[0]]), side) <= worst(row, side)) row.push(items.shift());
      var s = row.reduce(function (a, b) { return a + b.area; }, 0);
      if (w >= h) {
        var cw = s / h, cy = y;
        row.forEach(function (a) { var ch = a.area / cw; out.push([a.node, x, cy, cw, ch]); cy += ch; });
        x += cw; w -= cw;
      } else {
        var rh = s / w, cx = x;
        row.forEach(function (a) { var rw = a.area / rh; out.push([a.node, cx, y, rw, rh]); cx += rw; });
        y += rh; h -= rh;
      }
    }
  }
  function draw(node, x, y, w, h, depth, path) {
    var kids = (node.children || []).filter(function (c) { return c.size > 0; });
    if (!kids.length || w < 4 || h < 4) {
      var r = el('rect', {x: x, y: y, width: Math.max(w, 0), height: Math.max(h, 0), fill: colors[node.cat], 'data-category': node.cat}, tm);
      el('title', {}, r).textContent = path + ' — ' + fmt(node.size) + ' — ' + node.cat;
      if (w > 60 && h > 14) el('text', {x: x + 3, y: y + 12}, tm).textContent = node.name;
      return;
    }
    var total = kids.reduce(function (a, c) { return a + c.size; }, 0), out = [];
    layout(kids.map(function (c) { return {node: c, area: c.size / total * w * h}; }), x, y, w, h, out);
    out.forEach(function (o) {
      var p = path === '/' ? '/' + o[0].name : path + '/' + o[0].name;
      draw(o[0], o[1], o[2], o[3], o[4], depth + 1, o[0].name === '(smaller)' ? path : p);
    });
  }
  draw(data.tree, 0, 0, TW, TH, 0, '/');
  document.body.setAttribute('data-drawn', 'yes');
})();
"##;

/// `weigh compare --format html`.
pub fn compare(c: &Comparison, before: &Analysis, after: &Analysis) -> String {
    let bigger = if after.totals.content_bytes > before.totals.content_bytes { after } else { before };
    let bar = |label: &str, a: &Analysis| ImageBar {
        label: label.into(),
        total: a.totals.content_bytes,
        parts: Category::ALL.iter().map(|&k| (k, a.category(k).bytes)).filter(|p| p.1 > 0).collect(),
    };
    let data = Data {
        categories: Category::names(),
        images: vec![bar("before", before), bar("after", after)],
        tree: tree(bigger),
        tree_image: if std::ptr::eq(bigger, after) { "after" } else { "before" },
    };
    // `<` never appears raw inside the script element, so no path can end it.
    let json = serde_json::to_string(&data).expect("chart data serializes").replace('<', "\\u003c");
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>weigh compare</title>\n<style>{CSS}</style></head><body>"
    );
    let _ = writeln!(o, "<h1>weigh compare: {}</h1>", fmt::html(&headline(c)));
    let _ = writeln!(
        o,
        "<table><thead><tr><th>image</th><th>size</th><th>compressed</th><th>files</th><th>layers</th></tr></thead><tbody>"
    );
    for (label, s) in [("before", &c.before), ("after", &c.after)] {
        let [bytes, compressed, files, layers] = fmt::side_cells(s);
        let _ = writeln!(
            o,
            "<tr><td>{label}: {}</td><td>{bytes}</td><td>{compressed}</td><td>{files}</td><td>{layers}</td></tr>",
            fmt::html(&s.reference),
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let _ = writeln!(o, "<p>{}</p>", fmt::shared_base(&c.base));
    let _ = writeln!(
        o,
        "<h2>Bytes by category</h2>\n<svg id=\"bars\" width=\"100%\" role=\"img\" aria-label=\"bytes by category\"></svg>\n<div class=\"legend\" id=\"legend\"></div>"
    );
    table(&mut o, &c.categories, "category", true);
    let _ = writeln!(
        o,
        "<h2>The {} image, by directory, coloured by category</h2>\n<svg id=\"treemap\" width=\"100%\" role=\"img\" aria-label=\"treemap\"></svg>",
        data.tree_image
    );
    let _ = writeln!(o, "<h2>Leaks in after</h2>");
    if c.leaks.is_empty() {
        let _ = writeln!(
            o,
            "<p>None: after carries no dev-dependencies, toolchain, sources, caches or vcs data.</p>"
        );
    } else {
        let _ = writeln!(o, "<table><thead><tr><th>category / what</th><th>size</th></tr></thead><tbody>");
        for l in &c.leaks {
            let _ = writeln!(o, "<tr><td><b>{}</b></td><td>{}</td></tr>", l.category, size(l.bytes));
            for x in &l.top {
                let _ = writeln!(
                    o,
                    "<tr><td>&nbsp;&nbsp;{}</td><td>{}</td></tr>",
                    fmt::html(&x.name),
                    size(x.bytes)
                );
            }
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let _ = writeln!(o, "<h2>Recommendations for after</h2>");
    if c.recommendations.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
    } else {
        let _ = writeln!(o, "<ol>");
        for r in &c.recommendations {
            let saves =
                if r.saves > 0 { format!("saves {}", size(r.saves)) } else { "no bytes; safer".into() };
            let (title, evidence) = fmt::recommendation(r);
            let _ =
                writeln!(o, "<li><b>{}</b> ({saves})<br>{}</li>", fmt::html(&title), fmt::html(&evidence));
        }
        let _ = writeln!(o, "</ol>");
    }
    let _ = writeln!(o, "<h2>By stage</h2>");
    table(&mut o, &c.stages, "stage", false);
    let _ = writeln!(
        o,
        "<h2>By package (largest changes)</h2><table><thead><tr><th>package</th><th>change</th><th>before</th><th>after</th><th>size change</th></tr></thead><tbody>"
    );
    for p in c.packages.iter().take(40) {
        let _ = writeln!(
            o,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.ecosystem.name(),
            fmt::html(&p.name),
            p.change,
            fmt::html(p.before_version.as_deref().unwrap_or("")),
            fmt::html(p.after_version.as_deref().unwrap_or("")),
            signed(p.delta)
        );
    }
    let _ = writeln!(o, "</tbody></table>\n<h2>By directory</h2>");
    table(&mut o, &c.directories, "path", false);
    let _ = writeln!(
        o,
        "<script id=\"weigh-data\" type=\"application/json\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>"
    );
    o
}
