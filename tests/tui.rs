//! The TUI, driven through the same messages its keys produce, drawn on ratatui's
//! TestBackend and snapshotted.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use weigh::analysis::Analysis;
use weigh::classify::Category;
use weigh::index::{Change, NoProgress};
use weigh::tui::model::{LayerMode, Model, Msg, Pane, update};
use weigh::tui::{areas, key_msg, mouse_msg, view};

fn demo(name: &str) -> Analysis {
    let reference = format!("{}/fixtures/demo/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut a = weigh::analyze(&reference, &weigh::Options::default(), &NoProgress).unwrap();
    // Snapshots should not name this machine's checkout.
    a.image.id.reference = format!("fixtures/demo/{name}");
    a
}

fn draw(m: &mut Model, w: u16, h: u16) -> String {
    update(m, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        m.page = weigh::tui::areas(f.area(), m.layer_count()).tree.height.saturating_sub(2) as usize;
        view(f, m)
    })
    .unwrap();
    format!("{}", t.backend())
}

fn send(m: &mut Model, msgs: &[Msg]) {
    for msg in msgs {
        update(m, msg.clone());
    }
}

#[test]
fn first_frame_of_one_image() {
    let mut m = Model::new(demo("node-single.oci.tar"));
    insta::assert_snapshot!(draw(&mut m, 140, 40));
}

#[test]
fn navigating_to_node_modules_and_filtering_to_dev_dependencies() {
    let mut m = Model::new(demo("node-single.oci.tar"));
    // Find /app and open it, then node_modules.
    let app = m.rows.iter().position(|r| m.a.index.paths.name(r.node) == "app").unwrap();
    send(&mut m, &[Msg::Home]);
    for _ in 0..app {
        update(&mut m, Msg::Down);
    }
    update(&mut m, Msg::Toggle);
    let nm = m.rows.iter().position(|r| m.a.index.paths.name(r.node) == "node_modules").unwrap();
    while m.selected < nm {
        update(&mut m, Msg::Down);
    }
    update(&mut m, Msg::Expand);
    assert_eq!(m.a.index.paths.path(m.selected_node().unwrap()), "/app/node_modules");
    // Cycle the category filter to dev-dependencies.
    while m.category != Some(Category::DevDependencies) {
        update(&mut m, Msg::CycleCategory);
    }
    // Only dev packages are left under node_modules.
    for r in &m.rows {
        let path = m.a.index.paths.path(r.node);
        if path.starts_with("/app/node_modules/") && !m.is_dir(r.node) {
            assert_eq!(m.a.classes.category[r.node as usize], Category::DevDependencies, "{path}");
        }
    }
    assert!(m.rows.iter().any(|r| m.a.index.paths.name(r.node) == "typescript"));
    insta::assert_snapshot!(draw(&mut m, 120, 36));
}

#[test]
fn layer_changes_mode_and_path_filter() {
    let mut m = Model::new(demo("node-single.oci.tar"));
    send(&mut m, &[Msg::NextPane, Msg::Home, Msg::Down, Msg::ToggleLayerMode]);
    assert_eq!((m.focus, m.layer, m.layer_mode), (Pane::Layers, 1, LayerMode::Changes));
    // Only what the apt layer wrote is shown: no /app.
    assert!(!m.rows.iter().any(|r| m.a.index.paths.name(r.node) == "app"));
    send(&mut m, &[Msg::StartFilter]);
    for c in "*gcc-12*".chars() {
        update(&mut m, Msg::FilterChar(c));
    }
    update(&mut m, Msg::FilterDone);
    assert_eq!(m.filter, "*gcc-12*");
    update(&mut m, Msg::ExpandAll);
    assert!(m.rows.iter().any(|r| m.a.index.paths.path(r.node) == "/usr/bin/gcc-12"));
    insta::assert_snapshot!(draw(&mut m, 120, 30));
    // Escape clears the filter, a second one quits.
    send(&mut m, &[Msg::Escape]);
    assert!(m.filter.is_empty() && !m.quit);
    send(&mut m, &[Msg::Escape]);
    assert!(m.quit);
}

#[test]
fn help_overlay_and_a_small_terminal() {
    let mut m = Model::new(demo("node-multi.oci.tar"));
    update(&mut m, Msg::Help);
    insta::assert_snapshot!("help", draw(&mut m, 100, 30));
    update(&mut m, Msg::Down);
    assert!(!m.help, "any key closes the help");
    insta::assert_snapshot!("small", draw(&mut m, 80, 24));
}

