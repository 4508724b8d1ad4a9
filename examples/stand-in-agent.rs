//! `stand-in-agent`: a small agent CLI that prints the real stream-json
//! shapes of `claude -p --output-format stream-json --verbose` and does real
//! work in its working directory. It records the bundled replay scenarios and
//! tests agent runners without a live agent.
//!
//! ```text
//! stand-in-agent [-p] [--verbose] [--output-format text|stream-json|json] [--model NAME]
//!                [--exit-code N] [--delay-ms N] [--hang] [--overloaded] [--api-error-status]
//!                [--corrupt-line N] [--truncate-after N]
//!                [--answer-dir ROOT] [--echo] [--vary STATE_DIR] [--fail RUN:TEXT]
//!                [--overload RUN:TEXT]
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
//!   `json` prints the same events as one JSON array with `--verbose`, else
//!   the `result` event alone; `text` (the default) prints only the result
//!   text.
//! - `--answer-dir ROOT` answers with the golden of the fixture named by
//!   `FIXTURE_KIT_FIXTURE` (`ROOT/<topic>/<task>/<agent>/expected.json` or
//!   `expected.patch`), as a perfect agent would.
//! - `--echo` puts the prompt it received into its answer where the
//!   contract has free text, so a test sees what a chained stage was
//!   handed: after the architect's `highLevelSummary`, the first planner
//!   task's `description`, as a last reviewer comment that does not block,
//!   or, for the coder (`FIXTURE_KIT_AGENT`), as `# `-quoted lines before
//!   the patch. Comparison by meaning ignores all four.
//! - `--vary STATE_DIR` counts this fixture's runs in `STATE_DIR` and
//!   varies the output form by run: stream-json, then a `json` array, then
//!   text in a fenced block, and again. With it, `--fail RUN:TEXT` answers
//!   run RUN of every fixture whose name contains TEXT with prose that
//!   breaks the contract, and `--overload RUN:TEXT` fails that run with an
//!   API overload (both repeatable): a deterministic flaky agent.
//! - `--exit-code N` exits with N (default 0, or 1 with `--overloaded`);
//!   `--delay-ms N` waits N ms before each line; `--hang` sleeps forever
//!   after the last line; `--overloaded` ends with an HTTP 529 error result
//!   instead of doing the work (`--api-error-status` adds the
//!   `api_error_status` field that Claude Code 2.1 leaves out); `--corrupt-line N` cuts line N mid-object;
//!   `--truncate-after N` stops after N lines.
//! - `-p`, `--print` and `--verbose` are accepted and ignored.
//! - Log lines (JSON objects) go to stderr.

use std::env;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fixture_kit::scenario::stream_json::Transcript;
use fixture_kit::scenario::Fault;
use serde_json::json;

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    StreamJson,
    Json,
}

struct Options {
    format: Format,
    verbose: bool,
    model: String,
    exit_code: Option<i32>,
    delay: Duration,
    hang: bool,
    overloaded: bool,
    api_error_status: bool,
    faults: Vec<Fault>,
    answer_dir: Option<PathBuf>,
    echo: bool,
    vary: Option<PathBuf>,
    fail: Vec<(u64, String)>,
    overload: Vec<(u64, String)>,
}

