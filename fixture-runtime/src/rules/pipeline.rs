//! `pipeline`: a task's goldens checked together. A plan names only files
//! the design recommends (planner ↔ architect), and a patch touches only
//! files the plan names (coder ↔ planner). Each violation names both
//! goldens and both places, so a failure says which side to fix.

use crate::contract::{ArchitectSpec, PlannerOutput};
use crate::repo::Repo;
use crate::rule::{Rule, Violation};
use crate::rules::patch::Patch;

/// Another agent's golden of the same task, parsed.
#[derive(Debug, Clone)]
pub struct Sibling<T> {
    /// The golden's path, as shown in messages.
    pub golden: String,
    /// Its typed output.
    pub output: T,
}

/// The goldens of a task's earlier stages that the pipeline checks hold
/// an output to; a stage without a golden is not checked against.
#[derive(Debug, Clone, Default)]
pub struct Siblings {
    /// The architect's golden, checked against by the planner.
    pub architect: Option<Sibling<ArchitectSpec>>,
    /// The planner's golden, checked against by the coder.
    pub planner: Option<Sibling<PlannerOutput>>,
}

/// Planner ↔ architect: every file a task creates (one not in `repo/`,
/// or every task's file without `repo/`) is in the architect's
/// `recommendedFileStructure`; an entry ending in `/` covers a folder.
pub fn plan(
    plan: &PlannerOutput,
    repo: Option<&Repo>,
    architect: &Sibling<ArchitectSpec>,
    golden: &str,
) -> Vec<Violation> {
    let structure: Vec<&str> = architect
        .output
        .recommended_file_structure
        .iter()
        .filter_map(|entry| super::structure_path(entry))
        .collect();
    plan.tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| !task.file.trim().is_empty())
        .filter(|(_, task)| repo.is_none_or(|repo| !super::fabrication::exists(repo, &task.file)))
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
                "{golden}: tasks[{i}].file vs {}: recommendedFileStructure",
                architect.golden
            ))
            .hint(
                "add the file (or its folder, ending in `/`) to the architect's \
                 recommendedFileStructure, or plan a file the design names",
            )
        })
        .collect()
}

/// Coder ↔ planner: every file the patch creates, modifies, deletes or
/// renames (a rename by either of its names) is some task's `file`, or is
/// declared in `declared` (`pipeline_declared_files`).
pub fn patch(
    patch: &Patch,
    planner: &Sibling<PlannerOutput>,
    declared: &[String],
    golden: &str,
) -> Vec<Violation> {
    let planned: Vec<&str> = planner
        .output
        .tasks
        .iter()
        .map(|task| task.file.as_str())
        .chain(declared.iter().map(String::as_str))
        .collect();
    patch
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
                "{golden}:{} vs {}: tasks[*].file",
                fp.line, planner.golden
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
pub fn every_task_done(
    patch: &Patch,
    planner: &Sibling<PlannerOutput>,
    golden: &str,
) -> Vec<Violation> {
    let touched: Vec<&str> = patch.files.iter().flat_map(|fp| fp.paths()).collect();
    planner
        .output
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
            .at(format!("{}: tasks[{i}].file vs {golden}", planner.golden))
            .hint("change the file in the patch, drop the task, or turn off `every_task_done`")
        })
        .collect()
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

    fn architect(structure: &[&str]) -> Sibling<ArchitectSpec> {
        let output = serde_json::from_value(serde_json::json!({
            "highLevelSummary": "s", "pagesOrScreens": [], "apis": [], "dataModels": [],
            "recommendedFileStructure": structure,
        }))
        .unwrap();
        Sibling {
            golden: "a/architect/expected.json".into(),
            output,
        }
    }

    #[test]
    fn a_created_file_must_be_in_the_design_and_folders_cover_their_files() {
        let mut repo = Repo::default();
        repo.files.insert("src/old.ts".into(), Some(String::new()));
        let design = architect(&["├── lib/", "src/new.ts  # entry"]);
        let plan = plan_of(&["src/old.ts", "src/new.ts", "lib/x.ts", "src/invented.ts"]);
        let found = super::plan(&plan, Some(&repo), &design, "a/planner/expected.json");
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "[pipeline] a/planner/expected.json: tasks[3].file vs a/architect/expected.json: \
              recommendedFileStructure: task `T3` creates `src/invented.ts`, which the design \
              never mentions\n    hint: add the file (or its folder, ending in `/`) to the \
              architect's recommendedFileStructure, or plan a file the design names"
            ]
        );
        // Without repo/, every planned file must be in the design.
        assert_eq!(super::plan(&plan, None, &design, "p").len(), 2);
    }

    #[test]
    fn every_touched_file_is_planned_or_declared() {
        let text = "diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to src/b.ts\n\
                    diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n-a\n+b\n";
        let parsed = crate::rules::patch::parse(text, "c").unwrap();
        let planner = Sibling {
            golden: "a/planner/expected.json".into(),
            output: plan_of(&["lib/"]),
        };
        let shown: Vec<String> = super::patch(&parsed, &planner, &[], "a/coder/expected.patch")
            .iter()
            .map(|v| v.location.clone().unwrap() + " " + &v.message)
            .collect();
        assert_eq!(
            shown,
            [
                "a/coder/expected.patch:1 vs a/planner/expected.json: tasks[*].file the patch \
                 touches `src/a.ts` → `src/b.ts`, which no planner task names",
                "a/coder/expected.patch:5 vs a/planner/expected.json: tasks[*].file the patch \
                 touches `x.md`, which no planner task names",
            ]
        );
        // A rename is planned by either of its names.
        let planner = Sibling {
            output: plan_of(&["src/b.ts"]),
            ..planner
        };
        assert_eq!(super::patch(&parsed, &planner, &[], "c").len(), 1);
        // Every task done: `src/b.ts` by the rename, `y.ts` by nothing.
        let undone = Sibling {
            output: plan_of(&["src/b.ts", "y.ts"]),
            ..planner.clone()
        };
        let undone: Vec<String> = every_task_done(&parsed, &undone, "c")
            .iter()
            .map(|v| v.message.clone())
            .collect();
        assert_eq!(
            undone,
            ["task `T1` plans `y.ts`, which the patch does not touch"]
        );
        let declared = ["x.md".to_owned()];
        assert!(super::patch(&parsed, &planner, &declared, "c").is_empty());
    }
}
