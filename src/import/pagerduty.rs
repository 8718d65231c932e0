//! PagerDuty: incidents as the REST API returns them (`{"incidents": […]}`, each
//! optionally with its `log_entries`), from a file or from `GET /incidents`.
//! created/acknowledged/resolved -> detected/acknowledged/resolved, priority (else
//! urgency) -> severity, the acknowledger (else the assignee) -> commander.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::DateTime;
use serde::Deserialize;

use super::query;
use crate::error::{Error, Result};
use crate::import::{FieldValue, Record};
use crate::model::{Config, Source, Status, TimelineEntry, TimelineKind, Timestamp, Zone};

pub const SYSTEM: &str = "pagerduty";

/// The REST API's base URL, overridable (`--api-url`).
pub const API_URL: &str = "https://api.pagerduty.com";

/// Incidents per API page (the API's maximum).
const PER_PAGE: usize = 100;

/// Urgencies by rank, for incidents without a priority.
const URGENCIES: [&str; 2] = ["high", "low"];

#[derive(Debug, Deserialize)]
struct Incident {
    id: String,
    #[serde(default)]
    incident_number: Option<u64>,
    title: String,
    created_at: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    priority: Option<Reference>,
    #[serde(default)]
    service: Option<Reference>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    assignments: Vec<Assignment>,
    #[serde(default)]
    acknowledgements: Vec<Acknowledgement>,
    #[serde(default)]
    log_entries: Vec<LogEntry>,
    #[serde(default)]
    resolved_at: Option<String>,
    #[serde(default)]
    last_status_change_at: Option<String>,
}

