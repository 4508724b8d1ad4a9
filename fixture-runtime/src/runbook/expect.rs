//! Matching actual output against what a runbook expects: text with
//! trycmd-style wildcards, and JSON as a subset addressed by path.
//!
//! Text: `[..]` matches any run of characters within a line, a line that is
//! exactly `...` matches any number of lines (none included).
//!
//! JSON: an expected object matches an object that holds at least its keys
//! (each matching); an expected array matches an array of the same length,
//! element by element, or a longer one when its last element is `"..."`; the
//! string `"[..]"` matches any value; any other string holding `[..]`
//! matches strings by the text rule; numbers compare by value.

use std::fmt;

use regex::Regex;
use serde_json::Value;

/// The wildcard within a line.
pub const ANY_TEXT: &str = "[..]";
/// The line that stands for any number of lines.
pub const ANY_LINES: &str = "...";

/// Whether `actual` matches the expected lines. Trailing blank lines and
/// `\r` line ends are ignored on both sides.
pub fn text_matches(expected: &str, actual: &str) -> bool {
    let expected = lines(expected);
    let actual = lines(actual);
    let patterns: Vec<Option<Regex>> = expected
        .iter()
        .map(|line| (*line != ANY_LINES).then(|| line_regex(line)))
        .collect();
    match_lines(&patterns, &actual)
}

/// Whether one line matches an expected line with `[..]` wildcards.
pub fn line_matches(expected: &str, actual: &str) -> bool {
    line_regex(expected).is_match(actual)
}

/// A unified diff of expected against actual text, for reports.
pub fn diff(expected: &str, actual: &str) -> String {
    let expected = with_final_newline(expected);
    let actual = with_final_newline(actual);
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

fn with_final_newline(text: &str) -> String {
    let mut text = lines(text).join("\n");
    text.push('\n');
    text
}

fn lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

fn line_regex(expected: &str) -> Regex {
    let pattern: Vec<String> = expected.split(ANY_TEXT).map(regex::escape).collect();
    Regex::new(&format!("^{}$", pattern.join(".*"))).expect("escaped text is a valid regex")
}

/// Matches lines against patterns, `None` standing for `...`; bounded by
/// `patterns × lines` steps through memoisation.
fn match_lines(patterns: &[Option<Regex>], actual: &[&str]) -> bool {
    let (np, na) = (patterns.len(), actual.len());
    // reach[i][j]: patterns[i..] can match actual[j..].
    let mut reach = vec![vec![false; na + 1]; np + 1];
    reach[np][na] = true;
    for i in (0..np).rev() {
        for j in (0..=na).rev() {
            reach[i][j] = match &patterns[i] {
                None => reach[i + 1][j] || (j < na && reach[i][j + 1]),
                Some(re) => j < na && re.is_match(actual[j]) && reach[i + 1][j + 1],
            };
        }
    }
    reach[0][0]
}

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path into a JSON document: `$`, `$.checks[0].status`, `$["odd key"]`
/// (the leading `$` may be left out: `checks[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    /// Parses a path; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let bad = |what: &str| {
            format!("bad JSON path `{text}`: {what}; write it like `$.checks[0].status` or `$`")
        };
        let mut rest = text.trim();
        rest = rest.strip_prefix('$').unwrap_or(rest);
        let mut segments = Vec::new();
        let mut first = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').ok_or_else(|| bad("`[` without `]`"))?;
                let inner = &after[..end];
                if let Some(key) = inner
                    .strip_prefix('"')
                    .and_then(|key| key.strip_suffix('"'))
                {
                    segments.push(Segment::Key(key.to_owned()));
                } else {
                    let index = inner
                        .parse()
                        .map_err(|_| bad("an index is a number or a quoted key"))?;
                    segments.push(Segment::Index(index));
                }
                rest = &after[end + 1..];
            } else {
                let after = match rest.strip_prefix('.') {
                    Some(after) => after,
                    None if first => rest,
                    None => return Err(bad("expected `.` or `[`")),
                };
                let end = after.find(['.', '[']).unwrap_or(after.len());
                if end == 0 {
                    return Err(bad("empty key"));
                }
                if after[..end].contains([']', '"', ' ']) {
                    return Err(bad("a key with `]`, `\"` or spaces goes in `[\"...\"]`"));
                }
                segments.push(Segment::Key(after[..end].to_owned()));
                rest = &after[end..];
            }
            first = false;
        }
        Ok(JsonPath(segments))
    }

    /// The value at this path, if there is one.
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.0
            .iter()
            .try_fold(root, |value, segment| match segment {
                Segment::Key(key) => value.get(key),
                Segment::Index(index) => value.get(index),
            })
    }

    fn push(&self, segment: Segment) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        JsonPath(segments)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                Segment::Key(key)
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
                {
                    write!(f, ".{key}")?
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Where and how a JSON subset match failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMismatch {
    /// The first path that differs.
    pub path: JsonPath,
    /// What differs there.
    pub message: String,
}

impl fmt::Display for JsonMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.message)
    }
}

/// Checks that `actual` at `path` matches `expected` as a subset.
pub fn json_at(path: &JsonPath, expected: &Value, actual: &Value) -> Result<(), JsonMismatch> {
    match path.get(actual) {
        Some(found) => json_subset(path, expected, found),
        None => Err(JsonMismatch {
            path: path.clone(),
            message: format!("no value here (expected {})", compact(expected)),
        }),
    }
}

