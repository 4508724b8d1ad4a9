//! `"ignore"`: JSON paths a fixture leaves out of the comparison, in either
//! mode, as insta's redactions do. `tasks[*].description` names every
//! task's description, `tasks[0]` the first task, `apis[*].*` every field
//! of every API.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// `.name`
    Key(String),
    /// `.*`
    AnyKey,
    /// `[3]`
    Index(usize),
    /// `[*]`
    AnyIndex,
}

/// A JSON path with `[*]` and `.*` wildcards, checked when `fixture.json`
/// is read.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(with = "String")]
pub struct IgnorePath {
    text: String,
    steps: Vec<Step>,
}

impl FromStr for IgnorePath {
    type Err = String;

    fn from_str(text: &str) -> Result<IgnorePath, String> {
        let bad = |why: &str| {
            Err(format!(
                "bad JSON path `{text}`: {why} (write it as `tasks[*].description`)"
            ))
        };
        let mut steps = Vec::new();
        let mut rest = text;
        let mut first = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let Some(end) = after.find(']') else {
                    return bad("`[` without `]`");
                };
                let index = &after[..end];
                steps.push(match index {
                    "*" => Step::AnyIndex,
                    _ => match index.parse() {
                        Ok(n) if index.bytes().all(|b| b.is_ascii_digit()) => Step::Index(n),
                        _ => return bad("an index is a number or `*`"),
                    },
                });
                rest = &after[end + 1..];
            } else {
                let key = if first {
                    rest
                } else if let Some(key) = rest.strip_prefix('.') {
                    key
                } else {
                    return bad("expected `.` or `[` after a step");
                };
                let end = key.find(['.', '[']).unwrap_or(key.len());
                let name = &key[..end];
                if name.is_empty() {
                    return bad("empty field name");
                }
                steps.push(if name == "*" {
                    Step::AnyKey
                } else {
                    Step::Key(name.to_owned())
                });
                rest = &key[end..];
            }
            first = false;
        }
        if steps.is_empty() {
            return bad("empty path");
        }
        Ok(IgnorePath {
            text: text.to_owned(),
            steps,
        })
    }
}

impl<'de> Deserialize<'de> for IgnorePath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<IgnorePath, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for IgnorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl IgnorePath {
    /// Removes every value the path names from `doc` (an object's field, or
    /// an array's element) and returns how many it removed.
    pub fn redact(&self, doc: &mut Value) -> usize {
        redact(doc, &self.steps)
    }
}

fn redact(value: &mut Value, steps: &[Step]) -> usize {
    let Some((step, rest)) = steps.split_first() else {
        return 0;
    };
    let last = rest.is_empty();
    match (step, value) {
        (Step::Key(name), Value::Object(map)) => {
            if last {
                usize::from(map.shift_remove(name).is_some())
            } else {
                map.get_mut(name).map_or(0, |child| redact(child, rest))
            }
        }
        (Step::AnyKey, Value::Object(map)) => {
            if last {
                let n = map.len();
                map.clear();
                n
            } else {
                map.values_mut().map(|child| redact(child, rest)).sum()
            }
        }
        (Step::Index(i), Value::Array(items)) => {
            if last {
                if *i < items.len() {
                    items.remove(*i);
                    1
                } else {
                    0
                }
            } else {
                items.get_mut(*i).map_or(0, |child| redact(child, rest))
            }
        }
        (Step::AnyIndex, Value::Array(items)) => {
            if last {
                let n = items.len();
                items.clear();
                n
            } else {
                items.iter_mut().map(|child| redact(child, rest)).sum()
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> IgnorePath {
        text.parse().unwrap()
    }

    #[test]
    fn wildcards_remove_every_match_and_count_them() {
        let mut doc =
            json!({"tasks": [{"id": "a", "description": "x"}, {"id": "b", "description": "y"}]});
        assert_eq!(path("tasks[*].description").redact(&mut doc), 2);
        assert_eq!(doc, json!({"tasks": [{"id": "a"}, {"id": "b"}]}));
        assert_eq!(path("tasks[1]").redact(&mut doc), 1);
        assert_eq!(doc, json!({"tasks": [{"id": "a"}]}));
        assert_eq!(path("tasks[*].*").redact(&mut doc), 1);
        assert_eq!(doc, json!({"tasks": [{}]}));
    }

    #[test]
    fn a_path_that_names_nothing_removes_nothing() {
        let mut doc = json!({"comments": [{"message": "m"}]});
        assert_eq!(path("comments[*].body").redact(&mut doc), 0);
        assert_eq!(path("comments[3].message").redact(&mut doc), 0);
        assert_eq!(path("comments.message").redact(&mut doc), 0);
        assert_eq!(doc, json!({"comments": [{"message": "m"}]}));
    }

    #[test]
    fn malformed_paths_are_refused_with_the_reason() {
        for (text, why) in [
            ("", "empty path"),
            ("tasks[", "`[` without `]`"),
            ("tasks[x]", "an index is a number or `*`"),
            ("tasks[-1]", "an index is a number or `*`"),
            ("tasks..id", "empty field name"),
            ("tasks[0]id", "expected `.` or `[`"),
        ] {
            let err = text.parse::<IgnorePath>().unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        assert_eq!(path("[0].id").steps.len(), 2);
    }
}
