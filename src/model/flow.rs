//! The response flow as it stands during an incident: which of its tasks are done, when
//! each is due next and which are overdue. Pure rules over an incident and a moment,
//! shared by `task`, `check` and the attention view.

use chrono::Duration;
use serde::Serialize;

use crate::model::{Audience, Incident, Step, StepEvent, TimelineEntry, Timestamp};

/// One task of an incident at a moment.
#[derive(Debug, Clone)]
pub struct TaskState<'a> {
    pub step: &'a Step,
    /// Where `[[task]]` lists it, for findings that point at its table.
    pub index: usize,
    /// Each time it was done, in time order.
    pub done: Vec<Done>,
    /// When it is due next: `None` once a one-off step is done, and for a step with no
    /// `within`/`every` or an incident with no start.
    pub due: Option<Timestamp>,
    pub overdue: bool,
}

/// Where the clock of every step starts: detection, else the start of impact.
pub fn clock_start(incident: &Incident) -> Option<Timestamp> {
    incident.times.detected.or(incident.times.started)
}

/// When `step` is due next, given when its clock started and when it was done.
/// A one-off step is due `within` after the start until it is done. A repeating one
/// (`every`) is due first `within` after the start (`every` without `within`), then
/// `every` after its last occurrence.
pub fn next_due(step: &Step, start: Option<Timestamp>, done: &[Timestamp]) -> Option<Timestamp> {
    let after = |t: Timestamp, seconds: i64| {
        Duration::try_seconds(seconds)
            .and_then(|d| t.0.checked_add_signed(d))
            .map(Timestamp)
    };
    match (step.every_seconds(), done.iter().max()) {
        (Some(every), Some(&last)) => after(last, every),
        (Some(every), None) => after(start?, step.within_seconds().unwrap_or(every)),
        (None, Some(_)) => None,
        (None, None) => after(start?, step.within_seconds()?),
    }
}

/// Past due: strictly after the due time (at the due minute itself there is still
/// time), and only while the incident is open.
pub fn is_overdue(due: Option<Timestamp>, open: bool, now: Timestamp) -> bool {
    open && due.is_some_and(|due| now > due)
}

/// Whether `entry` did the task `id`. A communication the webhook did not take was
/// drafted, not sent: it does not count.
fn does(entry: &TimelineEntry, id: &str) -> bool {
    entry
        .task
        .as_deref()
        .is_some_and(|task| task.trim().eq_ignore_ascii_case(id.trim()))
        && entry.posted != Some(false)
}

/// Every task of `incident` as it stands at `now`, in the order of `[[task]]`.
pub fn tasks(incident: &Incident, now: Timestamp) -> Vec<TaskState<'_>> {
    let start = clock_start(incident);
    let open = incident.status.is_open();
    let timeline = incident.timeline_in_order();
    incident
        .task
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let mut done: Vec<Done> = timeline
                .iter()
                .filter(|entry| does(entry, &step.id))
                .map(|entry| Done {
                    at: entry.at,
                    by: entry.author.clone(),
                    note: note_of(step, entry),
                })
                .collect();
            if done.is_empty() && step.done_on == Some(StepEvent::Ack) {
                done.extend(took_command(incident));
            }
            let times: Vec<Timestamp> = done.iter().map(|d| d.at).collect();
            let due = next_due(step, start, &times);
            TaskState {
                step,
                index,
                done,
                due,
                overdue: is_overdue(due, open, now),
            }
        })
        .collect()
}

/// Taking command, as a step done: when the incident was acknowledged, by its first
/// commander. `ack` records it in the timeline too, `new --commander` only in the times.
fn took_command(incident: &Incident) -> Option<Done> {
    let at = incident.times.acknowledged?;
    let first = crate::model::roles::roles_held(incident)
        .into_iter()
        .find(|held| held.role == crate::model::roles::COMMANDER);
    Some(Done {
        at,
        by: first.map(|held| held.who),
        note: Some("took command".to_string()),
    })
}

/// How many tasks are done, as the checklist counts them: a repeating step past its due
/// time is not.
pub fn done_count(tasks: &[TaskState<'_>]) -> usize {
    tasks
        .iter()
        .filter(|t| !t.done.is_empty() && !t.overdue)
        .count()
}

/// The command that does `step` of incident `id`: taking command for a step done on
/// `ack`, an update for one with an audience, else `task … done`.
pub fn command_for(step: &Step, id: &str) -> String {
    match (step.done_on, step.audience) {
        (Some(StepEvent::Ack), _) => format!("git incident ack {id}"),
        (None, Some(audience)) => {
            format!("git incident update {id} --audience {audience} --post")
        }
        (None, None) => format!("git incident task {id} done {}", step.id),
    }
}

/// The task an update to `audience` does: the first one for that audience.
pub fn task_for(incident: &Incident, audience: Audience) -> Option<&Step> {
    incident
        .task
        .iter()
        .find(|task| task.audience == Some(audience))
}

/// The task of `incident` that `typed` names (case-insensitive: `t3` is T3).
pub fn find<'a>(incident: &'a Incident, typed: &str) -> Option<&'a Step> {
    incident
        .task
        .iter()
        .find(|step| step.id.trim().eq_ignore_ascii_case(typed.trim()))
}

