//! `ArchitectSpec`: the architect's design, in `architect/expected.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The architect's design of the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct ArchitectSpec {
    /// What is built, in a few sentences.
    pub high_level_summary: String,
    /// The pages or screens a user sees.
    pub pages_or_screens: Vec<String>,
    /// The APIs the system offers.
    pub apis: Vec<Api>,
    /// The stored data.
    pub data_models: Vec<DataModel>,
    /// Files and folders to create, one path per entry.
    pub recommended_file_structure: Vec<String>,
    /// Every configuration or other non-source file a task may change
    /// (exact paths); the plan and the patch are held to it. Absent: the
    /// design says nothing, and `fixture.json`'s `config_whitelist` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_files: Option<Vec<String>>,
}

/// One API endpoint or operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct Api {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its HTTP method, when it is an HTTP endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HttpMethod>,
    /// Its route, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Whether callers must be authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_required: Option<bool>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

/// A stored entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct DataModel {
    /// Its name.
    pub name: String,
    /// Its fields.
    pub fields: Vec<String>,
    /// Its primary key field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<String>,
    /// Its indexed fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexes: Option<Vec<String>>,
    /// Its links to other models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Vec<Relation>>,
}

/// A link from a field to another model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("additionalProperties" = false))]
pub struct Relation {
    /// The linking field.
    pub field: String,
    /// The model linked to.
    pub target: String,
    /// The cardinality.
    #[serde(rename = "type")]
    pub kind: RelationKind,
}

/// The cardinality of a [`Relation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    /// `one-to-many`.
    OneToMany,
    /// `many-to-one`.
    ManyToOne,
    /// `one-to-one`.
    OneToOne,
}
