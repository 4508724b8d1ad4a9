//! The subprocess seam: how an orchestrator runs agent CLIs and plain
//! commands, so a test can record or replay them.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Whether a call runs an agent CLI (recorded as a session) or a plain
/// command (recorded as a result summary in the step sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// An agent CLI printing stream-json.
    Agent,
    /// A plain command, such as a test script.
    Command,
}

/// One call an orchestrator makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliCall {
    /// The orchestrator's step name; replay serves recordings per step.
    pub step: String,
    /// Agent session or plain command.
    pub kind: CallKind,
    /// The program to run.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables set on top of the inherited environment.
    pub env: BTreeMap<String, String>,
    /// The working directory.
    pub cwd: PathBuf,
    /// What is written to its stdin (the prompt, for an agent).
    pub stdin: String,
    /// How long it may run before it and its children are killed.
    pub timeout: Duration,
}

impl CliCall {
    /// An agent-CLI call for `step`, in the current directory, with a
    /// ten-minute timeout.
    pub fn agent(step: &str, program: &str) -> CliCall {
        CliCall::new(step, CallKind::Agent, program)
    }

    /// A plain-command call for `step`.
    pub fn command(step: &str, program: &str) -> CliCall {
        CliCall::new(step, CallKind::Command, program)
    }

    fn new(step: &str, kind: CallKind, program: &str) -> CliCall {
        CliCall {
            step: step.to_owned(),
            kind,
            program: program.to_owned(),
            args: Vec::new(),
            env: BTreeMap::new(),
            cwd: PathBuf::from("."),
            stdin: String::new(),
            timeout: Duration::from_secs(600),
        }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> CliCall
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets one environment variable.
    pub fn env(mut self, name: &str, value: &str) -> CliCall {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, cwd: impl Into<PathBuf>) -> CliCall {
        self.cwd = cwd.into();
        self
    }

    /// Sets what is written to stdin.
    pub fn stdin(mut self, stdin: &str) -> CliCall {
        self.stdin = stdin.to_owned();
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> CliCall {
        self.timeout = timeout;
        self
    }
}

/// What a call produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CliOutput {
    /// The exit code; `None` when the process was killed (by the timeout
    /// or a signal).
    pub exit_code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// How long it ran.
    pub duration: Duration,
    /// Whether the timeout killed it.
    pub timed_out: bool,
}

impl CliOutput {
    /// Whether it exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Why a call produced no output at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The step of the call.
    pub step: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step `{}`: {}", self.step, self.message)
    }
}

impl std::error::Error for CliError {}

/// Runs the calls of an orchestrator: for real, recording, or replaying.
pub trait CliRunner: Send + Sync {
    /// Runs one call to completion (or to its timeout).
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError>;
}

/// Spawns the process in its own process group; on timeout, kills the
/// whole group (the process and its children).
#[derive(Debug, Clone, Copy, Default)]
pub struct RealCli;

impl CliRunner for RealCli {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        let start = Instant::now();
        let mut command = Command::new(&call.program);
        command
            .args(&call.args)
            .envs(&call.env)
            .current_dir(&call.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        die_with_parent(&mut command);
        let mut child = command.spawn().map_err(|err| CliError {
            step: call.step.clone(),
            message: format!(
                "cannot start `{}` in {} ({err}): check the program path and working directory",
                call.program,
                call.cwd.display()
            ),
        })?;
        let group = child.id() as libc::pid_t;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = call.stdin.clone();
        // A process that never reads its stdin must not block us: write
        // from a thread, and ignore a closed pipe.
        let writer = thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let stdout = read_in_thread(child.stdout.take().expect("stdout is piped"));
        let stderr = read_in_thread(child.stderr.take().expect("stderr is piped"));
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() >= call.timeout => {
                    timed_out = true;
                    kill_group(group);
                    break child.wait().ok();
                }
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(_) => {
                    kill_group(group);
                    break child.wait().ok();
                }
            }
        };
        // Children left behind would hold the pipes open: end them too.
        kill_group(group);
        let _ = writer.join();
        Ok(CliOutput {
            exit_code: status.and_then(|status| status.code()),
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
            duration: start.elapsed(),
            timed_out,
        })
    }
}

/// In its own process group the process no longer gets the terminal's
/// Ctrl-C; on Linux, have it killed when the thread waiting for it dies.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec, and
    // calls only async-signal-safe functions.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

fn read_in_thread(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn kill_group(group: libc::pid_t) {
    // SAFETY: killpg only sends a signal; a group that is gone already
    // gives ESRCH, which is fine.
    unsafe {
        libc::killpg(group, libc::SIGKILL);
    }
}