/// The text of the timeline entry that records doing `step`: `T3 Tell customer
/// success: posted in #cs-alerts`.
pub fn done_text(step: &Step, note: Option<&str>) -> String {
    let mut text = format!("{} {}", step.id, step.title);
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        text.push_str(": ");
        text.push_str(note);
    }
    text
}

/// The note of an entry that did `step`: what follows `ID Title: ` in an entry `task
/// done` wrote, else the first line of the entry's text (an update's heading, a hand
/// edit): the checklist says what was done, the timeline keeps the whole text.
fn note_of(step: &Step, entry: &TimelineEntry) -> Option<String> {
    let head = format!("{} {}", step.id, step.title);
    match entry.text.strip_prefix(&head) {
        Some(rest) => rest
            .strip_prefix(':')
            .map(|note| note.trim().to_string())
            .filter(|note| !note.is_empty()),
        None => entry
            .text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_string),
    }
}

/// One occurrence of a task, as `task --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Done {
    pub at: Timestamp,
    pub by: Option<String>,
    pub note: Option<String>,
}

/// A task as `task --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskJson {
    pub id: String,
    pub title: String,
    pub within: Option<String>,
    pub every: Option<String>,
    pub role: Option<String>,
    pub done: Vec<Done>,
    pub overdue: bool,
    /// When it is due next; null once a one-off step is done or when it has no timing.
    pub due: Option<Timestamp>,
}

