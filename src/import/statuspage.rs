//! Statuspage: an export (what `/api/v2/incidents.json` returns, or a bare array of
//! its incidents) or the manage API (`GET /v1/pages/{id}/incidents`, paginated).
//! impact -> severity, components -> services, updates -> `communication` entries,
//! the status updates -> status and its times (by the reopen rule).

use std::collections::HashMap;
use std::path::Path;

use chrono::DateTime;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::import::{FieldValue, Record, html};
use crate::model::{
    Audience, Config, Source, Status, TimelineEntry, TimelineKind, Timestamp, Zone,
};

pub const SYSTEM: &str = "statuspage";

/// The Statuspage API's base URL, overridable (`--api-url`).
pub const API_URL: &str = "https://api.statuspage.io";

/// Incidents per API page (the API's maximum).
const PER_PAGE: usize = 100;

/// Impacts by rank: mapped onto the configured severities in order when
/// `[import.statuspage] impact` does not name them.
const IMPACTS: [&str; 4] = ["critical", "major", "minor", "none"];

#[derive(Debug, Deserialize)]
struct Incident {
    id: String,
    name: String,
    status: String,
    #[serde(default)]
    impact: Option<String>,
    created_at: String,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    monitoring_at: Option<String>,
    #[serde(default)]
    resolved_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    shortlink: Option<String>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    incident_updates: Vec<Update>,
}

