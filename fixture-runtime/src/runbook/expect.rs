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

pub use crate::json_path::{JsonPath, Location, Segment};

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

/// A unified diff of expected against actual text, for reports. Expected
/// lines that a wildcard matched show as the actual text they matched, so
/// only the lines that really differ are marked.
pub fn diff(expected: &str, actual: &str) -> String {
    let actual_lines = lines(actual);
    let expected = with_final_newline(&align(&lines(expected), &actual_lines).join("\n"));
    let actual = with_final_newline(actual);
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// The expected lines, rewritten where the best alignment with `actual`
/// matched them: a wildcard line becomes the line it matched, `...` the
/// lines it stood for. The alignment matches as many expected lines as it
/// can (`patterns × lines` steps).
fn align(expected: &[&str], actual: &[&str]) -> Vec<String> {
    let patterns: Vec<Option<Regex>> = expected
        .iter()
        .map(|line| (*line != ANY_LINES).then(|| line_regex(line)))
        .collect();
    let (np, na) = (patterns.len(), actual.len());
    // best[i][j]: most expected lines of patterns[i..] matched in actual[j..].
    let mut best = vec![vec![0usize; na + 1]; np + 1];
    for i in (0..np).rev() {
        for j in (0..=na).rev() {
            best[i][j] = match &patterns[i] {
                None => best[i + 1][j].max(if j < na { best[i][j + 1] } else { 0 }),
                Some(re) => {
                    let skip = best[i + 1][j].max(if j < na { best[i][j + 1] } else { 0 });
                    if j < na && re.is_match(actual[j]) {
                        skip.max(1 + best[i + 1][j + 1])
                    } else {
                        skip
                    }
                }
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < np {
        match &patterns[i] {
            None if j < na && best[i][j + 1] == best[i][j] => {
                out.push(actual[j].to_owned());
                j += 1;
            }
            None => i += 1,
            Some(re)
                if j < na && re.is_match(actual[j]) && best[i][j] == 1 + best[i + 1][j + 1] =>
            {
                out.push(actual[j].to_owned());
                i += 1;
                j += 1;
            }
            Some(_) if j < na && best[i][j] == best[i][j + 1] && best[i][j] != best[i + 1][j] => {
                j += 1
            }
            Some(_) => {
                out.push(expected[i].to_owned());
                i += 1;
            }
        }
    }
    out
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

/// Where and how a JSON subset match failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMismatch {
    /// The first place that differs, as `$.checks[0].status`.
    pub path: String,
    /// What differs there.
    pub message: String,
}

impl fmt::Display for JsonMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.message)
    }
}

/// Checks that `actual` at `path` matches `expected` as a subset; the path
/// must select one value.
pub fn json_at(path: &JsonPath, expected: &Value, actual: &Value) -> Result<(), JsonMismatch> {
    let mut found = path.select(actual);
    match found.len() {
        1 => {
            let (location, found) = found.remove(0);
            json_subset(&location, expected, found)
        }
        0 => Err(JsonMismatch {
            path: path.to_string(),
            message: format!("no value here (expected {})", compact(expected)),
        }),
        n => Err(JsonMismatch {
            path: path.to_string(),
            message: format!("selects {n} values, not one: narrow it with `[0]` or a filter"),
        }),
    }
}

/// Checks that the whole of `actual` matches `expected` as a subset.
pub fn json_matches(expected: &Value, actual: &Value) -> Result<(), JsonMismatch> {
    json_subset(&Location::default(), expected, actual)
}

fn json_subset(path: &Location, expected: &Value, actual: &Value) -> Result<(), JsonMismatch> {
    let mismatch = |message: String| {
        Err(JsonMismatch {
            path: path.to_string(),
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
                            path: inner.to_string(),
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
    fn diff_marks_only_the_lines_that_differ_past_wildcards() {
        let diff = diff(
            "start\n...\nid [..]\nstate running\nend",
            "start\nx\ny\nid 7\nstate stopped\nend",
        );
        let marked: Vec<&str> = diff
            .lines()
            .filter(|l| {
                (l.starts_with('-') || l.starts_with('+'))
                    && !l.starts_with("---")
                    && !l.starts_with("+++")
            })
            .collect();
        assert_eq!(marked, ["-state running", "+state stopped"], "{diff}");
        let diff = super::diff("a\n...\nz", "a\nb\nc");
        assert!(diff.contains("-z") && !diff.contains("-..."), "{diff}");
    }

    #[test]
    fn paths_parse_and_print() {
        let doc = json!({"checks": [{"name": "git", "status": "pass"}, {"name": "go", "status": "warn"}],
                         "fail": 0, "a b": 1, "content-type": "json"});
        let one = |path: &str| {
            JsonPath::parse(path)
                .unwrap()
                .one(&doc)
                .map(|(at, v)| (at.to_string(), v.clone()))
        };
        assert_eq!(
            one("$.checks[0].status"),
            Ok(("$.checks[0].status".into(), json!("pass")))
        );
        assert_eq!(one("fail"), Ok(("$.fail".into(), json!(0))));
        assert_eq!(one(r#"$["a b"]"#), Ok((r#"$["a b"]"#.into(), json!(1))));
        assert_eq!(
            one("$.content-type"),
            Ok(("$.content-type".into(), json!("json")))
        );
        assert_eq!(
            one("$.checks[?(@.name=='go')].status"),
            Ok(("$.checks[1].status".into(), json!("warn")))
        );
        assert_eq!(one("$").map(|(at, _)| at), Ok("$".into()));
        assert_eq!(JsonPath::parse("fail").unwrap().to_string(), "$.fail");
        assert!(one("$.checks[*].name")
            .unwrap_err()
            .contains("selects 2 values"));
        assert_eq!(one("$.nope"), Err("no value at $.nope".into()));
        for bad in ["$.", "$[x]", "$[0", "$.a]", "$[?(@.a==]"] {
            let err = JsonPath::parse(bad).unwrap_err();
            assert!(
                err.contains(bad) && err.contains("$.checks[0].status"),
                "{err}"
            );
        }
    }

    #[test]
    fn variables_in_paths_are_filled_in_as_one_string() {
        let doc = json!({"sessions": [{"id": "s-1", "state": "running"}, {"id": "it's", "state": "odd"}]});
        let path = JsonPath::parse("$.sessions[?(@.id=='{{id}}')].state").unwrap();
        let state = |id: &str| {
            let filled = path.fill(|_| Ok(id.to_owned())).unwrap();
            filled.get(&doc).cloned()
        };
        assert_eq!(state("s-1"), Some(json!("running")));
        assert_eq!(state("it's"), Some(json!("odd")));
        assert_eq!(state("x' || @.id=='s-1"), None, "a value stays one string");
        let index = JsonPath::parse("$.sessions[{{n}}].id").unwrap();
        assert_eq!(
            index.fill(|_| Ok("1".into())).unwrap().get(&doc),
            Some(&json!("it's"))
        );
        let err = index.fill(|_| Ok("x".into())).unwrap_err();
        assert!(err.contains("once filled in"), "{err}");
        assert!(JsonPath::parse("$.a[?(@.b=={{x}}").is_err());
    }

    #[test]
    fn json_subset_allows_extra_keys_and_wildcards() {
        let actual = json!({"id": "s-42", "state": "running", "n": 2, "tags": ["a", "b"]});
        let root = JsonPath::root();
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
