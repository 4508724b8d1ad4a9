//! Planner plans, by meaning: the same tasks up to renaming of ids.
//!
//! Tasks are matched as the nodes of two labelled graphs: a task's label is
//! its `(file, type)`, its edges its dependencies. Colour refinement (a
//! task's colour is its label, then refined by the colours of what it
//! depends on and what depends on it, until stable) gives each task a
//! colour computed from both plans at once; ties left (tasks that look
//! alike) are first paired in document order, and when that pairing breaks
//! a dependency, broken by trying each candidate in turn and refining
//! again. Any matching found is checked edge by edge, so a
//! renamed id is fine while a missing task, an extra task or a changed
//! dependency is not.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{brief, fields, objects, str_at, Difference, Text};

/// Candidate pairings tried before ties are given up (planner graphs are
/// small; a search this long means a highly symmetric plan).
const BUDGET: usize = 1_000;

/// One plan as a graph.
struct Plan<'a> {
    tasks: Vec<&'a Map<String, Value>>,
    /// Each task's label: `(file, type)`.
    labels: Vec<String>,
    /// Each task's dependencies, as task indices, sorted.
    deps: Vec<Vec<usize>>,
    /// Each task's dependents, as task indices, sorted.
    dependents: Vec<Vec<usize>>,
}

impl<'a> Plan<'a> {
    fn new(doc: &'a Value) -> Plan<'a> {
        let tasks = objects(doc.get("tasks"));
        let index: BTreeMap<&str, usize> = tasks
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, task)| str_at(task, "id").map(|id| (id, i)))
            .collect();
        let labels = tasks.iter().map(|task| label(task)).collect();
        let deps: Vec<Vec<usize>> = tasks
            .iter()
            .map(|task| {
                let set: BTreeSet<usize> = dep_ids(task)
                    .iter()
                    .filter_map(|id| index.get(id.as_str()).copied())
                    .collect();
                set.into_iter().collect()
            })
            .collect();
        let mut dependents = vec![Vec::new(); tasks.len()];
        for (i, list) in deps.iter().enumerate() {
            for &d in list {
                dependents[d].push(i);
            }
        }
        Plan {
            tasks,
            labels,
            deps,
            dependents,
        }
    }

    fn id(&self, i: usize) -> String {
        str_at(self.tasks[i], "id").unwrap_or("?").to_owned()
    }

    /// `task \`parse\` (src/parse.ts, feature)`.
    fn name(&self, i: usize) -> String {
        format!("task `{}` {}", self.id(i), self.labels[i])
    }
}

fn label(task: &Map<String, Value>) -> String {
    let part = |key| str_at(task, key).unwrap_or("-");
    format!("({}, {})", part("file"), part("type"))
}

