//! `pipeline`: a task's stages checked together. A plan names only files
//! the design recommends, a patch touches only files the plan names, a
//! review points at what the patch changed, and the plan and the patch
//! change only the configuration files the design lists. Each violation
//! names both stages and both places, so a failure says which side to fix.
//!
//! The checks are pure functions over parsed stage outputs ([`Stages`]):
//! the per-task test feeds them the goldens on disk (`crate::task`), and a
//! chained run can feed them the outputs of the stages it ran.

use crate::agent::Agent;
use crate::constraints::{Constraints, ReviewAnchoring};
use crate::contract::{ArchitectSpec, Decision, PlannerOutput, ReviewerOutput};
use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::patch::{Change, FilePatch, Patch};
use crate::rules::{apply, fabrication, scope, structure_path};

/// One stage's output with what the checks need to know about it.
#[derive(Debug)]
pub struct Stage<'a, T> {
    /// The output, parsed.
    pub output: &'a T,
    /// Where it comes from, as messages name it: a golden's path, or a
    /// description of an actual output.
    pub source: &'a str,
    /// The stage's declared constraints (its task's and its own
    /// `fixture.json`, merged). A check follows the later stage's.
    pub constraints: &'a Constraints,
    /// The source the stage's agent saw (its `repo/`), if any.
    pub repo: Option<&'a Repo>,
}

impl<T> Clone for Stage<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Stage<'_, T> {}

/// The stages of one task that are present; any subset of the four.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stages<'a> {
    /// The design.
    pub architect: Option<Stage<'a, ArchitectSpec>>,
    /// The plan.
    pub planner: Option<Stage<'a, PlannerOutput>>,
    /// The patch, parsed (the sections that parsed, for a damaged one).
    pub coder: Option<Stage<'a, Patch>>,
    /// The review.
    pub reviewer: Option<Stage<'a, ReviewerOutput>>,
}

/// Which list says what configuration files a task's patch may change.
/// The coder's `scope` rule and the `pipeline` rule both ask
/// [`config_scope`], so exactly one of them checks the patch's
/// configuration files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigScope<'a> {
    /// The design's `configurationFiles`, held to by the `pipeline` rule
    /// (`config_whitelist` must then be empty).
    Design(&'a [String]),
    /// `fixture.json`'s `config_whitelist`, held to by the coder's `scope`
    /// rule.
    Whitelist(&'a [String]),
}

/// The configuration scope of a patch whose stage declares `coder` and
/// whose task's design is `design`: the design's `configurationFiles` when
/// it lists them and the coder's `pipeline` checks are on; otherwise
/// `config_whitelist`.
pub fn config_scope<'a>(
    design: Option<&'a ArchitectSpec>,
    coder: &'a Constraints,
) -> ConfigScope<'a> {
    match design.and_then(|spec| spec.configuration_files.as_deref()) {
        Some(files) if on(coder) => ConfigScope::Design(files),
        _ => ConfigScope::Whitelist(&coder.config_whitelist),
    }
}

/// A stage's `pipeline` checks are on unless it declares `"pipeline": false`.
fn on(constraints: &Constraints) -> bool {
    constraints.pipeline != Some(false)
}

/// Whether any check applies to a task whose stages are those for which
/// `present` holds: a planner or a coder with the design, a coder with the
/// plan, a reviewer with the patch.
pub fn applies(present: impl Fn(Agent) -> bool) -> bool {
    let [architect, planner, coder, reviewer] = [
        Agent::Architect,
        Agent::Planner,
        Agent::Coder,
        Agent::Reviewer,
    ]
    .map(present);
    (architect && (planner || coder)) || (planner && coder) || (coder && reviewer)
}

/// Runs every check whose two stages are present and whose later stage
/// does not declare `"pipeline": false`; the violations come in stage
/// order, each check's in document order.
pub fn check(stages: &Stages<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    if let (Some(design), Some(plan)) = (&stages.architect, &stages.planner) {
        if on(plan.constraints) {
            found.extend(plan_in_design(plan, design));
            found.extend(plan_config(plan, design));
        }
    }
    if let Some(patch) = stages.coder.as_ref().filter(|patch| on(patch.constraints)) {
        if let Some(plan) = &stages.planner {
            found.extend(patch_in_plan(patch, plan));
            if patch.constraints.every_task_done {
                found.extend(every_task_done(patch, plan));
            }
        }
        if let Some(design) = &stages.architect {
            found.extend(patch_config(patch, design));
        }
    }
    if let (Some(patch), Some(review)) = (&stages.coder, &stages.reviewer) {
        if on(review.constraints) {
            found.extend(review_of_patch(review, patch));
        }
    }
    found
}

