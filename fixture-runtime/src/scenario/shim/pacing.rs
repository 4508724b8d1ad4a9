//! Recorded pacing: when each stdout line of a session came, kept in the
//! session folder's optional `pacing.json` when recording with
//! `--record-pacing`, and followed on replay with `--pacing`. Timings differ
//! on every run, so they are kept only when asked, rounded to 10 ms.

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::super::manifest::json_problem;
use super::super::problem::Problem;
use crate::untrusted;

/// The file's name in a session folder.
pub const FILE: &str = "pacing.json";

/// How finely offsets are kept.
const ROUND_MS: u64 = 10;

/// `pacing.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pacing {
    /// Per stdout line, milliseconds from the start of the call to the
    /// line's end.
    pub line_ms: Vec<u64>,
}

impl Pacing {
    /// Offsets rounded to 10 ms.
    pub fn rounded(line_ms: &[u64]) -> Pacing {
        Pacing {
            line_ms: line_ms
                .iter()
                .map(|ms| (ms + ROUND_MS / 2) / ROUND_MS * ROUND_MS)
                .collect(),
        }
    }

    /// Reads `<session>/pacing.json`; `None` when there is none.
    pub fn load(session: &Path) -> Result<Option<Pacing>, Problem> {
        let path = session.join(FILE);
        let Some(text) = untrusted::read_text_if_exists(&path, untrusted::MAX_BYTES)
            .map_err(|err| Problem::new(&path, format!("cannot read it: {err}")))?
        else {
            return Ok(None);
        };
        let pacing: Pacing =
            serde_json::from_str(&text).map_err(|err| json_problem(&path, &err))?;
        if pacing.line_ms.windows(2).any(|pair| pair[0] > pair[1]) {
            return Err(Problem::new(
                &path,
                "`line_ms` goes backwards: each line comes no earlier than the one before; \
                 re-record with --record-pacing, or remove the file",
            ));
        }
        Ok(Some(pacing))
    }

    /// Writes `<session>/pacing.json` atomically.
    pub fn write(&self, session: &Path) -> Result<(), Problem> {
        let path = session.join(FILE);
        let fail = |err: std::io::Error| Problem::new(&path, format!("cannot write it: {err}"));
        let mut text =
            serde_json::to_string(self).map_err(|err| fail(std::io::Error::other(err)))?;
        text.push('\n');
        let mut file = tempfile::NamedTempFile::new_in(session).map_err(fail)?;
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.persist(&path).map_err(|err| fail(err.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_rounded_and_backwards_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Pacing::load(dir.path()).unwrap(), None);
        let pacing = Pacing::rounded(&[3, 14, 996]);
        assert_eq!(pacing.line_ms, [0, 10, 1000]);
        pacing.write(dir.path()).unwrap();
        assert_eq!(Pacing::load(dir.path()).unwrap(), Some(pacing));
        std::fs::write(dir.path().join(FILE), r#"{"line_ms":[20,10]}"#).unwrap();
        let err = Pacing::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("goes backwards"), "{err}");
    }
}
