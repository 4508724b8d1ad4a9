//! Rule `task-graph`: unique ids, dependencies that name existing tasks,
//! no self-dependency, no cycle, and the declared caps and topology.

use std::collections::{BTreeMap, BTreeSet};

use crate::constraints::{TaskGraph, Topology};
use crate::contract::json::nearest;
use crate::contract::PlannerOutput;
use crate::rule::{Rule, Violation};

/// How many unknown dependencies get a "did you mean" (the first ones).
const SUGGEST_UNKNOWN: usize = 10;
/// The longest name (in bytes) compared for a "did you mean".
const SUGGEST_MAX_LEN: usize = 64;

/// Checks the plan's task graph; `file` is the golden shown in locations.
pub fn check(plan: &PlannerOutput, declared: &TaskGraph, file: &str) -> Vec<Violation> {
    let at = |path: String| format!("{file}: {path}");
    let mut violations = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, task) in plan.tasks.iter().enumerate() {
        if let Some(first) = index.insert(task.id.as_str(), i) {
            index.insert(task.id.as_str(), first);
            violations.push(
                Violation::new(
                    Rule::TaskGraph,
                    format!("duplicate task id `{}` (also tasks[{first}])", task.id),
                )
                .at(at(format!("tasks[{i}].id")))
                .hint("give every task its own id"),
            );
        }
    }
    // Spelling suggestions cost a comparison with every id: only the first
    // few unknown names get one, and only among names of a sensible length,
    // so a plan of many thousand unknown names stays linear.
    let candidates: Vec<&str> = index
        .keys()
        .copied()
        .filter(|id| id.len() <= SUGGEST_MAX_LEN)
        .collect();
    let mut suggestions_left = SUGGEST_UNKNOWN;
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); plan.tasks.len()];
    for (i, task) in plan.tasks.iter().enumerate() {
        for (j, dep) in task.depends_on.iter().enumerate() {
            let here = || at(format!("tasks[{i}].dependsOn[{j}]"));
            if *dep == task.id {
                violations.push(
                    Violation::new(Rule::TaskGraph, format!("task `{dep}` depends on itself"))
                        .at(here()),
                );
            } else if let Some(&target) = index.get(dep.as_str()) {
                edges[i].push(target);
            } else {
                let mut near = String::new();
                if suggestions_left > 0 && dep.len() <= SUGGEST_MAX_LEN {
                    suggestions_left -= 1;
                    if let Some(n) = nearest(dep, &candidates) {
                        near = format!("; did you mean `{n}`?");
                    }
                }
                violations.push(
                    Violation::new(
                        Rule::TaskGraph,
                        format!("depends on `{dep}`, which is not a task{near}"),
                    )
                    .at(here()),
                );
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<&str> = cycle.iter().map(|&i| plan.tasks[i].id.as_str()).collect();
        violations.push(
            Violation::new(
                Rule::TaskGraph,
                format!("dependency cycle: {}", path.join(" -> ")),
            )
            .at(at(format!("tasks[{}].dependsOn", cycle[0])))
            .hint("`a -> b` means task a depends on task b; remove one dependency of the cycle"),
        );
    }
    if let Some(max) = declared.max_tasks {
        if plan.tasks.len() > max {
            violations.push(
                Violation::new(
                    Rule::TaskGraph,
                    format!(
                        "{} tasks, more than the declared `max_tasks` of {max}",
                        plan.tasks.len()
                    ),
                )
                .at(at("tasks".into())),
            );
        }
    }
    if let Some(max) = declared.max_complexity {
        for (i, task) in plan.tasks.iter().enumerate() {
            if task.complexity > max {
                violations.push(
                    Violation::new(
                        Rule::TaskGraph,
                        format!(
                            "task `{}` is `{}`, above the declared `max_complexity` `{}`",
                            task.id,
                            task.complexity.as_str(),
                            max.as_str()
                        ),
                    )
                    .at(at(format!("tasks[{i}].complexity"))),
                );
            }
        }
    }
    if let Some(topology) = declared.topology {
        if let Err(why) = shape(&edges, topology) {
            violations.push(
                Violation::new(Rule::TaskGraph, why)
                    .at(at("tasks".into()))
                    .hint("declare the topology the plan has, or fix the dependencies"),
            );
        }
    }
    violations
}

/// A cycle as task indexes, first repeated at the end, found by following
/// dependencies from the first task that is on one. Depth-first with an
/// explicit stack, so a chain of any length cannot overflow the call stack.
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; edges.len()];
    // The open path: each node with the index of its next edge to follow.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..edges.len() {
        if marks[start] != Mark::New {
            continue;
        }
        marks[start] = Mark::Open;
        path.push((start, 0));
        while let Some((node, next_edge)) = path.last_mut() {
            let Some(&next) = edges[*node].get(*next_edge) else {
                marks[*node] = Mark::Done;
                path.pop();
                continue;
            };
            *next_edge += 1;
            match marks[next] {
                Mark::Open => {
                    let from = path
                        .iter()
                        .position(|&(n, _)| n == next)
                        .expect("open nodes are on the path");
                    let mut cycle: Vec<usize> = path[from..].iter().map(|&(n, _)| n).collect();
                    cycle.push(next);
                    return Some(cycle);
                }
                Mark::New => {
                    marks[next] = Mark::Open;
                    path.push((next, 0));
                }
                Mark::Done => {}
            }
        }
    }
    None
}