/// Planner ↔ architect: every file a task creates (one not in `repo/`,
/// or every task's file without `repo/`) is in the architect's
/// `recommendedFileStructure`; an entry ending in `/` covers a folder.
fn plan_in_design(
    plan: &Stage<'_, PlannerOutput>,
    design: &Stage<'_, ArchitectSpec>,
) -> Vec<Violation> {
    let structure: Vec<&str> = design
        .output
        .recommended_file_structure
        .iter()
        .filter_map(|entry| structure_path(entry))
        .collect();
    plan.output
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| !task.file.trim().is_empty())
        .filter(|(_, task)| {
            plan.repo
                .is_none_or(|repo| !fabrication::exists(repo, &task.file))
        })
        .filter(|(_, task)| !covered(&task.file, &structure))
        .map(|(i, task)| {
            Violation::new(
                Rule::Pipeline,
                format!(
                    "task `{}` creates `{}`, which the design never mentions",
                    task.id, task.file
                ),
            )
            .at(format!(
                "{}: tasks[{i}].file vs {}: recommendedFileStructure",
                plan.source, design.source
            ))
            .hint(
                "add the file (or its folder, ending in `/`) to the architect's \
                 recommendedFileStructure, or plan a file the design names",
            )
        })
        .collect()
}

/// Planner ↔ architect, configuration scope: where the design declares
/// `configurationFiles`, a task whose file is a configuration file plans
/// one of them.
fn plan_config(
    plan: &Stage<'_, PlannerOutput>,
    design: &Stage<'_, ArchitectSpec>,
) -> Vec<Violation> {
    let Some(allowed) = &design.output.configuration_files else {
        return Vec::new();
    };
    plan.output
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| scope::is_config(&task.file) && !allowed.contains(&task.file))
        .map(|(i, task)| {
            Violation::new(
                Rule::Pipeline,
                format!(
                    "task `{}` changes the configuration file `{}`, which the design does \
                     not list",
                    task.id, task.file
                ),
            )
            .at(format!(
                "{}: tasks[{i}].file vs {}: configurationFiles",
                plan.source, design.source
            ))
            .hint(CONFIG_HINT)
        })
        .collect()
}

const CONFIG_HINT: &str = "list the file in the architect's configurationFiles if the task \
                           may change it, or leave it alone";

/// Coder ↔ architect, configuration scope: where [`config_scope`] is the
/// design's, the configuration files the patch changes are among its
/// `configurationFiles` and `config_whitelist` is not declared as well;
/// otherwise they are the coder's `scope` rule's to check.
fn patch_config(patch: &Stage<'_, Patch>, design: &Stage<'_, ArchitectSpec>) -> Vec<Violation> {
    let ConfigScope::Design(allowed) = config_scope(Some(design.output), patch.constraints) else {
        return Vec::new();
    };
    if !patch.constraints.config_whitelist.is_empty() {
        return vec![Violation::new(
            Rule::Pipeline,
            "both the design's configurationFiles and fixture.json's config_whitelist \
             declare which configuration files may change",
        )
        .at(format!(
            "{}: config_whitelist vs {}: configurationFiles",
            patch.source, design.source
        ))
        .hint("keep the design's list: remove `config_whitelist` from fixture.json")];
    }
    patch
        .output
        .files
        .iter()
        .flat_map(|fp| fp.paths().into_iter().map(move |path| (fp, path)))
        .filter(|(_, path)| scope::is_config(path) && !allowed.iter().any(|a| a == path))
        .map(|(fp, path)| {
            Violation::new(
                Rule::Pipeline,
                format!(
                    "the patch changes the configuration file `{path}`, which the design does \
                     not list"
                ),
            )
            .at(format!(
                "{}:{} vs {}: configurationFiles",
                patch.source, fp.line, design.source
            ))
            .hint(CONFIG_HINT)
        })
        .collect()
}

