//! Postmortem commands: start one from the template, set its fields, and move it from
//! draft to in_review to published (publishing runs the `check` rules first).

use toml_edit::{DocumentMut, Item, Value};

use crate::check::postmortem::check_postmortem;
use crate::check::{self, Finding, Level};
use crate::error::{Error, Result};
use crate::model::postmortem::KEY_ORDER;
use crate::model::{Config, Incident, IncidentId, Postmortem, PostmortemStatus, TimeContext};
use crate::ops::incident as incident_ops;
use crate::ops::template::postmortem_template;
use crate::store::codec;
use crate::store::edit::{self, Assignment, FieldType, Op};
use crate::store::{Change, IncidentEntry, Loaded, Snapshot, Store, Written, layout};

/// An incident and its postmortem, as read for display.
pub struct Review {
    pub entry: IncidentEntry,
    pub incident: Loaded<Incident>,
    pub postmortem: Loaded<Postmortem>,
}

fn no_postmortem(id: &IncidentId) -> Error {
    Error::not_found(format!(
        "{id} has no postmortem yet: run `git incident postmortem new {id}`"
    ))
}

pub fn load(snapshot: &Snapshot<'_>, config: &Config, id: &str) -> Result<Review> {
    let (entry, incident) = incident_ops::load(snapshot, config, id)?;
    let postmortem = snapshot
        .postmortem(&entry)?
        .ok_or_else(|| no_postmortem(&entry.id))?;
    Ok(Review {
        entry,
        incident,
        postmortem,
    })
}

/// Writes a new postmortem from the template; refuses when one exists.
pub fn create(store: &Store, id: &str, owner: Option<&str>) -> Result<Written<IncidentId>> {
    store.write(|snapshot, ctx| {
        let config = snapshot.config()?;
        let owner = owner.map(|who| config.who(who, &ctx.author.name, &ctx.author.email));
        let owner = owner.as_deref();
        let (entry, incident) = incident_ops::load(snapshot, &config, id)?;
        let path = entry.postmortem_path();
        if snapshot.read_in(&entry, layout::POSTMORTEM_FILE)?.is_some() {
            return Err(Error::invalid(format!(
                "{} already has a postmortem: see `git incident postmortem show {}`",
                entry.id, entry.id
            )));
        }
        let text = postmortem_template(&config, &incident.value, owner, config.zone()?);
        refuse_new_errors(&entry, None, &text)?;
        let subject = match owner.map(str::trim).filter(|o| !o.is_empty()) {
            Some(owner) => format!("{}: postmortem draft (owner {owner})", entry.id),
            None => format!("{}: postmortem draft", entry.id),
        };
        let change = Change::new(subject)
            .put(path, text)
            .trailer("Incident", entry.id.to_string());
        Ok((change, entry.id.clone()))
    })
}

/// The postmortem as it stands after a write (at `commit`, or at the tip when the write
/// changed nothing), as `postmortem show --json` prints it.
pub fn written(
    store: &Store,
    commit: Option<crate::store::Oid>,
    id: &IncidentId,
) -> Result<Postmortem> {
    let snapshot = store.snapshot_after(commit)?;
    let entry = snapshot.require(id)?;
    let loaded = snapshot
        .postmortem(&entry)?
        .ok_or_else(|| no_postmortem(id))?;
    let mut postmortem = loaded.value;
    crate::ops::code::close_postmortem(store, &mut postmortem, snapshot.config()?.zone()?)?;
    Ok(postmortem)
}

/// The postmortem as people read it: owner, participants and action owners as handles
/// where config.toml's `[[person]]` list knows them.
pub fn with_handles(config: &Config, mut pm: Postmortem) -> Postmortem {
    let show = |who: &mut String| *who = config.display_person(who).to_string();
    pm.participants.iter_mut().for_each(show);
    pm.owner.iter_mut().for_each(show);
    pm.action
        .iter_mut()
        .flat_map(|a| a.owner.iter_mut())
        .for_each(show);
    pm
}

/// What an edit of one postmortem sees.
pub struct PostmortemEdit<'a> {
    pub entry: IncidentEntry,
    pub doc: DocumentMut,
    pub current: Postmortem,
    pub incident: Incident,
    pub config: &'a Config,
    pub time: TimeContext,
    /// Who is writing: the handle of the git identity, else its name.
    pub me: String,
}

