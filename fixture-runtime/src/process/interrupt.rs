//! Stopping cleanly when fixture-kit is told to stop.
//!
//! The first supervised process installs handlers for `SIGTERM`, `SIGINT`
//! and `SIGHUP` (those not ignored already, as under `nohup`). The first
//! such signal sends `SIGTERM` to every process of every live
//! [`Tree`](super::Tree), `SIGKILL` to what is left 3 s later, and makes
//! [`received`] return it: waits return early, nothing new is
//! started, and the runners wind up (a runbook writes its report so far,
//! temporary folders are removed as their owners return). Should the
//! program still run 10 s after the signal, it exits with `128 + signal`;
//! a second signal makes it exit at once, after killing every tree.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::tree::{members, signal_all};

/// How long the trees get between `SIGTERM` and `SIGKILL`.
const GRACE: Duration = Duration::from_secs(3);
/// How long after the first signal the program may take to wind up.
const WIND_UP: Duration = Duration::from_secs(10);

static RECEIVED: AtomicI32 = AtomicI32::new(0);
static TREES: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Installs the handlers (once; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        // A signal ignored from the start (`nohup`, a background job's
        // `SIGINT`) stays ignored.
        let wanted: Vec<i32> = [SIGTERM, SIGINT, SIGHUP]
            .into_iter()
            .filter(|signal| !ignored(*signal))
            .collect();
        let Ok(mut signals) = Signals::new(wanted) else {
            return;
        };
        let _ = thread::Builder::new()
            .name("fixture-kit-signals".to_owned())
            .spawn(move || {
                for signal in signals.forever() {
                    on_signal(signal);
                }
            });
    });
}

/// Whether `signal` is set to be ignored.
fn ignored(signal: i32) -> bool {
    // SAFETY: with a null new action, sigaction(2) only reads the current
    // one into `current`.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}

/// The signal that told fixture-kit to stop, if one did.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The exit code for having been stopped by `signal`, as shells report it.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// A signal's name: `SIGTERM`, or `signal 12`.
pub fn name(signal: i32) -> String {
    let known = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
    ];
    known
        .iter()
        .find(|(number, _)| *number == signal)
        .map_or_else(
            || format!("signal {signal}"),
            |(_, name)| (*name).to_owned(),
        )
}

/// Notes a live tree by its wrapper's pid.
pub(super) fn track(wrapper: u32) {
    TREES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(wrapper);
}

/// Forgets a tree whose wrapper was reaped.
pub(super) fn untrack(wrapper: u32) {
    TREES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|pid| *pid != wrapper);
}

/// Kills every live tree at once, for an exit that cannot wait (a closed
/// output pipe, see `cli::pipe`).
#[cfg(feature = "cli")]
pub(crate) fn kill_all() {
    signal_trees(libc::SIGKILL);
}

fn signal_trees(signal: libc::c_int) {
    let trees = TREES.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for wrapper in trees {
        signal_all(wrapper, &members(wrapper), signal);
    }
}

fn on_signal(signal: i32) {
    if RECEIVED
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        signal_trees(libc::SIGKILL);
        std::process::exit(i32::from(exit_code(signal)));
    }
    signal_trees(libc::SIGTERM);
    let _ = thread::Builder::new()
        .name("fixture-kit-wind-up".to_owned())
        .spawn(move || {
            thread::sleep(GRACE);
            signal_trees(libc::SIGKILL);
            thread::sleep(WIND_UP - GRACE);
            std::process::exit(i32::from(exit_code(signal)));
        });
}
