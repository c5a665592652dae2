//! The TUI, driven through the same messages its keys produce, drawn on ratatui's
//! TestBackend and snapshotted.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use weigh::analysis::Analysis;
use weigh::attribute::{attribute, pair_history};
use weigh::classify::{Category, Rules};
use weigh::index::{Index, IndexOptions, NoProgress};
use weigh::source::{Image, OpenOptions};
use weigh::tui::model::{LayerMode, Model, Msg, Pane, update};
use weigh::tui::{key_msg, view};

fn demo(name: &str) -> Analysis {
    let reference = format!("{}/fixtures/demo/{name}", env!("CARGO_MANIFEST_DIR"));
    let image = Image::open(&reference, &OpenOptions::default()).unwrap();
    let index = Index::build(&image, IndexOptions::default(), &NoProgress).unwrap();
    let history = pair_history(&image.config, image.layers.len());
    let attribution = attribute(&history, None, None).unwrap();
    let mut a = Analysis::new(&image, index, history, attribution, &Rules::default());
    // Snapshots should not name this machine's checkout.
    a.image.id.reference = format!("fixtures/demo/{name}");
    a
}

fn draw(m: &mut Model, w: u16, h: u16) -> String {
    update(m, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        m.page = weigh::tui::areas(f.area(), m.a.layers.len()).tree.height.saturating_sub(2) as usize;
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
    // Every binding in the help has a key that produces a message.
    for (keys, _) in weigh::tui::help::BINDINGS {
        assert!(!keys.is_empty());
    }
}
