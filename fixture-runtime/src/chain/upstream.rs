//! What a chained stage is held to besides its own rules: the earlier
//! stages' actual outputs. The `pipeline` checks ([`pipeline::check`]) run
//! over them and the stage's own output, a reviewer is grounded in the
//! patch it was handed, and a coder's configuration scope follows the
//! design it was handed (`configurationFiles`). A task's
//! `pipeline_must_fail` is then decided at the stage whose checks fail.

use crate::agent::Agent;
use crate::constraints::Constraints;
use crate::contract::{self, AgentOutput, ArchitectSpec};
use crate::engine::declared_failure;
use crate::fixture::Fixture;
use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::patch::{self, Patch};
use crate::rules::pipeline::{self, Stage, Stages};
use crate::rules::TaskPatch;
use crate::verify::Verified;

/// An earlier stage's output, as the later stages receive it and are
/// checked against it.
#[derive(Debug, Clone)]
pub struct Earlier {
    /// Which stage.
    pub(crate) agent: Agent,
    /// The output as it was produced, handed to the later prompts.
    pub(crate) text: String,
    /// How messages name it: the golden's path when it is the golden, else
    /// `actual <agent> output for <fixture>`.
    source: String,
    output: AgentOutput,
    /// A coder's patch, parsed (the sections that parsed).
    patch: Option<Patch>,
    constraints: Constraints,
    repo: Option<Repo>,
}

impl Earlier {
    /// `text`, the output of `fixture`'s stage that passed, named `source`.
    pub(crate) fn new(fixture: &Fixture, text: String, source: String) -> Result<Self, Violation> {
        let output = contract::parse(fixture.id.agent, &text)
            .map_err(|err| {
                Violation::new(Rule::Contract, err.message)
                    .at(format!("{source}:{}:{}", err.line, err.column))
            })?
            .output;
        let (patch, repo) = crate::task::stage_parts(fixture, &output, &source)?;
        Ok(Earlier {
            agent: fixture.id.agent,
            text,
            source,
            output,
            patch,
            constraints: fixture.constraints.clone(),
            repo,
        })
    }

    fn view(&self) -> View<'_> {
        View {
            output: &self.output,
            patch: self.patch.as_ref(),
            source: &self.source,
            constraints: &self.constraints,
            repo: self.repo.as_ref(),
        }
    }
}

/// The earlier stages of one chained stage, architect first.
#[derive(Debug, Clone, Copy)]
pub struct Upstream<'a> {
    pub(crate) earlier: &'a [Earlier],
    /// The task has no stage after this one: a `pipeline_must_fail` that no
    /// stage met fails here.
    pub(crate) last: bool,
    /// The task folder, as shown, which a `because` is matched within.
    pub(crate) task_dir: &'a str,
}

impl Upstream<'_> {
    fn of(&self, agent: Agent) -> Option<&Earlier> {
        self.earlier.iter().find(|stage| stage.agent == agent)
    }

    /// For a reviewer: the patch the coder stage produced.
    pub(crate) fn task_patch(&self) -> Option<TaskPatch> {
        let coder = self.of(Agent::Coder)?;
        let AgentOutput::Coder(output) = &coder.output else {
            return None;
        };
        Some(TaskPatch {
            golden: coder.source.clone(),
            patch: patch::parse(&output.patch, "").ok(),
        })
    }

    /// For a coder: the architect stage's design, which the `pipeline`
    /// rule holds the patch to (its `configurationFiles` decide which list
    /// governs configuration files, as `pipeline::config_scope` says).
    pub(crate) fn design(&self, fixture: &Fixture) -> Option<&ArchitectSpec> {
        if fixture.id.agent != Agent::Coder {
            return None;
        }
        match &self.of(Agent::Architect)?.output {
            AgentOutput::Architect(spec) => Some(spec),
            _ => None,
        }
    }

    /// The `pipeline` checks over the earlier stages and `output` (the
    /// stage's own, named `source`). The pairs of earlier stages passed at
    /// their own stage, so what is found concerns this one.
    pub(crate) fn check(
        &self,
        output: &AgentOutput,
        source: &str,
        constraints: &Constraints,
        repo: Option<&Repo>,
    ) -> Vec<Violation> {
        let own_patch = match output {
            AgentOutput::Coder(coder) => Some(patch::parse_recovering(&coder.patch, source).0),
            _ => None,
        };
        let own = View {
            output,
            patch: own_patch.as_ref(),
            source,
            constraints,
            repo,
        };
        let mut stages = Stages::default();
        for view in self.earlier.iter().map(Earlier::view).chain([own]) {
            match view.output {
                AgentOutput::Architect(spec) => stages.architect = Some(view.stage(spec)),
                AgentOutput::Planner(plan) => stages.planner = Some(view.stage(plan)),
                AgentOutput::Coder(_) => stages.coder = view.patch.map(|p| view.stage(p)),
                AgentOutput::Reviewer(review) => stages.reviewer = Some(view.stage(review)),
            }
        }
        pipeline::check(&stages)
    }

    /// Where the task declares `pipeline_must_fail`: the stage's verdict
    /// when its `pipeline` checks decide it, that is when every violation
    /// found is theirs, or when it passed as the task's last stage (the
    /// declared failure never came). `None` leaves the stage to its own
    /// verification.
    pub(crate) fn declared_failure(
        &self,
        fixture: &Fixture,
        checked: &Result<Verified, Vec<Violation>>,
    ) -> Option<Result<Violation, Vec<Violation>>> {
        let must = fixture.constraints.pipeline_must_fail.as_ref()?;
        match checked {
            Err(violations) if violations.iter().all(|v| v.rule == Rule::Pipeline) => {
                Some(declared_failure(must, violations.clone(), self.task_dir))
            }
            Ok(_) if self.last => Some(declared_failure(must, Vec::new(), self.task_dir)),
            _ => None,
        }
    }
}

