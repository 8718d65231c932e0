//! Weekly follow-up: which action items and postmortems are late or waiting, per owner.
//! Overdue items come first; within each part, items are grouped by owner.

use chrono::NaiveDate;
use serde::Serialize;

use crate::metrics::{ActionFacts, Context, IncidentFacts, Seconds, day_of, postmortem_due};
use crate::model::{ActionKind, ActionStatus, PostmortemPolicy, PostmortemStatus};

pub const UNASSIGNED: &str = "(unassigned)";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub owner: String,
    pub id: String,
    pub incident: String,
    pub title: String,
    pub kind: ActionKind,
    pub status: ActionStatus,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
    /// Whole days past `due` as of the report date (0 when not overdue).
    pub days_overdue: i64,
    /// Whole days since the commit that added it.
    pub days_open: Option<i64>,
    pub link: Option<String>,
    /// (incident number, action number), so that INC-9 comes before INC-10.
    #[serde(skip)]
    order: (u64, u64),
}

fn owner_of(owner: Option<&String>) -> String {
    owner
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .unwrap_or(UNASSIGNED)
        .to_string()
}

fn whole_days(from: Seconds, to: Seconds) -> i64 {
    (to - from).div_euclid(86_400)
}

/// Open and in-progress action items of every incident (drills too: their follow-ups
/// are real work).
pub fn action_rows(incidents: &[IncidentFacts], ctx: &Context<'_>) -> Vec<ActionRow> {
    let today = ctx.as_of_day();
    let mut rows: Vec<ActionRow> = incidents
        .iter()
        .flat_map(|i| {
            i.postmortem
                .iter()
                .flat_map(|p| &p.actions)
                .map(move |a| (i, a))
        })
        .filter(|(_, a)| a.status.is_open())
        // As of a past day, an item added later did not exist yet.
        .filter(|(_, a)| a.created.is_none_or(|created| created <= ctx.window.as_of))
        .map(|(incident, action)| action_row(incident, action, today, ctx.window.as_of))
        .collect();
    rows.sort_by(|a, b| {
        (!a.overdue, &a.owner, -a.days_overdue, a.due, a.order).cmp(&(
            !b.overdue,
            &b.owner,
            -b.days_overdue,
            b.due,
            b.order,
        ))
    });
    rows
}

fn action_row(
    incident: &IncidentFacts,
    action: &ActionFacts,
    today: NaiveDate,
    as_of: Seconds,
) -> ActionRow {
    let overdue = action.status.is_overdue(action.due, today);
    ActionRow {
        owner: owner_of(action.owner.as_ref()),
        id: action.id.clone(),
        incident: incident.id.clone(),
        title: action.title.clone(),
        kind: action.kind,
        status: action.status,
        due: action.due,
        overdue,
        days_overdue: match action.due {
            Some(due) if overdue => (today - due).num_days(),
            _ => 0,
        },
        days_open: action.created.map(|c| whole_days(c, as_of).max(0)),
        link: action.link.clone(),
        order: (
            incident.number(),
            action
                .id
                .rsplit(".A")
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        ),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostmortemRow {
    pub owner: String,
    pub incident: String,
    pub title: String,
    pub severity: String,
    /// `missing` when no postmortem was started yet.
    pub status: String,
    #[serde(serialize_with = "rfc3339")]
    pub resolved: Option<Seconds>,
    #[serde(serialize_with = "rfc3339")]
    pub due: Option<Seconds>,
    pub overdue: bool,
    pub days_overdue: i64,
    pub days_since_resolved: Option<i64>,
    /// The file on the branch.
    pub link: String,
    #[serde(skip)]
    number: u64,
}

/// Times in JSON are RFC 3339, as everywhere else in the tool's output (UTC here).
fn rfc3339<S: serde::Serializer>(t: &Option<Seconds>, s: S) -> Result<S::Ok, S::Error> {
    match t.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(t) => s.collect_str(&t.fixed_offset().to_rfc3339()),
        None => s.serialize_none(),
    }
}

/// Unpublished postmortems that are overdue (required, resolved longer ago than the
/// severity allows) or waiting in review. Drills and canceled incidents are left out.
pub fn postmortem_rows(incidents: &[IncidentFacts], ctx: &Context<'_>) -> Vec<PostmortemRow> {
    postmortem_rows_due_within(incidents, ctx, 0)
}

/// The same, and also those falling due within `horizon` seconds of the as-of time.
pub fn postmortem_rows_due_within(
    incidents: &[IncidentFacts],
    ctx: &Context<'_>,
    horizon: Seconds,
) -> Vec<PostmortemRow> {
    let as_of = ctx.window.as_of;
    let mut rows: Vec<PostmortemRow> = incidents
        .iter()
        .filter(|i| !i.drill && !i.is_canceled())
        .filter_map(|incident| {
            let postmortem = incident.postmortem.as_ref();
            let status = postmortem.map(|p| p.status);
            if status == Some(PostmortemStatus::Published) {
                return None;
            }
            let required = ctx
                .config
                .severity(&incident.severity)
                .is_some_and(|s| s.postmortem == PostmortemPolicy::Required);
            let due = postmortem_due(incident, ctx.config).filter(|_| required);
            let overdue = due.is_some_and(|d| d < as_of);
            let due_soon = horizon > 0 && due.is_some_and(|d| d < as_of + horizon);
            if !overdue && !due_soon && status != Some(PostmortemStatus::InReview) {
                return None;
            }
            Some(PostmortemRow {
                owner: owner_of(postmortem.and_then(|p| p.owner.as_ref())),
                incident: incident.id.clone(),
                title: incident.title.clone(),
                severity: incident.severity.clone(),
                status: status.map_or("missing".to_string(), |s| s.to_string()),
                resolved: incident.times.resolved,
                due,
                overdue,
                days_overdue: due.filter(|_| overdue).map_or(0, |d| whole_days(d, as_of)),
                days_since_resolved: incident.times.resolved.map(|r| whole_days(r, as_of).max(0)),
                link: format!("{}/postmortem.toml", incident.dir),
                number: incident.number(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (!a.overdue, &a.owner, -a.days_overdue, a.number).cmp(&(
            !b.overdue,
            &b.owner,
            -b.days_overdue,
            b.number,
        ))
    });
    rows
}

/// The calendar day a report is "as of", for headings.
pub fn report_day(ctx: &Context<'_>) -> NaiveDate {
    day_of(ctx.window.as_of, ctx.zone)
}
