//! The environment variables fixture-kit reads, in one place.

use std::env;

/// `UPDATE_GOLDENS`: rewrite goldens from actual outputs.
pub const UPDATE_GOLDENS: &str = "UPDATE_GOLDENS";
/// `FIXTURE_KIT_FORCE_UPDATE`: allow an update run in CI.
pub const FORCE_UPDATE: &str = "FIXTURE_KIT_FORCE_UPDATE";
/// `FIXTURE_KIT_RECORD`: replay runners record their cassettes from the real agent.
pub const RECORD: &str = "FIXTURE_KIT_RECORD";
/// `FIXTURE_STRICT_REAL_AGENTS`: fail every test whose runner is no real agent.
pub const STRICT_REAL_AGENTS: &str = "FIXTURE_STRICT_REAL_AGENTS";

/// Whether `name` is set to something other than empty, `0`, `false` or `no`.
pub fn flag(name: &str) -> bool {
    env::var(name).is_ok_and(|value| is_truthy(&value))
}

/// Whether a flag value counts as on.
pub fn is_truthy(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "no" | "off"
    )
}

/// Whether this runs in CI, as insta decides: `CI` set and not
/// `false`/`0`/empty, or `TF_BUILD` set.
pub fn is_ci() -> bool {
    flag("CI") || env::var_os("TF_BUILD").is_some()
}

#[cfg(test)]
mod tests {
    use super::is_truthy;

    #[test]
    fn truthiness() {
        for on in ["1", "true", "yes", "always", "TRUE"] {
            assert!(is_truthy(on), "{on}");
        }
        for off in ["", "0", "false", "no", "off", " 0 "] {
            assert!(!is_truthy(off), "{off}");
        }
    }
}
