//! Reviews, by meaning: the same decision and the same blocking comments
//! by file and line; wording is free, and comments that do not block are
//! not compared.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{brief, fields, objects, str_at, Difference, Text};

/// Every difference in meaning between two reviewer documents.
pub(super) fn compare(golden: &Value, actual: &Value, text: &Text) -> Vec<Difference> {
    let mut found = Vec::new();
    if let (Some(g), Some(a)) = (golden.as_object(), actual.as_object()) {
        fields(g, a, &["comments"], "the review", &mut found);
    }
    let [golden, actual] = [golden, actual].map(blocking);
    let keys: Vec<&String> = golden
        .keys()
        .chain(actual.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for key in keys {
        let none = Vec::new();
        let g = golden.get(key).unwrap_or(&none);
        let a = actual.get(key).unwrap_or(&none);
        let what = format!("blocking comment at {key}");
        for comment in g.iter().skip(a.len()) {
            found.push(Difference::new(
                what.clone(),
                format!(
                    "missing from the actual output (golden: {})",
                    message(comment)
                ),
            ));
        }
        for comment in a.iter().skip(g.len()) {
            found.push(Difference::new(
                what.clone(),
                format!("not in the golden (actual: {})", message(comment)),
            ));
        }
        for (g, a) in g.iter().zip(a) {
            let mut skip = vec!["path", "line", "blocking"];
            if !text.has("comments[*].message") {
                skip.push("message");
            }
            fields(g, a, &skip, &what, &mut found);
        }
    }
    found
}

/// The blocking comments by where they point (`src/db.ts:12`, `src/db.ts`,
/// `(no file)`), in document order.
fn blocking(doc: &Value) -> BTreeMap<String, Vec<&Map<String, Value>>> {
    let mut by = BTreeMap::<String, Vec<_>>::new();
    for comment in objects(doc.get("comments")) {
        if comment.get("blocking") != Some(&Value::Bool(true)) {
            continue;
        }
        let at = match (str_at(comment, "path"), comment.get("line")) {
            (Some(path), Some(line)) => format!("{path}:{line}"),
            (Some(path), None) => path.to_owned(),
            (None, Some(line)) => format!("line {line} of no file"),
            (None, None) => "no file".to_owned(),
        };
        by.entry(at).or_default().push(comment);
    }
    by
}

fn message(comment: &Map<String, Value>) -> String {
    brief(str_at(comment, "message").unwrap_or(""))
}
