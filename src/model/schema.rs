//! JSON Schemas (draft 7, which Taplo and Even Better TOML read) generated from the types.

use schemars::generate::SchemaSettings;

use crate::model::{Config, Incident, Postmortem};

/// The newest `schema_version` this build reads; config.toml, incident.toml and
/// postmortem.toml share it.
pub const SCHEMA_VERSION: u32 = 1;

/// What a file from a newer format says, in every message about one, so that writes can
/// tell such an error from the others (they never rewrite a file they cannot read).
pub const NEWER_SCHEMA: &str = "written by a newer git-incident; upgrade";

/// The message for a `schema_version` this build does not know, if it is one.
pub fn version_problem(version: i64) -> Option<String> {
    if version > i64::from(SCHEMA_VERSION) {
        Some(format!(
            "schema_version {version}: {NEWER_SCHEMA} (this version reads schema_version {SCHEMA_VERSION})"
        ))
    } else if version < 1 {
        Some(format!(
            "unknown schema_version {version}: expected {SCHEMA_VERSION}"
        ))
    } else {
        None
    }
}

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

#[cfg(test)]
mod tests {
    /// The committed schema/ files are what the types generate; regenerate with
    /// `UPDATE_SCHEMAS=1 cargo test schema`.
    #[test]
    fn committed_schemas_match_the_types() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        for (name, json) in super::all() {
            let path = dir.join(name);
            if std::env::var_os("UPDATE_SCHEMAS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &json).unwrap();
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == json,
                "schema/{name} is out of date: run `UPDATE_SCHEMAS=1 cargo test schema`"
            );
        }
    }

    #[test]
    fn schemas_are_draft_07() {
        for (name, json) in super::all() {
            assert!(
                json.contains("http://json-schema.org/draft-07/schema#"),
                "{name}"
            );
        }
    }
}
