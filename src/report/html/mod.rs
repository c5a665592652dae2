//! The HTML reports (`weigh inspect` and `weigh compare --format html`): one self-contained
//! page each (no network fetches), over one shell, one stylesheet and one script. The tables
//! are written in Rust; the charts (stacked bars by category, a treemap coloured by category
//! that zooms into a directory on click) are drawn by the page's script from embedded data.

mod compare;
mod inspect;
mod several;

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::classify::Category;
use crate::index::{NodeId, ROOT};

pub use compare::compare;
pub use inspect::inspect;
pub use several::several;

#[derive(Serialize)]
pub(super) struct TreeNode {
    name: String,
    size: u64,
    cat: Category,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<TreeNode>,
}

const MAX_DEPTH: usize = 5;

/// The larger image's tree for the treemap: directories down to a few levels and files big
/// enough to see, each coloured by the category holding most of its bytes.
pub(super) fn tree(a: &Analysis) -> TreeNode {
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
            size: ix.node_size(node),
            cat,
            children: Vec::new(),
        };
        if !is_dir || level >= MAX_DEPTH {
            return t;
        }
        let mut kids: Vec<NodeId> =
            ix.paths.children(node).filter(|&c| ix.visible(c) && ix.node_size(c) >= min).collect();
        kids.sort_by(|x, y| ix.node_size(*y).cmp(&ix.node_size(*x)).then(x.cmp(y)));
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

/// What the script draws: stacked bars (one per image, or one per layer) on one scale, and the
/// treemap of one image.
#[derive(Serialize)]
pub(super) struct Charts {
    pub categories: Vec<&'static str>,
    pub bars: Vec<Bar>,
    pub tree: TreeNode,
}

#[derive(Serialize)]
pub(super) struct Bar {
    pub label: String,
    pub total: u64,
    /// Category name (or `hidden`) and bytes, in the order drawn.
    pub parts: Vec<(&'static str, u64)>,
}

impl Bar {
    /// An image's bytes by category.
    pub fn image(label: &str, a: &Analysis) -> Bar {
        Bar {
            label: label.into(),
            total: a.totals.content_bytes,
            parts: Category::ALL
                .iter()
                .map(|&k| (k.name(), a.category(k).bytes))
                .filter(|p| p.1 > 0)
                .collect(),
        }
    }
}

/// The page around `body`: head, stylesheet, the chart data and the script.
pub(super) fn page(title: &str, body: &str, charts: &Charts) -> String {
    // `<` never appears raw inside the script element, so no path can end it.
    let json = serde_json::to_string(charts).expect("chart data serializes").replace('<', "\\u003c");
    let mut o = String::with_capacity(body.len() + json.len() + CSS.len() + SCRIPT.len() + 512);
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style></head><body>",
        super::fmt::html(title)
    );
    o.push_str(body);
    let _ = writeln!(
        o,
        "<script id=\"weigh-data\" type=\"application/json\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>"
    );
    o
}

/// The bars' svg and their legend.
pub(super) fn bars_svg(o: &mut String, label: &str) {
    let _ = writeln!(
        o,
        "<svg id=\"bars\" width=\"100%\" role=\"img\" aria-label=\"{label}\"></svg>\n<div class=\"legend\" id=\"legend\"></div>"
    );
}

/// The treemap's svg, with the path it is zoomed into above it.
pub(super) fn treemap_svg(o: &mut String) {
    let _ = writeln!(
        o,
        "<div id=\"crumbs\" class=\"crumbs\"></div>\n<svg id=\"treemap\" width=\"100%\" role=\"img\" aria-label=\"treemap\"></svg>\n<p class=\"hint\">Click a directory to zoom into it; click a name above to go back up.</p>"
    );
}

/// Columns of numbers, right-aligned; every other column is text, left-aligned.
const NUMERIC: &[&str] =
    &["#", "size", "compressed", "+files", "-files", "files", "share", "layer", "wasted", "copies", "each"];

