//! "Did you mean …?": the known name nearest to one a user mistyped.
//!
//! Every name a user types or writes as a folder or file goes through here
//! when it names nothing: agent folders, golden and prompt files, fixtures
//! in a filter or the golden-path config, schema agents, runbook lanes.
//! Comparisons are bounded: a name or candidate longer than [`MAX_LEN`]
//! bytes is not compared, so a hostile name costs nothing.

/// The longest name (in bytes) compared for a suggestion.
pub const MAX_LEN: usize = 256;

/// The known name closest to `name`, when it is close enough to be a
/// likely typo (`reveiwer` → `reviewer`, `plannr` → `planner`). Ties go to
/// the name that sorts first, so the answer does not depend on the order
/// of `known`.
pub fn nearest<S: AsRef<str>>(name: &str, known: &[S]) -> Option<String> {
    if name.len() > MAX_LEN {
        return None;
    }
    let lower = name.to_lowercase();
    known
        .iter()
        .map(AsRef::as_ref)
        .filter(|k| k.len() <= MAX_LEN && *k != name)
        .map(|k| {
            let k_lower = k.to_lowercase();
            let prefix = lower
                .chars()
                .zip(k_lower.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let score =
                strsim::jaro_winkler(&lower, &k_lower).max(if prefix >= 4 { 0.9 } else { 0.0 });
            (score, k)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, k)| k.to_owned())
}

/// `"; did you mean `x`?"` for the nearest known name, or nothing.
pub fn did_you_mean<S: AsRef<str>>(name: &str, known: &[S]) -> String {
    nearest(name, known)
        .map(|near| format!("; did you mean `{near}`?"))
        .unwrap_or_default()
}

/// For serde's "unknown variant `x`, expected `a` or `b`" (or "expected
/// one of `a`, `b`, …"), the did-you-mean of `x` among the names listed;
/// nothing for any other message.
pub fn for_unknown_variant(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown variant `") else {
        return String::new();
    };
    let Some((name, expected)) = rest.split_once("`, expected ") else {
        return String::new();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(name, &known)
}

/// Among the file names `present` in a folder that lacks `wanted`, the one
/// that was most likely meant to be it: the same stem with another
/// extension (`expected.diff` for `expected.patch`) or at most two edits
/// away (`expected.jsn`, `promt.md`), ignoring case. Pending files
/// (`expected.json.new`) are never taken for a misspelling.
pub fn misspelt_file<'a>(
    wanted: &str,
    present: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let stem = wanted_lower.split('.').next().unwrap_or_default();
    present
        .into_iter()
        .filter(|name| name.len() <= MAX_LEN && *name != wanted && !name.ends_with(".new"))
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let edits = strsim::damerau_levenshtein(&lower, &wanted_lower);
            let same_stem = lower.split('.').next() == Some(stem) && lower.contains('.');
            (edits <= 2 || same_stem).then_some((edits, name))
        })
        .min()
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENTS: [&str; 4] = ["architect", "planner", "coder", "reviewer"];

    #[test]
    fn typos_find_their_name() {
        assert_eq!(nearest("reveiwer", &AGENTS).as_deref(), Some("reviewer"));
        assert_eq!(nearest("plannr", &AGENTS).as_deref(), Some("planner"));
        assert_eq!(nearest("Coder", &AGENTS).as_deref(), Some("coder"));
        assert_eq!(nearest("database", &AGENTS), None);
        assert_eq!(did_you_mean("planer", &AGENTS), "; did you mean `planner`?");
        assert_eq!(did_you_mean("zzz", &AGENTS), "");
    }

    #[test]
    fn ties_do_not_depend_on_the_order_of_candidates() {
        let a = nearest("lane-x", &["lane-a", "lane-b"]);
        let b = nearest("lane-x", &["lane-b", "lane-a"]);
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("lane-a"));
    }

    #[test]
    fn serde_variants_get_a_suggestion() {
        assert_eq!(
            for_unknown_variant("unknown variant `semantc`, expected `exact` or `semantic`"),
            "; did you mean `semantic`?"
        );
        assert_eq!(
            for_unknown_variant(
                "unknown variant `doc-only`, expected one of `refactor-only`, `docs-only`"
            ),
            "; did you mean `docs-only`?"
        );
        assert_eq!(for_unknown_variant("invalid type: map"), "");
    }

    #[test]
    fn long_names_are_not_compared() {
        let long = "a".repeat(MAX_LEN + 1);
        assert_eq!(nearest(&long, &[long[..MAX_LEN].to_owned()]), None);
        assert_eq!(nearest("aaaa", &[long.as_str()]), None);
    }

    #[test]
    fn misspelt_golden_and_prompt_files_are_found() {
        let files = ["prompt.md", "expected.jsn", "notes.txt"];
        assert_eq!(misspelt_file("expected.json", files), Some("expected.jsn"));
        assert_eq!(
            misspelt_file("expected.patch", ["expected.diff", "prompt.md"]),
            Some("expected.diff")
        );
        assert_eq!(misspelt_file("prompt.md", ["promt.md"]), Some("promt.md"));
        assert_eq!(
            misspelt_file("expected.json", ["Expected.JSON"]),
            Some("Expected.JSON")
        );
        assert_eq!(misspelt_file("expected.json", ["expected.json.new"]), None);
        assert_eq!(
            misspelt_file("expected.json", ["expectations.md", "verify.rs"]),
            None
        );
        assert_eq!(
            misspelt_file("prompt.md", ["expected.json", "fixture.json"]),
            None
        );
    }
}
