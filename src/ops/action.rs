//! Action items: the follow-ups of a postmortem, each `<incident>.A<n>`, listed and
//! tracked across every incident until done.

use chrono::NaiveDate;
use toml_edit::{Item, Table, Value};

use crate::error::{Error, Result};
use crate::history::Index;
use crate::history::code::close_action;
use crate::history::facts::filed_action;
use crate::metrics::ActionFacts;
use crate::model::Zone;
use crate::model::trailer::Closures;
use crate::model::{
    Action, ActionId, ActionKind, ActionStatus, IncidentId, Postmortem, next_action_number,
};
use crate::ops::incident::short;
use crate::ops::postmortem::{PostmortemEdit, update};
use crate::store::edit::{self, Assignment, FieldType};
use crate::store::{Store, Written};

pub struct NewAction {
    pub title: String,
    pub kind: ActionKind,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub link: Option<String>,
}

/// Numbers are never reused: the next one is one past the highest in the file, done and
/// wont_do items included. (An item deleted by hand frees its number; the history is
/// not searched for it.)
fn next_number(pm: &Postmortem, incident: &IncidentId) -> Result<u32> {
    let highest = pm
        .action
        .iter()
        .filter_map(|a| ActionId::parse_with_prefix(&a.id, &incident.prefix).ok())
        .filter(|id| &id.incident == incident)
        .map(|id| id.number)
        .max()
        .unwrap_or(0);
    next_action_number(&incident.to_string(), highest)
}

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Adds an action item; an incident without a postmortem gets one from the template
/// in the same commit.
pub fn add(store: &Store, incident: &str, new: &NewAction) -> Result<Written<ActionId>> {
    let title = new.title.trim();
    if title.is_empty() {
        return Err(Error::invalid("the action title cannot be empty"));
    }
    let kind = new.kind;
    if let Some(link) = text(new.link.as_deref()) {
        crate::model::link::require_web_url("--link", link)?;
    }
    update(store, incident, true, |pm| {
        let due = text(new.due.as_deref())
            .map(|d| pm.time.parse_day(d))
            .transpose()?;
        let id = ActionId {
            incident: pm.entry.id.clone(),
            number: next_number(&pm.current, &pm.entry.id)?,
        };
        let mut table = Table::new();
        table.insert("id", Item::Value(edit::string(&id.to_string())));
        table.insert("title", Item::Value(edit::string(title)));
        table.insert("kind", Item::Value(edit::string(kind.as_str())));
        if let Some(owner) = text(new.owner.as_deref()) {
            let owner = if owner == "me" { pm.me.as_str() } else { owner };
            table.insert("owner", Item::Value(edit::string(owner)));
        }
        if let Some(due) = due {
            table.insert("due", Item::Value(Value::from(due.to_toml())));
        }
        table.insert(
            "status",
            Item::Value(edit::string(ActionStatus::Open.as_str())),
        );
        if let Some(link) = text(new.link.as_deref()) {
            table.insert("link", Item::Value(edit::string(link)));
        }
        // The template ends with guidance on action items: keep it above the first one.
        let first = pm.doc.get("action").is_none();
        let prefix = if first {
            let trailing = pm.doc.trailing().as_str().unwrap_or_default().to_string();
            pm.doc.set_trailing("");
            if trailing.trim().is_empty() {
                "\n".to_string()
            } else {
                trailing
            }
        } else {
            "\n".to_string()
        };
        table.decor_mut().set_prefix(prefix);
        edit::push_array_table(&mut pm.doc, "action", table)?;
        Ok((format!("action + {id} {:?}", short(title, 60)), id))
    })
}

/// The incident part of an action ID, for locating its postmortem.
fn incident_part(action: &str) -> Result<&str> {
    action
        .trim()
        .rsplit_once('.')
        .map(|(incident, _)| incident)
        .ok_or_else(|| {
            Error::invalid(format!(
                "invalid action ID {action:?}: expected INCIDENT.A<n>, like INC-42.A3"
            ))
        })
}

/// The `[[action]]` table of `id` in the document being edited.
fn find<'e>(pm: &'e mut PostmortemEdit<'_>, input: &str) -> Result<(ActionId, &'e mut Table)> {
    let id = ActionId::parse_with_prefix(input, &pm.config.id_prefix)?;
    let name = id.to_string();
    let index = pm
        .current
        .action
        .iter()
        .position(|a| a.id == name)
        .ok_or_else(|| {
            Error::not_found(format!(
                "no action item {name}: see `git incident action list`"
            ))
        })?;
    let table = pm
        .doc
        .get_mut("action")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|array| array.get_mut(index))
        .ok_or_else(|| {
            Error::invalid(format!(
                "action items of {} are not written as [[action]] tables; fix it by hand",
                id.incident
            ))
        })?;
    Ok((id, table))
}

/// Marks an item done at the commit's time.
pub fn done(store: &Store, action: &str) -> Result<Written<ActionId>> {
    update(store, incident_part(action)?, false, |pm| {
        let now = pm.time.now();
        let (id, table) = find(pm, action)?;
        if table.get("status").and_then(Item::as_str) == Some(ActionStatus::Done.as_str()) {
            return Err(Error::invalid(format!("{id} is already done")));
        }
        edit::set_value(table, "status", Some(edit::string("done")));
        edit::set_value(table, "done_at", Some(Value::from(now.to_toml())));
        Ok((format!("{id} done"), id))
    })
}

