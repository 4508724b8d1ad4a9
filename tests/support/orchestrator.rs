//! The reference orchestrator: investigate → rectify → implement → test →
//! (on failure) assess → classify → implement again, until the tests pass or
//! the retry budget runs out → summary. Every agent call and the test
//! command go through a [`CliRunner`], so the same code runs live, records,
//! and replays.
//!
//! Its prompts carry `@bash`, `@write` and `@answer` directives for the
//! stand-in agent CLI (`examples/stand-in-agent.rs`); a real agent reads them
//! as part of the instructions.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use fixture_kit::scenario::stream_json::{api_error_status, final_result};
use fixture_kit::scenario::{CliCall, CliOutput, CliRunner};
use serde_json::{json, Value};

/// One configured pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The agent CLI: program, then arguments before the stream-json flags.
    pub agent: Vec<String>,
    /// The test command: program, then arguments.
    pub test_command: Vec<String>,
    /// The project the agents work in.
    pub workdir: PathBuf,
    /// What to do.
    pub task: String,
    /// How many extra implement rounds a failing test may cause.
    pub retry_budget: u32,
    /// How many times one agent call is retried on an API overload (529).
    pub overload_retries: u32,
    /// The timeout of each call.
    pub timeout: Duration,
    /// Environment for every call.
    pub env: BTreeMap<String, String>,
}

