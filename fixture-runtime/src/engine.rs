//! One code path for every fixture: load → run agent → verify → compare or
//! update. The generated tests and the `fixture-kit` command both call
//! [`run`].

use std::fmt;
use std::path::Path;

use crate::chain::Upstream;
use crate::constraints::MustFail;
use crate::contract::AgentOutput;
use crate::discover::FixtureId;
use crate::env::{flag, STRICT_REAL_AGENTS};
use crate::fixture::Fixture;
use crate::golden::{self, UpdatePolicy};
use crate::messages::{self, Entry, Source};
use crate::rule::{Rule, Violation};
use crate::runner::{Answer, PermissionDenial, Transient, Usage};
use crate::suite::Suite;
use crate::verify::{verify, verify_after};

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
    /// What a real agent answered (bounded), when it failed the contract.
    pub answer: Option<String>,
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
        if let Some(answer) = &self.answer {
            writeln!(f, "\nthe agent answered:\n{answer}")?;
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

/// One run of a fixture with what the agent's CLI reported about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The verdict.
    pub result: Result<Outcome, Failure>,
    /// What the agent's CLI reported.
    pub agent: AgentReport,
    /// The agent's answer, when the runner produced one (a chained run
    /// hands it to the next stage).
    pub output: Option<String>,
}

/// What an agent CLI reported about one run, answered or failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentReport {
    /// Tokens, cost, duration and turns, where the CLI reported them.
    pub usage: Option<Usage>,
    /// The run failed on an overload or rate limit (worth retrying).
    pub transient: Option<Transient>,
    /// Tool calls the agent CLI refused.
    pub permission_denials: Vec<PermissionDenial>,
}

/// Runs the fixture `id` under `root` through `suite`.
pub fn run(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    local: Option<LocalVerify<'_>>,
    options: Options,
) -> Result<Outcome, Failure> {
    measure(suite, root, id, local, options).result
}

/// [`run`], keeping what the agent's CLI reported.
pub fn measure(
    suite: &Suite,
    root: &Path,
    id: &FixtureId,
    local: Option<LocalVerify<'_>>,
    options: Options,
) -> Measured {
    match Fixture::load(root, id) {
        Ok(fixture) => measure_fixture(suite, &fixture, None, local, options),
        Err(violation) => Measured {
            result: Err(Failure {
                fixture: crate::fixture::display(&id.dir(root)),
                violations: vec![violation],
                diff: None,
                answer: None,
            }),
            agent: AgentReport::default(),
            output: None,
        },
    }
}

/// [`measure`] for a loaded `fixture`. A stage of a chained run passes
/// `upstream`, the earlier stages' actual outputs: the `pipeline` checks
/// hold the output to them, and a task's `pipeline_must_fail` is decided
/// there.
pub fn measure_fixture(
    suite: &Suite,
    fixture: &Fixture,
    upstream: Option<&Upstream<'_>>,
    local: Option<LocalVerify<'_>>,
    options: Options,
) -> Measured {
    let mut agent = AgentReport::default();
    let mut output = None;
    let result = run_loaded(
        suite,
        fixture,
        upstream,
        local,
        options,
        &mut agent,
        &mut output,
    );
    Measured {
        result,
        agent,
        output,
    }
}

