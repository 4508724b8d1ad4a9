//! The bundled corpus proves every verification rule can fail: each has a
//! must-fail fixture under `fixtures/rule-must-fail/`.

use std::collections::BTreeSet;
use std::fs;

use fixture_kit::Rule;

#[test]
fn every_rule_has_a_must_fail_fixture() {
    let mut declared = BTreeSet::new();
    for case in fs::read_dir("fixtures/rule-must-fail").unwrap() {
        for agent in fs::read_dir(case.unwrap().path()).unwrap() {
            let path = agent.unwrap().path().join("fixture.json");
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let rule = value["must_fail"]["rule"].as_str().unwrap_or_else(|| {
                panic!(
                    "{}: a must-fail fixture declares `must_fail`",
                    path.display()
                )
            });
            declared.insert(rule.parse::<Rule>().unwrap());
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