fn dep_ids(task: &Map<String, Value>) -> Vec<String> {
    task.get("dependsOn")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Colours of both plans, from one shared numbering.
type Colours = [Vec<usize>; 2];

/// A task's colour with the sorted colours of its dependencies and its
/// dependents.
type Signature = (usize, Vec<usize>, Vec<usize>);

/// Refines `colours` until the number of colours stops growing.
fn refine(plans: &[Plan<'_>; 2], mut colours: Colours) -> Colours {
    let count = |c: &Colours| c.iter().flatten().collect::<BTreeSet<_>>().len();
    loop {
        let before = count(&colours);
        let signatures: [Vec<Signature>; 2] = [0, 1].map(|side| {
            let (plan, colour) = (&plans[side], &colours[side]);
            (0..plan.tasks.len())
                .map(|i| {
                    let mut deps: Vec<usize> = plan.deps[i].iter().map(|&d| colour[d]).collect();
                    let mut dependents: Vec<usize> =
                        plan.dependents[i].iter().map(|&d| colour[d]).collect();
                    deps.sort_unstable();
                    dependents.sort_unstable();
                    (colour[i], deps, dependents)
                })
                .collect()
        });
        let numbering: BTreeMap<&Signature, usize> = signatures
            .iter()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .enumerate()
            .map(|(n, signature)| (signature, n))
            .collect();
        colours = [0, 1].map(|side| signatures[side].iter().map(|s| numbering[s]).collect());
        if count(&colours) == before {
            return colours;
        }
    }
}

/// A matching of golden task indices to actual task indices that keeps
/// every label and every dependency, if there is one.
fn matching(plans: &[Plan<'_>; 2], colours: Colours, budget: &mut usize) -> Option<Vec<usize>> {
    let colours = refine(plans, colours);
    let classes = |side: usize| {
        let mut by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, &c) in colours[side].iter().enumerate() {
            by.entry(c).or_default().push(i);
        }
        by
    };
    let (golden, actual) = (classes(0), classes(1));
    if golden
        .iter()
        .map(|(c, v)| (c, v.len()))
        .ne(actual.iter().map(|(c, v)| (c, v.len())))
    {
        return None;
    }
    // Alike tasks in document order: right for the common case of
    // interchangeable tasks, and checked edge by edge.
    let mut map = vec![0; colours[0].len()];
    for (colour, members) in &golden {
        for (&g, &a) in members.iter().zip(&actual[colour]) {
            map[g] = a;
        }
    }
    if keeps_edges(plans, &map) {
        return Some(map);
    }
    let (&tied, members) = golden.iter().find(|(_, members)| members.len() > 1)?;
    let fresh = colours.iter().flatten().max().map_or(0, |m| m + 1);
    for &candidate in &actual[&tied] {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let mut next = colours.clone();
        next[0][members[0]] = fresh;
        next[1][candidate] = fresh;
        if let Some(map) = matching(plans, next, budget) {
            return Some(map);
        }
    }
    None
}

fn keeps_edges(plans: &[Plan<'_>; 2], map: &[usize]) -> bool {
    (0..map.len()).all(|i| {
        let mut mapped: Vec<usize> = plans[0].deps[i].iter().map(|&d| map[d]).collect();
        mapped.sort_unstable();
        plans[0].labels[i] == plans[1].labels[map[i]] && mapped == plans[1].deps[map[i]]
    })
}

/// Every difference in meaning between two planner documents.
pub(super) fn compare(golden: &Value, actual: &Value, text: &Text) -> Vec<Difference> {
    let mut found = Vec::new();
    if let (Some(g), Some(a)) = (golden.as_object(), actual.as_object()) {
        let mut skip = vec!["tasks"];
        if !text.has("ambiguities") {
            skip.push("ambiguities");
        }
        fields(g, a, &skip, "the plan", &mut found);
    }
    let plans = [Plan::new(golden), Plan::new(actual)];
    let initial = {
        let numbering: BTreeMap<&String, usize> = plans
            .iter()
            .flat_map(|plan| &plan.labels)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .enumerate()
            .map(|(n, label)| (label, n))
            .collect();
        [0, 1].map(|side| plans[side].labels.iter().map(|l| numbering[l]).collect())
    };
    let mut budget = BUDGET;
    match matching(&plans, initial, &mut budget) {
        Some(map) => {
            for (g, &a) in map.iter().enumerate() {
                let mut skip = vec!["id", "file", "type", "dependsOn", "provenance"];
                if !text.has("tasks[*].description") {
                    skip.push("description");
                }
                let what = renamed(&plans, g, a);
                fields(
                    plans[0].tasks[g],
                    plans[1].tasks[a],
                    &skip,
                    &what,
                    &mut found,
                );
            }
        }
        None => explain(&plans, budget == 0, &mut found),
    }
    found
}

/// `task \`parse\` (src/parse.ts, feature)`, with its id in the actual
/// output when it was renamed.
fn renamed(plans: &[Plan<'_>; 2], g: usize, a: usize) -> String {
    let (gid, aid) = (plans[0].id(g), plans[1].id(a));
    if gid == aid {
        plans[0].name(g)
    } else {
        format!("{} (`{aid}` in the actual output)", plans[0].name(g))
    }
}

/// Why no matching exists: tasks missing or extra by label, then the
/// dependencies of tasks paired by label in document order.
fn explain(plans: &[Plan<'_>; 2], gave_up: bool, found: &mut Vec<Difference>) {
    let before = found.len();
    let mut by_label: BTreeMap<&str, [Vec<usize>; 2]> = BTreeMap::new();
    for side in [0, 1] {
        for (i, label) in plans[side].labels.iter().enumerate() {
            by_label.entry(label).or_default()[side].push(i);
        }
    }
    let mut pair = BTreeMap::new();
    for [golden, actual] in by_label.values() {
        for (&g, &a) in golden.iter().zip(actual) {
            pair.insert(g, a);
        }
        for &g in golden.iter().skip(actual.len()) {
            let description = str_at(plans[0].tasks[g], "description").unwrap_or("");
            found.push(Difference::new(
                plans[0].name(g),
                format!("missing from the actual output ({})", brief(description)),
            ));
        }
        for &a in actual.iter().skip(golden.len()) {
            let description = str_at(plans[1].tasks[a], "description").unwrap_or("");
            found.push(Difference::new(
                format!("{} in the actual output", plans[1].name(a)),
                format!("not in the golden ({})", brief(description)),
            ));
        }
    }
    // The actual ids of paired tasks, shown by their golden names.
    let golden_name: BTreeMap<usize, String> =
        pair.iter().map(|(&g, &a)| (a, plans[0].id(g))).collect();
    for (&g, &a) in &pair {
        let wanted: BTreeSet<String> = plans[0].deps[g]
            .iter()
            .map(|&d| format!("`{}`", plans[0].id(d)))
            .collect();
        let got: BTreeSet<String> = plans[1].deps[a]
            .iter()
            .map(|d| match golden_name.get(d) {
                Some(id) => format!("`{id}`"),
                None => format!("`{}` (not in the golden)", plans[1].id(*d)),
            })
            .collect();
        if wanted != got {
            found.push(Difference::new(
                renamed(plans, g, a),
                format!(
                    "depends on {} in the golden, on {} in the actual output",
                    ids(&wanted),
                    ids(&got)
                ),
            ));
        }
    }
    if found.len() == before {
        let why = if gave_up {
            "too many alike tasks to match within the search budget"
        } else {
            "tasks alike by file and type depend on each other in another shape"
        };
        found.push(Difference::new(
            "the task graph",
            format!("no renaming of ids makes the plans equal: {why}"),
        ));
    }
}

fn ids(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "nothing".into();
    }
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(tasks: impl IntoIterator<Item = (String, Vec<String>)>) -> Value {
        let tasks: Vec<Value> = tasks
            .into_iter()
            .map(|(id, deps)| json!({"id": id, "file": "src/a.ts", "type": "fix", "dependsOn": deps}))
            .collect();
        json!({ "tasks": tasks })
    }

    fn none() -> Text {
        Text(BTreeSet::new())
    }

    #[test]
    fn many_interchangeable_tasks_match_without_a_search() {
        let golden = plan((0..2000).map(|i| (format!("g{i}"), vec![])));
        let actual = plan((0..2000).rev().map(|i| (format!("a{i}"), vec![])));
        assert_eq!(compare(&golden, &actual, &none()), vec![]);
    }

    #[test]
    fn a_long_chain_matches_renamed_and_reversed_and_a_broken_one_does_not() {
        let chain = |prefix: &'static str, n: usize| {
            (0..n).map(move |i| {
                let deps = if i == 0 {
                    vec![]
                } else {
                    vec![format!("{prefix}{}", i - 1)]
                };
                (format!("{prefix}{i}"), deps)
            })
        };
        let golden = plan(chain("g", 300));
        let reversed: Vec<_> = chain("a", 300)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert_eq!(compare(&golden, &plan(reversed.clone()), &none()), vec![]);
        let mut broken = reversed;
        broken[0].1 = vec!["a0".into()];
        let found = compare(&golden, &plan(broken), &none());
        assert!(!found.is_empty());
    }
}