/// Coder ↔ planner: every file the patch creates, modifies, deletes or
/// renames (a rename by either of its names) is some task's `file`, or is
/// declared in `pipeline_declared_files`.
fn patch_in_plan(patch: &Stage<'_, Patch>, plan: &Stage<'_, PlannerOutput>) -> Vec<Violation> {
    let planned: Vec<&str> = plan
        .output
        .tasks
        .iter()
        .map(|task| task.file.as_str())
        .chain(
            patch
                .constraints
                .pipeline_declared_files
                .iter()
                .map(String::as_str),
        )
        .collect();
    patch
        .output
        .files
        .iter()
        .filter(|fp| !fp.paths().iter().any(|path| covered(path, &planned)))
        .map(|fp| {
            Violation::new(
                Rule::Pipeline,
                format!(
                    "the patch touches `{}`, which no planner task names",
                    fp.paths().join("` → `")
                ),
            )
            .at(format!(
                "{}:{} vs {}: tasks[*].file",
                patch.source, fp.line, plan.source
            ))
            .hint(
                "plan a task for the file, drop the change, or declare the file in \
                 `pipeline_declared_files` in fixture.json",
            )
        })
        .collect()
}

/// `every_task_done`: every task's `file` is touched by the patch (a
/// rename by either of its names).
fn every_task_done(patch: &Stage<'_, Patch>, plan: &Stage<'_, PlannerOutput>) -> Vec<Violation> {
    let touched: Vec<&str> = patch
        .output
        .files
        .iter()
        .flat_map(FilePatch::paths)
        .collect();
    plan.output
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| !task.file.trim().is_empty())
        .filter(|(_, task)| {
            !touched
                .iter()
                .any(|path| covered(path, &[task.file.as_str()]))
        })
        .map(|(i, task)| {
            Violation::new(
                Rule::Pipeline,
                format!(
                    "task `{}` plans `{}`, which the patch does not touch",
                    task.id, task.file
                ),
            )
            .at(format!(
                "{}: tasks[{i}].file vs {}: the files it touches",
                plan.source, patch.source
            ))
            .hint("change the file in the patch, drop the task, or turn off `every_task_done`")
        })
        .collect()
}

/// Reviewer ↔ coder: a comment with a `path` is on a file the patch
/// touches, or on a line of the patched tree; with `"pipeline_review":
/// "changes"` (the default), a `reject` or `revise` also has a blocking
/// comment on a line a hunk of the patch covers (a changed line or its
/// context).
fn review_of_patch(review: &Stage<'_, ReviewerOutput>, patch: &Stage<'_, Patch>) -> Vec<Violation> {
    let base = review.repo.or(patch.repo).cloned().unwrap_or_default();
    let tree = patched(&base, patch.output);
    let touched = |path: &str| {
        patch
            .output
            .files
            .iter()
            .find(|fp| fp.paths().contains(&path))
    };
    let mut found = Vec::new();
    for (i, comment) in review.output.comments.iter().enumerate() {
        let Some(path) = comment.path.as_deref() else {
            continue;
        };
        if touched(path).is_some() {
            continue;
        }
        let line = comment.line.map(|line| line.get() as usize);
        let in_tree = tree
            .files
            .get(path)
            .and_then(Option::as_deref)
            .zip(line)
            .is_some_and(|(text, line)| line <= text.lines().count());
        if !in_tree {
            let at = line.map(|n| format!(" line {n}")).unwrap_or_default();
            found.push(
                Violation::new(
                    Rule::Pipeline,
                    format!(
                        "comment on `{path}`{at}, which is neither a file the patch touches nor \
                         a line of the patched tree"
                    ),
                )
                .at(format!(
                    "{}: comments[{i}].path vs {}: the files it touches",
                    review.source, patch.source
                ))
                .hint("point the comment at a file the patch changes, or at an existing line"),
            );
        }
    }
    let decides = matches!(review.output.decision, Decision::Reject | Decision::Revise);
    if decides && review.constraints.pipeline_review == ReviewAnchoring::Changes {
        let anchored = review.output.comments.iter().any(|comment| {
            let (Some(path), Some(line)) = (comment.path.as_deref(), comment.line) else {
                return false;
            };
            comment.blocking && touched(path).is_some_and(|fp| covers(fp, line.get() as usize))
        });
        if !anchored {
            found.push(
                Violation::new(
                    Rule::Pipeline,
                    format!(
                        "decision `{}`, but no blocking comment names a line the patch changed \
                         or its context",
                        review.output.decision.as_str()
                    ),
                )
                .at(format!(
                    "{}: decision vs {}: hunks{}",
                    review.source,
                    patch.source,
                    hunk_ranges(patch.output)
                ))
                .hint(
                    "anchor a blocking comment (`path` and `line`) in a hunk of the patch, or \
                     declare `\"pipeline_review\": \"files\"` in fixture.json",
                ),
            );
        }
    }
    found
}

