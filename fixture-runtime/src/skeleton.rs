//! Golden skeletons: what `fixture-kit new` writes for each agent, a golden
//! that parses under its contract with every field a person must fill in
//! holding [`PLACEHOLDER`], and the check that names the fields still
//! holding it, so a skeleton fails verification until it is filled in.

use serde_json::{json, Value};

use crate::agent::Agent;
use crate::contract;

/// What a field still to fill in starts with. A skeleton golden holds it
/// in every such string; a coder skeleton patch on its first line.
pub const PLACEHOLDER: &str = "TODO(fixture-kit)";

/// The golden skeleton of `agent`, in canonical form.
pub fn golden(agent: Agent) -> String {
    let todo = |what: &str| Value::String(format!("{PLACEHOLDER}: {what}"));
    let value = match agent {
        Agent::Architect => json!({
            "highLevelSummary": todo("what is built, in a few sentences"),
            "pagesOrScreens": [],
            "apis": [{
                "name": todo("the API's name"),
                "description": todo("what it does (or empty `apis`)"),
            }],
            "dataModels": [],
            "recommendedFileStructure": [todo("a file or folder to create, relative to repo/")],
        }),
        Agent::Planner => json!({
            "tasks": [{
                "id": "t1",
                "description": todo("what to do"),
                "file": todo("the file the task works on, relative to repo/"),
                "type": "unknown",
                "complexity": "medium",
                "dependsOn": [],
            }],
            "ambiguities": [],
            "invalidTaskCount": 0,
        }),
        Agent::Reviewer => json!({
            "decision": "revise",
            "comments": [{
                "message": todo("the comment; set `decision` (approve, revise, reject) and \
                                 `blocking` to match it"),
                "blocking": true,
            }],
        }),
        Agent::Coder => return format!("{PLACEHOLDER}: {}\n", patch_instruction()),
    };
    contract::canonical_form(agent, &value.to_string()).expect("a skeleton is JSON")
}

fn patch_instruction() -> &'static str {
    "replace this file with the coder's patch, a git-style unified diff against repo/ \
     (`git diff` output; empty when nothing is to change, with `\"zero_change\": true` in \
     fixture.json)"
}

/// Where `text`, an output of `agent`, still holds the skeleton's
/// placeholder: the JSON path of each such field (`tasks[0].file`), in
/// document order, or `patch` for a coder's patch that is still the
/// skeleton. Empty for an output with none, or for text that is not JSON.
pub fn unfilled(agent: Agent, text: &str) -> Vec<String> {
    if agent == Agent::Coder {
        let skeleton = text.lines().any(|line| line.starts_with(PLACEHOLDER));
        return if skeleton {
            vec!["patch".to_owned()]
        } else {
            Vec::new()
        };
    }
    let mut found = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        walk(&value, String::new(), &mut found);
    }
    found
}

fn walk(value: &Value, path: String, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.starts_with(PLACEHOLDER) => found.push(path),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{index}]"), found);
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(field, path, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_skeleton_parses_is_canonical_and_names_its_unfilled_fields() {
        for agent in Agent::ALL {
            let text = golden(agent);
            let parsed = contract::parse(agent, &text).unwrap();
            assert!(parsed.unknown.is_empty(), "{agent}: {:?}", parsed.unknown);
            assert_eq!(parsed.canonical, text, "{agent} skeleton is canonical");
            assert!(!unfilled(agent, &text).is_empty(), "{agent}");
        }
        assert_eq!(
            unfilled(Agent::Planner, &golden(Agent::Planner)),
            ["tasks[0].description", "tasks[0].file"]
        );
        assert_eq!(
            unfilled(Agent::Architect, &golden(Agent::Architect)),
            [
                "highLevelSummary",
                "apis[0].name",
                "apis[0].description",
                "recommendedFileStructure[0]"
            ]
        );
        assert_eq!(unfilled(Agent::Coder, &golden(Agent::Coder)), ["patch"]);
    }

    #[test]
    fn a_filled_in_output_or_a_mention_of_the_marker_is_not_unfilled() {
        let filled = golden(Agent::Planner)
            .replace("TODO(fixture-kit): what to do", "Fix it.")
            .replace(
                "TODO(fixture-kit): the file the task works on, relative to repo/",
                "src/a.ts",
            );
        assert_eq!(unfilled(Agent::Planner, &filled), Vec::<String>::new());
        let mention = r#"{"decision": "approve", "comments": [{"message": "a TODO(fixture-kit) \
            is left", "blocking": false}]}"#;
        assert!(unfilled(Agent::Reviewer, mention).is_empty());
        assert!(unfilled(Agent::Coder, "diff --git a/x b/x\n+TODO(fixture-kit)\n").is_empty());
        assert!(unfilled(Agent::Planner, "not json").is_empty());
    }
}
