//! One code path for every fixture: load → run agent → verify → compare or
//! update. The generated tests and the `fixture-kit` command both call
//! [`run`].

use std::fmt;
use std::path::Path;

use crate::contract::AgentOutput;
use crate::discover::FixtureId;
use crate::env::{flag, STRICT_REAL_AGENTS};
use crate::fixture::Fixture;
use crate::golden::{self, UpdatePolicy};
use crate::messages::{self, Entry, Source};
use crate::rule::{Rule, Violation};
use crate::suite::Suite;
use crate::verify::verify;

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

/// Run-wide switches, from the environment or the command line, and where
/// the user started the run (for hints). The default compares only,
/// accepts any runner, and speaks of `cargo test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Whether goldens may be written.
    pub update: UpdatePolicy,
    /// Fail every fixture whose runner is no real agent; turned on by the
    /// environment or by a flag.
    pub strict_real_agents: Option<Source>,
    /// How the run was started.
    pub entry: Entry,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            update: UpdatePolicy::Compare,
            strict_real_agents: None,
            entry: Entry::CargoTest,
        }
    }
}

impl Options {
    /// `UPDATE_GOLDENS`, `CI`, `FIXTURE_KIT_FORCE_UPDATE` and
    /// `FIXTURE_STRICT_REAL_AGENTS`, for a `cargo test` run.
    pub fn from_env() -> Options {
        Options {
            update: UpdatePolicy::from_env(),
            strict_real_agents: flag(STRICT_REAL_AGENTS).then_some(Source::Env),
            entry: Entry::CargoTest,
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
    if let Some(source) = options
        .strict_real_agents
        .filter(|_| !runner.is_real_agent())
    {
        return Err(fail(
            vec![Violation::new(
                Rule::StrictRealAgents,
                format!(
                    "no real agent is wired: the `{}` runner does not run an agent",
                    runner.name()
                ),
            )
            .hint(messages::strict_real_agents_hint(source))],
            None,
        ));
    }
    let actual = runner.run(&fixture).map_err(|err| {
        let mut violation = Violation::new(Rule::Runner, err.message);
        // Without a golden and without an agent, the way out is to write it
        // or record it, by a command that fits where the user is.
        violation.hint = match (&fixture.golden, runner.is_real_agent()) {
            (None, false) => Some(options.entry.record_hint(&fixture.id.test_name())),
            _ => err.hint,
        };
        fail(vec![violation], None)
    })?;
    let checked = verify(&fixture, &actual, suite.schema).and_then(|verified| {
        match local.map(|check| check(&verified.parsed.output, &fixture)) {
            Some(Err(message)) => Err(vec![Violation::new(Rule::LocalVerify, message)
                .at(crate::fixture::display(&fixture.dir.join("verify.rs")))]),
            _ => Ok(verified),
        }
    });
    let schema = suite.schema.for_fixture(&fixture);
    if let Some(must) = &fixture.constraints.must_fail {
        let mut violations = checked.err().unwrap_or_default();
        violations.extend(golden::form(&fixture, &options.entry).map(|form| form.violation));
        if violations.is_empty() {
            return Err(fail(
                vec![Violation::new(
                    Rule::Layout,
                    format!(
                        "declared to fail rule `{}` because \"{}\", but verification passed",
                        must.rule, must.because
                    ),
                )
                .hint("a must-fail fixture proves a rule can fail: fix the fixture or the rule")],
                None,
            ));
        }
        return match violations
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
        };
    }
    golden::settle(&fixture, &actual, checked, schema, suite.compare, &options)
        .map_err(|verdict| fail(verdict.violations, verdict.diff))
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
