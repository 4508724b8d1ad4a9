//! Test data shared by the command-line and runner tests.

/// A canonical architect golden that passes every rule.
pub const SPEC: &str = r#"{
  "highLevelSummary": "A parity checker.",
  "pagesOrScreens": [],
  "apis": [],
  "dataModels": [],
  "recommendedFileStructure": [
    "src/parity.ts"
  ]
}
"#;