impl Pipeline {
    /// A pipeline from a scenario's recipe, for replay: the program paths
    /// and working directory are not used then.
    pub fn from_recipe(recipe: &Value) -> Result<Pipeline, String> {
        let field = |name: &str| {
            recipe
                .get(name)
                .ok_or_else(|| format!("the recipe has no `{name}`: {recipe}"))
        };
        let number = |name: &str| {
            field(name)?
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("the recipe's `{name}` is not a small whole number"))
        };
        if field("pipeline")? != "reference" {
            return Err(format!("not a reference-pipeline recipe: {recipe}"));
        }
        Ok(Pipeline {
            agent: vec!["stand-in-agent".to_owned()],
            test_command: vec!["sh".to_owned(), "check.sh".to_owned()],
            workdir: PathBuf::from("."),
            task: field("task")?
                .as_str()
                .ok_or("the recipe's `task` is not text")?
                .to_owned(),
            retry_budget: number("retry_budget")?,
            overload_retries: number("overload_retries")?,
            timeout: Duration::from_secs(60),
            env: BTreeMap::new(),
        })
    }

    /// The recipe recorded in `scenario.json`.
    pub fn recipe(&self) -> Value {
        json!({
            "pipeline": "reference",
            "task": self.task,
            "retry_budget": self.retry_budget,
            "overload_retries": self.overload_retries,
        })
    }

    /// Runs the pipeline; returns its outcome (status and summary).
    pub fn run(&self, cli: &dyn CliRunner) -> Result<String, String> {
        let status = match self.rounds(cli) {
            Ok(status) => status,
            Err((step, reason)) => format!("aborted at step `{step}`: {reason}"),
        };
        let prompt = format!(
            "Create a summary of the run for the task: {}\nStatus: {status}\n\
             @bash git log --format=%s\n@answer Summary: {status}.",
            self.task
        );
        match self.agent(cli, "summary", &prompt) {
            Ok(summary) => Ok(format!("{status}; summary: {}", summary.trim())),
            Err(reason) => Ok(format!("{status}; no summary: {reason}")),
        }
    }

    /// Everything before the summary; `Err((step, reason))` aborts.
    fn rounds(&self, cli: &dyn CliRunner) -> Result<String, (&'static str, String)> {
        let at = |step: &'static str| move |reason: String| (step, reason);
        let investigation = self
            .agent(
                cli,
                "investigate",
                &format!(
                    "Investigate the repository for the task: {}\n@bash ls\n\
                     @bash git log --format=%s\n\
                     @answer The repository holds check.sh, which checks work.log.",
                    self.task
                ),
            )
            .map_err(at("investigate"))?;
        let plan = self
            .agent(
                cli,
                "rectify",
                &format!(
                    "Rectify the plan for the task: {}\nFindings: {investigation}\n\
                     @answer Plan: append a line to work.log and commit it.",
                    self.task
                ),
            )
            .map_err(at("rectify"))?;
        let mut retries = 0;
        let mut feedback = String::from("none");
        loop {
            let attempt = retries + 1;
            self.agent(
                cli,
                "implement",
                &format!(
                    "Implement the plan (attempt {attempt}): {plan}\nFeedback: {feedback}\n\
                     @write work.log attempt {attempt}\n\
                     @bash git add -A && git commit -q -m 'implement attempt {attempt}'\n\
                     @answer Implemented attempt {attempt}."
                ),
            )
            .map_err(at("implement"))?;
            let test = self.test(cli).map_err(at("test"))?;
            if test.success() {
                return Ok(format!("tests pass after {retries} {}", plural(retries)));
            }
            if retries == self.retry_budget {
                return Ok(format!(
                    "retry budget exhausted: tests still fail after {retries} {}",
                    plural(retries)
                ));
            }
            let failure = test
                .stdout
                .lines()
                .chain(test.stderr.lines())
                .next()
                .unwrap_or("");
            let assessment = self
                .agent(
                    cli,
                    "assess",
                    &format!(
                        "Assess the failing test run (exit code {}):\n{}{}\n\
                         @answer The check failed: {failure}",
                        exit_code(&test),
                        test.stdout,
                        test.stderr
                    ),
                )
                .map_err(at("assess"))?;
            let class = self
                .agent(
                    cli,
                    "classify",
                    &format!(
                        "Classify the failure as `retry` or `give-up`: {assessment}\n@answer retry"
                    ),
                )
                .map_err(at("classify"))?;
            if !class.trim_start().starts_with("retry") {
                return Ok(format!(
                    "gave up: the failure was classified `{}`",
                    class.trim()
                ));
            }
            retries += 1;
            feedback = assessment;
        }
    }

    /// One agent call, retried on API overload; the final result text.
    fn agent(&self, cli: &dyn CliRunner, step: &str, prompt: &str) -> Result<String, String> {
        let (program, args) = self
            .agent
            .split_first()
            .ok_or("no agent program configured")?;
        for attempt in 1.. {
            let call = CliCall::agent(step, program)
                .args(args.iter().cloned())
                .args(["-p", "--output-format", "stream-json", "--verbose"])
                .cwd(&self.workdir)
                .stdin(prompt)
                .timeout(self.timeout);
            let output = cli
                .run(&self.with_env(call))
                .map_err(|err| err.to_string())?;
            let Some(result) = final_result(&output.stdout) else {
                return Err(if output.timed_out {
                    format!(
                        "the agent timed out after {:?} without a result",
                        self.timeout
                    )
                } else {
                    format!(
                        "the agent's output ended without a result line (exit code {})",
                        exit_code(&output)
                    )
                });
            };
            let text = result["result"].as_str().unwrap_or("").to_owned();
            if result["is_error"] == true {
                if api_error_status(&result) == Some(529) {
                    if attempt <= self.overload_retries {
                        continue;
                    }
                    return Err(format!(
                        "the API stayed overloaded (529) for {attempt} attempts"
                    ));
                }
                return Err(format!("the agent reported an error: {text}"));
            }
            // A result followed by a hang is a result: the timeout ended it.
            if !output.timed_out && !output.success() {
                return Err(format!("the agent exited with code {}", exit_code(&output)));
            }
            return Ok(text);
        }
        unreachable!("the loop returns")
    }

    fn test(&self, cli: &dyn CliRunner) -> Result<CliOutput, String> {
        let (program, args) = self
            .test_command
            .split_first()
            .ok_or("no test command configured")?;
        let call = CliCall::command("test", program)
            .args(args.iter().cloned())
            .cwd(&self.workdir)
            .timeout(self.timeout);
        cli.run(&self.with_env(call)).map_err(|err| err.to_string())
    }

    fn with_env(&self, mut call: CliCall) -> CliCall {
        call.env.extend(self.env.clone());
        call
    }
}

fn exit_code(output: &CliOutput) -> String {
    output
        .exit_code
        .map_or_else(|| "none (killed)".to_owned(), |code| code.to_string())
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        "retry"
    } else {
        "retries"
    }
}
