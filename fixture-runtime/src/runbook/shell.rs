//! Where `{{name}}` sits in a `sh` script, so that its value reaches the
//! shell as an environment variable and never as script text.
//!
//! The scanner follows the quoting rules of POSIX `sh` far enough to tell,
//! for each variable, whether it stands bare, inside double quotes, single
//! quotes, `$'...'`, or a here-document, nested in `$(...)` and backquotes.

use std::ops::Range;

/// The quoting a variable stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Outside quotes: becomes `"${VAR}"`, one word.
    Bare,
    /// Inside `"..."` or an expanding here-document: becomes `${VAR}`.
    Double,
    /// Inside `'...'`: the quote is closed around `"${VAR}"`.
    Single,
    /// Inside `$'...'`: the quote is closed around `"${VAR}"`.
    AnsiC,
}

impl Quoting {
    /// How a reference to the environment variable `env` is written here.
    pub fn reference(self, env: &str) -> String {
        match self {
            Quoting::Bare => format!("\"${{{env}}}\""),
            Quoting::Double => format!("${{{env}}}"),
            Quoting::Single => format!("'\"${{{env}}}\"'"),
            Quoting::AnsiC => format!("'\"${{{env}}}\"$'"),
        }
    }
}

/// A variable the shell cannot be given safely: its byte offset in the
/// script and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaceable {
    /// Byte offset of the `{{` in the script.
    pub at: usize,
    /// The explanation.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Unquoted text; `Some(depth)` inside `$(`, with open `(` counted.
    Bare(Option<usize>),
    /// Unquoted text inside backquotes.
    Backquote,
    Double,
    Single,
    AnsiC,
}

#[derive(Debug)]
struct Heredoc {
    delimiter: String,
    strip_tabs: bool,
    literal: bool,
}

/// The quoting of each variable at `spans` (byte ranges of `{{...}}`, in
/// order) within `script`.
pub fn quoting(script: &str, spans: &[Range<usize>]) -> Result<Vec<Quoting>, Unplaceable> {
    let bytes = script.as_bytes();
    let mut stack = vec![Frame::Bare(None)];
    let mut pending: Vec<Heredoc> = Vec::new();
    let mut found = Vec::with_capacity(spans.len());
    let mut next_span = 0;
    let mut i = 0;
    let mut word_start = true;
    while i < bytes.len() {
        if let Some(span) = spans.get(next_span).filter(|s| s.start == i) {
            let frame = *stack.last().expect("the stack keeps its base");
            found.push(match frame {
                Frame::Bare(_) | Frame::Backquote => Quoting::Bare,
                Frame::Double => Quoting::Double,
                Frame::Single => Quoting::Single,
                Frame::AnsiC => Quoting::AnsiC,
            });
            next_span += 1;
            i = span.end;
            word_start = false;
            continue;
        }
        let c = bytes[i];
        let frame = *stack.last().expect("the stack keeps its base");
        let escaped_variable = |at: usize| spans.iter().any(|s| s.start == at);
        match frame {
            Frame::Bare(_) | Frame::Backquote if c == b'\n' => {
                i += 1;
                word_start = true;
                if !pending.is_empty() {
                    i = heredoc_bodies(script, i, &mut pending, spans, &mut next_span, &mut found)?;
                }
                continue;
            }
            Frame::Bare(_) | Frame::Backquote => match c {
                b'\\' => {
                    if escaped_variable(i + 1) {
                        return Err(backslash(i + 1));
                    }
                    i += 2;
                    word_start = false;
                    continue;
                }
                b'#' if word_start => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        if let Some(span) = spans.get(next_span).filter(|s| s.start == i) {
                            found.push(Quoting::Bare);
                            next_span += 1;
                            i = span.end;
                        } else {
                            i += 1;
                        }
                    }
                    continue;
                }
                b'\'' => stack.push(Frame::Single),
                b'"' => stack.push(Frame::Double),
                b'`' if frame == Frame::Backquote => {
                    stack.pop();
                }
                b'`' => stack.push(Frame::Backquote),
                b'$' if bytes.get(i + 1) == Some(&b'\'') => {
                    stack.push(Frame::AnsiC);
                    i += 1;
                }
                b'$' if bytes.get(i + 1) == Some(&b'(') => {
                    stack.push(Frame::Bare(Some(0)));
                    i += 1;
                }
                b'(' => {
                    if let Some(Frame::Bare(Some(depth))) = stack.last_mut() {
                        *depth += 1;
                    }
                }
                b')' => match stack.last_mut() {
                    Some(Frame::Bare(Some(0))) => {
                        stack.pop();
                    }
                    Some(Frame::Bare(Some(depth))) => *depth -= 1,
                    _ => {}
                },
                b'<' if bytes.get(i + 1) == Some(&b'<') && bytes.get(i + 2) != Some(&b'<') => {
                    i = heredoc_operator(script, i + 2, &mut pending, spans)?;
                    word_start = false;
                    continue;
                }
                _ => {}
            },
            Frame::Double => match c {
                b'\\' => {
                    if escaped_variable(i + 1) {
                        return Err(backslash(i + 1));
                    }
                    i += 2;
                    continue;
                }
                b'"' => {
                    stack.pop();
                }
                b'`' => stack.push(Frame::Backquote),
                b'$' if bytes.get(i + 1) == Some(&b'(') => {
                    stack.push(Frame::Bare(Some(0)));
                    i += 1;
                }
                _ => {}
            },
            Frame::Single => {
                if c == b'\'' {
                    stack.pop();
                }
            }
            Frame::AnsiC => match c {
                b'\\' => {
                    if escaped_variable(i + 1) {
                        return Err(backslash(i + 1));
                    }
                    i += 2;
                    continue;
                }
                b'\'' => {
                    stack.pop();
                }
                _ => {}
            },
        }
        word_start = matches!(c, b' ' | b'\t' | b';' | b'&' | b'|' | b'(' | b')');
        i += 1;
    }
    // Variables past a cut-off scan (an unterminated quote) are bare text
    // to the shell, which then reports the quote.
    while found.len() < spans.len() {
        found.push(Quoting::Bare);
    }
    Ok(found)
}

