//! The verification rules. Each is implemented once, as a pure function
//! over a typed output, an in-memory view of `repo/` and the declared
//! constraints, returning every violation it finds. [`check`] picks the
//! rules that apply to each agent.

pub mod apply;
pub mod determinism;
pub mod fabrication;
pub mod patch;
pub mod paths;
pub mod pipeline;
pub mod reviewer;
pub mod scope;
pub mod task_graph;
pub mod zero_change;

use crate::constraints::Constraints;
use crate::contract::{AgentOutput, ArchitectSpec, CoderOutput, PlannerOutput, ReviewerOutput};
use crate::repo::Repo;
use crate::rule::{Rule, Violation};

/// What the rules know besides the output.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The golden's path as shown in locations.
    pub golden: &'a str,
    /// Declared constraints.
    pub constraints: &'a Constraints,
    /// The fixture's `repo/`, if it has one.
    pub repo: Option<&'a Repo>,
    /// For a reviewer: the task's coder golden (`../coder/expected.patch`),
    /// when there is one.
    pub task_patch: Option<&'a TaskPatch>,
    /// For a coder: the task's design, the stage the `pipeline` rule checks
    /// the patch against. With [`pipeline::config_scope`] it decides whether
    /// the `scope` rule checks configuration files against
    /// `config_whitelist` or leaves them to the design's list.
    pub design: Option<&'a ArchitectSpec>,
    /// Whether the fixture is verified in legacy mode.
    pub legacy: bool,
}

/// A reviewer task's coder golden, which a reviewer's comments may depend on.
#[derive(Debug, Clone)]
pub struct TaskPatch {
    /// The golden's path, as shown in messages.
    pub golden: String,
    /// Its patch, when it parses.
    pub patch: Option<patch::Patch>,
}

/// Runs every rule that applies to `output`.
pub fn check(output: &AgentOutput, ctx: &Context<'_>) -> Vec<Violation> {
    let forbidden = match paths::forbidden(&ctx.constraints.forbidden_paths) {
        Ok(patterns) => patterns,
        Err(violation) => return vec![violation],
    };
    let path = |path: &str, location: String| paths::check(path, &forbidden, &location);
    let mut violations = match output {
        AgentOutput::Architect(spec) => architect(spec, ctx, &path),
        AgentOutput::Planner(plan) => planner(plan, ctx, &path),
        AgentOutput::Coder(coder) => coder_rules(coder, ctx, &path),
        AgentOutput::Reviewer(review) => reviewer_rules(review, ctx, &path),
    };
    if !ctx.legacy {
        violations.extend(missing_repo(output, ctx));
    }
    violations
}

type PathCheck<'a> = dyn Fn(&str, String) -> Option<Violation> + 'a;

fn architect(spec: &ArchitectSpec, ctx: &Context<'_>, path: &PathCheck<'_>) -> Vec<Violation> {
    let mut violations: Vec<Violation> = spec
        .recommended_file_structure
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let p = structure_path(entry)?;
            path(p, format!("{}: recommendedFileStructure[{i}]", ctx.golden))
        })
        .collect();
    violations.extend(json_determinism(spec, ctx));
    violations
}

/// The path in a `recommendedFileStructure` entry: tree-drawing characters
/// trimmed, up to the first whitespace (`├── src/app.ts  # entry` →
/// `src/app.ts`).
fn structure_path(entry: &str) -> Option<&str> {
    entry
        .trim_start_matches(|c: char| c.is_whitespace() || "│├└─|`-*".contains(c))
        .split_whitespace()
        .next()
}

fn planner(plan: &PlannerOutput, ctx: &Context<'_>, path: &PathCheck<'_>) -> Vec<Violation> {
    let c = ctx.constraints;
    let mut violations = zero_change::plan(plan, c.zero_change, ctx.golden);
    violations.extend(
        plan.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.file.trim().is_empty())
            .filter_map(|(i, t)| path(&t.file, format!("{}: tasks[{i}].file", ctx.golden))),
    );
    if let Some(repo) = ctx.repo {
        violations.extend(fabrication::plan(plan, repo, &c.new_files, ctx.golden));
    }
    violations.extend(task_graph::check(plan, &c.task_graph, ctx.golden));
    violations.extend(scope::plan(plan, c.scope, ctx.golden));
    violations.extend(json_determinism(plan, ctx));
    violations
}

const NO_REPO_HINT: &str = "add the source the agents see as repo/ (task or agent level), or \
                            declare `\"no_repo\": \"<why>\"` in fixture.json";

