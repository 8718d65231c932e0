//! The figures managers read: durations from start to detection, acknowledgement,
//! mitigation and resolution, postmortem and action-item follow-up. Pure functions over
//! [`IncidentFacts`]; no git and no TOML here.

pub mod dora;
pub mod facts;
pub mod followup;
pub mod updates;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use facts::{ActionFacts, IncidentFacts, PostmortemFacts, Seconds};
pub use updates::{FirstUpdate, UpdateGap, UpdateGaps};

use crate::model::{
    ActionKind, ActionStatus, Config, PostmortemPolicy, PostmortemStatus, TimeKey, Zone,
};

const DAY: Seconds = 86_400;

/// Which incidents count: detected in `[since, until)`; `as_of` is "today" for overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub since: Seconds,
    pub until: Seconds,
    pub as_of: Seconds,
}

impl Window {
    pub const DEFAULT_DAYS: i64 = 90;

    /// The 90 days up to and including `as_of`, each end overridable.
    pub fn new(as_of: Seconds, since: Option<Seconds>, until: Option<Seconds>) -> Window {
        Window {
            since: since.unwrap_or(as_of - Self::DEFAULT_DAYS * DAY),
            // An incident detected at the very second of `as_of` is in.
            until: until.unwrap_or(as_of + 1),
            as_of,
        }
    }

    pub fn contains(&self, t: Seconds) -> bool {
        self.since <= t && t < self.until
    }
}

/// `{count, median, p90, mean}` in whole seconds; the last three are null when empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub count: usize,
    pub median: Option<Seconds>,
    pub p90: Option<Seconds>,
    pub mean: Option<Seconds>,
}

impl Figure {
    /// Median and p90 by nearest rank (the value at position ceil(q·n) of the sorted
    /// list, counting from 1); mean rounded half up.
    pub fn of(mut values: Vec<Seconds>) -> Figure {
        values.sort_unstable();
        let n = values.len();
        if n == 0 {
            return Figure {
                count: 0,
                median: None,
                p90: None,
                mean: None,
            };
        }
        // ceil(q·n) with q in tenths, in integers so no float rounding creeps in.
        let rank = |tenths: usize| (n * tenths).div_ceil(10).max(1);
        let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
        let n128 = n as i128;
        let mean = (2 * sum + n128).div_euclid(2 * n128);
        Figure {
            count: n,
            median: Some(values[rank(5) - 1]),
            p90: Some(values[rank(9) - 1]),
            mean: Some(i64::try_from(mean).unwrap_or(i64::MAX)),
        }
    }
}

/// The durations the contract defines, as (JSON key, from, to).
pub const DURATIONS: [(&str, TimeKey, TimeKey); 4] = [
    ("time_to_detect", TimeKey::Started, TimeKey::Detected),
    (
        "time_to_acknowledge",
        TimeKey::Detected,
        TimeKey::Acknowledged,
    ),
    ("time_to_mitigate", TimeKey::Started, TimeKey::Mitigated),
    ("time_to_resolve", TimeKey::Started, TimeKey::Resolved),
];

/// The ends of the duration `from -> to` as metrics read them, exactly. Impact started
/// when it was recorded to; when nobody recorded it, mitigation and resolution count
/// from detection, while time to detect (whose start this is) leaves the incident out.
fn ends(
    incident: &IncidentFacts,
    from: TimeKey,
    to: TimeKey,
) -> (Option<facts::Nanos>, Option<facts::Nanos>) {
    let start = match from {
        TimeKey::Started if to != TimeKey::Detected => incident
            .exact(TimeKey::Started)
            .or_else(|| incident.exact(TimeKey::Detected)),
        _ => incident.exact(from),
    };
    (start, incident.exact(to))
}

/// `to - from` from the exact times, in whole seconds rounded half up, when both are
/// known and in order.
fn exactly_between(from: Option<facts::Nanos>, to: Option<facts::Nanos>) -> Option<Seconds> {
    let (from, to) = (from?, to?);
    (to >= from).then(|| facts::whole_seconds(from, to))
}

/// `to - from` when both are known and in order; a pair out of order is left out
/// (`git incident check` reports it) rather than dragging a median below zero.
fn between(from: Option<Seconds>, to: Option<Seconds>) -> Option<Seconds> {
    let (from, to) = (from?, to?);
    (to >= from).then_some(to - from)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub incidents: IncidentCounts,
    pub time_to_detect: Figure,
    pub time_to_acknowledge: Figure,
    pub ack_target: AckTarget,
    pub time_to_mitigate: Figure,
    pub time_to_resolve: Figure,
    pub time_to_first_update: FirstUpdate,
    pub update_gaps: UpdateGaps,
    pub postmortems: PostmortemFigures,
    pub actions: ActionFigures,
}

/// Incidents acknowledged within their severity's `ack_target`: `count` have both an
/// acknowledgement and a target, `met` of them took no longer than the target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AckTarget {
    pub count: usize,
    pub met: usize,
}

