//! The bundled corpus proves every verification rule can fail: each has a
//! must-fail fixture under `fixtures/rule-must-fail/` (an agent's
//! `must_fail`, or a task's `pipeline_must_fail` for its `pipeline` test).

use std::collections::BTreeSet;
use std::fs;

use fixture_kit::Rule;

#[test]
fn every_rule_has_a_must_fail_fixture() {
    let mut declared = BTreeSet::new();
    let read = |path: &std::path::Path| -> Option<serde_json::Value> {
        let text = fs::read_to_string(path).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    };
    for case in fs::read_dir("fixtures/rule-must-fail").unwrap() {
        let case = case.unwrap().path();
        let task = read(&case.join("fixture.json"));
        let pipeline = task
            .as_ref()
            .and_then(|task| task["pipeline_must_fail"]["rule"].as_str());
        if let Some(rule) = pipeline {
            declared.insert(rule.parse::<Rule>().unwrap());
        }
        for agent in fs::read_dir(&case).unwrap() {
            let path = agent.unwrap().path().join("fixture.json");
            let Some(value) = read(&path) else {
                continue;
            };
            match value["must_fail"]["rule"].as_str() {
                Some(rule) => {
                    declared.insert(rule.parse::<Rule>().unwrap());
                }
                None => assert!(
                    pipeline.is_some(),
                    "{}: a must-fail fixture declares `must_fail` (or its task \
                     `pipeline_must_fail`)",
                    path.display()
                ),
            }
        }
    }
    let verification = [
        Rule::Contract,
        Rule::ZeroChange,
        Rule::PatchValidity,
        Rule::PatchApply,
        Rule::PathSafety,
        Rule::NonFabrication,
        Rule::TaskGraph,
        Rule::ReviewerConsistency,
        Rule::Scope,
        Rule::Determinism,
        Rule::Pipeline,
    ];
    let missing: Vec<_> = verification
        .iter()
        .filter(|rule| !declared.contains(rule))
        .collect();
    assert!(missing.is_empty(), "no must-fail fixture for {missing:?}");
}
