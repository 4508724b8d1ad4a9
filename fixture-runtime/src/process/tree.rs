//! A process with everything it starts, stopped as one.
//!
//! The program runs under a small `sh` wrapper that, on Linux, is made a
//! child subreaper (`PR_SET_CHILD_SUBREAPER`, set between fork and exec):
//! whatever the program starts and abandons, even after `setsid` or a
//! double fork, is re-parented to the wrapper rather than to init. The
//! wrapper reports the program's exit status on a pipe and then stops
//! itself, staying alive until [`Tree::stop`] has killed every process below
//! it, found by walking `/proc`. The subreaper is the wrapper's own
//! attribute, not fixture-kit's, so trees of parallel tests stay apart.
//!
//! Elsewhere the tree is its process group: a process that leaves the group
//! is not followed.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::interrupt;

/// How often a wait checks on the tree.
const TICK: Duration = Duration::from_millis(10);

/// Runs `"$@"` with the status pipe closed, reports its status on fd 3,
/// then stops until it is killed, holding the orphans of the tree. Its own
/// stderr goes nowhere, so that the shell's "Terminated" for a program
/// killed by a signal does not land in the program's output; the program
/// runs in a subshell that `exec`s it with the real stderr.
const WRAPPER: &str = r#"exec 4>&2 2>/dev/null
( exec "$@" 2>&4 3>&- 4>&- )
s=$?
echo "$s" >&3
exec 3>&- 4>&-
kill -STOP $$
exit "$s""#;

/// A running program and every process below it.
#[derive(Debug)]
pub struct Tree {
    child: Child,
    status_pipe: File,
    line: Vec<u8>,
    status: Option<ExitStatus>,
    reaped: bool,
}

impl Tree {
    /// A command that runs `program` under the wrapper: add arguments,
    /// environment, working directory and stdio, then [`Tree::spawn`] it.
    pub fn command(program: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(WRAPPER).arg("sh").arg(program);
        command
    }

    /// Starts a command made by [`Tree::command`] in its own process group.
    /// Refused once fixture-kit has been told to stop.
    pub fn spawn(mut command: Command) -> io::Result<Tree> {
        if let Some(signal) = interrupt::received() {
            return Err(io::Error::other(format!(
                "fixture-kit is stopping ({}): nothing new is started",
                interrupt::name(signal)
            )));
        }
        interrupt::install();
        let (read, write) = status_pipe()?;
        let write_fd = write.as_raw_fd();
        let parent = std::process::id();
        command.process_group(0);
        // SAFETY: the closure runs in the child between fork and exec and
        // calls only async-signal-safe functions (prctl, getppid, dup2).
        unsafe {
            command.pre_exec(move || child_setup(write_fd, parent));
        }
        let child = command.spawn()?;
        drop(write);
        interrupt::track(child.id());
        Ok(Tree {
            child,
            status_pipe: read,
            line: Vec::new(),
            status: None,
            reaped: false,
        })
    }

