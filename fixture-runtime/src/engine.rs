//! One code path for every fixture: load → run agent → verify → compare or
//! update. The generated tests and the `fixture-kit` command both call
//! [`run`].

use std::fmt;
use std::path::Path;

use crate::compare::{self, Mismatch};
use crate::contract::{self, AgentOutput};
use crate::discover::FixtureId;
use crate::env::{flag, STRICT_REAL_AGENTS};
use crate::fixture::Fixture;
use crate::golden::{write_atomic, UpdatePolicy};
use crate::rule::{Rule, Violation};
use crate::suite::Suite;
use crate::verify::{verify, Schema, Verified};

/// Fixture-local checks from a `verify.rs`.
pub type LocalVerify<'a> = &'a dyn Fn(&AgentOutput, &Fixture) -> Result<(), String>;

/// How a fixture passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The output passed every rule and matches the golden.
    Passed {
        /// Findings that do not fail (legacy-mode unknown fields).
        warnings: Vec<Violation>,
    },
    /// An update run wrote the golden.
    Updated {
        /// The golden written, as shown to the user.
        golden: String,
    },
    /// A must-fail fixture failed for its declared reason.
    FailedAsDeclared(Violation),
}

/// Why a fixture failed: everything a person needs to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The fixture folder, relative to the package.
    pub fixture: String,
    /// The failed checks.
    pub violations: Vec<Violation>,
    /// A golden-versus-actual diff, when the outputs differ.
    pub diff: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        let plural = if n == 1 { "" } else { "s" };
        writeln!(f, "fixture {} failed {n} check{plural}:", self.fixture)?;
        for violation in &self.violations {
            writeln!(f, "  {violation}")?;
        }
        if let Some(diff) = &self.diff {
            writeln!(f, "\n{diff}")?;
        }
        Ok(())
    }
}

/// Run-wide switches, from the environment or the command line. The
/// default compares only and accepts any runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Whether goldens may be written.
    pub update: UpdatePolicy,
    /// Fail every fixture whose runner is no real agent.
    pub strict_real_agents: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            update: UpdatePolicy::Compare,
            strict_real_agents: false,
        }
    }
}

impl Options {
    /// `UPDATE_GOLDENS`, `CI`, `FIXTURE_KIT_FORCE_UPDATE` and
    /// `FIXTURE_STRICT_REAL_AGENTS`.
    pub fn from_env() -> Options {
        Options {
            update: UpdatePolicy::from_env(),
            strict_real_agents: flag(STRICT_REAL_AGENTS),
        }
    }
}

/// Runs the fixture `id` under `root` through `suite`.
pub fn run(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    local: Option<LocalVerify<'_>>,
    options: Options,
) -> Result<Outcome, Failure> {
    let fixture = Fixture::load(root, id).map_err(|violation| Failure {
        fixture: crate::fixture::display(&id.dir(root)),
        violations: vec![violation],
        diff: None,
    })?;
    let fail = |violations: Vec<Violation>, diff: Option<String>| Failure {
        fixture: fixture.display_dir(),
        violations,
        diff,
    };
    let runner = suite.agent_runner();
    if options.strict_real_agents && !runner.is_real_agent() {
        return Err(fail(
            vec![Violation::new(
                Rule::StrictRealAgents,
                format!(
                    "no real agent is wired: the `{}` runner does not run an agent",
                    runner.name()
                ),
            )
            .hint(
                "give the suite a command or replay runner, or unset FIXTURE_STRICT_REAL_AGENTS",
            )],
            None,
        ));
    }
    let actual = runner.run(&fixture).map_err(|err| {
        let mut violation = Violation::new(Rule::Runner, err.message);
        violation.hint = err.hint;
        fail(vec![violation], None)
    })?;
    let checked = verify(&fixture, &actual, suite.schema).and_then(|verified| {
        match local.map(|check| check(&verified.output, &fixture)) {
            Some(Err(message)) => Err(vec![Violation::new(Rule::LocalVerify, message)
                .at(crate::fixture::display(&fixture.dir.join("verify.rs")))]),
            _ => Ok(verified),
        }
    });
    if let Some(must) = &fixture.constraints.must_fail {
        return match checked {
            Err(violations) => match violations
                .iter()
                .find(|v| v.rule == must.rule && reason(v, &fixture).contains(&must.because))
            {
                Some(hit) => Ok(Outcome::FailedAsDeclared(hit.clone())),
                None => {
                    let mut all = vec![Violation::new(
                        Rule::Layout,
                        format!(
                            "declared to fail rule `{}` because \"{}\", but it failed otherwise:",
                            must.rule, must.because
                        ),
                    )];
                    all.extend(violations);
                    Err(fail(all, None))
                }
            },
            Ok(_) => Err(fail(
                vec![Violation::new(
                    Rule::Layout,
                    format!(
                        "declared to fail rule `{}` because \"{}\", but verification passed",
                        must.rule, must.because
                    ),
                )
                .hint("a must-fail fixture proves a rule can fail: fix the fixture or the rule")],
                None,
            )),
        };
    }
    let verified = checked.map_err(|violations| fail(violations, None))?;
    compare(&fixture, suite, &verified, options.update).map_err(|(v, diff)| fail(v, diff))
}

