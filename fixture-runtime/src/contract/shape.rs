//! What serde's derive accepts and a JSON Schema refuses: a struct written
//! as an array of its field values (`[[["t1", "d", "src/a.ts"]]]` for a
//! plan). One pass over the text, guided by the schema, refuses an array
//! wherever the schema expects an object, with its path and position.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::Value;

use super::json::resolve;

/// Checks that no array stands where `schema` expects an object; on
/// failure, the JSON path of the offending value and serde_json's error
/// (which carries the line and column).
pub fn check(text: &str, schema: &Value) -> Result<(), (String, serde_json::Error)> {
    let mut json = serde_json::Deserializer::from_str(text);
    let mut track = serde_path_to_error::Track::new();
    let node = Shape {
        root: schema,
        node: schema,
    };
    let result = node.deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ));
    result.map_err(|err| (track.path().to_string(), err))
}

/// Whether `value` has no array where `schema` expects an object.
pub fn fits(value: &Value, schema: &Value) -> bool {
    fn walk(value: &Value, shape: Shape<'_>) -> bool {
        match value {
            Value::Array(items) => {
                let node = resolve(shape.root, shape.node);
                !shape.wants_object()
                    && items
                        .iter()
                        .all(|item| walk(item, shape.at(node.get("items"))))
            }
            Value::Object(map) => {
                let properties = resolve(shape.root, shape.node).get("properties");
                map.iter()
                    .all(|(key, field)| walk(field, shape.at(properties.and_then(|p| p.get(key)))))
            }
            _ => true,
        }
    }
    walk(
        value,
        Shape {
            root: schema,
            node: schema,
        },
    )
}

#[derive(Clone, Copy)]
struct Shape<'s> {
    root: &'s Value,
    node: &'s Value,
}

impl<'s> Shape<'s> {
    fn at(self, node: Option<&'s Value>) -> Shape<'s> {
        Shape {
            root: self.root,
            node: node.map_or(&Value::Null, |node| resolve(self.root, node)),
        }
    }

    /// Whether the schema here allows only objects.
    fn wants_object(self) -> bool {
        let node = resolve(self.root, self.node);
        match node.get("type") {
            Some(Value::String(kind)) => kind == "object",
            Some(Value::Array(kinds)) => {
                kinds.iter().any(|k| k == "object") && !kinds.iter().any(|k| k == "array")
            }
            _ => false,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Shape<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.wants_object() {
            return Err(de::Error::invalid_type(
                Unexpected::Seq,
                &"a JSON object (an array of field values is not one)",
            ));
        }
        let items = self.at(resolve(self.root, self.node).get("items"));
        while seq.next_element_seed(items)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let properties = resolve(self.root, self.node).get("properties");
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(self.at(properties.and_then(|p| p.get(&key))))?;
        }
        Ok(())
    }
}