/// Whether the dependency edges (task → the tasks it depends on) have the
/// declared shape.
fn shape(edges: &[Vec<usize>], topology: Topology) -> Result<(), String> {
    let n = edges.len();
    let deps: Vec<BTreeSet<usize>> = edges.iter().map(|e| e.iter().copied().collect()).collect();
    let mut dependents = vec![0usize; n];
    for d in &deps {
        for &t in d {
            dependents[t] += 1;
        }
    }
    let roots = (0..n).filter(|&i| deps[i].is_empty()).count();
    let sinks = (0..n).filter(|&i| dependents[i] == 0).count();
    let edge_count: usize = deps.iter().map(BTreeSet::len).sum();
    match topology {
        Topology::Independent if edge_count > 0 => Err(format!(
            "declared topology `independent`, but the plan has {edge_count} dependencies"
        )),
        Topology::Independent => Ok(()),
        Topology::Chain => {
            let line = (0..n).all(|i| deps[i].len() <= 1 && dependents[i] <= 1);
            if n > 0 && line && roots == 1 && edge_count == n - 1 {
                Ok(())
            } else {
                Err(format!(
                    "declared topology `chain` (each task depends on exactly the one before), \
                     but the plan has {roots} task(s) without dependencies and {edge_count} \
                     dependencies among {n} tasks"
                ))
            }
        }
        Topology::Diamond => {
            let fork = (0..n).any(|i| dependents[i] >= 2);
            let join = (0..n).any(|i| deps[i].len() >= 2);
            if roots == 1 && sinks == 1 && fork && join {
                Ok(())
            } else {
                Err(format!(
                    "declared topology `diamond` (one root that fans out and joins into one \
                     final task), but the plan has {roots} roots, {sinks} final tasks, {} and {}",
                    if fork { "a fan-out" } else { "no fan-out" },
                    if join { "a join" } else { "no join" }
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Complexity, PlannerTask, TaskType};

    fn plan(tasks: &[(&str, &[&str])]) -> PlannerOutput {
        PlannerOutput {
            tasks: tasks
                .iter()
                .map(|(id, deps)| PlannerTask {
                    id: (*id).into(),
                    description: "d".into(),
                    file: "f".into(),
                    kind: TaskType::Feature,
                    complexity: Complexity::Medium,
                    depends_on: deps.iter().map(|d| (*d).into()).collect(),
                    provenance: None,
                })
                .collect(),
            ambiguities: vec![],
            invalid_task_count: 0,
        }
    }

    fn messages(plan: &PlannerOutput, declared: &TaskGraph) -> Vec<String> {
        check(plan, declared, "e")
            .into_iter()
            .map(|v| v.to_string())
            .collect()
    }

    fn topology(t: Topology) -> TaskGraph {
        TaskGraph {
            topology: Some(t),
            ..TaskGraph::default()
        }
    }

    #[test]
    fn reports_cycles_as_paths() {
        let p = plan(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        let all = messages(&p, &TaskGraph::default());
        assert_eq!(all.len(), 1);
        assert!(
            all[0].contains("dependency cycle: a -> b -> c -> a"),
            "{all:?}"
        );
    }

    #[test]
    fn diamond_is_not_a_cycle() {
        let p = plan(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]);
        assert!(messages(&p, &topology(Topology::Diamond)).is_empty());
        let all = messages(&p, &topology(Topology::Chain));
        assert!(all[0].contains("declared topology `chain`"), "{all:?}");
    }

    #[test]
    fn chain_and_independent() {
        let chain = plan(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]);
        assert!(messages(&chain, &topology(Topology::Chain)).is_empty());
        assert!(!messages(&chain, &topology(Topology::Diamond)).is_empty());
        assert!(messages(&chain, &topology(Topology::Independent))[0].contains("2 dependencies"));
        let split = plan(&[("a", &[]), ("b", &["a"]), ("c", &[])]);
        assert!(!messages(&split, &topology(Topology::Chain)).is_empty());
        let free = plan(&[("a", &[]), ("b", &[])]);
        assert!(messages(&free, &topology(Topology::Independent)).is_empty());
    }

    #[test]
    fn ids_and_references() {
        let p = plan(&[("t1", &[]), ("t1", &[]), ("t2", &["t2", "t3x"])]);
        let all = messages(&p, &TaskGraph::default()).join("\n");
        assert!(
            all.contains("e: tasks[1].id: duplicate task id `t1`"),
            "{all}"
        );
        assert!(all.contains("task `t2` depends on itself"), "{all}");
        assert!(
            all.contains("tasks[2].dependsOn[1]: depends on `t3x`, which is not a task"),
            "{all}"
        );
    }

    #[test]
    fn caps() {
        let mut p = plan(&[("a", &[]), ("b", &[]), ("c", &[])]);
        p.tasks[2].complexity = Complexity::High;
        let declared = TaskGraph {
            max_tasks: Some(2),
            max_complexity: Some(Complexity::Medium),
            topology: None,
        };
        let all = messages(&p, &declared).join("\n");
        assert!(
            all.contains("3 tasks, more than the declared `max_tasks` of 2"),
            "{all}"
        );
        assert!(
            all.contains("task `c` is `high`, above the declared `max_complexity` `medium`"),
            "{all}"
        );
    }

    /// `t0 … t{n-1}`, each depending on the one after it (so a depth-first
    /// walk from `t0` goes `n` deep); with `cycle`, the last depends on the
    /// first.
    fn long_plan(n: usize, cycle: bool) -> PlannerOutput {
        let ids: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        let mut p = plan(&[]);
        p.tasks = (0..n)
            .map(|i| PlannerTask {
                id: ids[i].clone(),
                description: "d".into(),
                file: "f".into(),
                kind: TaskType::Feature,
                complexity: Complexity::Medium,
                depends_on: match (i + 1 == n, cycle) {
                    (true, false) => vec![],
                    (true, true) => vec![ids[0].clone()],
                    (false, _) => vec![ids[i + 1].clone()],
                },
                provenance: None,
            })
            .collect();
        p
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let chain = long_plan(100_000, false);
        assert!(messages(&chain, &topology(Topology::Chain)).is_empty());
    }

    #[test]
    fn a_long_cycle_is_reported_as_its_path() {
        let n = 100_000;
        let all = messages(&long_plan(n, true), &TaskGraph::default());
        assert_eq!(all.len(), 1, "one violation, the cycle");
        let expected: Vec<String> = (0..n)
            .chain(std::iter::once(0))
            .map(|i| format!("t{i}"))
            .collect();
        assert!(
            all[0].contains(&format!(
                "e: tasks[0].dependsOn: dependency cycle: {}",
                expected.join(" -> ")
            )),
            "{}",
            &all[0][..200]
        );
    }

    #[test]
    fn only_the_first_unknown_dependencies_get_a_suggestion() {
        let mut p = long_plan(1_000, false);
        for task in &mut p.tasks {
            task.depends_on = vec![format!("{}x", task.id)];
        }
        let all = messages(&p, &TaskGraph::default());
        assert_eq!(all.len(), 1_000, "every unknown dependency is reported");
        let suggested = all.iter().filter(|m| m.contains("did you mean")).count();
        assert_eq!(suggested, SUGGEST_UNKNOWN, "{:?}", &all[..12]);
        assert!(
            all[0].ends_with("depends on `t0x`, which is not a task; did you mean `t0`?"),
            "{}",
            all[0]
        );
        let long = "t".repeat(SUGGEST_MAX_LEN + 1);
        let q = plan(&[("t1", &[]), ("t2", &[long.as_str()])]);
        assert!(!messages(&q, &TaskGraph::default())[0].contains("did you mean"));
    }
}
