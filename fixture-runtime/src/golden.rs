//! Golden files: the update policy and atomic writes.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::env::{flag, is_ci, FORCE_UPDATE, UPDATE_GOLDENS};

/// Whether this run may rewrite goldens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatePolicy {
    /// Compare only (the default).
    Compare,
    /// `UPDATE_GOLDENS` is set: write changed and missing goldens.
    Write,
    /// `UPDATE_GOLDENS` is set in CI without `FIXTURE_KIT_FORCE_UPDATE`.
    RefusedInCi,
}

impl UpdatePolicy {
    /// Reads the policy from the environment.
    pub fn from_env() -> UpdatePolicy {
        Self::decide(flag(UPDATE_GOLDENS), is_ci(), flag(FORCE_UPDATE))
    }

    /// The policy for an update request, a CI flag and a force flag.
    pub fn decide(update: bool, ci: bool, force: bool) -> UpdatePolicy {
        match (update, ci && !force) {
            (false, _) => UpdatePolicy::Compare,
            (true, false) => UpdatePolicy::Write,
            (true, true) => UpdatePolicy::RefusedInCi,
        }
    }
}

/// How the temporary file of [`write_atomic`] is named: a process killed
/// between its write and its rename leaves one behind (`doctor` reports it).
pub const TEMP_PREFIX: &str = ".fixture-kit-";
/// See [`TEMP_PREFIX`].
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and a rename, so a reader sees the old file or the new one, never a
/// truncated one. Returns `false`, touching nothing, when the bytes are
/// already there.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(
            UpdatePolicy::decide(false, true, true),
            UpdatePolicy::Compare
        );
        assert_eq!(
            UpdatePolicy::decide(true, false, false),
            UpdatePolicy::Write
        );
        assert_eq!(
            UpdatePolicy::decide(true, true, false),
            UpdatePolicy::RefusedInCi
        );
        assert_eq!(UpdatePolicy::decide(true, true, true), UpdatePolicy::Write);
    }

    #[test]
    fn unchanged_bytes_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected.json");
        assert!(write_atomic(&path, b"{}\n").unwrap());
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(!write_atomic(&path, b"{}\n").unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        assert!(write_atomic(&path, b"[]\n").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"[]\n");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