/// A reference to another object: only its name is used.
#[derive(Debug, Deserialize)]
struct Reference {
    #[serde(default)]
    summary: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Assignment {
    #[serde(default)]
    assignee: Option<Reference>,
}

#[derive(Debug, Deserialize)]
struct Acknowledgement {
    at: String,
    #[serde(default)]
    acknowledger: Option<Reference>,
}

#[derive(Debug, Deserialize)]
struct LogEntry {
    #[serde(rename = "type")]
    kind: String,
    created_at: String,
    #[serde(default)]
    agent: Option<Reference>,
    /// What happened, as PagerDuty says it: `Acknowledged by Ana Lima`, a note's text.
    #[serde(default)]
    summary: Option<String>,
}

/// The timeline kind a log entry reads as; `None` for the notifications sent to each
/// responder, which say nothing about the incident.
fn timeline_kind(log_entry_type: &str) -> Option<TimelineKind> {
    match log_entry_type {
        "notify_log_entry" => None,
        "trigger_log_entry" => Some(TimelineKind::Alert),
        "annotate_log_entry" => Some(TimelineKind::Note),
        "acknowledge_log_entry"
        | "unacknowledge_log_entry"
        | "resolve_log_entry"
        | "reopen_log_entry"
        | "snooze_log_entry"
        | "priority_change_log_entry"
        | "urgency_change_log_entry" => Some(TimelineKind::Status),
        _ => Some(TimelineKind::Action),
    }
}

#[derive(Debug, Deserialize)]
struct Page {
    incidents: Vec<Incident>,
    #[serde(default)]
    more: bool,
}

/// Reads an export file: `{"incidents": […]}` or a bare array of incidents.
pub fn from_file(path: &Path, config: &Config) -> Result<Vec<Record>> {
    let (name, incidents) = super::export_items(path, "incidents", "what GET /incidents returns")?;
    let incidents: Vec<Incident> = serde_json::from_value(incidents)
        .map_err(|e| Error::invalid(format!("{name}: not PagerDuty incidents: {e}")))?;
    records(&name, incidents, config)
}

/// Where and how to reach the REST API.
pub struct Api {
    pub base_url: String,
    pub token: String,
    /// RFC 3339; the API's default window (the last month) when absent.
    pub since: Option<String>,
}

/// Fetches the incidents with their log entries, an offset page at a time while the
/// API says there are more.
pub fn from_api(api: &Api, config: &Config) -> Result<Vec<Record>> {
    let base = api.base_url.trim_end_matches('/');
    let mut incidents = Vec::new();
    let mut offset = 0;
    loop {
        let mut url = format!("{base}/incidents?limit={PER_PAGE}&offset={offset}");
        if let Some(since) = &api.since {
            // `until` is needed too, or the API ignores `since`.
            url.push_str(&format!(
                "&since={}&until={}",
                query(since),
                query(&chrono::Utc::now().to_rfc3339())
            ));
        }
        let page: Page = get_json(&url, &api.token)?;
        offset += page.incidents.len();
        let more = page.more && !page.incidents.is_empty();
        for mut incident in page.incidents {
            let url = format!(
                "{base}/incidents/{}/log_entries?is_overview=true&limit={PER_PAGE}",
                incident.id
            );
            let entries: LogEntries = get_json(&url, &api.token)?;
            incident.log_entries = entries.log_entries;
            incidents.push(incident);
        }
        if !more {
            break;
        }
    }
    records(&format!("{base}/incidents"), incidents, config)
}

#[derive(Debug, Deserialize)]
struct LogEntries {
    log_entries: Vec<LogEntry>,
}

fn get_json<T: serde::de::DeserializeOwned>(url: &str, token: &str) -> Result<T> {
    let response = ureq::get(url)
        .header("Authorization", &format!("Token token={token}"))
        .header("Accept", "application/vnd.pagerduty+json;version=2")
        .call();
    let mut response = match response {
        Ok(response) => response,
        Err(ureq::Error::StatusCode(code @ (401 | 403))) => {
            return Err(Error::invalid(format!(
                "{url}: the API refused the token (HTTP {code}): check --token"
            )));
        }
        Err(e) => return Err(Error::invalid(format!("{url}: {e}"))),
    };
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| Error::invalid(format!("{url}: could not read the answer: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid(format!("{url}: not what the PagerDuty API returns: {e}")))
}

fn records(origin: &str, incidents: Vec<Incident>, config: &Config) -> Result<Vec<Record>> {
    let zone = config.zone()?;
    incidents
        .into_iter()
        .map(|incident| record(origin, incident, config, zone))
        .collect()
}

fn record(origin: &str, incident: Incident, config: &Config, zone: Zone) -> Result<Record> {
    let what = match incident.incident_number {
        Some(n) => format!("{origin}: incident #{n} ({})", incident.id),
        None => format!("{origin}: incident {}", incident.id),
    };
    let time = |field: &str, value: &str| -> Result<Timestamp> {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .and_then(|t| Timestamp::new(zone.convert(t)))
            .ok_or_else(|| {
                Error::invalid(format!("{what}: {field} {value:?} is not an RFC 3339 time"))
            })
    };
    let mut warnings = Vec::new();
    let detected = time("created_at", &incident.created_at)?;

    // The log lists entries newest first: the first acknowledgement is the last one listed.
    let mut acknowledged = None;
    let mut resolved = None;
    let mut acknowledger = None;
    let mut timeline = Vec::new();
    for entry in &incident.log_entries {
        let at = time(&format!("{} created_at", entry.kind), &entry.created_at)?;
        let agent = entry.agent.as_ref().and_then(|a| a.summary.clone());
        let text = entry.summary.as_deref().map(str::trim).unwrap_or_default();
        if let Some(kind) = timeline_kind(&entry.kind).filter(|_| !text.is_empty()) {
            // The incident's page in PagerDuty is where the entry can be checked.
            timeline.push(TimelineEntry {
                links: incident.html_url.iter().cloned().collect(),
                author: agent
                    .as_deref()
                    .map(|name| config.handle_of(name, "").unwrap_or(name).to_string()),
                ..TimelineEntry::new(at, kind, text.to_string())
            });
        }
        match entry.kind.as_str() {
            "acknowledge_log_entry" if acknowledged.is_none_or(|t| at < t) => {
                acknowledged = Some(at);
                acknowledger = agent;
            }
            "resolve_log_entry" if resolved.is_none_or(|t| at > t) => resolved = Some(at),
            _ => {}
        }
    }
    // The log lists entries newest first: oldest first, equal times in the log's order.
    timeline.reverse();
    timeline.sort_by_key(|entry| entry.at);
    // Without log entries, the incident's own fields say as much.
    for ack in &incident.acknowledgements {
        let at = time("acknowledgements at", &ack.at)?;
        if acknowledged.is_none_or(|t| at < t) {
            acknowledged = Some(at);
            acknowledger = ack.acknowledger.as_ref().and_then(|a| a.summary.clone());
        }
    }
    let status = match incident.status.as_deref() {
        Some("resolved") => Status::Resolved,
        Some("triggered" | "acknowledged") | None => Status::Investigating,
        Some(other) => {
            warnings.push(format!("unknown status {other:?}: taken as triggered"));
            Status::Investigating
        }
    };
    if status == Status::Resolved && resolved.is_none() {
        let at = incident
            .resolved_at
            .as_deref()
            .or(incident.last_status_change_at.as_deref());
        resolved = match at {
            Some(at) => Some(time("resolved_at", at)?),
            None => {
                warnings.push("resolved, but no time says when: taken as created".to_string());
                Some(detected)
            }
        };
    }
    if status != Status::Resolved {
        resolved = None;
    }
    if let Some(at) = acknowledged.filter(|t| *t < detected) {
        warnings.push(format!(
            "acknowledged {} before it was created: taken as created",
            at.0.to_rfc3339()
        ));
        acknowledged = Some(detected);
    }
    let assignee = incident
        .assignments
        .iter()
        .find_map(|a| a.assignee.as_ref().and_then(|r| r.summary.clone()));
    let commander = acknowledger
        .or(assignee)
        .map(|name| config.handle_of(&name, "").unwrap_or(&name).to_string());

    let mut services = Vec::new();
    if let Some(service) = incident.service.as_ref().and_then(|s| s.summary.clone()) {
        if config
            .services
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(&service))
        {
            warnings.push(format!(
                "service {service:?} is not a service in config.toml: left out"
            ));
        } else {
            services.push(service);
        }
    }

    let priority = incident
        .priority
        .as_ref()
        .and_then(|p| p.summary.as_deref());
    let mapping = &config.import.pagerduty;
    let severity = match priority {
        Some(priority) => severity(config, &mapping.priority, priority, &mut warnings),
        None => {
            let urgency = incident.urgency.as_deref().unwrap_or("high");
            match mapping.urgency.get(urgency) {
                Some(mapped) => mapped.clone(),
                None => {
                    let rank = URGENCIES.iter().position(|u| *u == urgency);
                    if rank.is_none() {
                        warnings.push(format!(
                            "unknown urgency {urgency:?}: taken as the least severe"
                        ));
                    }
                    by_rank(config, rank)
                }
            }
        }
    };

    Ok(Record {
        source: Source {
            system: SYSTEM.to_string(),
            id: incident.id.clone(),
            url: incident.html_url.clone(),
        },
        fields: vec![
            (
                "title",
                FieldValue::Text(Some(incident.title.trim().to_string())),
            ),
            ("severity", FieldValue::Text(Some(severity))),
            ("status", FieldValue::Status(status)),
            ("services", FieldValue::List(services)),
            ("commander", FieldValue::Text(commander)),
            ("times.detected", FieldValue::Time(Some(detected))),
            ("times.acknowledged", FieldValue::Time(acknowledged)),
            ("times.resolved", FieldValue::Time(resolved)),
        ],
        timeline,
        warnings,
    })
}

/// The severity for a priority named like `P1`: the mapping, else by its number.
pub(super) fn severity(
    config: &Config,
    mapping: &BTreeMap<String, String>,
    priority: &str,
    warnings: &mut Vec<String>,
) -> String {
    if let Some(mapped) = mapping.get(priority) {
        return mapped.clone();
    }
    let rank = priority
        .strip_prefix(['P', 'p'])
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1));
    if rank.is_none() {
        warnings.push(format!(
            "unknown priority {priority:?}: taken as the least severe"
        ));
    }
    by_rank(config, rank)
}

/// The configured severity at `rank` (0 the most severe), the least severe past the
/// end or for `None`.
pub(super) fn by_rank(config: &Config, rank: Option<usize>) -> String {
    let last = config.severity.len().saturating_sub(1);
    config
        .severity
        .get(rank.unwrap_or(last).min(last))
        .map(|s| s.name.clone())
        .unwrap_or_default()
}