impl AckTarget {
    /// `met` as a whole percentage of `count`, rounded half up; `None` when nothing counts.
    pub fn percent(&self) -> Option<usize> {
        (self.count > 0).then(|| (200 * self.met + self.count) / (2 * self.count))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentCounts {
    pub total: usize,
    pub canceled: usize,
    pub by_severity: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostmortemFigures {
    pub required: usize,
    pub published: usize,
    pub lead_time: Figure,
    pub overdue: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionFigures {
    pub total: usize,
    pub open: usize,
    pub done: usize,
    pub wont_do: usize,
    pub overdue: usize,
    pub time_to_done: Figure,
    pub by_kind: BTreeMap<String, usize>,
}

impl Summary {
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        match key {
            "time_to_detect" => Some(&self.time_to_detect),
            "time_to_acknowledge" => Some(&self.time_to_acknowledge),
            "time_to_mitigate" => Some(&self.time_to_mitigate),
            "time_to_resolve" => Some(&self.time_to_resolve),
            _ => None,
        }
    }
}

/// What the figures need from config.toml and the calendar.
pub struct Context<'a> {
    pub config: &'a Config,
    pub window: Window,
    pub zone: Zone,
}

impl Context<'_> {
    fn requires_postmortem(&self, severity: &str) -> bool {
        self.config
            .severity(severity)
            .is_some_and(|s| s.postmortem == PostmortemPolicy::Required)
    }

    fn due_days(&self, severity: &str) -> Option<u32> {
        self.config
            .severity(severity)
            .and_then(|s| s.postmortem_due_days)
    }

    /// The calendar day of `as_of` in the team's zone: due dates are days.
    pub fn as_of_day(&self) -> NaiveDate {
        day_of(self.window.as_of, self.zone)
    }
}

pub fn day_of(t: Seconds, zone: Zone) -> NaiveDate {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|utc| zone.convert(utc.fixed_offset()).date_naive())
        .unwrap_or_default()
}

/// The incidents the figures are about: detected in the window, drills left out.
/// Canceled ones are kept here only to be counted as canceled.
pub fn in_window<'a>(incidents: &'a [IncidentFacts], window: &Window) -> Vec<&'a IncidentFacts> {
    incidents
        .iter()
        .filter(|i| !i.drill && i.times.detected.is_some_and(|d| window.contains(d)))
        .collect()
}

/// Every figure over `incidents` (already chosen by [`in_window`]).
pub fn summarize(incidents: &[&IncidentFacts], ctx: &Context<'_>) -> Summary {
    let counted: Vec<&IncidentFacts> = incidents
        .iter()
        .copied()
        .filter(|i| !i.is_canceled())
        .collect();
    let mut by_severity = BTreeMap::new();
    for incident in &counted {
        *by_severity.entry(incident.severity.clone()).or_insert(0) += 1;
    }
    let duration = |from: TimeKey, to: TimeKey| {
        Figure::of(
            counted
                .iter()
                .filter_map(|i| {
                    let (start, end) = ends(i, from, to);
                    exactly_between(start, end)
                })
                .collect(),
        )
    };
    let [detect, acknowledge, mitigate, resolve] =
        DURATIONS.map(|(_, from, to)| duration(from, to));
    Summary {
        incidents: IncidentCounts {
            total: counted.len(),
            canceled: incidents.len() - counted.len(),
            by_severity,
        },
        time_to_detect: detect,
        time_to_acknowledge: acknowledge,
        ack_target: ack_target(&counted, ctx.config),
        time_to_mitigate: mitigate,
        time_to_resolve: resolve,
        time_to_first_update: updates::first_update(&counted),
        update_gaps: updates::update_gaps(&counted, ctx.window.as_of),
        postmortems: postmortem_figures(&counted, ctx),
        actions: action_figures(&counted, ctx),
    }
}

fn ack_target(counted: &[&IncidentFacts], config: &Config) -> AckTarget {
    let mut figure = AckTarget::default();
    for incident in counted {
        let Some(target) = config.ack_target(&incident.severity) else {
            continue;
        };
        if let Some(took) = between(incident.times.detected, incident.times.acknowledged) {
            figure.count += 1;
            figure.met += usize::from(took <= target);
        }
    }
    figure
}

fn is_published(incident: &IncidentFacts) -> bool {
    incident
        .postmortem
        .as_ref()
        .is_some_and(|p| p.status == PostmortemStatus::Published)
}

/// When a required, unpublished postmortem falls due: resolution plus the severity's
/// `postmortem_due_days`.
pub fn postmortem_due(incident: &IncidentFacts, config: &Config) -> Option<Seconds> {
    config.postmortem_due(&incident.severity, incident.times.resolved?)
}