/// One stage's output and what the checks need to know about it.
#[derive(Clone, Copy)]
struct View<'a> {
    output: &'a AgentOutput,
    patch: Option<&'a Patch>,
    source: &'a str,
    constraints: &'a Constraints,
    repo: Option<&'a Repo>,
}

impl<'a> View<'a> {
    fn stage<T>(&self, output: &'a T) -> Stage<'a, T> {
        Stage {
            output,
            source: self.source,
            constraints: self.constraints,
            repo: self.repo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An earlier stage's actual output, as a chained run keeps it.
    fn earlier(agent: Agent, text: &str, repo: Option<&Repo>) -> Earlier {
        let output = contract::parse(agent, text).unwrap().output;
        let source = format!("actual {agent} output for t/{agent}");
        let patch = match &output {
            AgentOutput::Coder(coder) => Some(patch::parse_recovering(&coder.patch, &source).0),
            _ => None,
        };
        Earlier {
            agent,
            text: text.to_owned(),
            source,
            output,
            patch,
            constraints: Constraints::default(),
            repo: repo.cloned(),
        }
    }

    const PATCH: &str = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n\
                         @@ -1,2 +1,2 @@\n 1\n-2\n+two\n";

    fn check(earlier: &[Earlier], agent: Agent, text: &str, repo: Option<&Repo>) -> Vec<String> {
        let upstream = Upstream {
            earlier,
            last: false,
            task_dir: "t",
        };
        let output = contract::parse(agent, text).unwrap().output;
        upstream
            .check(&output, "own", &Constraints::default(), repo)
            .iter()
            .map(|v| format!("{} {}", v.location.clone().unwrap_or_default(), v.message))
            .collect()
    }

    #[test]
    fn a_review_is_checked_against_the_patch_the_coder_stage_produced() {
        let mut repo = Repo::default();
        repo.files.insert("src/a.ts".into(), Some("1\n2\n".into()));
        repo.files.insert("src/b.ts".into(), Some("1\n".into()));
        let coder = [earlier(Agent::Coder, PATCH, Some(&repo))];
        let review = |path: &str| {
            format!(
                r#"{{"decision": "revise", "comments": [{{"message": "m", "blocking": true, "path": "{path}", "line": 2}}]}}"#
            )
        };
        assert_eq!(
            check(&coder, Agent::Reviewer, &review("src/a.ts"), Some(&repo)),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&coder, Agent::Reviewer, &review("src/b.ts"), Some(&repo)),
            [
                "own: comments[0].path vs actual coder output for t/coder: the files it touches \
                 comment on `src/b.ts` line 2, which is neither a file the patch touches nor a \
                 line of the patched tree",
                "own: decision vs actual coder output for t/coder: hunks (src/a.ts 1-2) decision \
                 `revise`, but no blocking comment names a line the patch changed or its context",
            ]
        );
        let upstream = Upstream {
            earlier: &coder,
            last: false,
            task_dir: "t",
        };
        let handed = upstream.task_patch().unwrap();
        assert_eq!(handed.golden, "actual coder output for t/coder");
        assert_eq!(handed.patch.unwrap().files.len(), 1);
    }

    #[test]
    fn a_patch_is_held_to_the_configuration_files_of_the_design_it_was_handed() {
        let design = r#"{"highLevelSummary": "s", "pagesOrScreens": [], "apis": [],
            "dataModels": [], "recommendedFileStructure": ["src/a.ts", "ci.yml"],
            "configurationFiles": ["app.toml"]}"#;
        let architect = [earlier(Agent::Architect, design, None)];
        let config =
            "diff --git a/ci.yml b/ci.yml\n--- a/ci.yml\n+++ b/ci.yml\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            check(&architect, Agent::Coder, config, None),
            [
                "own:1 vs actual architect output for t/architect: configurationFiles the patch \
              changes the configuration file `ci.yml`, which the design does not list"
            ]
        );
        assert_eq!(
            check(&architect, Agent::Coder, PATCH, None),
            Vec::<String>::new()
        );
        // Without an architect stage, nothing holds the patch to a design.
        assert_eq!(check(&[], Agent::Coder, config, None), Vec::<String>::new());
    }
}
