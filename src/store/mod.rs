//! The incident branch: reading snapshots of its tree and writing one commit per
//! change, built in memory and published with compare-and-swap.

pub mod changes;
pub mod codec;
pub mod edit;
pub mod identity;
pub mod layout;
pub mod private;
pub mod remote;
mod snapshot;
pub(crate) mod tree;

use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{ErrorCode, Oid, Repository};

pub use snapshot::{IncidentEntry, Loaded, Snapshot};

use crate::error::{Error, GitContext, Result};
use identity::Ident;

/// How many times a writer that lost the race re-applies its change before giving up.
const MAX_ATTEMPTS: u32 = 200;

pub struct Store {
    repo: Repository,
    refname: String,
}

/// What a write wants to do: the files to put (or delete, with `None`) and the message.
#[derive(Debug, Default)]
pub struct Change {
    pub files: Vec<(String, Option<String>)>,
    pub subject: String,
    pub body: Option<String>,
    pub trailers: Vec<(String, String)>,
}

impl Change {
    pub fn new(subject: impl Into<String>) -> Self {
        Change {
            subject: subject.into(),
            ..Change::default()
        }
    }
    pub fn put(mut self, path: impl Into<String>, text: String) -> Self {
        self.files.push((path.into(), Some(text)));
        self
    }
    pub fn trailer(mut self, key: &str, value: impl Into<String>) -> Self {
        self.trailers.push((key.to_string(), value.into()));
        self
    }

    fn message(&self) -> String {
        let mut message = self.subject.clone();
        message.push('\n');
        if let Some(body) = &self.body {
            message.push('\n');
            message.push_str(body.trim_end());
            message.push('\n');
        }
        if !self.trailers.is_empty() {
            message.push('\n');
            for (key, value) in &self.trailers {
                message.push_str(&format!("{key}: {value}\n"));
            }
        }
        message
    }
}

/// Who is writing and when: the commit's identities. Times the tool fills in are
/// `committer.time`, so `GIT_COMMITTER_DATE` governs them as it governs git.
pub struct WriteContext {
    pub author: Ident,
    pub committer: Ident,
}

/// The result of a write: the new commit, or `None` when the change was a no-op.
pub struct Written<T> {
    pub commit: Option<Oid>,
    pub value: T,
}

impl Store {
    /// Opens the repository around the current directory (honouring `GIT_DIR`, as git
    /// does) and picks the branch: `--ref`, then `git config incident.ref`, then the default.
    pub fn open(ref_override: Option<&str>) -> Result<Store> {
        tune_libgit2();
        let repo = Repository::open_from_env().map_err(|_| {
            Error::invalid("not a git repository (or any of the parent directories)")
        })?;
        let configured = repo
            .config()
            .and_then(|c| c.get_string("incident.ref"))
            .ok();
        let refname = match ref_override.map(str::to_string).or(configured) {
            Some(name) => {
                let full = layout::full_ref(&name);
                if !git2::Reference::is_valid_name(&full) {
                    return Err(Error::invalid(format!("invalid ref name {name:?}")));
                }
                full
            }
            None => layout::DEFAULT_REF.to_string(),
        };
        Ok(Store { repo, refname })
    }

    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    pub fn refname(&self) -> &str {
        &self.refname
    }

    /// The short name users know the branch by (`incidents`).
    pub fn branch_name(&self) -> &str {
        self.refname
            .strip_prefix("refs/heads/")
            .unwrap_or(&self.refname)
    }

    /// `$GIT_DIR/incident/`, for caches and kept editor text (never the only copy of data).
    pub fn private_dir(&self) -> PathBuf {
        self.repo.commondir().join("incident")
    }

    /// A cache file under the private directory for this branch: `<kind>-<ref>.json`, with
    /// the ref name escaped so that no two refs share a file (`a/b` and `a-b` differ).
    pub fn cache_file(&self, kind: &str) -> PathBuf {
        let escaped = self.refname.replace('%', "%25").replace('/', "%2F");
        self.private_dir().join(format!("{kind}-{escaped}.json"))
    }

