//! What `#[fixture_suite]` expands to calls. Not a public API.

use std::io::Write;
use std::path::Path;

use crate::contract::FromOutput;
use crate::discover::FixtureId;
use crate::engine::{self, Options, Outcome};
use crate::fixture::Fixture;
use crate::suite::Suite;

/// Runs one generated fixture test; panics with the report on failure.
#[track_caller]
pub fn run(suite: fn() -> Suite, root: &str, id: &str) {
    finish(
        id,
        engine::run(
            &suite(),
            Path::new(root),
            &parse(id),
            None,
            Options::from_env(),
        ),
    );
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
    finish(
        id,
        engine::run(
            &suite(),
            Path::new(root),
            &parse(id),
            Some(&check),
            Options::from_env(),
        ),
    );
}

#[track_caller]
fn parse(id: &str) -> FixtureId {
    FixtureId::parse(id).unwrap_or_else(|| panic!("fixture-kit: bad generated fixture id `{id}`"))
}

#[track_caller]
fn finish(id: &str, result: Result<Outcome, engine::Failure>) {
    match result {
        Ok(Outcome::Updated { golden }) => {
            // Straight to the process's stderr: libtest captures `eprintln!`
            // of passing tests, and an update run must say what it wrote.
            let _ = writeln!(std::io::stderr(), "fixture-kit: {id}: wrote {golden}");
        }
        Ok(_) => {}
        Err(failure) => panic!("{failure}"),
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