/// What a must-fail `because` is matched against: the violation's location
/// within the fixture (the fixture's own folder path taken off, so its name
/// cannot match) and its message; never the hint.
fn reason(violation: &Violation, fixture: &Fixture) -> String {
    let prefix = format!("{}/", fixture.display_dir());
    match &violation.location {
        Some(location) => format!(
            "{}: {}",
            location.strip_prefix(&prefix).unwrap_or(location),
            violation.message
        ),
        None => violation.message.clone(),
    }
}

fn compare(
    fixture: &Fixture,
    suite: &Suite,
    verified: &Verified,
    policy: UpdatePolicy,
) -> Result<Outcome, (Vec<Violation>, Option<String>)> {
    let golden_name = fixture.display_golden();
    let rerun = format!("UPDATE_GOLDENS=1 cargo test {}", fixture.id.test_name());
    let same_text = fixture.golden.as_deref() == Some(verified.canonical.as_str());
    // Only the golden's content matters here: parse it, without running
    // the rules (and reading repo/) a second time.
    let parsed = match &fixture.golden {
        Some(golden) if !same_text => contract::parse(fixture.id.agent, golden).ok(),
        _ => None,
    };
    let golden_output = if same_text {
        Some(&verified.output)
    } else {
        parsed.as_ref().map(|golden| &golden.output)
    };
    let verdict = golden_output
        .map(|golden| compare::compare(suite.compare, fixture, golden, &verified.output));
    if let Some(Err(mismatch @ Mismatch::Settings(_))) = &verdict {
        return Err((vec![mismatch.violation(&golden_name, &rerun)], None));
    }
    let golden_canonical = parsed.as_ref().map(|golden| golden.output.canonical());
    let matched = matches!(verdict, Some(Ok(())));
    if same_text || (matched && golden_canonical.as_deref() == fixture.golden.as_deref()) {
        return Ok(Outcome::Passed {
            warnings: verified.warnings.clone(),
        });
    }
    match policy {
        UpdatePolicy::Write => {
            write_atomic(&fixture.golden_path, verified.canonical.as_bytes()).map_err(|err| {
                (
                    vec![Violation::new(Rule::Golden, format!("cannot write: {err}"))
                        .at(golden_name.clone())],
                    None,
                )
            })?;
            return Ok(Outcome::Updated {
                golden: golden_name,
            });
        }
        UpdatePolicy::RefusedInCi => {
            return Err((
                vec![Violation::new(
                    Rule::Golden,
                    "UPDATE_GOLDENS is set but this is CI: refusing to write the golden",
                )
                .at(golden_name)
                .hint("update goldens locally and commit them, or set FIXTURE_KIT_FORCE_UPDATE=1")],
                None,
            ));
        }
        UpdatePolicy::Compare => {}
    }
    let Some(golden) = &fixture.golden else {
        return Err((
            vec![Violation::new(Rule::Golden, "missing golden")
                .at(golden_name)
                .hint(format!("run `{rerun}` to record it"))],
            None,
        ));
    };
    if matched {
        let not_canonical = Violation::new(
            Rule::Determinism,
            "golden is not in canonical form (JSON: 2-space indentation, contract field \
             order, trailing newline)",
        )
        .at(golden_name)
        .hint(format!("run `{rerun}` to rewrite it canonically"));
        // A legacy corpus verifies unchanged; the form is cleaned up later.
        if suite.schema.for_fixture(fixture) == Schema::Legacy {
            let mut warnings = verified.warnings.clone();
            warnings.push(not_canonical);
            return Ok(Outcome::Passed { warnings });
        }
        return Err((vec![not_canonical], None));
    }
    let (violation, diff) = match verdict {
        Some(Err(mismatch)) => (
            mismatch.violation(&golden_name, &rerun),
            mismatch.explanation(),
        ),
        _ => (
            Violation::new(Rule::Golden, "actual output differs from the golden")
                .at(golden_name)
                .hint(format!("if the change is intended, run `{rerun}`")),
            Some(
                similar_asserts::SimpleDiff::from_str(
                    golden,
                    &verified.canonical,
                    "golden",
                    "actual",
                )
                .to_string(),
            ),
        ),
    };
    Err((vec![violation], diff))
}