/// For a planner or a reviewer: without `repo/`, non-fabrication cannot
/// run, and that must be declared (`no_repo`), never silently skipped. One
/// finding per fixture: an error, or for a legacy corpus a warning.
fn missing_repo(output: &AgentOutput, ctx: &Context<'_>) -> Option<Violation> {
    let what = match output {
        AgentOutput::Planner(plan) if !plan.tasks.is_empty() => "the planned files",
        AgentOutput::Reviewer(review) if review.comments.iter().any(|c| c.path.is_some()) => {
            "the commented paths"
        }
        _ => return None,
    };
    (ctx.repo.is_none() && ctx.constraints.no_repo.is_none()).then(|| {
        Violation::new(
            Rule::NonFabrication,
            format!("no repo/: {what} cannot be checked against the source, and nothing says why"),
        )
        .at(ctx.golden.to_owned())
        .hint(NO_REPO_HINT)
    })
}

fn coder_rules(coder: &CoderOutput, ctx: &Context<'_>, path: &PathCheck<'_>) -> Vec<Violation> {
    let c = ctx.constraints;
    // Every rule runs on the sections and hunks that parsed, so one run
    // reports every problem, not only the first.
    let (parsed, mut violations) = patch::parse_recovering(&coder.patch, ctx.golden);
    violations.extend(zero_change::patch(
        coder,
        parsed.files.len(),
        c.zero_change,
        ctx.golden,
    ));
    for fp in &parsed.files {
        violations.extend(
            fp.paths()
                .into_iter()
                .filter_map(|p| path(p, format!("{}:{}", ctx.golden, fp.line))),
        );
    }
    let empty = Repo::default();
    let repo = match (ctx.repo, &c.no_repo) {
        (Some(repo), _) => Some(repo),
        (None, _) if legacy_creation_only(&parsed, ctx) => Some(&empty),
        (None, Some(_)) => None,
        (None, None) if !parsed.files.is_empty() => {
            violations.push(
                Violation::new(
                    Rule::PatchApply,
                    "no repo/: the patch cannot be applied, and nothing says why",
                )
                .at(ctx.golden.to_owned())
                .hint(NO_REPO_HINT),
            );
            None
        }
        (None, None) => None,
    };
    if let Some(repo) = repo {
        violations.extend(fabrication::patch(&parsed, repo, ctx.golden));
        if let Err(failed) = apply::apply(&parsed, repo, ctx.golden) {
            violations.extend(failed);
        }
    }
    let whitelist = match pipeline::config_scope(ctx.design, c) {
        pipeline::ConfigScope::Whitelist(whitelist) => Some(whitelist),
        pipeline::ConfigScope::Design(_) => None,
    };
    violations.extend(scope::patch(&parsed, c.scope, whitelist, ctx.golden));
    violations
}

/// In legacy mode, a coder fixture without `repo/` whose patch only
/// creates files is applied to an empty tree.
fn legacy_creation_only(parsed: &patch::Patch, ctx: &Context<'_>) -> bool {
    ctx.legacy
        && ctx.repo.is_none()
        && ctx.constraints.no_repo.is_none()
        && !parsed.files.is_empty()
        && parsed
            .files
            .iter()
            .all(|fp| matches!(fp.change, patch::Change::Create(_)))
}

/// Findings that do not fail the fixture, in legacy mode: a planner or
/// reviewer without `repo/`, and a coder patch that only creates files,
/// checked against an empty tree for want of `repo/`.
pub fn warnings(output: &AgentOutput, ctx: &Context<'_>) -> Vec<Violation> {
    let mut warnings: Vec<Violation> = ctx
        .legacy
        .then(|| missing_repo(output, ctx))
        .flatten()
        .into_iter()
        .collect();
    let AgentOutput::Coder(coder) = output else {
        return warnings;
    };
    let (parsed, _) = patch::parse_recovering(&coder.patch, ctx.golden);
    warnings.extend(legacy_creation_only(&parsed, ctx).then(|| {
        Violation::new(
            Rule::PatchApply,
            "no repo/: the patch only creates files, so it was applied to an empty tree \
                 (legacy mode)",
        )
        .at(ctx.golden.to_owned())
        .hint(NO_REPO_HINT)
    }));
    warnings
}

