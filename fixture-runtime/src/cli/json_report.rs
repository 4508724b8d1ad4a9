//! `fixture-kit verify --format json`: libtest's JSON event lines, spelled
//! as libtest spells them, written by fixture-kit itself so that a
//! failure's text is plain text (libtest-mimic wraps it as `Error: "…"`)
//! and each fixture carries its findings: a failed one its `violations`, a
//! passing one its `warnings`, counted in the closing `suite` event.
//! Selection (`--exact`, `--skip`, a filter) is libtest-mimic's own.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

use libtest_mimic::{Arguments, Trial};
use serde_json::{json, Value};

use super::case::Case;
use crate::engine::{Failure, Outcome};
use crate::rule::Violation;

/// Verifies `ids` with `verify`, on `--test-threads` threads, printing one
/// JSON object per line.
pub(super) fn run(
    args: &Arguments,
    ids: Vec<Case>,
    verify: &(dyn Fn(&Case) -> Result<Outcome, Failure> + Sync),
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
    let out = Mutex::new(io::stdout());
    let emit = |event: &[(&str, Value)]| {
        let line = event_line(event);
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        // A closed pipe ends the report quietly, as Unix tools do.
        let _ = writeln!(out, "{line}");
    };
    emit(&[
        ("type", json!("suite")),
        ("event", json!("started")),
        ("test_count", json!(selected.len())),
    ]);
    let next = AtomicUsize::new(0);
    let (passed, failed, warned) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let threads = args
        .test_threads
        .or_else(|| thread::available_parallelism().ok().map(Into::into))
        .unwrap_or(1)
        .clamp(1, selected.len().max(1));
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(id) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let name = json!(id.test_name());
                    emit(&[
                        ("type", json!("test")),
                        ("event", json!("started")),
                        ("name", name.clone()),
                    ]);
                    let mut event = vec![("type", json!("test")), ("name", name)];
                    match verify(id) {
                        Ok(outcome) => {
                            passed.fetch_add(1, Ordering::Relaxed);
                            event.push(("event", json!("ok")));
                            match outcome {
                                Outcome::Passed { warnings } if !warnings.is_empty() => {
                                    warned.fetch_add(warnings.len(), Ordering::Relaxed);
                                    event.push(("warnings", findings(&warnings)));
                                }
                                Outcome::Updated { golden } => event.push(("wrote", json!(golden))),
                                _ => {}
                            }
                        }
                        Err(failure) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            event.extend([
                                ("event", json!("failed")),
                                ("stdout", json!(failure.to_string())),
                                ("violations", findings(&failure.violations)),
                            ]);
                        }
                    }
                    emit(&event);
                }
            });
        }
    });
    let failed = failed.into_inner();
    emit(&[
        ("type", json!("suite")),
        ("event", json!(if failed == 0 { "ok" } else { "failed" })),
        ("passed", json!(passed.into_inner())),
        ("failed", json!(failed)),
        ("ignored", json!(0)),
        ("measured", json!(0)),
        ("filtered_out", json!(total - selected.len())),
        ("exec_time", json!(started.elapsed().as_secs_f64())),
        ("warnings", json!(warned.into_inner())),
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
