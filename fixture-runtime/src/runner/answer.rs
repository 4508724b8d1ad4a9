//! Turns what an agent CLI printed into the agent's answer.

use serde_json::Value;

use super::RunError;
use crate::scenario::stream_json::final_result;
use crate::scenario::CliOutput;

/// How much of stderr a failure shows.
const STDERR_TAIL_LINES: usize = 20;

/// The answer in `output`: the `result` text of a stream-json transcript
/// (the last result line wins), or plain stdout; a single fenced block
/// (```` ```json ```` … ```` ``` ````) around it is taken off. A timeout, a
/// non-zero exit, an error result or a transcript without a result line is
/// a [`RunError`] with the exit status and the tail of stderr.
pub fn extract(program: &str, output: &CliOutput) -> Result<String, RunError> {
    let fail = |what: String| RunError {
        message: format!("`{program}` {what}{}", stderr_tail(&output.stderr)),
        hint: None,
    };
    if output.timed_out {
        return Err(fail(format!(
            "timed out after {:.1}s and was killed",
            output.duration.as_secs_f64()
        )));
    }
    match output.exit_code {
        Some(0) => {}
        Some(code) => return Err(fail(format!("exited with status {code}"))),
        None => return Err(fail("was killed by a signal".to_owned())),
    }
    let text = if is_stream_json(&output.stdout) {
        let result = final_result(&output.stdout).ok_or_else(|| {
            fail("printed a stream-json transcript without a `result` line (truncated?)".into())
        })?;
        if result["is_error"] == Value::Bool(true) || result["subtype"] != "success" {
            return Err(fail(format!(
                "reported an error: subtype `{}`{}: {}",
                result["subtype"].as_str().unwrap_or("?"),
                result
                    .get("api_error_status")
                    .map(|status| format!(", API status {status}"))
                    .unwrap_or_default(),
                result["result"].as_str().unwrap_or("")
            )));
        }
        result["result"]
            .as_str()
            .ok_or_else(|| fail("printed a `result` line whose `result` is not text".into()))?
            .to_owned()
    } else {
        output.stdout.clone()
    };
    Ok(unfence(&text))
}

/// Whether the first non-blank line is a JSON object with a `type`.
fn is_stream_json(stdout: &str) -> bool {
    stdout
        .lines()
        .find(|line| !line.trim().is_empty())
        .and_then(|line| serde_json::from_str::<Value>(line).ok())
        .is_some_and(|value| value.get("type").is_some_and(Value::is_string))
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
        assert_eq!(extract("a", &output("{}\n", Some(0))).unwrap(), "{}\n");
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
            extract("a", &output(stdout, Some(0))).unwrap(),
            "{\"a\": 1}\n"
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
        assert!(err.message.contains("without a `result` line"), "{err}");

        let api = r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":529,"result":"Overloaded"}"#;
        let err = extract("agent", &output(api, Some(0))).unwrap_err();
        assert!(err.message.contains("API status 529"), "{err}");

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
        use serde_json::json;

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
                    Ok(_) => prop_assert!(exit_code == Some(0) && !timed_out),
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
                prop_assert_eq!(extract("agent", &output).unwrap(), answer);
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
