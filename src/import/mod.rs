//! `git incident import`: incidents from other systems, one commit each, idempotent.
//!
//! An importer turns its input into [`Record`]s — the values it knows for each
//! incident, keyed by its [`Source`] — and hands them to [`run`], which finds the
//! incident already imported from that source (if any), merges, and commits. To add an
//! importer: write a module here with a function `records(input, &Config) ->
//! Result<Vec<Record>>` that maps the source's fields (leaving out of
//! [`Record::fields`] any field the source does not know, so it is never touched),
//! puts every oddity of the data into [`Record::warnings`], and fails with
//! [`Error::invalid`](crate::error::Error::invalid) naming the file and what is wrong
//! before anything is written; then add a subcommand in `cli/import.rs` that calls it
//! and [`run`].

pub mod csv;
pub mod html;
pub mod merge;
pub mod statuspage;

// Pager and chat importers.
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use toml_edit::{DocumentMut, Item, Table};

use crate::check::{self, incident_errors};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Config, Incident, IncidentId, Source, Status, TimelineEntry, Timestamp};
use crate::store::{Change, IncidentEntry, Snapshot, Store, WriteContext, edit, layout};

pub use merge::{Base, FieldValue, Known, Plan};

/// The trailer that marks an import's commits, `Imported-From: statuspage abc123`:
/// how a re-import finds what it wrote last (see [`merge`]).
pub const TRAILER: &str = "Imported-From";

/// One incident as a source describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub source: Source,
    /// The fields the source knows, by their key in incident.toml (`title`,
    /// `times.started`, …); a field left out is never written.
    pub fields: Vec<(&'static str, FieldValue)>,
    /// Timeline entries; an entry already on the incident (same time, kind and text)
    /// or deleted from it by hand since the import is not added again.
    pub timeline: Vec<TimelineEntry>,
    /// What was odd about the data and how it was read, for the user.
    pub warnings: Vec<String>,
}

impl Record {
    pub fn title(&self) -> &str {
        self.field("title")
            .and_then(FieldValue::as_text)
            .unwrap_or("")
    }

    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The time the incident began to be known here: its creation commit's date.
    fn opened_at(&self) -> Option<Timestamp> {
        ["times.detected", "times.started"]
            .iter()
            .find_map(|key| self.field(key).and_then(FieldValue::as_time))
    }

    /// The latest moment the source knows of: an update's commit date.
    fn latest(&self) -> Option<Timestamp> {
        let times = self.fields.iter().filter_map(|(_, v)| v.as_time());
        times.chain(self.timeline.iter().map(|e| e.at)).max()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    /// The branch refused the incident as the import would leave it (a value kept from
    /// a hand edit that the new data contradicts): nothing written for it.
    Refused,
}

/// What happened (or, with `--dry-run`, would happen) to one incident.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The incident's ID here; `null` for one a dry run would create.
    pub id: Option<String>,
    pub action: Action,
    pub source: Source,
    pub title: String,
    /// `field: old -> new`, and `+ N timeline entries`.
    pub changes: Vec<String>,
    /// Fields edited by hand since the import, kept, with what the source says now.
    pub kept: Vec<String>,
    pub warnings: Vec<String>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub incidents: Vec<Outcome>,
}

/// Imports `records` (in the order of their times, so the branch's history reads in
/// order): one commit per created or changed incident, none for an unchanged one.
/// `progress` is called as (done, total).
pub fn run(
    store: &Store,
    mut records: Vec<Record>,
    options: &Options,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report> {
    records.sort_by_key(|r| r.opened_at());
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    for record in &records {
        validate(&config, record)?;
    }
    let known = imported(&snapshot)?;
    let ctx = match options.dry_run {
        true => None,
        false => Some(store.identities()?),
    };
    let mut outcomes = Vec::with_capacity(records.len());
    let total = records.len();
    for (done, record) in records.iter().enumerate() {
        let found = known.get(&(record.source.system.clone(), record.source.id.clone()));
        let outcome = match found {
            None => create(store, ctx.as_ref(), record),
            Some((entry, current)) => update(store, ctx.as_ref(), record, entry, current),
        };
        // One incident the branch cannot hold is reported; the others still come in.
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) if e.kind() == ErrorKind::Invalid => Outcome {
                id: found.map(|(entry, _)| entry.id.to_string()),
                action: Action::Refused,
                source: record.source.clone(),
                title: found
                    .map_or(record.title(), |(_, current)| &current.title)
                    .to_string(),
                changes: Vec::new(),
                kept: Vec::new(),
                warnings: record.warnings.clone(),
                error: Some(e.to_string()),
            },
            Err(e) => return Err(e),
        };
        outcomes.push(outcome);
        progress(done + 1, total);
    }
    if outcomes.iter().any(|o| o.action != Action::Unchanged) && !options.dry_run {
        store.maintain();
    }
    Ok(Report {
        dry_run: options.dry_run,
        incidents: outcomes,
    })
}

