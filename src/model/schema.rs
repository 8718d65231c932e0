//! JSON Schemas (draft 7, which Taplo and Even Better TOML read) generated from the types.

use schemars::generate::SchemaSettings;

use crate::model::{Config, Incident, Postmortem};

/// (file name under `schema/`, pretty JSON), for `init` and the drift test.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("config.schema.json", render::<Config>()),
        ("incident.schema.json", render::<Incident>()),
        ("postmortem.schema.json", render::<Postmortem>()),
    ]
}

fn render<T: schemars::JsonSchema>() -> String {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut json = serde_json::to_string_pretty(&schema).expect("a schema is always serializable");
    json.push('\n');
    json
}