/// A table of plain rows; every cell is escaped.
pub(super) fn rows_table(o: &mut String, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let class = |h: &str| if NUMERIC.contains(&h) { "" } else { " class=\"l\"" };
    let _ = write!(o, "<table><thead><tr>");
    for h in head {
        let _ = write!(o, "<th{}>{h}</th>", class(h));
    }
    let _ = writeln!(o, "</tr></thead><tbody>");
    for r in rows {
        let _ = write!(o, "<tr>");
        for (c, h) in r.iter().zip(head) {
            let _ = write!(o, "<td{}>{}</td>", class(h), super::fmt::html(c));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody></table>");
}

const CSS: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left;font-family:ui-monospace,monospace}
td.l,th.l{text-align:left}
.down{color:#1a7f37}.up{color:#cf222e}.legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
svg text{font:11px system-ui,sans-serif;pointer-events:none}#treemap rect{stroke:#fff;stroke-width:.5}
#treemap rect[data-zoom]{cursor:zoom-in}.crumbs{font-family:ui-monospace,monospace;margin:.3em 0}
.crumbs a{cursor:pointer;color:#0969da;text-decoration:underline}.hint{color:#666;font-size:.9em}
.sev-error{color:#cf222e;font-weight:bold}.sev-warning{color:#9a6700;font-weight:bold}
li{margin:.3em 0}code{background:#f3f3f3;padding:0 .2em}
"#;

const SCRIPT: &str = r##"
(function () {
  var data = JSON.parse(document.getElementById('weigh-data').textContent);
  var colors = {'dev-dependencies':'#e15759','toolchain':'#f28e2b','source':'#edc948','cache':'#b07aa1',
    'docs':'#9c755f','vcs':'#ff9da7','dependencies':'#4e79a7','app':'#59a14f','runtime':'#76b7b2',
    'os':'#bab0ac','other':'#d4d4d4','hidden':'#eeeeee'};
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
  // Stacked bars (one per image, or one per layer) on one scale.
  var bars = document.getElementById('bars');
  var W = 1000, rowH = 30, max = Math.max.apply(null, data.bars.map(function (b) { return b.total; })) || 1;
  var used = {};
  bars.setAttribute('viewBox', '0 0 ' + W + ' ' + (data.bars.length * rowH + 4));
  data.bars.forEach(function (bar, r) {
    var x = 130, y = r * rowH + 4;
    el('text', {x: 0, y: y + 15}, bars).textContent = bar.label;
    bar.parts.forEach(function (p) {
      var w = (W - 230) * p[1] / max;
      used[p[0]] = true;
      if (w <= 0) return;
      var rect = el('rect', {x: x, y: y, width: w, height: rowH - 8, fill: colors[p[0]], 'data-category': p[0]}, bars);
      el('title', {}, rect).textContent = bar.label + ' · ' + p[0] + ': ' + fmt(p[1]);
      x += w;
    });
    el('text', {x: x + 6, y: y + 15}, bars).textContent = fmt(bar.total);
  });
  var legend = document.getElementById('legend');
  data.categories.concat(['hidden']).forEach(function (c) {
    if (!used[c]) return;
    var s = document.createElement('span');
    s.innerHTML = '<i style="background:' + colors[c] + '"></i>' + (c === 'hidden' ? 'hidden by a later layer' : c);
    legend.appendChild(s);
  });
  // Squarified treemap; a click on a directory zooms into it, the path above goes back up.
  var tm = document.getElementById('treemap'), crumbs = document.getElementById('crumbs'), TW = 1000, TH = 560;
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
  var stack = [data.tree];
  function pathOf(nodes) {
    return '/' + nodes.slice(1).map(function (n) { return n.name; }).join('/');
  }
  // top: the child of the zoomed node this rectangle lies in, which a click zooms into.
  function draw(node, x, y, w, h, path, top) {
    var kids = (node.children || []).filter(function (c) { return c.size > 0; });
    if (!kids.length || w < 4 || h < 4) {
      var r = el('rect', {x: x, y: y, width: Math.max(w, 0), height: Math.max(h, 0), fill: colors[node.cat], 'data-category': node.cat}, tm);
      el('title', {}, r).textContent = path + ' — ' + fmt(node.size) + ' — ' + node.cat;
      if (top && top.node.children && top.node.children.length) {
        r.setAttribute('data-zoom', top.path);
        r.addEventListener('click', function () { stack.push(top.node); render(); });
      }
      if (w > 60 && h > 14) el('text', {x: x + 3, y: y + 12}, tm).textContent = node.name;
      return;
    }
    var total = kids.reduce(function (a, c) { return a + c.size; }, 0), out = [];
    layout(kids.map(function (c) { return {node: c, area: c.size / total * w * h}; }), x, y, w, h, out);
    out.forEach(function (o) {
      var p = o[0].name === '(smaller)' ? path : (path === '/' ? '' : path) + '/' + o[0].name;
      draw(o[0], o[1], o[2], o[3], o[4], p, top || {node: o[0], path: p});
    });
  }
  function render() {
    while (tm.firstChild) tm.removeChild(tm.firstChild);
    var root = stack[stack.length - 1], path = pathOf(stack);
    draw(root, 0, 0, TW, TH, path, null);
    tm.setAttribute('data-root', path);
    crumbs.textContent = '';
    stack.forEach(function (n, i) {
      var a = document.createElement(i < stack.length - 1 ? 'a' : 'span');
      a.textContent = i === 0 ? '/' : n.name + (i < stack.length - 1 ? '/' : '');
      if (i < stack.length - 1) a.addEventListener('click', function () { stack.length = i + 1; render(); });
      crumbs.appendChild(a);
    });
    crumbs.appendChild(document.createTextNode(' — ' + fmt(root.size)));
  }
  render();
  document.body.setAttribute('data-drawn', 'yes');
})();
"##;
