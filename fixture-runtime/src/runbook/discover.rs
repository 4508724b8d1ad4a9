//! Finding runbooks (`<root>/*.md`) and naming their tests
//! `runbooks::<file stem>::<lane>`, for the build script.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::Runbook;
use crate::manifest::HEADER;
use crate::naming::sanitize;

/// What a runbook folder holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// `(test name, key)` per lane, sorted by test name; the key is
    /// `<file>.md#<lane slug>`.
    pub cases: Vec<(String, String)>,
    /// `(where, what to do)` per runbook that does not parse; `where` is
    /// `<shown root>/<file>.md:<line>`.
    pub problems: Vec<(String, String)>,
}

/// Parses every `*.md` directly in `dir`; `shown` is how messages name
/// the folder (as the user wrote it, e.g. `runbooks`).
pub fn discover(dir: &Path, shown: &str) -> Discovered {
    let mut found = Discovered::default();
    let mut files: Vec<String> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| match e.file_name().into_string() {
                Ok(name) => Some(name),
                Err(name) if name.to_string_lossy().ends_with(".md") => {
                    found.problems.push((
                        format!("{shown}/{}", name.to_string_lossy()),
                        "runbook file name is not valid UTF-8: rename it".to_owned(),
                    ));
                    None
                }
                Err(_) => None,
            })
            .filter(|name| name.ends_with(".md"))
            .collect(),
        Err(err) => {
            found.problems.push((
                shown.to_owned(),
                format!("cannot read the runbook folder ({err}): create it with a `*.md` runbook"),
            ));
            return found;
        }
    };
    files.sort();
    if files.is_empty() {
        found.problems.push((
            shown.to_owned(),
            "no runbooks here: add a `*.md` file with `## Lane` headings and steps".to_owned(),
        ));
    }
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let stem = sanitize(file.trim_end_matches(".md"));
        if let Some(other) = names.insert(stem.clone(), file.clone()) {
            found.problems.push((
                format!("{shown}/{file}"),
                format!("`{other}` and `{file}` both name tests `runbooks::{stem}`: rename one"),
            ));
            continue;
        }
        match Runbook::load(dir.join(&file)) {
            Ok(runbook) => {
                let mut lanes: BTreeMap<String, &str> = BTreeMap::new();
                for lane in &runbook.lanes {
                    let test = sanitize(&lane.slug);
                    if let Some(other) = lanes.insert(test.clone(), &lane.slug) {
                        found.problems.push((
                            format!("{shown}/{file}:{}", lane.line),
                            format!(
                                "lanes `{other}` and `{}` both name the test `{test}`: rename one",
                                lane.slug
                            ),
                        ));
                        continue;
                    }
                    found.cases.push((
                        format!("runbooks::{stem}::{test}"),
                        format!("{file}#{}", lane.slug),
                    ));
                }
            }
            Err(err) => found.problems.push((
                format!("{shown}/{file}:{}", err.line),
                err.message.replace(['\t', '\n'], " "),
            )),
        }
    }
    found.cases.sort();
    found
}

impl Discovered {
    /// The manifest `#[runbook_suite]` reads (see [`crate::manifest`]).
    pub fn manifest(&self) -> String {
        let mut out = format!("{HEADER}\n");
        for (test, key) in &self.cases {
            let _ = writeln!(out, "case\t{test}\t{key}");
        }
        for (place, message) in &self.problems {
            let _ = writeln!(out, "problem\t{place}\t{message}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tests_by_file_and_lane_and_reports_bad_runbooks() {
        let dir = tempfile::tempdir().unwrap();
        let good = "# T\n\n## Start it\n\n```console\n$ true\n```\n\n## 2nd lane\n\n```console\n$ true\n```\n";
        fs::write(dir.path().join("my-book.md"), good).unwrap();
        fs::write(
            dir.path().join("bad.md"),
            "## Lane\n\n```console\nno dollar\n```\n",
        )
        .unwrap();
        fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let found = discover(dir.path(), "runbooks");
        assert_eq!(
            found.cases,
            vec![
                (
                    "runbooks::my_book::_2nd_lane".to_owned(),
                    "my-book.md#2nd-lane".to_owned()
                ),
                (
                    "runbooks::my_book::start_it".to_owned(),
                    "my-book.md#start-it".to_owned()
                ),
            ]
        );
        assert_eq!(found.problems.len(), 1);
        assert_eq!(found.problems[0].0, "runbooks/bad.md:4");
        assert!(found.problems[0].1.contains("start this line with `$ `"));
        let manifest = found.manifest();
        assert!(manifest.starts_with(HEADER));
        assert!(manifest.contains("case\trunbooks::my_book::start_it\tmy-book.md#start-it\n"));
        assert!(manifest.contains("problem\trunbooks/bad.md:4\t"));
    }

    #[test]
    fn an_empty_folder_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let found = discover(dir.path(), "runbooks");
        assert!(found.cases.is_empty());
        assert!(found.problems[0].1.contains("no runbooks here"));
    }
}
