//! Where things live on the incident branch. Paths never change once written.

use crate::model::IncidentId;

pub const DEFAULT_REF: &str = "refs/heads/incidents";
pub const CONFIG: &str = "config.toml";
pub const SCHEMA_DIR: &str = "schema";
pub const INCIDENTS_DIR: &str = "incidents";
pub const INCIDENT_FILE: &str = "incident.toml";
pub const POSTMORTEM_FILE: &str = "postmortem.toml";

/// `incidents/<YYYY>/<ID>`: where an incident's files live.
pub fn incident_dir(year: i32, id: &IncidentId) -> String {
    format!("{INCIDENTS_DIR}/{year}/{id}")
}

/// The other way round: the incident directory a path is (or lies inside) and the ID
/// it is named by, as written (not parsed: a stray name is still reported under it).
pub fn incident_of(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.splitn(4, '/');
    let (top, year, id) = (parts.next()?, parts.next()?, parts.next()?);
    let dir_len = top.len() + 1 + year.len() + 1 + id.len();
    (top == INCIDENTS_DIR).then(|| (&path[..dir_len], id))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_of_inverts_incident_dir() {
        let id: IncidentId = "INC-7".parse().unwrap();
        let dir = incident_dir(2026, &id);
        assert_eq!(incident_of(&dir), Some((dir.as_str(), "INC-7")));
        let file = format!("{dir}/{INCIDENT_FILE}");
        assert_eq!(incident_of(&file), Some((dir.as_str(), "INC-7")));
        assert_eq!(incident_of(CONFIG), None);
        assert_eq!(incident_of("incidents/2026"), None);
        assert_eq!(incident_of("schema/2026/x"), None);
    }
}
