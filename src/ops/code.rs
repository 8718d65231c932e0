//! The incident branch linked to the code around it: change links resolved when they
//! are written and followed when they are read, `blame`, `action sync`, and
//! `check --trailers`.

use std::collections::HashSet;

use serde::Serialize;

use crate::error::{Error, Finding, Level, Result};
use crate::history::code::close_action;
use crate::model::change::{
    ChangeLink, LinkedChange, LinkedChanges, is_full_commit_id, is_kept_as_typed, request_url,
};
use crate::model::trailer::{Closures, MarkedCommit};
use crate::model::{ActionId, Config, Incident, IncidentId, Zone};
use crate::store::edit::{Assignment, Op};
use crate::store::{Oid, Store, Written};

/// The fields whose values are change links.
pub const CHANGE_FIELDS: [&str; 2] = ["changes.caused_by", "changes.fixed_by"];

/// The assignments with each change link typed as a revision resolved to its full
/// commit id (URLs and `#123` are kept). Resolved before writing: the code repository
/// does not move with the incident branch, so a retried write needs no new answer.
pub fn resolve_typed(store: &Store, assignments: &[Assignment]) -> Result<Vec<Assignment>> {
    let mut resolved = assignments.to_vec();
    for assignment in resolved
        .iter_mut()
        .filter(|a| CHANGE_FIELDS.contains(&a.key.as_str()))
    {
        let value = assignment.value.trim();
        if value.is_empty() || is_kept_as_typed(value) {
            assignment.value = value.to_string();
            continue;
        }
        match store.resolve(&format!("{value}^{{commit}}")) {
            Ok(commit) => assignment.value = commit.to_string(),
            // A teammate's commit not fetched here yet: kept, and `check` warns about it.
            Err(_) if crate::model::change::is_full_commit_id(&value.to_ascii_lowercase()) => {
                assignment.value = value.to_ascii_lowercase();
            }
            // A stored value that no longer resolves (or never did) can still be removed.
            Err(_) if assignment.op == Op::Remove => {}
            Err(_) => {
                return Err(Error::invalid(format!(
                    "invalid {} {value:?}: not a commit of this repository (anything `git rev-parse` accepts, like HEAD~3, a tag or a commit id), a pull/merge request URL or #123",
                    assignment.key
                )));
            }
        }
    }
    Ok(resolved)
}

/// An incident.toml edited by hand with its change links typed as revisions (`HEAD~2`,
/// a tag) resolved to full commit ids, as `set` stores them; the text as it was when
/// there is none (or it does not parse: the edit's check reports that). A value that
/// resolves to nothing is left for the check to name.
pub fn resolve_typed_in_text(store: &Store, text: &str) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let mut resolved_any = false;
    for field in CHANGE_FIELDS {
        let key = field.trim_start_matches("changes.");
        let Some(values) = doc
            .get_mut("changes")
            .and_then(|changes| changes.get_mut(key))
            .and_then(toml_edit::Item::as_array_mut)
        else {
            continue;
        };
        for value in values.iter_mut() {
            let Some(typed) = value.as_str().map(str::trim) else {
                continue;
            };
            if typed.is_empty() || is_kept_as_typed(typed) || is_full_commit_id(typed) {
                continue;
            }
            if let Ok(commit) = store.resolve(&format!("{typed}^{{commit}}")) {
                let decor = value.decor().clone();
                *value = toml_edit::Value::from(commit.to_string());
                *value.decor_mut() = decor;
                resolved_any = true;
            }
        }
    }
    match resolved_any {
        true => doc.to_string(),
        false => text.to_string(),
    }
}

