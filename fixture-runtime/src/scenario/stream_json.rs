//! A synthetic stream-json generator: the line shapes of
//! `claude -p --output-format stream-json --verbose`, for tests, fault
//! injection and the stand-in agent CLI.
//!
//! ```
//! use fixture_runtime::scenario::stream_json::Transcript;
//!
//! let mut t = Transcript::new("session-1", "model-x", "/repo");
//! t.text("Looking at the repository.");
//! let id = t.tool_use("Bash", serde_json::json!({"command": "ls"}));
//! t.tool_result(&id, "README.md", false);
//! t.result("Done.", false);
//! assert_eq!(t.lines().len(), 5);
//! ```

use serde_json::{json, Value};

use super::process::CliOutput;

/// One session's stream-json lines, built in order.
#[derive(Debug, Clone)]
pub struct Transcript {
    session_id: String,
    model: String,
    lines: Vec<Value>,
    next: u32,
}

impl Transcript {
    /// Starts a session with its `system/init` line.
    pub fn new(session_id: &str, model: &str, cwd: &str) -> Transcript {
        let mut transcript = Transcript {
            session_id: session_id.to_owned(),
            model: model.to_owned(),
            lines: Vec::new(),
            next: 0,
        };
        let uuid = transcript.uuid();
        transcript.lines.push(json!({
            "type": "system",
            "subtype": "init",
            "cwd": cwd,
            "session_id": session_id,
            "uuid": uuid,
            "model": model,
            "tools": ["Bash", "Read", "Write"],
            "mcp_servers": [],
            "permissionMode": "default",
            "apiKeySource": "none",
            "slash_commands": [],
            "claude_code_version": "stand-in",
        }));
        transcript
    }

    /// An assistant turn with one text block.
    pub fn text(&mut self, text: &str) -> &mut Transcript {
        self.assistant(json!({"type": "text", "text": text}));
        self
    }

    /// An assistant turn calling a tool; returns the `toolu_*` id.
    pub fn tool_use(&mut self, name: &str, input: Value) -> String {
        let id = format!("toolu_{}", self.token());
        self.assistant(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
        id
    }

    /// The tool's result, as a `user` line.
    pub fn tool_result(
        &mut self,
        tool_use_id: &str,
        content: &str,
        is_error: bool,
    ) -> &mut Transcript {
        let uuid = self.uuid();
        self.lines.push(json!({
            "type": "user",
            "message": {"role": "user", "content": [{
                "type": "tool_result",
                "tool_use_id": tool_use_id,
                "content": content,
                "is_error": is_error,
            }]},
            "parent_tool_use_id": null,
            "session_id": self.session_id,
            "uuid": uuid,
        }));
        self
    }

    /// The final `result` line.
    pub fn result(&mut self, text: &str, is_error: bool) -> &mut Transcript {
        let uuid = self.uuid();
        let turns = self
            .lines
            .iter()
            .filter(|l| l["type"] == "assistant")
            .count();
        self.lines.push(json!({
            "type": "result",
            "subtype": "success",
            "is_error": is_error,
            "duration_ms": 1200,
            "duration_api_ms": 1100,
            "num_turns": turns,
            "result": text,
            "stop_reason": "end_turn",
            "session_id": self.session_id,
            "total_cost_usd": 0.0042,
            "usage": {"input_tokens": 100, "output_tokens": 20},
            "permission_denials": [],
            "uuid": uuid,
        }));
        self
    }

    /// An API overload (HTTP 529) the CLI gave up on, as Claude Code 2.1
    /// prints it: a `<synthetic>` assistant message with the API error text
    /// and an error `result` (`subtype` `success`, `is_error` true) with the
    /// same text and no `api_error_status` field; `with_status` adds
    /// `api_error_status: 529`, as some versions and SDK wrappers print.
    pub fn overloaded(&mut self, with_status: bool) -> &mut Transcript {
        self.api_error(ApiError::Overloaded, with_status)
    }

    /// An API error the CLI gave up on, in the shape of
    /// [`Transcript::overloaded`].
    pub fn api_error(&mut self, error: ApiError, with_status: bool) -> &mut Transcript {
        let text = error.text();
        let id = self.uuid();
        let mut line = self.assistant_line(
            id,
            json!("<synthetic>"),
            json!({"type": "text", "text": text}),
            json!("stop_sequence"),
            json!({"input_tokens": 0, "output_tokens": 0}),
        );
        line["error"] = json!("unknown");
        self.lines.push(line);
        self.result(&text, true);
        if with_status {
            let last = self.lines.last_mut().expect("a result line was pushed");
            last["api_error_status"] = json!(error.status());
        }
        self
    }

    /// A `system` `api_retry` line: the CLI is about to retry a failed API
    /// request (attempt `attempt` of `max_retries`).
    pub fn api_retry(
        &mut self,
        error: ApiError,
        attempt: u32,
        max_retries: u32,
    ) -> &mut Transcript {
        let uuid = self.uuid();
        self.lines.push(json!({
            "type": "system",
            "subtype": "api_retry",
            "attempt": attempt,
            "max_retries": max_retries,
            "retry_delay_ms": 500 * 2_u64.pow(attempt.min(16)),
            "error_status": error.status(),
            "error": error.kind(),
            "session_id": self.session_id,
            "uuid": uuid,
        }));
        self
    }

    /// The lines, each one compact JSON object.
    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().map(Value::to_string).collect()
    }

