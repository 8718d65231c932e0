//! Walking the branch's commits and folding each new version of an incident's files
//! into what history says about it.

use std::collections::HashMap;

use git2::{ObjectType, Odb, Oid, Repository, Sort};

use crate::error::{Error, GitContext, Result};
use crate::history::derive::{self, Derived, IncidentSeen};
use crate::history::tree::{IncidentFile, Touched, TreeReader};
use crate::store;

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

/// What a walk needs of a commit: its tree, its parents and when it was committed.
pub struct CommitHead {
    pub tree: Oid,
    pub parents: Vec<Oid>,
    /// Committer time, Unix seconds.
    pub time: i64,
}

/// Commit headers read straight from the object database: git2's commit parse also reads
/// the author and the message, and a walk needs each commit twice, as a parent and in
/// its own turn. Walking newest first, a parent's turn comes soon after: its header is
/// kept until then, so each commit is read once.
pub struct Heads<'r> {
    odb: Odb<'r>,
    kept: HashMap<Oid, CommitHead>,
}

impl<'r> Heads<'r> {
    pub fn new(repo: &'r Repository) -> Result<Self> {
        Ok(Heads {
            odb: repo
                .odb()
                .context(|| "could not open the object database".into())?,
            kept: HashMap::new(),
        })
    }

    /// `commit`'s header, for its own turn in the walk.
    pub fn take(&mut self, commit: Oid) -> Result<CommitHead> {
        match self.kept.remove(&commit) {
            Some(head) => Ok(head),
            None => self.read(commit),
        }
    }

    /// The tree of `commit`, a parent of the commit at hand.
    pub fn tree_of(&mut self, commit: Oid) -> Result<Oid> {
        if let Some(head) = self.kept.get(&commit) {
            return Ok(head.tree);
        }
        let head = self.read(commit)?;
        let tree = head.tree;
        self.kept.insert(commit, head);
        Ok(tree)
    }

    fn read(&self, commit: Oid) -> Result<CommitHead> {
        let object = self
            .odb
            .read(commit)
            .context(|| format!("could not read commit {commit}"))?;
        let bad = || Error::invalid(format!("could not read commit {commit}: a bad header"));
        if object.kind() != ObjectType::Commit {
            return Err(bad());
        }
        let oid = |hex: &[u8]| {
            std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| Oid::from_str(hex).ok())
        };
        let (mut tree, mut parents, mut time) = (None, Vec::new(), None);
        // The header ends at the first empty line; continuation lines start with a space.
        for line in object.data().split(|&b| b == b'\n') {
            if line.is_empty() {
                break;
            }
            if let Some(hex) = line.strip_prefix(b"tree ") {
                tree = tree.or(oid(hex));
            } else if let Some(hex) = line.strip_prefix(b"parent ") {
                parents.push(oid(hex).ok_or_else(bad)?);
            } else if let Some(who) = line.strip_prefix(b"committer ") {
                time = committer_time(who);
            }
        }
        Ok(CommitHead {
            tree: tree.ok_or_else(bad)?,
            parents,
            time: time.ok_or_else(bad)?,
        })
    }
}

