//! Golden files: their form, the comparison of an actual output with its
//! golden (by typed content), the update policy and atomic writes.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::compare::{self, Mismatch, Mode};
use crate::contract;
use crate::engine::{Options, Outcome};
use crate::env::{flag, is_ci, FORCE_UPDATE, UPDATE_GOLDENS};
use crate::fixture::Fixture;
use crate::messages::{self, Entry};
use crate::rule::{Rule, Violation};
use crate::untrusted::{self, ReadError, Reason};
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
/// compared in the comparison `mode` (the suite's, which the fixture may
/// override: by typed value, where a default left out equals the default
/// written out, or by meaning), and an update run writes the golden in canonical form, never from
/// an output that failed.
///
/// `actual` is the output's text: when it is the golden's (a bootstrap
/// run), the golden is not parsed a second time.
pub fn settle(
    fixture: &Fixture,
    actual: &str,
    checked: Result<Verified, Vec<Violation>>,
    schema: Schema,
    mode: Mode,
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
    // A bootstrap run's output is the golden: it is not parsed again, but
    // still compared, so the fixture's comparison settings are checked.
    let parsed = match fixture.golden.as_deref() {
        None => None,
        Some(_) if is_golden => Some(Ok(None)),
        Some(text) => Some(contract::parse(fixture.id.agent, text).map(Some)),
    };
    let golden = match parsed {
        None => Golden::Missing,
        Some(Err(err)) => Golden::Unfit(err),
        Some(Ok(golden)) => {
            let golden = golden.as_ref().unwrap_or(actual);
            match compare::compare(mode, fixture, &golden.output, &actual.output) {
                Ok(()) => Golden::Same,
                // A fixture whose comparison settings are wrong is never
                // judged, nor its golden rewritten.
                Err(Mismatch::Settings(violation)) => {
                    violations.push(violation);
                    return Err(unsettled(violations, diffs));
                }
                Err(mismatch) => Golden::Differs(mismatch),
            }
        }
    };
    // What an update writes: the golden's own canonical form when only its
    // form is off (nothing the author wrote is lost), else the actual output.
    let wanted = match golden {
        Golden::Same => form.map(|form| form.canonical),
        _ => Some(actual.canonical.clone()),
    };
    let pending = crate::pending::path_for(&fixture.golden_path);
    let mut review = None;
    match (options.update, &wanted) {
        (UpdatePolicy::Write, Some(text)) => {
            write(&fixture.golden_path, text, &name)?;
            return Ok(Outcome::Updated { golden: name });
        }
        (UpdatePolicy::WritePending, Some(text)) => {
            let shown = crate::fixture::display(&pending);
            write(&pending, text, &shown)?;
            review = Some(
                Violation::new(
                    Rule::Golden,
                    "wrote the output for review beside the golden",
                )
                .at(shown)
                .hint(review_hint(fixture)),
            );
        }
        // The golden settles now: a pending file left from an earlier run
        // would offer an outdated text (one that cannot be deleted is
        // still shown by review and doctor).
        (UpdatePolicy::WritePending, None) => {
            let _ = fs::remove_file(&pending);
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
        Golden::Differs(mismatch) => {
            violations.push(mismatch.violation(&name, &rerun));
            diffs.extend(mismatch.explanation());
        }
        Golden::Same => {}
    }
    violations.extend(review);
    if violations.is_empty() {
        warnings.sort_by_key(|v| v.rule);
        Ok(Outcome::Passed { warnings })
    } else {
        Err(unsettled(violations, diffs))
    }
}

/// Writes `text` to `path` atomically, or says why not at `shown`.
fn write(path: &Path, text: &str, shown: &str) -> Result<bool, Unsettled> {
    write_atomic(path, text.as_bytes()).map_err(|err| {
        unsettled(
            vec![Violation::new(Rule::Golden, format!("cannot write: {err}")).at(shown)],
            Vec::new(),
        )
    })
}

/// What to do about a pending golden of `fixture`'s tree.
fn review_hint(fixture: &Fixture) -> String {
    let root = fixture.dir.ancestors().nth(3).unwrap_or(Path::new("."));
    let root = crate::fixture::display(root);
    format!(
        "`{}` shows the diff and accepts or rejects it (`--accept` takes every pending golden)",
        messages::review_command(Path::new(&root))
    )
}

/// How a golden stands to the output it is compared with.
enum Golden {
    Missing,
    /// It does not parse as its contract.
    Unfit(contract::JsonError),
    /// The same typed content.
    Same,
    /// Other content, or another meaning: how it differs.
    Differs(Mismatch),
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
    /// `UPDATE_GOLDENS=new`: write each changed or missing golden beside
    /// it, as a pending golden to review (see [`crate::pending`]).
    WritePending,
    /// `UPDATE_GOLDENS` is set in CI without `FIXTURE_KIT_FORCE_UPDATE`.
    RefusedInCi,
}

impl UpdatePolicy {
    /// Reads the policy from the environment: `UPDATE_GOLDENS=new` writes
    /// pending goldens, any other value that is on writes goldens.
    pub fn from_env() -> UpdatePolicy {
        let policy = Self::decide(flag(UPDATE_GOLDENS), is_ci(), flag(FORCE_UPDATE));
        let value = std::env::var(UPDATE_GOLDENS).unwrap_or_default();
        policy.pending_if(value.trim().eq_ignore_ascii_case("new"))
    }

    /// This policy, writing pending goldens instead of goldens when
    /// `pending`.
    pub fn pending_if(self, pending: bool) -> UpdatePolicy {
        match self {
            UpdatePolicy::Write if pending => UpdatePolicy::WritePending,
            policy => policy,
        }
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

/// Writes `bytes` to `path` through a temporary file beside it and a
/// rename, so a reader sees the old file or the new one, never a truncated
/// one. A symbolic link is written through: its target is replaced, the
/// link stays. The file keeps its permissions; a new one gets the usual
/// ones (`0666` less the umask). Returns `false`, touching nothing, when the
/// bytes are already there. A dangling link, or a FIFO or device in the
/// way, is an error naming it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let refused = |err: ReadError| io::Error::other(err.to_string());
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            untrusted::check_file(path).map_err(refused)?;
            fs::canonicalize(path)?
        }
        _ => path.to_owned(),
    };
    let old_mode = match untrusted::read(&target, untrusted::MAX_BYTES) {
        Ok(old) if old == bytes => return Ok(false),
        Ok(_) => Some(fs::metadata(&target)?.permissions()),
        Err(err) if err.is_missing() => None,
        Err(err) if matches!(err.reason, Reason::TooLarge(_)) => {
            Some(fs::metadata(&target)?.permissions())
        }
        Err(err) => return Err(refused(err)),
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    if let Some(mode) = old_mode {
        temp.as_file().set_permissions(mode)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|err| err.error)?;
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

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_mode_is_kept_and_a_new_file_gets_the_usual_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected.json");
        fs::write(&path, "{}\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        assert!(write_atomic(&path, b"[]\n").unwrap());
        assert_eq!(mode(&path), 0o664);
        let new = dir.path().join("new.json");
        assert!(write_atomic(&new, b"{}\n").unwrap());
        let status = fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|line| line.strip_prefix("Umask:"))
            .map(|mask| u32::from_str_radix(mask.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(mode(&new), 0o666 & !umask);
    }

    #[test]
    fn a_linked_golden_is_written_through_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        fs::create_dir(&shared).unwrap();
        let target = shared.join("expected.json");
        fs::write(&target, "{}\n").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("expected.json");
        std::os::unix::fs::symlink("shared/expected.json", &link).unwrap();
        assert!(write_atomic(&link, b"[]\n").unwrap());
        assert_eq!(
            fs::read_link(&link).unwrap(),
            Path::new("shared/expected.json"),
            "the link stays a link"
        );
        assert_eq!(fs::read(&target).unwrap(), b"[]\n");
        assert_eq!(mode(&target), 0o644);
        assert_eq!(
            fs::read_dir(&shared).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(!write_atomic(&link, b"[]\n").unwrap());
    }

    #[test]
    fn a_dangling_link_or_a_fifo_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("expected.json");
        std::os::unix::fs::symlink("gone.json", &link).unwrap();
        assert_eq!(
            write_atomic(&link, b"{}\n").unwrap_err().to_string(),
            "`expected.json` is a symbolic link to `gone.json`, which does not exist"
        );
        let fifo = dir.path().join("expected.patch");
        crate::untrusted::mkfifo(&fifo);
        assert_eq!(
            write_atomic(&fifo, b"").unwrap_err().to_string(),
            "`expected.patch` is a FIFO, not a regular file"
        );
    }
}