fn reviewer_rules(
    review: &ReviewerOutput,
    ctx: &Context<'_>,
    path: &PathCheck<'_>,
) -> Vec<Violation> {
    let mut violations = reviewer::check(review, &ctx.constraints.reviewer, ctx.golden);
    violations.extend(
        review
            .comments
            .iter()
            .enumerate()
            .filter_map(|(i, comment)| {
                let p = comment.path.as_deref()?;
                path(p, format!("{}: comments[{i}].path", ctx.golden))
            }),
    );
    if let Some(repo) = ctx.repo {
        let (reviewed, depends_on) = match ctx.task_patch {
            Some(TaskPatch {
                golden,
                patch: Some(task_patch),
            }) => (
                pipeline::patched(repo, task_patch),
                Some(format!("the coder golden `{golden}`")),
            ),
            Some(TaskPatch {
                golden,
                patch: None,
            }) => (
                repo.clone(),
                Some(format!(
                    "the coder golden `{golden}` (which does not parse, so repo/ is reviewed as it is)"
                )),
            ),
            None => (repo.clone(), None),
        };
        violations.extend(fabrication::review(
            review,
            repo,
            &reviewed,
            depends_on.as_deref(),
            ctx.golden,
        ));
    }
    violations.extend(json_determinism(review, ctx));
    violations
}

fn json_determinism(output: &impl serde::Serialize, ctx: &Context<'_>) -> Vec<Violation> {
    let value = serde_json::to_value(output).unwrap_or_default();
    determinism::check(&value, &ctx.constraints.volatile, ctx.golden)
}

#[cfg(test)]
mod tests {
    use super::structure_path;
    use crate::discover::FixtureId;
    use crate::fixture::Fixture;
    use crate::verify::{verify, Schema};

