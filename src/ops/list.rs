//! Reading every incident on the branch, tolerating files that do not parse.

use crate::error::{Error, FileError, Result};
use crate::model::{Incident, Status, Timestamp};
use crate::store::{IncidentEntry, Snapshot};

pub struct Listed {
    pub entry: IncidentEntry,
    pub incident: Incident,
}

/// All incidents that parse, and the errors of those that do not (each names its file and line).
pub fn load_all(snapshot: &Snapshot<'_>) -> Result<(Vec<Listed>, Vec<FileError>)> {
    let (entries, _) = snapshot.incident_entries()?;
    let mut listed = Vec::with_capacity(entries.len());
    let mut broken = Vec::new();
    for entry in entries {
        match snapshot.incident(&entry) {
            Ok(loaded) => listed.push(Listed {
                entry,
                incident: loaded.value,
            }),
            Err(e) => broken.push(e.into_file_error(entry.incident_path())?),
        }
    }
    Ok((listed, broken))
}

#[derive(Default)]
pub struct Filter {
    /// A status, or `open` for any open one.
    pub status: Option<String>,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl Filter {
    pub fn validate(&self) -> Result<()> {
        if let Some(status) = &self.status
            && status != "open"
        {
            status.parse::<Status>().map_err(|_| {
                Error::invalid(format!(
                    "unknown status {status:?}: expected open or one of {}",
                    Status::names()
                ))
            })?;
        }
        Ok(())
    }

    pub fn matches(&self, incident: &Incident) -> bool {
        self.matches_fields(
            incident.status,
            &incident.severity,
            &incident.services,
            incident.times.detected.map(Timestamp::timestamp),
        )
    }

    /// The same test on just the fields it looks at (`detected` in Unix seconds).
    pub fn matches_fields(
        &self,
        status: Status,
        severity: &str,
        services: &[String],
        detected: Option<i64>,
    ) -> bool {
        let status_ok = match self.status.as_deref() {
            None => true,
            Some("open") => status.is_open(),
            Some(s) => status.as_str() == s,
        };
        status_ok
            && self
                .severity
                .as_ref()
                .is_none_or(|s| severity.eq_ignore_ascii_case(s))
            && self.service.as_ref().is_none_or(|s| services.contains(s))
            && self
                .since
                .is_none_or(|since| detected.is_some_and(|d| d >= since.timestamp()))
            && self
                .until
                .is_none_or(|until| detected.is_some_and(|d| d < until.timestamp()))
    }
}

/// Newest first: by detection time, then by number.
pub fn sort_newest_first(listed: &mut [Listed]) {
    listed.sort_by(|a, b| {
        (b.incident.times.detected, b.entry.id.number)
            .cmp(&(a.incident.times.detected, a.entry.id.number))
    });
}
