//! Reviewing a change to the branch like code: which files changed between two
//! revisions (for `check --base`), and what changed in them field by field, with the
//! check findings on the result (for `review`, the pull-request comment).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::{Finding, Level, check_snapshot};
use crate::diff::{FieldChange, FileKind, diff};
use crate::error::Result;
use crate::merge::toml::identity;
use crate::model::{Action, TimelineEntry};
use crate::store::changes::FileChange;
use crate::store::{Oid, Store, layout};

/// Two revisions to compare: the merge base of BASE and HEAD (what a pull request's
/// diff starts from, so work merged into BASE meanwhile is not shown) and HEAD.
pub struct Range {
    pub base: Option<Oid>,
    pub head: Oid,
    pub changes: Vec<FileChange>,
}

/// `BASE..HEAD` (or `BASE...HEAD`; an empty HEAD is the incident branch). A lone
/// `NAME` is what a pull request from NAME into the incident branch would show:
/// `branch..NAME`, compared from their merge base.
pub fn parse_range<'a>(spec: &'a str, branch: &'a str) -> (&'a str, &'a str) {
    match spec.split_once("...").or_else(|| spec.split_once("..")) {
        Some((base, head)) => (
            if base.is_empty() { "HEAD" } else { base },
            if head.is_empty() { branch } else { head },
        ),
        None => (branch, spec),
    }
}

/// The files changed on `head` since it forked from `base`.
pub fn changed_since(store: &Store, base: &str, head: &str) -> Result<Range> {
    let (base, head) = (store.resolve(base)?, store.resolve(head)?);
    let fork = store.merge_base(base, head)?;
    let tree = |commit: Oid| store.tree_of(commit);
    let changes = store.changed_files(fork.map(tree).transpose()?, Some(tree(head)?))?;
    Ok(Range {
        base: fork,
        head,
        changes,
    })
}

impl Range {
    /// Whether `check --base` judges `path`: it changed in the range, or config.toml
    /// did (every file is checked against the config, so all are judged again).
    pub fn judges(&self, path: &str) -> bool {
        self.touches(path) || self.touches(layout::CONFIG)
    }

