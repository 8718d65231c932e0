//! `task`: an incident's response-flow checklist, and recording that a step was done.

use crate::error::{Error, Result};
use crate::model::flow;
use crate::model::{Incident, IncidentId, TimeContext, TimelineEntry, TimelineKind};
use crate::ops::incident::{load, update, with_handles};
use crate::store::{Store, Written};

/// An incident read for its checklist, at the wall clock's now.
pub struct Checklist {
    /// Now, and the team's zone to show times in.
    pub time: TimeContext,
    /// People shown by their handles.
    pub incident: Incident,
}

pub fn checklist(store: &Store, id: &str) -> Result<Checklist> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let (_, loaded) = load(&snapshot, &config, id)?;
    let incident = with_handles(&config, loaded.value);
    Ok(Checklist { time, incident })
}

/// Why an incident has no tasks, and how a team gives it some.
pub fn no_tasks(incident: &Incident) -> String {
    format!(
        "{} has no tasks: there was no response flow for {} in config.toml when it was opened.\n\
         To have one, add [[severity.step]] tables (id, title, within, every, role) under that\n\
         [[severity]] in config.toml: new incidents get them as tasks, and so do incidents\n\
         whose severity is raised to it.",
        incident.id, incident.severity
    )
}

/// Records that `typed` (a task of the incident, any case) was done: a timeline entry of
/// kind `action` naming the task, by the writer. A one-off step is done once.
pub fn done(
    store: &Store,
    id: &str,
    typed: &str,
    note: Option<&str>,
    at: Option<&str>,
    links: &[String],
) -> Result<Written<(IncidentId, String)>> {
    if let Some(bad) = links.iter().find(|l| !crate::model::link::is_web_url(l)) {
        return Err(Error::invalid(format!(
            "invalid link {bad:?}: give the absolute http(s) URL of the status page post or chat message"
        )));
    }
    update(store, id, |edit| {
        // The edit leaves the timeline out of `current`; what was done is in it.
        let entry = edit.snapshot.require(&edit.id)?;
        let incident = edit.snapshot.incident(&entry)?.value;
        let step = flow::find(&incident, typed)
            .ok_or_else(|| unknown_task(&incident, typed))?
            .clone();
        if step.every.is_none() {
            let now = edit.time.now();
            let state = flow::tasks(&incident, now)
                .into_iter()
                .find(|t| t.step.id == step.id)
                .expect("the task was just found");
            if let Some(first) = state.done.first() {
                let who = first
                    .by
                    .as_deref()
                    .map(|a| format!(" by {}", edit.config.display_person(a)))
                    .unwrap_or_default();
                return Err(Error::invalid(format!(
                    "{} {} {:?} was already done at {}{who}",
                    edit.id,
                    step.id,
                    step.title,
                    edit.time.zone.wall(first.at.0)
                ))
                .with_hint(format!(
                    "to add to it, note it in the timeline: git incident timeline {} add TEXT",
                    edit.id
                )));
            }
        }
        let at = edit.at("done", at)?;
        edit.push_timeline(TimelineEntry {
            task: Some(step.id.clone()),
            links: links.to_vec(),
            ..TimelineEntry::new(at, TimelineKind::Action, flow::done_text(&step, note))
        })?;
        Ok((format!("task {} done", step.id), (edit.id.clone(), step.id)))
    })
}

fn unknown_task(incident: &Incident, typed: &str) -> Error {
    if incident.task.is_empty() {
        return Error::not_found(no_tasks(incident));
    }
    let ids: Vec<&str> = incident.task.iter().map(|s| s.id.as_str()).collect();
    Error::not_found(format!(
        "{} has no task {typed:?}: its tasks are {}",
        incident.id,
        ids.join(", ")
    ))
    .with_hint(format!("`git incident task {}` lists them", incident.id))
}

/// Task `step` of the incident as it stands after a write (at `commit`), as `task
/// --json` prints it.
pub fn written(
    store: &Store,
    commit: Option<crate::store::Oid>,
    id: &IncidentId,
    step: &str,
) -> Result<flow::TaskJson> {
    let incident = crate::ops::incident::written(store, commit, id)?.incident;
    let now = crate::model::Timestamp::wall_clock();
    flow::tasks(&incident, now)
        .iter()
        .find(|t| t.step.id == step)
        .map(flow::TaskJson::new)
        .ok_or_else(|| Error::not_found(format!("{id} has no task {step:?}")))
}
