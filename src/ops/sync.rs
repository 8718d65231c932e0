//! `sync`: fetch the incident branch, merge it with ours by structure, push the result.
//! Nothing is ever forced: when the remote moves while we merge, we fetch and merge again.

use serde::Serialize;

use crate::check::{Finding, Level, check_snapshot};
use crate::error::{Error, Result};
use crate::merge::{self, Conflict, Renumbered};
use crate::store::{Snapshot, Store};

/// How many times sync fetches and merges again when the remote keeps moving.
const MAX_ROUNDS: u32 = 5;
/// How many times sync merges again because a local writer moved the branch first.
/// Each retry is cheap (no fetch), and local writers finish in milliseconds.
const MAX_LOCAL_RETRIES: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Both sides already agree; nothing was written.
    UpToDate,
    /// The local branch did not exist and was created from the remote.
    Created,
    /// Only the remote had new commits; the local branch moved forward.
    FastForward,
    /// Only we had new commits; they were pushed.
    Pushed,
    /// Both had new commits: a merge commit was made and pushed.
    Merged,
}

#[derive(Debug, Serialize)]
pub struct SyncReport {
    pub remote: String,
    pub branch: String,
    pub outcome: Outcome,
    /// The branch tip after sync (local and remote agree on it).
    pub tip: String,
    /// Fetch-and-merge rounds it took (more than one when the remote moved meanwhile).
    pub rounds: u32,
    pub renumbered: Vec<Renumbered>,
    pub conflicts: Vec<Conflict>,
    /// `check` errors in the merged result, if any.
    pub findings: Vec<Finding>,
}

pub fn sync(store: &Store, remote_name: Option<&str>) -> Result<SyncReport> {
    store.require_local_branch()?;
    let branch = store.branch_name().to_string();
    let remote_name = match remote_name {
        Some(name) => name.to_string(),
        None => store.default_remote(&branch)?,
    };
    let mut report = SyncReport {
        remote: remote_name.clone(),
        branch: branch.clone(),
        outcome: Outcome::UpToDate,
        tip: String::new(),
        rounds: 0,
        renumbered: Vec::new(),
        conflicts: Vec::new(),
        findings: Vec::new(),
    };
    let mut merged_any = false;
    let mut theirs = store.fetch(&remote_name, &branch)?;
    report.rounds = 1;
    let mut local_retries = 0;
    loop {
        let ours = store.tip()?;
        let (to_push, outcome) = match (ours, theirs) {
            (None, None) => {
                return Err(Error::not_found(format!(
                    "neither this repository nor {remote_name} has the branch '{branch}': run `git incident init` first"
                )));
            }
            (None, Some(theirs)) => {
                if !store.advance(None, theirs, &format!("incident sync: from {remote_name}"))? {
                    local_moved(store, &mut local_retries)?;
                    continue;
                }
                (None, Outcome::Created)
            }
            (Some(ours), None) => (Some(ours), Outcome::Pushed),
            (Some(ours), Some(theirs)) if ours == theirs => (None, Outcome::UpToDate),
            (Some(ours), Some(theirs)) if store.is_descendant(theirs, ours)? => {
                if !store.advance(
                    Some(ours),
                    theirs,
                    &format!("incident sync: fast-forward to {remote_name}"),
                )? {
                    local_moved(store, &mut local_retries)?;
                    continue;
                }
                (None, Outcome::FastForward)
            }
            (Some(ours), Some(theirs)) if store.is_descendant(ours, theirs)? => {
                (Some(ours), Outcome::Pushed)
            }
            (Some(ours), Some(theirs)) => {
                let merged = store.merge(ours, theirs)?;
                let message = merge_message(&remote_name, &branch, &merged);
                let commit = store.commit_tree(merged.tree, &[ours, theirs], &message)?;
                if !store.advance(
                    Some(ours),
                    commit,
                    &format!("incident sync: merge {remote_name}"),
                )? {
                    // A local writer got in first: merge again with its change. The
                    // remote did not move, so there is nothing to fetch.
                    local_moved(store, &mut local_retries)?;
                    continue;
                }
                report.conflicts.extend(merged.conflicts);
                report.renumbered.extend(merged.renumbered);
                merged_any = true;
                (Some(commit), Outcome::Merged)
            }
        };
        if let Some(commit) = to_push
            && let Err(message) = store.push(&remote_name, &branch, commit)?
        {
            // Refused: usually the remote moved while we merged. Fetch and merge again,
            // unless it did not move, in which case git's reason is the answer.
            let now = store.fetch(&remote_name, &branch)?;
            if now == theirs {
                return Err(Error::invalid(format!(
                    "git push {remote_name} failed:\n{message}"
                )));
            }
            if report.rounds == MAX_ROUNDS {
                return Err(Error::Conflict(format!(
                    "{remote_name}/{branch} kept moving while we merged ({MAX_ROUNDS} fetches): others are pushing to it; nothing was lost, run `git incident sync` again"
                )));
            }
            theirs = now;
            report.rounds += 1;
            continue;
        }
        report.outcome = if merged_any { Outcome::Merged } else { outcome };
        report.tip = store.tip()?.map(|tip| tip.to_string()).unwrap_or_default();
        if merged_any {
            let snapshot = store.snapshot()?;
            report.findings = merged_errors(&snapshot)?;
        }
        return Ok(report);
    }
}

