//! Processes a runbook starts: each `sh -c` runs in its own process group,
//! so a timeout, a `stop` or the end of the run ends the whole tree, and a
//! dropped [`Process`] or [`Daemons`] never leaves one behind.

use std::fs::File;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How often a wait checks on a child.
const TICK: Duration = Duration::from_millis(10);
/// How long a stopped daemon gets between `SIGTERM` and `SIGKILL`.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// A running `sh -c` in its own process group.
#[derive(Debug)]
pub struct Process {
    child: Child,
    reaped: Option<ExitStatus>,
}

impl Process {
    /// Starts `script` in `cwd` with `env` added to the inherited
    /// environment, its stdout and stderr written to the given files.
    pub fn spawn(
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
        stdout: File,
        stderr: File,
    ) -> io::Result<Process> {
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(cwd)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()?;
        Ok(Process {
            child,
            reaped: None,
        })
    }

    /// The process id (also the process group id).
    #[cfg(test)]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if it has exited, without waiting.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.reaped.is_none() {
            self.reaped = self.child.try_wait().ok().flatten();
        }
        self.reaped
    }

    /// Waits for the exit until `deadline`; `None` when it is still running.
    pub fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.try_status() {
                return Some(status);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            sleep(TICK.min(deadline - now));
        }
    }

    /// Ends the process group: `SIGTERM`, up to `grace` for the leader to
    /// exit, then `SIGKILL` for whatever is left; reaps the leader.
    pub fn stop(&mut self, grace: Duration) -> ExitStatus {
        if self.try_status().is_none() && !grace.is_zero() {
            self.signal_group(libc::SIGTERM);
            self.wait_until(Instant::now() + grace);
        }
        self.signal_group(libc::SIGKILL);
        match self.reaped {
            Some(status) => status,
            None => {
                let status = self
                    .child
                    .wait()
                    .unwrap_or_else(|_| ExitStatus::from_raw(libc::SIGKILL));
                self.reaped = Some(status);
                status
            }
        }
    }

    fn signal_group(&self, signal: libc::c_int) {
        let Ok(pgid) = libc::pid_t::try_from(self.child.id()) else {
            return;
        };
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it touches no memory of ours.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}

/// Says how a process ended, for reports.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended".to_owned(),
    }
}

/// One daemon of a run.
#[derive(Debug)]
pub struct Running {
    /// The `name=` it was started with.
    pub name: String,
    /// Its stdout and stderr, interleaved.
    pub log: PathBuf,
    process: Process,
}

/// The daemons of one run; dropping it stops every one still running.
#[derive(Debug, Default)]
pub struct Daemons {
    running: Vec<Running>,
    /// Every daemon started, with its log, stopped or not.
    pub logs: Vec<(String, PathBuf)>,
}

impl Daemons {
    /// Starts a daemon; its output goes to `log`.
    pub fn start(
        &mut self,
        name: &str,
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
        log: PathBuf,
    ) -> io::Result<&mut Running> {
        let file = File::create(&log)?;
        let process = Process::spawn(script, cwd, env, file.try_clone()?, file)?;
        self.logs.push((name.to_owned(), log.clone()));
        self.running.push(Running {
            name: name.to_owned(),
            log,
            process,
        });
        Ok(self.running.last_mut().expect("just pushed"))
    }

    /// Stops the daemon `name`; `None` when none by that name is running.
    pub fn stop(&mut self, name: &str) -> Option<ExitStatus> {
        let index = self.running.iter().position(|d| d.name == name)?;
        let mut daemon = self.running.remove(index);
        Some(daemon.process.stop(STOP_GRACE))
    }

    /// Stops every daemon still running, the last started first.
    pub fn stop_all(&mut self) {
        while let Some(mut daemon) = self.running.pop() {
            daemon.process.stop(STOP_GRACE);
        }
    }

    /// The names of the daemons still running.
    pub fn names(&self) -> Vec<String> {
        self.running.iter().map(|d| d.name.clone()).collect()
    }
}

impl Running {
    /// The daemon's process.
    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        self.stop_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Running, as opposed to gone or a zombie waiting for its parent.
    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit_once(") ")
                .is_some_and(|(_, s)| s.starts_with('Z'))
        })
    }

    #[test]
    fn stop_ends_the_whole_group_and_reaps_the_leader() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let file = File::create(&out).unwrap();
        let mut process = Process::spawn(
            "sleep 30 & echo $!; wait",
            dir.path(),
            &[],
            file.try_clone().unwrap(),
            file,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let grandchild: u32 = loop {
            if let Ok(pid) = std::fs::read_to_string(&out).unwrap().trim().parse() {
                break pid;
            }
            assert!(Instant::now() < deadline, "the child never printed its pid");
            sleep(TICK);
        };
        assert!(process.wait_until(Instant::now() + TICK).is_none());
        let status = process.stop(Duration::from_millis(500));
        assert!(status.signal().is_some(), "{status:?}");
        let leader = process.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(grandchild) && Instant::now() < deadline {
            sleep(TICK);
        }
        assert!(!alive(grandchild), "the background child survived");
        assert!(!alive(leader), "the leader was not reaped");
    }
}
