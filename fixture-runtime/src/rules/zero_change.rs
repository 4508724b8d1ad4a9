//! Rule `zero-change`: "nothing to do" is an empty plan or an empty patch,
//! valid only where the fixture declares `"zero_change": true`; dummy
//! tasks with an empty `file` are reported as the fakes they are.

use crate::contract::{CoderOutput, PlannerOutput};
use crate::rule::{Rule, Violation};

const DECLARE: &str = "declare `\"zero_change\": true` in fixture.json if nothing is to be done";

/// An empty plan needs the declaration, a declared one must be empty, and
/// no task may have an empty `file`.
pub fn plan(plan: &PlannerOutput, zero_change: bool, file: &str) -> Vec<Violation> {
    let mut violations: Vec<Violation> = plan
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| task.file.trim().is_empty())
        .map(|(i, task)| {
            Violation::new(
                Rule::ZeroChange,
                format!("task `{}` has an empty `file`: a dummy task is no way to say nothing is to be done", task.id),
            )
            .at(format!("{file}: tasks[{i}].file"))
            .hint(format!("name the file, or use an empty task list and {DECLARE}"))
        })
        .collect();
    violations.extend(declared(
        plan.tasks.is_empty(),
        zero_change,
        "plan",
        plan.tasks.len(),
        file,
    ));
    violations
}

/// An empty patch needs the declaration, and a declared one must be empty.
pub fn patch(patch: &CoderOutput, files: usize, zero_change: bool, file: &str) -> Vec<Violation> {
    declared(patch.is_empty(), zero_change, "patch", files, file)
        .into_iter()
        .collect()
}

fn declared(
    empty: bool,
    zero_change: bool,
    what: &str,
    count: usize,
    file: &str,
) -> Option<Violation> {
    match (empty, zero_change) {
        (true, false) => Some(
            Violation::new(Rule::ZeroChange, format!("empty {what}"))
                .at(file.to_owned())
                .hint(DECLARE),
        ),
        (false, true) => Some(
            Violation::new(
                Rule::ZeroChange,
                format!(
                    "the fixture declares `zero_change`, but the {what} changes {count} {}",
                    if what == "plan" { "task(s)" } else { "file(s)" }
                ),
            )
            .at(file.to_owned())
            .hint("empty the output, or remove `zero_change` from fixture.json"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::PlannerTask;

    fn plan_with(files: &[&str]) -> PlannerOutput {
        PlannerOutput {
            tasks: files
                .iter()
                .enumerate()
                .map(|(i, f)| PlannerTask {
                    id: format!("t{i}"),
                    description: "d".into(),
                    file: (*f).into(),
                    kind: Default::default(),
                    complexity: Default::default(),
                    depends_on: vec![],
                    provenance: None,
                })
                .collect(),
            ambiguities: vec![],
            invalid_task_count: 0,
        }
    }

    #[test]
    fn empty_needs_the_declaration() {
        let all = plan(&plan_with(&[]), false, "e");
        assert!(
            all[0]
                .to_string()
                .contains("empty plan\n    hint: declare `\"zero_change\": true`"),
            "{all:?}"
        );
        assert!(plan(&plan_with(&[]), true, "e").is_empty());
        assert!(plan(&plan_with(&["a.ts"]), true, "e")[0]
            .message
            .contains("changes 1 task(s)"));
        let empty = CoderOutput { patch: "\n".into() };
        assert_eq!(patch(&empty, 0, false, "p").len(), 1);
        assert!(patch(&empty, 0, true, "p").is_empty());
    }

    #[test]
    fn dummy_task_is_a_fake() {
        let all = plan(&plan_with(&[""]), false, "e");
        assert_eq!(all.len(), 1);
        assert!(all[0].message.contains("empty `file`"));
    }
}
