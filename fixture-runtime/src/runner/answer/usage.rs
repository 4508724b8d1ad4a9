//! What a run cost, as the agent CLI reported it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Tokens, cost, duration and turns from an agent CLI's result line. A
/// field the CLI did not print as a number (left out, or a placeholder
/// such as `"<COST>"`) is `None`, never a made-up zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// `total_cost_usd` (or the older `cost_usd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// `usage.input_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// `usage.output_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// `usage.cache_read_input_tokens` (Codex: `cached_input_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// `usage.cache_creation_input_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// `duration_ms`: the whole session's wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// `num_turns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_turns: Option<u64>,
}

impl Usage {
    /// The usage of a Claude Code `result` event; `None` when it reports
    /// none of the fields as numbers.
    pub fn from_claude_result(result: &Value) -> Option<Usage> {
        let tokens = |name: &str| result["usage"][name].as_u64();
        let usage = Usage {
            cost_usd: result["total_cost_usd"]
                .as_f64()
                .or_else(|| result["cost_usd"].as_f64()),
            input_tokens: tokens("input_tokens"),
            output_tokens: tokens("output_tokens"),
            cache_read_input_tokens: tokens("cache_read_input_tokens"),
            cache_creation_input_tokens: tokens("cache_creation_input_tokens"),
            duration_ms: result["duration_ms"].as_u64(),
            num_turns: result["num_turns"].as_u64(),
        };
        (usage != Usage::default()).then_some(usage)
    }

    /// Adds `other` field by field; a field stays `None` only when both
    /// are.
    pub fn add(&mut self, other: &Usage) {
        fn sum<T: Copy + std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            }
        }
        self.cost_usd = sum(self.cost_usd, other.cost_usd);
        self.input_tokens = sum(self.input_tokens, other.input_tokens);
        self.output_tokens = sum(self.output_tokens, other.output_tokens);
        self.cache_read_input_tokens =
            sum(self.cache_read_input_tokens, other.cache_read_input_tokens);
        self.cache_creation_input_tokens = sum(
            self.cache_creation_input_tokens,
            other.cache_creation_input_tokens,
        );
        self.duration_ms = sum(self.duration_ms, other.duration_ms);
        self.num_turns = sum(self.num_turns, other.num_turns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_not_numbers() {
        let normalised = json!({"type": "result", "usage": "<USAGE>", "cost_usd": "<COST>",
                                "duration_ms": "<DURATION>", "num_turns": 1});
        assert_eq!(
            Usage::from_claude_result(&normalised),
            Some(Usage {
                num_turns: Some(1),
                ..Usage::default()
            })
        );
        assert_eq!(Usage::from_claude_result(&json!({"type": "result"})), None);
    }

    #[test]
    fn sums_keep_what_either_side_reported() {
        let mut total = Usage {
            cost_usd: Some(0.5),
            input_tokens: Some(3),
            ..Usage::default()
        };
        total.add(&Usage {
            cost_usd: Some(0.25),
            output_tokens: Some(7),
            ..Usage::default()
        });
        assert_eq!(
            total,
            Usage {
                cost_usd: Some(0.75),
                input_tokens: Some(3),
                output_tokens: Some(7),
                ..Usage::default()
            }
        );
    }
}
