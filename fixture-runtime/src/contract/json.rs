//! Typed JSON parsing that reports unknown fields with their JSON path and
//! the nearest known field, and parse errors with line and column.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A field the contract does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// Its JSON path, e.g. `tasks[2].dependency`.
    pub path: String,
    /// The known field nearest to it, if one is near enough.
    pub suggestion: Option<String>,
    /// Its value, as written.
    pub value: Value,
}

impl UnknownField {
    /// "unknown field; did you mean `dependsOn`?" (without the path).
    pub fn message(&self) -> String {
        match &self.suggestion {
            Some(near) => format!("unknown field; did you mean `{near}`?"),
            None => "unknown field".to_owned(),
        }
    }
}

/// Why a JSON document does not fit its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The JSON path of the offending value (empty for the root).
    pub path: String,
    /// What is wrong, without position.
    pub message: String,
    /// 1-based line in the text.
    pub line: usize,
    /// 1-based column in the text.
    pub column: usize,
}

/// A serde path without the `?` segments it writes where a syntax error
/// left the key unknown (`tasks[0].?` → `tasks[0]`).
fn known_path(path: &str) -> String {
    let path = path.replace(".?", "");
    if path == "?" {
        String::new()
    } else {
        path
    }
}

/// Parses `text` as a `T`, collecting fields `T` does not know instead of
/// failing on them.
pub fn parse<T: DeserializeOwned + JsonSchema>(
    text: &str,
) -> Result<(T, Vec<UnknownField>), JsonError> {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    let document = parse_document::<T>(text, &schema)?;
    Ok((document.typed, document.unknown))
}

/// A JSON document parsed as a `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<T> {
    /// The typed value.
    pub typed: T,
    /// Fields `T` does not have.
    pub unknown: Vec<UnknownField>,
    /// The document as written.
    pub json: Value,
}

/// Parses `text` as a `T` whose JSON Schema is `schema`: refuses what the
/// schema refuses and serde alone would accept (an array where an object
/// belongs), and collects unknown fields with their values.
pub fn parse_document<T: DeserializeOwned>(
    text: &str,
    schema: &Value,
) -> Result<Document<T>, JsonError> {
    if text.starts_with('\u{feff}') {
        return Err(JsonError {
            path: String::new(),
            message: "the text starts with a UTF-8 byte-order mark (bytes EF BB BF): save it as \
                      UTF-8 without one"
                .into(),
            line: 1,
            column: 1,
        });
    }
    // One pass to a value, whose shape is checked in memory; the text is
    // walked again only for a misfit (or a syntax error), for its position.
    let document: Option<Value> = serde_json::from_str(text).ok();
    if document
        .as_ref()
        .is_none_or(|value| !super::shape::fits(value, schema))
    {
        super::shape::check(text, schema)
            .map_err(|(path, err)| json_error(text, &known_path(&path), &err))?;
    }
    let mut ignored = Vec::new();
    let mut reader = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = {
        let mut record = |path: serde_ignored::Path<'_>| ignored.push(segments(&path));
        let de = serde_ignored::Deserializer::new(&mut reader, &mut record);
        serde_path_to_error::deserialize(de)
    };
    let typed = result
        .map_err(|err| json_error(text, &known_path(&err.path().to_string()), err.inner()))
        .and_then(|value| {
            reader
                .end()
                .map(|()| value)
                .map_err(|err| json_error(text, "", &err))
        })?;
    let json: Value = match document {
        Some(value) => value,
        None => serde_json::from_str(text).map_err(|err| json_error(text, "", &err))?,
    };
    let unknown = ignored
        .into_iter()
        .map(|segments| {
            let value = lookup(&json, &segments).cloned().unwrap_or(Value::Null);
            let Some((field, parent)) = segments.split_last() else {
                return UnknownField {
                    path: "(the document)".into(),
                    suggestion: None,
                    value,
                };
            };
            let field = match field {
                Segment::Key(key) => key.clone(),
                Segment::Index(i) => i.to_string(),
            };
            UnknownField {
                path: render(&segments),
                suggestion: nearest(&field, &known_fields(schema, parent)),
                value,
            }
        })
        .collect();
    Ok(Document {
        typed,
        unknown,
        json,
    })
}

