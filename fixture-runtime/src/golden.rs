//! Golden files: their form, the comparison of an actual output with its
//! golden (by typed content), the update policy and atomic writes.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::contract;
use crate::engine::{Options, Outcome};
use crate::env::{flag, is_ci, FORCE_UPDATE, UPDATE_GOLDENS};
use crate::fixture::Fixture;
use crate::messages::Entry;
use crate::rule::{Rule, Violation};
use crate::verify::{Schema, Verified};

/// A golden that is not in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCanonical {
    /// The `determinism` finding, with the command that rewrites it.
    pub violation: Violation,
    /// The golden's canonical form.
    pub canonical: String,
    /// The diff from the golden to its canonical form.
    pub diff: String,
}

/// Checks the form of `fixture`'s golden alone, whatever its content and
/// whatever the rules say about it: `None` when it is canonical, missing,
/// or not JSON at all (its content check says why).
pub fn form(fixture: &Fixture, entry: &Entry) -> Option<NotCanonical> {
    let golden = fixture.golden.as_deref()?;
    let canonical = contract::canonical_form(fixture.id.agent, golden)?;
    not_canonical(fixture, golden, canonical, entry)
}

fn not_canonical(
    fixture: &Fixture,
    golden: &str,
    canonical: String,
    entry: &Entry,
) -> Option<NotCanonical> {
    if canonical == golden {
        return None;
    }
    let violation = Violation::new(
        Rule::Determinism,
        "golden is not in canonical form (JSON: 2-space indentation, contract field order, \
         trailing newline)",
    )
    .at(fixture.display_golden())
    .hint(format!(
        "run `{}` to rewrite it canonically",
        entry.update_command(&fixture.id.test_name())
    ));
    let diff = similar_asserts::SimpleDiff::from_str(golden, &canonical, "golden", "canonical")
        .to_string();
    Some(NotCanonical {
        violation,
        canonical,
        diff,
    })
}

/// Why a fixture's output and golden do not settle: every finding, and
/// the diffs that show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    /// The findings, sorted by rule.
    pub violations: Vec<Violation>,
    /// The diffs (golden to canonical form, golden to actual), when any.
    pub diff: Option<String>,
}

/// Settles a verified (or failed) output against `fixture`'s golden: the
/// golden's form is checked alongside the rules' findings, the content is
/// compared by typed value (a default left out equals the default written
/// out), and an update run writes the golden in canonical form, never from
/// an output that failed.
///
/// `actual` is the output's text: when it is the golden's (a bootstrap
/// run), the golden is not parsed a second time.
pub fn settle(
    fixture: &Fixture,
    actual: &str,
    checked: Result<Verified, Vec<Violation>>,
    schema: Schema,
    options: &Options,
) -> Result<Outcome, Unsettled> {
    let name = fixture.display_golden();
    let rerun = options.entry.update_command(&fixture.id.test_name());
    let is_golden = fixture.golden.as_deref() == Some(actual);
    let form = match (&checked, is_golden) {
        (Ok(verified), true) => not_canonical(
            fixture,
            actual,
            verified.parsed.canonical.clone(),
            &options.entry,
        ),
        _ => form(fixture, &options.entry),
    };
    let mut diffs = Vec::new();
    let mut warnings = Vec::new();
    let mut violations = Vec::new();
    if let Some(form) = &form {
        match schema {
            // A legacy corpus verifies unchanged; the form is cleaned up later.
            Schema::Legacy => warnings.push(form.violation.clone()),
            Schema::Strict => {
                violations.push(form.violation.clone());
                diffs.push(form.diff.clone());
            }
        }
    }
    let verified = match checked {
        Ok(verified) => verified,
        Err(found) => {
            violations.extend(found);
            return Err(unsettled(violations, diffs));
        }
    };
    warnings.extend(verified.warnings);
    let actual = &verified.parsed;
    let golden = match fixture.golden.as_deref() {
        None => Golden::Missing,
        Some(_) if is_golden => Golden::Same,
        Some(text) => match contract::parse(fixture.id.agent, text) {
            Ok(golden) if golden.same_content(actual) => Golden::Same,
            Ok(_) => Golden::Differs(text),
            Err(err) => Golden::Unfit(err),
        },
    };
    // What an update writes: the golden's own canonical form when only its
    // form is off (nothing the author wrote is lost), else the actual output.
    let wanted = match golden {
        Golden::Same => form.map(|form| form.canonical),
        _ => Some(actual.canonical.clone()),
    };
    match (options.update, &wanted) {
        (UpdatePolicy::Write, Some(text)) => {
            write_atomic(&fixture.golden_path, text.as_bytes()).map_err(|err| {
                unsettled(
                    vec![Violation::new(Rule::Golden, format!("cannot write: {err}"))
                        .at(name.clone())],
                    Vec::new(),
                )
            })?;
            return Ok(Outcome::Updated { golden: name });
        }
        (UpdatePolicy::RefusedInCi, Some(_)) => {
            return Err(unsettled(
                vec![Violation::new(
                    Rule::Golden,
                    "UPDATE_GOLDENS is set but this is CI: refusing to write the golden",
                )
                .at(name)
                .hint("update goldens locally and commit them, or set FIXTURE_KIT_FORCE_UPDATE=1")],
                Vec::new(),
            ));
        }
        _ => {}
    }
    match golden {
        Golden::Missing => violations.push(
            Violation::new(Rule::Golden, "missing golden")
                .at(name)
                .hint(format!("run `{rerun}` to record it")),
        ),
        Golden::Unfit(err) => violations.push(
            Violation::new(
                Rule::Golden,
                format!("the golden does not fit the contract: {}", err.message),
            )
            .at(format!("{name}:{}:{}", err.line, err.column))
            .hint(format!(
                "fix it by hand, or run `{rerun}` to record it again"
            )),
        ),
        Golden::Differs(text) => {
            violations.push(
                Violation::new(Rule::Golden, "actual output differs from the golden")
                    .at(name)
                    .hint(format!("if the change is intended, run `{rerun}`")),
            );
            diffs.push(
                similar_asserts::SimpleDiff::from_str(text, &actual.canonical, "golden", "actual")
                    .to_string(),
            );
        }
        Golden::Same => {}
    }
    if violations.is_empty() {
        warnings.sort_by_key(|v| v.rule);
        Ok(Outcome::Passed { warnings })
    } else {
        Err(unsettled(violations, diffs))
    }
}

