//! Where things live on the incident branch. Paths never change once written.

use crate::model::IncidentId;

pub const DEFAULT_REF: &str = "refs/heads/incidents";
pub const CONFIG: &str = "config.toml";
pub const SCHEMA_DIR: &str = "schema";
pub const INCIDENTS_DIR: &str = "incidents";
pub const INCIDENT_FILE: &str = "incident.toml";
pub const POSTMORTEM_FILE: &str = "postmortem.toml";

pub fn incident_dir(year: i32, id: &IncidentId) -> String {
    format!("{INCIDENTS_DIR}/{year}/{id}")
}

/// The `#:schema` directive that lets editors validate a file; relative to the file.
pub fn schema_directive(file: &str) -> String {
    let (depth, schema) = match file {
        CONFIG => (0, "config"),
        INCIDENT_FILE => (3, "incident"),
        _ => (3, "postmortem"),
    };
    let up = if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    };
    format!("#:schema {up}{SCHEMA_DIR}/{schema}.schema.json\n")
}

/// `refs/heads/NAME` for a short name; full refs are kept.
pub fn full_ref(name: &str) -> String {
    if name.starts_with("refs/") {
        name.to_string()
    } else {
        format!("refs/heads/{name}")
    }
}
