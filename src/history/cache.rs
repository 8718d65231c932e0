//! The history cache under `$GIT_DIR/incident/`: what a full walk found, keyed by the
//! branch tip it describes. When the tip moves it is brought up to date from the commits
//! in between; it is rebuilt when the old tip is no longer an ancestor (a rewrite), and
//! when it is missing, unreadable or of another format. Never the only copy of anything.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FileError;
use crate::history::derive::Derived;
use crate::metrics::IncidentFacts;

/// Bump whenever what is stored, or how it is derived, changes.
// 5: facts keep sub-second times per TimeKey; a cached finding's message no longer
// starts with its level.
const FORMAT: u32 = 5;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CacheFile {
    pub format: u32,
    pub refname: String,
    /// The commit this describes.
    pub tip: String,
    pub derived: HashMap<String, Derived>,
    /// Each incident directory at the tip, by its tree OID: what its files say.
    pub files: HashMap<String, CachedDir>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedDir {
    pub tree: String,
    /// The key of its derived facts: the incident's uid (see `derive::identity`).
    pub identity: String,
    pub facts: Option<IncidentFacts>,
    pub errors: Vec<CachedError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl From<&FileError> for CachedError {
    fn from(e: &FileError) -> Self {
        CachedError {
            path: e.path.clone(),
            line: e.line,
            message: e.message.clone(),
        }
    }
}

impl From<&CachedError> for FileError {
    fn from(e: &CachedError) -> Self {
        FileError::error(e.path.clone(), e.line, e.message.clone())
    }
}

/// The cache for `refname`, or `None` when there is none worth trusting.
pub fn read(path: &Path, refname: &str) -> Option<CacheFile> {
    let bytes = std::fs::read(path).ok()?;
    let cache: CacheFile = serde_json::from_slice(&bytes).ok()?;
    (cache.format == FORMAT && cache.refname == refname).then_some(cache)
}

/// Best effort: a repository we may not write to still gets correct (slower) answers.
pub fn write(path: &Path, cache: &CacheFile) {
    write_json(path, cache)
}

/// Writes `value` as JSON to `path` through a temporary file and a rename, so a reader
/// never sees half a file; failures are ignored (a cache is only a cache).
pub fn write_json<T: Serialize>(path: &Path, value: &T) {
    if let Ok(bytes) = serde_json::to_vec(value) {
        let _ = crate::store::private::write_atomically(path, &bytes);
    }
}

pub fn new(refname: &str, tip: git2::Oid) -> CacheFile {
    CacheFile {
        format: FORMAT,
        refname: refname.to_string(),
        tip: tip.to_string(),
        ..CacheFile::default()
    }
}
