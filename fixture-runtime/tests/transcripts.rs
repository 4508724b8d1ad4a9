//! Every transcript in `tests/data/agent-transcripts/` (real output of
//! Claude Code and Codex CLI, see its README) is read right.

use std::fs;
use std::path::Path;

use fixture_runtime::runner::answer::extract;
use fixture_runtime::runner::{Answer, RunError, Transient, Usage};
use fixture_runtime::scenario::CliOutput;

const DIR: &str = "tests/data/agent-transcripts";

fn read(file: &str, exit_code: i32) -> Result<Answer, RunError> {
    let stdout = fs::read_to_string(Path::new(DIR).join(file)).unwrap();
    let output = CliOutput {
        exit_code: Some(exit_code),
        stdout,
        ..CliOutput::default()
    };
    extract("claude", &output)
}

fn answer(file: &str) -> Answer {
    read(file, 0).unwrap_or_else(|err| panic!("{file}: {err}"))
}

fn error(file: &str, exit_code: i32) -> RunError {
    match read(file, exit_code) {
        Ok(answer) => panic!("{file}: read as an answer: {:?}", answer.text),
        Err(err) => err,
    }
}

#[test]
fn every_transcript_has_a_case_here() {
    let source = fs::read_to_string("tests/transcripts.rs").unwrap();
    let mut missing: Vec<String> = fs::read_dir(DIR)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "README.md" && !source.contains(&format!("\"{name}\"")))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "transcripts without a test: {missing:?}"
    );
}

#[test]
fn small_success_answers_with_its_result() {
    let answer = answer("01_obers_small_success.jsonl");
    assert_eq!(
        answer.text,
        r#"{"atoms":[],"verdict":"pass","summary":"No requirement atoms were specified for review; the epic contains an empty checklist."}"#
    );
    let usage = answer.usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_input_tokens
        ),
        (Some(2), Some(31), Some(8567))
    );
    assert!(usage.cost_usd.unwrap() > 0.0);
    assert!(answer.permission_denials.is_empty());
}

#[test]
fn subagents_and_thinking_blocks_are_passed_over() {
    let answer = answer("02_obers_big_subagents.jsonl");
    assert!(
        answer.text.starts_with(
            "Based on my comprehensive review of the changed files, here is my assessment:"
        ),
        "{}",
        answer.text
    );
    let usage = answer.usage.unwrap();
    assert_eq!(
        (usage.num_turns, usage.duration_ms),
        (Some(4), Some(274651))
    );
}

#[test]
fn an_is_error_success_is_an_error_with_any_exit_status() {
    for exit in [0, 1] {
        let err = error("03_obers_eai_again_is_error.jsonl", exit);
        assert!(
            err.message
                .contains("API Error: Unable to connect to API (EAI_AGAIN)"),
            "{err}"
        );
        assert!(!err.message.contains("truncated"), "{err}");
        assert_eq!(err.transient, None);
        assert_eq!(
            err.usage.unwrap().num_turns,
            Some(14),
            "the cost of a failed run"
        );
    }
    let err = error("03_obers_eai_again_is_error.jsonl", 1);
    assert!(err.message.contains("exited with status 1 and"), "{err}");
}

#[test]
fn max_turns_finished_in_time_is_a_success() {
    let answer = answer("04_obers_maxturns30_success.jsonl");
    assert!(answer
        .text
        .starts_with("All plan items are fully implemented. Here's the verification summary:"));
    assert_eq!(answer.usage.unwrap().num_turns, Some(18));
}

#[test]
fn overload_without_api_error_status_keeps_its_text_in_both_forms() {
    let text = r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CX7J5ZXp3npD8nY7VYZvm"}"#;
    for file in ["05_vecsum_529.jsonl", "05_vecsum_529_array.json"] {
        let err = error(file, 1);
        assert!(err.message.contains(text), "{file}: {err}");
        assert!(err.message.contains("API status 529"), "{file}: {err}");
        assert!(
            err.message.contains("exited with status 1"),
            "{file}: {err}"
        );
        assert_eq!(err.transient, Some(Transient::Overloaded), "{file}");
    }
}