    /// The commit the branch points at. A branch that points at anything else (an
    /// annotated tag, after `git update-ref` with a tag's name) is an error on every read
    /// and write: peeling it would read the tag's commit, and a compare-and-swap against
    /// that commit could never succeed.
    pub fn tip(&self) -> Result<Option<Oid>> {
        let reference = match self.repo.find_reference(&self.refname) {
            Ok(reference) => reference,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e).context(|| format!("could not read {}", self.refname)),
        };
        let reference = reference
            .resolve()
            .context(|| format!("could not resolve {}", self.refname))?;
        let target = reference
            .target()
            .ok_or_else(|| Error::invalid(format!("{} points nowhere", self.refname)))?;
        let object = self
            .repo
            .find_object(target, None)
            .context(|| format!("could not read {} ({target})", self.refname))?;
        let what = match object.kind() {
            Some(git2::ObjectType::Commit) => return Ok(Some(target)),
            Some(git2::ObjectType::Tag) => "an annotated tag",
            Some(git2::ObjectType::Tree) => "a tree",
            Some(git2::ObjectType::Blob) => "a blob",
            _ => "an object that is not a commit",
        };
        Err(Error::invalid(format!(
            "{} points at {what} ({target}), not a commit: a branch must point at a commit. \
             If the tag's commit is the right tip, run `git update-ref {} {}^{{commit}}`",
            self.refname, self.refname, self.refname
        )))
    }

    /// The branch as it is now; fails with a hint when it does not exist yet.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        match self.tip()? {
            Some(commit) => Snapshot::at_commit(&self.repo, commit),
            None => Err(Error::not_found(format!(
                "no incident branch {}: run `git incident init` (or `git incident sync` to fetch it)",
                self.branch_name()
            ))),
        }
    }

    /// Any revision (`origin/incidents`, `pm/INC-7`, a commit id).
    pub fn snapshot_at(&self, rev: &str) -> Result<Snapshot<'_>> {
        let commit = self
            .repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|_| Error::not_found(format!("unknown revision {rev:?}")))?;
        Snapshot::at_commit(&self.repo, commit.id())
    }

    /// Applies `change` on the branch tip as one commit. When another writer moves the
    /// tip first, `change` runs again on the new tip, so no writer loses its change.
    pub fn write<T>(
        &self,
        mut change: impl FnMut(&Snapshot<'_>, &WriteContext) -> Result<(Change, T)>,
    ) -> Result<Written<T>> {
        self.refuse_checked_out_branch()?;
        let ctx = WriteContext {
            author: identity::author(self.repo.path())?,
            committer: identity::committer(self.repo.path())?,
        };
        let (author, committer) = (ctx.author.signature()?, ctx.committer.signature()?);
        for attempt in 0..MAX_ATTEMPTS {
            let tip = self.tip()?;
            let snapshot = match tip {
                Some(commit) => Snapshot::at_commit(&self.repo, commit)?,
                None => Snapshot::empty(&self.repo),
            };
            let (planned, value) = change(&snapshot, &ctx)?;
            let mut tree = snapshot.tree_id();
            for (path, text) in &planned.files {
                let blob = match text {
                    Some(text) => Some(
                        self.repo
                            .blob(text.as_bytes())
                            .context(|| format!("could not store {path}"))?,
                    ),
                    None => None,
                };
                let components: Vec<&str> = path.split('/').collect();
                tree = update_tree(&self.repo, tree, &components, blob)?;
            }
            let tree_id = match tree {
                Some(id) => id,
                None => self
                    .repo
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .context(|| "could not write an empty tree".into())?,
            };
            if tip.is_some() && Some(tree_id) == snapshot.tree_id() {
                return Ok(Written {
                    commit: None,
                    value,
                });
            }
            let tree = self
                .repo
                .find_tree(tree_id)
                .context(|| "could not read the new tree".into())?;
            let parents = match tip {
                Some(id) => vec![
                    self.repo
                        .find_commit(id)
                        .context(|| "could not read the tip".into())?,
                ],
                None => Vec::new(),
            };
            let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
            let commit = self
                .repo
                .commit(
                    None,
                    &author,
                    &committer,
                    &planned.message(),
                    &tree,
                    &parent_refs,
                )
                .context(|| "could not create the commit".into())?;
            let reflog = format!("incident: {}", planned.subject);
            let updated = match tip {
                Some(old) => {
                    self.repo
                        .reference_matching(&self.refname, commit, true, old, &reflog)
                }
                None => self.repo.reference(&self.refname, commit, false, &reflog),
            };
            match updated {
                Ok(_) => {
                    return Ok(Written {
                        commit: Some(commit),
                        value,
                    });
                }
                Err(e) if lost_race(&e) => {
                    std::thread::sleep(backoff(attempt));
                }
                Err(e) => return Err(e).context(|| format!("could not update {}", self.refname)),
            }
        }
        Err(Error::Conflict(format!(
            "{} kept moving under us; nothing was written, try again",
            self.refname
        )))
    }

    /// A commit of `tree` with the user's identity and the given parents (a merge has
    /// two); the branch does not move until [`Store::advance`].
    pub fn commit_tree(&self, tree: Oid, parents: &[Oid], message: &str) -> Result<Oid> {
        let author = identity::author(self.repo.path())?.signature()?;
        let committer = identity::committer(self.repo.path())?.signature()?;
        let tree = self
            .repo
            .find_tree(tree)
            .context(|| format!("could not read tree {tree}"))?;
        let parents = parents
            .iter()
            .map(|id| self.repo.find_commit(*id))
            .collect::<std::result::Result<Vec<_>, _>>()
            .context(|| "could not read a parent commit".into())?;
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(None, &author, &committer, message, &tree, &parent_refs)
            .context(|| "could not create the commit".into())
    }

    /// Compare-and-swap: points the branch at `commit` if it is still at `expected`
    /// (`None`: the branch must not exist yet). `false` when someone moved it first.
    pub fn advance(&self, expected: Option<Oid>, commit: Oid, reflog: &str) -> Result<bool> {
        self.refuse_checked_out_branch()?;
        let updated = match expected {
            Some(old) => self
                .repo
                .reference_matching(&self.refname, commit, true, old, reflog),
            None => self.repo.reference(&self.refname, commit, false, reflog),
        };
        match updated {
            Ok(_) => Ok(true),
            Err(e) if lost_race(&e) => Ok(false),
            Err(e) => Err(e).context(|| format!("could not update {}", self.refname)),
        }
    }

    /// Moving a branch that a worktree has checked out would leave that worktree
    /// silently out of date; say where it is instead.
    fn refuse_checked_out_branch(&self) -> Result<()> {
        let common = Repository::open(self.repo.commondir())
            .context(|| "could not open the repository".into())?;
        let head_is_ours = |repo: &Repository| {
            repo.find_reference("HEAD")
                .ok()
                .and_then(|head| {
                    head.symbolic_target()
                        .ok()
                        .flatten()
                        .map(|t| t == self.refname)
                })
                .unwrap_or(false)
        };
        if !common.is_bare() && head_is_ours(&common) {
            return Err(checked_out(self.branch_name(), common.workdir()));
        }
        let names = common
            .worktrees()
            .context(|| "could not list worktrees".into())?;
        for name in names.iter().filter_map(|n| n.ok().flatten()) {
            let Ok(worktree) = common.find_worktree(name) else {
                continue;
            };
            if let Ok(repo) = Repository::open_from_worktree(&worktree)
                && head_is_ours(&repo)
            {
                return Err(checked_out(self.branch_name(), Some(worktree.path())));
            }
        }
        Ok(())
    }
}

