//! Property tests of the contract parsers, bounded for CI (proptest's 256
//! cases per property; `PROPTEST_CASES=20000` for a longer run):
//!
//! - the typed contract and its exported JSON Schema agree on generated
//!   documents: valid ones drawn from the schema itself, then broken by
//!   random edits (unknown keys, dropped keys, values of the wrong kind or
//!   out of range, objects written as arrays of their values);
//! - the canonical form is stable and changes nothing but the form;
//! - no input, however malformed or deep, panics or overflows the stack, in
//!   the parsers or (for generated documents) in the rules after them.

use std::path::PathBuf;

use fixture_runtime::constraints::Constraints;
use fixture_runtime::contract::{canonical_form, parse, schema_json};
use fixture_runtime::discover::FixtureId;
use fixture_runtime::verify::{verify, Schema};
use fixture_runtime::{Agent, Fixture};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The agents whose output is a JSON document.
const JSON_AGENTS: [Agent; 3] = [Agent::Architect, Agent::Planner, Agent::Reviewer];

fn schema(agent: Agent) -> Value {
    serde_json::from_str(&schema_json(agent)).unwrap()
}

/// Follows `$ref` into `$defs`.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            resolve(root, &root["$defs"][name])
        }
        None => node,
    }
}

/// A strategy for documents valid under the schema `node`.
fn valid(root: &Value, node: &Value) -> BoxedStrategy<Value> {
    let node = resolve(root, node);
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            let all: Vec<_> = branches.iter().map(|b| valid(root, b)).collect();
            return proptest::strategy::Union::new(all).boxed();
        }
    }
    if let Some(constant) = node.get("const") {
        return Just(constant.clone()).boxed();
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return proptest::sample::select(values.clone()).boxed();
    }
    match &node["type"] {
        Value::Array(kinds) => {
            let all: Vec<_> = kinds
                .iter()
                .map(|kind| {
                    let mut one = node.clone();
                    one["type"] = kind.clone();
                    valid(root, &one)
                })
                .collect();
            proptest::strategy::Union::new(all).boxed()
        }
        Value::String(kind) => match kind.as_str() {
            "null" => Just(Value::Null).boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "string" => "[a-zA-Z0-9 ./_-]{0,10}".prop_map(Value::String).boxed(),
            "integer" => {
                let min = node["minimum"].as_u64().unwrap_or(0);
                let max = node["maximum"].as_u64().unwrap_or(u64::from(u32::MAX));
                prop_oneof![Just(min), Just(max), min..=max]
                    .prop_map(Value::from)
                    .boxed()
            }
            "array" => {
                let items = valid(root, &node["items"]);
                proptest::collection::vec(items, 0..3)
                    .prop_map(Value::Array)
                    .boxed()
            }
            "object" => object(root, node),
            other => panic!("a schema type this generator does not know: {other}"),
        },
        other => panic!("a schema node without a type: {other}"),
    }
}

/// Required properties always, optional ones sometimes; a free-form map
/// (no `properties`) gets a few keys of its own.
fn object(root: &Value, node: &Value) -> BoxedStrategy<Value> {
    let Some(properties) = node.get("properties").and_then(Value::as_object) else {
        return proptest::collection::btree_map("[a-z]{1,4}", "[a-z]{0,4}", 0..3)
            .prop_map(|map| {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            })
            .boxed();
    };
    let required: Vec<&str> = node["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(key, sub)| {
            let key = key.clone();
            let value = valid(root, sub);
            if required.contains(&key.as_str()) {
                value.prop_map(move |v| Some((key.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (key.clone(), v))).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect::<Map<_, _>>()))
        .boxed()
}

/// One random edit, applied at the `at`-th node of a document (in
/// depth-first order, modulo the node count).
#[derive(Debug, Clone)]
enum Edit {
    /// Adds a key the contract does not have to an object.
    UnknownKey(String),
    /// Removes an object's first key.
    DropKey,
    /// Replaces the node with another value.
    Replace(Value),
    /// Writes an object as the array of its values.
    Positional,
}

fn edit() -> impl Strategy<Value = Edit> {
    let replacement = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        Just(Value::from(u64::from(u32::MAX) + 1)),
        Just(Value::from(0)),
        Just(Value::from(-1)),
        // Integral floats (`1.0`) are left out: the documented case where
        // the contract is stricter than its schema.
        Just(serde_json::json!(1.5)),
        "[a-z]{0,6}".prop_map(Value::String),
        Just(serde_json::json!(["approve"])),
        Just(serde_json::json!({"id": "t1"})),
        Just(Value::String("medium".into())),
        Just(Value::String("GET".into())),
    ];
    prop_oneof![
        "[a-zA-Z]{1,8}".prop_map(Edit::UnknownKey),
        Just(Edit::DropKey),
        replacement.prop_map(Edit::Replace),
        Just(Edit::Positional),
    ]
}

/// Applies `edit` at the node numbered `at` (counting down); returns
/// whether it was applied.
fn apply(value: &mut Value, at: &mut usize, edit: &Edit) -> bool {
    if *at == 0 {
        match (edit, &mut *value) {
            (Edit::UnknownKey(key), Value::Object(map)) => {
                map.insert(key.clone(), Value::from(1));
            }
            (Edit::DropKey, Value::Object(map)) => {
                let first = map.keys().next().cloned();
                if let Some(first) = first {
                    map.shift_remove(&first);
                }
            }
            (Edit::Positional, Value::Object(map)) => {
                *value = Value::Array(map.values().cloned().collect());
            }
            (Edit::Replace(other), _) => *value = other.clone(),
            _ => {}
        }
        return true;
    }
    *at -= 1;
    match value {
        Value::Object(map) => map.values_mut().any(|v| apply(v, at, edit)),
        Value::Array(items) => items.iter_mut().any(|v| apply(v, at, edit)),
        _ => false,
    }
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(count).sum(),
        Value::Array(items) => items.iter().map(count).sum(),
        _ => 0,
    }
}