fn backslash(at: usize) -> Unplaceable {
    Unplaceable {
        at,
        message: "a backslash before `{{...}}` would escape the quote its value is \
                  given in: remove the backslash"
            .to_owned(),
    }
}

/// Reads the delimiter word after `<<` or `<<-`; returns where it ends.
fn heredoc_operator(
    script: &str,
    mut i: usize,
    pending: &mut Vec<Heredoc>,
    spans: &[Range<usize>],
) -> Result<usize, Unplaceable> {
    let bytes = script.as_bytes();
    let strip_tabs = bytes.get(i) == Some(&b'-');
    if strip_tabs {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let start = i;
    let mut delimiter = String::new();
    let mut literal = false;
    let mut quote = None;
    while let Some(&c) = bytes.get(i) {
        if spans.iter().any(|s| s.start == i) {
            return Err(Unplaceable {
                at: i,
                message: "`{{...}}` in a here-document's delimiter: write the delimiter \
                          out"
                .to_owned(),
            });
        }
        match (quote, c) {
            (None, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')') => break,
            (None, b'\'' | b'"') => {
                literal = true;
                quote = Some(c);
            }
            (None, b'\\') => {
                literal = true;
                if let Some(&next) = bytes.get(i + 1) {
                    delimiter.push(char::from(next));
                }
                i += 1;
            }
            (Some(q), c) if c == q => quote = None,
            (_, c) => delimiter.push(char::from(c)),
        }
        i += 1;
    }
    if i > start {
        pending.push(Heredoc {
            delimiter,
            strip_tabs,
            literal,
        });
    }
    Ok(i)
}

/// Consumes the bodies of the pending here-documents from `i`, the start of
/// the line after their operators; returns where the script goes on.
fn heredoc_bodies(
    script: &str,
    mut i: usize,
    pending: &mut Vec<Heredoc>,
    spans: &[Range<usize>],
    next_span: &mut usize,
    found: &mut Vec<Quoting>,
) -> Result<usize, Unplaceable> {
    for heredoc in pending.drain(..) {
        while i < script.len() {
            let end = script[i..].find('\n').map_or(script.len(), |n| i + n);
            let line = &script[i..end];
            let line = if heredoc.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            let next = (end + 1).min(script.len());
            if line == heredoc.delimiter {
                i = next;
                break;
            }
            let bytes = script.as_bytes();
            let mut at = i;
            while at < end {
                if let Some(span) = spans.get(*next_span).filter(|s| s.start == at) {
                    if heredoc.literal {
                        return Err(Unplaceable {
                            at,
                            message: format!(
                                "`{{{{...}}}}` in a here-document with a quoted delimiter \
                                 (`<<'{0}'`), where the shell expands nothing: unquote the \
                                 delimiter (`<<{0}`) so the value is filled in",
                                heredoc.delimiter
                            ),
                        });
                    }
                    found.push(Quoting::Double);
                    *next_span += 1;
                    at = span.end;
                } else if bytes[at] == b'\\' && !heredoc.literal {
                    if spans.iter().any(|s| s.start == at + 1) {
                        return Err(backslash(at + 1));
                    }
                    at += 2;
                } else {
                    at += 1;
                }
            }
            i = next;
        }
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes(script: &str) -> Result<Vec<Quoting>, Unplaceable> {
        let spans: Vec<Range<usize>> = script
            .match_indices("{{v}}")
            .map(|(at, m)| at..at + m.len())
            .collect();
        quoting(script, &spans)
    }

    #[test]
    fn tells_each_quoting() {
        use Quoting::*;
        assert_eq!(quotes("echo {{v}}").unwrap(), [Bare]);
        assert_eq!(quotes("echo \"a {{v}} b\"").unwrap(), [Double]);
        assert_eq!(quotes("echo 'a {{v}}' {{v}}").unwrap(), [Single, Bare]);
        assert_eq!(quotes("echo $'a\\'{{v}}'").unwrap(), [AnsiC]);
        assert_eq!(quotes("echo \"$(echo {{v}} \")\")\"").unwrap(), [Bare]);
        assert_eq!(
            quotes("echo `echo {{v}}` \"{{v}}\"").unwrap(),
            [Bare, Double]
        );
        assert_eq!(quotes("echo \"it's {{v}}\"").unwrap(), [Double]);
        assert_eq!(quotes("# it's {{v}}\necho {{v}}").unwrap(), [Bare, Bare]);
        assert_eq!(quotes("x=$((1 + 2)) {{v}}").unwrap(), [Bare]);
    }

    #[test]
    fn here_documents_expand_or_refuse() {
        use Quoting::*;
        let script = "cat <<EOF > f; echo {{v}}\nsay \"{{v}}\" 'x'\nEOF\necho '{{v}}'";
        assert_eq!(quotes(script).unwrap(), [Bare, Double, Single]);
        let script = "cat <<-END\n\t{{v}}\n\tEND\n{{v}}";
        assert_eq!(quotes(script).unwrap(), [Double, Bare]);
        for quoted in ["'EOF'", "\"EOF\"", "\\EOF", "E'O'F"] {
            let script = format!("cat <<{quoted}\n{{{{v}}}}\nEOF");
            let err = quotes(&script).unwrap_err();
            assert!(
                err.message.contains("quoted delimiter"),
                "{quoted}: {err:?}"
            );
            assert_eq!(err.at, script.find("{{").unwrap());
        }
    }

    #[test]
    fn a_backslash_before_a_variable_is_refused() {
        assert!(quotes("echo \\{{v}}")
            .unwrap_err()
            .message
            .contains("backslash"));
        assert!(quotes("echo \"\\{{v}}\"").is_err());
    }

    #[test]
    fn references_stay_in_their_quotes() {
        assert_eq!(Quoting::Bare.reference("V"), "\"${V}\"");
        assert_eq!(Quoting::Double.reference("V"), "${V}");
        assert_eq!(Quoting::Single.reference("V"), "'\"${V}\"'");
        assert_eq!(Quoting::AnsiC.reference("V"), "'\"${V}\"$'");
    }
}
