//! `report`: weekly follow-up of action items and postmortems, overdue first.

use crate::error::{FileError, Result};
use crate::history::{self, Progress};
use crate::metrics::followup::{self, ActionRow, PostmortemRow};
use crate::metrics::{Context, Window};
use crate::model::{TimeContext, Zone};
use crate::store::Store;

pub enum Rows {
    Actions(Vec<ActionRow>),
    Postmortems(Vec<PostmortemRow>),
}

pub struct ReportResult {
    pub rows: Rows,
    pub as_of: chrono::NaiveDate,
    pub zone: Zone,
    pub broken: Vec<FileError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Actions,
    Postmortems,
}

pub fn report(
    store: &Store,
    kind: ReportKind,
    as_of: Option<&str>,
    progress: Progress<'_>,
) -> Result<ReportResult> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let zone = config.zone()?;
    let time = TimeContext::wall_clock(zone, crate::store::typist_zone()?);
    let as_of = match as_of {
        Some(s) => time.parse(s)?.timestamp(),
        None => time.now().timestamp(),
    };
    let loaded = history::load(store, &snapshot, progress)?;
    // Reports are about everything still open, not a window of incidents.
    let ctx = Context {
        config: &config,
        window: Window::new(as_of, Some(i64::MIN / 2), Some(i64::MAX / 2)),
        zone,
    };
    let rows = match kind {
        ReportKind::Actions => Rows::Actions(followup::action_rows(&loaded.incidents, &ctx)),
        ReportKind::Postmortems => {
            Rows::Postmortems(followup::postmortem_rows(&loaded.incidents, &ctx))
        }
    };
    Ok(ReportResult {
        rows,
        as_of: followup::report_day(&ctx),
        zone,
        broken: loaded.broken,
    })
}
