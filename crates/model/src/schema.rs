//! The JSON Schema (draft-07) of the spec language, for editors
//! (yaml-language-server) and for the structural pass of validation.
//!
//! The checked-in copy is `specs/reconcile.schema.json`; a test fails when
//! it is stale. Regenerate it with
//! `RECONCILE_UPDATE_SCHEMA=1 cargo test -p reconcile-model schema`.

use schemars::generate::SchemaSettings;

use crate::spec::Spec;

/// The schema's `$id`-less root: draft-07, definitions under
/// `#/definitions`, descriptions from the spec types' doc comments.
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Spec>();
    serde_json::to_value(schema).expect("a schema is JSON")
}

/// The schema as the checked-in file holds it: pretty JSON and a newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a schema serialises");
    text.push('\n');
    text
}
