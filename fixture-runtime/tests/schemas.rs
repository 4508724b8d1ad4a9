//! The committed JSON Schemas in `schemas/` match the contract types.
//! Refresh them with `UPDATE_GOLDENS=1 cargo test -p fixture-runtime --test schemas`.

use std::fs;
use std::path::Path;

use fixture_runtime::contract::schema_json;
use fixture_runtime::env::{flag, UPDATE_GOLDENS};
use fixture_runtime::Agent;

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
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
        "out of date: {}\nrefresh with `UPDATE_GOLDENS=1 cargo test -p fixture-runtime --test schemas`",
        stale.join(", ")
    );
}