fn postmortem_figures(counted: &[&IncidentFacts], ctx: &Context<'_>) -> PostmortemFigures {
    let required: Vec<&&IncidentFacts> = counted
        .iter()
        .filter(|i| ctx.requires_postmortem(&i.severity))
        .collect();
    let lead_times = counted
        .iter()
        .filter(|i| is_published(i))
        .filter_map(|i| {
            let published = i.postmortem.as_ref()?.published_at;
            between(i.times.resolved, published)
        })
        .collect();
    let overdue = required
        .iter()
        .filter(|i| !is_published(i))
        .filter(|i| {
            ctx.due_days(&i.severity).is_some()
                && postmortem_due(i, ctx.config).is_some_and(|due| due < ctx.window.as_of)
        })
        .count();
    PostmortemFigures {
        required: required.len(),
        published: counted.iter().filter(|i| is_published(i)).count(),
        lead_time: Figure::of(lead_times),
        overdue,
    }
}

fn action_figures(counted: &[&IncidentFacts], ctx: &Context<'_>) -> ActionFigures {
    let actions: Vec<&ActionFacts> = counted
        .iter()
        .filter_map(|i| i.postmortem.as_ref())
        .flat_map(|p| &p.actions)
        .collect();
    let count = |status: &[ActionStatus]| {
        actions
            .iter()
            .filter(|a| status.contains(&a.status))
            .count()
    };
    let today = ctx.as_of_day();
    let mut by_kind: BTreeMap<String, usize> = ActionKind::NAMES
        .iter()
        .map(|k| (k.to_string(), 0))
        .collect();
    for action in &actions {
        *by_kind.entry(action.kind.to_string()).or_insert(0) += 1;
    }
    ActionFigures {
        total: actions.len(),
        open: count(&[ActionStatus::Open, ActionStatus::InProgress]),
        done: count(&[ActionStatus::Done]),
        wont_do: count(&[ActionStatus::WontDo]),
        overdue: actions
            .iter()
            .filter(|a| a.status.is_overdue(a.due, today))
            .count(),
        time_to_done: Figure::of(
            actions
                .iter()
                .filter(|a| a.status == ActionStatus::Done)
                .filter_map(|a| between(a.created, a.done_at))
                .collect(),
        ),
        by_kind,
    }
}

/// How `--by` splits incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Severity,
    Service,
    Team,
    Month,
    Week,
}

/// The group of incidents without a service (or team).
pub const NO_GROUP: &str = "(none)";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub summary: Summary,
}

/// An incident's groups: several for an incident with several services.
fn keys(incident: &IncidentFacts, by: GroupBy, zone: Zone) -> Vec<String> {
    let list = |values: &[String]| {
        if values.is_empty() {
            vec![NO_GROUP.to_string()]
        } else {
            let mut unique = values.to_vec();
            unique.sort();
            unique.dedup();
            unique
        }
    };
    let detected = incident.times.detected.unwrap_or_default();
    match by {
        GroupBy::Severity => vec![incident.severity.clone()],
        GroupBy::Service => list(&incident.services),
        GroupBy::Team => list(&incident.teams),
        GroupBy::Month => vec![month_key(detected, zone)],
        GroupBy::Week => {
            let week = day_of(detected, zone).iso_week();
            vec![format!("{}-W{:02}", week.year(), week.week())]
        }
    }
}

pub fn month_key(t: Seconds, zone: Zone) -> String {
    day_of(t, zone).format("%Y-%m").to_string()
}

/// One summary per group. Severities follow config.toml's order; other keys sort
/// (months and weeks chronologically), with "(none)" last.
pub fn grouped(incidents: &[&IncidentFacts], by: GroupBy, ctx: &Context<'_>) -> Vec<Group> {
    let mut groups: BTreeMap<String, Vec<&IncidentFacts>> = BTreeMap::new();
    for incident in incidents {
        for key in keys(incident, by, ctx.zone) {
            groups.entry(key).or_default().push(incident);
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(key, members)| Group {
            summary: summarize(&members, ctx),
            key,
        })
        .collect();
    let rank = |key: &str| match by {
        GroupBy::Severity => ctx
            .config
            .severity
            .iter()
            .position(|s| s.name == key)
            .unwrap_or(usize::MAX),
        _ => usize::from(key == NO_GROUP),
    };
    out.sort_by(|a, b| (rank(&a.key), &a.key).cmp(&(rank(&b.key), &b.key)));
    out
}

/// Incidents per month over the window, for the trend line (months with none included).
pub fn monthly_counts(incidents: &[&IncidentFacts], ctx: &Context<'_>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut day = day_of(ctx.window.since, ctx.zone)
        .with_day(1)
        .unwrap_or_default();
    let last = day_of(ctx.window.until - 1, ctx.zone);
    while day <= last {
        counts.insert(day.format("%Y-%m").to_string(), 0);
        day = day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    for incident in incidents.iter().filter(|i| !i.is_canceled()) {
        if let Some(detected) = incident.times.detected {
            *counts.entry(month_key(detected, ctx.zone)).or_insert(0) += 1;
        }
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests;
