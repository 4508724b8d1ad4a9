//! The FILTER of `fixture-kit verify`, in either form a user has at hand: a
//! test name as libtest prints it (`zero_change::task_001_is_even::planner`,
//! or part of one) or a fixture folder as the golden-path config and the
//! file tree spell it (`zero-change/task-001-is-even/planner`, with or
//! without a trailing `/` or the root's `fixtures/` in front). A folder is
//! turned into its test name by the naming rule, so libtest's matching
//! (`--exact`, `--skip`, `--list`) applies unchanged.

use std::path::Path;

use libtest_mimic::{Arguments, Trial};

use crate::discover::{discover, FixtureId};
use crate::naming::sanitize_part;
use crate::suggest;

/// A filter as typed, and the test-name filter it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Filter {
    /// As typed.
    typed: String,
    /// The folder it names, root-relative, when typed in folder form.
    folder: Option<String>,
    /// The libtest filter it stands for.
    test_name: String,
}

impl Filter {
    /// Reads `typed`: a folder path when it holds a `/` or a character
    /// that no test name has, else a test name. `exact` says the filter
    /// names a whole fixture, so every folder in it is whole.
    pub(super) fn parse(typed: &str, root: &Path, exact: bool) -> Filter {
        let is_test_name = typed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
        if is_test_name {
            return Filter {
                typed: typed.to_owned(),
                folder: None,
                test_name: typed.to_owned(),
            };
        }
        let folder = strip_root(typed, root);
        let trailing = folder.ends_with('/');
        let folder = folder.trim_matches('/').to_owned();
        let parts: Vec<&str> = folder.split('/').collect();
        let last = parts.len() - 1;
        let mut test_name = parts
            .iter()
            .enumerate()
            .map(|(i, part)| sanitize_part(part, true, exact || trailing || i < last))
            .collect::<Vec<_>>()
            .join("::");
        // `topic/` names the topic folder, not every topic that starts so.
        if trailing && !exact && parts.len() < 3 {
            test_name.push_str("::");
        }
        Filter {
            typed: typed.to_owned(),
            folder: Some(folder),
            test_name,
        }
    }

    /// The libtest filter: test names only.
    pub(super) fn test_name(&self) -> &str {
        &self.test_name
    }

    /// Whether `args` (whose filter is this one's test name) keep any of
    /// the tests `names`, before `--skip` and `--ignored`.
    pub(super) fn matches_any(args: &Arguments, names: &[String]) -> bool {
        let unskipped = Arguments {
            skip: Vec::new(),
            ignored: false,
            ..args.clone()
        };
        names
            .iter()
            .any(|name| !unskipped.is_filtered_out(&Trial::test(name, || Ok(()))))
    }

    /// What to say when no fixture under `root` (of `among`, when some
    /// were set aside) matches: nextest's "no tests to run", the nearest
    /// fixture or folder in the form the filter was typed, and a hint.
    pub(super) fn no_match(&self, root: &Path, among: Option<&[FixtureId]>) -> String {
        let ids: Vec<FixtureId> = match among {
            Some(ids) => ids.to_vec(),
            None => discover(root).fixtures.into_iter().map(|f| f.id).collect(),
        };
        let (typed, known) = match &self.folder {
            Some(folder) => (folder.as_str(), prefixes(&ids, "/", |id| id.to_string())),
            None => (
                self.typed.trim_matches(':'),
                prefixes(&ids, "::", FixtureId::test_name),
            ),
        };
        let scope = if among.is_some() {
            " of the golden path"
        } else {
            ""
        };
        format!(
            "fixture-kit verify: no tests to run: no fixture{scope} under {} matches `{}`{}\n  \
             hint: `fixture-kit verify --list` lists them; FILTER is part of a test name \
             (`topic::task::agent`) or a fixture folder (`topic/task/agent`)",
            root.display(),
            self.typed,
            suggest::did_you_mean(typed, &known)
        )
    }
}

/// `topic`, `topic/task` and `topic/task/agent` of every fixture, in the
/// form `name` gives, joined by `sep`; sorted and without repeats.
fn prefixes(ids: &[FixtureId], sep: &str, name: impl Fn(&FixtureId) -> String) -> Vec<String> {
    let mut all: Vec<String> = ids
        .iter()
        .flat_map(|id| {
            let full = name(id);
            let parts: Vec<&str> = full.split(sep).collect();
            (1..=parts.len())
                .map(|n| parts[..n].join(sep))
                .collect::<Vec<_>>()
        })
        .collect();
    all.sort();
    all.dedup();
    all
}

/// `typed` without a leading `./` and the root in front (as given, or its
/// last folder: `fixtures/…`), unless the root holds a topic of that name.
fn strip_root<'t>(typed: &'t str, root: &Path) -> &'t str {
    let typed = typed.trim_start_matches("./");
    let given = root.to_string_lossy();
    let given = given.trim_start_matches("./").trim_end_matches('/');
    let last = root.file_name().map(|n| n.to_string_lossy());
    let first = typed.split('/').next().unwrap_or_default();
    if root.join(first).is_dir() {
        return typed;
    }
    let stripped = [Some(given), last.as_deref()]
        .into_iter()
        .flatten()
        .filter(|prefix| !prefix.is_empty())
        .find_map(|prefix| typed.strip_prefix(prefix)?.strip_prefix('/'));
    stripped.unwrap_or(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(typed: &str, exact: bool) -> String {
        Filter::parse(typed, Path::new("fixtures"), exact)
            .test_name()
            .to_owned()
    }

    #[test]
    fn test_names_pass_through() {
        assert_eq!(
            name("zero_change::task_001_is_even::planner", true),
            "zero_change::task_001_is_even::planner"
        );
        assert_eq!(name("zero_change::", false), "zero_change::");
    }

    #[test]
    fn folders_become_test_names() {
        for typed in [
            "zero-change/task-001-is-even/planner",
            "zero-change/task-001-is-even/planner/",
            "fixtures/zero-change/task-001-is-even/planner",
            "./fixtures/zero-change/task-001-is-even/planner/",
        ] {
            assert_eq!(
                name(typed, true),
                "zero_change::task_001_is_even::planner",
                "{typed}"
            );
            assert_eq!(
                name(typed, false),
                "zero_change::task_001_is_even::planner",
                "{typed}"
            );
        }
        assert_eq!(name("zero-change/", false), "zero_change::");
        assert_eq!(
            name("fixtures/zero-change/task-1/", false),
            "zero_change::task_1::"
        );
        assert_eq!(name("zero-change/task-0", false), "zero_change::task_0");
        assert_eq!(name("type/001-x/coder", true), "type_::_001_x::coder");
        assert_eq!(name("type/001-x", false), "type_::_001_x");
        assert_eq!(name("zero-change", false), "zero_change");
    }

    #[test]
    fn a_topic_named_like_the_root_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("fixtures");
        std::fs::create_dir_all(root.join("fixtures/t/planner")).unwrap();
        let filter = Filter::parse("fixtures/t/planner", &root, true);
        assert_eq!(filter.test_name(), "fixtures::t::planner");
    }
}
