//! Which agent CLI printed a transcript, and its events.

use serde_json::Value;

/// Event types of Claude Code's `stream-json` and `json` output.
const CLAUDE_TYPES: &[&str] = &[
    "result",
    "system",
    "assistant",
    "user",
    "stream_event",
    "rate_limit_event",
    "control_request",
    "control_response",
    "tool_progress",
    "auth_status",
];

/// What an agent CLI printed on stdout, by format.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Transcript {
    /// Not a JSON event transcript: the text is the answer.
    Plain,
    /// Claude Code: `--output-format stream-json` (one event a line, lines
    /// that are not JSON passed over), `--output-format json --verbose`
    /// (one array of events) or `--output-format json` (the result event).
    Claude(Vec<Value>),
    /// OpenAI Codex CLI: `codex exec --json` (`thread.*`, `turn.*`,
    /// `item.*` events, one a line).
    Codex(Vec<Value>),
    /// JSON events of no format this reader knows; the first event's type.
    Unknown(String),
}

/// Reads `stdout` as a transcript: JSON events if it is one array of
/// objects with a `type`, or if its first non-blank line is such an object.
pub(super) fn read(stdout: &str) -> Transcript {
    let events = if stdout.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(stdout) {
            Ok(events) if !events.is_empty() && events.iter().all(is_event) => events,
            _ => return Transcript::Plain,
        }
    } else {
        let first = stdout
            .lines()
            .find(|line| !line.trim().is_empty())
            .and_then(|line| serde_json::from_str::<Value>(line).ok());
        if !first.as_ref().is_some_and(is_event) {
            return Transcript::Plain;
        }
        stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(is_event)
            .collect()
    };
    let types = || events.iter().filter_map(|event| event["type"].as_str());
    if types().any(|t| CLAUDE_TYPES.contains(&t)) {
        Transcript::Claude(events)
    } else if types().any(|t| {
        ["thread.", "turn.", "item."]
            .iter()
            .any(|p| t.starts_with(p))
    }) {
        Transcript::Codex(events)
    } else {
        Transcript::Unknown(types().next().unwrap_or_default().to_owned())
    }
}

fn is_event(value: &Value) -> bool {
    value.get("type").is_some_and(Value::is_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_their_event_types() {
        assert_eq!(read("{}\n"), Transcript::Plain);
        assert_eq!(read("[1, 2]"), Transcript::Plain);
        assert_eq!(read("{\n  \"type\": \"x\"\n}\n"), Transcript::Plain);
        assert!(matches!(
            read(r#"[{"type":"system"},{"type":"result"}]"#),
            Transcript::Claude(events) if events.len() == 2
        ));
        assert!(matches!(
            read("{\"type\":\"system\"}\nnot json\n{\"type\":\"result\"}\n"),
            Transcript::Claude(events) if events.len() == 2
        ));
        assert!(matches!(
            read("{\"type\":\"thread.started\"}\n"),
            Transcript::Codex(_)
        ));
        assert_eq!(
            read("{\"type\":\"session.begin\"}\n"),
            Transcript::Unknown("session.begin".into())
        );
    }
}