/// The seconds in `Name <email> 1700000000 +0900`, read after the last `>` as git does.
fn committer_time(who: &[u8]) -> Option<i64> {
    let after = &who[who.iter().rposition(|&b| b == b'>')? + 1..];
    std::str::from_utf8(after)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The incident files the commit `head` describes changed (in `only`, an incident
/// directory, when given): compared with its first parent, and for a merge only the
/// versions no parent had.
pub fn touched(
    reader: &mut TreeReader<'_>,
    heads: &mut Heads<'_>,
    head: &CommitHead,
    only: Option<&str>,
) -> Result<Vec<Touched>> {
    let parent_trees = head
        .parents
        .iter()
        .map(|p| heads.tree_of(*p))
        .collect::<Result<Vec<_>>>()?;
    let (old, new) = (parent_trees.first().copied(), Some(head.tree));
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

/// One commit's changes to incident files, as the tree walk finds them.
struct Changes {
    commit: Oid,
    /// Committer time, Unix seconds.
    time: i64,
    merge: bool,
    /// Each changed file; for a postmortem, the incident.toml blob beside it in this commit.
    touched: Vec<(Touched, Option<Oid>)>,
}

enum Found {
    /// How many commits will follow.
    Total(usize),
    Commit(Changes),
}

/// Walks the commits from `tip` down to `since` comparing trees, and sends what each
/// changed. Runs on a thread of its own: it reads trees while the caller reads blobs.
fn find_changes(
    path: &std::path::Path,
    tip: Oid,
    since: Option<Oid>,
    out: &std::sync::mpsc::SyncSender<Result<Found>>,
) -> Result<()> {
    let repo = store::reopen(path)?;
    let commits = commits(&repo, tip, since)?;
    let mut reader = TreeReader::new(&repo)?;
    let mut heads = Heads::new(&repo)?;
    if out.send(Ok(Found::Total(commits.len()))).is_err() {
        return Ok(());
    }
    for oid in commits {
        let head = heads.take(oid)?;
        let mut changed = Vec::new();
        for t in touched(&mut reader, &mut heads, &head, None)? {
            let beside = match (t.file, t.blob) {
                (IncidentFile::Postmortem, Some(_)) => {
                    reader.blob_in(t.dir_tree, IncidentFile::Incident)?
                }
                _ => None,
            };
            changed.push((t, beside));
        }
        let changes = Changes {
            commit: oid,
            time: head.time,
            merge: head.parents.len() > 1,
            touched: changed,
        };
        // The receiver gone means it stopped on an error of its own: nothing to add.
        if out.send(Ok(Found::Commit(changes))).is_err() {
            break;
        }
    }
    Ok(())
}

/// A second handle on the repository at `path`, for another thread: opened from the
/// environment as the first was (it may name the object directory) when that finds the
/// same repository.
/// Folds the commits reachable from `tip` and not from `since` into `derived`, and
/// lists in `touched` (newest first) the commits that changed each incident directory.
/// Returns whether any of those commits is a merge.
///
/// Two threads: one compares trees (what `git log --raw` does), this one reads the
/// changed files and folds them in; on two cores a cold walk costs about the larger of
/// the two rather than their sum.
pub fn derive(
    repo: &Repository,
    tip: Oid,
    since: Option<Oid>,
    derived: &mut HashMap<String, Derived>,
    touched_dirs: &mut HashMap<String, Vec<String>>,
    progress: Progress<'_>,
) -> Result<bool> {
    // Bounded, so that a slow reader holds back the tree walk rather than memory growing.
    let (send, receive) = std::sync::mpsc::sync_channel(256);
    let path = repo.path().to_path_buf();
    std::thread::scope(|scope| {
        let walker = scope.spawn(move || {
            let result = find_changes(&path, tip, since, &send);
            if let Err(e) = result {
                let _ = send.send(Err(e));
            }
        });
        let folded = fold(repo, receive, derived, touched_dirs, progress);
        // Dropping the receiver (in `fold`) stops the walker at its next send.
        if walker.join().is_err() {
            return Err(Error::invalid("the history walk stopped unexpectedly"));
        }
        folded
    })
}

/// Folds what `find_changes` sends into `derived` and `touched_dirs`.
fn fold(
    repo: &Repository,
    receive: std::sync::mpsc::Receiver<Result<Found>>,
    derived: &mut HashMap<String, Derived>,
    touched_dirs: &mut HashMap<String, Vec<String>>,
    progress: Progress<'_>,
) -> Result<bool> {
    let mut merged = false;
    let mut identities: HashMap<Oid, String> = HashMap::new();
    // incident.toml versions read as a parent's, kept until seen as an older commit's
    // new version (walking newest first, that is soon), so each is read once.
    let mut parents_seen: HashMap<Oid, IncidentSeen> = HashMap::new();
    let (mut done, mut total) = (0, 0);
    for found in receive {
        let changes = match found? {
            Found::Total(n) => {
                total = n;
                continue;
            }
            Found::Commit(changes) => changes,
        };
        if done % 256 == 0 {
            progress(done, total);
        }
        done += 1;
        merged |= changes.merge;
        let time = changes.time;
        let commit_text = changes.commit.to_string();
        for (t, incident_blob) in changes.touched {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_agree_with_git2_on_tree_parents_and_committer_time() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        // A negative offset, and a merge naming one parent twice.
        let who =
            git2::Signature::new("A B", "x@y", &git2::Time::new(1_700_000_123, -150)).unwrap();
        let root = repo.commit(None, &who, &who, "root", &tree, &[]).unwrap();
        let root_commit = repo.find_commit(root).unwrap();
        let merge = repo
            .commit(
                None,
                &who,
                &who,
                "two",
                &tree,
                &[&root_commit, &root_commit],
            )
            .unwrap();
        let mut heads = Heads::new(&repo).unwrap();
        for oid in [root, merge] {
            let commit = repo.find_commit(oid).unwrap();
            let head = heads.take(oid).unwrap();
            assert_eq!(head.tree, commit.tree_id());
            assert_eq!(head.parents, commit.parent_ids().collect::<Vec<_>>());
            assert_eq!(head.time, commit.committer().when().seconds());
        }
        assert!(heads.take(tree.id()).is_err(), "a tree is not a commit");
    }
}
