//! Reviewing a change to the branch like code: which files changed between two
//! revisions (for `check --base`), and what changed in them field by field, with the
//! check findings on the result (for `review`, the pull-request comment).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::{Finding, Level, check_snapshot};
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

/// One field's change: `old`/`new` for values, `added`/`removed` for list items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
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
    let read = |blob: Option<Oid>| -> Result<Option<toml::Table>> {
        let Some(id) = blob else {
            return Ok(Some(toml::Table::new()));
        };
        let blob = store.blob(id, &change.path)?;
        // A file that does not parse has no fields to compare; check reports why.
        Ok(std::str::from_utf8(&blob)
            .ok()
            .and_then(|text| toml::from_str::<toml::Table>(text).ok()))
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
    let name = change.path.rsplit('/').next().unwrap_or_default();
    let special: &[&str] = match name {
        layout::INCIDENT_FILE => &["timeline"],
        layout::POSTMORTEM_FILE => &["action"],
        _ => &[],
    };
    diff_tables("", &old, &new, special, &mut review.fields);
    in_file_order(name, &mut review.fields);
    if kind == ChangeKind::Added {
        // Every file starts with it; listing it on a new file is noise.
        review.fields.retain(|f| f.field != "schema_version");
    }
    let entries = |table: &toml::Table, key: &str| -> Vec<toml::Value> {
        table
            .get(key)
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    };
    if special.contains(&"timeline") {
        let (old_entries, new_entries) = (entries(&old, "timeline"), entries(&new, "timeline"));
        let (mut added, mut removed, changed) =
            diff_entries("timeline", &old_entries, &new_entries);
        // A fact whose kind or links were corrected shows as its old and new versions.
        for (entry, _) in changed {
            let id = identity("timeline", &entry);
            removed.extend(
                old_entries
                    .iter()
                    .filter(|old| identity("timeline", old) == id)
                    .cloned(),
            );
            added.push(entry);
        }
        let typed =
            |list: Vec<toml::Value>| list.into_iter().filter_map(|v| v.try_into().ok()).collect();
        let changes = TimelineChanges {
            added: typed(added),
            removed: typed(removed),
        };
        if !changes.added.is_empty() || !changes.removed.is_empty() {
            review.timeline = Some(changes);
        }
    }
    if special.contains(&"action") {
        let (added, removed, changed) =
            diff_entries("action", &entries(&old, "action"), &entries(&new, "action"));
        let typed =
            |list: Vec<toml::Value>| list.into_iter().filter_map(|v| v.try_into().ok()).collect();
        let changes = ActionChanges {
            added: typed(added),
            removed: typed(removed),
            changed: changed
                .into_iter()
                .map(|(entry, mut fields)| {
                    in_order(ACTION_ORDER, &mut fields);
                    ActionChange {
                        id: text_of(&entry, "id"),
                        title: text_of(&entry, "title"),
                        fields,
                    }
                })
                .collect(),
        };
        if !changes.added.is_empty() || !changes.removed.is_empty() || !changes.changed.is_empty() {
            review.actions = Some(changes);
        }
    }
    Ok(review)
}

/// incident.toml's keys as the tool lays the file out.
const INCIDENT_ORDER: &[&str] = &[
    "schema_version",
    "id",
    "uid",
    "title",
    "severity",
    "status",
    "summary",
    "customer_impact",
    "commander",
    "services",
    "teams",
    "labels",
    "roles",
    "detection",
    "drill",
    "related",
    "changes",
    "caused_by",
    "fixed_by",
    "times",
    "started",
    "detected",
    "acknowledged",
    "mitigated",
    "resolved",
    "closed",
];

/// An action item's keys as `action add` writes them.
const ACTION_ORDER: &[&str] = &[
    "id", "title", "kind", "owner", "due", "status", "done_at", "link", "notes",
];

/// Nested keys of the postmortem's tables, in the template's order.
const POSTMORTEM_NESTED_ORDER: &[&str] = &["whys", "statement", "keep", "problem", "try"];

/// Field changes in the order the file lays the fields out (the template's order for a
/// postmortem: summary, impact, trigger, detection, response, root cause…), which is
/// how a reader reads the file, rather than alphabetical.
fn in_file_order(file: &str, fields: &mut [FieldChange]) {
    match file {
        layout::INCIDENT_FILE => in_order(INCIDENT_ORDER, fields),
        layout::POSTMORTEM_FILE => {
            let order: Vec<&str> = crate::ops::postmortem::ORDER
                .iter()
                .chain(POSTMORTEM_NESTED_ORDER)
                .copied()
                .collect();
            in_order(&order, fields)
        }
        _ => {}
    }
}

/// Sorts dotted field names by the rank of each part in `order`; unknown keys go after
/// the known ones, in the order they came.
fn in_order(order: &[&str], fields: &mut [FieldChange]) {
    let rank = |field: &str| -> Vec<usize> {
        field
            .split('.')
            .map(|part| {
                let key = part.split('[').next().unwrap_or(part);
                order.iter().position(|k| *k == key).unwrap_or(order.len())
            })
            .collect()
    };
    fields.sort_by_cached_key(|f| rank(&f.field));
}

