//! The committed JSON Schemas in `schemas/` match the contract types.
//! Refresh them with `UPDATE_GOLDENS=1 cargo test --test schemas`.

use std::fs;
use std::path::Path;

use fixture_kit::contract::schema_json;
use fixture_kit::env::{flag, UPDATE_GOLDENS};
use fixture_kit::Agent;

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut stale = Vec::new();
    for agent in Agent::ALL {
        let path = dir.join(format!("{agent}.schema.json"));
        let fresh = schema_json(agent);
        if fs::read_to_string(&path).ok().as_deref() == Some(fresh.as_str()) {
            continue;
        }
        if flag(UPDATE_GOLDENS) {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, fresh).unwrap();
        } else {
            stale.push(format!("schemas/{agent}.schema.json"));
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}\nrefresh with `UPDATE_GOLDENS=1 cargo test --test schemas`",
        stale.join(", ")
    );
}

/// The exported schemas and the typed contracts agree on every JSON golden
/// of the bundled corpus: the schema accepts a golden exactly when the
/// contract parses it without unknown fields.
#[test]
fn schemas_and_contracts_agree_on_the_bundled_corpus() {
    use fixture_kit::contract::parse;
    use fixture_kit::discover::discover;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (mut accepted, mut rejected) = (0, 0);
    for found in discover(&root).fixtures {
        let agent = found.id.agent;
        if agent == Agent::Coder {
            continue;
        }
        let golden = found.id.dir(&root).join("expected.json");
        let text = fs::read_to_string(&golden).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&schema_json(agent)).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let by_schema = validator.is_valid(&serde_json::from_str(&text).unwrap());
        let by_contract = parse(agent, &text).is_ok_and(|parsed| parsed.unknown.is_empty());
        assert_eq!(
            by_schema,
            by_contract,
            "{}: schema says {by_schema}, contract says {by_contract}",
            golden.display()
        );
        if by_schema {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert!(
        accepted >= 20 && rejected >= 3,
        "{accepted} accepted, {rejected} rejected"
    );
}
