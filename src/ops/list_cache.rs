//! `list --json` over many incidents: each incident's JSON and the few fields that
//! filters and sorting need, cached under `$GIT_DIR/incident/` by the branch tip and
//! each incident directory's tree, so an unchanged branch is listed without parsing any
//! TOML. Rebuilt when missing, unreadable or of another format; never the only copy.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileError, Result};
use crate::history::cache::CachedError;
use crate::model::{Incident, Status};
use crate::ops::list::Filter;
use crate::store::{Snapshot, Store};

const FORMAT: u32 = 1;

#[derive(Default, Serialize, Deserialize)]
struct ListCache {
    format: u32,
    refname: String,
    tip: String,
    dirs: HashMap<String, CachedDir>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedDir {
    tree: String,
    listed: Option<CachedIncident>,
    error: Option<CachedError>,
}

/// What filtering and sorting look at, and the incident as `list --json` prints it.
#[derive(Clone, Serialize, Deserialize)]
struct CachedIncident {
    number: u32,
    status: Status,
    severity: String,
    services: Vec<String>,
    detected: Option<i64>,
    json: String,
}

impl CachedIncident {
    fn new(number: u32, incident: &Incident) -> CachedIncident {
        CachedIncident {
            number,
            status: incident.status,
            severity: incident.severity.clone(),
            services: incident.services.clone(),
            detected: incident.times.detected.map(|t| t.timestamp()),
            json: serde_json::to_string_pretty(incident).expect("incidents serialize"),
        }
    }
}

/// The JSON array `list --json` prints (newest first, filtered), and the files that did
/// not parse.
pub fn json_listing(
    store: &Store,
    snapshot: &Snapshot<'_>,
    filter: &Filter,
) -> Result<(String, Vec<FileError>)> {
    let tip = snapshot
        .commit()
        .ok_or_else(|| Error::not_found("the incident branch has no commits yet"))?
        .to_string();
    let path = store.cache_file("list");
    let cached = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ListCache>(&bytes).ok())
        .filter(|c| c.format == FORMAT && c.refname == store.refname());
    let cache = match cached {
        Some(cache) if cache.tip == tip => cache,
        other => {
            let fresh = refresh(snapshot, other.map(|c| c.dirs).unwrap_or_default())?;
            let cache = ListCache {
                format: FORMAT,
                refname: store.refname().to_string(),
                tip,
                dirs: fresh,
            };
            crate::history::cache::write_json(&path, &cache);
            cache
        }
    };
    let mut broken: Vec<FileError> = cache
        .dirs
        .values()
        .filter_map(|d| d.error.as_ref().map(FileError::from))
        .collect();
    broken.sort_by(|a, b| a.path.cmp(&b.path));
    let mut listed: Vec<&CachedIncident> = cache
        .dirs
        .values()
        .filter_map(|d| d.listed.as_ref())
        .filter(|l| filter.matches_fields(l.status, &l.severity, &l.services, l.detected))
        .collect();
    listed.sort_by_key(|l| std::cmp::Reverse((l.detected, l.number)));
    Ok((array(listed.iter().map(|l| l.json.as_str())), broken))
}

/// Exactly what `serde_json::to_string_pretty` prints for an array of these values.
fn array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    let mut any = false;
    for item in items {
        out.push_str(if any { ",\n" } else { "\n" });
        any = true;
        for (i, line) in item.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("  ");
            out.push_str(line);
        }
    }
    out.push_str(if any { "\n]" } else { "]" });
    out
}

/// Re-reads only the incident directories whose tree changed since the cached tip.
fn refresh(
    snapshot: &Snapshot<'_>,
    mut old: HashMap<String, CachedDir>,
) -> Result<HashMap<String, CachedDir>> {
    let (entries, _) = snapshot.incident_entries()?;
    let mut dirs = HashMap::with_capacity(entries.len());
    for entry in entries {
        let tree = entry.tree.to_string();
        if let Some(kept) = old.remove(&entry.dir).filter(|d| d.tree == tree) {
            dirs.insert(entry.dir, kept);
            continue;
        }
        let (listed, error) = match snapshot.incident(&entry) {
            Ok(loaded) => (
                Some(CachedIncident::new(entry.id.number, &loaded.value)),
                None,
            ),
            Err(e) => (
                None,
                Some(CachedError::from(
                    &e.into_file_error(entry.incident_path())?,
                )),
            ),
        };
        dirs.insert(
            entry.dir.clone(),
            CachedDir {
                tree,
                listed,
                error,
            },
        );
    }
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_array_matches_serde_json_pretty_output() {
        let values = [
            serde_json::json!({"a": [1, 2], "b": {"c": "x\ny"}}),
            serde_json::json!(3),
        ];
        let items: Vec<String> = values
            .iter()
            .map(|v| serde_json::to_string_pretty(v).unwrap())
            .collect();
        assert_eq!(
            super::array(items.iter().map(String::as_str)),
            serde_json::to_string_pretty(&values).unwrap()
        );
        assert_eq!(super::array(std::iter::empty()), "[]");
    }
}
