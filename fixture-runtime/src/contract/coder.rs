//! `CoderOutput`: the coder's unified diff, in `coder/expected.patch`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A coder's patch: a git-style unified diff (`diff --git`, `---`/`+++`,
/// `@@` hunks), possibly several files with creations, deletions and
/// renames. An empty (or whitespace-only) patch means "nothing to do"; the
/// fixture must declare `"zero_change": true` for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct CoderOutput {
    /// The patch text.
    pub patch: String,
}

impl CoderOutput {
    /// Whether the patch changes nothing (empty or whitespace only).
    pub fn is_empty(&self) -> bool {
        self.patch.trim().is_empty()
    }
}