/// Runs `f` on the incident's postmortem and commits the result as `<ID>: <subject>`.
/// With `create`, a missing postmortem starts from the template in the same commit.
pub fn update<T>(
    store: &Store,
    id: &str,
    create: bool,
    mut f: impl FnMut(&mut PostmortemEdit<'_>) -> Result<(String, T)>,
) -> Result<Written<T>> {
    let typist = crate::store::typist_zone()?;
    store.write(|snapshot, ctx| {
        let config = snapshot.config()?;
        let zone = config.zone()?;
        let (entry, incident) = incident_ops::load(snapshot, &config, id)?;
        let path = entry.postmortem_path();
        let existing = snapshot.read_in(&entry, layout::POSTMORTEM_FILE)?;
        let original = match &existing {
            Some(text) => text.clone(),
            None if create => postmortem_template(&config, &incident.value, None, zone),
            None => return Err(no_postmortem(&entry.id)),
        };
        let current: Postmortem = codec::parse(&path, &original).map_err(Error::File)?;
        let mut edit = PostmortemEdit {
            doc: edit::parse_mut(&path, &original)?,
            current,
            incident: incident.value,
            config: &config,
            time: TimeContext::new(ctx.committer.time, zone, typist)?,
            me: config.me(&ctx.author.name, &ctx.author.email),
            entry: entry.clone(),
        };
        let (subject, value) = f(&mut edit)?;
        let text = edit.doc.to_string();
        refuse_new_errors(&entry, existing.as_deref(), &text)?;
        let change = Change::new(format!("{}: {subject}", entry.id))
            .put(path, text)
            .trailer("Incident", entry.id.to_string())
            .notes(edit.time.take_notes());
        Ok((change, value))
    })
}

fn errors(entry: &IncidentEntry, text: &str) -> Vec<Finding> {
    check_postmortem(entry, text)
        .1
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .collect()
}

/// A write may not add errors. Errors already in a hand-edited file do not block
/// unrelated changes (they are `check`'s to report), except when publishing.
fn refuse_new_errors(entry: &IncidentEntry, before: Option<&str>, after: &str) -> Result<()> {
    let before = || {
        before
            .map(|text| check_postmortem(entry, text).1)
            .unwrap_or_default()
    };
    check::refuse_new_errors("postmortem", before, &check_postmortem(entry, after).1)
}

/// Fields `postmortem set` may change. `status` has its own command, because
/// publishing runs the rules first.
fn postmortem_field(key: &str) -> Option<FieldType> {
    Some(match key {
        "owner"
        | "summary"
        | "impact"
        | "trigger"
        | "detection"
        | "response"
        | "root_cause.statement" => FieldType::Text,
        "participants"
        | "root_cause.whys"
        | "contributing_factors"
        | "mental_models"
        | "went_well"
        | "went_wrong"
        | "where_lucky"
        | "kpt.keep"
        | "kpt.problem"
        | "kpt.try"
        | "lessons"
        | "links" => FieldType::List,
        _ => return None,
    })
}

pub const SETTABLE: &str = "owner, participants, summary, impact, trigger, detection, response, root_cause.whys, root_cause.statement, contributing_factors, mental_models, went_well, went_wrong, where_lucky, kpt.keep, kpt.problem, kpt.try, lessons, links";

/// Sets fields of a postmortem; the value names the incident and holds notes on
/// values a list already had.
pub fn set_fields(
    store: &Store,
    id: &str,
    assignments: &[Assignment],
) -> Result<Written<(IncidentId, Vec<String>)>> {
    if assignments.is_empty() {
        return Err(Error::usage("nothing to set: give KEY=VALUE pairs"));
    }
    for assignment in assignments {
        if postmortem_field(&assignment.key).is_none() {
            let hint = if assignment.key == "status" {
                " (use `git incident postmortem status ID STATE`)"
            } else {
                ""
            };
            return Err(Error::invalid(format!(
                "cannot set {:?}{hint}: settable fields are {SETTABLE}",
                assignment.key
            )));
        }
        let value = assignment.value.trim();
        if assignment.key == "links" && assignment.op != Op::Remove && !value.is_empty() {
            crate::model::link::require_web_url("link", value)?;
        }
    }
    update(store, id, false, |pm| {
        let mut seen = std::collections::HashSet::new();
        let mut notes = Vec::new();
        for assignment in assignments {
            let field = postmortem_field(&assignment.key).expect("checked above");
            let fresh = seen.insert(assignment.key.clone());
            let (table, key) = match assignment.key.split_once('.') {
                None => {
                    let root = pm.doc.as_table_mut();
                    make_room(root, &assignment.key);
                    (root, assignment.key.as_str())
                }
                Some((table, key)) => (edit::table_mut(&mut pm.doc, table)?, key),
            };
            let was_empty = table
                .get(key)
                .and_then(Item::as_array)
                .is_none_or(|a| a.is_empty());
            if matches!(field, FieldType::Text)
                && assignment.value.trim().is_empty()
                && table.contains_key(key)
            {
                // Clearing keeps the key (as "") and so the guidance written above it.
                edit::set_value(table, key, Some(edit::string("")));
                continue;
            }
            if let Some(note) = edit::apply(table, key, field, assignment, fresh, &pm.time)? {
                notes.push(format!("{}: {note}", pm.entry.id));
                continue;
            }
            if matches!(field, FieldType::List) {
                one_item_per_line(table, key, was_empty);
            }
        }
        let mut keys: Vec<&str> = assignments.iter().map(|a| a.key.as_str()).collect();
        keys.dedup();
        Ok((
            format!("postmortem set {}", keys.join(", ")),
            (pm.entry.id.clone(), notes),
        ))
    })
}

/// Postmortem lists hold sentences: one per line reads well and makes each later
/// append a one-line diff. A list someone laid out on one line is left as it is.
fn one_item_per_line(table: &mut toml_edit::Table, key: &str, was_empty: bool) {
    let Some(Item::Value(Value::Array(array))) = table.get_mut(key) else {
        return;
    };
    let multiline = array
        .iter()
        .next()
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .is_some_and(|p| p.contains('\n'));
    if array.is_empty() || !(was_empty || multiline) {
        return;
    }
    for value in array.iter_mut() {
        value.decor_mut().set_prefix("\n    ");
        value.decor_mut().set_suffix("");
    }
    array.set_trailing_comma(true);
    array.set_trailing("\n");
}

/// Puts a missing top-level key where the contract order says (instead of at the end),
/// and when the comments there hold a placeholder like `# owner = ""`, the new key
/// takes its place under its guidance.
fn make_room(table: &mut toml_edit::Table, key: &str) {
    if table.contains_key(key) {
        return;
    }
    let Some(index) = KEY_ORDER.iter().position(|k| *k == key) else {
        return;
    };
    let Some(anchor) = KEY_ORDER[..index]
        .iter()
        .rev()
        .find(|k| table.contains_key(k))
    else {
        return;
    };
    insert_after(table, anchor, key, edit::string(""));
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let Some(next) = keys
        .iter()
        .position(|k| k == key)
        .and_then(|i| keys.get(i + 1))
    else {
        return;
    };
    let Some(prefix) = table
        .key(next)
        .and_then(|k| k.leaf_decor().prefix())
        .and_then(|p| p.as_str())
        .map(str::to_string)
    else {
        return;
    };
    let lines: Vec<&str> = prefix.split_inclusive('\n').collect();
    let placeholder = format!("# {key} = ");
    let Some(at) = lines
        .iter()
        .position(|line| line.trim_start().starts_with(&placeholder))
    else {
        return;
    };
    let (guidance, rest) = (lines[..at].concat(), lines[at + 1..].concat());
    if let Some(mut k) = table.key_mut(key) {
        k.leaf_decor_mut().set_prefix(guidance);
    }
    if let Some(mut k) = table.key_mut(next) {
        k.leaf_decor_mut().set_prefix(rest);
    }
}

/// Inserts a new key right after `anchor`, where a reader looks for it, rather than at
/// the end of the table. The keys moved keep their comments, so the diff is one line.
fn insert_after(table: &mut toml_edit::Table, anchor: &str, key: &str, value: Value) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let Some(position) = keys.iter().position(|k| k == anchor) else {
        edit::set_value(table, key, Some(value));
        return;
    };
    let moved: Vec<(toml_edit::Key, Item)> = keys[position + 1..]
        .iter()
        .filter_map(|k| table.remove_entry(k))
        .collect();
    edit::set_value(table, key, Some(value));
    for (k, item) in moved {
        table.insert_formatted(&k, item);
    }
}

