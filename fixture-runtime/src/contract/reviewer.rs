//! `ReviewerOutput`: the reviewer's verdict, in `reviewer/expected.json`.

use std::num::NonZeroU32;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The reviewer's decision and its comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct ReviewerOutput {
    /// The verdict.
    pub decision: Decision,
    /// The comments, possibly none.
    pub comments: Vec<Comment>,
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The change can land as it is.
    Approve,
    /// The change needs work.
    Revise,
    /// The change must not land.
    Reject,
}

impl Decision {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Revise => "revise",
            Decision::Reject => "reject",
        }
    }
}

/// One review comment, optionally anchored to a file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct Comment {
    /// What the reviewer says.
    pub message: String,
    /// Whether it must be addressed before the change lands.
    pub blocking: bool,
    /// The file it is about, relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The line it is about, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 4_294_967_295_u32))]
    pub line: Option<NonZeroU32>,
}
