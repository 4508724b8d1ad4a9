//! Rule `determinism`: JSON outputs carry no timestamps, UUIDs or agent-run
//! ids (`msg_…`, `toolu_…`, `req_…`), except at
//! paths the fixture declares `volatile`. (That goldens are stored in
//! canonical form is checked where the golden is compared, in the engine.)

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::rule::{Rule, Violation};

/// Finds ISO-8601 date-times and UUIDs in the string values of `output`.
pub fn check(output: &Value, volatile: &[String], file: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    walk(output, String::new(), &mut |path, text| {
        if volatile.iter().any(|v| volatile_matches(v, path)) {
            return;
        }
        let found = if let Some(stamp) = find_timestamp(text) {
            Some(format!("a timestamp `{stamp}`"))
        } else if let Some(id) = find_uuid(text) {
            Some(format!("a UUID `{id}`"))
        } else {
            find_run_id(text).map(|id| format!("a run id `{id}`"))
        };
        if let Some(what) = found {
            violations.push(
                Violation::new(Rule::Determinism, format!("holds {what}"))
                    .at(format!("{file}: {path}"))
                    .hint(format!(
                        "outputs must be reproducible: drop it, or declare the field in \
                         fixture.json: \"volatile\": [\"{path}\"]"
                    )),
            );
        }
    });
    violations
}

fn walk(value: &Value, path: String, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(text) => visit(&path, text),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), visit);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(item, child, visit);
            }
        }
        _ => {}
    }
}

/// A declared volatile path matches exactly, or with `[*]` for any index.
pub fn volatile_matches(pattern: &str, path: &str) -> bool {
    if pattern == path {
        return true;
    }
    let mut generic = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        generic.push(c);
        if c == '[' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            generic.push('*');
        }
    }
    pattern == generic
}

/// `2024-05-01T12:30` and longer: a date, `T` or a space, hours and minutes.
fn find_timestamp(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (0..b.len().saturating_sub(15)).find_map(|i| {
        let w = &b[i..i + 16];
        let shape = digits(&w[0..4])
            && w[4] == b'-'
            && digits(&w[5..7])
            && w[7] == b'-'
            && digits(&w[8..10])
            && (w[10] == b'T' || w[10] == b' ')
            && digits(&w[11..13])
            && w[13] == b':'
            && digits(&w[14..16]);
        let end = (i + 16..b.len())
            .find(|&j| !(b[j].is_ascii_digit() || b":.+-Z".contains(&b[j])))
            .unwrap_or(b.len());
        shape.then(|| &text[i..end])
    })
}

/// An id an agent API mints per run: `msg_`, `toolu_`, `req_` or `srvtoolu_`
/// and at least 16 letters and digits.
fn find_run_id(text: &str) -> Option<&str> {
    static RUN_ID: OnceLock<Regex> = OnceLock::new();
    RUN_ID
        .get_or_init(|| {
            Regex::new(r"(?-u:\b)(?:msg|toolu|srvtoolu|req)_[A-Za-z0-9]{16,}(?-u:\b)")
                .expect("the run-id pattern compiles")
        })
        .find(text)
        .map(|found| found.as_str())
}

/// `8-4-4-4-12` hexadecimal digits.
fn find_uuid(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(35)).find_map(|i| {
        let w = &b[i..i + 36];
        let ok = w.iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
        ok.then(|| &text[i..i + 36])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_timestamps_and_uuids_with_their_paths() {
        let output = serde_json::json!({
            "tasks": [{"id": "t1", "provenance": {"recordedAt": "2024-05-01T12:30:00Z",
                "run": "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab"}}],
            "note": "released 2024-05-01"
        });
        let all: Vec<_> = check(&output, &[], "e")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].contains(
            "e: tasks[0].provenance.recordedAt: holds a timestamp `2024-05-01T12:30:00Z`"
        ));
        assert!(all[1].contains("a UUID `4f1c2d3e-aaaa-bbbb-cccc-0123456789ab`"));
    }

    #[test]
    fn finds_agent_run_ids_but_not_ordinary_names() {
        let output = serde_json::json!({
            "a": "answered in msg_01XFDUDYJgAACzvnptvVoYEL",
            "b": "tool toolu_01A09q90qw90lq917835lq9 ran",
            "c": "msg_handler and request_id_field are names"
        });
        let all: Vec<_> = check(&output, &[], "e")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].contains("e: a: holds a run id `msg_01XFDUDYJgAACzvnptvVoYEL`"));
        assert!(all[1].contains("e: b: holds a run id `toolu_01A09q90qw90lq917835lq9`"));
    }

    #[test]
    fn volatile_paths_are_exempt() {
        let output =
            serde_json::json!({"tasks": [{"at": "2024-05-01T12:30"}, {"at": "2024-05-01 12:31"}]});
        assert_eq!(check(&output, &["tasks[0].at".into()], "e").len(), 1);
        assert!(check(&output, &["tasks[*].at".into()], "e").is_empty());
        assert!(!volatile_matches("tasks[*].at", "tasks[0].atx"));
    }
}
