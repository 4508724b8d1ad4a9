//! Stripping fields from recorded lines by JSON path, wildcards included,
//! so a transcript full of subagent tool results fits the size budget.

use std::fmt;

use serde_json::Value;

use crate::json_path::{JsonPath, Segment};

/// A field to remove from every line: a JSON path (RFC 9535) from the
/// line's top level, the leading `$` optional. `tool_use_result`,
/// `message.usage`, `message.content[*].content` (in every content block),
/// `modelUsage.*.costUSD` (under every model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripPath {
    text: String,
    path: JsonPath,
}

impl StripPath {
    /// Parses `text`; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<StripPath, String> {
        let path = JsonPath::parse(text).map_err(|err| format!("strip: {err}"))?;
        if path.to_string() == "$" {
            return Err(format!(
                "strip: `{text}` is the whole line: name a field, e.g. `tool_use_result`"
            ));
        }
        Ok(StripPath {
            text: text.trim().to_owned(),
            path,
        })
    }

    /// Removes every field (or array element) the path selects in `line`;
    /// returns how many were removed.
    pub fn apply(&self, line: &mut Value) -> usize {
        let mut found: Vec<Vec<Segment>> = self
            .path
            .select(line)
            .into_iter()
            .map(|(location, _)| location.0)
            .collect();
        // Later array elements first, so earlier indices stay right.
        found.sort_by(|a, b| compare(b, a));
        found.dedup();
        found
            .iter()
            .filter(|segments| remove(line, segments))
            .count()
    }
}

impl fmt::Display for StripPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn compare(a: &[Segment], b: &[Segment]) -> std::cmp::Ordering {
    let key = |segment: &Segment| match segment {
        Segment::Index(index) => (0, *index, String::new()),
        Segment::Key(key) => (1, 0, key.clone()),
    };
    a.iter().map(key).cmp(b.iter().map(key))
}

fn remove(root: &mut Value, segments: &[Segment]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let parent = parents
        .iter()
        .try_fold(root, |value, segment| match segment {
            Segment::Key(key) => value.get_mut(key.as_str()),
            Segment::Index(index) => value.get_mut(*index),
        });
    match (parent, last) {
        (Some(Value::Object(object)), Segment::Key(key)) => object.shift_remove(key).is_some(),
        (Some(Value::Array(items)), Segment::Index(index)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::StripPath;
    use serde_json::json;

    #[test]
    fn wildcards_reach_into_arrays_and_objects() {
        let mut line = json!({"message": {"content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "big"},
            {"type": "text", "text": "kept"},
            {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "big"}]}
        ]}, "modelUsage": {"a": {"costUSD": 1.5, "inputTokens": 3}, "b": {"costUSD": 2}}});
        let strip = StripPath::parse("message.content[*].content").unwrap();
        assert_eq!(strip.apply(&mut line), 2);
        let strip = StripPath::parse("$.modelUsage.*.costUSD").unwrap();
        assert_eq!(strip.apply(&mut line), 2);
        assert_eq!(
            line,
            json!({"message": {"content": [
                {"type": "tool_result", "tool_use_id": "t1"},
                {"type": "text", "text": "kept"},
                {"type": "tool_result", "tool_use_id": "t2"}
            ]}, "modelUsage": {"a": {"inputTokens": 3}, "b": {}}})
        );
    }

    #[test]
    fn array_elements_are_removed_last_first() {
        let mut line = json!({"items": [0, 1, 2, 3]});
        assert_eq!(StripPath::parse("items[*]").unwrap().apply(&mut line), 4);
        assert_eq!(line, json!({"items": []}));
        let mut line = json!({"items": [0, 1, 2, 3]});
        assert_eq!(StripPath::parse("items[1,3]").unwrap().apply(&mut line), 2);
        assert_eq!(line, json!({"items": [0, 2]}));
    }

    #[test]
    fn a_missing_field_removes_nothing_and_bad_paths_are_errors() {
        let mut line = json!({"type": "result"});
        assert_eq!(
            StripPath::parse("message.usage").unwrap().apply(&mut line),
            0
        );
        assert_eq!(line, json!({"type": "result"}));
        let err = StripPath::parse("message[").unwrap_err();
        assert!(err.starts_with("strip: bad JSON path `message[`"), "{err}");
        let err = StripPath::parse("$").unwrap_err();
        assert!(err.contains("is the whole line"), "{err}");
    }
}
