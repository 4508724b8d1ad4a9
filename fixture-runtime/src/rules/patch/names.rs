//! File names in patch headers, read as `git apply` reads them: C-style
//! quoting, the leading component stripped (`-p1`), repeated slashes
//! squashed, names ending at a tab (or a `diff -u` timestamp), and the
//! name git takes from the `diff --git a/<path> b/<path>` line.

/// How a name on a header line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// At a tab or a line break (`---`/`+++` lines).
    Tab,
    /// Only at a line break (`rename from` and `copy from` lines).
    Line,
}

/// Whether the text after `--- `/`+++ ` names `/dev/null`.
pub(super) fn is_dev_null(text: &str) -> bool {
    text.strip_prefix("/dev/null")
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_whitespace)
}

/// The name on a header line (the text after its keyword), with `strip`
/// leading components removed; `default` when the line names nothing.
pub(super) fn find(text: &str, default: Option<&str>, strip: usize, end: End) -> Option<String> {
    if text.starts_with('"') {
        if let Some(name) = quoted(text, strip) {
            return Some(name);
        }
    }
    common(text, default, strip, Terminator::Space(end))
}

/// A `---`/`+++` name of a traditional diff: as [`find`], and a trailing
/// `diff -u` timestamp is no part of it.
pub(super) fn find_traditional(text: &str, default: Option<&str>, strip: usize) -> Option<String> {
    if text.starts_with('"') {
        if let Some(name) = quoted(text, strip) {
            return Some(name);
        }
    }
    let line = text.split('\n').next().unwrap_or_default();
    match timestamp_len(line) {
        0 => common(text, default, strip, Terminator::Space(End::Tab)),
        n => common(&line[..line.len() - n], default, strip, Terminator::Fixed),
    }
}

/// The strip count a traditional name suggests: 0 for a bare file name
/// (`--- a.txt`), unknown otherwise.
pub(super) fn guess_strip(text: &str) -> Option<usize> {
    if is_dev_null(text) {
        return None;
    }
    let name = find_traditional(text, None, 0)?;
    (!name.contains('/')).then_some(0)
}

#[derive(Clone, Copy)]
enum Terminator {
    Space(End),
    Fixed,
}

fn common(
    text: &str,
    default: Option<&str>,
    strip: usize,
    terminator: Terminator,
) -> Option<String> {
    let mut start = (strip == 0).then_some(0);
    let mut left = strip;
    let mut stop = text.len();
    for (i, c) in text.char_indices() {
        if let Terminator::Space(end) = terminator {
            let ends = match c {
                '\n' => true,
                ' ' => false,
                '\t' => end == End::Tab,
                c => c.is_ascii_whitespace(),
            };
            if ends {
                stop = i;
                break;
            }
        }
        if c == '/' && left > 0 {
            left -= 1;
            if left == 0 {
                start = Some(i + 1);
            }
        }
    }
    let name = start.map(|s| &text[s.min(stop)..stop]).unwrap_or_default();
    if name.is_empty() {
        return default.map(squash);
    }
    if let Some(default) = default {
        if default.len() < name.len() && name.starts_with(default) {
            return Some(squash(default));
        }
    }
    Some(squash(name))
}

