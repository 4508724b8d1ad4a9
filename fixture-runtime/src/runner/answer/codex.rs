//! OpenAI Codex CLI's `codex exec --json`: the answer is the last
//! `agent_message` item.

use serde_json::Value;

use super::{Answer, Reported, Transient, Usage};

/// The answer of a Codex transcript that exited with `exit`.
pub(super) fn read(events: &[Value], exit: i32) -> Result<Answer, Reported> {
    let usage = usage(events).map(Box::new);
    let failed = events
        .iter()
        .rev()
        .find_map(|event| match event["type"].as_str() {
            Some("turn.failed") => Some(event["error"]["message"].as_str().unwrap_or("?")),
            Some("error") => Some(event["message"].as_str().unwrap_or("?")),
            _ => None,
        });
    if let Some(message) = failed {
        let lower = message.to_ascii_lowercase();
        let transient = if lower.contains("rate limit") || lower.contains("429") {
            Some(Transient::RateLimited)
        } else if lower.contains("overloaded") || lower.contains("529") {
            Some(Transient::Overloaded)
        } else {
            None
        };
        return Err(Reported {
            what: format!("reported an error (Codex): {message}"),
            transient,
            usage,
        });
    }
    let message = events.iter().rev().find_map(|event| {
        let item = &event["item"];
        (event["type"] == "item.completed" && item["type"] == "agent_message")
            .then(|| item["text"].as_str())
            .flatten()
    });
    let Some(text) = message else {
        return Err(Reported {
            what: "printed a Codex transcript without an `agent_message` item (truncated?)".into(),
            transient: None,
            usage,
        });
    };
    if exit != 0 {
        return Err(Reported {
            what: format!("exited with status {exit} after its last agent message"),
            transient: None,
            usage,
        });
    }
    Ok(Answer {
        text: super::unfence(text),
        usage: usage.map(|usage| *usage),
        permission_denials: Vec::new(),
        passed_over: None,
    })
}

/// Tokens summed over `turn.completed` events, one turn each.
fn usage(events: &[Value]) -> Option<Usage> {
    let turns: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "turn.completed")
        .collect();
    if turns.is_empty() {
        return None;
    }
    let mut total = Usage {
        num_turns: Some(turns.len() as u64),
        ..Usage::default()
    };
    for turn in turns {
        let tokens = |name: &str| turn["usage"][name].as_u64();
        total.add(&Usage {
            input_tokens: tokens("input_tokens"),
            output_tokens: tokens("output_tokens"),
            cache_read_input_tokens: tokens("cached_input_tokens"),
            ..Usage::default()
        });
    }
    Some(total)
}
