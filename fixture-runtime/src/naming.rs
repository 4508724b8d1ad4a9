//! The one rule that turns folder names into Rust test names.
//!
//! 1. Every character other than an ASCII letter, digit or `_` becomes `_`
//!    (`zero-change` → `zero_change`, `v1.2` → `v1_2`).
//! 2. A name that starts with a digit, or is a lone `_`, gets a leading `_`
//!    (`001-task` → `_001_task`).
//! 3. A Rust keyword gets a trailing `_` (`type` → `type_`, `self` → `self_`).
//!
//! Case is kept. Two folders that map to the same name are an error that
//! names both, never a silent merge.

/// Keywords (strict and reserved, every edition) that cannot name a module.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Turns one folder name into a Rust identifier by the rule above.
pub fn sanitize(name: &str) -> String {
    sanitize_part(name, true, true)
}

/// Turns part of a folder name into the matching part of its test name, for
/// a filter that names only part of a fixture: as [`sanitize`], except that
/// rule 2 applies only where the part `starts` the name and rule 3 only
/// where it is the whole name (`starts` and `ends`), so `task-0` still
/// matches inside `task_001`.
pub fn sanitize_part(part: &str, starts: bool, ends: bool) -> String {
    let mut ident: String = part
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !starts {
        return ident;
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if ends && (ident.is_empty() || ident == "_") {
        ident = "__".to_owned();
    }
    if ends && KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn dashes_and_dots_become_underscores() {
        assert_eq!(sanitize("zero-change"), "zero_change");
        assert_eq!(sanitize("v1.2 final"), "v1_2_final");
    }

    #[test]
    fn leading_digit_and_lone_underscore_get_a_prefix() {
        assert_eq!(sanitize("001-task"), "_001_task");
        assert_eq!(sanitize("-"), "__");
        assert_eq!(sanitize(""), "__");
    }

    #[test]
    fn keywords_get_a_suffix() {
        assert_eq!(sanitize("type"), "type_");
        assert_eq!(sanitize("self"), "self_");
        assert_eq!(sanitize("Self"), "Self_");
        assert_eq!(sanitize("types"), "types");
    }

    #[test]
    fn parts_keep_the_rules_that_apply_to_them() {
        use super::sanitize_part;
        assert_eq!(sanitize_part("task-0", true, false), "task_0");
        assert_eq!(sanitize_part("01-x", true, false), "_01_x");
        assert_eq!(sanitize_part("01-x", false, false), "01_x");
        assert_eq!(sanitize_part("type", true, false), "type");
        assert_eq!(sanitize_part("type", true, true), "type_");
        assert_eq!(sanitize_part("", false, true), "");
    }

    #[test]
    fn non_ascii_becomes_underscore() {
        assert_eq!(sanitize("café"), "caf_");
    }
}
