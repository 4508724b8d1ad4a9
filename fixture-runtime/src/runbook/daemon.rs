//! Processes a runbook starts. Each `sh -c` runs as a supervised
//! [`Tree`]: a timeout, a `stop` or the end of the run ends every process
//! it started, also one that left its process group or session; a dropped
//! [`Process`] or [`Daemons`] never leaves one behind. Output is kept
//! within bounds ([`OUTPUT_LIMIT`] per stream).

use std::fs::File;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::process::{join_reader, pipe, Capture, Captured, Tree};

pub use crate::process::describe;

/// How long a stopped daemon gets between `SIGTERM` and `SIGKILL`.
pub const STOP_GRACE: Duration = Duration::from_secs(3);
/// How much of a step's stdout, its stderr, or a daemon's log is kept: the
/// first and last half, with a line saying how much was cut between.
pub const OUTPUT_LIMIT: usize = 1 << 20;

/// How long the end of a stopped process's output may take to arrive.
const READER_GRACE: Duration = Duration::from_secs(2);

/// A stream being read into a bounded capture.
#[derive(Debug)]
struct Reader {
    capture: Arc<Mutex<Capture>>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    fn new(pipe: File) -> Reader {
        let (capture, thread) = Capture::spawn_reader(OUTPUT_LIMIT, pipe);
        Reader {
            capture,
            thread: Some(thread),
        }
    }

    /// What was read so far.
    fn snapshot(&self) -> Captured {
        self.capture
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .finish()
    }

    /// Everything, once the writers are gone.
    fn finish(&mut self) -> Captured {
        if let Some(thread) = self.thread.take() {
            join_reader(thread, READER_GRACE);
        }
        self.snapshot()
    }
}

/// A running `sh -c` with every process it starts.
#[derive(Debug)]
pub struct Process {
    tree: Tree,
    stdout: Reader,
    stderr: Option<Reader>,
}

impl Process {
    /// Starts `script` in `cwd` with `env` added to the inherited
    /// environment; `merged` sends stderr into stdout (a daemon's log).
    pub fn spawn(
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
        merged: bool,
    ) -> io::Result<Process> {
        let (out_read, out_write) = pipe()?;
        let (err_read, err_write) = if merged {
            (None, out_write.try_clone()?)
        } else {
            let (read, write) = pipe()?;
            (Some(read), write)
        };
        let mut command = Tree::command("sh");
        command
            .arg("-c")
            .arg(script)
            .current_dir(cwd)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out_write)
            .stderr(err_write);
        let tree = Tree::spawn(command)?;
        Ok(Process {
            tree,
            stdout: Reader::new(out_read),
            stderr: err_read.map(Reader::new),
        })
    }

    /// The wrapper's process id, for tests.
    #[cfg(all(test, target_os = "linux"))]
    pub fn id(&self) -> u32 {
        self.tree.id()
    }

    /// Whether the program, or anything it left behind, still runs.
    pub fn running(&mut self) -> bool {
        self.tree.running()
    }

    /// Waits for the exit until `deadline`; `None` when it is still running
    /// (or fixture-kit was told to stop).
    pub fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        self.tree.wait_until(deadline)
    }

    /// Ends every process of the tree (`SIGTERM`, up to `grace`, then
    /// `SIGKILL`).
    pub fn stop(&mut self, grace: Duration) -> ExitStatus {
        self.tree.stop(grace)
    }

    /// The output so far: stdout (with stderr, when merged).
    pub fn log(&self) -> Captured {
        self.stdout.snapshot()
    }

    /// Stdout and stderr in full (within bounds), after [`Process::stop`].
    pub fn output(&mut self) -> (Captured, Captured) {
        let stdout = self.stdout.finish();
        let stderr = self.stderr.as_mut().map(Reader::finish).unwrap_or_default();
        (stdout, stderr)
    }
}

/// One daemon of a run, running or not.
#[derive(Debug)]
pub struct Running {
    /// The `name=` it was started with.
    pub name: String,
    /// `may-exit=yes`: its exit fails nothing.
    pub may_exit: bool,
    /// The order it was started in, counting every daemon of the run.
    pub started: usize,
    process: Process,
}

impl Running {
    /// The daemon's process.
    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }
}

/// A daemon that exited while the run went on.
#[derive(Debug, Clone)]
pub struct Exited {
    /// Its name.
    pub name: String,
    /// `may-exit=yes` was given.
    pub may_exit: bool,
    /// The order it was started in.
    pub started: usize,
    /// How it ended.
    pub status: ExitStatus,
    /// Its log as it was at the end.
    pub log: Captured,
    /// Whether it was ready before it ended (else it was given up on).
    pub was_ready: bool,
}

/// What stopping a daemon by name found.
#[derive(Debug)]
pub enum Stop {
    /// It ran and was stopped.
    Stopped,
    /// It had exited before.
    AlreadyExited(Exited),
    /// No daemon by that name was started.
    Unknown,
}

/// The daemons of one run; dropping it stops every one still running.
#[derive(Debug, Default)]
pub struct Daemons {
    running: Vec<Running>,
    exited: Vec<Exited>,
    started: usize,
}

impl Daemons {
    /// Starts a daemon.
    pub fn start(
        &mut self,
        name: &str,
        may_exit: bool,
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
    ) -> io::Result<&mut Running> {
        let process = Process::spawn(script, cwd, env, true)?;
        self.exited.retain(|d| d.name != name);
        self.running.push(Running {
            name: name.to_owned(),
            may_exit,
            started: self.started,
            process,
        });
        self.started += 1;
        Ok(self.running.last_mut().expect("just pushed"))
    }