#[test]
fn largest_file_and_sorting() {
    let mut m = Model::new(demo("node-multi.oci.tar"));
    update(&mut m, Msg::Largest);
    assert_eq!(m.a.index.paths.path(m.selected_node().unwrap()), "/usr/bin/node");
    update(&mut m, Msg::ToggleSort);
    assert_eq!(m.a.index.paths.path(m.selected_node().unwrap()), "/usr/bin/node", "the selection stays");
    // Sorted by name, the root's children are alphabetical.
    let top: Vec<&str> =
        m.rows.iter().filter(|r| r.depth == 0).map(|r| m.a.index.paths.name(r.node)).collect();
    let mut sorted = top.clone();
    sorted.sort();
    assert_eq!(top, sorted);
    update(&mut m, Msg::CollapseAll);
    assert!(m.rows.iter().all(|r| r.depth == 0));
}

#[test]
fn keys_map_to_messages() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    assert_eq!(key_msg(k(KeyCode::Char('j')), false), Some(Msg::Down));
    assert_eq!(key_msg(k(KeyCode::Down), false), Some(Msg::Down));
    assert_eq!(key_msg(k(KeyCode::Char('q')), false), Some(Msg::Quit));
    assert_eq!(key_msg(k(KeyCode::Char('q')), true), Some(Msg::FilterChar('q')), "typing a filter");
    assert_eq!(key_msg(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), true), Some(Msg::Quit));
    assert_eq!(key_msg(k(KeyCode::Char('?')), false), Some(Msg::Help));
    // Every key the help lists produces the message the help says it does.
    for b in weigh::tui::help::BINDINGS {
        assert!(!b.keys.is_empty() || b.label == "mouse", "{}: no keys", b.label);
        for (code, msg) in b.keys {
            assert_eq!(key_msg(k(*code), false).as_ref(), Some(msg), "{}: {code:?}", b.label);
        }
    }
}

fn filter(m: &mut Model, text: &str) {
    update(m, Msg::StartFilter);
    for _ in 0..m.typing.as_ref().map_or(0, |t| t.chars().count()) {
        update(m, Msg::FilterBackspace);
    }
    for c in text.chars() {
        update(m, Msg::FilterChar(c));
    }
    update(m, Msg::FilterDone);
}

fn leaves(m: &Model) -> Vec<String> {
    m.rows.iter().filter(|r| !m.is_dir(r.node)).map(|r| m.path(r.node)).collect()
}

#[test]
fn regex_filters_and_a_bad_pattern() {
    let mut m = Model::new(demo("node-single.oci.tar"));
    filter(&mut m, r"typescript/lib/lib\.es20\d\d\.d\.ts$");
    assert!(m.filter_error.is_none());
    update(&mut m, Msg::ExpandAll);
    let found = leaves(&m);
    assert!(found.len() > 3, "{found:?}");
    let re = regex::Regex::new(r"/typescript/lib/lib\.es20\d\d\.d\.ts$").unwrap();
    assert!(found.iter().all(|p| re.is_match(p)), "{found:?}");
    // An explicit regex that does not parse: said so, and nothing matches.
    filter(&mut m, "re:lib(");
    assert!(m.filter_error.as_deref().is_some_and(|e| e.starts_with("bad regex")));
    assert!(m.rows.is_empty());
    let frame = draw(&mut m, 100, 24);
    assert!(frame.contains("bad regex"), "{frame}");
    assert!(frame.contains("nothing matches"), "{frame}");
}

fn click(m: &Model, column: u16, row: u16) -> Option<Msg> {
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    mouse_msg(
        MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        },
        m,
    )
}

#[test]
fn mouse_clicks_select_and_open_and_the_wheel_scrolls() {
    use ratatui::crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};
    let mut m = Model::new(demo("node-single.oci.tar"));
    draw(&mut m, 120, 36);
    let a = areas(ratatui::layout::Rect::new(0, 0, 120, 36), m.layer_count());
    // The third row of the tree: selected by one click, opened by a second.
    let msg = click(&m, a.tree.x + 4, a.tree.y + 3).unwrap();
    assert_eq!(msg, Msg::ClickTree(2));
    update(&mut m, msg.clone());
    assert_eq!((m.focus, m.selected), (Pane::Tree, 2));
    let node = m.selected_node().unwrap();
    assert!(m.is_dir(node));
    let before = m.rows.len();
    update(&mut m, msg);
    assert!(m.expanded.contains(&node) && m.rows.len() > before, "a second click opens it");
    // The wheel moves the selection in the focused pane.
    let wheel =
        |kind| mouse_msg(MouseEvent { kind, column: 0, row: 0, modifiers: KeyModifiers::NONE }, &m).unwrap();
    let down = wheel(MouseEventKind::ScrollDown);
    update(&mut m, down);
    assert_eq!(m.selected, 3);
    // A click on the second layer row (under the header) selects that layer.
    let msg = click(&m, a.layers.x + 2, a.layers.y + 3).unwrap();
    assert_eq!(msg, Msg::ClickLayer(1));
    update(&mut m, msg);
    assert_eq!((m.focus, m.layer), (Pane::Layers, 1));
    // Borders and the status line do nothing.
    assert_eq!(click(&m, a.tree.x, a.tree.y), None);
    assert_eq!(click(&m, 0, 35), None);
}