impl TaskJson {
    pub fn new(task: &TaskState<'_>) -> TaskJson {
        let step = task.step;
        TaskJson {
            id: step.id.clone(),
            title: step.title.clone(),
            within: step.within.clone(),
            every: step.every.clone(),
            role: step.role.clone(),
            done: task.done.clone(),
            overdue: task.overdue,
            due: task.due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Status, TimelineKind};

    fn at(minute: i64) -> Timestamp {
        let base = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+09:00").unwrap();
        Timestamp(base + Duration::minutes(minute))
    }

    fn step(id: &str, within: Option<&str>, every: Option<&str>) -> Step {
        Step {
            within: within.map(Into::into),
            every: every.map(Into::into),
            ..Step::new(id, format!("step {id}"))
        }
    }

    fn incident(steps: Vec<Step>, done: &[(&str, i64)], status: Status) -> Incident {
        let text = "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"t\"\nseverity = \"SEV1\"\nstatus = \"investigating\"\n[times]\ndetected = 2026-11-23T10:00:00+09:00\n";
        let mut incident: Incident = toml::from_str(text).unwrap();
        incident.status = status;
        incident.task = steps;
        incident.timeline = done
            .iter()
            .map(|(id, minute)| TimelineEntry {
                task: Some(id.to_string()),
                author: Some("ana".into()),
                ..TimelineEntry::new(at(*minute), TimelineKind::Action, format!("{id} x: n"))
            })
            .collect();
        incident
    }

    fn overdue_at(incident: &Incident, minute: i64) -> Vec<String> {
        tasks(incident, at(minute))
            .into_iter()
            .filter(|t| t.overdue)
            .map(|t| t.step.id.clone())
            .collect()
    }

    #[test]
    fn a_one_off_step_is_overdue_after_within_until_it_is_done() {
        let open = incident(
            vec![step("T1", Some("5m"), None)],
            &[],
            Status::Investigating,
        );
        assert_eq!(tasks(&open, at(0))[0].due, Some(at(5)));
        // Exactly at the due time there is still time.
        assert!(overdue_at(&open, 5).is_empty());
        assert_eq!(overdue_at(&open, 6), ["T1"]);
        let done = incident(
            vec![step("T1", Some("5m"), None)],
            &[("t1", 9)],
            Status::Investigating,
        );
        let state = &tasks(&done, at(30))[0];
        assert_eq!(
            (state.due, state.overdue, state.done.len()),
            (None, false, 1)
        );
    }

    #[test]
    fn a_repeating_step_is_due_every_interval_after_its_last_occurrence() {
        let steps = vec![step("T3", Some("15m"), Some("30m"))];
        let fresh = incident(steps.clone(), &[], Status::Investigating);
        assert_eq!(tasks(&fresh, at(0))[0].due, Some(at(15)));
        assert_eq!(overdue_at(&fresh, 16), ["T3"]);
        // Done twice: the next is due 30m after the second.
        let twice = incident(steps, &[("T3", 10), ("T3", 38)], Status::Mitigated);
        let state = &tasks(&twice, at(60))[0];
        assert_eq!(state.due, Some(at(68)));
        assert_eq!(state.done.len(), 2);
        assert!(overdue_at(&twice, 68).is_empty());
        assert_eq!(overdue_at(&twice, 69), ["T3"]);
        // Without `within`, the first is due one interval after the start.
        let every = incident(
            vec![step("T4", None, Some("1h"))],
            &[],
            Status::Investigating,
        );
        assert_eq!(tasks(&every, at(0))[0].due, Some(at(60)));
    }

    #[test]
    fn nothing_is_overdue_once_closed_without_a_start_or_without_timing() {
        let steps = vec![step("T1", Some("5m"), None), step("T5", None, None)];
        for status in [Status::Resolved, Status::Closed, Status::Canceled] {
            let closed = incident(steps.clone(), &[], status);
            assert!(overdue_at(&closed, 600).is_empty());
            assert_eq!(tasks(&closed, at(600))[0].due, Some(at(5)));
        }
        let mut unknown = incident(steps.clone(), &[], Status::Investigating);
        unknown.times.detected = None;
        assert!(overdue_at(&unknown, 600).is_empty());
        unknown.times.started = Some(at(-10));
        assert_eq!(overdue_at(&unknown, 600), ["T1"]);
        assert_eq!(tasks(&unknown, at(600))[1].due, None);
    }

    #[test]
    fn a_step_done_on_ack_is_done_when_command_was_taken() {
        let steps = vec![Step {
            done_on: Some(StepEvent::Ack),
            ..step("T1", Some("5m"), None)
        }];
        let mut waiting = incident(steps.clone(), &[], Status::Investigating);
        assert_eq!(overdue_at(&waiting, 6), ["T1"]);
        // `new --commander` stamps only the time; `ack` also writes an entry naming `to`.
        waiting.times.acknowledged = Some(at(3));
        waiting.commander = Some("ana".into());
        let state = &tasks(&waiting, at(6))[0];
        assert_eq!((state.due, state.overdue), (None, false));
        assert_eq!(
            state.done,
            [Done {
                at: at(3),
                by: Some("ana".into()),
                note: Some("took command".into()),
            }]
        );
        // An entry that names the step is what counts when there is one.
        let mut ticked = incident(steps, &[("T1", 4)], Status::Investigating);
        ticked.times.acknowledged = Some(at(3));
        assert_eq!(tasks(&ticked, at(6))[0].done[0].at, at(4));
    }

    #[test]
    fn the_command_that_does_a_step_is_the_one_that_ticks_it() {
        let plain = step("T2", Some("15m"), None);
        assert_eq!(
            command_for(&plain, "INC-1"),
            "git incident task INC-1 done T2"
        );
        let ack = Step {
            done_on: Some(StepEvent::Ack),
            ..plain.clone()
        };
        assert_eq!(command_for(&ack, "INC-1"), "git incident ack INC-1");
        let cs = Step {
            audience: Some(Audience::Cs),
            ..plain
        };
        assert_eq!(
            command_for(&cs, "INC-1"),
            "git incident update INC-1 --audience cs --post"
        );
    }

    #[test]
    fn an_undelivered_update_does_not_do_the_step() {
        let mut incident = incident(
            vec![step("T3", Some("15m"), Some("30m"))],
            &[("T3", 5)],
            Status::Investigating,
        );
        incident.timeline[0].posted = Some(false);
        assert_eq!(overdue_at(&incident, 16), ["T3"]);
    }

    #[test]
    fn notes_come_back_from_the_entry_text() {
        let step = step("T3", None, None);
        let entry = |text: &str| TimelineEntry::new(at(0), TimelineKind::Action, text.into());
        let written = done_text(&step, Some(" posted in #cs "));
        assert_eq!(written, "T3 step T3: posted in #cs");
        assert_eq!(
            note_of(&step, &entry(&written)).as_deref(),
            Some("posted in #cs")
        );
        assert_eq!(note_of(&step, &entry(&done_text(&step, None))), None);
        assert_eq!(
            note_of(&step, &entry("Sent the update")).as_deref(),
            Some("Sent the update")
        );
        assert_eq!(
            note_of(&step, &entry("\n[SEV1] Payments failing\n\nSince: 10:00\n")).as_deref(),
            Some("[SEV1] Payments failing")
        );
    }
}
