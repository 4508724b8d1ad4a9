//! Lines in messages, with the differences a terminal hides made visible:
//! a carriage return, tabs, trailing spaces, a byte-order mark.

/// `found` against `expected`, as `expected A but found B`. Where the two
/// look alike on screen, both are shown escaped, with what differs.
pub(super) fn expected_found(expected: Option<&str>, found: Option<&str>) -> String {
    let (Some(want), Some(got)) = (expected, found) else {
        return format!("expected {} but found {}", plain(expected), plain(found));
    };
    let differences = invisible(want, got);
    if differences.is_empty() {
        return format!("expected {} but found {}", plain(expected), plain(found));
    }
    format!(
        "expected {} but found {} (they differ in {})",
        escaped(want),
        escaped(got),
        differences.join(", ")
    )
}

fn plain(line: Option<&str>) -> String {
    match line {
        None => "the end of the file".into(),
        Some(text) => match text.strip_suffix('\n') {
            Some(text) => format!("`{text}`"),
            None => format!("`{text}` (no newline at end of file)"),
        },
    }
}

fn escaped(line: &str) -> String {
    let mut out = String::from("`");
    let (text, newline) = match line.strip_suffix('\n') {
        Some(text) => (text, true),
        None => (line, false),
    };
    let kept = text.trim_end_matches(' ').len();
    for (i, c) in text.char_indices() {
        match c {
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{feff}' => out.push_str("<BOM>"),
            ' ' if i >= kept => out.push('·'),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('`');
    if !newline {
        out.push_str(" (no newline at end of file)");
    }
    out
}

/// The kinds of hidden difference between two lines, when ignoring those
/// makes them equal (or they print alike).
fn invisible(want: &str, got: &str) -> Vec<&'static str> {
    let strip = |s: &str| -> String {
        s.trim_start_matches('\u{feff}')
            .trim_end_matches('\n')
            .trim_end_matches('\r')
            .trim_end_matches([' ', '\t'])
            .replace('\t', " ")
    };
    if want == got || strip(want) != strip(got) {
        // Visible differences, or lines that differ in their spaces only
        // inside: show them plainly unless tabs are involved.
        if want != got && want.replace('\t', "    ") == got.replace('\t', "    ") {
            return vec!["tabs against spaces"];
        }
        return Vec::new();
    }
    let mut kinds = Vec::new();
    let crlf = |s: &str| s.trim_end_matches('\n').ends_with('\r');
    if crlf(want) != crlf(got) {
        kinds.push("line endings (`\\r\\n` against `\\n`)");
    }
    if want.starts_with('\u{feff}') != got.starts_with('\u{feff}') {
        kinds.push("a byte-order mark");
    }
    let trailing = |s: &str| {
        let s = s.trim_end_matches('\n').trim_end_matches('\r');
        s.len() - s.trim_end_matches([' ', '\t']).len()
    };
    if trailing(want) != trailing(got) {
        kinds.push("trailing whitespace");
    }
    if want.contains('\t') != got.contains('\t') && kinds.len() < 3 {
        kinds.push("tabs against spaces");
    }
    if want.ends_with('\n') != got.ends_with('\n') {
        kinds.push("the newline at the end of the file");
    }
    if kinds.is_empty() {
        kinds.push("whitespace");
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::expected_found;

    #[test]
    fn hidden_differences_are_shown() {
        assert_eq!(
            expected_found(Some("one\r\n"), Some("one\n")),
            "expected `one\\r` but found `one` (they differ in line endings (`\\r\\n` against `\\n`))"
        );
        assert_eq!(
            expected_found(Some("\tx\n"), Some("    x\n")),
            "expected `\\tx` but found `    x` (they differ in tabs against spaces)"
        );
        assert_eq!(
            expected_found(Some("x  \n"), Some("x\n")),
            "expected `x··` but found `x` (they differ in trailing whitespace)"
        );
        assert_eq!(
            expected_found(Some("\u{feff}x\n"), Some("x\n")),
            "expected `<BOM>x` but found `x` (they differ in a byte-order mark)"
        );
        assert_eq!(
            expected_found(Some("a\n"), Some("b\n")),
            "expected `a` but found `b`"
        );
        assert_eq!(
            expected_found(Some("a\n"), None),
            "expected `a` but found the end of the file"
        );
    }
}