    /// How many daemons were started so far.
    pub fn count(&self) -> usize {
        self.started
    }

    /// Moves the daemons whose every process is gone to the exited ones,
    /// and returns those.
    pub fn notice_exits(&mut self) -> Vec<Exited> {
        let mut noticed = Vec::new();
        let mut index = 0;
        while index < self.running.len() {
            if self.running[index].process.running() {
                index += 1;
                continue;
            }
            let mut daemon = self.running.remove(index);
            let status = daemon.process.stop(Duration::ZERO);
            let exited = Exited {
                name: daemon.name,
                may_exit: daemon.may_exit,
                started: daemon.started,
                status,
                log: daemon.process.output().0,
                was_ready: true,
            };
            self.exited.push(exited.clone());
            noticed.push(exited);
        }
        noticed
    }

    /// Stops a daemon that never became ready, keeping its log.
    pub fn give_up(&mut self, name: &str) {
        let Some(index) = self.running.iter().position(|d| d.name == name) else {
            return;
        };
        let mut daemon = self.running.remove(index);
        let status = daemon.process.stop(STOP_GRACE);
        self.exited.push(Exited {
            name: daemon.name,
            may_exit: daemon.may_exit,
            started: daemon.started,
            status,
            log: daemon.process.output().0,
            was_ready: false,
        });
    }

    /// Stops the daemon `name`.
    pub fn stop(&mut self, name: &str) -> Stop {
        if let Some(index) = self.running.iter().position(|d| d.name == name) {
            let mut daemon = self.running.remove(index);
            daemon.process.stop(STOP_GRACE);
            return Stop::Stopped;
        }
        match self.exited.iter().find(|d| d.name == name) {
            Some(exited) => Stop::AlreadyExited(exited.clone()),
            None => Stop::Unknown,
        }
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

    /// The log of the daemon last started as `name`, running or not.
    pub fn log_of(&self, name: &str) -> Option<Captured> {
        match self.running.iter().find(|d| d.name == name) {
            Some(daemon) => Some(daemon.process.log()),
            None => self
                .exited
                .iter()
                .find(|d| d.name == name)
                .map(|d| d.log.clone()),
        }
    }

    /// The names of the daemons started so far, in order.
    pub fn started(&self) -> Vec<&str> {
        let mut all: Vec<(usize, &str)> = self
            .running
            .iter()
            .map(|d| (d.started, d.name.as_str()))
            .chain(self.exited.iter().map(|d| (d.started, d.name.as_str())))
            .collect();
        all.sort_unstable();
        all.into_iter().map(|(_, name)| name).collect()
    }

    /// The logs a failure shows: every running daemon's, and those of the
    /// daemons started from `since` on that have exited, labelled so.
    pub fn logs(&self, since: usize) -> Vec<(String, Captured)> {
        let mut logs: Vec<(usize, String, Captured)> = self
            .running
            .iter()
            .map(|d| (d.started, format!("daemon {} log", d.name), d.process.log()))
            .collect();
        logs.extend(self.exited.iter().filter(|d| d.started >= since).map(|d| {
            let label = if d.was_ready {
                format!("daemon {} log (exited: {})", d.name, describe(d.status))
            } else {
                format!("daemon {} log", d.name)
            };
            (d.started, label, d.log.clone())
        }));
        logs.sort_by_key(|(started, _, _)| *started);
        logs.into_iter()
            .map(|(_, label, log)| (label, log))
            .collect()
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        self.stop_all();
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::process::alive;
    use std::thread::sleep;

    #[test]
    fn stop_ends_the_whole_tree_and_reaps_the_wrapper() {
        let dir = tempfile::tempdir().unwrap();
        let mut process =
            Process::spawn("sleep 30 & echo $!; wait", dir.path(), &[], false).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let grandchild: u32 = loop {
            if let Ok(pid) = process.log().text.trim().parse() {
                break pid;
            }
            assert!(Instant::now() < deadline, "the child never printed its pid");
            sleep(Duration::from_millis(10));
        };
        assert!(process
            .wait_until(Instant::now() + Duration::from_millis(10))
            .is_none());
        let status = process.stop(Duration::from_millis(500));
        assert!(!status.success(), "{status:?}");
        let wrapper = process.id();
        assert!(!alive(grandchild), "the background child survived");
        assert!(!alive(wrapper), "the wrapper was not reaped");
    }

    #[test]
    fn a_daemon_that_exits_is_noticed_with_its_status_and_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut daemons = Daemons::default();
        daemons
            .start("web", false, "echo listening; exit 3", dir.path(), &[])
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let exited = loop {
            let exited = daemons.notice_exits();
            if !exited.is_empty() {
                break exited;
            }
            assert!(Instant::now() < deadline, "the exit was never noticed");
            sleep(Duration::from_millis(10));
        };
        assert_eq!(exited[0].status.code(), Some(3));
        assert_eq!(exited[0].log.text, "listening\n");
        assert!(daemons.names().is_empty());
        assert!(matches!(daemons.stop("web"), Stop::AlreadyExited(_)));
        assert!(matches!(daemons.stop("api"), Stop::Unknown));
        let logs = daemons.logs(0);
        assert_eq!(logs[0].0, "daemon web log (exited: exit status 3)");
        assert!(
            daemons.logs(1).is_empty(),
            "an old exit is not shown as live"
        );
    }
}
