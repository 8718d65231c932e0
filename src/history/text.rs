//! The search part of the read index: each incident directory's searchable text (a
//! `search::Document`), keyed by the directory's tree OID like the rest of the index,
//! so that a moved tip re-reads only the directories that changed. `search` and the
//! site read incidents' text through here alone.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::index::{read, tip_of, write};
use crate::error::{FileError, Result};
use crate::search::Document;
use crate::store::{IncidentEntry, Snapshot, Store};

/// Bump whenever what a document holds, or how it is built, changes.
const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Texts {
    version: u32,
    /// A list, not a map: a warm search reads it whole and hashes nothing.
    dirs: Vec<TextDir>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TextDir {
    dir: String,
    tree: String,
    /// `None` when incident.toml does not parse.
    document: Option<Document>,
    /// The files of the directory that do not parse.
    broken: Vec<FileError>,
}

/// Every incident's searchable text at the tip, and the files that could not be read.
pub struct Searchable {
    /// Newest first (by detection time, then by number).
    pub documents: Vec<Document>,
    /// By path.
    pub broken: Vec<FileError>,
}

/// The documents of every incident at `snapshot` (the branch tip), from the search
/// part of the index, brought up to date and saved as needed.
pub fn documents(store: &Store, snapshot: &Snapshot<'_>) -> Result<Searchable> {
    let tip = tip_of(snapshot)?.to_string();
    let path = store.cache_file("search");
    let mut part = read::<Texts>(&path, store.refname())
        .filter(|part| part.body.version == VERSION)
        .unwrap_or_default();
    if part.tip != tip {
        let old = std::mem::take(&mut part.body.dirs);
        part.body.dirs = crate::store::without_object_cache(|| refresh(snapshot, old))?;
        part.body.version = VERSION;
        part.tip = tip;
        write(store, &path, &mut part);
    }
    let mut documents = Vec::with_capacity(part.body.dirs.len());
    let mut broken = Vec::new();
    for dir in part.body.dirs {
        documents.extend(dir.document);
        broken.extend(dir.broken);
    }
    documents.sort_by_key(|d| std::cmp::Reverse((d.detected, d.number)));
    broken.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Searchable { documents, broken })
}

/// The directories at the tip, re-reading only those whose tree changed.
fn refresh(snapshot: &Snapshot<'_>, old: Vec<TextDir>) -> Result<Vec<TextDir>> {
    let old: HashMap<String, TextDir> = old.into_iter().map(|d| (d.dir.clone(), d)).collect();
    let (entries, _) = snapshot.incident_entries()?;
    let (kept, read) =
        snapshot.reread_changed(&entries, old, |d, tree| d.tree == tree, read_dir)?;
    Ok(kept.into_iter().chain(read).map(|(_, dir)| dir).collect())
}

fn read_dir(snapshot: &Snapshot<'_>, entry: &IncidentEntry, tree: String) -> Result<TextDir> {
    let mut broken = Vec::new();
    let incident = match snapshot.incident(entry) {
        Ok(loaded) => Some(loaded.value),
        Err(e) => {
            broken.push(e.into_file_error(entry.incident_path())?);
            None
        }
    };
    let postmortem = match snapshot.postmortem(entry) {
        Ok(loaded) => loaded.map(|l| l.value),
        Err(e) => {
            broken.push(e.into_file_error(entry.postmortem_path())?);
            None
        }
    };
    let document =
        incident.map(|i| Document::new(&entry.dir, entry.id.number, &i, postmortem.as_ref()));
    Ok(TextDir {
        dir: entry.dir.clone(),
        tree,
        document,
        broken,
    })
}