    /// The lines as a process's output with `exit_code`.
    pub fn output(&self, exit_code: i32) -> CliOutput {
        let mut stdout = self.lines().join("\n");
        stdout.push('\n');
        CliOutput {
            exit_code: Some(exit_code),
            stdout,
            ..CliOutput::default()
        }
    }

    fn assistant(&mut self, block: Value) {
        let id = format!("msg_{}", self.token());
        let model = json!(self.model);
        let line = self.assistant_line(
            id,
            model,
            block,
            Value::Null,
            json!({"input_tokens": 10, "output_tokens": 5}),
        );
        self.lines.push(line);
    }

    /// One `assistant` line with one content block, as the CLI prints it.
    fn assistant_line(
        &mut self,
        id: String,
        model: Value,
        block: Value,
        stop_reason: Value,
        usage: Value,
    ) -> Value {
        let uuid = self.uuid();
        json!({
            "type": "assistant",
            "message": {
                "id": id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": stop_reason,
                "usage": usage,
            },
            "parent_tool_use_id": null,
            "session_id": self.session_id,
            "uuid": uuid,
        })
    }

    /// An id body unique within the session and derived from it.
    fn token(&mut self) -> String {
        self.next += 1;
        let seed: String = self
            .session_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        format!("{seed}{:04}", self.next)
    }

    fn uuid(&mut self) -> String {
        self.next += 1;
        let hash = self
            .session_id
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            hash >> 32,
            hash & 0xffff,
            self.next & 0xfff,
            (hash >> 20) & 0xfff,
            u64::from(self.next)
        )
    }
}

/// An API failure an agent CLI reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    /// HTTP 529, `overloaded_error`.
    Overloaded,
    /// HTTP 429, `rate_limit_error`.
    RateLimited,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            ApiError::Overloaded => 529,
            ApiError::RateLimited => 429,
        }
    }

    /// The `error` of an `api_retry` line.
    fn kind(self) -> &'static str {
        match self {
            ApiError::Overloaded => "overloaded",
            ApiError::RateLimited => "rate_limit",
        }
    }

    /// The result text, `API Error: NNN {…}`.
    fn text(self) -> String {
        let (kind, message) = match self {
            ApiError::Overloaded => ("overloaded_error", "Overloaded"),
            ApiError::RateLimited => (
                "rate_limit_error",
                "This request would exceed the rate limit for your organization",
            ),
        };
        let body = json!({"type": "error", "error": {"type": kind, "message": message}});
        format!("API Error: {} {body}", self.status())
    }
}

/// The HTTP status of an API error `result`: its `api_error_status` field,
/// or the number in its `API Error: NNN …` text (Claude Code 2.1 prints no
/// such field).
pub fn api_error_status(result: &Value) -> Option<u16> {
    if let Some(status) = result["api_error_status"].as_u64() {
        return u16::try_from(status).ok();
    }
    let rest = result["result"]
        .as_str()?
        .trim_start()
        .strip_prefix("API Error: ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 3).then(|| digits.parse().ok()).flatten()
}

/// The final `result` line of a stream: the last one wins. Lines that are
/// not JSON, and lines of other types, are passed over.
pub fn final_result(stdout: &str) -> Option<Value> {
    stdout.lines().rev().find_map(|line| {
        serde_json::from_str::<Value>(line)
            .ok()
            .filter(|value| value["type"] == "result")
    })
}
