//! Filesystem changes a lane makes for a while (`fs` blocks): each is
//! recorded before it is made and undone at the end of the lane, whatever
//! happened in it (and when the run is dropped).

use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One line of an `fs` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsChange {
    /// `chmod MODE PATH`: the mode changes until the lane ends.
    Chmod {
        /// The new mode.
        mode: Mode,
        /// The file or folder, relative to `{{work}}` or absolute.
        path: String,
    },
}

/// A `chmod` mode: octal (`555`) or symbolic (`-w`, `u+x`, `go-rwx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exactly these permission bits.
    Octal(u32),
    /// Bits added (`+`) or removed (`-`) for the classes named.
    Symbolic {
        /// The bits, already spread over the classes (`u+w` is `0o200`).
        bits: u32,
        /// Whether they are added or removed.
        add: bool,
    },
}

impl Mode {
    /// Parses `555`, `-w`, `a+x`, `go-rwx`.
    pub fn parse(text: &str) -> Option<Mode> {
        if !text.is_empty() && text.chars().all(|c| c.is_digit(8)) {
            return u32::from_str_radix(text, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .map(Mode::Octal);
        }
        let op = text.find(['+', '-'])?;
        let (who, perms) = (&text[..op], &text[op + 1..]);
        let mut classes = 0;
        for c in who.chars() {
            classes |= match c {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                'a' => 0o777,
                _ => return None,
            };
        }
        if who.is_empty() {
            classes = 0o777;
        }
        let mut bits = 0;
        for c in perms.chars() {
            bits |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                _ => return None,
            };
        }
        (bits != 0).then_some(Mode::Symbolic {
            bits: bits & classes,
            add: text.as_bytes()[op] == b'+',
        })
    }

    fn apply(self, mode: u32) -> u32 {
        match self {
            Mode::Octal(bits) => (mode & !0o7777) | bits,
            Mode::Symbolic { bits, add: true } => mode | bits,
            Mode::Symbolic { bits, add: false } => mode & !bits,
        }
    }
}

impl fmt::Display for FsChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsChange::Chmod { mode, path } => {
                let mode = match mode {
                    Mode::Octal(bits) => format!("{bits:o}"),
                    Mode::Symbolic { bits, add } => {
                        format!("{}{bits:03o}", if *add { '+' } else { '-' })
                    }
                };
                write!(f, "chmod {mode} {path}")
            }
        }
    }
}

/// The changes made so far, undone in reverse order by [`Undo::revert`]
/// or on drop.
#[derive(Debug, Default)]
pub struct Undo(Vec<(PathBuf, fs::Permissions)>);

impl Undo {
    /// Makes a change to `path` (variables filled in, resolved), recording
    /// how to undo it first.
    pub fn chmod(&mut self, path: &Path, mode: Mode) -> Result<(), String> {
        let before = fs::metadata(path)
            .map_err(|err| format!("cannot chmod {}: {err}", path.display()))?
            .permissions();
        let after = fs::Permissions::from_mode(mode.apply(before.mode()));
        self.0.push((path.to_owned(), before));
        fs::set_permissions(path, after)
            .map_err(|err| format!("cannot chmod {}: {err}", path.display()))
    }

    /// Undoes every change, the last first; says which could not be undone.
    pub fn revert(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        while let Some((path, before)) = self.0.pop() {
            if let Err(err) = fs::set_permissions(&path, before) {
                problems.push(format!(
                    "cannot restore the mode of {}: {err}",
                    path.display()
                ));
            }
        }
        problems
    }
}

impl Drop for Undo {
    fn drop(&mut self) {
        self.revert();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_octal_and_symbolic() {
        assert_eq!(Mode::parse("555"), Some(Mode::Octal(0o555)));
        assert_eq!(Mode::parse("-w").unwrap().apply(0o644), 0o444);
        assert_eq!(Mode::parse("u+x").unwrap().apply(0o644), 0o744);
        assert_eq!(Mode::parse("go-rwx").unwrap().apply(0o755), 0o700);
        for bad in ["", "9", "+", "q+w", "u+z", "77777"] {
            assert_eq!(Mode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn changes_are_undone_last_first() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "x").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let mut undo = Undo::default();
        undo.chmod(&file, Mode::parse("-w").unwrap()).unwrap();
        undo.chmod(&file, Mode::parse("000").unwrap()).unwrap();
        assert_eq!(mode(&file), 0);
        assert!(undo.revert().is_empty());
        assert_eq!(mode(&file), 0o644);
        assert!(undo
            .chmod(&dir.path().join("nope"), Mode::Octal(0))
            .is_err());
    }
}
