//! `fixture-kit verify --format json`: libtest's JSON event lines, spelled
//! as libtest spells them, written by fixture-kit itself so that a
//! failure's text is plain text (libtest-mimic wraps it as `Error: "…"`)
//! and each fixture carries its findings: a failed one its `violations`, a
//! passing one its `warnings`, counted in the closing `suite` event.
//! Selection (`--exact`, `--skip`, a filter) is libtest-mimic's own.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Arguments, Trial};
use serde_json::{json, Value};

use super::case::Case;
use super::in_order::InOrder;
use crate::engine::{Failure, Outcome};
use crate::rule::Violation;

/// Verifies `ids` with `verify` on `threads` threads, printing one JSON
/// object per line, in fixture order.
pub(super) fn run(
    args: &Arguments,
    ids: Vec<Case>,
    threads: usize,
    verify: impl Fn(&Case) -> Result<Outcome, Failure> + Send + Sync + 'static,
) -> ExitCode {
    let total = ids.len();
    let selected: Vec<Case> = if args.ignored {
        Vec::new()
    } else {
        ids.into_iter()
            .filter(|id| !args.is_filtered_out(&Trial::test(id.test_name(), || Ok(()))))
            .collect()
    };
    let started = Instant::now();
    let mut out = io::stdout().lock();
    let mut emit = |event: &[(&str, Value)]| {
        // A closed pipe ends the report quietly, as Unix tools do.
        let _ = writeln!(out, "{}", event_line(event));
    };
    emit(&[
        ("type", json!("suite")),
        ("event", json!("started")),
        ("test_count", json!(selected.len())),
    ]);
    let selected = Arc::new(selected);
    let results = {
        let selected = selected.clone();
        InOrder::start(&vec![true; selected.len()], threads, move |i| {
            verify(&selected[i])
        })
    };
    let (mut passed, mut failed, mut warned) = (0, 0, 0);
    for (i, id) in selected.iter().enumerate() {
        let name = json!(id.test_name());
        emit(&[
            ("type", json!("test")),
            ("event", json!("started")),
            ("name", name.clone()),
        ]);
        let mut event = vec![("type", json!("test")), ("name", name)];
        match results.take(i) {
            Ok(outcome) => {
                passed += 1;
                event.push(("event", json!("ok")));
                match outcome {
                    Outcome::Passed { warnings } if !warnings.is_empty() => {
                        warned += warnings.len();
                        event.push(("warnings", findings(&warnings)));
                    }
                    Outcome::Updated { golden } => event.push(("wrote", json!(golden))),
                    _ => {}
                }
            }
            Err(failure) => {
                failed += 1;
                event.extend([
                    ("event", json!("failed")),
                    ("stdout", json!(failure.to_string())),
                    ("violations", findings(&failure.violations)),
                ]);
            }
        }
        emit(&event);
    }
    emit(&[
        ("type", json!("suite")),
        ("event", json!(if failed == 0 { "ok" } else { "failed" })),
        ("passed", json!(passed)),
        ("failed", json!(failed)),
        ("ignored", json!(0)),
        ("measured", json!(0)),
        ("filtered_out", json!(total - selected.len())),
        ("exec_time", json!(started.elapsed().as_secs_f64())),
        ("warnings", json!(warned)),
    ]);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

/// An event as libtest prints it: `{ "type": "test", "name": "…", … }`.
fn event_line(fields: &[(&str, Value)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}: {value}", json!(key)))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// Findings as a JSON array of objects.
fn findings(violations: &[Violation]) -> Value {
    violations
        .iter()
        .map(|v| {
            json!({
                "rule": v.rule.as_str(),
                "location": v.location,
                "message": v.message,
                "hint": v.hint,
            })
        })
        .collect()
}