fn action_field(key: &str) -> Option<FieldType> {
    Some(match key {
        "title" => FieldType::RequiredText,
        "owner" | "link" | "notes" => FieldType::Text,
        "kind" => FieldType::Choice(ActionKind::NAMES),
        "status" => FieldType::Choice(ActionStatus::NAMES),
        "due" => FieldType::Date,
        _ => return None,
    })
}

pub const SETTABLE: &str = "title, kind, owner, due, status, link, notes";

pub fn set_fields(
    store: &Store,
    action: &str,
    assignments: &[Assignment],
) -> Result<Written<ActionId>> {
    if assignments.is_empty() {
        return Err(Error::usage("nothing to set: give KEY=VALUE pairs"));
    }
    if let Some(bad) = assignments.iter().find(|a| action_field(&a.key).is_none()) {
        return Err(Error::invalid(format!(
            "cannot set {:?}: settable fields of an action item are {SETTABLE}",
            bad.key
        )));
    }
    for assignment in assignments.iter().filter(|a| a.key == "link") {
        if let Some(link) = text(Some(&assignment.value)) {
            crate::model::link::require_web_url("link", link)?;
        }
    }
    update(store, incident_part(action)?, false, |pm| {
        let time = pm.time.clone();
        let (id, table) = find(pm, action)?;
        for assignment in assignments {
            let field = action_field(&assignment.key).expect("checked above");
            edit::apply(table, &assignment.key, field, assignment, true, &time)?;
        }
        // done_at follows the status: stamped when it becomes done, cleared when reopened.
        let status = table.get("status").and_then(Item::as_str);
        if status == Some(ActionStatus::Done.as_str()) {
            if table.get("done_at").is_none() {
                edit::set_value(table, "done_at", Some(Value::from(time.now().to_toml())));
            }
        } else {
            edit::set_value(table, "done_at", None);
            edit::set_value(table, "done_by", None);
        }
        let mut keys: Vec<&str> = assignments.iter().map(|a| a.key.as_str()).collect();
        keys.dedup();
        Ok((format!("{id} set {}", keys.join(", ")), id))
    })
}

/// The action item as it stands after a write (at `commit`, or at the tip when the write
/// changed nothing), as one item of `action list --json`.
pub fn written(store: &Store, commit: Option<crate::store::Oid>, id: &ActionId) -> Result<Listed> {
    let written = crate::ops::postmortem::written(store, commit, &id.incident)?;
    let snapshot = store.snapshot()?;
    let today = crate::model::TimeContext::wall_clock(
        snapshot.config()?.zone()?,
        crate::store::typist_zone()?,
    )
    .today();
    let name = id.to_string();
    let action = written
        .action
        .into_iter()
        .find(|a| a.id == name)
        .ok_or_else(|| Error::not_found(format!("no action item {name}")))?;
    Ok(Listed {
        incident: id.incident.to_string(),
        overdue: action.status.is_overdue(action.due.map(|d| d.0), today),
        action,
    })
}

/// The owner `action list --owner WHO` looks for: `me` is the handle of the current git
/// identity (its name when config.toml's `[[person]]` list does not know it).
pub fn owner_filter(store: &Store, typed: &str) -> Result<String> {
    if typed.trim() != "me" {
        return Ok(typed.trim().to_string());
    }
    let config = store.snapshot()?.config()?;
    let me = store.author()?;
    Ok(config.me(&me.name, &me.email))
}

/// One action item with the incident it belongs to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub incident: String,
    #[serde(flatten)]
    pub action: Action,
    /// Open or in progress, with its due date before the as-of day.
    pub overdue: bool,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub owner: Option<String>,
    pub kind: Option<ActionKind>,
    pub open: bool,
    pub overdue: bool,
}

impl Filter {
    pub fn matches(&self, listed: &Listed) -> bool {
        let action = &listed.action;
        self.owner.as_ref().is_none_or(|owner| {
            action
                .owner
                .as_ref()
                .is_some_and(|o| o.eq_ignore_ascii_case(owner.trim()))
        }) && self.kind.is_none_or(|kind| action.kind == kind)
            && (!self.open || action.status.is_open())
            && (!self.overdue || listed.overdue)
    }
}

/// Every action item on the branch, in incident then item order, from the read index
/// (its `postmortem_errors` are the postmortems that do not parse), as the code
/// history's trailers leave them (`done_at` in `zone`).
pub fn list_all(
    index: &Index,
    as_of: NaiveDate,
    closures: &Closures,
    zone: Zone,
) -> Result<Vec<Listed>> {
    let mut listed = Vec::new();
    for dir in index.dirs_by_id() {
        let incident = IncidentId {
            prefix: dir.id.prefix.clone(),
            number: dir.id.number,
        }
        .to_string();
        let mut filed: Vec<&ActionFacts> = dir.actions().iter().collect();
        filed.sort_by_key(|a| {
            ActionId::parse_with_prefix(&a.id, &dir.id.prefix)
                .map(|id| id.number)
                .unwrap_or(u32::MAX)
        });
        for facts in filed {
            let mut action = filed_action(facts).ok_or_else(|| {
                Error::invalid(format!(
                    "the read index holds a bad time for {}: remove .git/incident/ and retry",
                    facts.id
                ))
            })?;
            close_action(closures, &mut action, zone);
            listed.push(Listed {
                incident: incident.clone(),
                overdue: action.status.is_overdue(action.due.map(|d| d.0), as_of),
                action,
            });
        }
    }
    Ok(listed)
}
