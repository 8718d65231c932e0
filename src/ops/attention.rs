//! What needs attention now (a bare `git incident`): open incidents, the caller's open
//! action items, and postmortems that are late, nearly due or waiting in review.

use chrono::NaiveDate;

use crate::error::{FileError, Result};
use crate::history::{Index, Progress, Want};
use crate::metrics::followup::{self, PostmortemRow};
use crate::metrics::{Context, IncidentFacts, Window};
use crate::model::{Config, TimeContext, TimeKey, Timestamp};
use crate::ops::{action, list};
use crate::store::{Snapshot, Store};

/// A postmortem falling due within this many days is shown before it is late.
pub const DUE_SOON_DAYS: i64 = 3;

pub struct Attention {
    pub config: Config,
    pub time: TimeContext,
    /// Whose action items are shown: `None` when git knows no name for the caller.
    pub me: Option<String>,
    /// Open incidents as their files say them, newest first.
    pub incidents: Vec<IncidentFacts>,
    /// The same, as `list --json --status open` prints them.
    pub incidents_json: String,
    /// Overdue tasks of open incidents, the longest overdue first.
    pub tasks: Vec<OverdueTask>,
    /// The caller's open and in-progress items: overdue first, then by due date.
    pub actions: Vec<action::Listed>,
    /// Overdue first, then due soon or in review, as `report postmortems` orders them.
    pub postmortems: Vec<PostmortemRow>,
    pub today: NaiveDate,
    pub broken: Vec<FileError>,
}

/// Who "me" is: the handle `[[person]]` in config.toml gives the caller's git identity
/// (`user.name`, `user.email`, `GIT_AUTHOR_*`), else that identity's name.
pub fn me(store: &Store, config: &Config) -> Option<String> {
    store
        .author()
        .ok()
        .map(|ident| config.me(&ident.name, &ident.email))
        .filter(|name| !name.trim().is_empty())
}

/// Whether an action item's owner is the caller.
fn is_mine(owner: Option<&str>, me: &str) -> bool {
    owner.is_some_and(|owner| owner.trim().eq_ignore_ascii_case(me.trim()))
}

pub fn attention(store: &Store, progress: Progress<'_>) -> Result<Attention> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let today = time.today();
    let me = me(store, &config);

    let index = Index::load(store, &snapshot, Want::History(progress))?;
    let open = list::Filter {
        status: Some("open".to_string()),
        ..list::Filter::default()
    };
    let open = list::matching(&index, &open);
    let texts = index.json_texts(&snapshot, &open)?;
    let incidents_json = list::json_array(texts.iter().map(String::as_str));
    let incidents: Vec<IncidentFacts> = open.into_iter().cloned().collect();

    let tasks = overdue_tasks(&snapshot, &config, &incidents, time.now())?;

    let closures = crate::history::code::closures(store)?;
    let mut actions = action::list_all(&index, today, &closures, time.zone)?;
    actions.retain(|item| {
        item.action.status.is_open()
            && me
                .as_deref()
                .is_some_and(|me| is_mine(item.action.owner.as_deref(), me))
    });
    actions.sort_by_key(|item| (!item.overdue, item.action.due.is_none(), item.action.due));

    let loaded = index.into_history();
    let now = time.now().timestamp();
    let ctx = Context {
        config: &config,
        window: Window::new(now, Some(i64::MIN / 2), Some(i64::MAX / 2)),
        zone: time.zone,
    };
    let postmortems =
        followup::postmortem_rows_due_within(&loaded.incidents, &ctx, DUE_SOON_DAYS * 86_400);
    let broken = loaded.broken;
    Ok(Attention {
        config,
        time,
        me,
        incidents,
        incidents_json,
        tasks,
        actions,
        postmortems,
        today,
        broken,
    })
}

/// A task of an open incident past its due time, as the attention view's `--json` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OverdueTask {
    pub incident: String,
    pub id: String,
    pub title: String,
    pub due: Timestamp,
    pub role: Option<String>,
}

/// The overdue tasks of `open` incidents at `now`. Open incidents are few, so their
/// files are read here rather than the read index growing a copy of every task.
fn overdue_tasks(
    snapshot: &Snapshot<'_>,
    config: &Config,
    open: &[IncidentFacts],
    now: Timestamp,
) -> Result<Vec<OverdueTask>> {
    let mut overdue = Vec::new();
    for facts in open {
        let id = crate::model::IncidentId::parse_with_prefix(&facts.id, &config.id_prefix)?;
        let Some(entry) = snapshot.locate(&id)? else {
            continue;
        };
        // A file that does not parse is reported with the listing; it has no tasks here.
        let Ok(loaded) = snapshot.incident(&entry) else {
            continue;
        };
        let incident = loaded.value;
        for task in crate::model::flow::tasks(&incident, now) {
            if let Some(due) = task.due.filter(|_| task.overdue) {
                overdue.push(OverdueTask {
                    incident: incident.id.clone(),
                    id: task.step.id.clone(),
                    title: task.step.title.clone(),
                    due,
                    role: task.step.role.clone(),
                });
            }
        }
    }
    overdue.sort_by_key(|task| task.due);
    Ok(overdue)
}

/// How long an incident has been open: since it was detected (or started).
pub fn age(incident: &IncidentFacts, now: Timestamp) -> Option<i64> {
    let since = incident
        .exact(TimeKey::Detected)
        .or_else(|| incident.exact(TimeKey::Started))?;
    let now = i128::from(now.0.timestamp()) * 1_000_000_000
        + i128::from(now.0.timestamp_subsec_nanos().min(999_999_999));
    Some(crate::metrics::facts::whole_seconds(since, now).max(0))
}