/// A git setting as git reads it here: the repository's config over the user's and the
/// system's, or only those outside a repository.
pub fn git_config(key: &str) -> Option<String> {
    let config = match Repository::open_from_env() {
        Ok(repo) => repo.config(),
        Err(_) => git2::Config::open_default(),
    };
    config.ok()?.get_string(key).ok()
}

/// A year directory can hold thousands of entries. By default libgit2 re-hashes every
/// object it reads and caches no tree over 4 KiB, so reading each incident of a large
/// year re-parsed that year's tree every time (quadratic: 40 s for 10,000 incidents),
/// and one write inflated and hashed it several times. git itself verifies hashes in
/// fsck, not on every read.
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // SAFETY: runs once, before this process uses libgit2 for anything else.
        unsafe {
            git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 64 << 20)
                .expect("setting a cache limit only fails for invalid object types");
            git2::opts::set_cache_max_size(512 << 20).expect("a positive cache size is valid");
        }
    });
}

/// For the rest of a process that walks the history: libgit2's object cache would keep
/// every commit visited (up to its 512 MB limit) though each is read once or twice; the
/// walk keeps its own small cache of recent trees instead. The process's reads of the
/// tip after that are few, so they do without the tree cache `tune_libgit2` set up.
pub fn tune_libgit2_for_walks() {
    git2::opts::enable_caching(false);
}

fn checked_out(branch: &str, path: Option<&Path>) -> Error {
    let place = path.map(|p| p.display().to_string()).unwrap_or_default();
    Error::Conflict(format!(
        "branch '{branch}' is checked out in the worktree at {place}; edit and commit the files there, or switch that worktree to another branch"
    ))
}

fn lost_race(e: &git2::Error) -> bool {
    matches!(
        e.code(),
        ErrorCode::Modified | ErrorCode::Locked | ErrorCode::Exists
    )
}

/// Jittered, growing waits so that writers that collided spread out.
fn backoff(attempt: u32) -> Duration {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 8;
    Duration::from_millis(1 + jitter + u64::from(attempt.min(20)) * 2)
}

/// Returns `tree` with `path` set to `blob` (or removed), rewriting only the trees along
/// the path: the cost depends on the path's depth and on one directory's size, not on the
/// whole branch.
pub(crate) fn update_tree(
    repo: &Repository,
    tree: Option<Oid>,
    path: &[&str],
    blob: Option<Oid>,
) -> Result<Option<Oid>> {
    let raw = match tree {
        Some(id) => {
            let odb = repo
                .odb()
                .context(|| "could not open the object database".into())?;
            odb.read(id)
                .context(|| format!("could not read tree {id}"))?
                .data()
                .to_vec()
        }
        None => Vec::new(),
    };
    let (name, rest) = path
        .split_first()
        .expect("paths have at least one component");
    let replacement = if rest.is_empty() {
        blob.map(|id| (tree::FILE_MODE, id))
    } else {
        let child = tree::find_subtree(&raw, name)?;
        update_tree(repo, child, rest, blob)?.map(|id| (tree::TREE_MODE, id))
    };
    let new = tree::splice(&raw, name, replacement)?;
    if new.is_empty() {
        return Ok(None);
    }
    tree::write_object(repo, "tree", &new).map(Some)
}