/// `a//b` → `a/b`.
pub(super) fn squash(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

/// A C-quoted name (`"a/t\303\251st.txt"`) with `strip` components removed.
fn quoted(text: &str, strip: usize) -> Option<String> {
    let (name, _) = unquote(text)?;
    let mut rest = name.as_str();
    for _ in 0..strip {
        rest = &rest[rest.find('/')? + 1..];
    }
    Some(squash(rest))
}

/// Reads a C-quoted string at the start of `text`: the string and the
/// text after its closing quote.
pub(super) fn unquote(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some((String::from_utf8(out).ok()?, &body[i + 1..])),
            b'\n' => return None,
            b'\\' => {
                let c = *bytes.get(i + 1)?;
                i += 2;
                let byte = match c {
                    b'a' => 7,
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 11,
                    b'f' => 12,
                    b'r' => b'\r',
                    b'"' | b'\\' => c,
                    b'0'..=b'3' => {
                        let digits = bytes.get(i..i + 2)?;
                        if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                            return None;
                        }
                        i += 2;
                        (c - b'0') * 64 + (digits[0] - b'0') * 8 + (digits[1] - b'0')
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Strips the leading `strip` components of `name` (a `/` at the very
/// start means an absolute path: none).
fn skip_prefix(name: &str, strip: usize) -> Option<&str> {
    if strip == 0 {
        return (!name.starts_with('/')).then_some(name);
    }
    let mut left = strip;
    for (i, c) in name.char_indices() {
        if c == '/' {
            left -= 1;
            if left == 0 {
                return (i != 0).then(|| &name[i + 1..]);
            }
        }
    }
    None
}

/// The name a `diff --git` line gives, when both sides name the same
/// file (git needs it only for sections without `---`/`+++` lines).
/// Names are not squashed here, as git does not squash them.
pub(super) fn git_header_name(rest: &str, strip: usize) -> Option<String> {
    let line = rest.strip_suffix('\n').unwrap_or(rest);
    if line.starts_with('"') {
        let (first, after) = unquote(line)?;
        let first = skip_prefix(&first, strip)?.to_owned();
        let second = after.trim_start();
        if second.is_empty() {
            return None;
        }
        let other = if second.starts_with('"') {
            let (second, _) = unquote(second)?;
            skip_prefix(&second, strip)?.to_owned()
        } else {
            skip_prefix(second, strip)?.to_owned()
        };
        return (other == first).then_some(first);
    }
    let name = skip_prefix(line, strip)?;
    if let Some(q) = name.find('"') {
        let (second, _) = unquote(&name[q..])?;
        let second = skip_prefix(&second, strip)?;
        let len = second.len();
        return (len < q
            && name.as_bytes()[..len] == *second.as_bytes()
            && name.as_bytes()[len].is_ascii_whitespace())
        .then(|| second.to_owned());
    }
    for (len, c) in name.char_indices() {
        if c != ' ' && c != '\t' {
            continue;
        }
        let Some(second) = skip_prefix(&name[len + 1..], strip) else {
            continue;
        };
        if second.len() == len && name[..len] == *second {
            return Some(second.to_owned());
        }
    }
    None
}

/// The length of a `diff -u` timestamp ending `line` (with the blank
/// before it), or 0: `\t2024-05-01 12:00:00.000000000 +0200`.
fn timestamp_len(line: &str) -> usize {
    let b = line.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if !b.last().is_some_and(u8::is_ascii_digit) {
        return 0;
    }
    let mut end = b.len();
    // Zone: ` +0500` or ` +05:00`.
    if end >= 6
        && b[end - 6] == b' '
        && matches!(b[end - 5], b'+' | b'-')
        && (end - 4..end).all(digit)
    {
        end -= 6;
    } else if end >= 7
        && b[end - 7] == b' '
        && matches!(b[end - 6], b'+' | b'-')
        && digit(end - 5)
        && digit(end - 4)
        && b[end - 3] == b':'
        && digit(end - 2)
        && digit(end - 1)
    {
        end -= 7;
    }
    // Time: ` 07:01:32`, maybe with a fraction.
    let short_time = |end: usize| {
        end >= 9
            && b[end - 9] == b' '
            && digit(end - 8)
            && digit(end - 7)
            && b[end - 6] == b':'
            && digit(end - 5)
            && digit(end - 4)
            && b[end - 3] == b':'
            && digit(end - 2)
            && digit(end - 1)
    };
    if short_time(end) {
        end -= 9;
    } else {
        let mut p = end;
        while p > 0 && digit(p - 1) {
            p -= 1;
        }
        if p < end && p > 0 && b[p - 1] == b'.' && short_time(p - 1) {
            end = p - 1 - 9;
        }
    }
    // Date: `72-02-05` or `1972-02-05`.
    if end < 8
        || !(digit(end - 8)
            && digit(end - 7)
            && b[end - 6] == b'-'
            && digit(end - 5)
            && digit(end - 4)
            && b[end - 3] == b'-'
            && digit(end - 2)
            && digit(end - 1))
    {
        return 0;
    }
    end -= 8;
    if end >= 2 && digit(end - 1) && digit(end - 2) {
        end -= 2;
    }
    match end.checked_sub(1).map(|i| b[i]) {
        Some(b'\t') => b.len() - (end - 1),
        Some(b' ') => {
            while end > 0 && b[end - 1] == b' ' {
                end -= 1;
            }
            b.len() - end
        }
        _ => 0,
    }
}

/// Whether a traditional `---`/`+++` line ends in the epoch timestamp GNU
/// diff writes for a file that does not exist (`diff -N`).
pub(super) fn has_epoch_timestamp(text: &str) -> bool {
    let line = text.split('\n').next().unwrap_or_default();
    let Some((_, stamp)) = line.rsplit_once('\t') else {
        return false;
    };
    let (epoch_hour, rest) = if let Some(rest) = stamp.strip_prefix("1969-12-31 ") {
        (24, rest)
    } else if let Some(rest) = stamp.strip_prefix("1970-01-01 ") {
        (0, rest)
    } else {
        return false;
    };
    let Some((time, zone)) = rest.split_once(' ') else {
        return false;
    };
    let mut parts = time.splitn(3, ':');
    let (Some(hour), Some(minute), Some(seconds)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (seconds, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
    if seconds != "00" || !fraction.bytes().all(|b| b == b'0') || fraction.is_empty() {
        return false;
    }
    let (Ok(hour), Ok(minute)) = (hour.parse::<i32>(), minute.parse::<i32>()) else {
        return false;
    };
    let sign = match zone.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return false,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    let Ok(zone) = digits.parse::<i32>() else {
        return false;
    };
    if digits.len() != 4 {
        return false;
    }
    let offset = sign * ((zone / 100) * 60 + zone % 100);
    hour * 60 + minute - offset == epoch_hour * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_strip_one_component_and_squash_slashes() {
        assert_eq!(
            find("a/src//x.ts\n", None, 1, End::Tab).as_deref(),
            Some("src/x.ts")
        );
        assert_eq!(
            find("a/x y.ts\tjunk\n", None, 1, End::Tab).as_deref(),
            Some("x y.ts")
        );
        assert_eq!(
            find("b/x.ts\r\n", None, 1, End::Tab).as_deref(),
            Some("x.ts")
        );
        assert_eq!(find("b/\n", None, 1, End::Tab), None);
        assert_eq!(
            find("\"a/t\\303\\251.txt\"\n", None, 1, End::Tab).as_deref(),
            Some("té.txt")
        );
    }

    #[test]
    fn traditional_names_drop_timestamps() {
        let line = "a/x.ts\t2024-05-01 12:00:00.000000000 +0200\n";
        assert_eq!(find_traditional(line, None, 1).as_deref(), Some("x.ts"));
        let line = "x.ts 2024-05-01 12:00:00\n";
        assert_eq!(find_traditional(line, None, 0).as_deref(), Some("x.ts"));
        assert!(has_epoch_timestamp(
            "x\t1970-01-01 00:00:00.000000000 +0000\n"
        ));
        assert!(has_epoch_timestamp("x\t1969-12-31 19:00:00 -0500\n"));
        assert!(!has_epoch_timestamp("x\t2024-05-01 12:00:00 +0000\n"));
    }

    #[test]
    fn the_git_header_name_needs_both_sides_alike() {
        assert_eq!(
            git_header_name("a/x.ts b/x.ts\n", 1).as_deref(),
            Some("x.ts")
        );
        assert_eq!(git_header_name("a/x.ts b/y.ts\n", 1), None);
        assert_eq!(git_header_name("a/a b b/a b\n", 1).as_deref(), Some("a b"));
        assert_eq!(
            git_header_name("a/s//x b/s//x\n", 1).as_deref(),
            Some("s//x")
        );
        assert_eq!(
            git_header_name("\"a/\\303\\251\" \"b/\\303\\251\"\n", 1).as_deref(),
            Some("é")
        );
        assert_eq!(git_header_name("a/x b/x\r\n", 1), None);
    }
}