/// Nothing written: missing, a blank string or an empty list. A template field left
/// untouched is empty before and after, which is not a change.
fn is_empty(value: Option<&toml::Value>) -> bool {
    match value {
        None => true,
        Some(toml::Value::String(s)) => s.trim().is_empty(),
        Some(toml::Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

fn text_of(value: &toml::Value, key: &str) -> String {
    value.get(key).map(show).unwrap_or_default()
}

fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Field-by-field differences; `skip` names top-level arrays reported separately.
fn diff_tables(
    prefix: &str,
    old: &toml::Table,
    new: &toml::Table,
    skip: &[&str],
    out: &mut Vec<FieldChange>,
) {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    let order: Vec<&String> = new.keys().chain(old.keys()).collect();
    keys.sort_by_key(|k| order.iter().position(|o| o == k));
    keys.dedup();
    for key in keys {
        if prefix.is_empty() && skip.contains(&key.as_str()) {
            continue;
        }
        let field = join(prefix, key);
        diff_values(&field, old.get(key), new.get(key), out);
    }
}

fn diff_values(
    field: &str,
    old: Option<&toml::Value>,
    new: Option<&toml::Value>,
    out: &mut Vec<FieldChange>,
) {
    if old == new || (is_empty(old) && is_empty(new)) {
        return;
    }
    let empty_table = toml::Table::new();
    let is_table = |v: Option<&toml::Value>| v.is_none_or(toml::Value::is_table);
    let is_array = |v: Option<&toml::Value>| v.is_none_or(toml::Value::is_array);
    if is_table(old) && is_table(new) {
        let table = |v: Option<&toml::Value>| {
            v.and_then(toml::Value::as_table)
                .cloned()
                .unwrap_or_else(|| empty_table.clone())
        };
        diff_tables(field, &table(old), &table(new), &[], out);
        return;
    }
    if is_array(old) && is_array(new) {
        let list = |v: Option<&toml::Value>| {
            v.and_then(toml::Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (old_list, new_list) = (list(old), list(new));
        if old_list.iter().chain(&new_list).any(toml::Value::is_table) {
            let name = field.rsplit('.').next().unwrap_or(field);
            let (added, removed, changed) = diff_entries(name, &old_list, &new_list);
            if !added.is_empty() || !removed.is_empty() {
                out.push(FieldChange {
                    field: field.to_string(),
                    added: added.iter().map(|v| identity(name, v)).collect(),
                    removed: removed.iter().map(|v| identity(name, v)).collect(),
                    ..FieldChange::default()
                });
            }
            for (entry, fields) in changed {
                let label = identity(name, &entry);
                out.extend(fields.into_iter().map(|mut f| {
                    f.field = format!("{field}[{label}].{}", f.field);
                    f
                }));
            }
            return;
        }
        let added: Vec<String> = new_list
            .iter()
            .filter(|v| !old_list.contains(v))
            .map(show)
            .collect();
        let removed: Vec<String> = old_list
            .iter()
            .filter(|v| !new_list.contains(v))
            .map(show)
            .collect();
        if added.is_empty() && removed.is_empty() {
            // Same items, new order: an ordered list such as the 5 Whys.
            out.push(FieldChange {
                field: field.to_string(),
                old: old.map(show),
                new: new.map(show),
                ..FieldChange::default()
            });
        } else {
            out.push(FieldChange {
                field: field.to_string(),
                added,
                removed,
                ..FieldChange::default()
            });
        }
        return;
    }
    out.push(FieldChange {
        field: field.to_string(),
        old: old.map(show),
        new: new.map(show),
        ..FieldChange::default()
    });
}

type EntryDiff = (
    Vec<toml::Value>,
    Vec<toml::Value>,
    Vec<(toml::Value, Vec<FieldChange>)>,
);

/// Entries of an array of tables matched by identity: added, removed, and changed
/// (with their field changes).
fn diff_entries(name: &str, old: &[toml::Value], new: &[toml::Value]) -> EntryDiff {
    let find =
        |list: &[toml::Value], id: &str| list.iter().find(|v| identity(name, v) == id).cloned();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for entry in new {
        match find(old, &identity(name, entry)) {
            None => added.push(entry.clone()),
            Some(before) if &before != entry => {
                let mut fields = Vec::new();
                let empty = toml::Table::new();
                diff_tables(
                    "",
                    before.as_table().unwrap_or(&empty),
                    entry.as_table().unwrap_or(&empty),
                    &[],
                    &mut fields,
                );
                changed.push((entry.clone(), fields));
            }
            Some(_) => {}
        }
    }
    let removed = old
        .iter()
        .filter(|entry| find(new, &identity(name, entry)).is_none())
        .cloned()
        .collect();
    (added, removed, changed)
}
