//! What a re-import changes: a three-way merge per field of what the import wrote last
//! (the base, [`Known`]), what the branch holds now, and what the source says now. A
//! field the branch still holds as imported takes the source's value; one changed here
//! since is a hand edit, kept and reported. The base comes from the import's own
//! commits (marked with a trailer, and naming the fields they kept) rather than from a
//! copy of the imported values stored in the file: a copy would double every imported
//! field and could be edited by hand along with them, while a commit cannot be.

use std::collections::HashMap;
use std::fmt;

use toml_edit::{DocumentMut, Value};

use crate::error::Result;
use crate::import::Record;
use crate::model::{Incident, Status, TimeKey, TimelineEntry, Timestamp};
use crate::ops::incident::timeline_table;
use crate::store::edit;

/// One field's value, as the source gives it and as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(Option<String>),
    List(Vec<String>),
    Time(Option<Timestamp>),
    Status(Status),
}

impl FieldValue {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(text) => text.as_deref(),
            _ => None,
        }
    }

    pub fn as_time(&self) -> Option<Timestamp> {
        match self {
            FieldValue::Time(t) => *t,
            _ => None,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            FieldValue::Text(t) => t.is_none(),
            FieldValue::List(l) => l.is_empty(),
            FieldValue::Time(t) => t.is_none(),
            FieldValue::Status(_) => false,
        }
    }

    fn to_toml(&self) -> Option<Value> {
        match self {
            FieldValue::Text(t) => t.as_deref().map(edit::string),
            FieldValue::List(l) => Some(edit::string_array(l)),
            FieldValue::Time(t) => t.map(|t| Value::from(t.to_toml())),
            FieldValue::Status(s) => Some(edit::string(s.as_str())),
        }
    }

    /// The value of `key` in `incident`; every key an importer may give is here.
    pub fn of(incident: &Incident, key: &str) -> FieldValue {
        if let Some(name) = key.strip_prefix("times.") {
            let key = TimeKey::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .expect("importers give only keys of [times]");
            return FieldValue::Time(incident.times.get(key));
        }
        let text = |t: &str| FieldValue::Text(Some(t.to_string()));
        match key {
            "title" => text(&incident.title),
            "severity" => text(&incident.severity),
            "status" => FieldValue::Status(incident.status),
            "summary" => FieldValue::Text(incident.summary.clone()),
            "customer_impact" => FieldValue::Text(incident.customer_impact.clone()),
            "commander" => FieldValue::Text(incident.commander.clone()),
            "services" => FieldValue::List(incident.services.clone()),
            "teams" => FieldValue::List(incident.teams.clone()),
            "labels" => FieldValue::List(incident.labels.clone()),
            other => unreachable!("importers give only known keys, not {other}"),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(Some(t)) => write!(f, "{t:?}"),
            FieldValue::List(l) => write!(f, "[{}]", l.join(", ")),
            FieldValue::Time(Some(t)) => write!(f, "{}", t.0.to_rfc3339()),
            FieldValue::Status(s) => write!(f, "{s}"),
            FieldValue::Text(None) | FieldValue::Time(None) => f.write_str("(none)"),
        }
    }
}

/// What the import wrote for one incident, from its commits.
#[derive(Debug, Default)]
pub struct Known {
    /// Each field as the newest import commit that wrote it (rather than keep a hand
    /// edit) left it; a field no commit wrote counts as edited by hand.
    pub fields: HashMap<&'static str, FieldValue>,
    /// Every timeline entry any import commit left: one missing now was deleted by hand.
    pub timeline: Vec<TimelineEntry>,
}

/// The trailer naming a field an import commit kept as edited by hand.
pub const KEPT_TRAILER: &str = "Import-Kept";