fn run_loaded(
    suite: &Suite,
    fixture: &Fixture,
    upstream: Option<&Upstream<'_>>,
    local: Option<LocalVerify<'_>>,
    options: Options,
    agent: &mut AgentReport,
    output: &mut Option<String>,
) -> Result<Outcome, Failure> {
    let fail = |violations: Vec<Violation>, diff: Option<String>| Failure {
        fixture: fixture.display_dir(),
        violations,
        diff,
        answer: None,
    };
    let runner = suite.runner_for(fixture.id.agent);
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
    let answer = runner.answer(fixture).map_err(|err| {
        (agent.usage, agent.transient) = (err.usage.map(|usage| *usage), err.transient);
        let mut violation = Violation::new(Rule::Runner, err.message);
        // Without a golden and without an agent, the way out is to write it
        // or record it, by a command that fits where the user is.
        violation.hint = match (&fixture.golden, runner.is_real_agent()) {
            (None, false) => Some(
                options
                    .entry
                    .missing_golden_hint(fixture.root(), &fixture.id),
            ),
            _ => err.hint,
        };
        fail(vec![violation], None)
    })?;
    *output = Some(answer.text.clone());
    agent.usage = answer.usage;
    agent
        .permission_denials
        .clone_from(&answer.permission_denials);
    let actual = &answer.text;
    let verified = match upstream {
        Some(upstream) => verify_after(fixture, actual, suite.schema, upstream),
        None => verify(fixture, actual, suite.schema),
    };
    let checked = verified.and_then(|verified| {
        match local.map(|check| check(&verified.parsed.output, fixture)) {
            Some(Err(message)) => Err(vec![Violation::new(Rule::LocalVerify, message)
                .at(crate::fixture::display(&fixture.dir.join("verify.rs")))]),
            _ => Ok(verified),
        }
    });
    let schema = suite.schema.for_fixture(fixture);
    if let Some(must) = &fixture.constraints.must_fail {
        let mut violations = checked.err().unwrap_or_default();
        violations.extend(golden::form(fixture, &options.entry).map(|form| form.violation));
        return declared_failure(must, violations, &fixture.display_dir())
            .map(Outcome::FailedAsDeclared)
            .map_err(|violations| fail(violations, None));
    }
    if let Some(declared) =
        upstream.and_then(|upstream| upstream.declared_failure(fixture, &checked))
    {
        return declared
            .map(Outcome::FailedAsDeclared)
            .map_err(|violations| fail(violations, None));
    }
    let shown = match &checked {
        Err(violations) if runner.is_real_agent() => violations
            .iter()
            .any(|v| v.rule == Rule::Contract)
            .then(|| excerpt(actual)),
        _ => None,
    };
    golden::settle(fixture, actual, checked, schema, suite.compare, &options)
        .map(|outcome| with_notes(outcome, &answer))
        .map_err(|verdict| Failure {
            answer: shown,
            ..fail(verdict.violations, verdict.diff)
        })
}

/// How much of a failing answer is shown.
const EXCERPT_LINES: usize = 40;
const EXCERPT_CHARS: usize = 4000;

/// The start of `answer`, at most [`EXCERPT_LINES`] lines and
/// [`EXCERPT_CHARS`] characters, saying how much there was when cut.
fn excerpt(answer: &str) -> String {
    if answer.trim().is_empty() {
        return "(nothing)".to_owned();
    }
    let head = answer
        .lines()
        .take(EXCERPT_LINES)
        .collect::<Vec<_>>()
        .join("\n");
    let shown: String = head.chars().take(EXCERPT_CHARS).collect();
    if shown == answer.trim_end() {
        return shown;
    }
    format!(
        "{shown}\n… (cut: {} lines, {} characters in all)",
        answer.lines().count(),
        answer.chars().count()
    )
}

/// A passing outcome with the answer's notes (denied tool calls, a passed
/// over error result) as warnings.
fn with_notes(outcome: Outcome, answer: &Answer) -> Outcome {
    match outcome {
        Outcome::Passed { mut warnings } => {
            warnings.extend(
                answer
                    .notes()
                    .into_iter()
                    .map(|note| Violation::new(Rule::Runner, note)),
            );
            Outcome::Passed { warnings }
        }
        other => other,
    }
}

/// A must-fail verdict over what verification of the fixture or task in
/// `dir` found: the violation that fails as declared, or what to report.
pub(crate) fn declared_failure(
    must: &MustFail,
    violations: Vec<Violation>,
    dir: &str,
) -> Result<Violation, Vec<Violation>> {
    if violations.is_empty() {
        return Err(vec![Violation::new(
            Rule::Layout,
            format!(
                "declared to fail rule `{}` because \"{}\", but verification passed",
                must.rule, must.because
            ),
        )
        .hint(
            "a must-fail fixture proves a rule can fail: fix the fixture or the rule",
        )]);
    }
    match violations
        .iter()
        .find(|v| v.rule == must.rule && reason(v, dir).contains(&must.because))
    {
        Some(hit) => Ok(hit.clone()),
        None => {
            let mut all = vec![Violation::new(
                Rule::Layout,
                format!(
                    "declared to fail rule `{}` because \"{}\", but it failed otherwise:",
                    must.rule, must.because
                ),
            )];
            all.extend(violations);
            Err(all)
        }
    }
}

/// What a must-fail `because` is matched against: the violation's location
/// within `dir` (every path into the folder taken relative to it, so its
/// name cannot match) and its message; never the hint.
fn reason(violation: &Violation, dir: &str) -> String {
    let prefix = format!("{dir}/");
    match &violation.location {
        Some(location) => format!("{}: {}", location.replace(&prefix, ""), violation.message),
        None => violation.message.clone(),
    }
}
