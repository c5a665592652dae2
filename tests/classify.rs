//! Categories, reasons and packages on images built here from package databases and lockfiles
//! as the real tools write them (dpkg, npm, pnpm, yarn classic and berry, pip).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;
use support::*;
use weigh::analysis::Analysis;
use weigh::classify::{Category, Ecosystem, Rules};
use weigh::index::NoProgress;

fn analyze_with(img: &Img, rules: &Rules) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", img)]));
    let opts = weigh::Options { rules: rules.clone(), ..Default::default() };
    weigh::analyze(&format!("oci:{}", dir.path().display()), &opts, &NoProgress).unwrap()
}

fn analyze(img: &Img) -> Analysis {
    analyze_with(img, &Rules::default())
}

fn class(a: &Analysis, path: &str) -> (Category, String, Option<String>) {
    let node = a.index.paths.find(path).unwrap_or_else(|| panic!("{path} not in the image"));
    let (c, r, p) = a.classes.of(node);
    (c, r.to_string(), p.map(|p| p.id.clone()))
}

fn cat(a: &Analysis, path: &str) -> Category {
    class(a, path).0
}

/// Every category's bytes add up to the image's content, and each to its files' sizes.
fn assert_sums(a: &Analysis) {
    let sum: u64 = a.categories().iter().map(|c| c.bytes).sum();
    assert_eq!(sum, a.totals.content_bytes);
    let files: u64 = a.categories().iter().map(|c| c.files).sum();
    assert_eq!(files, a.totals.files);
    let mut by = BTreeMap::new();
    for f in a.files() {
        *by.entry(f.category).or_insert(0u64) += f.size;
    }
    for c in a.categories() {
        assert_eq!(by.get(&c.category).copied().unwrap_or(0), c.bytes, "{}", c.category);
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn text(path: &'static str, body: &str) -> E {
    E::File(path, body.as_bytes().to_vec())
}

const STATUS: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Protected: yes
Version: 2.36-9
Installed-Size: 12
Depends: libgcc-s1

Package: libgcc-s1
Status: install ok installed
Priority: optional
Version: 12.2.0-14
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)

Package: gcc-12-base
Status: install ok installed
Priority: required
Version: 12.2.0-14

Package: apt
Status: install ok installed
Priority: important
Version: 2.6.1
Depends: libstdc++6 (>= 11), libc6

Package: libstdc++6
Status: install ok installed
Priority: optional
Version: 12.2.0-14
Depends: libc6, libgcc-s1

Package: gcc-12
Status: install ok installed
Priority: optional
Version: 12.2.0-14
Installed-Size: 2
Depends: cpp-12 (= 12.2.0-14), libstdc++6, binutils

Package: cpp-12
Status: install ok installed
Priority: optional
Version: 12.2.0-14
Depends: libisl23 (>= 0.15), libc6

Package: libisl23
Status: install ok installed
Priority: optional
Version: 0.25-1
Depends: libc6

Package: binutils
Status: install ok installed
Priority: optional
Version: 2.40-2

Package: perl
Status: install ok installed
Priority: standard
Version: 5.36.0-7
Depends: perl-modules-5.36
Recommends: make

Package: perl-modules-5.36
Status: install ok installed
Priority: optional
Version: 5.36.0-7
Depends: perl

Package: dpkg-dev
Status: install ok installed
Priority: optional
Version: 1.21.22
Depends: perl, binutils

Package: make
Status: install ok installed
Priority: optional
Version: 4.3-4.1

Package: python3.11-minimal
Status: install ok installed
Priority: optional
Version: 3.11.2-6
Depends: libc6

Package: gone
Status: deinstall ok config-files
Version: 1
";

fn dpkg_layer() -> Layer {
    let list = |pkg: &str, paths: &[&str]| {
        E::File(
            leak(format!("var/lib/dpkg/info/{pkg}.list")),
            format!("/.\n/usr\n{}\n", paths.join("\n")).into_bytes(),
        )
    };
    Layer::new(vec![
        E::Symlink("bin", "usr/bin"),
        text("var/lib/dpkg/status", STATUS),
        list("libc6:amd64", &["/lib/x86_64-linux-gnu/libc.so.6"]),
        E::Symlink("lib", "usr/lib"),
        file("usr/lib/x86_64-linux-gnu/libc.so.6", 1000, 1),
        list("libstdc++6:amd64", &["/usr/lib/x86_64-linux-gnu/libstdc++.so.6"]),
        file("usr/lib/x86_64-linux-gnu/libstdc++.so.6", 500, 2),
        list("apt", &["/usr/bin/apt", "/usr/share/doc/apt/copyright"]),
        file("usr/bin/apt", 300, 3),
        file("usr/share/doc/apt/copyright", 30, 4),
        list("gcc-12", &["/usr/bin/gcc-12", "/usr/share/doc/gcc-12/README"]),
        file("usr/bin/gcc-12", 4000, 5),
        file("usr/share/doc/gcc-12/README", 40, 6),
        list("cpp-12", &["/usr/bin/cpp-12"]),
        file("usr/bin/cpp-12", 3000, 7),
        list("libisl23:amd64", &["/usr/lib/x86_64-linux-gnu/libisl.so.23"]),
        file("usr/lib/x86_64-linux-gnu/libisl.so.23", 2000, 8),
        // Merged /usr: dpkg lists /bin/make, the tar holds usr/bin/make.
        list("make", &["/bin/make"]),
        file("usr/bin/make", 250, 9),
        list("perl", &["/usr/bin/perl"]),
        file("usr/bin/perl", 600, 10),
        list("perl-modules-5.36", &["/usr/share/perl/5.36/strict.pm"]),
        file("usr/share/perl/5.36/strict.pm", 60, 11),
        list("python3.11-minimal", &["/usr/bin/python3.11", "/usr/lib/python3.11/os.py"]),
        file("usr/bin/python3.11", 700, 12),
        file("usr/lib/python3.11/os.py", 70, 13),
        // Bytecode py3compile wrote after installation: not in any list.
        file("usr/lib/python3.11/__pycache__/os.cpython-311.pyc", 71, 14),
        text("var/lib/dpkg/info/gcc-12.md5sums", "abc  usr/bin/gcc-12\n"),
        file("etc/hostname", 5, 15),
        file("var/lib/apt/lists/mirror_dists_bookworm_InRelease", 900, 16),
        file("var/cache/apt/archives/gcc-12.deb", 800, 17),
        file("tmp/build.log", 20, 18),
        file("usr/include/stdio.h", 90, 19),
    ])
}

const NPM_LOCK: &str = r#"{"name":"app","lockfileVersion":3,"requires":true,"packages":{
  "": {"name":"app","dependencies":{"express":"^5"},"devDependencies":{"jest":"^29","typescript":"^5"}},
  "node_modules/express": {"version":"5.1.0"},
  "node_modules/jest": {"version":"29.7.0","dev":true},
  "node_modules/jest/node_modules/ms": {"version":"2.0.0","dev":true},
  "node_modules/typescript": {"version":"5.9.3","dev":true},
  "node_modules/fsevents": {"version":"2.3.3","devOptional":true,"optional":true},
  "node_modules/addon": {"version":"1.0.0"}
}}"#;