impl Known {
    /// From the import's commits for the incident, newest first: (message, file text).
    pub fn from_versions(keys: &[&'static str], versions: &[(String, Incident)]) -> Known {
        let mut known = Known::default();
        for (message, incident) in versions {
            let kept: Vec<&str> = message
                .lines()
                .filter_map(|line| line.strip_prefix(KEPT_TRAILER)?.strip_prefix(": "))
                .collect();
            for key in keys {
                if !kept.contains(key) && !known.fields.contains_key(key) {
                    known.fields.insert(key, FieldValue::of(incident, key));
                }
            }
            for entry in &incident.timeline {
                if !known.timeline.iter().any(|e| same_entry(e, entry)) {
                    known.timeline.push(entry.clone());
                }
            }
        }
        known
    }
}

fn same_entry(a: &TimelineEntry, b: &TimelineEntry) -> bool {
    a.at == b.at && a.kind == b.kind && a.text == b.text
}

/// What the import knows of the incident's past.
#[derive(Clone, Copy)]
pub enum Base<'a> {
    /// Not looked up yet: only an incident whose values differ from the source's needs it.
    NotRead,
    Found(&'a Known),
}

/// The changes one import makes to one incident.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// (key, value now, value to write).
    pub changes: Vec<(&'static str, Option<FieldValue>, FieldValue)>,
    /// (key, value now, the source's value): edited here since the import, kept.
    pub kept: Vec<(&'static str, FieldValue, FieldValue)>,
    pub appended: Vec<TimelineEntry>,
    /// Whether a value differs from the source's while the base was not read.
    unsure: bool,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.appended.is_empty()
    }

    /// Whether [`plan`] should run again with the base.
    pub fn touches_hand_edits(&self) -> bool {
        self.unsure
    }

    pub fn describe_changes(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .changes
            .iter()
            .map(|(key, old, new)| match old {
                Some(old) => format!("{key}: {old} -> {new}"),
                None => format!("{key} = {new}"),
            })
            .collect();
        if !self.appended.is_empty() {
            lines.push(format!("timeline + {} entries", self.appended.len()));
        }
        lines
    }

    pub fn describe_kept(&self) -> Vec<String> {
        self.kept
            .iter()
            .map(|(key, now, source)| {
                format!("{key}: kept {now} (edited since the import; the source says {source})")
            })
            .collect()
    }
}

/// The plan for `record` on `current` (`None`: a new incident).
pub fn plan(record: &Record, current: Option<&Incident>, base: Base<'_>) -> Plan {
    let mut plan = Plan::default();
    let Some(current) = current else {
        plan.changes = record
            .fields
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (*key, None, value.clone()))
            .collect();
        plan.appended = record.timeline.clone();
        return plan;
    };
    for (key, new) in &record.fields {
        let now = FieldValue::of(current, key);
        if &now == new {
            continue;
        }
        match base {
            Base::NotRead => plan.unsure = true,
            Base::Found(base) if base.fields.get(key) == Some(&now) => {
                plan.changes.push((key, Some(now), new.clone()));
            }
            Base::Found(_) => plan.kept.push((key, now, new.clone())),
        }
    }
    for entry in &record.timeline {
        if current.timeline.iter().any(|e| same_entry(e, entry)) {
            continue;
        }
        match base {
            Base::NotRead => plan.unsure = true,
            // Imported before and deleted here since: a hand edit too.
            Base::Found(base) if base.timeline.iter().any(|e| same_entry(e, entry)) => {}
            Base::Found(_) => plan.appended.push(entry.clone()),
        }
    }
    plan
}

/// Writes `plan` into the incident's document, keeping its comments and layout.
pub fn apply(doc: &mut DocumentMut, plan: &Plan) -> Result<()> {
    for (key, _, value) in &plan.changes {
        match key.strip_prefix("times.") {
            Some(name) => edit::set_value(edit::table_mut(doc, "times")?, name, value.to_toml()),
            None => edit::set_value(doc.as_table_mut(), key, value.to_toml()),
        }
    }
    for entry in &plan.appended {
        edit::push_array_table(doc, "timeline", timeline_table(entry))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;

    fn incident(title: &str, status: &str) -> Incident {
        toml::from_str(&format!(
            "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"{title}\"\nseverity = \"SEV2\"\nstatus = \"{status}\"\n"
        ))
        .unwrap()
    }

    fn record(title: &str, status: Status) -> Record {
        Record {
            source: Source {
                system: "test".into(),
                id: "1".into(),
                url: None,
            },
            fields: vec![
                ("title", FieldValue::Text(Some(title.into()))),
                ("status", FieldValue::Status(status)),
            ],
            timeline: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_source_updates_what_was_imported_and_keeps_hand_edits() {
        let imported = incident("Checkout down", "identified");
        let known = Known::from_versions(&["title", "status"], &[(String::new(), imported)]);
        // Title edited here, status as imported; the source moved both on.
        let now = incident("Checkout: card payments fail", "identified");
        let source = record("Checkout is down", Status::Resolved);

        let unsure = plan(&source, Some(&now), Base::NotRead);
        assert!(unsure.touches_hand_edits() && unsure.is_empty());

        let plan = plan(&source, Some(&now), Base::Found(&known));
        assert_eq!(plan.describe_changes(), ["status: identified -> resolved"]);
        assert_eq!(
            plan.describe_kept(),
            [
                r#"title: kept "Checkout: card payments fail" (edited since the import; the source says "Checkout is down")"#
            ]
        );
    }

    #[test]
    fn a_field_an_import_kept_is_known_from_the_commit_before() {
        let first = incident("Checkout down", "identified");
        let second = incident("Edited", "resolved");
        // Newest first: the update kept the hand-edited title.
        let versions = [
            (format!("s\n\n{KEPT_TRAILER}: title\n"), second),
            (String::new(), first),
        ];
        let known = Known::from_versions(&["title", "status"], &versions);
        assert_eq!(
            known.fields["title"],
            FieldValue::Text(Some("Checkout down".into()))
        );
        assert_eq!(known.fields["status"], FieldValue::Status(Status::Resolved));
    }
}
