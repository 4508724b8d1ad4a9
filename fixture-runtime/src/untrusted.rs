//! Reading files and paths that come from untrusted input (fixtures,
//! recordings, agent working copies): regular files only, bounded in size,
//! and paths that stay inside their folder.
//!
//! A FIFO, a device or a socket is never opened for reading (a FIFO would
//! block, `/dev/zero` would never end); the error says what the entry is
//! instead of calling it missing.

use std::fmt;
use std::fs::{self, File, FileType, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// The most bytes read from one fixture or scenario file (64 MiB).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What a directory entry is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device such as `/dev/zero`.
    CharDevice,
    /// A block device.
    BlockDevice,
}

impl Kind {
    /// The kind of `file_type` (as returned by `lstat` or `stat`).
    pub fn of(file_type: FileType) -> Kind {
        if file_type.is_file() {
            Kind::File
        } else if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_symlink() {
            Kind::Symlink
        } else if file_type.is_fifo() {
            Kind::Fifo
        } else if file_type.is_socket() {
            Kind::Socket
        } else if file_type.is_char_device() {
            Kind::CharDevice
        } else {
            Kind::BlockDevice
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::File => "a regular file",
            Kind::Dir => "a folder",
            Kind::Symlink => "a symbolic link",
            Kind::Fifo => "a FIFO",
            Kind::Socket => "a socket",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
        })
    }
}

/// Why an untrusted file or path was not read.
#[derive(Debug)]
pub enum Reason {
    /// Nothing is there.
    Missing,
    /// A symbolic link whose target does not exist.
    DanglingLink(PathBuf),
    /// Something other than a regular file (followed through `link`, when
    /// the path is a symbolic link).
    NotRegular {
        /// What the entry (or its link's target) is.
        kind: Kind,
        /// The link's target, when the path is a symbolic link.
        link: Option<PathBuf>,
    },
    /// Larger than the limit.
    TooLarge(u64),
    /// Not UTF-8 text.
    NotUtf8,
    /// An absolute path where a relative one belongs.
    Absolute,
    /// A relative path whose `..` leads out of its folder.
    Escapes,
    /// A path that leaves its folder through a symbolic link, to here.
    LinksOut(PathBuf),
    /// A folder that is a symbolic link, to here, where a real folder
    /// belongs.
    LinkedFolder(PathBuf),
    /// The operating system refused.
    Io(io::Error),
}

/// An untrusted file or path that was not read, and why.
#[derive(Debug)]
pub struct ReadError {
    /// The path as looked at.
    pub path: PathBuf,
    /// How messages name it (its file name, unless set with
    /// [`ReadError::shown_as`]).
    pub shown: String,
    /// Why it was not read.
    pub reason: Reason,
}

impl ReadError {
    /// An error about `path`.
    pub fn new(path: &Path, reason: Reason) -> ReadError {
        let shown = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        ReadError {
            path: path.to_owned(),
            shown,
            reason,
        }
    }

    /// Names the entry `shown` in the message (a path relative to the
    /// folder being read, say).
    pub fn shown_as(mut self, shown: impl Into<String>) -> ReadError {
        self.shown = shown.into();
        self
    }

    /// Whether nothing is there (a dangling link is something).
    pub fn is_missing(&self) -> bool {
        matches!(self.reason, Reason::Missing)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.shown;
        match &self.reason {
            Reason::Missing => write!(f, "`{name}` does not exist"),
            Reason::DanglingLink(target) => write!(
                f,
                "`{name}` is a symbolic link to `{}`, which does not exist",
                target.display()
            ),
            Reason::NotRegular { kind, link: None } => {
                write!(f, "`{name}` is {kind}, not a regular file")
            }
            Reason::NotRegular {
                kind,
                link: Some(target),
            } => write!(
                f,
                "`{name}` is a symbolic link to `{}`, {kind}, not a regular file",
                target.display()
            ),
            Reason::TooLarge(limit) => write!(
                f,
                "`{name}` is larger than {limit} bytes, the most fixture-kit reads of one file"
            ),
            Reason::NotUtf8 => write!(f, "`{name}` is not UTF-8 text"),
            Reason::Absolute => write!(
                f,
                "`{name}` is an absolute path: it must be relative to its folder"
            ),
            Reason::Escapes => write!(f, "`{name}` leads out of its folder through `..`"),
            Reason::LinksOut(resolved) => write!(
                f,
                "`{name}` leads out of its folder through a symbolic link (to `{}`)",
                resolved.display()
            ),
            Reason::LinkedFolder(target) => write!(
                f,
                "`{name}` is a symbolic link to `{}`: fixture-kit reads only a real folder here, \
                 and never follows a link out of a fixture",
                target.display()
            ),
            Reason::Io(err) => write!(f, "cannot read `{name}`: {err}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Checks that `path` is a regular file, following a symbolic link, without
/// opening it.
pub fn check_file(path: &Path) -> Result<(), ReadError> {
    let fail = |reason| Err(ReadError::new(path, reason));
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => fail(Reason::NotRegular {
            kind: Kind::of(meta.file_type()),
            link: fs::read_link(path).ok(),
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => match fs::read_link(path) {
            Ok(target) => fail(Reason::DanglingLink(target)),
            Err(_) => fail(Reason::Missing),
        },
        Err(err) => fail(Reason::Io(err)),
    }
}

/// Reads at most `limit` bytes of the regular file at `path` (following a
/// symbolic link); anything else is refused before it is opened, and a
/// larger file is an error rather than a truncated read.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open(path)?;
    let mut bytes = Vec::with_capacity(len.min(limit) as usize);
    Read::take(&file, limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| ReadError::new(path, Reason::Io(err)))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::new(path, Reason::TooLarge(limit)));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, limit)?).map_err(|_| ReadError::new(path, Reason::NotUtf8))
}

/// [`read_text`], with `None` when nothing is at `path`.
pub fn read_text_if_exists(path: &Path, limit: u64) -> Result<Option<String>, ReadError> {
    match read_text(path, limit) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.is_missing() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Opens nothing: `root/rel` with every symbolic link resolved, when it
/// stays inside `root`. `rel` comes from untrusted data (a recording's
/// manifest); an absolute path, a `..` that climbs out, or a link that
/// leads out is an error naming `rel`.
pub fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, ReadError> {
    let shown = |reason| ReadError::new(&root.join(rel), reason).shown_as(rel);
    let mut depth = 0usize;
    for component in Path::new(rel).components() {
        match component {
            Component::Prefix(_) | Component::RootDir => return Err(shown(Reason::Absolute)),
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1).ok_or_else(|| shown(Reason::Escapes))?;
            }
            Component::Normal(_) => depth += 1,
        }
    }
    let canonical = |path: &Path| {
        fs::canonicalize(path).map_err(|err| {
            let reason = if err.kind() == io::ErrorKind::NotFound {
                Reason::Missing
            } else {
                Reason::Io(err)
            };
            ReadError::new(path, reason)
        })
    };
    let base = canonical(root)?;
    let resolved = canonical(&root.join(rel)).map_err(|err| err.shown_as(rel))?;
    if resolved.starts_with(&base) {
        Ok(resolved)
    } else {
        Err(shown(Reason::LinksOut(resolved)))
    }
}