    /// Whether `path` (a file, or a directory `check` reports) changed in the range.
    pub fn touches(&self, path: &str) -> bool {
        let dir = format!("{path}/");
        self.changes
            .iter()
            .any(|c| c.path == path || c.path.starts_with(&dir))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

/// Field changes as the review's JSON has them: `old`/`new` as text for values,
/// `added`/`removed` for list items (entries of an array of tables by identity).
fn fields_json<S: serde::Serializer>(
    fields: &[FieldChange],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Field {
        field: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        old: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        new: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        added: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
    }
    serializer.collect_seq(fields.iter().map(|change| {
        let items = |list: &[toml::Value]| list.iter().map(|v| show_item(change, v)).collect();
        Field {
            field: field_name(change),
            old: change.old.as_ref().map(show),
            new: change.new.as_ref().map(show),
            added: items(&change.added),
            removed: items(&change.removed),
        }
    }))
}

/// A field's name in a review: inside an entry other than an action item (a
/// `[[severity]]`), `severity[SEV2].name`; an action item's fields are listed under it.
pub fn field_name(change: &FieldChange) -> String {
    match &change.entry {
        Some(entry) if entry.array != "action" => {
            format!("{}[{}].{}", entry.array, entry.id, change.field)
        }
        _ => change.field.clone(),
    }
}

/// A value as one line of text.
pub fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A list item as one line of text: an entry of an array of tables by its identity.
pub fn show_item(change: &FieldChange, item: &toml::Value) -> String {
    if item.is_table() {
        identity(
            change.field.rsplit('.').next().unwrap_or(&change.field),
            item,
        )
    } else {
        show(item)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct TimelineChanges {
    pub added: Vec<TimelineEntry>,
    pub removed: Vec<TimelineEntry>,
}

#[derive(Debug, Serialize)]
pub struct ActionChange {
    pub id: String,
    pub title: String,
    #[serde(serialize_with = "fields_json")]
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Default, Serialize)]
pub struct ActionChanges {
    pub added: Vec<Action>,
    pub changed: Vec<ActionChange>,
    pub removed: Vec<Action>,
}

#[derive(Debug, Serialize)]
pub struct FileReview {
    pub path: String,
    pub change: ChangeKind,
    #[serde(serialize_with = "fields_json")]
    pub fields: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<TimelineChanges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<ActionChanges>,
}

#[derive(Debug, Serialize)]
pub struct IncidentReview {
    pub id: String,
    pub title: Option<String>,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub postmortem_status: Option<String>,
    pub files: Vec<FileReview>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize)]
pub struct Review {
    pub base: Option<String>,
    pub head: String,
    pub incidents: Vec<IncidentReview>,
    /// Changed files outside incident directories (config.toml, schema/…).
    pub other_files: Vec<FileReview>,
    /// Findings on changed files outside incident directories.
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub warnings: usize,
}

pub fn review(store: &Store, base: &str, head: &str) -> Result<Review> {
    let range = changed_since(store, base, head)?;
    let snapshot = store.snapshot_at(&range.head.to_string())?;
    let only = |path: &str| range.judges(path);
    let findings = check_snapshot(&snapshot, Some(&only))?;
    let mut incidents: BTreeMap<(String, u32, String), IncidentReview> = BTreeMap::new();
    let mut other_files = Vec::new();
    for change in &range.changes {
        let file = file_review(store, change)?;
        match layout::incident_of(&change.path) {
            Some((dir, id)) => {
                let key = sort_key(id);
                let entry = incidents.entry(key).or_insert_with(|| IncidentReview {
                    id: id.to_string(),
                    title: None,
                    severity: None,
                    status: None,
                    postmortem_status: None,
                    files: Vec::new(),
                    findings: Vec::new(),
                });
                let describe = |file: &str| -> Result<Option<toml::Table>> {
                    let path = format!("{dir}/{file}");
                    Ok(snapshot
                        .read(&path)
                        .ok()
                        .flatten()
                        .and_then(|text| toml::from_str::<toml::Table>(&text).ok()))
                };
                if let Some(incident) = describe(layout::INCIDENT_FILE)? {
                    let text = |key: &str| {
                        incident
                            .get(key)
                            .and_then(|v| v.as_str())
                            .map(str::to_string)
                    };
                    entry.title = text("title");
                    entry.severity = text("severity");
                    entry.status = text("status");
                }
                entry.postmortem_status = describe(layout::POSTMORTEM_FILE)?.and_then(|pm| {
                    pm.get("status")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                });
                entry.files.push(file);
            }
            None => other_files.push(file),
        }
    }
    let mut loose = Vec::new();
    for finding in &findings {
        match layout::incident_of(&finding.path)
            .and_then(|(_, id)| incidents.get_mut(&sort_key(id)))
        {
            Some(incident) => incident.findings.push(finding.clone()),
            None => loose.push(finding.clone()),
        }
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    Ok(Review {
        base: range.base.map(|b| b.to_string()),
        head: range.head.to_string(),
        incidents: incidents.into_values().collect(),
        other_files,
        findings: loose,
        errors,
        warnings: findings.len() - errors,
    })
}

/// Incidents in ID order (INC-2 before INC-10).
fn sort_key(id: &str) -> (String, u32, String) {
    match id.parse::<crate::model::IncidentId>() {
        Ok(parsed) => (parsed.prefix, parsed.number, String::new()),
        Err(_) => (String::new(), 0, id.to_string()),
    }
}

fn file_review(store: &Store, change: &FileChange) -> Result<FileReview> {
    let read = |blob: Option<Oid>| -> Result<Option<Option<toml::Table>>> {
        let Some(id) = blob else {
            return Ok(Some(None));
        };
        let blob = store.blob(id, &change.path)?;
        // A file that does not parse has no fields to compare; check reports why.
        Ok(std::str::from_utf8(&blob)
            .ok()
            .and_then(|text| toml::from_str::<toml::Table>(text).ok())
            .map(Some))
    };
    let kind = match (change.old, change.new) {
        (None, _) => ChangeKind::Added,
        (_, None) => ChangeKind::Deleted,
        _ => ChangeKind::Modified,
    };
    let mut review = FileReview {
        path: change.path.clone(),
        change: kind,
        fields: Vec::new(),
        timeline: None,
        actions: None,
    };
    if !change.path.ends_with(".toml") {
        return Ok(review);
    }
    let (Some(old), Some(new)) = (read(change.old)?, read(change.new)?) else {
        return Ok(review);
    };
    let file = FileKind::of(&change.path);
    let mut timeline = TimelineChanges::default();
    let mut actions = ActionChanges::default();
    for field in diff(file, old.as_ref(), new.as_ref()) {
        match (file, field.entry.as_ref(), field.field.as_str()) {
            (FileKind::Incident, None, "timeline") => {
                timeline = TimelineChanges {
                    added: typed(field.added),
                    removed: typed(field.removed),
                };
            }
            (FileKind::Postmortem, None, "action") => {
                actions.added = typed(field.added);
                actions.removed = typed(field.removed);
            }
            (FileKind::Postmortem, Some(entry), _) if entry.array == "action" => {
                match actions.changed.last_mut() {
                    Some(last) if last.id == entry.id => last.fields.push(field),
                    _ => actions.changed.push(ActionChange {
                        id: entry.id.clone(),
                        title: entry.title.clone(),
                        fields: vec![field],
                    }),
                }
            }
            _ => review.fields.push(field),
        }
    }
    if !timeline.added.is_empty() || !timeline.removed.is_empty() {
        review.timeline = Some(timeline);
    }
    if !actions.added.is_empty() || !actions.removed.is_empty() || !actions.changed.is_empty() {
        review.actions = Some(actions);
    }
    Ok(review)
}

/// Entries read into their type; one that does not fit it is `check`'s to report.
fn typed<T: serde::de::DeserializeOwned>(list: Vec<toml::Value>) -> Vec<T> {
    list.into_iter().filter_map(|v| v.try_into().ok()).collect()
}
