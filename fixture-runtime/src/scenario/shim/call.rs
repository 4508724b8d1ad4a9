//! One shim call: the process an orchestrator starts when it runs the agent
//! CLI. It tells the run what was asked, then prints the recording it is
//! served, or runs the real CLI with everything passed through live.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::protocol::{Channel, Ran, Recorded, Reply, Request, MISS_EXIT};

/// The hidden subcommand the launcher runs: `fixture-kit __shim SOCKET ARGS…`.
pub const SUBCOMMAND: &str = "__shim";

/// Runs one call; `args` follow the subcommand (the socket, then the CLI's
/// arguments). Returns the exit code.
pub fn main(args: Vec<OsString>) -> i32 {
    let Some((socket, args)) = args.split_first() else {
        eprintln!("fixture-kit {SUBCOMMAND}: no socket given: this command is run by the launcher of `scenario record` or `scenario replay`");
        return MISS_EXIT;
    };
    match call(Path::new(socket), args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!(
                "fixture-kit shim: {err} (the run at {} is gone or failed: was this called \
                 after `fixture-kit scenario record|replay` ended?)",
                Path::new(socket).display()
            );
            MISS_EXIT
        }
    }
}

fn call(socket: &Path, args: &[OsString]) -> io::Result<i32> {
    let stdin = read_stdin()?;
    let request = Request {
        args: args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect(),
        stdin: String::from_utf8_lossy(&stdin).into_owned(),
        cwd: std::env::current_dir()?,
        env: std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
    };
    let mut channel = Channel::new(UnixStream::connect(socket)?)?;
    channel.send(&request)?;
    match channel.receive::<Reply>()? {
        Reply::Serve {
            stdout,
            stderr,
            exit_code,
            delay_ms,
            pacing_ms,
            hang,
        } => {
            serve(
                &stdout,
                &stderr,
                Duration::from_millis(delay_ms),
                &pacing_ms,
            );
            if hang {
                loop {
                    thread::sleep(Duration::from_secs(3600));
                }
            }
            Ok(exit_code.unwrap_or(128 + libc::SIGKILL))
        }
        Reply::Miss { message } => {
            eprintln!("fixture-kit replay: {message}");
            Ok(MISS_EXIT)
        }
        Reply::Forward { real } => {
            let (ran, code) = forward(&real, args, stdin)?;
            channel.send(&ran)?;
            let recorded: Recorded = channel.receive()?;
            if let Some(problem) = recorded.problem {
                eprintln!("fixture-kit record: this call was not recorded: {problem}");
            }
            Ok(code)
        }
    }
}

/// The whole of stdin, or nothing when it is a terminal (a prompt given as
/// an argument, with no input piped).
fn read_stdin() -> io::Result<Vec<u8>> {
    let stdin = io::stdin();
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(stdin.as_raw_fd()) } == 1 {
        return Ok(Vec::new());
    }
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Prints the served output: each stdout line `delay` late, and not before
/// its offset in `pacing_ms` when there is one.
fn serve(stdout: &str, stderr: &str, delay: Duration, pacing_ms: &[u64]) {
    let start = Instant::now();
    let mut out = io::stdout().lock();
    for (index, line) in stdout.split_inclusive('\n').enumerate() {
        if let Some(ms) = pacing_ms.get(index) {
            let due = start + Duration::from_millis(*ms);
            thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        // A reader that went away is the orchestrator's business.
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
    let _ = io::stderr().lock().write_all(stderr.as_bytes());
}

/// Runs the real CLI with `stdin`, copying its stdout and stderr through as
/// they come and keeping them for the recorder.
/// Returns what it printed and the exit code to pass on (`128 + N` for a
/// signal, as shells report it).
fn forward(real: &PathBuf, args: &[OsString], stdin: Vec<u8>) -> io::Result<(Ran, i32)> {
    let mut child = Command::new(real)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| {
            io::Error::new(err.kind(), format!("cannot run {}: {err}", real.display()))
        })?;
    let mut input = child.stdin.take().expect("stdin is piped");
    let writer = thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let start = Instant::now();
    let out = tee(
        child.stdout.take().expect("stdout is piped"),
        io::stdout,
        Some(start),
    );
    let err = tee(
        child.stderr.take().expect("stderr is piped"),
        io::stderr,
        None,
    );
    let status = child.wait()?;
    let _ = writer.join();
    let text = |(kept, reader): (Arc<Mutex<Kept>>, thread::JoinHandle<()>)| {
        let _ = reader.join();
        let kept = std::mem::take(&mut *kept.lock().unwrap_or_else(PoisonError::into_inner));
        (
            String::from_utf8_lossy(&kept.bytes).into_owned(),
            kept.line_ms,
        )
    };
    let (stdout, line_ms) = text(out);
    let (stderr, _) = text(err);
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    let ran = Ran {
        exit_code: status.code(),
        stdout,
        stderr,
        line_ms,
    };
    Ok((ran, code))
}

/// What [`tee`] keeps: the bytes, and with a start time, when each line
/// ended (milliseconds from it).
#[derive(Default)]
struct Kept {
    bytes: Vec<u8>,
    line_ms: Vec<u64>,
}

fn tee<W: Write + 'static>(
    mut from: impl Read + Send + 'static,
    to: fn() -> W,
    start: Option<Instant>,
) -> (Arc<Mutex<Kept>>, thread::JoinHandle<()>) {
    let kept = Arc::new(Mutex::new(Kept::default()));
    let sink = Arc::clone(&kept);
    let reader = thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        loop {
            match from.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    let mut to = to();
                    let _ = to.write_all(&buffer[..n]);
                    let _ = to.flush();
                    let mut kept = sink.lock().unwrap_or_else(PoisonError::into_inner);
                    kept.bytes.extend_from_slice(&buffer[..n]);
                    if let Some(start) = start {
                        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                        let lines = buffer[..n].iter().filter(|b| **b == b'\n').count();
                        kept.line_ms.extend(std::iter::repeat_n(ms, lines));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    (kept, reader)
}
