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
    let mut ident: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if ident.is_empty() || ident == "_" {
        ident = "__".to_owned();
    }
    if KEYWORDS.contains(&ident.as_str()) {
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
    fn non_ascii_becomes_underscore() {
        assert_eq!(sanitize("café"), "caf_");
    }
}