#[test]
fn an_api_500_keeps_its_text_in_both_forms() {
    let text = r#"API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_011CX7HaqAMfRL4GKbdQarW7"}"#;
    for file in ["06_vecsum_500.jsonl", "06_vecsum_500_array.json"] {
        let err = error(file, 1);
        assert!(err.message.contains(text), "{file}: {err}");
        assert_eq!(err.transient, None, "{file}: a 500 is not an overload");
    }
}

#[test]
fn permission_denials_are_surfaced() {
    let answer = answer("07_blaze_v2.0.76_permission_denial.jsonl");
    assert_eq!(
        answer.text,
        "I've asked the question. Please select your choice:\n\n**Which option?**\n- A) First\n- B) Second"
    );
    assert_eq!(answer.permission_denials.len(), 1);
    assert_eq!(answer.permission_denials[0].tool_name, "AskUserQuestion");
    assert_eq!(
        answer.notes(),
        ["the agent CLI denied a tool call: `AskUserQuestion` (toolu_01JkxcSGCS4MbwVoLXJjaUBt)"]
    );
}

#[test]
fn sdk_control_lines_are_passed_over() {
    let answer = answer("08_logfire_sdk_recv.jsonl");
    assert!(answer
        .text
        .starts_with("Here are the files and directories in the current directory:"));
}

#[test]
fn placeholders_for_numbers_do_not_matter() {
    let answer = answer("09_claudeless_v2.1.12_normalized.jsonl");
    assert_eq!(answer.text, "<RESPONSE_TEXT>");
    assert_eq!(
        answer.usage,
        Some(Usage {
            num_turns: Some(1),
            ..Usage::default()
        })
    );
}

#[test]
fn codex_exec_json_answers_with_its_last_agent_message() {
    let answer = answer("10_codex_0.46_exec_json.jsonl");
    assert_eq!(answer.text, "4");
    assert_eq!(
        answer.usage,
        Some(Usage {
            input_tokens: Some(2946),
            output_tokens: Some(7),
            cache_read_input_tokens: Some(0),
            num_turns: Some(1),
            ..Usage::default()
        })
    );
}

#[test]
fn json_output_without_verbose_is_the_result_event() {
    assert_eq!(
        answer("11_claudeless_v2.1.12_json_output.json").text,
        "<RESPONSE_TEXT>"
    );
}

#[test]
fn error_during_execution_shows_its_errors() {
    let err = error("12_hivemind_error_during_execution.jsonl", 1);
    assert!(
        err.message
            .contains("only prompt commands are supported in streaming mode"),
        "{err}"
    );
    assert!(
        err.message
            .contains("AxiosError: Request failed with status code 403"),
        "{err}"
    );
    assert!(err.message.contains("error_during_execution"), "{err}");
    assert!(
        !err.message.contains("at Cy (file://"),
        "one line per error, not the stack: {err}"
    );
}

#[test]
fn error_during_execution_after_a_success_does_not_win() {
    let teardown =
        fs::read_to_string(Path::new(DIR).join("12_hivemind_error_during_execution.jsonl"))
            .unwrap();
    let success = r#"{"type":"result","subtype":"success","is_error":false,"num_turns":3,"result":"{\"ok\": true}"}"#;
    let output = CliOutput {
        exit_code: Some(1),
        stdout: format!("{success}\n{teardown}"),
        ..CliOutput::default()
    };
    let answer = extract("claude", &output).unwrap();
    assert_eq!(answer.text, "{\"ok\": true}");
    assert_eq!(answer.usage.unwrap().num_turns, Some(3));
    assert!(
        answer.notes()[0].contains("only prompt commands are supported"),
        "{:?}",
        answer.notes()
    );
}

#[test]
fn an_unknown_format_is_named_as_such() {
    let output = CliOutput {
        exit_code: Some(0),
        stdout: "{\"type\":\"session.begin\",\"id\":1}\n{\"type\":\"session.end\"}\n".into(),
        ..CliOutput::default()
    };
    let err = extract("gemini", &output).unwrap_err();
    assert!(
        err.message.contains("format fixture-kit does not know")
            && err.message.contains("`session.begin`"),
        "{err}"
    );
    assert!(!err.message.contains("truncated"), "{err}");
}
