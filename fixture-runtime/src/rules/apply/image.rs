//! The lines of a file while its hunks are applied: a gap buffer, so that
//! hunks applied in order cost the lines they touch, not the file's length.

/// One line and whether a hunk already wrote it (git never matches a
/// later hunk against lines an earlier one produced).
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    text: &'t str,
    patched: bool,
}

/// A file's lines, split at a movable gap.
#[derive(Debug, Default)]
pub(super) struct Image<'t> {
    /// Lines before the gap, in order.
    before: Vec<Line<'t>>,
    /// Lines after the gap, last line first.
    after: Vec<Line<'t>>,
}

impl<'t> Image<'t> {
    /// The lines of `text`, each with its `\n` (the last may lack it).
    pub(super) fn new(text: &'t str) -> Image<'t> {
        let mut after: Vec<Line<'t>> = text
            .split_inclusive('\n')
            .map(|text| Line {
                text,
                patched: false,
            })
            .collect();
        after.reverse();
        Image {
            before: Vec::new(),
            after,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.before.len() + self.after.len()
    }

    fn get(&self, i: usize) -> Option<Line<'t>> {
        match i.checked_sub(self.before.len()) {
            None => Some(self.before[i]),
            Some(j) => self.after.len().checked_sub(j + 1).map(|k| self.after[k]),
        }
    }

    /// The text of line `i` (0-based).
    pub(super) fn text(&self, i: usize) -> Option<&'t str> {
        self.get(i).map(|l| l.text)
    }

    /// Whether line `i` was written by an earlier hunk.
    pub(super) fn patched(&self, i: usize) -> bool {
        self.get(i).is_some_and(|l| l.patched)
    }

    /// Whether `lines` are at `pos`, none of them written by a hunk. With
    /// `loose_end`, a last line that lacks its newline also matches a line
    /// that starts with it and goes on with whitespace only, as git
    /// compares a hunk that need not end at the end of the file: as a
    /// prefix of the file from its position.
    pub(super) fn matches(&self, pos: usize, lines: &[&str], loose_end: bool) -> bool {
        let last = lines.len().wrapping_sub(1);
        pos + lines.len() <= self.len()
            && lines.iter().enumerate().all(|(i, want)| {
                self.get(pos + i).is_some_and(|l| {
                    !l.patched
                        && (l.text == *want
                            || (loose_end
                                && i == last
                                && !want.ends_with('\n')
                                && l.text.strip_prefix(*want).is_some_and(|rest| {
                                    rest.bytes().all(|b| b" \t\n\x0b\x0c\r".contains(&b))
                                })))
                })
            })
    }

    fn move_gap(&mut self, pos: usize) {
        while self.before.len() > pos {
            let line = self.before.pop().expect("before is longer than pos");
            self.after.push(line);
        }
        while self.before.len() < pos {
            match self.after.pop() {
                Some(line) => self.before.push(line),
                None => break,
            }
        }
    }

    /// Replaces `old` lines at `pos` with `new` ones, marked as written.
    pub(super) fn replace(
        &mut self,
        pos: usize,
        old: usize,
        new: impl IntoIterator<Item = &'t str>,
    ) {
        self.move_gap(pos);
        for _ in 0..old {
            self.after.pop();
        }
        self.before.extend(new.into_iter().map(|text| Line {
            text,
            patched: true,
        }));
    }

    /// The whole text.
    pub(super) fn into_text(self) -> String {
        let mut out = String::new();
        for line in self.before.iter().chain(self.after.iter().rev()) {
            out.push_str(line.text);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_anywhere_and_keeps_order() {
        let mut image = Image::new("a\nb\nc\nd\n");
        image.replace(2, 1, ["C\n", "C2\n"]);
        image.replace(0, 1, ["A\n"]);
        assert_eq!(image.len(), 5);
        assert!(image.patched(0) && !image.patched(1) && image.patched(2));
        assert!(image.matches(1, &["b\n"], false) && !image.matches(2, &["C\n"], false));
        assert!(image.matches(1, &["b"], true) && !image.matches(1, &["b"], false));
        assert_eq!(image.text(4), Some("d\n"));
        assert_eq!(image.text(5), None);
        assert_eq!(image.into_text(), "A\nb\nC\nC2\nd\n");
    }
}