#[derive(Debug, Deserialize)]
struct Component {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Update {
    status: String,
    #[serde(default)]
    body: Option<String>,
    created_at: String,
    #[serde(default)]
    display_at: Option<String>,
}

/// Reads an export file.
pub fn from_file(path: &Path, config: &Config) -> Result<Vec<Record>> {
    let (name, incidents) = super::export_items(
        path,
        "incidents",
        "what /api/v2/incidents.json returns, or an array of incidents",
    )?;
    let incidents: Vec<Incident> = serde_json::from_value(incidents)
        .map_err(|e| Error::invalid(format!("{name}: not Statuspage incidents: {e}")))?;
    records(&name, incidents, config)
}

/// Where and how to reach the manage API.
pub struct Api {
    pub base_url: String,
    pub page_id: String,
    pub api_key: String,
}

/// Fetches every incident of the page, a page of results at a time until an empty one.
pub fn from_api(api: &Api, config: &Config) -> Result<Vec<Record>> {
    let base = api.base_url.trim_end_matches('/');
    let mut incidents = Vec::new();
    for page in 1.. {
        let url = format!(
            "{base}/v1/pages/{}/incidents?page={page}&per_page={PER_PAGE}",
            api.page_id
        );
        let fetched: Vec<Incident> = get_json(&url, &api.api_key)?;
        // A server that ignores `page` would repeat its first page for ever.
        let repeated = fetched
            .first()
            .is_some_and(|first| incidents.iter().any(|i: &Incident| i.id == first.id));
        if fetched.is_empty() || repeated {
            break;
        }
        incidents.extend(fetched);
    }
    records(
        &format!("{base}/v1/pages/{}", api.page_id),
        incidents,
        config,
    )
}

fn get_json<T: serde::de::DeserializeOwned>(url: &str, key: &str) -> Result<T> {
    let response = ureq::get(url)
        .header("Authorization", &format!("OAuth {key}"))
        .call();
    let mut response = match response {
        Ok(response) => response,
        Err(ureq::Error::StatusCode(code @ (401 | 403))) => {
            return Err(Error::invalid(format!(
                "{url}: the API refused the key (HTTP {code}): check --api-key and that it may read this page"
            )));
        }
        Err(ureq::Error::StatusCode(404)) => {
            return Err(Error::invalid(format!(
                "{url}: not found (HTTP 404): check --page-id"
            )));
        }
        Err(e) => return Err(Error::invalid(format!("{url}: {e}"))),
    };
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| Error::invalid(format!("{url}: could not read the answer: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid(format!("{url}: not Statuspage incidents: {e}")))
}

/// The statuses of an incident by rank: reaching mitigated (`monitoring`, and
/// `verifying` for maintenance) or resolved counts for good only once moved to.
fn status_of(status: &str) -> Option<Status> {
    Some(match status {
        "investigating" | "scheduled" | "in_progress" => Status::Investigating,
        "identified" => Status::Identified,
        "monitoring" | "verifying" => Status::Mitigated,
        "resolved" | "postmortem" | "completed" => Status::Resolved,
        _ => return None,
    })
}

fn records(origin: &str, incidents: Vec<Incident>, config: &Config) -> Result<Vec<Record>> {
    let zone = config.zone()?;
    let names = component_names(&incidents);
    incidents
        .into_iter()
        .map(|incident| record(origin, incident, config, zone, &names))
        .collect()
}

/// Each component's name in the newest incident that shows it: a renamed component
/// is recorded under its current name.
fn component_names(incidents: &[Incident]) -> HashMap<String, String> {
    let mut newest: HashMap<String, (String, String)> = HashMap::new();
    for incident in incidents {
        let when = incident
            .updated_at
            .clone()
            .unwrap_or_else(|| incident.created_at.clone());
        let when = DateTime::parse_from_rfc3339(&when)
            .map(|t| t.to_rfc3339())
            .unwrap_or(when);
        for component in &incident.components {
            let seen = newest.get(&component.id);
            if seen.is_none_or(|(at, _)| *at < when) {
                newest.insert(component.id.clone(), (when.clone(), component.name.clone()));
            }
        }
    }
    newest
        .into_iter()
        .map(|(id, (_, name))| (id, name))
        .collect()
}

fn record(
    origin: &str,
    incident: Incident,
    config: &Config,
    zone: Zone,
    names: &HashMap<String, String>,
) -> Result<Record> {
    let what = format!("{origin}: incident {}", incident.id);
    let time = |field: &str, value: &str| -> Result<Timestamp> {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .and_then(|t| Timestamp::new(zone.convert(t)))
            .ok_or_else(|| {
                Error::invalid(format!("{what}: {field} {value:?} is not an RFC 3339 time"))
            })
    };
    let optional =
        |field: &str, value: &Option<String>| value.as_deref().map(|v| time(field, v)).transpose();
    let mut warnings = Vec::new();
    let detected = time("created_at", &incident.created_at)?;
    let mut started = optional("started_at", &incident.started_at)?;
    if let Some(at) = started.filter(|s| *s > detected) {
        warnings.push(format!(
            "started_at {} is after created_at {}: started is taken as detected",
            at.0.to_rfc3339(),
            detected.0.to_rfc3339()
        ));
        started = Some(detected);
    }

    // The API lists updates newest first; in time order, equal times keep the order
    // in which they were posted.
    let mut updates = Vec::with_capacity(incident.incident_updates.len());
    for update in incident.incident_updates.iter().rev() {
        let at = match &update.display_at {
            Some(display) => time("display_at", display)?,
            None => time("created_at", &update.created_at)?,
        };
        updates.push((at, update));
    }
    updates.sort_by_key(|(at, _)| *at);
    let ties = updates.windows(2).filter(|w| w[0].0 == w[1].0).count();
    if ties > 0 {
        let shares = match ties {
            1 => "1 update shares".to_string(),
            n => format!("{n} updates share"),
        };
        warnings.push(format!(
            "{shares} a time with the one before: kept in the order they were posted"
        ));
    }

    let final_status = status_of(&incident.status).unwrap_or_else(|| {
        warnings.push(format!(
            "unknown status {:?}: taken as investigating",
            incident.status
        ));
        Status::Investigating
    });
    let (mut mitigated, mut resolved) = (None, None);
    let mut reached = Status::Investigating;
    let mut timeline = Vec::with_capacity(updates.len());
    for (at, update) in &updates {
        let body = update
            .body
            .as_deref()
            .map(html::to_text)
            .unwrap_or_default();
        if update.status == "postmortem" {
            timeline.push(TimelineEntry {
                links: incident.shortlink.iter().cloned().collect(),
                audience: Some(Audience::Customers),
                ..TimelineEntry::new(
                    *at,
                    TimelineKind::Communication,
                    format!("Postmortem published: {body}").trim().to_string(),
                )
            });
        } else {
            let text = match body.is_empty() {
                true => update.status.clone(),
                false => format!("{}: {body}", update.status),
            };
            // The status page is where it was said: the entry's evidence.
            timeline.push(TimelineEntry {
                links: incident.shortlink.iter().cloned().collect(),
                audience: Some(Audience::Customers),
                ..TimelineEntry::new(*at, TimelineKind::Communication, text)
            });
        }
        let Some(status) = status_of(&update.status) else {
            continue;
        };
        // The reopen rule: a move back below a state forgets when it was reached.
        if status < reached && reached.has_reached(Status::Mitigated) {
            warnings.push(format!(
                "went from {} back to {} at {}: mitigated is the last move to monitoring or beyond",
                state_name(reached),
                update.status,
                at.0.to_rfc3339()
            ));
        }
        for (state, slot) in [
            (Status::Mitigated, &mut mitigated),
            (Status::Resolved, &mut resolved),
        ] {
            if status.has_reached(state) && !reached.has_reached(state) {
                *slot = Some(*at);
            } else if !status.has_reached(state) {
                *slot = None;
            }
        }
        reached = status;
    }
    // An incident without status updates carries its times on itself.
    if final_status.has_reached(Status::Resolved) && resolved.is_none() {
        resolved = optional("resolved_at", &incident.resolved_at)?.or(Some(detected));
    }
    if final_status.has_reached(Status::Mitigated) && mitigated.is_none() {
        mitigated = optional("monitoring_at", &incident.monitoring_at)?.or(resolved);
    }
    if !final_status.has_reached(Status::Mitigated) {
        mitigated = None;
    }
    if !final_status.has_reached(Status::Resolved) {
        resolved = None;
        warnings.push(format!("never resolved: left open as {final_status}"));
    }

    let mut services = Vec::new();
    for component in &incident.components {
        let current = names.get(&component.id).unwrap_or(&component.name);
        if current != &component.name {
            warnings.push(format!(
                "component {} was named {:?} then and is {:?} now: recorded under the new name",
                component.id, component.name, current
            ));
        }
        let mapping = &config.import.statuspage.components;
        let service = mapping
            .get(current)
            .or_else(|| mapping.get(&component.name))
            .unwrap_or(current);
        if config
            .services
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(service))
        {
            warnings.push(format!(
                "component {service:?} is not a service in config.toml: left out (map it in [import.statuspage.components])"
            ));
            continue;
        }
        if !services.contains(service) {
            services.push(service.clone());
        }
    }

    let severity = severity(config, incident.impact.as_deref(), &mut warnings);
    Ok(Record {
        source: Source {
            system: SYSTEM.to_string(),
            id: incident.id.clone(),
            url: incident.shortlink.clone(),
        },
        fields: vec![
            (
                "title",
                FieldValue::Text(Some(incident.name.trim().to_string())),
            ),
            ("severity", FieldValue::Text(Some(severity))),
            ("status", FieldValue::Status(final_status)),
            ("services", FieldValue::List(services)),
            ("times.started", FieldValue::Time(started)),
            ("times.detected", FieldValue::Time(Some(detected))),
            ("times.mitigated", FieldValue::Time(mitigated)),
            ("times.resolved", FieldValue::Time(resolved)),
        ],
        timeline,
        warnings,
    })
}

fn state_name(status: Status) -> &'static str {
    match status {
        Status::Mitigated => "monitoring",
        other => other.as_str(),
    }
}

/// The severity for an impact: `[import.statuspage] impact`, else by rank.
fn severity(config: &Config, impact: Option<&str>, warnings: &mut Vec<String>) -> String {
    let impact = impact.unwrap_or("none");
    if let Some(mapped) = config.import.statuspage.impact.get(impact) {
        return mapped.clone();
    }
    let last = config.severity.len().saturating_sub(1);
    let rank = IMPACTS
        .iter()
        .position(|i| *i == impact)
        .unwrap_or_else(|| {
            warnings.push(format!(
                "unknown impact {impact:?}: taken as the least severe"
            ));
            last
        });
    config
        .severity
        .get(rank.min(last))
        .map(|s| s.name.clone())
        .unwrap_or_default()
}