fn json_subset(path: &JsonPath, expected: &Value, actual: &Value) -> Result<(), JsonMismatch> {
    let mismatch = |message: String| {
        Err(JsonMismatch {
            path: path.clone(),
            message,
        })
    };
    match (expected, actual) {
        (Value::String(e), _) if e == ANY_TEXT => Ok(()),
        (Value::String(e), Value::String(a)) if e.contains(ANY_TEXT) => {
            if line_matches(e, a) {
                Ok(())
            } else {
                mismatch(format!(
                    "expected {}, got {}",
                    compact(expected),
                    compact(actual)
                ))
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let inner = path.push(Segment::Key(key.clone()));
                match a.get(key) {
                    Some(found) => json_subset(&inner, value, found)?,
                    None => {
                        return Err(JsonMismatch {
                            path: inner,
                            message: format!(
                                "missing (expected {}); the object has {}",
                                compact(value),
                                keys(a)
                            ),
                        })
                    }
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            let open = e.last().and_then(Value::as_str) == Some(ANY_LINES);
            let e = if open { &e[..e.len() - 1] } else { &e[..] };
            if a.len() < e.len() || (!open && a.len() != e.len()) {
                let want = if open {
                    format!("at least {}", e.len())
                } else {
                    e.len().to_string()
                };
                return mismatch(format!(
                    "expected {want} elements, got {}: {}",
                    a.len(),
                    compact(actual)
                ));
            }
            for (index, (value, found)) in e.iter().zip(a).enumerate() {
                json_subset(&path.push(Segment::Index(index)), value, found)?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => mismatch(format!(
            "expected {}, got {}",
            compact(expected),
            compact(actual)
        )),
    }
}

fn keys(object: &serde_json::Map<String, Value>) -> String {
    if object.is_empty() {
        return "no keys".to_owned();
    }
    let names: Vec<String> = object.keys().map(|k| format!("`{k}`")).collect();
    format!("keys {}", names.join(", "))
}

/// A value on one line, cut to a readable length.
pub fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_wildcards_within_lines_and_across_lines() {
        assert!(text_matches("hello [..]!", "hello world!\n"));
        assert!(!text_matches("hello [..]!", "hello world"));
        assert!(text_matches("a\n...\nz", "a\nb\nc\nz"));
        assert!(text_matches("a\n...\nz", "a\nz"));
        assert!(!text_matches("a\n...\nz", "a\nb"));
        assert!(text_matches("...", ""));
        assert!(!text_matches("a", "a\nb"));
        assert!(text_matches("a\n", "a\r\n\n"));
        assert!(
            text_matches("(x) [..] $1", "(x) 12 $1"),
            "regex chars are literal"
        );
        assert!(!text_matches("a.c", "abc"));
    }

    #[test]
    fn diff_names_both_sides() {
        let diff = diff("a\nb", "a\nc");
        assert!(diff.contains("--- expected") && diff.contains("+++ actual"));
        assert!(diff.contains("-b") && diff.contains("+c"), "{diff}");
    }

    #[test]
    fn paths_parse_and_print() {
        let path = JsonPath::parse("$.checks[0].status").unwrap();
        assert_eq!(
            path.0,
            vec![
                Segment::Key("checks".into()),
                Segment::Index(0),
                Segment::Key("status".into())
            ]
        );
        assert_eq!(path.to_string(), "$.checks[0].status");
        assert_eq!(JsonPath::parse("$").unwrap().0, vec![]);
        assert_eq!(JsonPath::parse("fail").unwrap().to_string(), "$.fail");
        assert_eq!(
            JsonPath::parse(r#"$["a b"]"#).unwrap().to_string(),
            r#"$["a b"]"#
        );
        for bad in ["$.", "$[x]", "$[0", "$..a", "$.a]"] {
            let err = JsonPath::parse(bad).unwrap_err();
            assert!(
                err.contains(bad) && err.contains("$.checks[0].status"),
                "{err}"
            );
        }
    }

    #[test]
    fn json_subset_allows_extra_keys_and_wildcards() {
        let actual = json!({"id": "s-42", "state": "running", "n": 2, "tags": ["a", "b"]});
        let root = JsonPath::parse("$").unwrap();
        assert!(json_at(&root, &json!({"state": "running"}), &actual).is_ok());
        assert!(json_at(&root, &json!({"id": "s-[..]", "n": 2.0}), &actual).is_ok());
        assert!(json_at(&root, &json!({"tags": ["a", "..."]}), &actual).is_ok());
        assert!(json_at(&root, &json!({"tags": "[..]"}), &actual).is_ok());
        let path = JsonPath::parse("$.tags[1]").unwrap();
        assert!(json_at(&path, &json!("b"), &actual).is_ok());
    }

    #[test]
    fn json_mismatch_names_the_first_path_that_differs() {
        let actual = json!({"checks": [{"status": "warn"}], "fail": 0});
        let root = JsonPath::parse("$").unwrap();
        let err = json_at(&root, &json!({"checks": [{"status": "pass"}]}), &actual).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at $.checks[0].status: expected "pass", got "warn""#
        );
        let err = json_at(&root, &json!({"pass": 1}), &actual).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at $.pass: missing (expected 1); the object has keys `checks`, `fail`"
        );
        let err = json_at(&root, &json!({"checks": []}), &actual).unwrap_err();
        assert!(
            err.to_string().contains("expected 0 elements, got 1"),
            "{err}"
        );
        let path = JsonPath::parse("$.nope[3]").unwrap();
        let err = json_at(&path, &json!(1), &actual).unwrap_err();
        assert_eq!(err.to_string(), "at $.nope[3]: no value here (expected 1)");
        let err = json_at(&root, &json!({"fail": "0"}), &actual).unwrap_err();
        assert_eq!(err.to_string(), r#"at $.fail: expected "0", got 0"#);
    }
}