/// Refuses, before anything is written, a record whose values the branch cannot hold.
fn validate(config: &Config, record: &Record) -> Result<()> {
    let what = || format!("{} {}", record.source.system, record.source.id);
    if record.title().trim().is_empty() {
        return Err(Error::invalid(format!("{}: the title is empty", what())));
    }
    let Some(severity) = record.field("severity").and_then(FieldValue::as_text) else {
        return Err(Error::invalid(format!("{}: no severity", what())));
    };
    config
        .require_severity(severity)
        .map_err(|e| Error::invalid(format!("{}: {e}", what())))?;
    Ok(())
}

/// The incidents already imported, by (system, id).
fn imported(
    snapshot: &Snapshot<'_>,
) -> Result<HashMap<(String, String), (IncidentEntry, Incident)>> {
    let (entries, _) = snapshot.incident_entries()?;
    let mut known = HashMap::new();
    for entry in entries {
        // A file that does not parse is not one this import wrote last; `check` names it.
        let Ok(loaded) = snapshot.incident(&entry) else {
            continue;
        };
        if let Some(source) = loaded.value.source.clone() {
            known.insert((source.system, source.id), (entry, loaded.value));
        }
    }
    Ok(known)
}

fn subject(record: &Record, what: &str) -> String {
    format!(
        "import: {} {} {:?}{what}",
        record.source.system,
        record.source.id,
        record.title()
    )
}

/// The identities dated `at`; a record without any time keeps the writer's own dates.
fn dated(ctx: &WriteContext, at: Option<Timestamp>) -> WriteContext {
    match at {
        Some(at) => ctx.dated(at.0),
        None => WriteContext {
            author: ctx.author.clone(),
            committer: ctx.committer.clone(),
        },
    }
}

fn create(store: &Store, ctx: Option<&WriteContext>, record: &Record) -> Result<Outcome> {
    let plan = merge::plan(record, None, Base::NotRead);
    let mut outcome = Outcome {
        id: None,
        action: Action::Created,
        source: record.source.clone(),
        title: record.title().to_string(),
        changes: plan.describe_changes(),
        kept: Vec::new(),
        warnings: record.warnings.clone(),
        error: None,
    };
    let Some(ctx) = ctx else {
        return Ok(outcome);
    };
    let ctx = dated(ctx, record.opened_at());
    let uid = uuid::Uuid::new_v4().to_string();
    let written = store.write_as(&ctx, |snapshot, ctx| {
        let config = snapshot.config()?;
        let id = snapshot.next_id(&config.id_prefix)?;
        let year = year_of(record.opened_at().map_or(ctx.committer.time, |t| t.0));
        let entry = IncidentEntry {
            id: id.clone(),
            year,
            dir: layout::incident_dir(year, &id),
            tree: crate::store::Oid::ZERO_SHA1,
        };
        let mut doc = skeleton(&id, &uid, record)?;
        merge::apply(&mut doc, &plan)?;
        let text = doc.to_string();
        check::refuse_new_errors(
            "incident",
            Vec::new,
            &incident_errors(&config, &entry, &text),
        )?;
        let change = Change::new(subject(record, ""))
            .put(entry.incident_path(), text)
            .trailer("Incident", id.to_string())
            .trailer(TRAILER, source_key(&record.source));
        Ok((change, id))
    })?;
    outcome.id = Some(written.value.to_string());
    Ok(outcome)
}

