//! `log`: the audit trail of one incident or of the whole branch, newest first.

use crate::error::Result;
use crate::history::audit::Event;
use crate::history::{self, Progress, index};
use crate::model::{Config, IncidentId, Zone};
use crate::store::{Oid, Store};

/// What a `log` walks: from which tip, which incident's directory (all when `None`),
/// and the zone its times are shown in.
pub struct LogScope {
    tip: Oid,
    dir: Option<String>,
    /// The commits that touched `dir`, when the read index knows them.
    only: Option<index::Touching>,
    pub zone: Zone,
    /// For the authors' handles.
    config: Config,
}

pub fn scope(store: &Store, id: Option<&str>) -> Result<LogScope> {
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
    // One incident's log reads only the commits that touched it, when the index has
    // walked the history before (metrics, report, show); else every commit is looked at.
    let only = match &dir {
        Some(dir) => index::commits_touching(store, &snapshot, dir, &mut |_, _| {})?,
        None => None,
    };
    Ok(LogScope {
        tip,
        dir,
        only,
        zone: config.zone()?,
        config,
    })
}

/// Sends each event of `scope` to `sink` as it is read, newest first, at most `limit`.
pub fn log(
    store: &Store,
    scope: &LogScope,
    limit: Option<usize>,
    progress: Progress<'_>,
    sink: &mut dyn FnMut(Event) -> Result<bool>,
) -> Result<()> {
    history::events(
        store,
        scope.tip,
        scope.dir.as_deref(),
        scope.only.as_ref(),
        limit,
        progress,
        &mut |mut event: Event| {
            event.handle = scope
                .config
                .handle_of(&event.author, &event.email)
                .map(str::to_string);
            sink(event)
        },
    )
}
