//! Opsgenie: alerts or incidents as the REST API lists them (`{"data": […]}` or a bare
//! array). impactStartDate -> started, createdAt -> detected, the report's ack and
//! close durations -> acknowledged and resolved, priority -> severity, the
//! acknowledger (else the owner) -> commander, incident timeline entries -> notes.

use std::path::Path;

use chrono::{DateTime, Duration};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::import::{FieldValue, Record, pagerduty};
use crate::model::{Config, Source, Status, TimelineEntry, TimelineKind, Timestamp};

pub const SYSTEM: &str = "opsgenie";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alert {
    id: String,
    #[serde(default)]
    tiny_id: Option<String>,
    message: String,
    #[serde(default)]
    priority: Option<String>,
    created_at: String,
    #[serde(default)]
    impact_start_date: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    report: Option<Report>,
    #[serde(default)]
    timeline: Vec<Entry>,
}

/// An incident timeline entry, as `GET /v2/incident-timelines/{id}/entries` gives it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    event_time: String,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    title: Option<Content>,
    #[serde(default)]
    description: Option<Content>,
    #[serde(default)]
    actor: Option<Actor>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(default)]
    content: String,
}

#[derive(Debug, Deserialize)]
struct Actor {
    #[serde(default)]
    name: Option<String>,
}

/// How long after creation the alert was acknowledged and closed, in milliseconds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    #[serde(default)]
    ack_time: Option<i64>,
    #[serde(default)]
    close_time: Option<i64>,
    #[serde(default)]
    acknowledged_by: Option<String>,
}

/// Reads an export file.
pub fn from_file(path: &Path, config: &Config) -> Result<Vec<Record>> {
    let (name, alerts) = super::export_items(path, "data", "what GET /v2/alerts returns")?;
    let alerts: Vec<Alert> = serde_json::from_value(alerts)
        .map_err(|e| Error::invalid(format!("{name}: not Opsgenie alerts: {e}")))?;
    alerts
        .into_iter()
        .map(|alert| record(&name, alert, config))
        .collect()
}

fn record(origin: &str, alert: Alert, config: &Config) -> Result<Record> {
    let zone = config.zone()?;
    let what = format!(
        "{origin}: alert {}",
        alert.tiny_id.as_deref().unwrap_or(&alert.id)
    );
    let parse = |field: &str, value: &str| -> Result<DateTime<chrono::FixedOffset>> {
        DateTime::parse_from_rfc3339(value).map_err(|_| {
            Error::invalid(format!("{what}: {field} {value:?} is not an RFC 3339 time"))
        })
    };
    let stamp = |field: &str, at: DateTime<chrono::FixedOffset>| -> Result<Timestamp> {
        Timestamp::new(zone.convert(at))
            .ok_or_else(|| Error::invalid(format!("{what}: {field} is out of range")))
    };
    let mut warnings = Vec::new();
    let created = parse("createdAt", &alert.created_at)?;
    let detected = stamp("createdAt", created)?;
    let started = match &alert.impact_start_date {
        Some(at) => Some(stamp("impactStartDate", parse("impactStartDate", at)?)?),
        None => None,
    };
    let report = alert.report.as_ref();
    let after = |field: &str, ms: Option<i64>| -> Result<Option<Timestamp>> {
        match ms {
            Some(ms) if ms < 0 => Err(Error::invalid(format!(
                "{what}: report.{field} {ms} is negative"
            ))),
            Some(ms) => Ok(Some(stamp(field, created + Duration::milliseconds(ms))?)),
            None => Ok(None),
        }
    };
    let acknowledged = after("ackTime", report.and_then(|r| r.ack_time))?;
    let closed = after("closeTime", report.and_then(|r| r.close_time))?;
    let status = match alert.status.as_deref() {
        Some("closed" | "resolved") => Status::Resolved,
        Some("open") | None => Status::Investigating,
        Some(other) => {
            warnings.push(format!("unknown status {other:?}: taken as open"));
            Status::Investigating
        }
    };
    let resolved = match (status, closed) {
        (Status::Resolved, Some(at)) => Some(at),
        (Status::Resolved, None) => {
            warnings.push("closed, but no closeTime says when: taken as created".to_string());
            Some(detected)
        }
        _ => None,
    };
    // Opsgenie names people by their email.
    let person = |who: &str| {
        let email = if who.contains('@') { who } else { "" };
        config.handle_of(who, email).unwrap_or(who).to_string()
    };
    let commander = report
        .and_then(|r| r.acknowledged_by.clone())
        .or(alert.owner.clone())
        .filter(|who| !who.trim().is_empty())
        .map(|who| person(&who));
    let mut timeline = Vec::new();
    for entry in alert.timeline.iter().filter(|e| !e.hidden) {
        let at = stamp("eventTime", parse("eventTime", &entry.event_time)?)?;
        let parts: Vec<&str> = [&entry.title, &entry.description]
            .into_iter()
            .flatten()
            .map(|c| c.content.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if parts.is_empty() {
            continue;
        }
        timeline.push(TimelineEntry {
            author: entry
                .actor
                .as_ref()
                .and_then(|a| a.name.as_deref())
                .map(person),
            ..TimelineEntry::new(at, TimelineKind::Note, parts.join(": "))
        });
    }
    let priority = alert.priority.as_deref().unwrap_or("P3");
    let severity = pagerduty::severity(
        config,
        &config.import.opsgenie.priority,
        priority,
        &mut warnings,
    );
    Ok(Record {
        source: Source {
            system: SYSTEM.to_string(),
            id: alert.id.clone(),
            url: None,
        },
        fields: vec![
            (
                "title",
                FieldValue::Text(Some(alert.message.trim().to_string())),
            ),
            ("severity", FieldValue::Text(Some(severity))),
            ("status", FieldValue::Status(status)),
            ("commander", FieldValue::Text(commander)),
            ("times.started", FieldValue::Time(started)),
            ("times.detected", FieldValue::Time(Some(detected))),
            ("times.acknowledged", FieldValue::Time(acknowledged)),
            ("times.resolved", FieldValue::Time(resolved)),
        ],
        timeline,
        warnings,
    })
}
