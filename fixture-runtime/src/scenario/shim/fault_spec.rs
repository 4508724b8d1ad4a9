//! Faults chosen on the command line (`--fault SPEC`) or in code, at a
//! step and call:
//!
//! ```text
//! SPEC   = KIND "@" STEP ["#" CALL] [":" ARG]
//! STEP   = a step name, or "*" for every step
//! CALL   = the call of that step, 1-based (default 1), counting every call
//!          the step makes, faulted ones included
//! KIND   = overload | overload-status | rate-limit | rate-limit-status
//!          (ARG: how many calls in a row, from CALL; default 1)
//!        | corrupt-line (ARG: LINE or LINE=TEXT; LINE is 1-based)
//!        | truncate (ARG: how many stdout lines are kept)
//!        | exit (ARG: the exit code)
//!        | hang-after-result
//!        | delay (ARG: milliseconds before each stdout line)
//! ```
//!
//! `overload@implement#1:2` makes the first two calls of `implement` fail
//! as an API overload (HTTP 529): each prints two `system` `api_retry`
//! lines, the `<synthetic>` assistant message and the error `result`, and
//! exits 1, without using a recording; the `-status` kinds add the
//! `api_error_status` field Claude Code 2.1 leaves out.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::super::fault::{Fault, CORRUPT_LINE};
use super::super::process::CliOutput;
use super::super::stream_json::{ApiError, Transcript};

/// How many `api_retry` lines an API-error fault prints before its result.
pub const API_RETRIES: u32 = 2;

/// One fault at one step and call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShimFault {
    /// The step, `None` for every step.
    pub step: Option<String>,
    /// The first call of the step it hits, 1-based.
    pub call: usize,
    /// What happens.
    pub kind: FaultKind,
}

/// What a [`ShimFault`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// The API fails `times` calls in a row; no recording is used.
    Api {
        /// Overloaded (529) or rate-limited (429).
        error: ApiError,
        /// Whether the result carries `api_error_status`.
        with_status: bool,
        /// How many calls fail.
        times: usize,
    },
    /// Stdout line `line` is replaced by `text` (by default a line cut
    /// mid-object).
    CorruptLine {
        /// Which line, 1-based.
        line: usize,
        /// Its replacement.
        text: Option<String>,
    },
    /// Stdout ends after `lines` lines.
    Truncate {
        /// How many lines are kept.
        lines: usize,
    },
    /// The call exits with `code`.
    Exit {
        /// The exit code.
        code: i32,
    },
    /// Everything is printed, then the call hangs until it is killed.
    HangAfterResult,
    /// Each stdout line comes `per_line` late.
    Delay {
        /// The delay before each line.
        per_line: Duration,
    },
}

/// What a faulted call does besides printing its output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// The delay before each stdout line.
    pub per_line: Duration,
    /// Whether it hangs after printing.
    pub hang: bool,
}

impl ShimFault {
    /// Whether it hits call `call` of `step`.
    pub fn hits(&self, step: &str, call: usize) -> bool {
        let times = match self.kind {
            FaultKind::Api { times, .. } => times,
            _ => 1,
        };
        self.step.as_deref().is_none_or(|s| s == step)
            && call >= self.call
            && call < self.call + times
    }

    /// The output of a call an API fault replaces, when this is one.
    pub fn replacement(&self, session_id: &str) -> Option<CliOutput> {
        let FaultKind::Api {
            error, with_status, ..
        } = self.kind
        else {
            return None;
        };
        let mut transcript = Transcript::new(session_id, "unknown", ".");
        for attempt in 1..=API_RETRIES {
            transcript.api_retry(error, attempt, API_RETRIES);
        }
        transcript.api_error(error, with_status);
        Some(transcript.output(1))
    }

