//! Turns what an agent CLI printed into the agent's answer.
//!
//! Read formats: Claude Code (`claude -p --output-format stream-json
//! --verbose`, `--output-format json` with or without `--verbose`), OpenAI
//! Codex CLI (`codex exec --json`), and plain stdout. JSON events of any
//! other CLI are reported as an unknown format.

mod claude;
mod codex;
mod events;
mod usage;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::RunError;
use crate::scenario::CliOutput;
use events::Transcript;

pub use usage::Usage;

/// How much of stderr a failure shows.
const STDERR_TAIL_LINES: usize = 20;

/// An agent's answer and what its CLI reported about the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The answer text, a single fenced block around it taken off.
    pub text: String,
    /// Tokens, cost, duration and turns, where the CLI reported them.
    pub usage: Option<Usage>,
    /// Tool calls the CLI refused (Claude Code's `permission_denials`).
    pub permission_denials: Vec<PermissionDenial>,
    /// An error result after the run's success that was passed over.
    pub passed_over: Option<String>,
}

impl Answer {
    /// An answer with nothing reported besides its text.
    pub fn text(text: impl Into<String>) -> Answer {
        Answer {
            text: text.into(),
            ..Answer::default()
        }
    }

    /// What a person should know about a run that answered: each denied
    /// tool call, and a passed-over error result.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .permission_denials
            .iter()
            .map(|denial| format!("the agent CLI denied a tool call: {denial}"))
            .collect();
        notes.extend(self.passed_over.clone());
        notes
    }
}

/// One tool call the agent CLI refused to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionDenial {
    /// The tool, such as `AskUserQuestion` or `Bash`.
    pub tool_name: String,
    /// The refused call's `toolu_…` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
}

impl fmt::Display for PermissionDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.tool_name)?;
        if let Some(id) = &self.tool_use_id {
            write!(f, " ({id})")?;
        }
        Ok(())
    }
}

/// A failure worth retrying after a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transient {
    /// The API is overloaded (HTTP 529, `overloaded_error`).
    Overloaded,
    /// A rate or usage limit (HTTP 429, `rate_limit_error`).
    RateLimited,
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transient::Overloaded => "overloaded",
            Transient::RateLimited => "rate limited",
        })
    }
}

/// What a format reader found wrong, before the program and stderr are
/// added.
#[derive(Debug)]
struct Reported {
    what: String,
    transient: Option<Transient>,
    usage: Option<Box<Usage>>,
}

impl Reported {
    fn new(what: impl Into<String>) -> Reported {
        Reported {
            what: what.into(),
            transient: None,
            usage: None,
        }
    }
}

/// The answer in `output`, read by its format (see the module docs). A
/// timeout, a kill, a non-zero exit, an error result or a transcript
/// without an answer is a [`RunError`] naming `program`, with the error
/// the CLI reported, its exit status and the tail of stderr.
pub fn extract(program: &str, output: &CliOutput) -> Result<Answer, RunError> {
    let fail = |reported: Reported| RunError {
        message: format!(
            "`{program}` {}{}",
            reported.what,
            stderr_tail(&output.stderr)
        ),
        hint: None,
        transient: reported.transient,
        usage: reported.usage,
    };
    if output.timed_out {
        return Err(fail(Reported::new(format!(
            "timed out after {:.1}s and was killed",
            output.duration.as_secs_f64()
        ))));
    }
    let Some(exit) = output.exit_code else {
        return Err(fail(Reported::new("was killed by a signal")));
    };
    match events::read(&output.stdout) {
        Transcript::Plain if exit == 0 => Ok(Answer::text(unfence(&output.stdout))),
        Transcript::Plain => Err(fail(Reported::new(format!("exited with status {exit}")))),
        Transcript::Claude(events) => claude::read(&events, exit).map_err(fail),
        Transcript::Codex(events) => codex::read(&events, exit).map_err(fail),
        Transcript::Unknown(first) => Err(fail(Reported::new(format!(
            "{}printed JSON events in a format fixture-kit does not know (first event type \
             `{first}`); it reads Claude Code (`--output-format stream-json` or `json`), \
             Codex (`codex exec --json`) and plain text",
            if exit == 0 {
                String::new()
            } else {
                format!("exited with status {exit} and ")
            }
        )))),
    }
}

/// The body of a text that is one fenced code block, else the text.
fn unfence(text: &str) -> String {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return text.to_owned();
    };
    let Some((_, body)) = rest.split_once('\n') else {
        return text.to_owned();
    };
    match body.strip_suffix("```") {
        Some(body) if !body.contains("\n```") => body.to_owned(),
        _ => text.to_owned(),
    }
}

fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..];
    format!(
        "; stderr (last {} lines):\n      {}",
        tail.len(),
        tail.join("\n      ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(stdout: &str, exit_code: Option<i32>) -> CliOutput {
        CliOutput {
            exit_code,
            stdout: stdout.to_owned(),
            stderr: "warming up\nboom".to_owned(),
            ..CliOutput::default()
        }
    }

    #[test]
    fn plain_stdout_is_the_answer() {
        assert_eq!(
            extract("a", &output("{}\n", Some(0))).unwrap(),
            Answer::text("{}\n")
        );
    }

    #[test]
    fn the_last_result_line_wins_and_fences_come_off() {
        let stdout = concat!(
            r#"{"type":"system","subtype":"init"}"#,
            "\n",
            r#"{"type":"result","subtype":"success","is_error":false,"result":"old"}"#,
            "\n",
            r#"{"type":"result","subtype":"success","is_error":false,"result":"```json\n{\"a\": 1}\n```"}"#,
            "\n"
        );
        assert_eq!(
            extract("a", &output(stdout, Some(0))).unwrap().text,
            "{\"a\": 1}\n"
        );
    }

    #[test]
    fn an_error_result_after_a_success_is_passed_over() {
        let stdout = concat!(
            r#"{"type":"result","subtype":"success","is_error":false,"result":"fine"}"#,
            "\n",
            r#"{"type":"result","subtype":"error_during_execution","is_error":true,"errors":["teardown"]}"#,
            "\n"
        );
        let answer = extract("a", &output(stdout, Some(1))).unwrap();
        assert_eq!(answer.text, "fine");
        assert!(
            answer.notes()[0].contains("teardown"),
            "{:?}",
            answer.notes()
        );
    }

    #[test]
    fn failures_name_the_status_and_the_stderr_tail() {
        let err = extract("agent", &output("", Some(3))).unwrap_err();
        assert!(
            err.message.contains("`agent` exited with status 3"),
            "{err}"
        );
        assert!(err.message.contains("boom"), "{err}");

        let truncated = r#"{"type":"system","subtype":"init"}"#;
        let err = extract("agent", &output(truncated, Some(0))).unwrap_err();
        assert!(err.message.contains("without a `result` event"), "{err}");

        let api = r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":529,"result":"Overloaded"}"#;
        let err = extract("agent", &output(api, Some(1))).unwrap_err();
        assert!(err.message.contains("API status 529"), "{err}");
        assert!(err.message.contains("exited with status 1"), "{err}");
        assert_eq!(err.transient, Some(Transient::Overloaded));

        let success_then_exit = r#"{"type":"result","subtype":"success","result":"x"}"#;
        let err = extract("agent", &output(success_then_exit, Some(2))).unwrap_err();
        assert!(err.message.contains("exited with status 2"), "{err}");

        let timed_out = CliOutput {
            timed_out: true,
            ..output("", None)
        };
        assert!(extract("agent", &timed_out)
            .unwrap_err()
            .message
            .contains("timed out"));
    }

    /// Property tests: whatever an agent CLI prints, the reader answers or
    /// fails with a message, never panics.
    mod properties {
        use proptest::prelude::*;
        use serde_json::{json, Value};

        use super::*;

        /// A JSON value of any shape, a few levels deep.
        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                ".{0,12}".prop_map(Value::String),
                Just(Value::String("success".into())),
                Just(Value::String("result".into())),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((".{0,8}", inner), 0..6)
                        .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
                ]
            })
        }

        /// One stdout line: real stream-json shapes with any field values,
        /// any JSON, fenced text, or any text at all.
        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                (any_json(), any_json(), any_json(), any_json()).prop_map(
                    |(subtype, is_error, result, status)| json!({
                        "type": "result",
                        "subtype": subtype,
                        "is_error": is_error,
                        "result": result,
                        "api_error_status": status,
                    })
                    .to_string()
                ),
                ".{0,40}".prop_map(|text| json!({
                    "type": "result",
                    "subtype": "success",
                    "is_error": false,
                    "result": text,
                })
                .to_string()),
                any_json().prop_map(
                    |message| json!({"type": "assistant", "message": message}).to_string()
                ),
                any_json().prop_map(|value| value.to_string()),
                ".{0,40}".prop_map(|text| format!("```json\n{text}\n```")),
                ".{0,60}",
                Just(String::new()),
            ]
        }

        proptest! {
            #[test]
            fn any_output_is_answered_or_refused_without_panicking(
                lines in prop::collection::vec(line(), 0..12),
                stderr in ".{0,80}",
                exit_code in prop::option::of(-3i32..3),
                timed_out in any::<bool>(),
            ) {
                let output = CliOutput {
                    exit_code,
                    stdout: lines.join("\n"),
                    stderr,
                    timed_out,
                    ..CliOutput::default()
                };
                match extract("agent", &output) {
                    // A finished run answers even past a non-zero exit (an error
                    // result after a success); a timed-out one never does.
                    Ok(_) => prop_assert!(!timed_out),
                    Err(err) => prop_assert!(err.message.starts_with("`agent` "), "{}", err),
                }
            }

            #[test]
            fn the_last_successful_result_line_is_the_answer(
                before in prop::collection::vec(line(), 0..8),
                answer in "[^`]{0,40}",
                after in prop::collection::vec("[^{]{0,30}", 0..4),
            ) {
                let result = json!({
                    "type": "result",
                    "subtype": "success",
                    "is_error": false,
                    "result": answer,
                });
                let stdout = std::iter::once(json!({"type": "system"}).to_string())
                    .chain(before)
                    .chain(std::iter::once(result.to_string()))
                    .chain(after)
                    .collect::<Vec<_>>()
                    .join("\n");
                let output = CliOutput { exit_code: Some(0), stdout, ..CliOutput::default() };
                prop_assert_eq!(extract("agent", &output).unwrap().text, answer);
            }
        }

        #[test]
        fn deep_and_long_transcripts_finish() {
            let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            let many_lines = format!("{{\"type\":\"system\"}}\n{}", "x\n".repeat(200_000));
            for stdout in [
                deep.clone(),
                format!("{{\"type\":\"system\"}}\n{deep}"),
                many_lines,
            ] {
                let output = CliOutput {
                    exit_code: Some(0),
                    stdout,
                    ..CliOutput::default()
                };
                let _ = extract("agent", &output);
            }
        }
    }
}