fn update(
    store: &Store,
    ctx: Option<&WriteContext>,
    record: &Record,
    entry: &IncidentEntry,
    current: &Incident,
) -> Result<Outcome> {
    let mut plan = merge::plan(record, Some(current), Base::NotRead);
    if plan.touches_hand_edits() {
        // Only now is what the import wrote last needed: the fields that differ from
        // the source may be hand edits (kept) or the source's older values (updated).
        let known = last_imported(store, entry, record)?;
        plan = merge::plan(record, Some(current), Base::Found(&known));
    }
    let mut outcome = Outcome {
        id: Some(entry.id.to_string()),
        action: Action::Unchanged,
        source: record.source.clone(),
        title: current.title.clone(),
        changes: plan.describe_changes(),
        kept: plan.describe_kept(),
        warnings: record.warnings.clone(),
        error: None,
    };
    if plan.is_empty() {
        return Ok(outcome);
    }
    outcome.action = Action::Updated;
    let Some(ctx) = ctx else {
        return Ok(outcome);
    };
    let ctx = dated(ctx, record.latest());
    let path = entry.incident_path();
    store.write_as(&ctx, |snapshot, _| {
        let config = snapshot.config()?;
        let located = snapshot.require(&entry.id)?;
        let before = snapshot
            .read_in(&located, layout::INCIDENT_FILE)?
            .ok_or_else(|| Error::not_found(format!("{path} is missing")))?;
        let mut doc = edit::parse_mut(&path, &before)?;
        merge::apply(&mut doc, &plan)?;
        let text = doc.to_string();
        check::refuse_new_errors(
            "incident",
            || incident_errors(&config, &located, &before),
            &incident_errors(&config, &located, &text),
        )?;
        let mut change = Change::new(subject(record, " (update)"))
            .put(path.clone(), text)
            .trailer("Incident", entry.id.to_string())
            .trailer(TRAILER, source_key(&record.source));
        for (key, _, _) in &plan.kept {
            change = change.trailer(merge::KEPT_TRAILER, *key);
        }
        Ok((change, ()))
    })?;
    Ok(outcome)
}

/// What the import wrote for the incident, from its commits. With none (imported
/// before the branch was rewritten, say) every difference from the source counts as
/// a hand edit and is kept.
fn last_imported(store: &Store, entry: &IncidentEntry, record: &Record) -> Result<Known> {
    let path = entry.incident_path();
    let mut versions = Vec::new();
    for (message, text) in store.marked_versions(&path, TRAILER, &source_key(&record.source))? {
        // A version that does not parse tells nothing of what was imported.
        if let Some(incident) =
            text.and_then(|t| crate::store::codec::parse::<Incident>(&path, &t).ok())
        {
            versions.push((message, incident));
        }
    }
    let keys: Vec<&'static str> = record.fields.iter().map(|(key, _)| *key).collect();
    Ok(Known::from_versions(&keys, &versions))
}

/// An export file's items: the array under `key` in the object an API returns, or a
/// bare array; `expected` says what the file should have been, for the error.
fn export_items(
    path: &std::path::Path,
    key: &str,
    expected: &str,
) -> Result<(String, serde_json::Value)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid(format!("could not read {name}: {e}")))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(format!("{name}: not valid JSON: {e}")))?;
    let items = match json {
        serde_json::Value::Object(mut page) => page.remove(key).ok_or_else(|| {
            Error::invalid(format!("{name}: no \"{key}\" array: expected {expected}"))
        })?,
        array => array,
    };
    Ok((name, items))
}

fn source_key(source: &Source) -> String {
    format!("{} {}", source.system, source.id)
}

fn year_of(at: DateTime<FixedOffset>) -> i32 {
    at.format("%Y")
        .to_string()
        .parse()
        .expect("a year is a number")
}

/// A new incident.toml with what every incident has; the record's fields go on top.
fn skeleton(id: &IncidentId, uid: &str, record: &Record) -> Result<DocumentMut> {
    let incident = Incident {
        schema_version: crate::model::incident::SCHEMA_VERSION,
        id: id.to_string(),
        uid: uid.to_string(),
        title: record.title().to_string(),
        severity: String::new(),
        status: Status::Investigating,
        summary: None,
        customer_impact: None,
        services: Vec::new(),
        teams: Vec::new(),
        labels: Vec::new(),
        commander: None,
        roles: Default::default(),
        detection: None,
        drill: false,
        related: Vec::new(),
        changes: Default::default(),
        times: Default::default(),
        task: Vec::new(),
        timeline: Vec::new(),
        source: None,
    };
    let text = crate::ops::incident::new_incident_text(&incident);
    let mut doc = edit::parse_mut(layout::INCIDENT_FILE, &text)?;
    let mut source = Table::new();
    source.insert("system", Item::Value(edit::string(&record.source.system)));
    source.insert("id", Item::Value(edit::string(&record.source.id)));
    if let Some(url) = &record.source.url {
        source.insert("url", Item::Value(edit::string(url)));
    }
    doc.insert("source", Item::Table(source));
    Ok(doc)
}

/// A query value with the characters a URL gives meaning to escaped.
pub(crate) fn query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