    /// Applies it to a served output; timing faults go into `timing`.
    pub fn apply(&self, output: CliOutput, timing: &mut Timing) -> CliOutput {
        let forever = Duration::MAX;
        match &self.kind {
            FaultKind::Api { .. } => output,
            FaultKind::CorruptLine { line, text } => {
                let mut out = Fault::CorruptLine { at: *line }.apply(output, forever);
                if let Some(text) = text {
                    out.stdout = out.stdout.replacen(CORRUPT_LINE, text, 1);
                }
                out
            }
            FaultKind::Truncate { lines } => {
                Fault::TruncateAfter { lines: *lines }.apply(output, forever)
            }
            FaultKind::Exit { code } => Fault::Exit { code: *code }.apply(output, forever),
            FaultKind::HangAfterResult => {
                timing.hang = true;
                output
            }
            FaultKind::Delay { per_line } => {
                timing.per_line = *per_line;
                output
            }
        }
    }
}

impl FromStr for ShimFault {
    type Err = String;

    fn from_str(spec: &str) -> Result<ShimFault, String> {
        let bad = |why: &str| {
            format!(
                "fault `{spec}`: {why}; write KIND@STEP[#CALL][:ARG], such as \
                 `overload@implement#1` or `truncate@test#2:3`"
            )
        };
        let (kind, rest) = spec.split_once('@').ok_or_else(|| bad("no `@STEP`"))?;
        let (target, arg) = match rest.split_once(':') {
            Some((target, arg)) => (target, Some(arg)),
            None => (rest, None),
        };
        let (step, call) = match target.split_once('#') {
            Some((step, call)) => {
                let call: usize = call
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&format!("call `{call}` is not a number from 1")))?;
                (step, call)
            }
            None => (target, 1),
        };
        if step.is_empty() {
            return Err(bad("the step is empty (use `*` for every step)"));
        }
        let number = |what: &str| -> Result<u64, String> {
            let arg = arg.ok_or_else(|| bad(&format!("`{kind}` needs `:{what}`")))?;
            arg.parse()
                .map_err(|_| bad(&format!("{what} `{arg}` is not a whole number")))
        };
        let no_arg = |kind: FaultKind| match arg {
            Some(arg) => Err(bad(&format!("`{spec}` takes no argument, not `:{arg}`"))),
            None => Ok(kind),
        };
        let api = |error, with_status| -> Result<FaultKind, String> {
            let times = match arg {
                Some(_) => number("TIMES")?,
                None => 1,
            };
            Ok(FaultKind::Api {
                error,
                with_status,
                times: usize::try_from(times).unwrap_or(usize::MAX).max(1),
            })
        };
        let kind = match kind {
            "overload" => api(ApiError::Overloaded, false)?,
            "overload-status" => api(ApiError::Overloaded, true)?,
            "rate-limit" => api(ApiError::RateLimited, false)?,
            "rate-limit-status" => api(ApiError::RateLimited, true)?,
            "corrupt-line" => {
                let arg = arg.ok_or_else(|| bad("`corrupt-line` needs `:LINE` or `:LINE=TEXT`"))?;
                let (line, text) = match arg.split_once('=') {
                    Some((line, text)) => (line, Some(text.to_owned())),
                    None => (arg, None),
                };
                let line = line
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&format!("line `{line}` is not a number from 1")))?;
                FaultKind::CorruptLine { line, text }
            }
            "truncate" => FaultKind::Truncate {
                lines: usize::try_from(number("LINES")?).unwrap_or(usize::MAX),
            },
            "exit" => {
                let arg = arg.ok_or_else(|| bad("`exit` needs `:CODE`"))?;
                FaultKind::Exit {
                    code: arg
                        .parse()
                        .map_err(|_| bad(&format!("code `{arg}` is not a number")))?,
                }
            }
            "hang-after-result" => no_arg(FaultKind::HangAfterResult)?,
            "delay" => FaultKind::Delay {
                per_line: Duration::from_millis(number("MS")?),
            },
            other => {
                return Err(bad(&format!(
                    "unknown kind `{other}` (overload, overload-status, rate-limit, \
                     rate-limit-status, corrupt-line, truncate, exit, hang-after-result, delay)"
                )))
            }
        };
        Ok(ShimFault {
            step: (step != "*").then(|| step.to_owned()),
            call,
            kind,
        })
    }
}

