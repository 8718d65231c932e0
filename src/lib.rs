//! git-incident: incidents, blameless postmortems and their follow-ups as TOML files
//! on a dedicated branch of the team's repository.

pub mod cli;
pub mod error;
pub mod model;
pub mod store;

pub use error::{Error, FileError, Result};
pub mod check;
pub mod diff;
pub mod history;
pub mod merge;
pub mod metrics;
pub mod notify;
pub mod ops;
pub mod render;
pub mod search;
pub mod site;

#[doc(hidden)]
pub mod fuzzing;
pub mod import;
