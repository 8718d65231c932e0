//! Each incident as metrics see it: the files at the tip, with every time the files
//! leave out filled in from history. A time written in a file always wins.

use crate::history::derive::Derived;
use crate::metrics::facts::Nanos;
use crate::metrics::{ActionFacts, IncidentFacts, PostmortemFacts};
use chrono::{DateTime, FixedOffset};

use crate::model::{
    Action, ActionStatus, Audience, Day, Incident, Postmortem, PostmortemStatus, Step, TimeKey,
    Timestamp,
};
use crate::store::IncidentEntry;

fn seconds(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::timestamp)
}

/// The facts as the files state them, before history fills the gaps.
pub fn from_files(
    entry: &IncidentEntry,
    incident: &Incident,
    postmortem: Option<&Postmortem>,
) -> IncidentFacts {
    IncidentFacts {
        id: incident.id.clone(),
        dir: entry.dir.clone(),
        title: incident.title.clone(),
        severity: incident.severity.clone(),
        status: incident.status,
        services: incident.services.clone(),
        teams: incident.teams.clone(),
        drill: incident.drill,
        commander: incident.commander.clone(),
        times: incident.times.map(|_, t| seconds(*t)),
        subsec: incident
            .times
            .map(|_, t| t.map_or(0, |t| t.0.timestamp_subsec_nanos().min(999_999_999))),
        caused_by: incident.changes.caused_by.clone(),
        updates: {
            let mut updates: Vec<Nanos> = incident
                .timeline
                .iter()
                .filter(|entry| entry.updates_customers())
                .map(|entry| entry.at.nanos())
                .collect();
            updates.sort_unstable();
            updates
        },
        update_every: incident
            .task
            .iter()
            .filter(|task| task.audience.is_some_and(Audience::faces_customers))
            .filter_map(Step::every_seconds)
            .min(),
        postmortem: postmortem.map(postmortem_from_file),
    }
}

/// The postmortem's facts as its file states them.
pub fn postmortem_from_file(p: &Postmortem) -> PostmortemFacts {
    PostmortemFacts {
        status: p.status,
        owner: p.owner.clone(),
        published_at: seconds(p.published_at),
        actions: p
            .action
            .iter()
            .map(|a| ActionFacts {
                id: a.id.clone(),
                title: a.title.clone(),
                kind: a.kind,
                owner: a.owner.clone(),
                due: a.due.map(|d| d.0),
                status: a.status,
                created: None,
                done_at: seconds(a.done_at),
                done_at_subsec: a.done_at.map_or(0, |t| t.0.timestamp_subsec_nanos()),
                done_at_offset: a.done_at.map_or(0, |t| t.0.offset().local_minus_utc()),
                done_by: a.done_by.clone(),
                link: a.link.clone(),
                notes: a.notes.clone(),
            })
            .collect(),
    }
}

/// An action item as its file states it, from facts taken by [`from_files`] (before
/// history or code trailers changed them). `None` only for facts that could not come
/// from a file.
pub fn filed_action(action: &ActionFacts) -> Option<Action> {
    let done_at = match action.done_at {
        Some(seconds) => {
            let offset = FixedOffset::east_opt(action.done_at_offset)?;
            let utc = DateTime::from_timestamp(seconds, action.done_at_subsec)?;
            Some(Timestamp(utc.with_timezone(&offset)))
        }
        None => None,
    };
    Some(Action {
        id: action.id.clone(),
        title: action.title.clone(),
        kind: action.kind,
        owner: action.owner.clone(),
        due: action.due.map(Day),
        status: action.status,
        done_at,
        done_by: action.done_by.clone(),
        link: action.link.clone(),
        notes: action.notes.clone(),
    })
}

/// Fills what the files leave out from history. A state's time is only taken from
/// history while the incident is still in that state or later (a reopened incident
/// is not resolved, whatever an older commit said), and is when it was reached for
/// good: the last move from below it.
pub fn apply_history(facts: &mut IncidentFacts, derived: Option<&Derived>) {
    let empty = Derived::default();
    let derived = derived.unwrap_or(&empty);
    let from_history = derived.times();
    for key in TimeKey::ALL {
        // A state's time only while the incident is still in that state or later.
        let holds = key
            .state()
            .is_none_or(|state| facts.status.has_reached(state));
        let slot = facts.times.slot_mut(key);
        if slot.is_none() && holds {
            *slot = from_history.get(key);
        }
    }
    if let Some(postmortem) = &mut facts.postmortem {
        if postmortem.published_at.is_none() && postmortem.status == PostmortemStatus::Published {
            postmortem.published_at = derived.published;
        }
        for action in &mut postmortem.actions {
            let history = derived.actions.get(super::derive::action_key(&action.id));
            action.created = history.and_then(|h| h.created);
            if action.done_at.is_none() && action.status == ActionStatus::Done {
                action.done_at = history.and_then(|h| h.done);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item listed from the index is the item as filed: the offset and the fraction of
    /// a second of `done_at` survive, and so do the fields metrics do not read.
    #[test]
    fn an_action_item_is_listed_as_filed() {
        let text = r#"schema_version = 1
incident = "INC-7"
status = "draft"

[[action]]
id = "INC-7.A1"
title = "Validate pool size"
kind = "prevent"
owner = "Ana"
due = 2026-03-01
status = "done"
done_at = 2026-02-03T04:05:06.25-03:30
done_by = "0123456789abcdef0123456789abcdef01234567"
link = "https://tracker.example/1"
notes = "Checked in CI."

[[action]]
id = "INC-7.A2"
title = "Alert earlier"
kind = "detect"
status = "open"
"#;
        let postmortem: Postmortem =
            crate::store::codec::parse("postmortem.toml", text).expect("the sample parses");
        let facts = postmortem_from_file(&postmortem);
        let listed: Vec<Action> = facts
            .actions
            .iter()
            .map(|a| filed_action(a).expect("facts from a file"))
            .collect();
        assert_eq!(listed, postmortem.action);
        // Times compare as instants: the offset is checked as written.
        let written = |actions: &[Action]| serde_json::to_string(actions).expect("serializes");
        assert_eq!(written(&listed), written(&postmortem.action));
        assert!(written(&listed).contains("2026-02-03T04:05:06.250-03:30"));
    }
}
