//! A scenario suite's settings and its two generated cases.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::player::ScenarioPlayer;
use super::process::CliRunner;
use super::validate::{validate_with, Limits};
use crate::scrub::ScrubConfig;

/// An orchestrator under test: runs the pipeline `recipe` describes through
/// the runner it is given, and returns its final outcome.
pub type Orchestrator = dyn Fn(&dyn CliRunner, &Value) -> Result<String, String> + Send + Sync;

/// What the function under `#[scenario_suite]` returns: the orchestrator
/// replay drives, strictness and size limits.
pub struct ScenarioSuite {
    orchestrator: Option<Box<Orchestrator>>,
    strict: bool,
    limits: Limits,
    scrub: ScrubConfig,
}

impl ScenarioSuite {
    /// No orchestrator yet (replay cases fail until one is set), strict,
    /// default limits.
    pub fn new() -> ScenarioSuite {
        ScenarioSuite {
            orchestrator: None,
            strict: true,
            limits: Limits::default(),
            scrub: ScrubConfig::default(),
        }
    }

    /// The orchestrator replay drives. It receives the replaying runner and
    /// the scenario's `recipe`, and returns its outcome, which must equal
    /// the recorded one.
    pub fn orchestrator(
        mut self,
        orchestrator: impl Fn(&dyn CliRunner, &Value) -> Result<String, String> + Send + Sync + 'static,
    ) -> ScenarioSuite {
        self.orchestrator = Some(Box::new(orchestrator));
        self
    }

    /// Strict (the default): a replay also fails when recordings are left
    /// unused or the steps ran in another order than recorded.
    pub fn strict(mut self, on: bool) -> ScenarioSuite {
        self.strict = on;
        self
    }

    /// The size limits the validate case checks.
    pub fn limits(mut self, limits: Limits) -> ScenarioSuite {
        self.limits = limits;
        self
    }

    /// More scrub patterns and allowed values for the validate cases' secret
    /// check, added to each scenario's own `scrub` field.
    pub fn scrub(mut self, config: ScrubConfig) -> ScenarioSuite {
        self.scrub = config;
        self
    }

    /// Runs one generated case; `key` is `<case>:<scenario name>`.
    pub fn run_case(&self, root: &Path, key: &str) -> Result<(), String> {
        let (case, name) = key
            .split_once(':')
            .ok_or_else(|| format!("bad generated scenario case `{key}`"))?;
        let dir = root.join(name);
        match case {
            "validate" => self.validate(&dir),
            "replay" => self.replay(&dir),
            _ => Err(format!("unknown scenario case `{case}` in `{key}`")),
        }
    }

    /// The post-recording checklist of [`validate`](super::validate::validate), as one report.
    pub fn validate(&self, dir: &Path) -> Result<(), String> {
        let problems = validate_with(dir, &self.limits, &self.scrub);
        if problems.is_empty() {
            return Ok(());
        }
        let mut report = format!(
            "scenario {} has {} problem(s):\n",
            dir.display(),
            problems.len()
        );
        for problem in problems {
            let _ = writeln!(report, "  {problem}");
        }
        Err(report)
    }

    /// Replays the scenario in `dir` through the orchestrator and checks
    /// its outcome (and, when strict, that every recording was used in the
    /// recorded order).
    pub fn replay(&self, dir: &Path) -> Result<(), String> {
        let orchestrator = self.orchestrator.as_ref().ok_or_else(|| {
            "this scenario suite has no orchestrator: set one with \
             `ScenarioSuite::new().orchestrator(...)`"
                .to_owned()
        })?;
        let player = ScenarioPlayer::load(dir).map_err(|problem| problem.to_string())?;
        let manifest = &player.manifest;
        if !manifest.complete {
            return Err(format!(
                "scenario {} is an incomplete recording ({}): re-record it",
                dir.display(),
                manifest.ended_early.as_deref().unwrap_or("it ended early")
            ));
        }
        let cli = player.replayer();
        let result = orchestrator(&cli, &manifest.recipe);
        let mut failures = Vec::new();
        match (&result, &manifest.outcome) {
            (Err(err), _) => failures.push(format!("the orchestrator failed: {err}")),
            (Ok(actual), Some(expected)) if actual != expected => failures.push(format!(
                "outcome differs:\n    recorded: {expected}\n    replayed: {actual}"
            )),
            _ => {}
        }
        if self.strict {
            let recorded = player.steps();
            let served = cli.served_steps();
            if served != recorded && cli.unused().is_empty() {
                failures.push(format!(
                    "steps ran in another order:\n    recorded: {}\n    replayed: {}",
                    recorded.join(" → "),
                    served.join(" → ")
                ));
            }
            if let Err(unused) = cli.finish() {
                failures.push(unused);
            }
        }
        if failures.is_empty() {
            return Ok(());
        }
        let mut report = format!("scenario {} failed its replay:\n", dir.display());
        for failure in failures {
            let _ = writeln!(report, "  {failure}");
        }
        let calls: Vec<String> = cli
            .call_log()
            .iter()
            .map(|call| {
                let note = if call.served {
                    ""
                } else {
                    " (no recording used)"
                };
                format!("#{} {}{note}", call.number, call.step)
            })
            .collect();
        let _ = writeln!(report, "  calls: {}", calls.join(", "));
        Err(report)
    }
}

impl Default for ScenarioSuite {
    fn default() -> ScenarioSuite {
        ScenarioSuite::new()
    }
}
