//! `log`: the audit trail of one incident or of the whole branch, newest first.

use crate::error::Result;
use crate::history::Progress;
use crate::history::audit::{self, Event};
use crate::model::{IncidentId, Zone};
use crate::store::Store;

pub struct LogResult {
    pub events: Vec<Event>,
    pub zone: Zone,
}

pub fn log(
    store: &Store,
    id: Option<&str>,
    limit: Option<usize>,
    progress: Progress<'_>,
) -> Result<LogResult> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let dir = match id {
        Some(id) => {
            let id = IncidentId::parse_with_prefix(id, &config.id_prefix)?;
            Some(snapshot.require(&id)?.dir)
        }
        None => None,
    };
    let tip = snapshot
        .commit()
        .expect("a snapshot of the branch tip has a commit");
    let events = audit::events(store.repo(), tip, dir.as_deref(), limit, progress)?;
    Ok(LogResult {
        events,
        zone: config.zone()?,
    })
}