    /// The wrapper's process id, which is also the tree's process group.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The program's exit status once it has exited, without waiting
    /// (processes it left behind may still run).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_some() {
            return self.status;
        }
        let mut buffer = [0u8; 32];
        loop {
            match self.status_pipe.read(&mut buffer) {
                Ok(0) => {
                    // The wrapper is gone without a word: killed.
                    let status = self.wait_wrapper();
                    self.status = Some(status);
                    return self.status;
                }
                Ok(n) => {
                    self.line.extend_from_slice(&buffer[..n]);
                    if let Some(end) = self.line.iter().position(|b| *b == b'\n') {
                        let code: i32 = String::from_utf8_lossy(&self.line[..end])
                            .trim()
                            .parse()
                            .unwrap_or(-1);
                        self.status = Some(ExitStatus::from_raw((code & 0xff) << 8));
                        return self.status;
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
    }

    /// Waits for the program's exit until `deadline`; `None` when it still
    /// runs then, or when fixture-kit is told to stop.
    pub fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.try_status() {
                return Some(status);
            }
            let now = Instant::now();
            if now >= deadline || interrupt::received().is_some() {
                return None;
            }
            sleep(TICK.min(deadline - now));
        }
    }

    /// Ends the whole tree: `SIGTERM` to every process in it, up to `grace`
    /// for them to go, then `SIGKILL` until none is left; reaps the wrapper.
    /// Returns the program's status: its own if it exited, else the signal
    /// that ended it.
    pub fn stop(&mut self, grace: Duration) -> ExitStatus {
        if self.reaped {
            return self
                .status
                .unwrap_or_else(|| ExitStatus::from_raw(libc::SIGKILL));
        }
        if !grace.is_zero() && !self.members().is_empty() {
            signal_all(self.id(), &self.members(), libc::SIGTERM);
            let deadline = Instant::now() + grace;
            while !self.members().is_empty() && Instant::now() < deadline {
                sleep(TICK);
            }
            if self.try_status().is_none() {
                self.status = Some(ExitStatus::from_raw(libc::SIGTERM));
            }
        }
        // Bounded: a process being killed cannot fork for long.
        for _ in 0..1000 {
            let members = self.members();
            if members.is_empty() {
                break;
            }
            signal_all(self.id(), &members, libc::SIGKILL);
            sleep(Duration::from_millis(1));
        }
        let program = self.try_status_now();
        let wrapper = self.kill_wrapper();
        let status = program.unwrap_or(wrapper);
        self.status = Some(status);
        status
    }

    /// The program's status if it already reported it; a program that did
    /// not was ended by the `SIGKILL` just sent.
    fn try_status_now(&mut self) -> Option<ExitStatus> {
        if self.status.is_some() {
            return self.status;
        }
        let status = self.try_status();
        if self.reaped {
            // The wrapper went without a word: the program was killed with it.
            return Some(ExitStatus::from_raw(libc::SIGKILL));
        }
        status
    }

    fn kill_wrapper(&mut self) -> ExitStatus {
        if !self.reaped {
            // SAFETY: kill(2) only sends a signal to the wrapper we started
            // and have not reaped, so its pid is still ours.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL);
            }
        }
        self.wait_wrapper()
    }

    fn wait_wrapper(&mut self) -> ExitStatus {
        let status = self
            .child
            .wait()
            .unwrap_or_else(|_| ExitStatus::from_raw(libc::SIGKILL));
        if !self.reaped {
            self.reaped = true;
            interrupt::untrack(self.child.id());
        }
        status
    }

    /// Whether anything of the tree still runs: the program, or what it
    /// left behind (a daemon that detached itself).
    pub fn running(&mut self) -> bool {
        self.try_status().is_none() || !self.members().is_empty()
    }

    /// The live processes of the tree, the wrapper left out.
    fn members(&self) -> Vec<u32> {
        if self.reaped {
            return Vec::new();
        }
        members(self.child.id())
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}

/// Says how a program ended, for reports.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by {}", interrupt::name(signal)),
        (None, None) => "ended".to_owned(),
    }
}

/// Signals the processes below `wrapper` (with its process group where
/// there is no `/proc` to find them by).
pub(super) fn signal_all(wrapper: u32, members: &[u32], signal: libc::c_int) {
    for pid in members {
        // SAFETY: kill(2) only sends a signal; a process gone meanwhile
        // gives ESRCH.
        unsafe {
            libc::kill(*pid as libc::pid_t, signal);
        }
    }
    if cfg!(not(target_os = "linux")) {
        // SAFETY: as above, to the process group we created.
        unsafe {
            libc::killpg(wrapper as libc::pid_t, signal);
        }
    }
}

/// The live descendants of `root`, by the parent links in `/proc`.
#[cfg(target_os = "linux")]
pub(super) fn members(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut links: Vec<(u32, u32)> = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let mut fields = rest.split(' ');
        let state = fields.next().unwrap_or("Z");
        let Some(ppid) = fields.next().and_then(|p| p.parse().ok()) else {
            continue;
        };
        if state != "Z" && state != "X" {
            links.push((pid, ppid));
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (pid, _) in links.iter().filter(|(_, ppid)| *ppid == parent) {
            if !found.contains(pid) {
                found.push(*pid);
                frontier.push(*pid);
            }
        }
    }
    found.sort_unstable();
    found
}