fn main() {
    let mut options = parse(env::args().skip(1)).unwrap_or_else(|message| {
        eprintln!("stand-in-agent: {message}");
        process::exit(2);
    });
    let fixture = env::var("FIXTURE_KIT_FIXTURE").unwrap_or_default();
    let mut broken = false;
    if let Some(state) = &options.vary {
        let run = next_run(state, &fixture).unwrap_or_else(|err| {
            eprintln!(
                "stand-in-agent: cannot count runs in {}: {err}",
                state.display()
            );
            process::exit(2);
        });
        options.format = [Format::StreamJson, Format::Json, Format::Text][((run - 1) % 3) as usize];
        options.verbose = true;
        let hit = |rules: &[(u64, String)]| {
            rules
                .iter()
                .any(|(at, text)| *at == run && fixture.contains(text.as_str()))
        };
        broken = hit(&options.fail);
        if hit(&options.overload) {
            options.overloaded = true;
            options.format = Format::StreamJson;
        }
    }
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
        transcript.overloaded(options.api_error_status);
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
        let golden = options
            .answer_dir
            .as_ref()
            .map(|root| golden(root, &fixture));
        let answer = match golden.or_else(|| env::var_os("STAND_IN_ANSWER_FILE").map(PathBuf::from))
        {
            Some(path) => fs::read_to_string(&path).unwrap_or_else(|err| {
                eprintln!(
                    "stand-in-agent: cannot read the answer {}: {err}",
                    path.display()
                );
                process::exit(2);
            }),
            None => answer.unwrap_or_else(|| format!("Done: {first_line}")),
        };
        let answer = match (broken, options.format) {
            (true, _) => format!("I looked at {fixture} but could not finish the answer."),
            (false, Format::Text) if options.vary.is_some() => {
                let newline = if answer.is_empty() || answer.ends_with('\n') {
                    ""
                } else {
                    "\n"
                };
                format!("```\n{answer}{newline}```\n")
            }
            (false, _) if options.echo => echo(&answer, &prompt),
            (false, _) => answer,
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
    if options.format == Format::StreamJson {
        for line in output.stdout.lines() {
            thread::sleep(options.delay);
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        }
    } else if options.format == Format::Json {
        thread::sleep(options.delay);
        let events: Vec<serde_json::Value> = output
            .stdout
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        let printed = if options.verbose {
            serde_json::Value::Array(events)
        } else {
            events.last().cloned().unwrap_or_default()
        };
        let _ = writeln!(stdout, "{printed}");
        let _ = stdout.flush();
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
        format: Format::Text,
        verbose: false,
        model: "stand-in-1".to_owned(),
        exit_code: None,
        delay: Duration::ZERO,
        hang: false,
        overloaded: false,
        api_error_status: false,
        faults: Vec::new(),
        answer_dir: None,
        echo: false,
        vary: None,
        fail: Vec::new(),
        overload: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{name} takes a whole number, not `{text}`"))
        };
        match arg.as_str() {
            "-p" | "--print" => {}
            "--verbose" => options.verbose = true,
            "--output-format" => match value("--output-format")?.as_str() {
                "stream-json" => options.format = Format::StreamJson,
                "json" => options.format = Format::Json,
                "text" => options.format = Format::Text,
                other => {
                    return Err(format!(
                        "unknown output format `{other}`: use text, stream-json or json"
                    ))
                }
            },
            "--api-error-status" => options.api_error_status = true,
            "--answer-dir" => options.answer_dir = Some(value("--answer-dir")?.into()),
            "--echo" => options.echo = true,
            "--vary" => options.vary = Some(value("--vary")?.into()),
            "--fail" => options.fail.push(run_rule("--fail", value("--fail")?)?),
            "--overload" => options
                .overload
                .push(run_rule("--overload", value("--overload")?)?),
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
    if options.vary.is_none() && !(options.fail.is_empty() && options.overload.is_empty()) {
        return Err("--fail and --overload count runs: they need --vary STATE_DIR".into());
    }
    Ok(options)
}

/// `RUN:TEXT`, such as `2:planner`.
fn run_rule(name: &str, text: String) -> Result<(u64, String), String> {
    text.split_once(':')
        .and_then(|(run, matching)| Some((run.parse().ok()?, matching.to_owned())))
        .ok_or_else(|| format!("{name} takes RUN:TEXT, such as `2:planner`, not `{text}`"))
}

/// This fixture's run number, 1 for its first run: one byte is appended
/// per run to a file named for the fixture.
fn next_run(state: &Path, fixture: &str) -> io::Result<u64> {
    fs::create_dir_all(state)?;
    let path = state.join(fixture.replace('/', "__"));
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    file.write_all(b".")?;
    Ok(fs::metadata(&path)?.len())
}

/// The golden of `fixture` (`topic/task/agent`) under `root`.
/// `answer` with `prompt` in its free text (see `--echo`).
fn echo(answer: &str, prompt: &str) -> String {
    let received = format!("received:\n{prompt}");
    if env::var("FIXTURE_KIT_AGENT").as_deref() == Ok("coder") {
        let quoted: String = received.lines().map(|line| format!("# {line}\n")).collect();
        return format!("{quoted}{answer}");
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(answer) else {
        return answer.to_owned();
    };
    let append = |text: &mut serde_json::Value| {
        if let Some(old) = text.as_str() {
            *text = json!(format!("{old}\n\n{received}"));
        }
    };
    if let Some(summary) = value.get_mut("highLevelSummary") {
        append(summary);
    } else if let Some(first) = value.pointer_mut("/tasks/0/description") {
        append(first);
    } else if let Some(comments) = value.get_mut("comments").and_then(|c| c.as_array_mut()) {
        comments.push(json!({"message": received, "blocking": false}));
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
    text.push('\n');
    text
}

fn golden(root: &Path, fixture: &str) -> PathBuf {
    let dir = root.join(fixture);
    let json = dir.join("expected.json");
    if json.is_file() {
        json
    } else {
        dir.join("expected.patch")
    }
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
