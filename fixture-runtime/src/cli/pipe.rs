//! A closed output pipe ends the command quietly, as it ends Unix tools.
//!
//! Rust ignores `SIGPIPE`, so a write to a closed pipe (`fixture-kit verify
//! --list | head`) is an error, and `println!` (or libtest-mimic's printer)
//! panics on it with a backtrace. Restoring `SIGPIPE` for the whole process
//! would also kill it when an agent CLI closes its stdin early. Instead, a
//! panic that comes from a broken stdout or stderr kills every process tree
//! fixture-kit started and re-raises `SIGPIPE` with its default action: the
//! process ends silently, and the shell sees the usual status 141.

use std::panic::{self, PanicHookInfo};

/// Installs the panic hook; other panics keep the default report.
pub fn exit_quietly_on_broken_pipe() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if is_broken_pipe(info) && (closed(libc::STDOUT_FILENO) || closed(libc::STDERR_FILENO)) {
            // Nothing fixture-kit started may outlive it.
            crate::process::interrupt::kill_all();
            // SAFETY: resetting a signal to its default action and raising
            // it touch no Rust state; the process ends here.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::raise(libc::SIGPIPE);
            }
        }
        default(info);
    }));
}

/// Whether the panic message is about a broken pipe (`print!`'s own
/// message, or an unwrapped `io::Error` of kind `BrokenPipe`).
fn is_broken_pipe(info: &PanicHookInfo<'_>) -> bool {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.contains("Broken pipe") || message.contains("BrokenPipe")
}

/// Whether `fd` is a pipe or socket whose reading end is gone.
fn closed(fd: libc::c_int) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no wait.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & libc::POLLERR != 0
}