/// The value at `segments` in `value`.
fn lookup<'v>(value: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(value, |node, segment| match segment {
            Segment::Key(key) => node.get(key),
            Segment::Index(i) => node.get(i),
        })
}

/// The known name closest to `name`, when it is close enough to be a
/// likely typo or rename (`dependency` → `dependsOn`).
pub fn nearest<S: AsRef<str>>(name: &str, known: &[S]) -> Option<String> {
    if let Some((_, to)) = RENAMES
        .iter()
        .find(|(from, to)| *from == name && known.iter().any(|k| k.as_ref() == *to))
    {
        return Some((*to).to_owned());
    }
    crate::suggest::nearest(name, known)
}

/// Legacy names that spelling distance alone would not connect to the
/// contract's field.
const RENAMES: &[(&str, &str)] = &[("file", "path"), ("filePath", "path")];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut v = segments(parent);
            v.push(Segment::Index(*index));
            v
        }
        Path::Map { parent, key } => {
            let mut v = segments(parent);
            v.push(Segment::Key(key.clone()));
            v
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    }
}

/// `tasks[2].dependency`.
fn render(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) if out.is_empty() => out.push_str(key),
            Segment::Key(key) => {
                let _ = write!(out, ".{key}");
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// The property names the schema allows at `path`, sorted.
fn known_fields(schema: &Value, path: &[Segment]) -> Vec<String> {
    let mut node = resolve(schema, schema);
    for segment in path {
        let next = match segment {
            Segment::Key(key) => node.get("properties").and_then(|p| p.get(key)),
            Segment::Index(_) => node.get("items"),
        };
        match next {
            Some(next) => node = resolve(schema, next),
            None => return Vec::new(),
        }
    }
    let mut names: Vec<String> = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Follows `$ref` and the non-null branch of `anyOf` (how optional fields
/// appear in the schema).
pub(crate) fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        if let Some(target) = root.get("$defs").and_then(|d| d.get(name)) {
            return resolve(root, target);
        }
    }
    if let Some(branches) = node.get("anyOf").and_then(Value::as_array) {
        if let Some(branch) = branches
            .iter()
            .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
        {
            return resolve(root, branch);
        }
    }
    node
}

fn json_error(text: &str, path: &str, err: &serde_json::Error) -> JsonError {
    let shown = err.to_string();
    let message = match shown.rfind(" at line ") {
        Some(cut) => shown[..cut].to_owned(),
        None => shown,
    };
    JsonError {
        path: if path == "." {
            String::new()
        } else {
            path.to_owned()
        },
        message: out_of_range(&message, text, err.line(), err.column()).unwrap_or(message),
        line: err.line(),
        column: err.column(),
    }
}

/// Says "integer `N` is out of range" where serde says "invalid value:
/// integer `N`", or (for an integer beyond 64 bits, which serde_json reads
/// as a float) "invalid type: floating point `1.8e19`".
fn out_of_range(message: &str, text: &str, line: usize, column: usize) -> Option<String> {
    let (literal, expected) = if let Some(rest) = message.strip_prefix("invalid value: integer `") {
        let (literal, expected) = rest.split_once("`, expected ")?;
        (literal.to_owned(), expected)
    } else {
        let rest = message.strip_prefix("invalid type: floating point `")?;
        let (_, expected) = rest.split_once("`, expected ")?;
        let literal = number_before(text, line, column)?;
        let digits = literal.strip_prefix('-').unwrap_or(literal);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        (literal.to_owned(), expected)
    };
    let range = match expected {
        "u32" => "a whole number from 0 to 4294967295",
        "a nonzero u32" => "a whole number from 1 to 4294967295",
        other => other,
    };
    Some(format!(
        "integer `{literal}` is out of range: expected {range}"
    ))
}

/// The number literal that ends at (1-based) `line` and `column` of `text`,
/// where serde_json reports a number it cannot use.
fn number_before(text: &str, line: usize, column: usize) -> Option<&str> {
    let start = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum::<usize>();
    let end = (start + column).min(text.len());
    let before = text.get(..end)?;
    let from = before
        .rfind(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .map_or(0, |i| i + 1);
    Some(&before[from..]).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{PlannerOutput, ReviewerOutput};

    #[test]
    fn unknown_fields_carry_path_and_suggestion() {
        let text = r#"{"tasks": [{"id": "a", "description": "d", "file": "f", "dependency": ["b"]}], "title": "x"}"#;
        let (_, unknown) = parse::<PlannerOutput>(text).unwrap();
        let shown: Vec<_> = unknown
            .iter()
            .map(|u| format!("{}: {}", u.path, u.message()))
            .collect();
        assert_eq!(
            shown,
            [
                "tasks[0].dependency: unknown field; did you mean `dependsOn`?",
                "title: unknown field",
            ]
        );
    }

    #[test]
    fn reviewer_file_suggests_path() {
        let text = r#"{"decision": "approve", "comments": [{"message": "m", "blocking": false, "file": "a.ts"}]}"#;
        let (_, unknown) = parse::<ReviewerOutput>(text).unwrap();
        assert_eq!(unknown[0].path, "comments[0].file");
        assert_eq!(unknown[0].suggestion.as_deref(), Some("path"));
    }

    #[test]
    fn type_errors_carry_path_line_and_column() {
        let text = "{\n  \"tasks\": [\n    {\"id\": \"a\", \"description\": \"d\", \"file\": \"f\", \"complexity\": \"extreme\"}\n  ]\n}";
        let err = parse::<PlannerOutput>(text).unwrap_err();
        assert_eq!(err.path, "tasks[0].complexity");
        assert!(
            err.message.contains("unknown variant `extreme`"),
            "{}",
            err.message
        );
        assert_eq!((err.line, err.column), (3, 72));
    }

    #[test]
    fn missing_field_and_trailing_text_are_errors() {
        let err = parse::<ReviewerOutput>(r#"{"decision": "approve"}"#).unwrap_err();
        assert!(err.message.contains("missing field `comments`"));
        let err =
            parse::<ReviewerOutput>(r#"{"decision": "approve", "comments": []} x"#).unwrap_err();
        assert!(
            err.message.contains("trailing characters"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_integer_beyond_64_bits_is_named_on_any_line() {
        let text = "{\n  \"decision\": \"approve\",\n  \"comments\": [{\"message\": \"m\", \
                    \"blocking\": true,\n    \"line\": 99999999999999999999999}]\n}";
        let err = parse::<ReviewerOutput>(text).unwrap_err();
        assert_eq!(err.path, "comments[0].line");
        assert_eq!(
            err.message,
            "integer `99999999999999999999999` is out of range: expected a whole number from 1 \
             to 4294967295"
        );
        assert_eq!(err.line, 4);
        // A real float keeps serde's words.
        let float = text.replace("99999999999999999999999", "2.5e3");
        let err = parse::<ReviewerOutput>(&float).unwrap_err();
        assert!(
            err.message
                .starts_with("invalid type: floating point `2500.0`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn nearest_needs_a_close_name() {
        assert_eq!(
            nearest("dependency", &["dependsOn", "id"]),
            Some("dependsOn".into())
        );
        assert_eq!(nearest("zzz", &["dependsOn", "id"]), None);
        assert_eq!(
            nearest("forbiden_paths", &["forbidden_paths", "new_files"]),
            Some("forbidden_paths".into())
        );
    }
}
