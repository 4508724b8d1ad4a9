//! Record modes, as the VCR family names them.

use std::fmt;

/// When calls are recorded rather than replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum RecordMode {
    /// Replay only; a call without a recording is a miss. The default of
    /// `scenario replay`, and the safe one for CI.
    None,
    /// Record every call when the scenario does not exist yet, else
    /// replay as `none`.
    Once,
    /// Replay what is recorded; record, after it, the calls nothing
    /// answers. Recorded sessions stay byte for byte as they were.
    #[cfg_attr(feature = "cli", value(name = "new_episodes"))]
    NewEpisodes,
    /// Record every call afresh, replacing the scenario. The default of
    /// `scenario record`.
    All,
}

impl RecordMode {
    /// What `once` means for the scenario folder `exists` or not.
    pub fn resolve(self, exists: bool) -> RecordMode {
        match self {
            RecordMode::Once if exists => RecordMode::None,
            RecordMode::Once => RecordMode::All,
            other => other,
        }
    }

    /// Whether recordings are served.
    pub fn replays(self) -> bool {
        matches!(self, RecordMode::None | RecordMode::NewEpisodes)
    }

    /// Whether calls reach the real CLI.
    pub fn records(self) -> bool {
        matches!(self, RecordMode::NewEpisodes | RecordMode::All)
    }
}

impl fmt::Display for RecordMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordMode::None => "none",
            RecordMode::Once => "once",
            RecordMode::NewEpisodes => "new_episodes",
            RecordMode::All => "all",
        })
    }
}