/// Opens the regular file at `path`, with its length; anything else is
/// refused before it is opened.
fn open(path: &Path) -> Result<(File, u64), ReadError> {
    check_file(path)?;
    let fail = |reason| ReadError::new(path, reason);
    // Non-blocking, so that a FIFO swapped in after the check cannot block
    // the open; the type is checked again on what was opened.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|err| fail(Reason::Io(err)))?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok((file, meta.len())),
        Ok(meta) => Err(fail(Reason::NotRegular {
            kind: Kind::of(meta.file_type()),
            link: None,
        })),
        Err(err) => Err(fail(Reason::Io(err))),
    }
}

/// Makes a FIFO at `path`, for tests.
#[cfg(test)]
pub(crate) fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn regular_files_are_read_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected.json");
        fs::write(&path, "{}\n").unwrap();
        assert_eq!(read_text(&path, 3).unwrap(), "{}\n");
        let err = read_text(&path, 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`expected.json` is larger than 2 bytes, the most fixture-kit reads of one file"
        );
        let linked = dir.path().join("link.json");
        symlink(&path, &linked).unwrap();
        assert_eq!(read_text(&linked, 3).unwrap(), "{}\n");
        fs::write(&path, [0xff]).unwrap();
        assert_eq!(
            read_text(&path, 3).unwrap_err().to_string(),
            "`expected.json` is not UTF-8 text"
        );
    }

    #[test]
    fn special_files_are_named_and_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("expected.json");
        mkfifo(&fifo);
        assert_eq!(
            read(&fifo, MAX_BYTES).unwrap_err().to_string(),
            "`expected.json` is a FIFO, not a regular file"
        );
        let zero = dir.path().join("prompt.md");
        symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            read(&zero, MAX_BYTES).unwrap_err().to_string(),
            "`prompt.md` is a symbolic link to `/dev/zero`, a character device, not a regular file"
        );
        assert!(matches!(
            read(dir.path(), MAX_BYTES).unwrap_err().reason,
            Reason::NotRegular {
                kind: Kind::Dir,
                link: None
            }
        ));
        let dangling = dir.path().join("fixture.json");
        symlink("nowhere.json", &dangling).unwrap();
        let err = read_text_if_exists(&dangling, MAX_BYTES).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`fixture.json` is a symbolic link to `nowhere.json`, which does not exist"
        );
        assert_eq!(
            read_text_if_exists(&dir.path().join("absent"), MAX_BYTES).unwrap(),
            None
        );
    }

    #[test]
    fn paths_must_resolve_inside_their_folder() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("scenario");
        fs::create_dir_all(root.join("sessions/001_a")).unwrap();
        fs::create_dir_all(temp.path().join("elsewhere")).unwrap();
        symlink(temp.path().join("elsewhere"), root.join("sessions/out")).unwrap();
        symlink("001_a", root.join("sessions/in")).unwrap();
        let message = |rel: &str| resolve_inside(&root, rel).unwrap_err().to_string();
        assert_eq!(
            message("/etc"),
            "`/etc` is an absolute path: it must be relative to its folder"
        );
        assert_eq!(
            message("sessions/../../elsewhere"),
            "`sessions/../../elsewhere` leads out of its folder through `..`"
        );
        assert!(
            message("sessions/out").starts_with(
                "`sessions/out` leads out of its folder through a symbolic link (to `"
            ),
            "{}",
            message("sessions/out")
        );
        assert!(resolve_inside(&root, "sessions/absent")
            .unwrap_err()
            .is_missing());
        let inside = resolve_inside(&root, "sessions/in").unwrap();
        assert!(inside.ends_with("sessions/001_a"), "{}", inside.display());
        assert!(resolve_inside(&root, "sessions/../sessions/001_a").is_ok());
    }
}
