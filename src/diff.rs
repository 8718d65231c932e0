//! One structural diff of two versions of an incident or postmortem file: what
//! `review`, `log` and `edit` report as changed. Fields come in the file's template
//! order; tables are compared key by key; lists are sets (a pure reordering shows only
//! for an ordered list, the 5 Whys); timeline entries and action items are matched by
//! the identity the merge uses. A field empty on both sides is not a change.

use std::collections::HashSet;

use toml::{Table, Value};

use crate::merge::toml::identity;
use crate::store::layout;

/// Which file two versions are of: it decides the order fields are listed in and
/// which arrays of tables are matched by identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Incident,
    Postmortem,
    Other,
}

impl FileKind {
    /// By the file's name (the last part of `path`).
    pub fn of(path: &str) -> FileKind {
        match path.rsplit('/').next() {
            Some(layout::INCIDENT_FILE) => FileKind::Incident,
            Some(layout::POSTMORTEM_FILE) => FileKind::Postmortem,
            _ => FileKind::Other,
        }
    }
}

/// The entry of an array of tables a field change is inside: an action item (or a
/// `[[severity]]` of config.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    /// The array's key: `action`.
    pub array: String,
    /// The entry's identity: an action item's `id`.
    pub id: String,
    /// Its title in the newer version.
    pub title: String,
}

/// One field's change. A value changed (or set, or unset) has `old`/`new`; a list has
/// the items `added` and `removed` (timeline entries and action items whole), or
/// `old`/`new` when an ordered list was only reordered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldChange {
    /// Dotted key from the top of the file (`times.mitigated`, `root_cause.whys`), or
    /// from the top of the entry when `entry` is set (`owner` of an action item).
    pub field: String,
    pub entry: Option<EntryRef>,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
}

impl FieldChange {
    /// Items added to or removed from a list, rather than a value replaced.
    pub fn is_list(&self) -> bool {
        !self.added.is_empty() || !self.removed.is_empty()
    }

    /// The top-level key of the file this change is under.
    pub fn top_key(&self) -> &str {
        let field = self.entry.as_ref().map_or(&self.field, |e| &e.array);
        field.split('.').next().unwrap_or(field)
    }
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
    "services",
    "teams",
    "labels",
    "commander",
    "roles",
    "detection",
    "drill",
    "related",
    "changes",
    "times",
    "timeline",
];

/// An action item's keys as `action add` writes them.
const ACTION_ORDER: &[&str] = &[
    "id", "title", "kind", "owner", "due", "status", "done_at", "done_by", "link", "notes",
];

/// Lists whose order is part of what was written: a reordering is a change.
const ORDERED_LISTS: &[&str] = &["root_cause.whys"];

/// Bookkeeping a reader does not need to see when a file is created.
const QUIET_ON_CREATE: &[&str] = &["schema_version", "uid", "id", "incident"];

/// The order keys are listed in at `path` (a dotted table path; `action` inside an
/// action item); keys not named follow, alphabetically.
fn key_order(kind: FileKind, path: &str) -> &'static [&'static str] {
    match (kind, path) {
        (FileKind::Incident, "") => INCIDENT_ORDER,
        (FileKind::Postmortem, "") => &crate::model::postmortem::KEY_ORDER,
        (FileKind::Incident, "times") => &crate::model::TimeKey::NAMES,
        (FileKind::Incident, "changes") => &["caused_by", "fixed_by"],
        (FileKind::Postmortem, "root_cause") => &["whys", "statement"],
        (FileKind::Postmortem, "kpt") => &["keep", "problem", "try"],
        (FileKind::Postmortem, "action") => ACTION_ORDER,
        _ => &[],
    }
}

/// Field changes from `old` to `new` (`None`: the file is absent, so every field is
/// set or unset). On a new file, bookkeeping keys (`schema_version`, `uid`, `id`,
/// `incident`) are left out.
pub fn diff(kind: FileKind, old: Option<&Table>, new: Option<&Table>) -> Vec<FieldChange> {
    let empty = Table::new();
    let mut differ = Differ {
        kind,
        out: Vec::new(),
    };
    differ.tables("", "", None, old.unwrap_or(&empty), new.unwrap_or(&empty));
    if old.is_none() {
        differ
            .out
            .retain(|c| c.entry.is_some() || !QUIET_ON_CREATE.contains(&c.field.as_str()));
    }
    differ.out
}

/// [`diff`] of two texts (`None`: the file is absent); `None` when a version does not
/// parse, which has no fields to compare.
pub fn diff_texts(
    kind: FileKind,
    old: Option<&str>,
    new: Option<&str>,
) -> Option<Vec<FieldChange>> {
    let parse = |text: Option<&str>| -> Option<Option<Table>> {
        match text {
            None => Some(None),
            Some(text) => text.parse::<Table>().ok().map(Some),
        }
    };
    let (old, new) = (parse(old)?, parse(new)?);
    Some(diff(kind, old.as_ref(), new.as_ref()))
}

/// Nothing written: missing, a blank string or an empty list. A template field left
/// untouched is empty before and after, which is not a change.
pub fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

struct Differ {
    kind: FileKind,
    out: Vec<FieldChange>,
}

impl Differ {
    /// `path` names the field (relative to the action item inside one); `scope` is the
    /// table's place in the file, for its key order.
    fn tables(
        &mut self,
        path: &str,
        scope: &str,
        entry: Option<&EntryRef>,
        old: &Table,
        new: &Table,
    ) {
        let order = key_order(self.kind, scope);
        let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
        keys.sort_by_key(|k| {
            (
                order.iter().position(|o| o == k).unwrap_or(order.len()),
                k.as_str(),
            )
        });
        keys.dedup();
        for key in keys {
            let field = join(path, key);
            let scope = join(scope, key);
            self.values(&field, &scope, entry, old.get(key), new.get(key));
        }
    }

