//! Task-graph benchmarks: the worst shapes of a planner's plan, each beside
//! a baseline of the same size.
//!
//! `cargo bench -p fixture-runtime --bench task_graph` prints medians over
//! `RUNS` runs; the figures go into `BENCHMARKS.md`. Task counts given as
//! arguments (`-- 5000 20000`) replace the default ones.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fixture_runtime::constraints::TaskGraph;
use fixture_runtime::contract::PlannerOutput;
use fixture_runtime::rules::task_graph::check;
use serde_json::json;

// `time` serves the other benches; this one counts violations as it times.
#[allow(dead_code)]
#[path = "support/timing.rs"]
mod timing;
use timing::median;

const RUNS: usize = 11;

/// `n` tasks `t0 … t{n-1}`; task `i` depends on what `dep(i)` names.
fn plan(n: usize, dep: impl Fn(usize) -> Option<String>) -> PlannerOutput {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            json!({
                "id": format!("t{i}"),
                "description": "d",
                "file": "f",
                "dependsOn": dep(i).into_iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::from_value(json!({ "tasks": tasks })).expect("a valid plan")
}

/// The median time of `check` on `plan`, and how many violations it found.
fn time(plan: &PlannerOutput) -> (Duration, usize) {
    let declared = TaskGraph::default();
    let found = check(plan, &declared, "bench").len();
    let runs = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(check(black_box(plan), &declared, "bench"));
            start.elapsed()
        })
        .collect();
    (median(runs), found)
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    println!(
        "| shape | tasks | median | violations | baseline (chain of known dependencies) | ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut sizes: Vec<usize> = std::env::args()
        .filter_map(|arg| arg.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![5_000, 10_000, 20_000, 100_000];
    }
    for n in sizes {
        let chain = plan(n, |i| i.checked_sub(1).map(|j| format!("t{j}")));
        let (baseline, none) = time(&chain);
        assert_eq!(none, 0, "the baseline plan is valid");
        let shapes = [
            (
                "every dependency unknown (`t{i}x`)",
                plan(n, |i| Some(format!("t{i}x"))),
            ),
            (
                "one cycle through every task",
                plan(n, |i| Some(format!("t{}", (i + n - 1) % n))),
            ),
        ];
        for (shape, plan) in shapes {
            let (median, found) = time(&plan);
            println!(
                "| {shape} | {n} | {} | {found} | {} | {:.2} |",
                ms(median),
                ms(baseline),
                median.as_secs_f64() / baseline.as_secs_f64()
            );
        }
    }
}
