//! `stand-in-agent`: a small agent CLI that prints the real stream-json
//! shapes of `claude -p --output-format stream-json --verbose` and does real
//! work in its working directory. It records the bundled replay scenarios and
//! tests agent runners without a live agent.
//!
//! ```text
//! stand-in-agent [-p] [--verbose] [--output-format text|stream-json] [--model NAME]
//!                [--exit-code N] [--delay-ms N] [--hang] [--overloaded]
//!                [--corrupt-line N] [--truncate-after N]
//! ```
//!
//! - The prompt is read from stdin. Lines of it that start with a directive
//!   are carried out, in order, each as a tool call with its result:
//!   `@write PATH TEXT` appends the line TEXT to PATH (tool `Write`);
//!   `@bash COMMAND` runs `sh -c COMMAND` (tool `Bash`); `@answer TEXT`
//!   sets the final result text.
//! - The result text is the content of the file named by
//!   `STAND_IN_ANSWER_FILE` when set, else the last `@answer`, else
//!   `Done: <first line of the prompt>`.
//! - `--output-format stream-json` prints `system/init`, `assistant` text
//!   and `tool_use`, `user` `tool_result` and the final `result` line;
//!   `text` (the default) prints only the result text.
//! - `--exit-code N` exits with N (default 0, or 1 with `--overloaded`);
//!   `--delay-ms N` waits N ms before each line; `--hang` sleeps forever
//!   after the last line; `--overloaded` ends with an HTTP 529 error result
//!   instead of doing the work; `--corrupt-line N` cuts line N mid-object;
//!   `--truncate-after N` stops after N lines.
//! - `-p`, `--print` and `--verbose` are accepted and ignored.
//! - Log lines (JSON objects) go to stderr.

use std::env;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{self, Command};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fixture_kit::scenario::stream_json::Transcript;
use fixture_kit::scenario::Fault;
use serde_json::json;

struct Options {
    stream_json: bool,
    model: String,
    exit_code: Option<i32>,
    delay: Duration,
    hang: bool,
    overloaded: bool,
    faults: Vec<Fault>,
}

fn main() {
    let options = parse(env::args().skip(1)).unwrap_or_else(|message| {
        eprintln!("stand-in-agent: {message}");
        process::exit(2);
    });
    let mut prompt = String::new();
    if let Err(err) = io::stdin().read_to_string(&mut prompt) {
        eprintln!("stand-in-agent: cannot read the prompt from stdin: {err}");
        process::exit(2);
    }
    let session_id = session_id();
    log(json!({"level": "info", "event": "session_start", "session_id": session_id}));
    let cwd = env::current_dir().map_or_else(|_| ".".to_owned(), |d| d.display().to_string());
    let mut transcript = Transcript::new(&session_id, &options.model, &cwd);
    let first_line = prompt.lines().next().unwrap_or("").trim().to_owned();
    let result = if options.overloaded {
        transcript.overloaded();
        None
    } else {
        transcript.text(&format!("Working on: {first_line}"));
        let mut answer = None;
        for line in prompt.lines() {
            if let Some(text) = line.strip_prefix("@answer ") {
                answer = Some(text.trim().to_owned());
            } else if let Some(command) = line.strip_prefix("@bash ") {
                bash(&mut transcript, command.trim());
            } else if let Some(rest) = line.strip_prefix("@write ") {
                write(&mut transcript, rest.trim());
            }
        }
        let answer = match env::var_os("STAND_IN_ANSWER_FILE") {
            Some(path) => fs::read_to_string(&path).unwrap_or_else(|err| {
                eprintln!(
                    "stand-in-agent: cannot read STAND_IN_ANSWER_FILE {}: {err}",
                    Path::new(&path).display()
                );
                process::exit(2);
            }),
            None => answer.unwrap_or_else(|| format!("Done: {first_line}")),
        };
        transcript.result(&answer, false);
        Some(answer)
    };
    let exit_code = options
        .exit_code
        .unwrap_or(if options.overloaded { 1 } else { 0 });
    let mut output = transcript.output(exit_code);
    for fault in &options.faults {
        output = fault.apply(output, Duration::MAX);
    }
    let mut stdout = io::stdout().lock();
    if options.stream_json {
        for line in output.stdout.lines() {
            thread::sleep(options.delay);
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        }
    } else if let Some(answer) = &result {
        thread::sleep(options.delay);
        let _ = writeln!(stdout, "{}", answer.trim_end());
        let _ = stdout.flush();
    }
    log(json!({"level": "info", "event": "session_end", "exit_code": exit_code}));
    if options.hang {
        loop {
            thread::sleep(Duration::from_secs(3600));
        }
    }
    process::exit(exit_code);
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        stream_json: false,
        model: "stand-in-1".to_owned(),
        exit_code: None,
        delay: Duration::ZERO,
        hang: false,
        overloaded: false,
        faults: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{name} takes a whole number, not `{text}`"))
        };
        match arg.as_str() {
            "-p" | "--print" | "--verbose" => {}
            "--output-format" => match value("--output-format")?.as_str() {
                "stream-json" => options.stream_json = true,
                "text" => options.stream_json = false,
                other => {
                    return Err(format!(
                        "unknown output format `{other}`: use text or stream-json"
                    ))
                }
            },
            "--model" => options.model = value("--model")?,
            "--exit-code" => {
                let text = value("--exit-code")?;
                options.exit_code = Some(
                    text.parse()
                        .map_err(|_| format!("--exit-code takes a number, not `{text}`"))?,
                );
            }
            "--delay-ms" => {
                options.delay = Duration::from_millis(number("--delay-ms", value("--delay-ms")?)?)
            }
            "--hang" => options.hang = true,
            "--overloaded" => options.overloaded = true,
            "--corrupt-line" => {
                let at = number("--corrupt-line", value("--corrupt-line")?)?;
                options.faults.push(Fault::CorruptLine { at: at as usize });
            }
            "--truncate-after" => {
                let lines = number("--truncate-after", value("--truncate-after")?)?;
                options.faults.push(Fault::TruncateAfter {
                    lines: lines as usize,
                });
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`: see the doc comment of src/bin/stand-in-agent.rs"
                ))
            }
        }
    }
    Ok(options)
}

fn bash(transcript: &mut Transcript, command: &str) {
    let id = transcript.tool_use("Bash", json!({"command": command}));
    log(json!({"level": "info", "event": "tool", "name": "Bash"}));
    let (content, is_error) = match Command::new("sh").arg("-c").arg(command).output() {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            (text.trim_end().to_owned(), !out.status.success())
        }
        Err(err) => (format!("cannot run sh: {err}"), true),
    };
    transcript.tool_result(&id, &content, is_error);
}

fn write(transcript: &mut Transcript, rest: &str) {
    let (path, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let id = transcript.tool_use("Write", json!({"file_path": path, "content": text}));
    log(json!({"level": "info", "event": "tool", "name": "Write"}));
    let written = Path::new(path)
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| OpenOptions::new().create(true).append(true).open(path))
        .and_then(|mut file| writeln!(file, "{text}"));
    match written {
        Ok(()) => transcript.tool_result(&id, &format!("appended a line to {path}"), false),
        Err(err) => transcript.tool_result(&id, &format!("cannot write {path}: {err}"), true),
    };
}

fn log(line: serde_json::Value) {
    eprintln!("{line}");
}

/// A fresh id per run, as a real CLI's (recording normalises it away).
fn session_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mixed = (nanos ^ (u128::from(process::id()) << 64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let hex = format!("{mixed:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
