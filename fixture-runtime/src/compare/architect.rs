//! Architectures, by meaning: the same APIs (method and path), data models
//! (names, fields, keys, indexes, relations), file structure and
//! configuration files, as sets (a design without `configurationFiles`
//! differs from one that lists none); summaries, page names and API names and descriptions are free text.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{fields, objects, set_at, sets, str_at, text_of, Difference, Text};

/// Every difference in meaning between two architect documents.
pub(super) fn compare(golden: &Value, actual: &Value, text: &Text) -> Vec<Difference> {
    let mut found = Vec::new();
    let (Some(g), Some(a)) = (golden.as_object(), actual.as_object()) else {
        return found;
    };
    let mut skip = vec![
        "apis",
        "dataModels",
        "recommendedFileStructure",
        "pagesOrScreens",
    ];
    // Lists on both sides compare as sets; a list on one side only is a
    // field difference, left to `fields`.
    let config = "configurationFiles";
    let both_listed = [g, a]
        .iter()
        .all(|doc| doc.get(config).is_some_and(Value::is_array));
    if both_listed {
        skip.push(config);
    }
    if !text.has("highLevelSummary") {
        skip.push("highLevelSummary");
    }
    fields(g, a, &skip, "the spec", &mut found);
    if text.has("pagesOrScreens") {
        sets(
            &set_at(g, "pagesOrScreens"),
            &set_at(a, "pagesOrScreens"),
            "page or screen",
            &mut found,
        );
    }
    let [golden_apis, actual_apis] = [golden, actual].map(apis);
    each(
        &golden_apis,
        &actual_apis,
        "API",
        &mut found,
        |key, g, a, found| {
            let mut skip = vec!["method", "path"];
            for free in ["name", "description"] {
                if !text.has(&format!("apis[*].{free}")) {
                    skip.push(free);
                }
            }
            fields(g, a, &skip, &format!("API `{key}`"), found);
        },
    );
    let [golden_models, actual_models] = [golden, actual].map(models);
    each(
        &golden_models,
        &actual_models,
        "data model",
        &mut found,
        |key, g, a, found| {
            let what = format!("data model `{key}`");
            for list in ["fields", "indexes"] {
                sets(
                    &set_at(g, list),
                    &set_at(a, list),
                    &format!("{what}: {list} entry"),
                    found,
                );
            }
            let relations = |m: &Map<String, Value>| -> BTreeSet<String> {
                objects(m.get("relations"))
                    .into_iter()
                    .map(|r| {
                        let part = |k| r.get(k).map(text_of).unwrap_or_else(|| "-".into());
                        format!("{} → {} ({})", part("field"), part("target"), part("type"))
                    })
                    .collect()
            };
            sets(
                &relations(g),
                &relations(a),
                &format!("{what}: relation"),
                found,
            );
            fields(
                g,
                a,
                &["name", "fields", "indexes", "relations"],
                &what,
                found,
            );
        },
    );
    sets(
        &set_at(g, "recommendedFileStructure"),
        &set_at(a, "recommendedFileStructure"),
        "file structure entry",
        &mut found,
    );
    if both_listed {
        sets(
            &set_at(g, config),
            &set_at(a, config),
            "configuration file",
            &mut found,
        );
    }
    found
}

type Keyed<'a> = BTreeMap<String, &'a Map<String, Value>>;

/// The APIs by `METHOD path`, or by name when they have neither.
fn apis(doc: &Value) -> Keyed<'_> {
    let mut by = Keyed::new();
    for api in objects(doc.get("apis")) {
        let key = match (str_at(api, "method"), str_at(api, "path")) {
            (None, None) => format!("name {}", str_at(api, "name").unwrap_or("-")),
            (method, path) => format!("{} {}", method.unwrap_or("ANY"), path.unwrap_or("-")),
        };
        by.entry(key).or_insert(api);
    }
    by
}

fn models(doc: &Value) -> Keyed<'_> {
    let mut by = Keyed::new();
    for model in objects(doc.get("dataModels")) {
        by.entry(str_at(model, "name").unwrap_or("-").to_owned())
            .or_insert(model);
    }
    by
}

/// Reports entries missing or extra by key, and compares those in both.
fn each<'a>(
    golden: &Keyed<'a>,
    actual: &Keyed<'a>,
    what: &str,
    found: &mut Vec<Difference>,
    mut both: impl FnMut(&str, &Map<String, Value>, &Map<String, Value>, &mut Vec<Difference>),
) {
    let golden_keys: BTreeSet<String> = golden.keys().cloned().collect();
    let actual_keys: BTreeSet<String> = actual.keys().cloned().collect();
    sets(&golden_keys, &actual_keys, what, found);
    for (key, g) in golden {
        if let Some(a) = actual.get(key) {
            both(key, g, a, found);
        }
    }
}
