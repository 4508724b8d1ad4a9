//! The build-script side of discovery: one call in a package's `build.rs`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use crate::discover::discover;
use crate::env::{flag, UPDATE_GOLDENS};
use crate::manifest;

/// Discovers the fixture tree at `root` (relative to the package) for
/// `#[fixture_suite("<root>")]`, and tells Cargo to rerun when the tree or
/// `UPDATE_GOLDENS` changes.
///
/// ```text
/// // build.rs
/// fn main() {
///     fixture_runtime::build::fixtures("fixtures");
/// }
/// ```
///
/// Layout problems do not fail the build script: they reach the macro,
/// which reports each as a `compile_error!` at the attribute.
pub fn fixtures(root: &str) {
    println!("cargo:rerun-if-env-changed={UPDATE_GOLDENS}");
    write_manifest(root, |package| {
        let tree = discover_relative(package, root);
        manifest::render(&tree, root, flag(UPDATE_GOLDENS))
    });
}

/// Discovers the replay scenarios at `root` (relative to the package) for
/// `#[scenario_suite(scenarios = "<root>")]`: each `<root>/<name>/` holding
/// a `scenario.json` becomes the tests `scenarios::<name>::validate` and
/// `scenarios::<name>::replay`. Malformed scenarios reach the macro as
/// `compile_error!`s.
///
/// ```text
/// // build.rs
/// fn main() {
///     fixture_runtime::build::scenarios("scenarios");
/// }
/// ```
pub fn scenarios(root: &str) {
    write_manifest(root, |package| {
        crate::scenario::discover::render(&package.join(root), root)
    });
}

/// Where the manifest for `root` lives below `OUT_DIR`; the macro computes
/// the same path.
pub fn manifest_path(out_dir: &Path, root: &str) -> PathBuf {
    let name: String = root
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    out_dir.join("fixture-kit").join(format!("{name}.manifest"))
}

/// Discovers with paths shown relative to the package, as users see them.
fn discover_relative(manifest_dir: &Path, root: &str) -> crate::discover::FixtureTree {
    let mut tree = discover(&manifest_dir.join(root));
    for problem in &mut tree.problems {
        if let Ok(rel) = problem.path.strip_prefix(manifest_dir) {
            problem.path = rel.to_owned();
        }
    }
    tree
}

/// Discovers the runbooks `<root>/*.md` (relative to the package) for
/// `#[runbook_suite(runbooks = "<root>")]`: one test per lane, named
/// `runbooks::<file stem>::<lane>`, and tells Cargo to rerun when the
/// folder changes.
///
/// ```text
/// // build.rs
/// fn main() {
///     fixture_runtime::build::runbooks("runbooks");
/// }
/// ```
///
/// A runbook that does not parse does not fail the build script: the macro
/// reports it as a `compile_error!` naming its file and line.
#[cfg(feature = "runbooks")]
pub fn runbooks(root: &str) {
    write_manifest(root, |package| {
        crate::runbook::discover(&package.join(root), root).manifest()
    });
}

/// Tells Cargo to rerun when `root` changes, and writes the manifest that
/// `render` makes from the package folder to where the macro reads it.
/// Outside a build script (no `CARGO_MANIFEST_DIR` or `OUT_DIR`) it panics
/// with what to do: that is a misuse, not bad input.
fn write_manifest(root: &str, render: impl FnOnce(&Path) -> String) {
    println!("cargo:rerun-if-changed={root}");
    let (Some(package), Some(out_dir)) =
        (env::var_os("CARGO_MANIFEST_DIR"), env::var_os("OUT_DIR"))
    else {
        panic!(
            "fixture-kit: `fixture_runtime::build::*` runs from a package's build.rs under Cargo"
        );
    };
    let text = render(Path::new(&package));
    let path = manifest_path(Path::new(&out_dir), root);
    fs::create_dir_all(path.parent().expect("manifest path has a parent"))
        .and_then(|()| fs::write(&path, text))
        .unwrap_or_else(|err| panic!("fixture-kit: cannot write {}: {err}", path.display()));
}
