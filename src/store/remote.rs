//! Talking to remotes, only through the `git` binary so that credential helpers, SSH
//! config and proxies work exactly as they do for the user's own `git fetch`.

use std::process::{Command, Stdio};

use git2::{Oid, Repository};

use crate::error::{Error, GitContext, Result};

/// The remote git would pick for `branch`: `branch.<name>.remote`, else the only
/// remote, else `origin`.
pub fn default_remote(repo: &Repository, branch: &str) -> Result<String> {
    if let Ok(config) = repo.config()
        && let Ok(remote) = config.get_string(&format!("branch.{branch}.remote"))
        && remote != "."
    {
        return Ok(remote);
    }
    let remotes = repo.remotes().context(|| "could not list remotes".into())?;
    let names: Vec<&str> = remotes.iter().flatten().flatten().collect();
    match names.as_slice() {
        [only] => Ok((*only).to_string()),
        _ if names.contains(&"origin") => Ok("origin".to_string()),
        [] => Err(Error::not_found(
            "no remote to sync with: add one with `git remote add origin URL`",
        )),
        _ => Err(Error::invalid(format!(
            "several remotes and none is `origin`: name one, e.g. `git incident sync {}`",
            names[0]
        ))),
    }
}

/// The remote-tracking ref sync keeps for `branch` (`refs/remotes/origin/incidents`).
pub fn tracking_ref(remote: &str, branch: &str) -> String {
    format!("refs/remotes/{remote}/{branch}")
}

fn git(repo: &Repository) -> Command {
    let mut command = Command::new("git");
    command
        .arg("--git-dir")
        .arg(repo.path())
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn run(mut command: Command, what: &str) -> Result<(bool, String)> {
    let output = command
        .output()
        .map_err(|e| Error::invalid(format!("could not run git to {what}: {e}")))?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    ))
}

/// Fetches `branch` from `remote` into its tracking ref; `None` when the remote does
/// not have the branch yet.
pub fn fetch(repo: &Repository, remote: &str, branch: &str) -> Result<Option<Oid>> {
    if repo.find_remote(remote).is_err() {
        return Err(Error::not_found(format!(
            "no remote named {remote:?}: see `git remote -v`"
        )));
    }
    let tracking = tracking_ref(remote, branch);
    let mut command = git(repo);
    command.args([
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        remote,
        &format!("+refs/heads/{branch}:{tracking}"),
    ]);
    let (ok, stderr) = run(command, "fetch")?;
    if !ok {
        if stderr.contains("couldn't find remote ref") {
            return Ok(None);
        }
        return Err(Error::invalid(format!(
            "git fetch {remote} failed:\n{stderr}"
        )));
    }
    let tip = repo
        .refname_to_id(&tracking)
        .context(|| format!("could not read {tracking} after fetching"))?;
    Ok(Some(tip))
}

/// Pushes `commit` to `branch` on `remote`, never forcing. The inner `Err` is git's
/// message when the push failed (the caller finds out whether the remote moved).
pub fn push(
    repo: &Repository,
    remote: &str,
    branch: &str,
    commit: Oid,
) -> Result<Result<(), String>> {
    let mut command = git(repo);
    command.args([
        "push",
        "--quiet",
        remote,
        &format!("{commit}:refs/heads/{branch}"),
    ]);
    let (ok, stderr) = run(command, "push")?;
    if !ok {
        return Ok(Err(stderr));
    }
    // What we pushed is what the remote has now; keep the tracking ref in step so that
    // `review origin/incidents..` compares with it.
    repo.reference(
        &tracking_ref(remote, branch),
        commit,
        true,
        "incident sync: pushed",
    )
    .context(|| "could not update the remote-tracking ref".into())?;
    Ok(Ok(()))
}