#[test]
fn clicks_on_a_scrolled_layers_table_pick_the_row_under_the_pointer() {
    let mut m = Model::new(demo("node-single.oci.tar"));
    // A terminal so short the layers table scrolls to keep the last layer in view.
    draw(&mut m, 100, 16);
    let a = areas(ratatui::layout::Rect::new(0, 0, 100, 16), m.layer_count());
    let rows = (a.layers.height - 3) as usize;
    assert!(m.layer_count() > rows, "the table must scroll for this test");
    update(&mut m, Msg::NextPane);
    update(&mut m, Msg::End);
    let last_row = a.layers.y + 2 + rows as u16 - 1;
    let msg = click(&m, a.layers.x + 2, last_row).unwrap();
    update(&mut m, msg);
    assert_eq!(m.layer, m.layer_count() - 1, "the bottom row is the last layer");
    let frame = draw(&mut m, 100, 16);
    let line = frame.lines().nth(last_row as usize + 1).unwrap_or_default().to_string();
    assert!(line.contains(&(m.layer_count() - 1).to_string()), "{frame}");
}

#[test]
fn compare_mode_shows_each_paths_change() {
    let before = demo("node-single.oci.tar");
    let after = demo("node-multi.oci.tar");
    let (tb, ta) = (before.totals.content_bytes, after.totals.content_bytes);
    let (lb, la) = (before.layers.len(), after.layers.len());
    let mut m = Model::compare(before, after);
    assert_eq!(m.layer_count(), lb + la);
    // The root holds both images' totals.
    assert_eq!((m.view_before[0], m.view_size[0]), (tb, ta));
    insta::assert_snapshot!("compare", draw(&mut m, 140, 40));
    // The largest change: what the single-stage image alone has.
    update(&mut m, Msg::Largest);
    let n = m.selected_node().unwrap();
    assert_eq!(m.view_change[n as usize], Some(Change::Deleted), "{}", m.path(n));
    assert!(m.view_before[n as usize] > 1_000_000);
    // dev-dependencies, changed only: every file left is gone from AFTER.
    while m.category != Some(Category::DevDependencies) {
        update(&mut m, Msg::CycleCategory);
    }
    update(&mut m, Msg::ToggleChangedOnly);
    update(&mut m, Msg::ExpandAll);
    let files = leaves(&m);
    assert!(files.iter().any(|p| p.starts_with("/app/node_modules/typescript/")), "{files:?}");
    for r in m.rows.iter().filter(|r| !m.is_dir(r.node)) {
        assert_eq!(m.view_change[r.node as usize], Some(Change::Deleted), "{}", m.path(r.node));
        assert_eq!(m.view_size[r.node as usize], 0);
    }
    // The directory sums are the filtered files' sums.
    let nm = m.rows.iter().find(|r| m.path(r.node) == "/app/node_modules").unwrap().node;
    let sum: u64 = m
        .rows
        .iter()
        .filter(|r| !m.is_dir(r.node) && m.path(r.node).starts_with("/app/node_modules/"))
        .map(|r| m.view_before[r.node as usize])
        .sum();
    assert_eq!(m.view_before[nm as usize], sum);
    insta::assert_snapshot!("compare_dev_dependencies", draw(&mut m, 120, 30));
}

#[test]
fn compare_mode_layers_and_a_layers_changes() {
    let mut m = Model::compare(demo("node-single.oci.tar"), demo("node-multi.oci.tar"));
    let lb = m.cmp.as_ref().unwrap().before.layers.len();
    // The first AFTER layer is the shared base: it is marked in the layers pane.
    let frame = draw(&mut m, 140, 40);
    assert!(frame.contains("=b0") && frame.contains("=a0"), "{frame}");
    // Scope the tree to what AFTER's last layer wrote.
    send(&mut m, &[Msg::NextPane, Msg::End, Msg::ToggleLayerMode, Msg::ExpandAll]);
    assert_eq!(m.layer_side(m.layer), (false, m.layer - lb));
    let files = leaves(&m);
    assert!(!files.is_empty());
    let a = &m.a;
    let last = a.layers.len() - 1;
    for r in m.rows.iter().filter(|r| !m.is_dir(r.node)) {
        let e = a.index.current[r.node as usize];
        assert_eq!(a.index.entries[e as usize].layer as usize, last, "{}", m.path(r.node));
    }
}

