//! Walking the branch's commits and folding each new version of an incident's files
//! into what history says about it.

use std::collections::HashMap;

use git2::{Oid, Repository, Sort};

use crate::error::{GitContext, Result};
use crate::history::derive::{self, Derived, IncidentSeen};
use crate::history::tree::{IncidentFile, Touched, TreeReader};

/// Reports (done, total) commits; called often, so it must be cheap.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// The commits reachable from `tip` but not from `since`, newest first.
pub fn commits(repo: &Repository, tip: Oid, since: Option<Oid>) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk().context(|| "could not walk history".into())?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
        .context(|| "could not walk history".into())?;
    walk.push(tip)
        .context(|| format!("could not walk from {tip}"))?;
    if let Some(old) = since {
        walk.hide(old)
            .context(|| format!("could not walk from {old}"))?;
    }
    // A commit we cannot read would silently be a wrong metric: fail instead.
    walk.map(|oid| oid.context(|| "could not walk history".into()))
        .collect()
}

/// The incident files `commit` changed (in `only`, an incident directory, when given):
/// compared with its first parent, and for a merge only the versions no parent had.
pub fn touched(
    repo: &Repository,
    reader: &mut TreeReader<'_>,
    commit: &git2::Commit<'_>,
    only: Option<&str>,
) -> Result<Vec<Touched>> {
    let parent_trees = commit
        .parent_ids()
        .map(|p| {
            repo.find_commit(p)
                .map(|c| c.tree_id())
                .context(|| format!("could not read commit {p}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let (old, new) = (parent_trees.first().copied(), Some(commit.tree_id()));
    let mut touched = match only {
        Some(dir) => reader.changed_in(old, new, dir)?,
        None => reader.changed(old, new)?,
    };
    if parent_trees.len() > 1 {
        let mut kept = Vec::with_capacity(touched.len());
        'touched: for mut t in touched {
            for parent in &parent_trees[1..] {
                let theirs = reader.blob_at(*parent, &t.dir, t.file)?;
                if theirs == t.blob {
                    continue 'touched;
                }
                t.before.push(theirs);
            }
            kept.push(t);
        }
        touched = kept;
    }
    Ok(touched)
}

/// Folds the commits reachable from `tip` and not from `since` into `derived`, and
/// lists in `touched` (newest first) the commits that changed each incident directory.
/// Returns whether any of those commits is a merge.
pub fn derive(
    repo: &Repository,
    tip: Oid,
    since: Option<Oid>,
    derived: &mut HashMap<String, Derived>,
    touched_dirs: &mut HashMap<String, Vec<String>>,
    progress: Progress<'_>,
) -> Result<bool> {
    let commits = commits(repo, tip, since)?;
    let mut reader = TreeReader::new(repo)?;
    let mut merged = false;
    let mut identities: HashMap<Oid, String> = HashMap::new();
    // incident.toml versions read as a parent's, kept until seen as an older commit's
    // new version (walking newest first, that is soon), so each is read once.
    let mut parents_seen: HashMap<Oid, IncidentSeen> = HashMap::new();
    let total = commits.len();
    for (done, oid) in commits.iter().enumerate() {
        if done % 256 == 0 {
            progress(done, total);
        }
        let commit = repo
            .find_commit(*oid)
            .context(|| format!("could not read commit {oid}"))?;
        merged |= commit.parent_count() > 1;
        let time = commit.committer().when().seconds();
        let commit_text = oid.to_string();
        for t in touched(repo, &mut reader, &commit, None)? {
            let commits = touched_dirs.entry(t.dir.clone()).or_default();
            if commits.last() != Some(&commit_text) {
                commits.push(commit_text.clone());
            }
            let Some(blob) = t.blob else { continue };
            if t.file == IncidentFile::Incident {
                let seen = match parents_seen.remove(&blob) {
                    Some(seen) => seen,
                    None => IncidentSeen::read(&read_text(repo, blob)?, &t.dir),
                };
                identities.insert(blob, seen.identity.clone());
                // Where this incident stood in each parent that had it at this path: a
                // state is entered by a commit that reaches it when no parent had.
                let mut before = Vec::with_capacity(t.before.len());
                for old in t.before.iter().flatten() {
                    if !parents_seen.contains_key(old) {
                        let read = IncidentSeen::read(&read_text(repo, *old)?, &t.dir);
                        parents_seen.insert(*old, read);
                    }
                    let theirs = &parents_seen[old];
                    if theirs.identity == seen.identity {
                        before.push(theirs.status);
                    }
                }
                let before = (!before.is_empty()).then_some(before.as_slice());
                derived
                    .entry(seen.identity.clone())
                    .or_default()
                    .see_incident(&seen, time, before);
                continue;
            }
            let text = read_text(repo, blob)?;
            // Facts belong to the incident, not to its directory: whose postmortem is this?
            // Known by the incident.toml blob beside it, which most commits have already seen.
            let incident_blob = reader.blob_at(commit.tree_id(), &t.dir, IncidentFile::Incident)?;
            let identity = match incident_blob.and_then(|b| identities.get(&b)) {
                Some(known) => known.clone(),
                None => {
                    let incident_text = match incident_blob {
                        Some(b) => Some(read_text(repo, b)?),
                        None => None,
                    };
                    let identity = derive::identity(incident_text.as_deref(), &t.dir);
                    if let Some(b) = incident_blob {
                        identities.insert(b, identity.clone());
                    }
                    identity
                }
            };
            derived
                .entry(identity)
                .or_default()
                .see_postmortem(&text, time);
        }
    }
    progress(total, total);
    Ok(merged)
}

/// A blob's text; a version that is not UTF-8 reads as empty (it states nothing).
pub fn read_text(repo: &Repository, blob: Oid) -> Result<String> {
    let blob = repo
        .find_blob(blob)
        .context(|| format!("could not read blob {blob}"))?;
    Ok(String::from_utf8(blob.content().to_vec()).unwrap_or_default())
}

/// Whether `old` is `new` or one of its ancestors: if not, the branch was rewritten. Only
/// caches ask, so anything that stops the answer (an old tip gone after gc, or not a
/// commit at all) is a "no": the cache is rebuilt rather than the read failing.
pub fn is_ancestor(repo: &Repository, old: Oid, new: Oid) -> bool {
    old == new || repo.graph_descendant_of(new, old).unwrap_or(false)
}
