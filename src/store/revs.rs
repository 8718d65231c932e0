//! What the commands ask of the repository beyond the branch's own files: revisions,
//! merge bases, ancestry, blobs, review branches, remotes and identity. The store owns
//! git; the commands get answers, never a `git2::Repository`.

use git2::{ErrorCode, Oid, Repository};

use super::changes::{self, FileChange};
use super::identity::{self, Ident};
use super::{Store, layout, remote};
use crate::error::{Error, GitContext, Result};
use crate::merge::{self, Merged};

impl Store {
    /// The commit `rev` names (`main`, `HEAD~2`, an OID, a remote-tracking branch).
    pub fn resolve(&self, rev: &str) -> Result<Oid> {
        resolve(&self.repo, rev)
    }

    /// The best common ancestor of two commits; `None` when their histories never met.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Option<Oid>> {
        merge_base(&self.repo, a, b)
    }

    /// Whether `commit` descends from (or is) `ancestor`.
    pub fn is_descendant(&self, commit: Oid, ancestor: Oid) -> Result<bool> {
        if commit == ancestor {
            return Ok(true);
        }
        self.repo
            .graph_descendant_of(commit, ancestor)
            .context(|| "could not compare histories".into())
    }

    /// The root tree of `commit`.
    pub fn tree_of(&self, commit: Oid) -> Result<Oid> {
        tree_of(&self.repo, commit)
    }

    /// The files that differ between two root trees (`None`: empty).
    pub fn changed_files(&self, old: Option<Oid>, new: Option<Oid>) -> Result<Vec<FileChange>> {
        changes::changed_files(&self.repo, old, new)
    }

    /// The bytes of blob `id`; `path` names it in an error.
    pub fn blob(&self, id: Oid, path: &str) -> Result<Vec<u8>> {
        self.repo
            .find_blob(id)
            .map(|blob| blob.content().to_vec())
            .context(|| format!("could not read {path}"))
    }

    /// The structured three-way merge of commits `ours` and `theirs` (see `merge`).
    pub fn merge(&self, ours: Oid, theirs: Oid) -> Result<Merged> {
        merge::merge_commits(&self.repo, ours, theirs)
    }

    /// Who is writing: git's author identity, with git's own precedence.
    pub fn author(&self) -> Result<Ident> {
        identity::author(self.repo.path())
    }

    /// The remote git would pick for `branch` (see `remote::default_remote`).
    pub fn default_remote(&self, branch: &str) -> Result<String> {
        remote::default_remote(&self.repo, branch)
    }

    /// Fetches `branch` from `remote`; its tip there, if it has the branch.
    pub fn fetch(&self, remote_name: &str, branch: &str) -> Result<Option<Oid>> {
        remote::fetch(&self.repo, remote_name, branch)
    }

    /// Pushes `commit` to `branch` on `remote`, never forcing; the inner `Err` is git's
    /// message when the push was refused.
    pub fn push(
        &self,
        remote_name: &str,
        branch: &str,
        commit: Oid,
    ) -> Result<std::result::Result<(), String>> {
        remote::push(&self.repo, remote_name, branch, commit)
    }

    /// Creates a review branch and returns its name and what it started from: the tip
    /// of the incident branch, or, as `git switch` does, the remote-tracking branch of
    /// that name when exactly one remote has it (a teammate's review branch), tracking it.
    pub fn create_branch(&self, name: &str) -> Result<(String, String)> {
        let full = layout::full_ref(name);
        if !git2::Reference::is_valid_name(&full) || !full.starts_with("refs/heads/") {
            return Err(Error::invalid(format!("invalid branch name {name:?}")));
        }
        let short = full.trim_start_matches("refs/heads/").to_string();
        let repo = &self.repo;
        let remotes = repo.remotes().context(|| "could not list remotes".into())?;
        let tracked: Vec<(String, Oid)> = remotes
            .iter()
            .filter_map(|remote| remote.ok().flatten())
            .filter_map(|remote| {
                let reference = repo
                    .find_reference(&format!("refs/remotes/{remote}/{short}"))
                    .ok()?;
                let commit = reference.peel_to_commit().ok()?;
                Some((remote.to_string(), commit.id()))
            })
            .collect();
        let (tip, base, upstream) = match tracked.as_slice() {
            [(remote, commit)] => (*commit, format!("{remote}/{short}"), Some(remote.clone())),
            _ => {
                let tip = self.tip()?.ok_or_else(|| {
                    Error::not_found(format!(
                        "no incident branch {}: run `git incident sync` or `git incident init` first",
                        self.branch_name()
                    ))
                })?;
                (tip, self.branch_name().to_string(), None)
            }
        };
        repo.reference(&full, tip, false, &format!("incident branch: from {base}"))
            .map_err(|e| {
                if e.code() == ErrorCode::Exists {
                    Error::invalid(format!("branch {name:?} already exists"))
                } else {
                    Error::Git {
                        context: format!("could not create {full}"),
                        source: e,
                    }
                }
            })?;
        if let Some(remote) = upstream {
            // As `git switch` does: sync and `git push` then know where the branch goes.
            let mut config = repo
                .config()
                .context(|| "could not open the git config".into())?;
            config
                .set_str(&format!("branch.{short}.remote"), &remote)
                .and_then(|()| config.set_str(&format!("branch.{short}.merge"), &full))
                .context(|| format!("could not set the upstream of {short}"))?;
        }
        Ok((short, base))
    }
}

pub(crate) fn resolve(repo: &Repository, rev: &str) -> Result<Oid> {
    repo.revparse_single(rev)
        .and_then(|object| object.peel_to_commit())
        .map(|commit| commit.id())
        .map_err(|_| Error::not_found(format!("unknown revision {rev:?}")))
}

pub(crate) fn merge_base(repo: &Repository, a: Oid, b: Oid) -> Result<Option<Oid>> {
    match repo.merge_base(a, b) {
        Ok(base) => Ok(Some(base)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e).context(|| "could not find the merge base".into()),
    }
}

pub(crate) fn tree_of(repo: &Repository, commit: Oid) -> Result<Oid> {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .map(|t| t.id())
        .context(|| format!("could not read commit {commit}"))
}