/// Moves the postmortem to `status`. Publishing stamps `published_at` with the commit
/// time and is refused, with every error `check` finds, while the postmortem is incomplete.
pub fn set_status(
    store: &Store,
    id: &str,
    status: PostmortemStatus,
) -> Result<Written<(IncidentId, PostmortemStatus, PostmortemStatus)>> {
    update(store, id, false, |pm| {
        let old = pm.current.status;
        if old == status {
            return Err(Error::invalid(format!(
                "the postmortem of {} is already {status}",
                pm.entry.id
            )));
        }
        let root = pm.doc.as_table_mut();
        edit::set_value(root, "status", Some(edit::string(status.as_str())));
        if status == PostmortemStatus::Published {
            let now = Value::from(pm.time.now().to_toml());
            if root.contains_key("published_at") {
                edit::set_value(root, "published_at", Some(now));
            } else {
                insert_after(root, "status", "published_at", now);
            }
        } else {
            edit::set_value(root, "published_at", None);
        }
        if status == PostmortemStatus::Published {
            let problems = errors(&pm.entry, &pm.doc.to_string());
            if !problems.is_empty() {
                let lines: Vec<String> = problems.iter().map(Finding::to_string).collect();
                return Err(Error::invalid(format!(
                    "cannot publish the postmortem of {}; fix these first:\n{}",
                    pm.entry.id,
                    lines.join("\n")
                )));
            }
        }
        Ok((
            format!("postmortem {old} -> {status}"),
            (pm.entry.id.clone(), old, status),
        ))
    })
}
