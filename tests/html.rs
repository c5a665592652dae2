//! The HTML reports (`weigh inspect` and `weigh compare --format html`) as a browser sees
//! them: rendered in headless Chromium, the DOM after their script ran holds the bars and the
//! treemap, a click on a directory zooms into it, and a screenshot is not blank.

use std::path::{Path, PathBuf};
use std::process::Command;

const SINGLE: &str = "fixtures/demo/node-single.oci.tar";
const MULTI: &str = "fixtures/demo/node-multi.oci.tar";

fn weigh(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("weigh").unwrap().arg("-q").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn chromium(profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium (Debian's chromium package; scripts/test.sh installs it)")
}

/// The DOM once the page's scripts ran.
fn dom(profile: &Path, page: &Path) -> String {
    let out = chromium(profile, &["--virtual-time-budget=5000", "--dump-dom"], page);
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        dom.contains("data-drawn=\"yes\""),
        "the script did not finish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// The opening tag and content of the svg with this id.
fn svg(dom: &str, id: &str) -> String {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let end = dom[start..].find("</svg>").unwrap() + start;
    dom[start..end].to_string()
}

fn attr(tag_text: &str, name: &str) -> Option<String> {
    let at = tag_text.find(&format!("{name}=\""))? + name.len() + 2;
    Some(tag_text[at..at + tag_text[at..].find('"')?].to_string())
}

fn screenshot_is_not_blank(profile: &Path, page: &Path, dir: &Path) {
    let png = dir.join("shot.png");
    let shot = format!("--screenshot={}", png.display());
    let out = chromium(profile, &["--window-size=1200,1600", &shot], page);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let size = std::fs::metadata(&png).unwrap().len();
    // A drawn page's PNG is far larger than a blank one's (a few kB).
    assert!(size > 40_000, "screenshot of {size} bytes looks blank");
}

fn no_fetches(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    for bad in ["src=\"http", "href=\"http", "@import", "url(http", "fetch(", "XMLHttpRequest"] {
        assert!(!html.contains(bad), "{bad}");
    }
}

fn write(dir: &Path, name: &str, html: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, html).unwrap();
    p
}

#[test]
fn both_reports_are_one_self_contained_file() {
    for html in [
        weigh(&["inspect", "--format", "html", SINGLE]),
        weigh(&["compare", "--format", "html", SINGLE, MULTI]),
    ] {
        no_fetches(&html);
        for id in ["weigh-data", "bars", "treemap", "crumbs"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
    }
    let html = weigh(&["inspect", "--format", "html", SINGLE]);
    for section in
        ["By category", "By stage", "Largest packages", "Largest files", "Waste", "Duplicates", "Findings"]
    {
        assert!(html.contains(section), "{section}");
    }
    // One shared script draws both pages.
    let compare = weigh(&["compare", "--format", "html", SINGLE, MULTI]);
    let script = |h: &str| h[h.rfind("<script>").unwrap()..].to_string();
    assert_eq!(script(&html), script(&compare));
}

#[test]
#[ignore = "needs chromium: run scripts/test.sh"]
fn inspect_page_draws_layers_and_a_treemap_that_zooms_on_click() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let html = weigh(&["inspect", "--format", "html", SINGLE]);
    let page = write(dir.path(), "inspect.html", &html);
    let d = dom(&profile, &page);
    let bars = svg(&d, "bars");
    // One bar per layer (7), each split by category.
    assert_eq!(bars.matches("<text").count(), 14, "a label and a total per layer");
    for c in ["toolchain", "dev-dependencies", "runtime", "os", "cache"] {
        assert!(bars.contains(&format!("data-category=\"{c}\"")), "{c}");
    }
    let treemap = svg(&d, "treemap");
    assert_eq!(attr(&treemap, "data-root").as_deref(), Some("/"));
    let before = treemap.matches("<rect").count();
    assert!(before >= 20, "{before} rectangles");

    // A click on a directory, as a user's: the first rectangle that zooms, clicked through
    // the DOM, then the page's state recorded where --dump-dom shows it.
    let click = r#"<script>
      var r = document.querySelector('#treemap rect[data-zoom]');
      var target = r.getAttribute('data-zoom');
      r.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      document.body.setAttribute('data-clicked', target);
    </script></body>"#;
    let clicked = write(dir.path(), "clicked.html", &html.replace("</body>", click));
    let d = dom(&profile, &clicked);
    let target = attr(&d[d.find("<body").unwrap()..], "data-clicked").expect("the click ran");
    let treemap = svg(&d, "treemap");
    assert_eq!(
        attr(&treemap, "data-root").as_deref(),
        Some(target.as_str()),
        "zoomed into the directory clicked"
    );
    assert_ne!(target, "/");
    let crumbs = &d[d.find("id=\"crumbs\"").unwrap()..];
    let name = target.rsplit('/').next().unwrap();
    assert!(crumbs[..crumbs.find("</div>").unwrap()].contains(name), "the path shows where the map is");
    screenshot_is_not_blank(&profile, &page, dir.path());
}

#[test]
#[ignore = "needs chromium: run scripts/test.sh"]
fn compare_page_draws_a_bar_per_image_and_the_treemap() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let page = write(dir.path(), "compare.html", &weigh(&["compare", "--format", "html", SINGLE, MULTI]));
    let d = dom(&profile, &page);
    let bars = svg(&d, "bars");
    assert!(bars.matches("<rect").count() >= 8, "{bars}");
    for c in ["toolchain", "dev-dependencies", "runtime"] {
        assert!(bars.contains(&format!("data-category=\"{c}\"")), "{c}");
    }
    let treemap = svg(&d, "treemap");
    assert!(treemap.matches("<rect").count() >= 20, "{}", treemap.len());
    assert!(treemap.contains("data-category=\"toolchain\""));
    screenshot_is_not_blank(&profile, &page, dir.path());
}
