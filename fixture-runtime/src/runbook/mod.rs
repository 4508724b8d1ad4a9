//! Runbooks: Markdown smoke-test manuals that run as tests.
//!
//! A runbook is a Markdown file a person can still follow by hand: `##`
//! headings are lanes, fenced blocks are steps (`console`, `daemon`,
//! `stop`, `http`, `sse`, `env`, `fs`, and `expect` for checks and
//! captures on the step before). [`Runbook::load`] parses one, [`run`] runs it into a
//! [`Report`]. The grammar is in `docs/RUNBOOKS.md`.

mod assert;
mod daemon;
mod discover;
mod expect;
mod http;
mod parse;
mod report;
mod revert;
mod run;
mod shell;
mod sse;
mod suite;
mod vars;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use assert::{Check, Compare, Operand, Shape, Term};
pub use discover::{discover, Discovered};
pub use expect::{JsonPath, Location, Segment};
pub use report::{Failure, LaneReport, LaneStatus, Report, StepTime};
pub use revert::{FsChange, Mode};
pub use run::{run, Options};
pub use suite::RunbookSuite;

/// A parsed runbook.
#[derive(Debug, Clone)]
pub struct Runbook {
    /// The file it was read from.
    pub path: PathBuf,
    /// The `#` heading, if any.
    pub title: Option<String>,
    /// `env` blocks before the first lane: `NAME=value` for every step.
    pub env: Vec<(String, String)>,
    /// The lanes, in file order.
    pub lanes: Vec<Lane>,
}

impl Runbook {
    /// Reads and parses a runbook file.
    pub fn load(path: impl AsRef<Path>) -> Result<Runbook, ParseError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|err| ParseError {
            path: path.to_owned(),
            line: 0,
            message: format!("cannot read the runbook: {err}"),
        })?;
        Runbook::parse(path, &text)
    }

    /// Parses runbook text; `path` is only used in messages.
    pub fn parse(path: impl AsRef<Path>, text: &str) -> Result<Runbook, ParseError> {
        parse::parse(path.as_ref(), text)
    }

    /// The lane with this slug.
    pub fn lane(&self, slug: &str) -> Option<&Lane> {
        self.lanes.iter().find(|lane| lane.slug == slug)
    }
}

/// A malformed runbook: where and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The runbook file.
    pub path: PathBuf,
    /// 1-based line (0 when the file itself is at fault).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// One `##` section.
#[derive(Debug, Clone)]
pub struct Lane {
    /// The heading text.
    pub name: String,
    /// The heading in lower case, runs of other characters as `-`.
    pub slug: String,
    /// The heading's line.
    pub line: usize,
    /// Indices of the lanes that must have worked before this one: every
    /// earlier lane, unless `<!-- needs: a, b -->` names them.
    pub needs: Vec<usize>,
    /// `<!-- must-fail: REASON -->`: the lane passes only by breaking so.
    pub must_fail: Option<Reason>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// `<!-- finally -->`: the index of the first step that runs even when
    /// an earlier step of the lane broke (every step from it on).
    pub finally: Option<usize>,
}

/// One action with what it must produce.
#[derive(Debug, Clone)]
pub struct Step {
    /// The line the step starts on.
    pub line: usize,
    /// What it does.
    pub action: Action,
    /// `timeout=`: how long the step may take (readiness, for a daemon).
    pub timeout: Duration,
    /// `poll=`: retry the step until it passes, for at most this long.
    pub poll: Option<Poll>,
    /// The `expect` block that follows it.
    pub expect: Vec<Expectation>,
}

/// Retrying a step until it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    /// How long to keep trying.
    pub within: Duration,
    /// The pause between tries (`every=`, 100 ms by default).
    pub every: Duration,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// A shell command (`$ ...` in a `console` block).
    Command(Command),
    /// A background process started by a `daemon` block.
    Daemon(Daemon),
    /// A `stop` block: daemons to stop, by name.
    Stop(Vec<String>),
    /// An HTTP exchange (`http` block).
    Http(Http),
    /// Reading events from a stream (`sse` block).
    Sse(Sse),
    /// `NAME=value` lines for later steps (`env` block inside a lane).
    Env(Vec<(String, String)>),
    /// An `expect` block that checks no step's output (log lines,
    /// comparisons of captures): its checks are the step's `expect`.
    Check,
    /// An `fs` block: filesystem changes undone at the end of the lane.
    Fs(Vec<FsChange>),
}

