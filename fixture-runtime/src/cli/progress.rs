//! The progress bar of a long `verify` run: fixtures done of the total,
//! failures so far and the time elapsed, drawn on stderr while the
//! fixtures run. It is shown only on a terminal, outside CI, and not with
//! `--format json` or `--list`: elsewhere a run prints nothing extra.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::env::is_ci;

/// A progress bar, or nothing where none is shown.
#[derive(Clone)]
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    failed: Arc<AtomicUsize>,
}

impl Progress {
    /// A bar over `total` fixtures when stderr is a terminal outside CI;
    /// else nothing. (`--format json` reports without one; `--list` runs
    /// no fixture.)
    pub(super) fn new(total: usize) -> Progress {
        let shown = total > 0 && std::io::stderr().is_terminal() && !is_ci();
        let bar = shown.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(4),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} fixtures{msg}",
                )
                .expect("the template is valid"),
            );
            bar.set_prefix("verifying");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Progress {
            bar,
            failed: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Whether a bar is drawn.
    pub(super) fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Counts one fixture done.
    pub(super) fn done(&self, failed: bool) {
        if let Some(bar) = &self.bar {
            if failed {
                let n = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!(", {n} failed"));
            }
            bar.inc(1);
        }
    }

    /// Removes the bar, before the report is printed.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
