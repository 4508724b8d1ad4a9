//! What `#[fixture_suite]` expands to calls. Not a public API.

use std::io::Write;
use std::path::Path;

use crate::chain;
use crate::contract::FromOutput;
use crate::discover::FixtureId;
use crate::engine::{self, LocalVerify, Options, Outcome};
use crate::fixture::Fixture;
use crate::golden::UpdatePolicy;
#[cfg(feature = "runbooks")]
use crate::runbook::{self, Runbook, RunbookSuite};
use crate::suite::Suite;

/// Runs one generated fixture test; panics with the report on failure.
#[track_caller]
pub fn run(suite: fn() -> Suite, root: &str, id: &str) {
    run_fixture(suite, root, id, None);
}

/// Like [`run`], with the checks of the fixture's `verify.rs`.
#[track_caller]
pub fn run_local<C: FromOutput>(
    suite: fn() -> Suite,
    root: &str,
    id: &str,
    local: fn(&C, &Fixture) -> Result<(), String>,
) {
    let check = move |output: &crate::contract::AgentOutput, fixture: &Fixture| match C::from_output(
        output,
    ) {
        Some(typed) => local(typed, fixture),
        None => Err(format!("verify.rs expects a {} output", C::AGENT)),
    };
    run_fixture(suite, root, id, Some(&check));
}

/// Runs the fixture as often as the suite's `repeat` asks (once in an
/// update run, which writes from one output); it passes when every run does.
#[track_caller]
fn run_fixture(suite: fn() -> Suite, root: &str, id: &str, local: Option<LocalVerify<'_>>) {
    let fixture = FixtureId::parse(id)
        .unwrap_or_else(|| panic!("fixture-kit: bad generated fixture id `{id}`"));
    let (suite, options) = (suite(), Options::from_env());
    if suite.chained() {
        return run_chained(&suite, Path::new(root), &fixture, &options);
    }
    let runs = match options.update {
        UpdatePolicy::Compare => suite.repeat,
        UpdatePolicy::Write | UpdatePolicy::WritePending | UpdatePolicy::RefusedInCi => 1,
    };
    let mut failures = Vec::new();
    for run in 1..=runs {
        match engine::run(&suite, Path::new(root), &fixture, local, options.clone()) {
            Ok(outcome) => report(id, outcome),
            Err(failure) => failures.push((run, failure)),
        }
    }
    match failures.first() {
        None => {}
        Some((_, failure)) if runs == 1 => panic!("{failure}"),
        Some((run, failure)) => panic!(
            "{} of {runs} runs passed; run {run} of {runs}: {failure}",
            runs as usize - failures.len()
        ),
    }
}

/// Runs the fixture as a stage of its task's chain, the earlier stages
/// first; panics with the row and the failure that broke the chain.
#[track_caller]
fn run_chained(suite: &Suite, root: &Path, id: &FixtureId, options: &Options) {
    let record = chain::run_to(suite, root, id, options);
    match record.stage(id.agent) {
        chain::Stage::Failed(_) | chain::Stage::NotReached { .. } => {
            panic!("{}", chain::report::failure_text(&record))
        }
        chain::Stage::Updated { golden } => report(
            &id.to_string(),
            Outcome::Updated {
                golden: golden.clone(),
            },
        ),
        chain::Stage::Passed { warnings } => report(
            &id.to_string(),
            Outcome::Passed {
                warnings: warnings.clone(),
            },
        ),
        chain::Stage::FailedAsDeclared(_) | chain::Stage::Absent => {}
    }
}

/// Says what a passing run did: the golden it wrote, the warnings it found.
fn report(id: &str, outcome: Outcome) {
    match outcome {
        Outcome::Updated { golden } => {
            // Straight to the process's stderr: libtest captures `eprintln!`
            // of passing tests, and an update run must say what it wrote.
            let _ = writeln!(std::io::stderr(), "fixture-kit: {id}: wrote {golden}");
        }
        Outcome::Passed { warnings } => {
            // A legacy suite's findings, shown as the update message is.
            let mut stderr = std::io::stderr().lock();
            for warning in warnings {
                let _ = writeln!(stderr, "fixture-kit: warning: {id}: {warning}");
            }
        }
        Outcome::FailedAsDeclared(_) => {}
    }
}

/// Runs one generated `pipeline` test (`key` is `topic/task`); panics with
/// the report on failure.
#[track_caller]
pub fn run_pipeline(root: &str, key: &str) {
    let task = crate::discover::TaskId::parse(key)
        .unwrap_or_else(|| panic!("fixture-kit: bad generated task key `{key}`"));
    if let Err(failure) = crate::task::run(Path::new(root), &task) {
        panic!("{failure}");
    }
}

/// Runs one generated scenario case (`<case>:<name>` below `root`); panics
/// with the report on failure.
#[track_caller]
pub fn run_scenario(settings: fn() -> crate::scenario::ScenarioSuite, root: &str, key: &str) {
    if let Err(report) = settings().run_case(Path::new(root), key) {
        panic!("{report}");
    }
}

/// Runs one generated runbook lane test (`key` is `<file>.md#<lane>`):
/// the lane and the lanes it needs, in a fresh run; panics with the report
/// unless every one of them worked or broke as it must.
#[cfg(feature = "runbooks")]
#[track_caller]
pub fn run_runbook(settings: fn() -> RunbookSuite, root: &str, key: &str) {
    let (file, lane) = key
        .rsplit_once('#')
        .unwrap_or_else(|| panic!("fixture-kit: bad generated runbook key `{key}`"));
    let runbook = Runbook::load(Path::new(root).join(file)).unwrap_or_else(|err| {
        panic!("fixture-kit: {err}\n(the runbook changed since the build; rebuild to see it)")
    });
    let options = runbook::Options {
        lane: Some(lane.to_owned()),
        vars: settings().vars().to_vec(),
    };
    let report = runbook::run(&runbook, &options);
    if !report.passed() {
        panic!("{report}");
    }
}