/// The demo with one finding on its native addon, as the libc check words it.
fn with_a_finding() -> (Model, String) {
    let mut a = demo("node-multi.oci.tar");
    let addon = a
        .index
        .final_files()
        .map(|(n, _)| a.index.paths.path(n))
        .find(|p| p.ends_with(".node"))
        .expect("the demo has a native addon");
    a.findings.insert(
        0,
        weigh::findings::Finding {
            id: weigh::findings::FindingId::LibcMismatch,
            severity: weigh::findings::Severity::Error,
            what: weigh::findings::What::LibcMismatch {
                needs: weigh::findings::Libc::Musl,
                image: Some(weigh::findings::Libc::Glibc),
                package: Some("better-sqlite3".into()),
            },
            paths: vec![addon.clone()],
            more: 0,
            layer: None,
            bytes: 1,
        },
    );
    (Model::new(a), addon)
}

#[test]
fn findings_mark_their_paths_and_the_overlay_goes_to_them() {
    let (mut m, addon) = with_a_finding();
    // The collapsed tree flags the top directory holding the addon.
    let top = addon.split('/').nth(1).unwrap();
    let row = m.rows.iter().position(|r| m.name(r.node) == top).unwrap();
    assert!(m.flagged[m.rows[row].node as usize].is_some());
    let screen = draw(&mut m, 140, 40);
    assert!(screen.lines().any(|l| l.contains("! ") && l.contains(top)), "{screen}");
    // The demo's final stage has no findings of its own.
    assert!(screen.contains("f 1 finding "), "{screen}");
    // Open the overlay, go to the finding's file.
    update(&mut m, Msg::Findings);
    assert_eq!(m.findings, Some(0));
    let overlay = draw(&mut m, 140, 40);
    assert!(overlay.contains("libc-mismatch") && overlay.contains(&addon), "{overlay}");
    update(&mut m, Msg::Toggle);
    assert_eq!(m.findings, None);
    assert_eq!(m.path(m.selected_node().unwrap()), addon);
    // The details name the finding.
    let screen = draw(&mut m, 140, 40);
    assert!(screen.contains("error libc-mismatch"), "{screen}");
    // Esc closes the overlay without quitting; a file no finding names has no flag.
    send(&mut m, &[Msg::Findings, Msg::Escape]);
    assert!(!m.quit && m.findings.is_none());
    let clean = (0..m.node_count()).filter(|&n| m.flagged[n].is_none()).count();
    assert!(clean > 0);
}

#[test]
fn findings_overlay_snapshot() {
    let (mut m, _) = with_a_finding();
    update(&mut m, Msg::Findings);
    insta::assert_snapshot!(draw(&mut m, 120, 30));
}

#[test]
fn views_computed_on_the_worker_thread_are_the_views_computed_in_place() {
    let mut here = Model::compare(demo("node-single.oci.tar"), demo("node-multi.oci.tar"));
    let mut worker = Model::compare(demo("node-single.oci.tar"), demo("node-multi.oci.tar"));
    worker.background();
    let steps: [fn(&mut Model); 8] = [
        |m| update(m, Msg::ExpandAll),
        |m| filter(m, "node_modules"),
        |m| update(m, Msg::CycleCategory),
        |m| update(m, Msg::ToggleLayerMode),
        |m| filter(m, "*.js"),
        |m| update(m, Msg::ToggleChangedOnly),
        |m| filter(m, "re:("),
        |m| update(m, Msg::Escape),
    ];
    for step in &steps {
        step(&mut here);
        let rows = worker.rows.clone();
        step(&mut worker);
        // Until the worker answers, the tree is the one drawn before the key.
        if worker.pending {
            assert_eq!(worker.rows, rows);
        }
        worker.wait();
        assert!(!worker.pending);
        assert_eq!(worker.rows, here.rows);
        assert_eq!(worker.view_size, here.view_size);
        assert_eq!(worker.view_before, here.view_before);
        assert_eq!(worker.filter_error, here.filter_error);
    }
    // A burst of keys is answered with the view of the last one.
    for _ in 0..5 {
        update(&mut worker, Msg::CycleCategory);
        update(&mut here, Msg::CycleCategory);
    }
    worker.wait();
    assert_eq!(worker.rows, here.rows);
}