/// Where the incident's change links lead: commits with their subject, author and how
/// long before the incident started they were made; `#123` on the forge.
pub fn linked_changes(
    store: &Store,
    config: &Config,
    incident: &Incident,
) -> Result<LinkedChanges> {
    let started = incident
        .times
        .started
        .or(incident.times.detected)
        .map(|t| t.timestamp());
    let link = |value: &String| -> Result<LinkedChange> {
        let mut linked = LinkedChange {
            value: value.clone(),
            kind: "invalid",
            url: None,
            commit: None,
            before_started: None,
        };
        match ChangeLink::parse(value) {
            Some(ChangeLink::Commit(id)) => {
                linked.kind = "commit";
                linked.commit = store.code_commit(id)?;
                linked.before_started = linked
                    .commit
                    .as_ref()
                    .zip(started)
                    .map(|(commit, started)| started - commit.time);
            }
            Some(ChangeLink::Url(url)) => {
                linked.kind = "url";
                linked.url = Some(url.to_string());
            }
            Some(ChangeLink::Number(number)) => {
                linked.kind = "request";
                linked.url = config.forge_url.as_deref().map(|f| request_url(f, number));
            }
            None => {}
        }
        Ok(linked)
    };
    Ok(LinkedChanges {
        caused_by: incident
            .changes
            .caused_by
            .iter()
            .map(link)
            .collect::<Result<_>>()?,
        fixed_by: incident
            .changes
            .fixed_by
            .iter()
            .map(link)
            .collect::<Result<_>>()?,
    })
}

/// One incident a commit caused or fixed.
#[derive(Debug, Clone, Serialize)]
pub struct Blamed {
    pub incident: String,
    pub title: String,
    pub severity: String,
    /// `caused_by` or `fixed_by`.
    pub field: &'static str,
    /// The commit the incident names.
    pub commit: String,
    /// `direct` (the commit itself), `in_merge` (the commit asked about is a merge
    /// that brought it in) or `merged_by` (the incident names a merge that brought in
    /// the commit asked about).
    pub relation: &'static str,
}

/// The incidents `rev` caused or fixed: directly, through the range of a merge it is
/// (`REV^1..REV`), or through the range of a merge an incident names.
pub fn blame(store: &Store, rev: &str) -> Result<(Oid, Vec<Blamed>)> {
    let target = store
        .resolve(&format!("{rev}^{{commit}}"))
        .map_err(|_| Error::not_found(format!("unknown revision {rev:?} in this repository")))?;
    let range = store.merge_range(target)?.unwrap_or_default();
    let snapshot = store.snapshot()?;
    let (mut entries, _) = snapshot.incident_entries()?;
    entries.sort_by(|a, b| (&a.id.prefix, a.id.number).cmp(&(&b.id.prefix, b.id.number)));
    let mut found = Vec::new();
    for entry in &entries {
        // A file that does not parse is `check`'s to report; it names no commits.
        let Ok(incident) = snapshot.incident(entry) else {
            continue;
        };
        let incident = incident.value;
        for (field, values) in [
            ("caused_by", &incident.changes.caused_by),
            ("fixed_by", &incident.changes.fixed_by),
        ] {
            for value in values {
                let Some(ChangeLink::Commit(id)) = ChangeLink::parse(value) else {
                    continue;
                };
                let Ok(named) = Oid::from_str(id) else {
                    continue;
                };
                let relation = if named == target {
                    "direct"
                } else if range.contains(&named) {
                    "in_merge"
                } else if store.code_commit(id)?.is_some()
                    && store
                        .merge_range(named)?
                        .is_some_and(|merged| merged.contains(&target))
                {
                    "merged_by"
                } else {
                    continue;
                };
                found.push(Blamed {
                    incident: incident.id.clone(),
                    title: incident.title.clone(),
                    severity: incident.severity.clone(),
                    field,
                    commit: id.to_string(),
                    relation,
                });
            }
        }
    }
    Ok((target, found))
}

/// The postmortem's action items as the code history leaves them.
pub fn close_postmortem(
    store: &Store,
    postmortem: &mut crate::model::Postmortem,
    zone: Zone,
) -> Result<()> {
    let closures = crate::history::code::closures(store)?;
    for action in &mut postmortem.action {
        close_action(&closures, action, zone);
    }
    Ok(())
}

/// One item `action sync` changed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct Synced {
    pub id: String,
    /// `done` or `open`.
    pub status: String,
    pub done_by: Option<String>,
}