/// Without `/proc`, the process group stands for the tree.
#[cfg(not(target_os = "linux"))]
pub(super) fn members(root: u32) -> Vec<u32> {
    // SAFETY: signal 0 only checks that the group exists.
    let alive = unsafe { libc::killpg(root as libc::pid_t, 0) } == 0;
    if alive {
        vec![root]
    } else {
        Vec::new()
    }
}

/// A pipe, both ends close-on-exec: `(read, write)`.
pub fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe(2) fills the two descriptors, which we then own.
    #[cfg(target_os = "linux")]
    let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    // SAFETY: as above; close-on-exec is set just after.
    #[cfg(not(target_os = "linux"))]
    let made = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if made != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both are fresh descriptors owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    for fd in [&read, &write] {
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Ok((File::from(read), File::from(write)))
}

/// The status pipe: its read end does not block, its write end sits above
/// the standard descriptors, ready to become the child's fd 3.
fn status_pipe() -> io::Result<(File, OwnedFd)> {
    let (read, write) = pipe()?;
    // SAFETY: fcntl on descriptors we own; F_DUPFD_CLOEXEC returns a new one.
    let high = unsafe {
        let flags = libc::fcntl(read.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(read.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        libc::fcntl(write.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10)
    };
    if high < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `high` is fresh and ours.
    Ok((read, unsafe { OwnedFd::from_raw_fd(high) }))
}

/// In the child: become a subreaper (Linux), die with the thread that
/// started us, and put the status pipe on fd 3.
fn child_setup(write_fd: RawFd, parent: u32) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl and getppid are async-signal-safe system calls.
    unsafe {
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) != 0
            || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0
        {
            return Err(io::Error::last_os_error());
        }
        // The parent may have died before prctl took effect.
        if libc::getppid() as u32 != parent {
            libc::_exit(1);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = parent;
    // SAFETY: dup2 is async-signal-safe; fd 3 loses close-on-exec.
    if unsafe { libc::dup2(write_fd, 3) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Running, as opposed to gone or a zombie waiting for its parent.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(") ")
            .is_some_and(|(_, s)| s.starts_with('Z'))
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Tree {
        let mut command = Tree::command("sh");
        command.arg("-c").arg(script);
        Tree::spawn(command).unwrap()
    }

    fn read_pid(out: &std::path::Path) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(out).unwrap_or_default();
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
            assert!(Instant::now() < deadline, "the child never printed its pid");
            sleep(TICK);
        }
    }

    #[test]
    fn reports_the_status_and_reaps_the_wrapper() {
        let mut tree = sh("exit 3");
        let status = tree.wait_until(Instant::now() + Duration::from_secs(10));
        assert_eq!(status.and_then(|s| s.code()), Some(3));
        let wrapper = tree.id();
        assert_eq!(tree.stop(Duration::ZERO).code(), Some(3));
        assert!(!alive(wrapper));
    }

    #[test]
    fn a_process_in_a_new_session_is_stopped_with_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        // Double fork into a new session: the program exits at once, the
        // grandchild is orphaned outside the process group.
        let mut command = Tree::command("sh");
        command
            .arg("-c")
            .arg("(setsid sh -c 'echo $$ > pid; exec sleep 300' &) ; exit 0")
            .current_dir(dir.path());
        let mut tree = Tree::spawn(command).unwrap();
        let escaped = read_pid(&dir.path().join("pid"));
        let status = tree.wait_until(Instant::now() + Duration::from_secs(10));
        assert_eq!(status.and_then(|s| s.code()), Some(0));
        assert!(alive(escaped));
        assert!(tree.members().contains(&escaped), "{:?}", tree.members());
        tree.stop(Duration::from_millis(500));
        assert!(!alive(escaped), "the process in its own session survived");
    }
}
