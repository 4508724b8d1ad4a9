//! Claude Code's transcripts: the answer is the `result` event.

use serde_json::Value;

use super::{Answer, PermissionDenial, Reported, Transient, Usage};
use crate::scenario::stream_json::api_error_status;

/// The answer of a Claude Code transcript that exited with `exit`. The last
/// `result` event decides, except that error results after a success (a
/// streaming-mode teardown error) do not overturn the finished run.
pub(super) fn read(events: &[Value], exit: i32) -> Result<Answer, Reported> {
    let results: Vec<&Value> = events.iter().filter(|e| e["type"] == "result").collect();
    let Some(&last) = results.last() else {
        return Err(Reported::new(format!(
            "{}printed a Claude Code transcript without a `result` event (truncated?)",
            exited(exit)
        )));
    };
    let usage = Usage::from_claude_result(last).map(Box::new);
    if !is_success(last) {
        if let Some(&success) = results.iter().rev().find(|r| is_success(r)) {
            let mut answer = answer(success)?;
            answer.passed_over = Some(format!(
                "a later error result was passed over, the run had finished: {}",
                error_text(last)
            ));
            return Ok(answer);
        }
        let status = api_error_status(last);
        return Err(Reported {
            what: format!(
                "{}reported an error (subtype `{}`{}): {}",
                exited(exit),
                last["subtype"].as_str().unwrap_or("?"),
                status
                    .map(|status| format!(", API status {status}"))
                    .unwrap_or_default(),
                error_text(last)
            ),
            transient: transient(last, status),
            usage,
        });
    }
    if exit != 0 {
        return Err(Reported {
            what: format!("exited with status {exit} although its last result is a success"),
            transient: None,
            usage,
        });
    }
    answer(last)
}

fn is_success(result: &Value) -> bool {
    result["subtype"] == "success" && result["is_error"] != true
}

fn answer(result: &Value) -> Result<Answer, Reported> {
    let text = result["result"]
        .as_str()
        .ok_or_else(|| Reported::new("printed a `result` event whose `result` is not text"))?;
    let denials = result["permission_denials"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    Ok(Answer {
        text: super::unfence(text),
        usage: Usage::from_claude_result(result),
        permission_denials: denials
            .iter()
            .map(|denial| PermissionDenial {
                tool_name: denial["tool_name"].as_str().unwrap_or("?").to_owned(),
                tool_use_id: denial["tool_use_id"].as_str().map(str::to_owned),
            })
            .collect(),
        passed_over: None,
    })
}

fn exited(exit: i32) -> String {
    if exit == 0 {
        String::new()
    } else {
        format!("exited with status {exit} and ")
    }
}

/// The `result` text and the first line of each of `errors[]`.
fn error_text(result: &Value) -> String {
    let mut parts: Vec<&str> = result["result"]
        .as_str()
        .filter(|text| !text.trim().is_empty())
        .into_iter()
        .collect();
    if let Some(errors) = result["errors"].as_array() {
        parts.extend(
            errors
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|error| error.lines().next()),
        );
    }
    if parts.is_empty() {
        "(no error text)".to_owned()
    } else {
        parts.join("; ")
    }
}

fn transient(result: &Value, status: Option<u16>) -> Option<Transient> {
    let text = result["result"].as_str().unwrap_or("");
    match status {
        Some(529) => Some(Transient::Overloaded),
        Some(429) => Some(Transient::RateLimited),
        _ if text.contains("overloaded_error") => Some(Transient::Overloaded),
        _ if text.contains("rate_limit_error") || text.contains("usage limit reached") => {
            Some(Transient::RateLimited)
        }
        _ => None,
    }
}