impl fmt::Display for ShimFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = self.step.as_deref().unwrap_or("*");
        let (kind, arg) = match &self.kind {
            FaultKind::Api {
                error,
                with_status,
                times,
            } => {
                let base = match error {
                    ApiError::Overloaded => "overload",
                    ApiError::RateLimited => "rate-limit",
                };
                let kind = if *with_status {
                    format!("{base}-status")
                } else {
                    base.to_owned()
                };
                (kind, (*times != 1).then(|| times.to_string()))
            }
            FaultKind::CorruptLine { line, text } => (
                "corrupt-line".to_owned(),
                Some(match text {
                    Some(text) => format!("{line}={text}"),
                    None => line.to_string(),
                }),
            ),
            FaultKind::Truncate { lines } => ("truncate".to_owned(), Some(lines.to_string())),
            FaultKind::Exit { code } => ("exit".to_owned(), Some(code.to_string())),
            FaultKind::HangAfterResult => ("hang-after-result".to_owned(), None),
            FaultKind::Delay { per_line } => {
                ("delay".to_owned(), Some(per_line.as_millis().to_string()))
            }
        };
        write!(f, "{kind}@{step}#{}", self.call)?;
        if let Some(arg) = arg {
            write!(f, ":{arg}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stream_json::{api_error_status, final_result};

    #[test]
    fn specs_round_trip_through_display() {
        for spec in [
            "overload@implement#1",
            "overload-status@implement#2:3",
            "rate-limit@*#1",
            "corrupt-line@test#1:2=not json",
            "corrupt-line@test#1:2",
            "truncate@a#1:3",
            "exit@a#4:7",
            "hang-after-result@a#1",
            "delay@a#1:25",
        ] {
            let fault: ShimFault = spec.parse().unwrap();
            assert_eq!(fault.to_string(), spec);
        }
        assert_eq!(
            "exit@a:3".parse::<ShimFault>().unwrap().to_string(),
            "exit@a#1:3"
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("overload", "no `@STEP`"),
            ("overload@a#0", "call `0`"),
            ("truncate@a", "needs `:LINES`"),
            ("exit@a:x", "code `x`"),
            ("melt@a", "unknown kind `melt`"),
            ("hang-after-result@a:3", "takes no argument"),
            ("delay@:5", "the step is empty"),
        ] {
            let err = spec.parse::<ShimFault>().unwrap_err();
            assert!(err.contains(says), "{spec}: {err}");
        }
    }

    #[test]
    fn api_faults_hit_consecutive_calls_of_their_step() {
        let fault: ShimFault = "overload@implement#2:2".parse().unwrap();
        let hits: Vec<usize> = (1..=5).filter(|n| fault.hits("implement", *n)).collect();
        assert_eq!(hits, [2, 3]);
        assert!(!fault.hits("test", 2));
    }

    #[test]
    fn api_faults_print_retry_lines_and_the_error_result_in_both_shapes() {
        for (spec, status, field) in [
            ("overload@a", 529, None),
            ("overload-status@a", 529, Some(529)),
            ("rate-limit@a", 429, None),
            ("rate-limit-status@a", 429, Some(429)),
        ] {
            let out = spec.parse::<ShimFault>().unwrap().replacement("s").unwrap();
            let retries: Vec<serde_json::Value> = out
                .stdout
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .filter(|l| l["subtype"] == "api_retry")
                .collect();
            assert_eq!(retries.len(), API_RETRIES as usize, "{spec}");
            assert_eq!(retries[0]["error_status"], status);
            let result = final_result(&out.stdout).unwrap();
            assert_eq!(result["is_error"], true);
            assert_eq!(result["api_error_status"].as_u64(), field);
            assert_eq!(api_error_status(&result), Some(status));
            assert_eq!(out.exit_code, Some(1));
        }
    }

    #[test]
    fn a_corrupt_line_carries_the_chosen_text() {
        let mut t = Transcript::new("s", "m", ".");
        t.text("hi");
        t.result("done", false);
        let fault: ShimFault = "corrupt-line@a:2=garbage".parse().unwrap();
        let out = fault.apply(t.output(0), &mut Timing::default());
        assert_eq!(out.stdout.lines().nth(1), Some("garbage"));
        assert_eq!(out.stdout.lines().count(), 3);
    }
}
