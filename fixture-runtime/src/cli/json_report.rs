//! `fixture-kit verify --format json`: libtest's JSON event lines, written
//! by fixture-kit itself so that a failure's text is plain text (libtest-mimic
//! wraps it as `Error: "…"`) and each passing fixture carries its warnings.
//! Selection (`--exact`, `--skip`, a filter) is libtest-mimic's own.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

use libtest_mimic::{Arguments, Trial};
use serde_json::{json, Value};

use crate::discover::FixtureId;
use crate::engine::{Failure, Outcome};
use crate::rule::Violation;

/// Verifies `ids` with `verify`, on `--test-threads` threads, printing one
/// JSON object per line.
pub(super) fn run(
    args: &Arguments,
    ids: Vec<FixtureId>,
    verify: &(dyn Fn(&FixtureId) -> Result<Outcome, Failure> + Sync),
) -> ExitCode {
    let total = ids.len();
    let selected: Vec<FixtureId> = if args.ignored {
        Vec::new()
    } else {
        ids.into_iter()
            .filter(|id| !args.is_filtered_out(&Trial::test(id.test_name(), || Ok(()))))
            .collect()
    };
    let started = Instant::now();
    let out = Mutex::new(io::stdout());
    let emit = |event: Value| {
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        // A closed pipe ends the report quietly, as Unix tools do.
        let _ = writeln!(out, "{event}");
    };
    emit(json!({"type": "suite", "event": "started", "test_count": selected.len()}));
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
                    let name = id.test_name();
                    emit(json!({"type": "test", "event": "started", "name": name}));
                    let event = match verify(id) {
                        Ok(outcome) => {
                            passed.fetch_add(1, Ordering::Relaxed);
                            let mut event = json!({"type": "test", "name": name, "event": "ok"});
                            match outcome {
                                Outcome::Passed { warnings } if !warnings.is_empty() => {
                                    warned.fetch_add(warnings.len(), Ordering::Relaxed);
                                    event["warnings"] = warnings.iter().map(violation).collect();
                                }
                                Outcome::Updated { golden } => event["wrote"] = json!(golden),
                                _ => {}
                            }
                            event
                        }
                        Err(failure) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            json!({
                                "type": "test",
                                "name": name,
                                "event": "failed",
                                "stdout": failure.to_string(),
                                "violations": failure.violations.iter().map(violation).collect::<Vec<_>>(),
                            })
                        }
                    };
                    emit(event);
                }
            });
        }
    });
    let failed = failed.into_inner();
    emit(json!({
        "type": "suite",
        "event": if failed == 0 { "ok" } else { "failed" },
        "passed": passed.into_inner(),
        "failed": failed,
        "ignored": 0,
        "measured": 0,
        "filtered_out": total - selected.len(),
        "warnings": warned.into_inner(),
        "exec_time": started.elapsed().as_secs_f64(),
    }));
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

/// One finding as a JSON object.
fn violation(v: &Violation) -> Value {
    json!({
        "rule": v.rule.as_str(),
        "location": v.location,
        "message": v.message,
        "hint": v.hint,
    })
}