    #[test]
    fn legacy_creation_only_patches_apply_to_an_empty_tree_with_one_warning() {
        use super::{check, warnings, Context};
        use crate::constraints::Constraints;
        use crate::contract::{AgentOutput, CoderOutput};
        let create = "diff --git a/n.ts b/n.ts\nnew file mode 100644\n--- /dev/null\n+++ b/n.ts\n@@ -0,0 +1 @@\n+x\n";
        let modify = "diff --git a/o.ts b/o.ts\n--- a/o.ts\n+++ b/o.ts\n@@ -1 +1 @@\n-a\n+b\n";
        let constraints = Constraints::default();
        let ctx = |legacy| Context {
            golden: "g",
            constraints: &constraints,
            repo: None,
            task_patch: None,
            design: None,
            legacy,
        };
        let coder = |patch: &str| {
            AgentOutput::Coder(CoderOutput {
                patch: patch.to_owned(),
            })
        };
        let text =
            |v: Vec<crate::rule::Violation>| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            text(check(&coder(create), &ctx(true))),
            Vec::<String>::new()
        );
        assert_eq!(
            text(warnings(&coder(create), &ctx(true))),
            [
                "[patch-apply] g: no repo/: the patch only creates files, so it was applied to an \
              empty tree (legacy mode)\n    hint: add the source the agents see as repo/ (task or \
              agent level), or declare `\"no_repo\": \"<why>\"` in fixture.json"
            ]
        );
        // A creation that does not parse as one still fails in legacy mode.
        let broken = create.replace("+1 @@", "+1,2 @@");
        assert!(!check(&coder(&broken), &ctx(true)).is_empty());
        for (patch, legacy) in [(create, false), (&format!("{create}{modify}"), true)] {
            assert!(text(check(&coder(patch), &ctx(legacy)))
                .iter()
                .any(|v| v.contains("no repo/: the patch cannot be applied")));
            assert!(warnings(&coder(patch), &ctx(legacy)).is_empty());
        }
    }

    #[test]
    fn the_scope_and_pipeline_rules_split_configuration_files_by_one_decision() {
        use super::pipeline::{self, Stage, Stages};
        use super::{check, Context};
        use crate::constraints::Constraints;
        use crate::contract::{AgentOutput, ArchitectSpec, CoderOutput};
        use crate::rule::Rule;
        let text = "diff --git a/ci.yml b/ci.yml\n--- a/ci.yml\n+++ b/ci.yml\n@@ -1 +1 @@\n-a\n+b\n\
                    diff --git a/app.toml b/app.toml\n--- a/app.toml\n+++ b/app.toml\n@@ -1 +1 @@\n-a\n+b\n";
        let parsed = super::patch::parse(text, "c").unwrap();
        let design = |config: Option<&[&str]>| -> ArchitectSpec {
            let mut value = serde_json::json!({
                "highLevelSummary": "s", "pagesOrScreens": [], "apis": [], "dataModels": [],
                "recommendedFileStructure": [],
            });
            if let Some(config) = config {
                value["configurationFiles"] = serde_json::json!(config);
            }
            serde_json::from_value(value).unwrap()
        };
        let (listed, silent) = (design(Some(&["ci.yml"])), design(None));
        // Which files each rule flags: (scope, pipeline); "both" is the
        // pipeline rule's error for a list declared twice.
        let flagged = |design: Option<&ArchitectSpec>, constraints: &Constraints| {
            let ctx = Context {
                golden: "c",
                constraints,
                repo: None,
                task_patch: None,
                design,
                legacy: false,
            };
            let coder = AgentOutput::Coder(CoderOutput {
                patch: text.to_owned(),
            });
            let scope: Vec<String> = check(&coder, &ctx)
                .into_iter()
                .filter(|v| v.rule == Rule::Scope)
                .map(|v| v.message.split('`').nth(1).unwrap_or_default().to_owned())
                .collect();
            let stages = Stages {
                architect: design.map(|output| Stage {
                    output,
                    source: "a",
                    constraints,
                    repo: None,
                }),
                coder: Some(Stage {
                    output: &parsed,
                    source: "c",
                    constraints,
                    repo: None,
                }),
                ..Stages::default()
            };
            let piped: Vec<String> = pipeline::check(&stages)
                .into_iter()
                .map(|v| match v.message.split('`').nth(1) {
                    Some(path) => path.to_owned(),
                    None => "both".to_owned(),
                })
                .collect();
            (scope, piped)
        };
        let declare = |pipeline: Option<bool>, whitelist: &[&str]| Constraints {
            pipeline,
            config_whitelist: whitelist.iter().map(|w| (*w).to_owned()).collect(),
            ..Constraints::default()
        };
        let none: Vec<String> = Vec::new();
        let of = |paths: &[&str]| paths.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        // The design's list, with the checks on: the pipeline rule's alone.
        assert_eq!(
            flagged(Some(&listed), &declare(None, &[])),
            (none.clone(), of(&["app.toml"]))
        );
        assert_eq!(
            flagged(Some(&listed), &declare(None, &["app.toml"])),
            (none.clone(), of(&["both"]))
        );
        // Checks off, a design without the list, or no design:
        // `config_whitelist`, the scope rule's alone.
        for design in [Some(&listed), Some(&silent), None] {
            let pipeline = design
                .is_some_and(|d| d.configuration_files.is_some())
                .then_some(false);
            assert_eq!(
                flagged(design, &declare(pipeline, &["app.toml"])),
                (of(&["ci.yml"]), none.clone())
            );
            assert_eq!(
                flagged(design, &declare(pipeline, &[])),
                (of(&["ci.yml", "app.toml"]), none.clone())
            );
        }
    }

    #[test]
    fn a_patch_with_several_defects_reports_every_one() {
        let root =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fixtures"));
        let id = FixtureId::parse("rule-must-fail/patch-several-defects/coder").unwrap();
        let fixture = Fixture::load(root, &id).unwrap();
        let golden = fixture.golden.clone().unwrap();
        let found: Vec<String> = verify(&fixture, &golden, Schema::Strict)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        let all = found.join("\n");
        for expected in [
            "[patch-validity] tests/data/fixtures/rule-must-fail/patch-several-defects/coder/expected.patch:4: \
             `src/shape.ts`: hunk 1 `@@ -1,4 +1,4 @@`: header says 4 old / 4 new lines, body has 3 / 3",
            "[patch-apply] tests/data/fixtures/rule-must-fail/patch-several-defects/coder/expected.patch:9: \
             `src/shape.ts`: hunk 2 `@@ -5,3 +5,3 @@` does not apply: at line 6, expected \
             `  return 2 * (w - h);` but found `  return 2 * (w + h);`",
            "[patch-apply] tests/data/fixtures/rule-must-fail/patch-several-defects/coder/expected.patch:17: \
             `src/units.ts`: hunk 1 `@@ -1,3 +1,3 @@` does not apply",
            "[path-safety] tests/data/fixtures/rule-must-fail/patch-several-defects/coder/expected.patch:22: \
             `dist/shape.js` is under forbidden path `dist/`",
            "[non-fabrication] tests/data/fixtures/rule-must-fail/patch-several-defects/coder/expected.patch:17: \
             `src/units.ts`: hunk 1 has removed line `export const UNIT = \"mm\";`",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
    }

    #[test]
    fn structure_entries_yield_their_path() {
        assert_eq!(
            structure_path("├── src/app.ts  # entry"),
            Some("src/app.ts")
        );
        assert_eq!(structure_path("dist/"), Some("dist/"));
        assert_eq!(structure_path("   "), None);
    }
}
