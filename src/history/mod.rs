//! The branch's history: walking its commits, deriving the times files leave out,
//! and the audit trail of who changed what.

pub mod audit;
pub mod cache;
pub mod derive;
pub mod facts;
pub mod tree;
pub mod walk;

use std::collections::HashMap;

use crate::error::{Error, FileError, Result};
use crate::metrics::IncidentFacts;
use crate::store::{Snapshot, Store};

pub use walk::Progress;

/// Every incident at the branch tip with its times resolved, and the files that did not
/// parse (each with its line).
pub struct History {
    pub incidents: Vec<IncidentFacts>,
    pub broken: Vec<FileError>,
}

/// The audit events of the branch from `tip` (of one incident's directory when `dir`
/// is given), newest first, at most `limit`, each sent to `sink` as it is read.
pub fn events(
    store: &Store,
    tip: crate::store::Oid,
    dir: Option<&str>,
    limit: Option<usize>,
    progress: Progress<'_>,
    sink: &mut dyn FnMut(audit::Event) -> Result<bool>,
) -> Result<()> {
    audit::events(store.repo(), tip, dir, limit, progress, sink)
}

/// Loads every incident of `snapshot` (the branch tip) with history applied, using and
/// refreshing the cache.
pub fn load(store: &Store, snapshot: &Snapshot<'_>, progress: Progress<'_>) -> Result<History> {
    let repo = store.repo();
    let tip = snapshot
        .commit()
        .ok_or_else(|| Error::not_found("the incident branch has no commits yet"))?;
    let path = store.cache_file("history");
    let cached = cache::read(&path, store.refname());
    let mut fresh = cache::new(store.refname(), tip);
    let mut changed = true;
    match cached {
        Some(old) if old.tip == tip.to_string() => {
            fresh = old;
            changed = false;
        }
        Some(old) => {
            let usable = git2::Oid::from_str(&old.tip)
                .ok()
                .filter(|old_tip| walk::is_ancestor(repo, *old_tip, tip));
            match usable {
                Some(old_tip) => {
                    fresh.derived = old.derived;
                    walk::derive(repo, tip, Some(old_tip), &mut fresh.derived, progress)?;
                    fresh.files = refresh_files(snapshot, old.files)?;
                }
                None => rebuild(repo, snapshot, tip, &mut fresh, progress)?,
            }
        }
        None => rebuild(repo, snapshot, tip, &mut fresh, progress)?,
    }
    if changed {
        cache::write(&path, &fresh);
    }
    Ok(resolve(fresh))
}

fn rebuild(
    repo: &git2::Repository,
    snapshot: &Snapshot<'_>,
    tip: git2::Oid,
    fresh: &mut cache::CacheFile,
    progress: Progress<'_>,
) -> Result<()> {
    walk::derive(repo, tip, None, &mut fresh.derived, progress)?;
    fresh.files = refresh_files(snapshot, HashMap::new())?;
    Ok(())
}

/// What the files at the tip say, re-reading only directories whose tree changed.
fn refresh_files(
    snapshot: &Snapshot<'_>,
    mut old: HashMap<String, cache::CachedDir>,
) -> Result<HashMap<String, cache::CachedDir>> {
    let (entries, _) = snapshot.incident_entries()?;
    let mut files = HashMap::with_capacity(entries.len());
    for entry in entries {
        let tree = entry.tree.to_string();
        if let Some(kept) = old.remove(&entry.dir).filter(|c| c.tree == tree) {
            files.insert(entry.dir.clone(), kept);
            continue;
        }
        let mut errors = Vec::new();
        let mut note = |e: Error, path: String| -> Result<()> {
            errors.push(cache::CachedError::from(&e.into_file_error(path)?));
            Ok(())
        };
        // Whose history applies: the incident's uid, read from the file just parsed.
        let mut identity = derive::identity(None, &entry.dir);
        let facts = match snapshot.incident(&entry) {
            Ok(incident) => {
                identity = derive::identity(Some(&incident.text), &entry.dir);
                // A postmortem that does not parse is reported; the incident still counts.
                let postmortem = match snapshot.postmortem(&entry) {
                    Ok(p) => p,
                    Err(e) => {
                        note(e, entry.postmortem_path())?;
                        None
                    }
                };
                Some(facts::from_files(
                    &entry,
                    &incident.value,
                    postmortem.as_ref().map(|p| &p.value),
                ))
            }
            Err(e) => {
                note(e, entry.incident_path())?;
                None
            }
        };
        files.insert(
            entry.dir.clone(),
            cache::CachedDir {
                tree,
                identity,
                facts,
                errors,
            },
        );
    }
    Ok(files)
}

fn resolve(cache: cache::CacheFile) -> History {
    let mut incidents = Vec::with_capacity(cache.files.len());
    let mut broken = Vec::new();
    for cached in cache.files.into_values() {
        broken.extend(cached.errors.iter().map(FileError::from));
        if let Some(mut facts) = cached.facts {
            facts::apply_history(&mut facts, cache.derived.get(&cached.identity));
            incidents.push(facts);
        }
    }
    incidents.sort_by_key(IncidentFacts::number);
    broken.sort_by(|a, b| a.path.cmp(&b.path));
    History { incidents, broken }
}
