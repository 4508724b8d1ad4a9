//! The subprocess seam: how an orchestrator runs agent CLIs and plain
//! commands, so a test can record or replay them.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{interrupt, join_reader, pipe, Capture, Tree};

/// How long the end of a stopped program's output may take to arrive.
const READER_GRACE: Duration = Duration::from_secs(2);

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

/// How much of an agent's stdout, or its stderr, is kept: the first and
/// last half, with a `[fixture-kit: N bytes cut ...]` line between.
pub const OUTPUT_LIMIT: usize = 32 << 20;

/// Spawns the program as a supervised [`Tree`]: on timeout, when it exits,
/// or when fixture-kit is told to stop, every process it started is killed,
/// also one that left its process group or session (Linux). Its stdout and
/// stderr are kept within [`OUTPUT_LIMIT`]. A program killed by a signal
/// other than the timeout is reported, as shells do, with code `128 + N`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealCli;

impl CliRunner for RealCli {
    fn run(&self, call: &CliCall) -> Result<CliOutput, CliError> {
        let fail = |message: String| CliError {
            step: call.step.clone(),
            message,
        };
        if let Some(signal) = interrupt::received() {
            return Err(fail(format!(
                "not started: fixture-kit was stopped by {}",
                interrupt::name(signal)
            )));
        }
        let start = Instant::now();
        let cannot = |err: String| {
            fail(format!(
                "cannot start `{}` in {} ({err}): check the program path and working directory",
                call.program,
                call.cwd.display()
            ))
        };
        if !call.cwd.is_dir() {
            return Err(cannot("no such folder".to_owned()));
        }
        if !findable(
            &call.program,
            call.env.get("PATH").map(String::as_str),
            &call.cwd,
        ) {
            return Err(cannot("no such program".to_owned()));
        }
        let pipes = || -> std::io::Result<_> { Ok((pipe()?, pipe()?, pipe()?)) };
        let ((in_read, in_write), (out_read, out_write), (err_read, err_write)) =
            pipes().map_err(|err| cannot(err.to_string()))?;
        let mut command = Tree::command(&call.program);
        command
            .args(&call.args)
            .envs(&call.env)
            .current_dir(&call.cwd)
            .stdin(in_read)
            .stdout(out_write)
            .stderr(err_write);
        let mut tree = Tree::spawn(command).map_err(|err| cannot(err.to_string()))?;
        let input = call.stdin.clone();
        // A process that never reads its stdin must not block us: write
        // from a thread, and ignore a closed pipe.
        let writer = thread::spawn(move || {
            let mut stdin = in_write;
            let _ = stdin.write_all(input.as_bytes());
        });
        let (stdout, stdout_reader) = Capture::spawn_reader(OUTPUT_LIMIT, out_read);
        let (stderr, stderr_reader) = Capture::spawn_reader(OUTPUT_LIMIT, err_read);
        let status = tree.wait_until(start + call.timeout);
        // Told to stop, its processes got `SIGTERM`: whatever status it
        // ended with is that, not its answer.
        let interrupted = interrupt::received();
        let timed_out = status.is_none() && interrupted.is_none();
        // Children left behind would hold the pipes open: end them too.
        let stopped = tree.stop(Duration::ZERO);
        let _ = writer.join();
        join_reader(stdout_reader, READER_GRACE);
        join_reader(stderr_reader, READER_GRACE);
        if let Some(signal) = interrupted {
            return Err(fail(format!(
                "stopped: fixture-kit was stopped by {}",
                interrupt::name(signal)
            )));
        }
        let text = |capture: &Arc<Mutex<Capture>>| {
            capture
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .finish()
                .text
        };
        Ok(CliOutput {
            exit_code: status.unwrap_or(stopped).code().filter(|_| !timed_out),
            stdout: text(&stdout),
            stderr: text(&stderr),
            duration: start.elapsed(),
            timed_out,
        })
    }
}

/// Whether `program` names an executable file, directly (with a `/`,
/// relative to `cwd`) or on `PATH` (the call's own, else the inherited one).
fn findable(program: &str, path: Option<&str>, cwd: &Path) -> bool {
    let executable = |candidate: &Path| {
        std::fs::metadata(candidate)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(&cwd.join(program));
    }
    let inherited = std::env::var_os("PATH");
    let path = path.map(std::ffi::OsString::from).or(inherited);
    path.is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::process::alive;

    #[test]
    fn nothing_it_started_runs_after_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let call = CliCall::command("leak", "sh")
            .args([
                "-c",
                "(setsid sh -c 'echo $$ > pid; exec sleep 300' > /dev/null 2>&1 &); \
                 while ! test -s pid; do sleep 0.01; done; echo started",
            ])
            .cwd(dir.path())
            .timeout(Duration::from_secs(20));
        let output = RealCli.run(&call).unwrap();
        assert_eq!(output.stdout, "started\n", "{output:?}");
        let pid: u32 = std::fs::read_to_string(dir.path().join("pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(!alive(pid), "the detached process outlived the call");
    }

    #[test]
    fn output_is_kept_within_bounds() {
        let call = CliCall::command("big", "sh")
            .args(["-c", "yes 0123456789 | head -c 100000000"])
            .timeout(Duration::from_secs(60));
        let output = RealCli.run(&call).unwrap();
        assert!(output.success(), "{:?}", output.stderr);
        assert!(
            output.stdout.len() < OUTPUT_LIMIT + 200,
            "{}",
            output.stdout.len()
        );
        let cut = 100_000_000 - OUTPUT_LIMIT;
        assert!(
            output
                .stdout
                .contains(&format!("[fixture-kit: {cut} bytes cut")),
            "{}",
            &output.stdout[OUTPUT_LIMIT / 2 - 20..OUTPUT_LIMIT / 2 + 80]
        );
        assert!(output.stdout.starts_with("0123456789\n"));
    }

    #[test]
    fn a_missing_program_is_an_error_naming_it() {
        let err = RealCli
            .run(&CliCall::agent("coder", "no-such-agent-cli-anywhere"))
            .unwrap_err();
        assert!(err.message.contains("no-such-agent-cli-anywhere"), "{err}");
    }
}