/// The local branch moved under the merge: retry, up to a bound that only a runaway
/// local writer reaches, and then say which ref it was.
fn local_moved(store: &Store, retries: &mut u32) -> Result<()> {
    *retries += 1;
    if *retries > MAX_LOCAL_RETRIES {
        return Err(Error::Conflict(format!(
            "{} kept moving while we merged ({MAX_LOCAL_RETRIES} tries): another local process keeps writing to it; the remote is unchanged and nothing was lost, run `git incident sync` again when it stops",
            store.refname()
        )));
    }
    Ok(())
}

fn merged_errors(snapshot: &Snapshot<'_>) -> Result<Vec<Finding>> {
    Ok(check_snapshot(snapshot, None)?
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .collect())
}

/// The merge commit says what happened, so `log` explains renumberings and conflicts.
fn merge_message(remote: &str, branch: &str, merged: &merge::Merged) -> String {
    let mut message = format!("Sync with {remote}/{branch}\n");
    if !merged.renumbered.is_empty() || !merged.conflicts.is_empty() {
        message.push('\n');
    }
    for r in &merged.renumbered {
        message.push_str(&format!("renumbered {} -> {}\n", r.from, r.to));
    }
    for c in &merged.conflicts {
        message.push_str(&format!(
            "conflict {} {}: kept {:?} ({}), other side had {:?}\n",
            c.incident.as_deref().unwrap_or(&c.path),
            c.field,
            side_value(c, c.kept),
            side_name(c.kept),
            side_value(c, other(c.kept)),
        ));
    }
    // Trailers name the incidents involved, like every other commit on the branch.
    let mut incidents: Vec<&str> = merged
        .renumbered
        .iter()
        .filter(|r| !r.to.contains('.'))
        .map(|r| r.to.as_str())
        .chain(
            merged
                .conflicts
                .iter()
                .filter_map(|c| c.incident.as_deref()),
        )
        .collect();
    incidents.sort();
    incidents.dedup();
    if !incidents.is_empty() {
        message.push('\n');
    }
    for id in incidents {
        message.push_str(&format!("Incident: {id}\n"));
    }
    message
}

pub fn side_name(side: merge::Side) -> &'static str {
    match side {
        merge::Side::Ours => "local",
        merge::Side::Theirs => "remote",
    }
}

pub fn other(side: merge::Side) -> merge::Side {
    match side {
        merge::Side::Ours => merge::Side::Theirs,
        merge::Side::Theirs => merge::Side::Ours,
    }
}

pub fn side_value(conflict: &Conflict, side: merge::Side) -> &str {
    match side {
        merge::Side::Ours => &conflict.ours,
        merge::Side::Theirs => &conflict.theirs,
    }
}
