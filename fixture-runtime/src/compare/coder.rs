//! Patches, by effect: the actual patch applied to `repo/` must leave the
//! same files as the golden patch applied to `repo/`; how either is split
//! into hunks, its context size and its headers do not matter.

use crate::fixture::Fixture;
use crate::repo::Repo;
use crate::rules::{apply, patch};

use super::{diff, Difference, Mismatch};

/// Compares the effects of two patches on `fixture`'s `repo/` (an empty
/// tree when it has none).
pub(super) fn compare(fixture: &Fixture, golden: &str, actual: &str) -> Result<(), Mismatch> {
    let repo = match &fixture.repo {
        Some(dir) => Repo::load(dir).map_err(|err| {
            Mismatch::Semantic(vec![Difference::new(
                crate::fixture::display(dir),
                format!("cannot read repo/ to apply the patches: {err}"),
            )])
        })?,
        None => Repo::default(),
    };
    let golden_name = fixture.display_golden();
    let results = [
        ("golden", golden, golden_name.as_str()),
        ("actual", actual, "actual patch"),
    ]
    .map(|(which, text, file)| {
        effect(&repo, text, file).map_err(|why| Difference::new(format!("the {which} patch"), why))
    });
    let [golden, actual] = match results {
        [Ok(golden), Ok(actual)] => [golden, actual],
        [golden, actual] => {
            return Err(Mismatch::Semantic(
                [golden.err(), actual.err()].into_iter().flatten().collect(),
            ))
        }
    };
    let mut found = Vec::new();
    let paths: std::collections::BTreeSet<&String> =
        golden.files.keys().chain(actual.files.keys()).collect();
    for path in paths {
        let what = format!("file `{path}`");
        match (golden.files.get(path), actual.files.get(path)) {
            (Some(g), Some(a)) if g == a => {}
            (Some(_), None) => found.push(Difference::new(
                what,
                "the golden patch leaves it, the actual patch deletes it (or never creates it)",
            )),
            (None, Some(_)) => found.push(Difference::new(
                what,
                "the actual patch leaves it, the golden patch deletes it (or never creates it)",
            )),
            (Some(g), Some(a)) => {
                let show = |text: &Option<String>| {
                    text.clone().unwrap_or_else(|| "(not UTF-8 text)\n".into())
                };
                found.push(Difference::new(
                    what,
                    format!(
                        "the resulting contents differ:\n{}",
                        diff(&show(g), &show(a), "golden result", "actual result").trim_end()
                    ),
                ));
            }
            (None, None) => unreachable!("the path comes from one of the two trees"),
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Mismatch::Semantic(found))
    }
}

/// The tree `text` leaves when applied to `repo`.
fn effect(repo: &Repo, text: &str, file: &str) -> Result<Repo, String> {
    let explain = |violations: Vec<crate::rule::Violation>| {
        let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
        format!("does not apply to repo/: {}", lines.join("; "))
    };
    let parsed = patch::parse(text, file).map_err(explain)?;
    apply::apply(&parsed, repo, file).map_err(explain)
}
