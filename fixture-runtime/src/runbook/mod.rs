//! Runbooks: Markdown smoke-test manuals that run as tests.
//!
//! A runbook is a Markdown file a person can still follow by hand: `##`
//! headings are lanes, fenced blocks are steps (`console`, `daemon`,
//! `stop`, `http`, `sse`, `env`, and `expect` for JSON checks and captures
//! on the step before). [`Runbook::load`] parses one, [`run`] runs it into a
//! [`Report`]. The grammar is in `docs/RUNBOOKS.md`.

mod daemon;
mod discover;
mod expect;
mod http;
mod parse;
mod report;
mod run;
mod shell;
mod sse;
mod suite;
mod vars;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use discover::{discover, Discovered};
pub use expect::JsonPath;
pub use report::{Failure, LaneReport, LaneStatus, Report};
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
}

/// The exit status a command must end with (`? N` or `? failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedStatus {
    /// Exactly this code.
    Code(i32),
    /// Any failure (non-zero or a signal).
    Failed,
}

impl fmt::Display for ExpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedStatus::Code(code) => write!(f, "exit status {code}"),
            ExpectedStatus::Failed => f.write_str("a failing exit status"),
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
    /// The expected status code.
    pub status: u16,
    /// Expected response headers (values with wildcards).
    pub expect_headers: Vec<(String, String)>,
    /// The expected body: a JSON subset if it parses as JSON, else text.
    pub expect_body: Option<String>,
}

/// A server-sent event stream and the first events it must send.
#[derive(Debug, Clone)]
pub struct Sse {
    /// The URL, fetched with `GET`.
    pub url: String,
    /// Request headers (e.g. `Last-Event-ID`).
    pub headers: Vec<(String, String)>,
    /// The expected events: fields `id`, `event`, `data` as given.
    pub events: Vec<Vec<(String, String)>>,
}

/// A line of an `expect` block.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// `$.path = JSON`: the output holds a matching value there.
    Json {
        /// The line in the runbook.
        line: usize,
        /// Where in the output.
        path: JsonPath,
        /// The expected value (substituted, then parsed as JSON).
        value: String,
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
    pub const ALL: [Reason; 15] = [
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
