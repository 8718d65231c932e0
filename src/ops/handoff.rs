//! `handoff`: a role of an incident (commander, comms, scribe, …) changes hands, with
//! its time in the timeline so that `show` can tell who held it when.

use crate::error::{Error, Result};
use crate::model::roles::{COMMANDER, check_role_name, holder};
use crate::model::{IncidentId, TimelineEntry, TimelineKind};
use crate::ops::incident::update;
use crate::store::edit;
use crate::store::{Store, Written};

pub struct Handoff<'a> {
    pub role: &'a str,
    /// A handle, a name, or `me`.
    pub to: &'a str,
    pub at: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// What a hand-off did, as its commit subject says it: `commander ana -> kenji`.
pub struct HandedOff {
    pub id: IncidentId,
    pub what: String,
}

pub fn handoff(store: &Store, id: &str, request: &Handoff<'_>) -> Result<Written<HandedOff>> {
    let role = request.role.trim();
    check_role_name(role)?;
    let typed = request.to.trim();
    if typed.is_empty() {
        return Err(Error::usage(
            "--to needs a person: a handle, a name or `me`",
        ));
    }
    update(store, id, |edit| {
        // People as the team names them: `me` and git names become handles.
        let to = match typed {
            "me" => edit.author.clone(),
            other => edit.config.display_person(other).to_string(),
        };
        let from = holder(&edit.current, role).map(|f| edit.config.display_person(f).to_string());
        if from.as_deref() == Some(to.as_str()) {
            return Err(Error::invalid(format!(
                "{to} is already the {role} of {}",
                edit.id
            )));
        }
        let at = edit.at("hand-off", request.at)?;
        if role == COMMANDER {
            // Taking command is an acknowledgement, which metrics measure: `ack` records
            // it, a hand-off only passes it on.
            if from.is_none() {
                return Err(Error::invalid(format!(
                    "nobody has taken command of {} yet: there is no commander to hand off",
                    edit.id
                ))
                .with_hint(format!(
                    "take command with `git incident ack {} --commander {to}`",
                    edit.id
                )));
            }
            if let Some(acknowledged) = edit.current.times.acknowledged.filter(|ack| at < *ack) {
                return Err(Error::invalid(format!(
                    "the hand-off at {at} would be before {} was acknowledged ({acknowledged})",
                    edit.id
                )));
            }
        }
        // Only a typed time can come before the last hand-off; reading the whole
        // timeline to tell costs a parse of it, which plain writes skip.
        if request.at.is_some() {
            let entry = edit.snapshot.require(&edit.id)?;
            let incident = edit.snapshot.incident(&entry)?.value;
            let last = incident
                .timeline
                .iter()
                .filter(|e| e.role.as_deref() == Some(role) && e.to.is_some())
                .map(|e| e.at)
                .max();
            if let Some(last) = last.filter(|last| at < *last) {
                return Err(Error::invalid(format!(
                    "the hand-off at {at} would be before the last hand-off of {role} on {} ({last}): hand-offs are recorded in the order they happen",
                    edit.id
                )));
            }
        }
        let value = Some(edit::string(&to));
        match role {
            COMMANDER => edit::set_value(edit.doc.as_table_mut(), COMMANDER, value),
            _ => edit::set_value(edit::table_mut(&mut edit.doc, "roles")?, role, value),
        }
        let what = match &from {
            Some(from) => format!("{role} {from} -> {to}"),
            None => format!("{role} -> {to}"),
        };
        let mut text = format!("Hand-off: {what}");
        if let Some(note) = request.note.map(str::trim).filter(|n| !n.is_empty()) {
            text.push_str(&format!(" ({note})"));
        }
        edit.push_timeline(TimelineEntry {
            role: Some(role.to_string()),
            from,
            to: Some(to),
            ..TimelineEntry::new(at, TimelineKind::Status, text)
        })?;
        let id = edit.id.clone();
        Ok((what.clone(), HandedOff { id, what }))
    })
}