/// A change to a command's environment for one block (`env NAME=value`
/// or `unset NAME` before its first `$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange {
    /// Sets a variable (value with variables filled in).
    Set(String, String),
    /// Removes a variable.
    Unset(String),
}

/// A shell command run by `sh -c`.
#[derive(Debug, Clone)]
pub struct Command {
    /// The command text, continuation lines joined by newlines.
    pub script: String,
    /// `cwd=`: the working directory (default `{{work}}`).
    pub cwd: Option<String>,
    /// Expected stdout lines (with wildcards), if the block gives any.
    pub stdout: Option<String>,
    /// The expected exit status.
    pub status: ExpectedStatus,
    /// Environment changes for this block's commands only.
    pub env: Vec<EnvChange>,
}

/// The exit status a command must end with (`? N`, `? 0|1`, `? failed`,
/// `? any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedStatus {
    /// One of these codes (`? 2`, `? 0|1`).
    Codes(Vec<i32>),
    /// Any failure (non-zero or a signal).
    Failed,
    /// However it ends, as long as it ends within its timeout.
    Any,
}

impl ExpectedStatus {
    /// Whether a command that ended with `code` (`None`: by a signal)
    /// ended as expected.
    pub fn matches(&self, code: Option<i32>) -> bool {
        match self {
            ExpectedStatus::Codes(codes) => code.is_some_and(|code| codes.contains(&code)),
            ExpectedStatus::Failed => code != Some(0),
            ExpectedStatus::Any => true,
        }
    }
}

impl fmt::Display for ExpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedStatus::Codes(codes) => {
                let codes: Vec<String> = codes.iter().map(i32::to_string).collect();
                write!(f, "exit status {}", codes.join(" or "))
            }
            ExpectedStatus::Failed => f.write_str("a failing exit status"),
            ExpectedStatus::Any => f.write_str("any exit status"),
        }
    }
}

/// A background process and how to know it is ready.
#[derive(Debug, Clone)]
pub struct Daemon {
    /// `name=`: how `stop` blocks and reports refer to it.
    pub name: String,
    /// The command text.
    pub script: String,
    /// `cwd=`: the working directory (default `{{work}}`).
    pub cwd: Option<String>,
    /// The readiness probe.
    pub ready: Ready,
    /// `may-exit=yes`: the daemon may end after it was ready without
    /// failing the lane running then.
    pub may_exit: bool,
    /// Environment changes for this daemon only.
    pub env: Vec<EnvChange>,
}

/// A readiness probe, retried until it succeeds or the step times out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ready {
    /// `ready tcp HOST:PORT`: a connection is accepted.
    Tcp(String),
    /// `ready http URL`: any HTTP response arrives.
    Http(String),
    /// `ready log REGEX`: the daemon's output matches.
    Log(String),
}

impl fmt::Display for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ready::Tcp(addr) => write!(f, "ready tcp {addr}"),
            Ready::Http(url) => write!(f, "ready http {url}"),
            Ready::Log(re) => write!(f, "ready log {re}"),
        }
    }
}

/// A request and the response it must get.
#[derive(Debug, Clone)]
pub struct Http {
    /// The request method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// The request body, if any.
    pub body: Option<String>,
    /// The expected status.
    pub status: HttpStatus,
    /// Expected response headers (values with wildcards).
    pub expect_headers: Vec<(String, String)>,
    /// The expected body: a JSON subset if it parses as JSON, else text.
    pub expect_body: Option<String>,
}

/// The status an `http` step expects: `HTTP 201`, `HTTP 4xx`,
/// `HTTP not 405`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpStatus {
    /// Exactly this code.
    Code(u16),
    /// Any code of this class (`4` for `4xx`).
    Class(u16),
    /// Any code but this one.
    Not(u16),
}

impl HttpStatus {
    /// Whether a response with `code` has the expected status.
    pub fn matches(self, code: u16) -> bool {
        match self {
            HttpStatus::Code(want) => code == want,
            HttpStatus::Class(class) => code / 100 == class,
            HttpStatus::Not(other) => code != other,
        }
    }
}

impl fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpStatus::Code(code) => write!(f, "HTTP {code}"),
            HttpStatus::Class(class) => write!(f, "HTTP {class}xx"),
            HttpStatus::Not(code) => write!(f, "HTTP not {code}"),
        }
    }
}

/// A server-sent event stream and the events it must send next.
#[derive(Debug, Clone)]
pub struct Sse {
    /// Where the events come from.
    pub source: SseSource,
    /// The expected events: fields `id`, `event`, `data` as given. Empty
    /// only for a stream opened with `name=` for later steps.
    pub events: Vec<Vec<(String, String)>>,
}

