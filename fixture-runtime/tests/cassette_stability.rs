//! Cassettes that stay small and stable, on real agent-CLI transcripts
//! (`tests/data/agent-transcripts`, see its README): the normaliser's
//! placeholders for run-dependent values, and stripping fields by JSON path.

use std::fs;
use std::path::{Path, PathBuf};

use fixture_runtime::scenario::normalise::Normaliser;
use fixture_runtime::scenario::stream_json::final_result;
use fixture_runtime::scenario::StripPath;
use serde_json::{json, Value};

fn transcript(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/agent-transcripts")
        .join(name)
}

fn lines(name: &str) -> Vec<Value> {
    fs::read_to_string(transcript(name))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The lines normalised as the recorder normalises one session.
fn normalised(lines: &[Value], normaliser: Normaliser) -> Vec<Value> {
    let mut normaliser = normaliser;
    lines
        .iter()
        .map(|line| {
            let mut line = line.clone();
            normaliser.value(&mut line);
            line
        })
        .collect()
}

fn text(lines: &[Value]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Every string in `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(object) => object.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

const JSONL: [&str; 9] = [
    "01_obers_small_success.jsonl",
    "02_obers_big_subagents.jsonl",
    "03_obers_eai_again_is_error.jsonl",
    "04_obers_maxturns30_success.jsonl",
    "05_vecsum_529.jsonl",
    "06_vecsum_500.jsonl",
    "07_blaze_v2.0.76_permission_denial.jsonl",
    "08_logfire_sdk_recv.jsonl",
    "12_hivemind_error_during_execution.jsonl",
];

#[test]
fn normalising_real_transcripts_is_deterministic_and_idempotent() {
    for name in JSONL {
        let original = lines(name);
        let once = normalised(&original, Normaliser::default());
        assert_eq!(
            text(&once),
            text(&normalised(&original, Normaliser::default())),
            "{name}"
        );
        assert_eq!(
            text(&normalised(&once, Normaliser::default())),
            text(&once),
            "{name}: normalising again changes nothing"
        );
        assert_eq!(once.len(), original.len());
    }
}

#[test]
fn costs_reset_times_signatures_and_subagent_ids_become_placeholders() {
    for name in [
        "02_obers_big_subagents.jsonl",
        "03_obers_eai_again_is_error.jsonl",
    ] {
        let original = lines(name);
        let mut task_ids: Vec<String> = original
            .iter()
            .filter_map(|line| line["task_id"].as_str().map(str::to_owned))
            .collect();
        task_ids.sort();
        task_ids.dedup();
        assert!(!task_ids.is_empty(), "{name} has subagents");
        let after = normalised(&original, Normaliser::default());
        let all = text(&after);
        for id in &task_ids {
            assert!(!all.contains(id.as_str()), "{name}: {id} remains");
        }
        let result = after.last().unwrap();
        assert_eq!(result["total_cost_usd"], 0, "{name}");
        let models = result["modelUsage"].as_object().unwrap();
        assert_eq!(models.len(), 2, "{name}: a model per agent");
        for usage in models.values() {
            assert_eq!(usage["costUSD"], 0, "{name}");
            assert!(
                usage["outputTokens"].as_u64().unwrap() > 0,
                "tokens only when asked"
            );
            assert_eq!(
                usage["contextWindow"], 200000,
                "limits are not run-dependent"
            );
        }
        let mut found = 0;
        for (before, line) in original.iter().zip(&after) {
            if line["type"] == "rate_limit_event" {
                assert_eq!(line["rate_limit_info"]["resetsAt"], 0, "{name}");
                assert_eq!(
                    line["rate_limit_info"]["utilization"],
                    before["rate_limit_info"]["utilization"],
                    "only the reset time is normalised"
                );
                found += 1;
            }
            if line["type"] == "assistant" {
                for block in line["message"]["content"].as_array().unwrap() {
                    if block["type"] == "thinking" {
                        assert_eq!(block["signature"], "<signature>", "{name}");
                        assert!(block["thinking"].as_str().is_some_and(|t| !t.is_empty()));
                        found += 1;
                    }
                }
            }
        }
        assert!(
            found >= 2,
            "{name}: rate-limit lines and thinking blocks checked"
        );
        // A subagent's id links its task lines, its tool result and the
        // text that names it, under one placeholder.
        let started: Vec<&str> = after
            .iter()
            .filter(|line| line["subtype"] == "task_started")
            .map(|line| line["task_id"].as_str().unwrap())
            .collect();
        for placeholder in started {
            assert!(placeholder.starts_with("agent_0"), "{placeholder}");
            assert!(
                after
                    .iter()
                    .any(|line| line["tool_use_result"]["agentId"] == placeholder),
                "{name}: {placeholder} in a tool result"
            );
            assert!(
                all.contains(&format!("agentId: {placeholder}")),
                "{name}: {placeholder} in text"
            );
        }
    }
}

#[test]
fn token_counts_become_zero_when_asked() {
    let original = lines("02_obers_big_subagents.jsonl");
    let after = normalised(&original, Normaliser::default().zero_tokens());
    let models = after.last().unwrap()["modelUsage"]
        .as_object()
        .unwrap()
        .clone();
    for usage in models.values() {
        for field in [
            "inputTokens",
            "outputTokens",
            "cacheReadInputTokens",
            "cacheCreationInputTokens",
        ] {
            assert_eq!(usage[field], 0, "{field}");
        }
        assert_eq!(usage["maxOutputTokens"], 32000);
    }
}

#[test]
fn request_ids_inside_error_text_become_numbered() {
    for (name, id) in [
        ("05_vecsum_529.jsonl", "req_011CX7J5ZXp3npD8nY7VYZvm"),
        ("06_vecsum_500.jsonl", "req_011CX7HaqAMfRL4GKbdQarW7"),
    ] {
        let original = lines(name);
        let before = final_result(&text(&original)).unwrap();
        assert!(before["result"].as_str().unwrap().contains(id));
        let after = normalised(&original, Normaliser::default());
        let all = text(&after);
        assert!(!all.contains(id), "{name}");
        let result = final_result(&all).unwrap();
        assert_eq!(
            result["result"].as_str().unwrap(),
            before["result"].as_str().unwrap().replace(id, "req_0001"),
            "{name}: only the id changed"
        );
    }
    // Words that merely start with `req_` stay.
    let mut line = json!({"text": "see reports/req_fix_05_logging_RESPONSE.md"});
    Normaliser::default().value(&mut line);
    assert_eq!(line["text"], "see reports/req_fix_05_logging_RESPONSE.md");
}

#[test]
fn answers_survive_normalisation() {
    for name in JSONL {
        let original = text(&lines(name));
        let after = text(&normalised(&lines(name), Normaliser::default()));
        let (before, after) = (final_result(&original), final_result(&after));
        assert_eq!(before.is_some(), after.is_some(), "{name}");
        if let (Some(before), Some(after)) = (before, after) {
            for field in ["type", "subtype", "is_error", "num_turns"] {
                assert_eq!(before[field], after[field], "{name}: {field}");
            }
            let answer = before["result"].as_str().unwrap_or_default();
            if !answer.contains("req_") {
                assert_eq!(after["result"], before["result"], "{name}");
            }
        }
    }
}

/// 02, with every tool result the size of a whole source file (as the
/// original recording's were before it was trimmed for the corpus):
/// 6,000 characters in the `tool_result` block and in `tool_use_result`.
fn with_whole_files(lines: &[Value]) -> Vec<Value> {
    let mut out = lines.to_vec();
    for line in &mut out {
        if line["type"] != "user" {
            continue;
        }
        let mut seed = Vec::new();
        strings(&line["message"]["content"], &mut seed);
        let seed: String = seed.concat();
        let seed = if seed.is_empty() {
            "x".to_owned()
        } else {
            seed
        };
        let file: String = seed.chars().cycle().take(6000).collect();
        if let Some(blocks) = line["message"]["content"].as_array_mut() {
            for block in blocks {
                if block["type"] == "tool_result" {
                    block["content"] = file.clone().into();
                }
            }
        }
        line["tool_use_result"] = json!({ "stdout": file });
    }
    out
}

#[test]
fn stripping_subagent_tool_results_brings_a_900_kb_transcript_under_200_kb() {
    let original = lines("02_obers_big_subagents.jsonl");
    let big = with_whole_files(&original);
    let big_text = text(&big);
    assert!(big_text.len() > 900 * 1024, "{} bytes", big_text.len());
    let strips = [
        StripPath::parse("message.content[*].content").unwrap(),
        StripPath::parse("tool_use_result").unwrap(),
    ];
    let mut normaliser = Normaliser::default();
    let mut removed = 0;
    let stripped: Vec<Value> = big
        .iter()
        .map(|line| {
            let mut line = line.clone();
            normaliser.value(&mut line);
            for strip in &strips {
                removed += strip.apply(&mut line);
            }
            line
        })
        .collect();
    let stripped_text = text(&stripped);
    assert!(
        stripped_text.len() < 200 * 1024,
        "{} bytes after stripping",
        stripped_text.len()
    );
    assert!(removed > 100, "{removed} fields removed");
    // What an orchestrator reads is still there: the answer, and every tool
    // call's link to its result.
    assert_eq!(
        final_result(&stripped_text).unwrap()["result"],
        final_result(&text(&original)).unwrap()["result"]
    );
    for line in stripped.iter().filter(|line| line["type"] == "user") {
        for block in line["message"]["content"].as_array().unwrap() {
            if block["type"] == "tool_result" {
                assert!(block["tool_use_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("toolu_0"));
                assert!(block.get("content").is_none());
            }
        }
    }
}
