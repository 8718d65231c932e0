//! The branch's history: walking its commits, deriving the times files leave out,
//! and the audit trail of who changed what.

pub mod audit;
pub mod code;
pub mod derive;
pub mod facts;
pub mod index;
pub mod text;
pub mod tree;
pub mod walk;

use crate::error::{FileError, Result};
use crate::metrics::IncidentFacts;
use crate::store::{Snapshot, Store};

pub use index::{Index, Want};
pub use walk::Progress;

/// Every incident at the branch tip with its times resolved, and the files that did not
/// parse (each with its line).
pub struct History {
    pub incidents: Vec<IncidentFacts>,
    pub broken: Vec<FileError>,
}

/// The audit events of the branch from `tip` (of one incident's directory when `dir`
/// is given; only the commits `only` lists, when the read index knows them), newest
/// first, at most `limit`, each sent to `sink` as it is read.
pub fn events(
    store: &Store,
    tip: crate::store::Oid,
    dir: Option<&str>,
    only: Option<&index::Touching>,
    limit: Option<usize>,
    progress: Progress<'_>,
    sink: &mut dyn FnMut(audit::Event) -> Result<bool>,
) -> Result<()> {
    audit::events(store.repo(), tip, dir, only, limit, progress, sink)
}

/// Loads every incident of `snapshot` (the branch tip) with history applied, through the
/// read index, and the action items the code history closed.
pub fn load(store: &Store, snapshot: &Snapshot<'_>, progress: Progress<'_>) -> Result<History> {
    let mut history = Index::load(store, snapshot, Want::History(progress))?.into_history();
    let closures = code::closures(store)?;
    for incident in &mut history.incidents {
        for action in incident.postmortem.iter_mut().flat_map(|p| &mut p.actions) {
            code::close_facts(&closures, action);
        }
    }
    Ok(history)
}
