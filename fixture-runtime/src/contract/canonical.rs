//! The canonical form of a JSON golden: its form only. Keys in the
//! contract's order (keys the contract does not have after them, as
//! written), 2-space indentation, a trailing newline. It never adds a
//! default and never drops what the author wrote: an omitted field stays
//! omitted, an explicit `null` stays `null`.

use serde_json::{Map, Value};

use super::json::resolve;

/// `value` in canonical form for the contract whose JSON Schema is `schema`.
pub fn form(value: Value, schema: &Value) -> String {
    let ordered = order(value, schema, schema);
    let text = serde_json::to_string_pretty(&ordered).expect("a JSON value serializes");
    format!("{text}\n")
}

fn order(value: Value, root: &Value, node: &Value) -> Value {
    let node = resolve(root, node);
    match value {
        Value::Object(mut rest) => {
            let mut out = Map::new();
            if let Some(properties) = node.get("properties").and_then(Value::as_object) {
                for (key, sub) in properties {
                    if let Some(field) = rest.shift_remove(key) {
                        out.insert(key.clone(), order(field, root, sub));
                    }
                }
            }
            out.extend(rest);
            Value::Object(out)
        }
        Value::Array(items) => {
            let sub = node.get("items").unwrap_or(&Value::Null);
            Value::Array(
                items
                    .into_iter()
                    .map(|item| order(item, root, sub))
                    .collect(),
            )
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Agent;
    use crate::contract::schema;

    #[test]
    fn form_orders_keys_and_keeps_what_was_written() {
        let value: Value = serde_json::from_str(
            r#"{"title": "T", "tasks": [{"file": "a", "dependsOn": [], "id": "t1",
                "description": "d", "x": 1}]}"#,
        )
        .unwrap();
        assert_eq!(
            form(value, schema(Agent::Planner)),
            "{\n  \"tasks\": [\n    {\n      \"id\": \"t1\",\n      \"description\": \"d\",\n      \
             \"file\": \"a\",\n      \"dependsOn\": [],\n      \"x\": 1\n    }\n  ],\n  \"title\": \
             \"T\"\n}\n"
        );
    }

    #[test]
    fn explicit_null_stays() {
        let value: Value =
            serde_json::from_str(r#"{"blocking": true, "line": null, "message": "m"}"#).unwrap();
        let node = &schema(Agent::Reviewer)["$defs"]["Comment"];
        assert_eq!(
            form(value, node),
            "{\n  \"message\": \"m\",\n  \"blocking\": true,\n  \"line\": null\n}\n"
        );
    }
}