/// `repo` with `patch` applied; where it does not apply, `repo` with the
/// files the patch creates added (so their lines can still be named).
pub(crate) fn patched(repo: &Repo, patch: &Patch) -> Repo {
    apply::apply(patch, repo, "").unwrap_or_else(|_| {
        let mut view = repo.clone();
        for fp in &patch.files {
            if let (Some(new), None) = (fp.new_path(), fp.old_path()) {
                let text = fp.hunks.iter().flat_map(|h| h.after()).collect();
                view.files.insert(new.to_owned(), Some(text));
            }
        }
        view
    })
}

/// Whether a hunk of `fp` covers `line`: of the old file for a deletion,
/// of the new file otherwise (a hunk that only removes lines covers the
/// lines around the cut).
fn covers(fp: &FilePatch, line: usize) -> bool {
    let deleted = matches!(fp.change, Change::Delete(_));
    fp.hunks.iter().any(|hunk| {
        let (start, len) = if deleted {
            (hunk.old_start, hunk.old_len)
        } else {
            (hunk.new_start, hunk.new_len)
        };
        let last = if len == 0 { start + 1 } else { start + len - 1 };
        (start.max(1)..=last).contains(&line)
    })
}

/// ` (src/a.ts 3-9, …)`: where the patch's hunks lie, for the message;
/// empty for a patch without hunks.
fn hunk_ranges(patch: &Patch) -> String {
    let ranges: Vec<String> = patch
        .files
        .iter()
        .flat_map(|fp| {
            let deleted = matches!(fp.change, Change::Delete(_));
            fp.hunks.iter().map(move |hunk| {
                let (start, len) = if deleted {
                    (hunk.old_start, hunk.old_len)
                } else {
                    (hunk.new_start, hunk.new_len)
                };
                format!(
                    "{} {}-{}",
                    fp.display_path(),
                    start.max(1),
                    start + len.max(1) - 1
                )
            })
        })
        .collect();
    if ranges.is_empty() {
        String::new()
    } else {
        format!(" ({})", ranges.join(", "))
    }
}