/// Where an `sse` step reads events.
#[derive(Debug, Clone)]
pub enum SseSource {
    /// `GET URL` with headers; `name=` keeps the stream open for later
    /// `from=` steps of the lane.
    Get {
        /// The URL.
        url: String,
        /// Request headers (e.g. `Last-Event-ID`).
        headers: Vec<(String, String)>,
        /// `name=`: keep the stream open under this name.
        keep: Option<String>,
    },
    /// `from=NAME`: the next events of a stream an earlier step kept open.
    From(String),
}

/// A line of an `expect` block.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// A check that sets nothing: types, presence, counts, comparisons,
    /// text, log lines, alternatives.
    Check {
        /// The line in the runbook.
        line: usize,
        /// What must hold.
        check: Check,
    },
    /// `capture NAME = $.path` or `capture NAME = regex PATTERN`.
    Capture {
        /// The line in the runbook.
        line: usize,
        /// The variable it sets.
        name: String,
        /// Where the value comes from.
        from: CaptureFrom,
    },
}

/// Where a capture reads its value.
#[derive(Debug, Clone)]
pub enum CaptureFrom {
    /// A JSON value (a string as is, anything else as JSON text).
    Json(JsonPath),
    /// The first group of a regex (the whole match if it has none).
    Regex(String),
}

/// Why a step broke; named by `<!-- must-fail: ... -->`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A command ended with another exit status.
    WrongExitStatus,
    /// Text output (stdout or an HTTP body) did not match.
    WrongOutput,
    /// A JSON expectation did not hold, or the output was not JSON.
    WrongJson,
    /// A capture found nothing.
    MissedCapture,
    /// A step ran past its timeout.
    StepTimedOut,
    /// A daemon exited or never passed its readiness probe.
    DaemonNotReady,
    /// A daemon ended after it was ready, or a `stop` named one that had.
    DaemonExited,
    /// An HTTP response had another status.
    WrongHttpStatus,
    /// An HTTP response header was missing or different.
    WrongHttpHeader,
    /// An event stream sent other events, or too few.
    WrongEvents,
    /// A request could not be sent or its response not read.
    RequestFailed,
    /// A step used a variable nothing defined.
    UnknownVariable,
    /// A comparison of values did not hold.
    WrongValue,
    /// A daemon's log never showed the line a step waited for.
    MissedLogLine,
    /// A command or daemon could not be started, or a step is unusable as
    /// written once its variables are filled in.
    BadStep,
    /// fixture-kit was told to stop (`SIGTERM`, `SIGINT`, `SIGHUP`).
    Interrupted,
    /// A lane marked `must-fail` passed.
    DidNotFail,
}

impl Reason {
    /// Every reason, in the order the docs list them.
    pub const ALL: [Reason; 17] = [
        Reason::WrongExitStatus,
        Reason::WrongOutput,
        Reason::WrongJson,
        Reason::MissedCapture,
        Reason::StepTimedOut,
        Reason::DaemonNotReady,
        Reason::DaemonExited,
        Reason::WrongHttpStatus,
        Reason::WrongHttpHeader,
        Reason::WrongEvents,
        Reason::RequestFailed,
        Reason::UnknownVariable,
        Reason::WrongValue,
        Reason::MissedLogLine,
        Reason::BadStep,
        Reason::Interrupted,
        Reason::DidNotFail,
    ];

    /// The words reports print and `must-fail` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::WrongExitStatus => "wrong exit status",
            Reason::WrongOutput => "wrong output",
            Reason::WrongJson => "wrong json",
            Reason::MissedCapture => "missed capture",
            Reason::StepTimedOut => "step timed out",
            Reason::DaemonNotReady => "daemon not ready",
            Reason::DaemonExited => "daemon exited",
            Reason::WrongHttpStatus => "wrong http status",
            Reason::WrongHttpHeader => "wrong http header",
            Reason::WrongEvents => "wrong events",
            Reason::RequestFailed => "request failed",
            Reason::UnknownVariable => "unknown variable",
            Reason::WrongValue => "wrong value",
            Reason::MissedLogLine => "missed log line",
            Reason::BadStep => "bad step",
            Reason::Interrupted => "interrupted",
            Reason::DidNotFail => "did not fail",
        }
    }

    /// Parses the words of [`Reason::as_str`] (case and spacing relaxed).
    pub fn parse(text: &str) -> Option<Reason> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let text = words.join(" ");
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