/// How a golden stands to the output it is compared with.
enum Golden<'a> {
    Missing,
    /// It does not parse as its contract.
    Unfit(contract::JsonError),
    /// The same typed content.
    Same,
    /// Other content; the golden's text.
    Differs(&'a str),
}

fn unsettled(mut violations: Vec<Violation>, diffs: Vec<String>) -> Unsettled {
    violations.sort_by_key(|v| v.rule);
    Unsettled {
        violations,
        diff: (!diffs.is_empty()).then(|| diffs.join("\n")),
    }
}

/// Whether this run may rewrite goldens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatePolicy {
    /// Compare only (the default).
    Compare,
    /// `UPDATE_GOLDENS` is set: write changed and missing goldens.
    Write,
    /// `UPDATE_GOLDENS` is set in CI without `FIXTURE_KIT_FORCE_UPDATE`.
    RefusedInCi,
}

impl UpdatePolicy {
    /// Reads the policy from the environment.
    pub fn from_env() -> UpdatePolicy {
        Self::decide(flag(UPDATE_GOLDENS), is_ci(), flag(FORCE_UPDATE))
    }

    /// The policy for an update request, a CI flag and a force flag.
    pub fn decide(update: bool, ci: bool, force: bool) -> UpdatePolicy {
        match (update, ci && !force) {
            (false, _) => UpdatePolicy::Compare,
            (true, false) => UpdatePolicy::Write,
            (true, true) => UpdatePolicy::RefusedInCi,
        }
    }
}

/// How the temporary file of [`write_atomic`] is named: a process killed
/// between its write and its rename leaves one behind (`doctor` reports it).
pub const TEMP_PREFIX: &str = ".fixture-kit-";
/// See [`TEMP_PREFIX`].
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and a rename, so a reader sees the old file or the new one, never a
/// truncated one. Returns `false`, touching nothing, when the bytes are
/// already there.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(
            UpdatePolicy::decide(false, true, true),
            UpdatePolicy::Compare
        );
        assert_eq!(
            UpdatePolicy::decide(true, false, false),
            UpdatePolicy::Write
        );
        assert_eq!(
            UpdatePolicy::decide(true, true, false),
            UpdatePolicy::RefusedInCi
        );
        assert_eq!(UpdatePolicy::decide(true, true, true), UpdatePolicy::Write);
    }

    #[test]
    fn unchanged_bytes_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected.json");
        assert!(write_atomic(&path, b"{}\n").unwrap());
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(!write_atomic(&path, b"{}\n").unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        assert!(write_atomic(&path, b"[]\n").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"[]\n");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