    fn values(
        &mut self,
        field: &str,
        scope: &str,
        entry: Option<&EntryRef>,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        if old == new || (is_empty(old) && is_empty(new)) {
            return;
        }
        let empty = Table::new();
        if let (Some(a), Some(b)) = (as_table(old, &empty), as_table(new, &empty)) {
            return self.tables(field, scope, entry, a, b);
        }
        if let (Some(a), Some(b)) = (as_list(old), as_list(new)) {
            if a.iter().chain(b).any(Value::is_table) {
                return self.entries(field, scope, entry, a, b);
            }
            return self.list(field, scope, entry, (old, a), (new, b));
        }
        self.out.push(FieldChange {
            field: field.to_string(),
            entry: entry.cloned(),
            old: old.cloned(),
            new: new.cloned(),
            ..FieldChange::default()
        });
    }

    /// A list of values is a set: the items added and removed. Only an ordered list
    /// shows a change of order alone, as its old and new values.
    fn list(
        &mut self,
        field: &str,
        scope: &str,
        entry: Option<&EntryRef>,
        (old, old_items): (Option<&Value>, &[Value]),
        (new, new_items): (Option<&Value>, &[Value]),
    ) {
        let added = only_in(new_items, old_items);
        let removed = only_in(old_items, new_items);
        let change = FieldChange {
            field: field.to_string(),
            entry: entry.cloned(),
            ..FieldChange::default()
        };
        if !added.is_empty() || !removed.is_empty() {
            self.out.push(FieldChange {
                added,
                removed,
                ..change
            });
        } else if ORDERED_LISTS.contains(&scope) && old_items != new_items {
            self.out.push(FieldChange {
                old: old.cloned(),
                new: new.cloned(),
                ..change
            });
        }
    }

    /// Entries of an array of tables, a set too. An entry in one version but not the
    /// other is paired by the identity the merge uses with one that went the other
    /// way: a paired action item shows its changed fields; any other entry (a
    /// corrected timeline fact included) shows as its old and new versions.
    fn entries(
        &mut self,
        field: &str,
        scope: &str,
        entry: Option<&EntryRef>,
        old: &[Value],
        new: &[Value],
    ) {
        let name = field.rsplit('.').next().unwrap_or(field);
        let mut removed = only_in(old, new);
        let mut added = Vec::new();
        let mut paired = Vec::new();
        // Timeline entries are matched by identity too (their time and text), but a
        // corrected fact reads best as its two versions, not field by field.
        let field_by_field = matches!(
            (self.kind, scope),
            (FileKind::Postmortem, "action") | (FileKind::Other, "severity")
        );
        for item in only_in(new, old) {
            let id = identity(name, &item);
            let partner = removed
                .iter()
                .position(|o| o.is_table() && identity(name, o) == id);
            match partner {
                Some(i) if field_by_field && item.is_table() => {
                    paired.push((removed.remove(i), item));
                }
                _ => added.push(item),
            }
        }
        for (before, after) in paired {
            let text = |key: &str| match after.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let item = EntryRef {
                array: field.to_string(),
                id: identity(name, &after),
                title: text("title"),
            };
            let empty = Table::new();
            let table = |v: &Value| v.as_table().cloned().unwrap_or_else(|| empty.clone());
            self.tables("", scope, Some(&item), &table(&before), &table(&after));
        }
        if !added.is_empty() || !removed.is_empty() {
            self.out.push(FieldChange {
                field: field.to_string(),
                entry: entry.cloned(),
                added,
                removed,
                ..FieldChange::default()
            });
        }
    }
}

/// A table, or the empty one for a missing key; `None` for another value.
fn as_table<'a>(value: Option<&'a Value>, empty: &'a Table) -> Option<&'a Table> {
    value.map_or(Some(empty), Value::as_table)
}

/// A list, or the empty one for a missing key; `None` for another value.
fn as_list(value: Option<&Value>) -> Option<&[Value]> {
    value.map_or(Some(&[]), |v| v.as_array().map(Vec::as_slice))
}

/// Items of `list` not in `other`, each once, in `list`'s order.
fn only_in(list: &[Value], other: &[Value]) -> Vec<Value> {
    // Linear, as a timeline may hold thousands of entries: a commit usually appends or
    // removes a few, so the shared head and tail are skipped by plain equality and the
    // rest is matched through a set of keys.
    let head = list.iter().zip(other).take_while(|(a, b)| a == b).count();
    let tail = list[head..]
        .iter()
        .rev()
        .zip(other[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let middle = &list[head..list.len() - tail];
    if middle.is_empty() {
        return Vec::new();
    }
    let others: HashSet<String> = other.iter().map(key).collect();
    let mut seen = HashSet::new();
    middle
        .iter()
        .filter(|item| {
            let key = key(item);
            !others.contains(&key) && seen.insert(key)
        })
        .cloned()
        .collect()
}

/// An item as a string to hash; entries without their empty fields, since an entry
/// that differs only in a field empty on one side and missing on the other (`links =
/// []`) is no change.
fn key(value: &Value) -> String {
    match value {
        Value::Table(_) => written(value).to_string(),
        other => other.to_string(),
    }
}

/// A value without its empty fields, at any depth.
fn written(value: &Value) -> Value {
    match value {
        Value::Table(table) => Value::Table(
            table
                .iter()
                .filter(|(_, v)| !is_empty(Some(v)))
                .map(|(k, v)| (k.clone(), written(v)))
                .filter(|(_, v)| v.as_table().is_none_or(|t| !t.is_empty()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
