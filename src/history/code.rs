//! Action items closed in the code repository: what its `Incident-Action:` trailers
//! make of the items the files list, applied when the branch is read (nobody has to
//! write the branch for a commit to close an item).

use crate::error::Result;
use crate::metrics::ActionFacts;
use crate::model::trailer::{Closures, Verdict};
use crate::model::{Action, ActionStatus, Timestamp, Zone};
use crate::store::Store;

/// What the code refs say, read through the trailer cache; with `--as-known`, only the
/// commits made by then (a later commit, or a later revert, was not known yet).
pub fn closures(store: &Store) -> Result<Closures> {
    let mut commits = store.trailer_commits()?;
    if let Some(at) = store.known_at() {
        commits.retain(|c| c.time <= at);
    }
    Ok(Closures::from_commits(&commits))
}

/// The item as the code history leaves it; `done_at` in the team's zone.
pub fn close_action(closures: &Closures, action: &mut Action, zone: Zone) {
    match closures.verdict(&action.id, action.status, action.done_by.as_deref()) {
        Verdict::AsFiled => {}
        Verdict::Done(closure) => {
            action.status = ActionStatus::Done;
            action.done_at = chrono::DateTime::from_timestamp(closure.time, 0)
                .map(|t| Timestamp(zone.convert(t.fixed_offset())));
            action.done_by = Some(closure.commit.clone());
        }
        Verdict::Reopened => {
            action.status = ActionStatus::Open;
            action.done_at = None;
            action.done_by = None;
        }
    }
}

/// The same for the facts metrics and reports count.
pub fn close_facts(closures: &Closures, action: &mut ActionFacts) {
    match closures.verdict(&action.id, action.status, action.done_by.as_deref()) {
        Verdict::AsFiled => {}
        Verdict::Done(closure) => {
            action.status = ActionStatus::Done;
            action.done_at = Some(closure.time);
            action.done_by = Some(closure.commit.clone());
        }
        Verdict::Reopened => {
            action.status = ActionStatus::Open;
            action.done_at = None;
            action.done_by = None;
        }
    }
}