/// Writes what the code history says into the postmortem files: one commit for every
/// item that changed, none when the files already agree.
pub fn sync_actions(store: &Store) -> Result<Written<Vec<Synced>>> {
    let closures = crate::history::code::closures(store)?;
    store.write(|snapshot, _ctx| {
        let config = snapshot.config()?;
        let zone = config.zone()?;
        let (entries, _) = snapshot.incident_entries()?;
        let mut change = crate::store::Change::new(String::new());
        let mut synced = Vec::new();
        let mut incidents = Vec::new();
        for entry in &entries {
            let Some(text) = snapshot.read_in(entry, crate::store::layout::POSTMORTEM_FILE)? else {
                continue;
            };
            let path = entry.postmortem_path();
            let Ok(Some(loaded)) = snapshot.postmortem(entry) else {
                // A postmortem that does not parse is left to `check`.
                continue;
            };
            let mut doc = crate::store::edit::parse_mut(&path, &text)?;
            let changed = sync_file(&closures, zone, &loaded.value, &mut doc)?;
            if changed.is_empty() {
                continue;
            }
            incidents.push(entry.id.to_string());
            synced.extend(changed);
            change.files.push((path, Some(doc.to_string())));
        }
        change.subject = match incidents.as_slice() {
            [one] => format!("{one}: action items synced from code trailers"),
            many => format!(
                "action items of {} incidents synced from code trailers",
                many.len()
            ),
        };
        for incident in &incidents {
            change = change.trailer("Incident", incident.clone());
        }
        Ok((change, synced))
    })
}

/// Sets the status, `done_at` and `done_by` of each item the code history decides
/// otherwise than the file; the items changed.
fn sync_file(
    closures: &Closures,
    zone: Zone,
    postmortem: &crate::model::Postmortem,
    doc: &mut toml_edit::DocumentMut,
) -> Result<Vec<Synced>> {
    use crate::store::edit::{set_value, string};
    let mut synced = Vec::new();
    for (index, filed) in postmortem.action.iter().enumerate() {
        let mut derived = filed.clone();
        close_action(closures, &mut derived, zone);
        if derived.status == filed.status && derived.done_by == filed.done_by {
            continue;
        }
        let table = doc
            .get_mut("action")
            .and_then(toml_edit::Item::as_array_of_tables_mut)
            .and_then(|array| array.get_mut(index))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "action items of {} are not written as [[action]] tables; fix it by hand",
                    postmortem.incident
                ))
            })?;
        set_value(table, "status", Some(string(derived.status.as_str())));
        set_value(
            table,
            "done_at",
            derived.done_at.map(|t| toml_edit::Value::from(t.to_toml())),
        );
        set_value(table, "done_by", derived.done_by.as_deref().map(string));
        synced.push(Synced {
            id: derived.id.clone(),
            status: derived.status.to_string(),
            done_by: derived.done_by,
        });
    }
    Ok(synced)
}

/// `check --trailers`: every `Incident-Action:` trailer in `range` (default: the code
/// refs) that names no action item on the branch, as `COMMIT:LINE: error: …`.
pub fn check_trailers(store: &Store, range: Option<&str>) -> Result<Vec<Finding>> {
    let commits: Vec<MarkedCommit> = match range {
        Some(range) => store.trailer_commits_in(range)?,
        None => store.trailer_commits()?,
    };
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let index = crate::history::Index::load(store, &snapshot, crate::history::Want::Files)?;
    let known: HashSet<&str> = index
        .dirs()
        .flat_map(|dir| dir.actions().iter().map(|a| a.id.as_str()))
        .collect();
    let incidents: HashSet<String> = index
        .dirs()
        .map(|dir| {
            IncidentId {
                prefix: dir.id.prefix.clone(),
                number: dir.id.number,
            }
            .to_string()
        })
        .collect();
    let mut findings = Vec::new();
    for commit in &commits {
        for trailer in &commit.actions {
            if known.contains(trailer.id.as_str()) {
                continue;
            }
            let message = match ActionId::parse_with_prefix(&trailer.id, &config.id_prefix) {
                Err(_) => format!(
                    "Incident-Action {:?} is not an action item ID like {}-7.A1",
                    trailer.id, config.id_prefix
                ),
                Ok(id) if !incidents.contains(&id.incident.to_string()) => format!(
                    "Incident-Action {}: there is no incident {} on {}",
                    trailer.id,
                    id.incident,
                    store.branch_name()
                ),
                Ok(id) => format!(
                    "Incident-Action {}: {} has no action item {} (see `git incident action list`)",
                    trailer.id, id.incident, trailer.id
                ),
            };
            findings.push(Finding {
                path: commit.commit.clone(),
                line: Some(trailer.line),
                level: Level::Error,
                message: format!("{message} (commit {:?})", commit.subject),
            });
        }
    }
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(findings)
}
