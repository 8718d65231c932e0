//! The branch's history: walking its commits, deriving the times files leave out,
//! and the audit trail of who changed what.

pub mod audit;
pub mod derive;
pub mod facts;
pub mod index;
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

/// Loads every incident of `snapshot` (the branch tip) with history applied, through the
/// read index.
pub fn load(store: &Store, snapshot: &Snapshot<'_>, progress: Progress<'_>) -> Result<History> {
    Ok(Index::load(store, snapshot, Want::History(progress))?.history())
}
