//! Faults injected over replayed or synthetic output: the failures of a
//! real agent CLI an orchestrator must survive.

use std::thread;
use std::time::Duration;

use super::process::CliOutput;
use super::stream_json::Transcript;

/// The line a [`Fault::CorruptLine`] puts in place of a JSON line.
pub const CORRUPT_LINE: &str = "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"te";

/// One failure of an agent CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The API is overloaded (HTTP 529): the first `times` attempts print
    /// an error `result` with the text `API Error: 529 …` and exit 1, as
    /// Claude Code does, without using the recording; the attempt after
    /// them is served normally. An orchestrator whose retries are fewer than
    /// `times` sees them exhausted.
    Overloaded {
        /// How many attempts fail.
        times: u32,
        /// Whether the result also carries `api_error_status: 529`.
        shape: OverloadShape,
    },
    /// Line `at` (1-based) of stdout is cut mid-object.
    CorruptLine {
        /// Which line.
        at: usize,
    },
    /// Stdout ends after `lines` lines (so usually without its `result`).
    TruncateAfter {
        /// How many lines are kept.
        lines: usize,
    },
    /// The process exits with `code` instead of its own exit code.
    Exit {
        /// The exit code.
        code: i32,
    },
    /// The process prints everything, then hangs until its timeout kills
    /// it: the output is complete but marked `timed_out`, without an exit
    /// code, and lasts the whole timeout. Replay does not actually wait.
    HangAfterResult,
    /// Every stdout line comes `per_line` late (replay really sleeps); lines
    /// that would come after the timeout are lost and the output is marked
    /// `timed_out`.
    DelayLines {
        /// The delay before each line.
        per_line: Duration,
    },
}

/// The forms of an overload error that agent CLIs print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OverloadShape {
    /// The status only in the text (`API Error: 529 {…}`), as Claude Code
    /// 2.1 prints it.
    #[default]
    Text,
    /// The text and an `api_error_status: 529` field.
    WithStatus,
}

impl Fault {
    /// The output of one overloaded attempt.
    pub fn overloaded_output(session_id: &str, shape: OverloadShape) -> CliOutput {
        let mut transcript = Transcript::new(session_id, "unknown", ".");
        transcript.overloaded(shape == OverloadShape::WithStatus);
        transcript.output(1)
    }

    /// Applies this fault to an output (not [`Fault::Overloaded`], which
    /// replaces whole attempts). `timeout` is the call's timeout.
    pub fn apply(&self, mut output: CliOutput, timeout: Duration) -> CliOutput {
        match self {
            Fault::Overloaded { .. } => {}
            Fault::CorruptLine { at } => {
                output.stdout = map_lines(&output.stdout, |index, line| {
                    if index + 1 == *at {
                        CORRUPT_LINE.to_owned()
                    } else {
                        line.to_owned()
                    }
                });
            }
            Fault::TruncateAfter { lines } => {
                output.stdout = keep_lines(&output.stdout, *lines);
            }
            Fault::Exit { code } => output.exit_code = Some(*code),
            Fault::HangAfterResult => {
                output.exit_code = None;
                output.timed_out = true;
                output.duration = timeout;
            }
            Fault::DelayLines { per_line } => {
                let count = output.stdout.lines().count();
                let in_time = if per_line.is_zero() {
                    count
                } else {
                    let fits = timeout.as_nanos() / per_line.as_nanos();
                    count.min(usize::try_from(fits).unwrap_or(usize::MAX))
                };
                let delay = per_line.saturating_mul(u32::try_from(in_time).unwrap_or(u32::MAX));
                thread::sleep(delay.min(timeout));
                output.duration += delay.min(timeout);
                if in_time < count {
                    output.stdout = keep_lines(&output.stdout, in_time);
                    output.exit_code = None;
                    output.timed_out = true;
                    output.duration = timeout;
                }
            }
        }
        output
    }
}

fn map_lines(text: &str, f: impl Fn(usize, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.lines().enumerate() {
        out.push_str(&f(index, line));
        out.push('\n');
    }
    out
}

fn keep_lines(text: &str, lines: usize) -> String {
    let mut out = String::new();
    for line in text.lines().take(lines) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stream_json::final_result;

    fn sample() -> CliOutput {
        let mut t = Transcript::new("s1", "m", "/r");
        t.text("hello");
        t.result("done", false);
        t.output(0)
    }

    #[test]
    fn corrupt_line_breaks_exactly_that_line() {
        let out = Fault::CorruptLine { at: 2 }.apply(sample(), Duration::from_secs(1));
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(serde_json::from_str::<serde_json::Value>(lines[0]).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(lines[1]).is_err());
        assert_eq!(final_result(&out.stdout).unwrap()["result"], "done");
    }

    #[test]
    fn truncation_drops_the_result_line() {
        let out = Fault::TruncateAfter { lines: 2 }.apply(sample(), Duration::from_secs(1));
        assert_eq!(out.stdout.lines().count(), 2);
        assert!(final_result(&out.stdout).is_none());
    }

    #[test]
    fn exit_and_hang_change_the_status_only() {
        let out = Fault::Exit { code: 3 }.apply(sample(), Duration::from_secs(1));
        assert_eq!((out.exit_code, out.stdout), (Some(3), sample().stdout));
        let out = Fault::HangAfterResult.apply(sample(), Duration::from_secs(7));
        assert_eq!(
            (out.exit_code, out.timed_out, out.duration),
            (None, true, Duration::from_secs(7))
        );
        assert!(final_result(&out.stdout).is_some());
    }

    #[test]
    fn delayed_lines_past_the_timeout_are_lost() {
        let slow = Fault::DelayLines {
            per_line: Duration::from_millis(4),
        };
        let out = slow.apply(sample(), Duration::from_millis(9));
        assert_eq!(out.stdout.lines().count(), 2);
        assert!(out.timed_out);
        let out = slow.apply(sample(), Duration::from_secs(1));
        assert_eq!(out.stdout, sample().stdout);
        assert!(out.duration >= Duration::from_millis(12));
    }

    #[test]
    fn overloaded_output_is_a_529_error_result_in_either_shape() {
        use crate::scenario::stream_json::api_error_status;
        for (shape, field) in [
            (OverloadShape::Text, None),
            (OverloadShape::WithStatus, Some(529)),
        ] {
            let out = Fault::overloaded_output("s", shape);
            let result = final_result(&out.stdout).unwrap();
            assert_eq!(
                (
                    result["is_error"].as_bool(),
                    result["subtype"].as_str(),
                    result["api_error_status"].as_u64(),
                    api_error_status(&result)
                ),
                (Some(true), Some("success"), field, Some(529))
            );
            assert!(out.stdout.contains("\"model\":\"<synthetic>\""));
            assert_eq!(out.exit_code, Some(1));
        }
    }
}
