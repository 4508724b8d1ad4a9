//! Timing shared by the benchmarks: medians of repeated runs after a
//! warm-up, measured with plain `std::time::Instant`.

use std::time::{Duration, Instant};

/// The median of `runs` (at least one).
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The median time of `runs` calls of `f`, after one warm-up call.
pub fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}