/// `path` is one of `entries`, or under one that ends in `/`.
fn covered(path: &str, entries: &[&str]) -> bool {
    entries
        .iter()
        .any(|entry| *entry == path || (entry.ends_with('/') && path.starts_with(entry)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(files: &[&str]) -> PlannerOutput {
        let tasks: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(i, f)| serde_json::json!({"id": format!("T{i}"), "description": "d", "file": f}))
            .collect();
        serde_json::from_value(serde_json::json!({ "tasks": tasks })).unwrap()
    }

    fn design(structure: &[&str], config: Option<&[&str]>) -> ArchitectSpec {
        let mut value = serde_json::json!({
            "highLevelSummary": "s", "pagesOrScreens": [], "apis": [], "dataModels": [],
            "recommendedFileStructure": structure,
        });
        if let Some(config) = config {
            value["configurationFiles"] = serde_json::json!(config);
        }
        serde_json::from_value(value).unwrap()
    }

    fn stage<'a, T>(output: &'a T, source: &'a str, constraints: &'a Constraints) -> Stage<'a, T> {
        Stage {
            output,
            source,
            constraints,
            repo: None,
        }
    }

    fn shown(found: &[Violation]) -> Vec<String> {
        found
            .iter()
            .map(|v| format!("{} {}", v.location.clone().unwrap_or_default(), v.message))
            .collect()
    }

    #[test]
    fn a_created_file_must_be_in_the_design_and_folders_cover_their_files() {
        let mut repo = Repo::default();
        repo.files.insert("src/old.ts".into(), Some(String::new()));
        let none = Constraints::default();
        let spec = design(&["├── lib/", "src/new.ts  # entry"], None);
        let plan = plan_of(&["src/old.ts", "src/new.ts", "lib/x.ts", "src/invented.ts"]);
        let stages = Stages {
            architect: Some(stage(&spec, "a/architect/expected.json", &none)),
            planner: Some(Stage {
                repo: Some(&repo),
                ..stage(&plan, "a/planner/expected.json", &none)
            }),
            ..Stages::default()
        };
        let text: Vec<String> = check(&stages).iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "[pipeline] a/planner/expected.json: tasks[3].file vs a/architect/expected.json: \
              recommendedFileStructure: task `T3` creates `src/invented.ts`, which the design \
              never mentions\n    hint: add the file (or its folder, ending in `/`) to the \
              architect's recommendedFileStructure, or plan a file the design names"
            ]
        );
        // Without repo/, every planned file must be in the design.
        let stages = Stages {
            planner: Some(stage(&plan, "p", &none)),
            ..stages
        };
        assert_eq!(check(&stages).len(), 2);
        // `"pipeline": false` on the planner turns the check off.
        let off = Constraints {
            pipeline: Some(false),
            ..Constraints::default()
        };
        let stages = Stages {
            planner: Some(stage(&plan, "p", &off)),
            ..stages
        };
        assert!(check(&stages).is_empty());
    }

    #[test]
    fn every_touched_file_is_planned_or_declared() {
        let text = "diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to src/b.ts\n\
                    diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n-a\n+b\n";
        let parsed = crate::rules::patch::parse(text, "c").unwrap();
        let none = Constraints::default();
        let folder = plan_of(&["lib/"]);
        let mut stages = Stages {
            planner: Some(stage(&folder, "a/planner/expected.json", &none)),
            coder: Some(stage(&parsed, "a/coder/expected.patch", &none)),
            ..Stages::default()
        };
        assert_eq!(
            shown(&check(&stages)),
            [
                "a/coder/expected.patch:1 vs a/planner/expected.json: tasks[*].file the patch \
                 touches `src/a.ts` → `src/b.ts`, which no planner task names",
                "a/coder/expected.patch:5 vs a/planner/expected.json: tasks[*].file the patch \
                 touches `x.md`, which no planner task names",
            ]
        );
        // A rename is planned by either of its names.
        let renamed = plan_of(&["src/b.ts"]);
        stages.planner = Some(stage(&renamed, "p", &none));
        assert_eq!(check(&stages).len(), 1);
        // Every task done: `src/b.ts` by the rename, `y.ts` by nothing.
        let undone = plan_of(&["src/b.ts", "y.ts"]);
        let every = Constraints {
            every_task_done: true,
            pipeline_declared_files: vec!["x.md".into()],
            ..Constraints::default()
        };
        stages.planner = Some(stage(&undone, "p", &none));
        stages.coder = Some(stage(&parsed, "c", &every));
        assert_eq!(
            shown(&check(&stages)),
            ["p: tasks[1].file vs c: the files it touches task `T1` plans `y.ts`, which the patch \
              does not touch"]
        );
    }

    #[test]
    fn configuration_files_are_the_design_s_to_list() {
        let text = "diff --git a/ci.yml b/ci.yml\n--- a/ci.yml\n+++ b/ci.yml\n@@ -1 +1 @@\n-a\n+b\n\
                    diff --git a/app.toml b/app.toml\n--- a/app.toml\n+++ b/app.toml\n@@ -1 +1 @@\n-a\n+b\n";
        let parsed = crate::rules::patch::parse(text, "c").unwrap();
        let none = Constraints::default();
        let spec = design(&[], Some(&["ci.yml"]));
        let plan = plan_of(&["ci.yml", "app.toml", "src/x.ts"]);
        let stages = Stages {
            architect: Some(stage(&spec, "a", &none)),
            planner: Some(stage(&plan, "p", &none)),
            coder: Some(stage(&parsed, "c", &none)),
            ..Stages::default()
        };
        let found = check(&stages);
        let config: Vec<String> = shown(&found)
            .into_iter()
            .filter(|v| v.contains("configuration"))
            .collect();
        assert_eq!(
            config,
            [
                "p: tasks[1].file vs a: configurationFiles task `T1` changes the configuration \
                 file `app.toml`, which the design does not list",
                "c:7 vs a: configurationFiles the patch changes the configuration file \
                 `app.toml`, which the design does not list",
            ]
        );
        // Declared twice is an error; a design without the list says nothing.
        let whitelisted = Constraints {
            config_whitelist: vec!["app.toml".into()],
            ..Constraints::default()
        };
        let twice = Stages {
            coder: Some(stage(&parsed, "c", &whitelisted)),
            planner: None,
            ..stages
        };
        assert_eq!(
            shown(&check(&twice)),
            ["c: config_whitelist vs a: configurationFiles both the design's configurationFiles \
              and fixture.json's config_whitelist declare which configuration files may change"]
        );
        let silent = design(&["ci.yml", "app.toml"], None);
        let stages = Stages {
            architect: Some(stage(&silent, "a", &none)),
            ..twice
        };
        assert!(check(&stages).is_empty());
    }

    #[test]
    fn a_review_points_at_the_patch_and_a_verdict_at_its_hunks() {
        let text = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n\
                    @@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n";
        let parsed = crate::rules::patch::parse(text, "c").unwrap();
        let mut repo = Repo::default();
        repo.files
            .insert("src/a.ts".into(), Some("1\n2\n3\n4\n5\n".into()));
        repo.files.insert("src/b.ts".into(), Some("1\n2\n".into()));
        let review = |decision: &str, comments: serde_json::Value| -> ReviewerOutput {
            serde_json::from_value(serde_json::json!({"decision": decision, "comments": comments}))
                .unwrap()
        };
        let none = Constraints::default();
        let run = |review: &ReviewerOutput, constraints: &Constraints| {
            shown(&check(&Stages {
                coder: Some(Stage {
                    repo: Some(&repo),
                    ..stage(&parsed, "c", &none)
                }),
                reviewer: Some(Stage {
                    repo: Some(&repo),
                    ..stage(review, "r", constraints)
                }),
                ..Stages::default()
            }))
        };
        let fine = review(
            "revise",
            serde_json::json!([
                {"message": "m", "blocking": true, "path": "src/a.ts", "line": 4},
                {"message": "m", "blocking": false, "path": "src/b.ts", "line": 2},
                {"message": "general", "blocking": false},
            ]),
        );
        assert_eq!(run(&fine, &none), Vec::<String>::new());
        let astray = review(
            "reject",
            serde_json::json!([
                {"message": "m", "blocking": true, "path": "src/a.ts", "line": 5},
                {"message": "m", "blocking": true, "path": "src/b.ts"},
                {"message": "m", "blocking": true, "path": "src/b.ts", "line": 3},
            ]),
        );
        assert_eq!(
            run(&astray, &none),
            [
                "r: comments[1].path vs c: the files it touches comment on `src/b.ts`, which is \
                 neither a file the patch touches nor a line of the patched tree",
                "r: comments[2].path vs c: the files it touches comment on `src/b.ts` line 3, \
                 which is neither a file the patch touches nor a line of the patched tree",
                "r: decision vs c: hunks (src/a.ts 2-4) decision `reject`, but no blocking \
                 comment names a line the patch changed or its context",
            ]
        );
        let files_only = Constraints {
            pipeline_review: ReviewAnchoring::Files,
            ..Constraints::default()
        };
        assert_eq!(run(&astray, &files_only).len(), 2);
    }

    #[test]
    fn checks_apply_to_adjacent_stages_and_to_the_design_with_the_patch() {
        use Agent::*;
        let with = |agents: &[Agent]| applies(|agent| agents.contains(&agent));
        assert!(with(&[Architect, Planner]) && with(&[Architect, Coder]));
        assert!(with(&[Planner, Coder]) && with(&[Coder, Reviewer]));
        assert!(!with(&[Architect, Reviewer]) && !with(&[Planner, Reviewer]));
        assert!(!with(&[Coder]));
    }
}