fn document(agent: Agent) -> impl Strategy<Value = Value> {
    let schema = schema(agent);
    let valid = valid(&schema, &schema);
    (
        valid,
        proptest::collection::vec((any::<usize>(), edit()), 0..3),
    )
        .prop_map(|(mut value, edits)| {
            for (at, edit) in edits {
                let mut at = at % count(&value);
                apply(&mut value, &mut at, &edit);
            }
            value
        })
}

fn agreement(agent: Agent, value: &Value) -> Result<(), TestCaseError> {
    let schema = schema(agent);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let by_schema = validator.is_valid(value);
    for text in [
        serde_json::to_string(value).unwrap(),
        serde_json::to_string_pretty(value).unwrap(),
    ] {
        let parsed = parse(agent, &text);
        let by_contract = parsed.as_ref().is_ok_and(|p| p.unknown.is_empty());
        prop_assert_eq!(
            by_schema,
            by_contract,
            "{} {}: schema says {}, contract says {:?}",
            agent,
            text,
            by_schema,
            parsed
        );
        if let Ok(parsed) = parsed {
            // The canonical form is stable, and says the same thing.
            let again = parse(agent, &parsed.canonical).unwrap();
            prop_assert_eq!(&again.canonical, &parsed.canonical);
            prop_assert!(again.same_content(&parsed));
            let value_again: Value = serde_json::from_str(&parsed.canonical).unwrap();
            prop_assert_eq!(&value_again, value, "the form changes no value");
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn architect_contract_agrees_with_its_schema(value in document(Agent::Architect)) {
        agreement(Agent::Architect, &value)?;
    }

    #[test]
    fn planner_contract_agrees_with_its_schema(value in document(Agent::Planner)) {
        agreement(Agent::Planner, &value)?;
    }

    #[test]
    fn reviewer_contract_agrees_with_its_schema(value in document(Agent::Reviewer)) {
        agreement(Agent::Reviewer, &value)?;
    }

    #[test]
    fn no_generated_document_panics_a_rule(value in document(Agent::Planner)) {
        rules_finish(Agent::Planner, &value);
    }

    #[test]
    fn no_generated_review_or_spec_panics_a_rule(
        review in document(Agent::Reviewer),
        spec in document(Agent::Architect),
    ) {
        rules_finish(Agent::Reviewer, &review);
        rules_finish(Agent::Architect, &spec);
    }

    #[test]
    fn no_text_panics_a_contract_parser(text in any::<String>()) {
        for agent in Agent::ALL {
            let _ = parse(agent, &text);
            let _ = canonical_form(agent, &text);
        }
    }

    #[test]
    fn no_json_like_text_panics_a_contract_parser(
        text in r#"[\[\]{}":,0-9a-zA-Z .eE+\\-]{0,80}"#
    ) {
        for agent in Agent::ALL {
            let _ = parse(agent, &text);
            let _ = canonical_form(agent, &text);
        }
    }
}

/// Runs the contract and every rule of `agent` on `value`, as a fixture
/// without `repo/` and with one; they must return, whatever they find.
fn rules_finish(agent: Agent, value: &Value) {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("a.ts"), "export const a = 1;\n").unwrap();
    let text = serde_json::to_string_pretty(value).unwrap();
    for repo in [None, Some(repo.path().to_path_buf())] {
        let fixture = Fixture {
            id: FixtureId::parse(&format!("t/x/{agent}")).unwrap(),
            dir: PathBuf::from("t/x").join(agent.as_str()),
            prompt: String::new(),
            golden_path: PathBuf::from("t/x/expected.json"),
            golden: None,
            repo,
            constraints: Constraints::default(),
            chained: None,
        };
        let _ = verify(&fixture, &text, Schema::Strict);
    }
}

/// Documents the generator must produce, so the properties above are
/// known to cover both verdicts: a valid plan and the positional one.
#[test]
fn the_generator_edits_reach_both_verdicts() {
    let schema = schema(Agent::Planner);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid: Value =
        serde_json::json!({"tasks": [{"id": "t1", "description": "d", "file": "src/a.ts"}]});
    assert!(validator.is_valid(&valid));
    let mut positional = valid.clone();
    apply(&mut positional, &mut 0, &Edit::Positional);
    assert_eq!(
        positional,
        serde_json::json!([[{"id": "t1", "description": "d", "file": "src/a.ts"}]])
    );
    assert!(!validator.is_valid(&positional));
    assert!(parse(Agent::Planner, &positional.to_string()).is_err());
    let nested = serde_json::json!([[["t1", "d", "src/a.ts"]]]);
    assert!(!validator.is_valid(&nested));
    assert!(parse(Agent::Planner, &nested.to_string()).is_err());
}

/// Deeply nested input is refused with an error, never a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"tasks\":".repeat(depth), "}".repeat(depth));
    let provenance = format!(
        r#"{{"tasks": [{{"id": "t", "description": "d", "file": "f", "provenance": {}1{}}}]}}"#,
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    for text in [&arrays, &objects, &provenance] {
        for agent in JSON_AGENTS {
            let err = parse(agent, text).unwrap_err();
            assert!(
                err.message.contains("recursion limit") || err.message.contains("invalid type"),
                "{agent}: {}",
                err.message
            );
            assert!(canonical_form(agent, text).is_none());
        }
    }
}