fn npm_image() -> Img {
    Img::new(vec![
        dpkg_layer(),
        Layer::new(vec![
            file("usr/bin/node", 5000, 20),
            file("usr/lib/node_modules/npm/index.js", 400, 21),
            file("usr/include/node/node.h", 80, 22),
        ]),
        Layer::new(vec![
            text("app/package.json", r#"{"name":"app","main":"dist/server.js"}"#),
            text("app/node_modules/.package-lock.json", NPM_LOCK),
            file("app/node_modules/express/index.js", 110, 30),
            file("app/node_modules/jest/index.js", 220, 31),
            file("app/node_modules/jest/node_modules/ms/index.js", 33, 32),
            file("app/node_modules/typescript/lib/tsc.js", 440, 33),
            file("app/node_modules/unlisted/index.js", 12, 34),
            E::Symlink("app/node_modules/.bin/tsc", "../typescript/bin/tsc"),
            text("app/node_modules/addon/binding.gyp", "{}"),
            file("app/node_modules/addon/build/Release/addon.node", 900, 35),
            file("app/node_modules/addon/build/Release/obj.target/addon/src/addon.o", 1900, 36),
            file("app/node_modules/addon/build/Makefile", 19, 37),
            file("app/node_modules/addon/build/binding.Makefile", 20, 38),
            file("app/node_modules/.cache/x", 10, 39),
        ])
        .by("RUN /bin/sh -c npm ci # buildkit"),
        Layer::new(vec![
            file("app/src/server.ts", 50, 40),
            file("app/test/server.test.ts", 60, 41),
            file("app/tsconfig.json", 20, 42),
            file("app/dist/server.js", 45, 43),
            file("app/dist/server.js.map", 46, 44),
            file("app/README.md", 10, 45),
            file("app/.git/HEAD", 23, 46),
            file("app/.npm/_cacache/index", 99, 47),
            file("srv/data.bin", 7, 48),
        ])
        .by("COPY . . # buildkit"),
    ])
}

#[test]
fn debian_packages_by_what_needs_them() {
    let a = analyze(&npm_image());
    assert_sums(&a);
    // Compilers by name; a library only they need goes with them; a library apt also
    // needs stays os.
    assert_eq!(cat(&a, "usr/bin/gcc-12"), Category::Toolchain);
    assert_eq!(cat(&a, "usr/bin/cpp-12"), Category::Toolchain);
    let (c, why, pkg) = class(&a, "usr/lib/x86_64-linux-gnu/libisl.so.23");
    assert_eq!(c, Category::Toolchain);
    assert!(why.contains("needed only by toolchain packages (cpp-12)"), "{why}");
    assert_eq!(pkg.as_deref(), Some("deb:libisl23@0.25-1"));
    assert_eq!(cat(&a, "usr/lib/x86_64-linux-gnu/libstdc++.so.6"), Category::Os);
    assert_eq!(cat(&a, "usr/lib/x86_64-linux-gnu/libc.so.6"), Category::Os);
    assert_eq!(cat(&a, "usr/bin/apt"), Category::Os);
    // The list says /bin/make; /bin is a symlink to usr/bin.
    let (c, _, pkg) = class(&a, "usr/bin/make");
    assert_eq!((c, pkg.as_deref()), (Category::Toolchain, Some("deb:make@4.3-4.1")));
    // perl and perl-modules need each other; only dpkg-dev (toolchain) needs them.
    assert_eq!(cat(&a, "usr/bin/perl"), Category::Toolchain);
    assert_eq!(cat(&a, "usr/share/perl/5.36/strict.pm"), Category::Toolchain);
    // A python interpreter in an image that runs node is there for node-gyp.
    let (c, why, _) = class(&a, "usr/bin/python3.11");
    assert_eq!(c, Category::Toolchain);
    assert!(why.contains("does not run (it runs node)"), "{why}");
    let (c, _, pkg) = class(&a, "usr/lib/python3.11/__pycache__/os.cpython-311.pyc");
    assert_eq!((c, pkg.as_deref()), (Category::Toolchain, Some("deb:python3.11-minimal@3.11.2-6")));
    // Places decide before packages: a toolchain package's docs are docs.
    let (c, _, pkg) = class(&a, "usr/share/doc/gcc-12/README");
    assert_eq!((c, pkg.as_deref()), (Category::Docs, Some("deb:gcc-12@12.2.0-14")));
    assert_eq!(class(&a, "var/lib/dpkg/info/gcc-12.md5sums").2.as_deref(), Some("deb:gcc-12@12.2.0-14"));
    assert_eq!(cat(&a, "var/lib/apt/lists/mirror_dists_bookworm_InRelease"), Category::Cache);
    assert_eq!(cat(&a, "var/cache/apt/archives/gcc-12.deb"), Category::Cache);
    assert_eq!(cat(&a, "tmp/build.log"), Category::Cache);
    assert_eq!(cat(&a, "usr/include/stdio.h"), Category::Toolchain);
    assert_eq!(cat(&a, "etc/hostname"), Category::Os);
    assert_eq!(cat(&a, "srv/data.bin"), Category::Os);

    let gcc = a.classes.packages.iter().find(|p| p.name == "gcc-12").unwrap();
    assert_eq!((gcc.installed_size, gcc.size, gcc.files), (Some(2048), 4000 + 40 + 53 + 20, 4));
    assert_eq!(gcc.category, Category::Toolchain);
    assert!(!a.classes.packages.iter().any(|p| p.name == "gone"));
}

#[test]
fn npm_dev_dependencies_runtime_and_app() {
    let a = analyze(&npm_image());
    assert_sums(&a);
    let (c, why, pkg) = class(&a, "app/node_modules/jest/index.js");
    assert_eq!(c, Category::DevDependencies);
    assert_eq!(why, "npm package jest: marked dev in /app/node_modules/.package-lock.json");
    assert_eq!(pkg.as_deref(), Some("npm:jest@29.7.0"));
    // A nested package is its own package.
    assert_eq!(
        class(&a, "app/node_modules/jest/node_modules/ms/index.js").2.as_deref(),
        Some("npm:ms@2.0.0")
    );
    assert_eq!(cat(&a, "app/node_modules/typescript/lib/tsc.js"), Category::DevDependencies);
    assert_eq!(cat(&a, "app/node_modules/express/index.js"), Category::Dependencies);
    let (c, why, pkg) = class(&a, "app/node_modules/unlisted/index.js");
    assert_eq!((c, pkg.is_some()), (Category::Dependencies, true), "{why}");
    // node-gyp: objects and makefiles are toolchain, the addon is the package's.
    assert_eq!(cat(&a, "app/node_modules/addon/build/Release/addon.node"), Category::Dependencies);
    assert_eq!(
        cat(&a, "app/node_modules/addon/build/Release/obj.target/addon/src/addon.o"),
        Category::Toolchain
    );
    assert_eq!(cat(&a, "app/node_modules/addon/build/Makefile"), Category::Toolchain);
    assert_eq!(cat(&a, "app/node_modules/.cache/x"), Category::Cache);
    // The runtime and what ships with it.
    assert_eq!(cat(&a, "usr/bin/node"), Category::Runtime);
    assert_eq!(cat(&a, "usr/lib/node_modules/npm/index.js"), Category::Runtime);
    assert_eq!(cat(&a, "usr/include/node/node.h"), Category::Runtime);
    // The app directory (WORKDIR /app): built output is app; sources beside it are not.
    assert_eq!(a.classes.app_dir.as_deref(), Some("/app"));
    assert_eq!(cat(&a, "app/dist/server.js"), Category::App);
    assert_eq!(cat(&a, "app/package.json"), Category::App);
    assert_eq!(cat(&a, "app/README.md"), Category::App);
    for p in ["app/src/server.ts", "app/test/server.test.ts", "app/tsconfig.json", "app/dist/server.js.map"] {
        assert_eq!(cat(&a, p), Category::Source, "{p}");
    }
    assert_eq!(cat(&a, "app/.git/HEAD"), Category::Vcs);
    assert_eq!(cat(&a, "app/.npm/_cacache/index"), Category::Cache);

    let dev: u64 = a.category(Category::DevDependencies).bytes;
    assert_eq!(dev, 220 + 33 + 440);
    let jest = a.classes.packages.iter().find(|p| p.name == "jest").unwrap();
    assert_eq!(
        (jest.ecosystem, jest.dev, jest.size, jest.path.as_deref()),
        (Ecosystem::Npm, Some(true), 220, Some("/app/node_modules/jest"))
    );
    // fsevents is in the lockfile but not installed: no package.
    assert!(!a.classes.packages.iter().any(|p| p.name == "fsevents"));
}

#[test]
fn stage_and_category_in_every_file_record() {
    let a = analyze(&npm_image());
    let f = a.files().into_iter().find(|f| f.path == "/app/node_modules/jest/index.js").unwrap();
    assert_eq!(f.stage, "final", "one build above the base: its final stage");
    assert_eq!(f.instruction.as_deref(), Some("RUN"));
    assert_eq!(f.category, Category::DevDependencies);
    assert_eq!(f.package.as_deref(), Some("npm:jest@29.7.0"));
    let base = a.files().into_iter().find(|f| f.path == "/usr/bin/gcc-12").unwrap();
    assert_eq!(base.stage, "base image");
    let stages: u64 = a.stages.iter().map(|s| s.bytes).sum();
    assert_eq!(stages, a.totals.content_bytes);
}

#[test]
fn user_rules_win_and_are_the_reason() {
    let rules = Rules::parse(
        "[classify.paths]\n\"/app/README.md\" = \"docs\"\n\"*.map\" = \"app\"\n\
         [classify.packages]\n\"typescript\" = \"dependencies\"\n\"gcc-*\" = \"other\"\n",
        "weigh.toml",
    )
    .unwrap();
    let a = analyze_with(&npm_image(), &rules);
    assert_sums(&a);
    assert_eq!(class(&a, "app/README.md").0, Category::Docs);
    assert_eq!(class(&a, "app/README.md").1, "rule in weigh.toml: /app/README.md");
    assert_eq!(cat(&a, "app/dist/server.js.map"), Category::App);
    let (c, why, _) = class(&a, "app/node_modules/typescript/lib/tsc.js");
    assert_eq!((c, why.as_str()), (Category::Dependencies, "rule in weigh.toml: package typescript"));
    // Package rules beat places too: the gcc docs follow the rule.
    assert_eq!(cat(&a, "usr/share/doc/gcc-12/README"), Category::Other);
}

fn python_image(requirements_dev: bool) -> Img {
    let dist = |name: &'static str, version: &str, requires: &[&str], files: &[(&str, usize)]| {
        let info = format!("usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info");
        let mut meta = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        for r in requires {
            meta.push_str(&format!("Requires-Dist: {r}\n"));
        }
        meta.push_str("\nlong description\n");
        let mut record = String::new();
        let mut entries = vec![E::File(leak(format!("{info}/METADATA")), meta.into_bytes())];
        for (f, size) in files {
            record.push_str(&format!("{f},sha256=x,{size}\n"));
            let path = weigh_join("usr/local/lib/python3.11/site-packages", f);
            entries.push(E::File(leak(path), vec![b'p'; *size]));
        }
        record.push_str(&format!(
            "{name}-{version}.dist-info/METADATA,,\n{name}-{version}.dist-info/RECORD,,\n"
        ));
        entries.push(E::File(leak(format!("{info}/RECORD")), record.into_bytes()));
        entries
    };
    let mut deps = Vec::new();
    deps.extend(dist(
        "flask",
        "3.1.3",
        &["Werkzeug>=3.1", "click>=8", "asgiref; extra == \"async\""],
        &[("flask/app.py", 100)],
    ));
    deps.extend(dist("Werkzeug", "3.1.9", &[], &[("werkzeug/serving.py", 90)]));
    deps.extend(dist("click", "8.5.1", &[], &[("click/core.py", 80)]));
    deps.extend(dist(
        "gunicorn",
        "27.0.1",
        &["packaging"],
        &[("gunicorn/app.py", 70), ("../../../bin/gunicorn", 7)],
    ));
    deps.extend(dist("packaging", "25.0", &[], &[("packaging/version.py", 60)]));
    deps.extend(dist(
        "pytest",
        "9.2.0",
        &["pluggy>=1", "packaging", "click"],
        &[("pytest/__init__.py", 500), ("_pytest/main.py", 400)],
    ));
    deps.extend(dist("pluggy", "1.6.0", &[], &[("pluggy/_hooks.py", 50)]));
    deps.extend(dist("black", "26.10.1", &["mypy_extensions>=0.4", "click"], &[("black/__init__.py", 300)]));
    deps.extend(dist("mypy_extensions", "1.1.0", &[], &[("mypy_extensions.py", 20)]));
    deps.extend(dist("pip", "25.0", &[], &[("pip/__init__.py", 40)]));
    // Compiled later, not in the RECORD: goes with its distribution's directory.
    deps.push(file("usr/local/lib/python3.11/site-packages/flask/__pycache__/app.cpython-311.pyc", 11, 3));
    let mut app = vec![
        text("app/requirements.txt", "Flask==3.1.3\ngunicorn==27.0.1\n"),
        file("app/app/views.py", 30, 4),
        file("app/tests/test_views.py", 31, 5),
        file("app/conftest.py", 32, 6),
        file("app/.pytest_cache/v/cache/nodeids", 33, 7),
    ];
    if requirements_dev {
        app.push(text("app/requirements-dev.txt", "black==26.10.1\n"));
    }
    Img::new(vec![
        Layer::new(vec![
            file("usr/local/bin/python3.11", 5000, 1),
            file("usr/local/lib/python3.11/os.py", 600, 2),
        ]),
        Layer::new(deps).by("RUN /bin/sh -c pip install -r requirements.txt # buildkit"),
        Layer::new(app).by("COPY . . # buildkit"),
    ])
    .run(json!({"Cmd": ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi:app"], "WorkingDir": "/app"}))
}

fn weigh_join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    for p in rel.split('/') {
        if p == ".." {
            parts.pop();
        } else {
            parts.push(p);
        }
    }
    parts.join("/")
}

#[test]
fn python_dev_tools_and_what_only_they_need() {
    let a = analyze(&python_image(true));
    assert_sums(&a);
    let sp = "usr/local/lib/python3.11/site-packages";
    let c = |p: &str| cat(&a, &format!("{sp}/{p}"));
    assert_eq!(c("flask/app.py"), Category::Dependencies);
    assert_eq!(c("flask/__pycache__/app.cpython-311.pyc"), Category::Dependencies);
    assert_eq!(c("werkzeug/serving.py"), Category::Dependencies);
    assert_eq!(c("packaging/version.py"), Category::Dependencies, "gunicorn needs it too");
    assert_eq!(c("click/core.py"), Category::Dependencies, "flask needs it too");
    assert_eq!(c("pytest/__init__.py"), Category::DevDependencies);
    assert_eq!(c("_pytest/main.py"), Category::DevDependencies);
    let (cat_, why, _) = class(&a, &format!("{sp}/pluggy/_hooks.py"));
    assert_eq!(cat_, Category::DevDependencies);
    assert!(why.contains("required only by development tools (pytest)"), "{why}");
    let (cat_, why, _) = class(&a, &format!("{sp}/black/__init__.py"));
    assert_eq!(cat_, Category::DevDependencies);
    assert_eq!(why, "Python distribution black: listed for development in /app/requirements-dev.txt");
    assert_eq!(c("mypy_extensions.py"), Category::DevDependencies);
    assert_eq!(c("pip/__init__.py"), Category::Runtime);
    let (c2, _, pkg) = class(&a, "usr/local/bin/gunicorn");
    assert_eq!((c2, pkg.as_deref()), (Category::Dependencies, Some("python:gunicorn@27.0.1")));
    assert_eq!(cat(&a, "usr/local/bin/python3.11"), Category::Runtime);
    assert_eq!(cat(&a, "usr/local/lib/python3.11/os.py"), Category::Runtime);
    assert_eq!(cat(&a, "app/app/views.py"), Category::App);
    assert_eq!(cat(&a, "app/tests/test_views.py"), Category::Source);
    assert_eq!(cat(&a, "app/conftest.py"), Category::Source);
    assert_eq!(cat(&a, "app/requirements-dev.txt"), Category::Source);
    assert_eq!(cat(&a, "app/.pytest_cache/v/cache/nodeids"), Category::Cache);
    assert_eq!(a.classes.language, Some(weigh::classify::Language::Python));
    let flask = a.classes.packages.iter().find(|p| p.name == "flask").unwrap();
    // app.py, its bytecode, METADATA and RECORD.
    assert_eq!((flask.dev, flask.files), (Some(false), 4));

    // Without requirements-dev.txt, black is still known as a dev tool.
    let a = analyze(&python_image(false));
    let (cat_, why, _) = class(&a, &format!("{sp}/black/__init__.py"));
    assert_eq!(cat_, Category::DevDependencies);
    assert!(why.contains("a development tool"), "{why}");
}

/// A real install's listing (`tests/data/js-layouts`, see its README) as an image layer
/// under /app, with the package managers' state files at their real bytes.
fn js_layout(manager: &str, extra: &[&str]) -> Img {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/js-layouts").join(manager);
    let listing = std::fs::read_to_string(root.join("paths.txt")).unwrap();
    let mut entries = Vec::new();
    for f in ["package.json"].iter().chain(extra) {
        let body = std::fs::read(root.join(f)).unwrap();
        entries.push(E::File(leak(format!("app/{f}")), body));
    }
    for line in listing.lines() {
        let mut parts = line.splitn(3, ' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("d"), Some(p), None) => entries.push(E::Dir(leak(format!("app/{p}")))),
            (Some("f"), Some(size), Some(p)) => {
                let body = std::fs::read(root.join(p))
                    .unwrap_or_else(|_| vec![b'x'; size.parse::<usize>().unwrap()]);
                entries.push(E::File(leak(format!("app/{p}")), body));
            }
            (Some("l"), Some(target), Some(p)) => {
                entries.push(E::Symlink(leak(format!("app/{p}")), leak(target.to_string())))
            }
            _ => panic!("bad line {line:?}"),
        }
    }
    Img::new(vec![Layer::new(entries).comp(Comp::None)])
}

fn package_dirs(manager: &str, list: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/js-layouts").join(manager);
    std::fs::read_to_string(root.join(list))
        .unwrap()
        .lines()
        .map(|l| format!("/app/{}", l.split(' ').next().unwrap()))
        .collect()
}

/// The dev flags weigh gives installed packages agree with what the package manager itself
/// left out of a production install, and the dev-dependencies bytes are those directories.
fn check_js_layout(manager: &str, extra: &[&str], exact: bool) {
    let a = analyze(&js_layout(manager, extra));
    assert_sums(&a);
    let dev_truth = package_dirs(manager, "dev-packages.txt");
    let prod_truth = package_dirs(manager, "prod-packages.txt");
    let npm: Vec<_> = a.classes.packages.iter().filter(|p| p.ecosystem == Ecosystem::Npm).collect();
    let mut undecided = Vec::new();
    for p in &npm {
        let path = p.path.clone().unwrap();
        if dev_truth.contains(&path) {
            assert_ne!(p.dev, Some(false), "{manager}: {path} is dev");
        } else if prod_truth.contains(&path) {
            assert_ne!(p.dev, Some(true), "{manager}: {path} is production");
        }
        if p.dev.is_none() && (dev_truth.contains(&path) || prod_truth.contains(&path)) {
            undecided.push(path);
        }
    }
    let found: BTreeSet<String> = npm.iter().filter_map(|p| p.path.clone()).collect();
    let missing: Vec<_> = dev_truth.union(&prod_truth).filter(|d| !found.contains(*d)).collect();
    assert!(missing.is_empty(), "{manager}: package directories not found: {missing:?}");
    if exact {
        assert!(undecided.is_empty(), "{manager}: undecided {undecided:?}");
        // Independently: the bytes below the dev directories (nested package directories
        // of a dev package are dev too).
        let dev_bytes: u64 = a
            .files()
            .iter()
            .filter(|f| dev_truth.iter().any(|d| f.path.starts_with(&format!("{d}/"))))
            .map(|f| f.size)
            .sum();
        assert_eq!(a.category(Category::DevDependencies).bytes, dev_bytes, "{manager}");
    } else {
        // yarn classic records no versions per directory: a name locked at several versions
        // with different flags stays undecided (and counts as a dependency).
        assert!(undecided.len() * 20 < npm.len(), "{manager}: {} undecided: {undecided:?}", undecided.len());
    }
}

#[test]
fn pnpm_layout_dev_flags_match_a_production_install() {
    check_js_layout("pnpm", &["pnpm-lock.yaml"], true);
}

#[test]
fn yarn_berry_layout_dev_flags_match_a_production_install() {
    check_js_layout("yarn-berry", &["yarn.lock"], true);
}

#[test]
fn yarn_classic_layout_dev_flags_match_a_production_install() {
    check_js_layout("yarn-classic", &["yarn.lock"], false);
}

#[test]
fn base_image_as_the_builder_recorded_it() {
    let img = npm_image().run(json!({
        "Cmd": ["node", "dist/server.js"],
        "WorkingDir": "/app",
        "Labels": {"org.opencontainers.image.base.name": "node:20-slim", "org.opencontainers.image.base.digest": "sha256:abc"}
    }));
    let a = analyze(&img);
    assert_eq!(a.image.id.base_name.as_deref(), Some("node:20-slim"));
    assert_eq!(a.image.id.base_digest.as_deref(), Some("sha256:abc"));
    assert!(weigh::report::text::inspect(&a, 3).contains("base       node:20-slim sha256:abc"));
}

/// Hostile shapes: a directory chain 5,000 deep and a dpkg database whose dependencies
/// form a chain 30,000 long. Nothing recurses over them, so the test threads' small stacks
/// hold, and nothing is quadratic in the depth.
#[test]
fn deep_trees_and_long_dependency_chains() {
    let deep: String = (0..5_000).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect::<Vec<_>>().join("/");
    let mut status = String::new();
    for i in 0..30_000 {
        status.push_str(&format!(
            "Package: p{i}\nStatus: install ok installed\nVersion: 1\nDepends: p{}\n\n",
            i + 1
        ));
    }
    status.push_str("Package: gcc-12\nStatus: install ok installed\nVersion: 1\nDepends: p0\n\n");
    let img = Img::new(vec![Layer::new(vec![
        E::File(leak(format!("{deep}/f")), vec![b'x'; 10]),
        E::File("var/lib/dpkg/status", status.into_bytes()),
        E::File("var/lib/dpkg/info/p29999.list", b"/usr/lib/p.so\n".to_vec()),
        file("usr/lib/p.so", 5, 1),
    ])]);
    // Past the default path limits, which a user may raise for such a tree.
    let mut limits = weigh::limits::Limits::default();
    limits.set("path-bytes=20000").unwrap();
    limits.set("path-depth=6000").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &oci_files(&[("latest", &img)]));
    let reference = format!("oci:{}", dir.path().display());
    let opts = weigh::Options { limits, ..Default::default() };
    let a = weigh::analyze(&reference, &opts, &NoProgress).unwrap();
    assert_sums(&a);
    // Every link of the chain is needed only by the toolchain.
    assert_eq!(cat(&a, "usr/lib/p.so"), Category::Toolchain);
    for args in [
        vec!["compare", "--format", "json", &reference, &reference],
        vec!["compare", "--format", "html", &reference, &reference],
        vec!["inspect", "--format", "json", &reference],
    ] {
        let raised = ["--limit", "path-bytes=20000", "--limit", "path-depth=6000"];
        let out = assert_cmd::Command::cargo_bin("weigh")
            .unwrap()
            .arg("-q")
            .args(raised)
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(dir.path().join("weigh.toml"), "[budget]\ndeny = [\"**/b/f\"]\n").unwrap();
    let out = assert_cmd::Command::cargo_bin("weigh")
        .unwrap()
        .current_dir(dir.path())
        .args(["-q", "--limit", "path-bytes=20000", "--limit", "path-depth=6000", "check", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}
