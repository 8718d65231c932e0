//! CSV: one row an incident, a header row, columns mapped onto fields with
//! `--map FIELD=COLUMN,…`. Times take every format the tool reads elsewhere, typed in
//! the typist's zone. Rows are matched on re-import by the `id` column when mapped,
//! else by title and first time (so a re-import of the same file finds its rows).

use std::path::Path;

use crate::error::{Error, Result};
use crate::import::{FieldValue, Record};
use crate::model::{Config, Source, Status, TimeContext, TimeKey};

pub const SYSTEM: &str = "csv";

/// The fields a column can fill, beside `id` and `url` (the [source] table's).
const FIELDS: &[&str] = &[
    "title",
    "severity",
    "status",
    "summary",
    "customer_impact",
    "commander",
    "services",
    "teams",
    "labels",
    "started",
    "detected",
    "acknowledged",
    "mitigated",
    "resolved",
    "closed",
];

/// `title=Summary,severity=Sev` as (field, column) pairs, each field known.
fn parse_map(map: &str) -> Result<Vec<(&'static str, String)>> {
    let mut pairs = Vec::new();
    for pair in map.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, column) = pair
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--map {pair:?}: expected FIELD=COLUMN")))?;
        let field = field.trim();
        let known = FIELDS
            .iter()
            .chain(&["id", "url"])
            .find(|f| **f == field.strip_prefix("times.").unwrap_or(field))
            .ok_or_else(|| {
                Error::usage(format!(
                    "--map: unknown field {field:?}: expected one of id, url, {}",
                    FIELDS.join(", ")
                ))
            })?;
        pairs.push((*known, column.trim().to_string()));
    }
    for needed in ["title", "severity"] {
        if !pairs.iter().any(|(f, _)| *f == needed) {
            return Err(Error::usage(format!(
                "--map needs a column for {needed}, like {needed}=Column"
            )));
        }
    }
    Ok(pairs)
}

pub fn from_file(path: &Path, map: &str, config: &Config) -> Result<Vec<Record>> {
    let name = path.display().to_string();
    let pairs = parse_map(map)?;
    let mut reader = ::csv::Reader::from_path(path)
        .map_err(|e| Error::invalid(format!("could not read {name}: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid(format!("{name}: {e}")))?
        .clone();
    let mut columns = Vec::with_capacity(pairs.len());
    for (field, column) in &pairs {
        let index = headers
            .iter()
            .position(|h| h.trim() == column)
            .ok_or_else(|| {
                let names: Vec<&str> = headers.iter().collect();
                Error::invalid(format!(
                    "{name}: no column {column:?} (for {field}); the columns are: {}",
                    names.join(", ")
                ))
            })?;
        columns.push((*field, index));
    }
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| Error::invalid(format!("{name}: {e}")))?;
        let line = row.position().map_or(0, |p| p.line());
        let at = |what: &str| format!("{name}:{line}: {what}");
        let cell = |field: &str| {
            columns
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, i)| row.get(*i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let mut fields = Vec::new();
        for (field, _) in &columns {
            let value = cell(field);
            let entry = match *field {
                "id" | "url" => continue,
                "title" | "summary" | "customer_impact" | "commander" => {
                    FieldValue::Text(value.map(str::to_string))
                }
                "severity" => {
                    let severity = value.unwrap_or_default();
                    config
                        .require_severity(severity)
                        .map_err(|e| Error::invalid(at(&e.to_string())))?;
                    FieldValue::Text(Some(severity.to_string()))
                }
                "status" => FieldValue::Status(
                    value
                        .unwrap_or("investigating")
                        .to_lowercase()
                        .parse::<Status>()
                        .map_err(|e| Error::invalid(at(&e.to_string())))?,
                ),
                "services" | "teams" | "labels" => FieldValue::List(
                    value
                        .unwrap_or_default()
                        .split([';', ','])
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                        .collect(),
                ),
                key => FieldValue::Time(
                    value
                        .map(|v| time.parse(v))
                        .transpose()
                        .map_err(|e| Error::invalid(at(&format!("{key}: {e}"))))?,
                ),
            };
            let key = match *field {
                "started" => "times.started",
                "detected" => "times.detected",
                "acknowledged" => "times.acknowledged",
                "mitigated" => "times.mitigated",
                "resolved" => "times.resolved",
                "closed" => "times.closed",
                other => other,
            };
            fields.push((key, entry));
        }
        if !fields.iter().any(|(k, _)| *k == "status") {
            fields.push(("status", FieldValue::Status(status_from_times(&fields))));
        }
        let title = cell("title").ok_or_else(|| Error::invalid(at("the title is empty")))?;
        let first_time = TimeKey::ALL.iter().find_map(|key| {
            let key = format!("times.{}", key.as_str());
            fields
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.as_time())
        });
        let id = match cell("id") {
            Some(id) => id.to_string(),
            None => match first_time {
                Some(t) => format!("{} {title}", t.0.to_rfc3339()),
                None => title.to_string(),
            },
        };
        records.push(Record {
            source: Source {
                system: SYSTEM.to_string(),
                id,
                url: cell("url").map(str::to_string),
            },
            fields,
            timeline: Vec::new(),
            warnings: Vec::new(),
        });
    }
    Ok(records)
}

/// Without a status column: the furthest state whose time the row gives.
fn status_from_times(fields: &[(&'static str, FieldValue)]) -> Status {
    let has = |key: &str| {
        fields
            .iter()
            .any(|(k, v)| *k == key && v.as_time().is_some())
    };
    if has("times.closed") {
        Status::Closed
    } else if has("times.resolved") {
        Status::Resolved
    } else if has("times.mitigated") {
        Status::Mitigated
    } else {
        Status::Investigating
    }
}
