//! The incident branch: reading snapshots of its tree and writing one commit per
//! change, built in memory and published with compare-and-swap.

pub mod cache;
pub mod changes;
pub mod code;
pub mod codec;
pub mod deploys;
pub mod edit;
pub mod identity;
pub mod layout;
mod maintenance;
pub mod private;
pub mod remote;
pub(crate) mod revs;
mod snapshot;
pub(crate) mod tree;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{ErrorCode, Repository};

/// Object IDs are the one git type the rest of the crate holds (commit and blob names).
pub use git2::Oid;
pub use snapshot::{IncidentEntry, Loaded, Snapshot, parse_config};

use crate::error::{Error, GitContext, Result};
use identity::Ident;

/// How many times a writer that lost the race re-applies its change before giving up.
const MAX_ATTEMPTS: u32 = 200;

/// How long a ref lock held by someone else is waited for (git's own
/// `core.filesRefLockTimeout` is 100 ms; busy machines with many writers need more).
const LOCK_PATIENCE: Duration = Duration::from_secs(1);

pub struct Store {
    repo: Repository,
    /// The ref read and written: `--ref`, else `incident.ref`, else the default.
    refname: String,
    /// The team's incident branch (`incident.ref`, else the default), whatever `--ref`
    /// says: when it does not exist either, `init` is the way on.
    home: String,
    /// With `--as-known`: the commit every read is taken from instead of the tip.
    as_known: Option<Oid>,
    /// With `--as-known`: the moment read, in Unix seconds; code commits after it are
    /// unknown too.
    known_at: Option<i64>,
}

/// What a write wants to do: the files to put (or delete, with `None`) and the message.
#[derive(Debug, Default)]
pub struct Change {
    pub files: Vec<(String, Option<String>)>,
    pub subject: String,
    pub body: Option<String>,
    pub trailers: Vec<(String, String)>,
    /// What the writer should tell the user about the change (how typed times were
    /// read), on stderr; not part of the commit.
    pub notes: Vec<String>,
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
    pub fn notes(mut self, notes: Vec<String>) -> Self {
        self.notes.extend(notes);
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

impl WriteContext {
    /// The same identities with author and committer time `at`: an imported incident's
    /// commits carry its own times, so the times derived from history are the real ones.
    pub fn dated(&self, at: chrono::DateTime<chrono::FixedOffset>) -> WriteContext {
        let mut ctx = WriteContext {
            author: self.author.clone(),
            committer: self.committer.clone(),
        };
        ctx.author.time = at;
        ctx.committer.time = at;
        ctx
    }
}

/// The result of a write: the new commit, or `None` when the change was a no-op.
pub struct Written<T> {
    pub commit: Option<Oid>,
    pub value: T,
    /// The change's notes for the user (see [`Change::notes`]).
    pub notes: Vec<String>,
}

impl Store {
    /// Opens the repository around the current directory (honouring `GIT_DIR`, as git
    /// does) and picks the branch: `--ref`, then `git config incident.ref`, then the default.
    pub fn open(ref_override: Option<&str>) -> Result<Store> {
        tune_libgit2();
        let repo = Repository::open_from_env().map_err(|_| {
            unsupported_format().unwrap_or_else(|| {
                Error::invalid("not a git repository (or any of the parent directories)")
            })
        })?;
        let configured = repo
            .config()
            .and_then(|c| c.get_string("incident.ref"))
            .ok();
        let home = match &configured {
            Some(name) => resolve_ref(&repo, name)?,
            None => layout::DEFAULT_REF.to_string(),
        };
        let refname = match ref_override {
            Some(name) => resolve_ref(&repo, name)?,
            None => home.clone(),
        };
        Ok(Store {
            repo,
            refname,
            home,
            as_known: None,
            known_at: None,
        })
    }

    /// Writes move local branches only: a remote-tracking branch is the remote's
    /// (the next fetch would overwrite it), and other refs are not branches.
    pub fn require_local_branch(&self) -> Result<()> {
        if self.refname.starts_with("refs/heads/") {
            return Ok(());
        }
        let short = self.branch_name();
        match self.refname.strip_prefix("refs/remotes/") {
            Some(remote_branch) => {
                let local = remote_branch
                    .split_once('/')
                    .map_or(remote_branch, |(_, branch)| branch);
                Err(Error::invalid(format!(
                    "{short} is a remote-tracking branch: check it out as a local branch with `git incident branch {local}` or `git branch {local} {short}`, then write with `--ref {local}`"
                )))
            }
            None => Err(Error::invalid(format!(
                "{short} is not a branch: git incident writes only to local branches (refs/heads/…)"
            ))),
        }
    }

    /// The repository itself, for the store's own neighbours (`history`, `merge`);
    /// commands ask the store's functions instead.
    pub(crate) fn repo(&self) -> &Repository {
        &self.repo
    }

    pub fn refname(&self) -> &str {
        &self.refname
    }

    /// The short name users know the branch by (`incidents`, `origin/pm/INC-7`).
    pub fn branch_name(&self) -> &str {
        short_name(&self.refname)
    }

    /// `$GIT_DIR/incident/`, for caches and kept editor text (never the only copy of data).
    pub fn private_dir(&self) -> PathBuf {
        self.repo.commondir().join("incident")
    }

    /// A cache file under the private directory for this branch: `<kind>-<ref>.bin`, with
    /// the ref name escaped so that no two refs share a file (`a/b` and `a-b` differ).
    pub fn cache_file(&self, kind: &str) -> PathBuf {
        self.private_dir()
            .join(format!("{kind}-{}.bin", self.escaped_refname()))
    }

    /// Where `edit` keeps the text of a refused edit: per branch, so that a draft of
    /// `INC-7` on one ref is never resumed on another (the default branch's directly
    /// under `edit/`, where they have always been).
    pub fn drafts_dir(&self) -> PathBuf {
        let dir = self.private_dir().join("edit");
        match self.refname == layout::DEFAULT_REF {
            true => dir,
            false => dir.join(self.escaped_refname()),
        }
    }

    fn escaped_refname(&self) -> String {
        self.refname.replace('%', "%25").replace('/', "%2F")
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

    /// The branch as it is now; fails with a hint when it does not exist yet. `init` is
    /// the hint only when there is no incident branch at all.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        if let Some(commit) = self.as_known {
            return Snapshot::at_commit(&self.repo, commit);
        }
        if let Some(commit) = self.tip()? {
            return Snapshot::at_commit(&self.repo, commit);
        }
        let home_exists = self.home != self.refname && self.repo.find_reference(&self.home).is_ok();
        if !home_exists {
            return Err(Error::not_found(format!(
                "no incident branch {}: run `git incident init` (or `git incident sync` to fetch it)",
                self.branch_name()
            )));
        }
        let name = self.branch_name();
        let home = short_name(&self.home);
        Err(Error::not_found(format!(
            "no branch {name} in this repository: `git incident branch {name}` creates it from {home}; `git fetch` brings your teammates' branches (then `--ref origin/{name}`)"
        )))
    }

    /// The store for reading the branch as it stood at `at`: every snapshot is taken at
    /// the last commit on its first-parent line whose committer time is at or before
    /// `at` (later corrections unseen). Before the branch's first commit there is
    /// nothing to read, which is an error rather than an empty answer: an empty list
    /// would look like "no incidents then", not "no branch then".
    pub fn as_known_at(mut self, at: crate::model::Timestamp) -> Result<Store> {
        let Some(tip) = self.tip()? else {
            // No branch at all: the first snapshot says so, with its hint.
            return Ok(self);
        };
        let (found, oldest) = self.first_parent_at(tip, at.timestamp())?;
        if found.is_some() {
            self.as_known = found;
            self.known_at = Some(at.timestamp());
            return Ok(self);
        }
        let first = oldest
            .and_then(|when| {
                let offset = chrono::FixedOffset::east_opt(when.offset_minutes() * 60)?;
                chrono::DateTime::from_timestamp(when.seconds(), 0)
                    .map(|t| t.with_timezone(&offset).to_rfc3339())
            })
            .unwrap_or_default();
        Err(Error::not_found(format!(
            "{} has no commit at or before {at}: its first commit is at {first}",
            self.branch_name()
        )))
    }

    /// The last commit from `tip` along first parents with a committer time at or
    /// before `at`, and the time of the oldest commit seen.
    fn first_parent_at(&self, tip: Oid, at: i64) -> Result<(Option<Oid>, Option<git2::Time>)> {
        let mut walk = self
            .repo
            .revwalk()
            .context(|| "could not walk the incident branch".into())?;
        walk.simplify_first_parent()
            .and_then(|()| walk.push(tip))
            .context(|| format!("could not walk {}", self.refname))?;
        let mut oldest = None;
        for id in walk {
            let id = id.context(|| format!("could not walk {}", self.refname))?;
            let when = self
                .repo
                .find_commit(id)
                .context(|| format!("could not read commit {id}"))?
                .committer()
                .when();
            if when.seconds() <= at {
                return Ok((Some(id), oldest));
            }
            oldest = Some(when);
        }
        Ok((None, oldest))
    }

    /// Whether reads are of the past (`--as-known`): caches describe the tip, so such a
    /// read saves none.
    pub fn reads_the_past(&self) -> bool {
        self.as_known.is_some()
    }

    /// With `--as-known`, the moment read (Unix seconds).
    pub fn known_at(&self) -> Option<i64> {
        self.known_at
    }

    /// Any revision (`origin/incidents`, `pm/INC-7`, a commit id).
    pub fn snapshot_at(&self, rev: &str) -> Result<Snapshot<'_>> {
        Snapshot::at_commit(&self.repo, self.resolve(rev)?)
    }

    /// The branch as a write left it: at its commit, or at the tip when it changed
    /// nothing (`Written::commit` is `None`).
    pub fn snapshot_after(&self, commit: Option<Oid>) -> Result<Snapshot<'_>> {
        match commit {
            Some(commit) => Snapshot::at_commit(&self.repo, commit),
            None => self.snapshot(),
        }
    }

    /// Applies `change` on the branch tip as one commit. When another writer moves the
    /// tip first, `change` runs again on the new tip, so no writer loses its change.
    pub fn write<T>(
        &self,
        change: impl FnMut(&Snapshot<'_>, &WriteContext) -> Result<(Change, T)>,
    ) -> Result<Written<T>> {
        let ctx = self.identities()?;
        let written = self.write_as(&ctx, change)?;
        if written.commit.is_some() {
            self.maintain();
        }
        Ok(written)
    }

    /// Who writes and when, by git's rules (`git var`): computed once by a command that
    /// makes many commits, which then dates each with [`WriteContext::dated`].
    pub fn identities(&self) -> Result<WriteContext> {
        Ok(WriteContext {
            author: identity::author(self.repo.path())?,
            committer: identity::committer(self.repo.path())?,
        })
    }

    /// [`Store::write`] with given identities and without the auto-maintenance, for
    /// commands that make many commits and run [`Store::maintain`] once at the end.
    pub fn write_as<T>(
        &self,
        ctx: &WriteContext,
        mut change: impl FnMut(&Snapshot<'_>, &WriteContext) -> Result<(Change, T)>,
    ) -> Result<Written<T>> {
        self.require_local_branch()?;
        self.refuse_checked_out_branch()?;
        let (author, committer) = (ctx.author.signature()?, ctx.committer.signature()?);
        for attempt in 0..MAX_ATTEMPTS {
            let tip = self.tip()?;
            let snapshot = match tip {
                Some(commit) => Snapshot::at_commit(&self.repo, commit)?,
                None => Snapshot::empty(&self.repo),
            };
            let (planned, value) = change(&snapshot, ctx)?;
            let commit = match self.commit_planned(&snapshot, tip, &planned, &author, &committer) {
                Ok(Some(commit)) => commit,
                Ok(None) => {
                    return Ok(Written {
                        commit: None,
                        value,
                        notes: planned.notes,
                    });
                }
                // A `git gc` or maintenance run (ours, in the background, or the user's)
                // removed an empty object directory while we were writing into it; git
                // itself retries then, and so do we.
                Err(e) if object_dir_vanished(&e) => {
                    std::thread::sleep(backoff(attempt));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let reflog = format!("incident: {}", planned.subject);
            if self.update_ref(tip, commit, &reflog)? {
                return Ok(Written {
                    commit: Some(commit),
                    value,
                    notes: planned.notes,
                });
            }
            std::thread::sleep(backoff(attempt));
        }
        Err(Error::Conflict(format!(
            "{} kept moving under us; nothing was written, try again",
            self.refname
        )))
    }

    /// The commit of `planned` on `tip` (its objects written), or `None` when it changes
    /// nothing.
    fn commit_planned(
        &self,
        snapshot: &Snapshot<'_>,
        tip: Option<Oid>,
        planned: &Change,
        author: &git2::Signature<'_>,
        committer: &git2::Signature<'_>,
    ) -> Result<Option<Oid>> {
        let mut changes = Vec::with_capacity(planned.files.len());
        for (path, text) in &planned.files {
            let blob = match text {
                Some(text) => Some(
                    self.repo
                        .blob(text.as_bytes())
                        .context(|| format!("could not store {path}"))?,
                ),
                None => None,
            };
            changes.push((path.split('/').collect::<Vec<_>>(), blob));
        }
        let changes: Vec<(&[&str], Option<Oid>)> = changes
            .iter()
            .map(|(path, blob)| (path.as_slice(), *blob))
            .collect();
        let tree = update_paths(
            &self.repo,
            &|id| snapshot.raw_tree(id),
            snapshot.tree_id(),
            &changes,
        )?;
        let tree_id = match tree {
            Some(id) => id,
            None => self
                .repo
                .treebuilder(None)
                .and_then(|b| b.write())
                .context(|| "could not write an empty tree".into())?,
        };
        if tip.is_some() && Some(tree_id) == snapshot.tree_id() {
            return Ok(None);
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
        self.repo
            .commit(
                None,
                author,
                committer,
                &planned.message(),
                &tree,
                &parent_refs,
            )
            .context(|| "could not create the commit".into())
            .map(Some)
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
        self.require_local_branch()?;
        self.refuse_checked_out_branch()?;
        let moved = self.update_ref(expected, commit, reflog)?;
        if moved {
            maintenance::after_write(&self.repo);
        }
        Ok(moved)
    }

    /// git's auto-maintenance, as after any write (see `maintenance`).
    pub fn maintain(&self) {
        maintenance::after_write(&self.repo);
    }

    /// Every commit on the branch (first parents, newest first) carrying the trailer
    /// `key: value`, as (its message, the text of `path` it left): what a command that
    /// marks its commits (an import) wrote, to tell its own values from hand edits.
    /// Reads commit messages, and trees only of the commits that match.
    pub fn marked_versions(
        &self,
        path: &str,
        key: &str,
        value: &str,
    ) -> Result<Vec<(String, Option<String>)>> {
        let Some(tip) = self.tip()? else {
            return Ok(Vec::new());
        };
        let line = format!("\n{key}: {value}\n");
        let mut walk = self
            .repo
            .revwalk()
            .context(|| "could not walk the incident branch".into())?;
        walk.simplify_first_parent()
            .and_then(|()| walk.push(tip))
            .context(|| format!("could not walk {}", self.refname))?;
        let mut versions = Vec::new();
        for id in walk {
            let id = id.context(|| format!("could not walk {}", self.refname))?;
            let commit = self
                .repo
                .find_commit(id)
                .context(|| format!("could not read commit {id}"))?;
            let message = String::from_utf8_lossy(commit.message_raw_bytes());
            if !message.contains(&line) {
                continue;
            }
            let text = Snapshot::at_commit(&self.repo, id)?.read(path)?;
            versions.push((message.into_owned(), text));
        }
        Ok(versions)
    }

    /// The compare-and-swap itself. Another writer holds the ref's lock for
    /// milliseconds, so a lock that outlasts `LOCK_PATIENCE` was left by a process that
    /// died mid-write; it is reported as git reports it rather than retried as a race.
    fn update_ref(&self, expected: Option<Oid>, commit: Oid, reflog: &str) -> Result<bool> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let updated = match expected {
                Some(old) => self
                    .repo
                    .reference_matching(&self.refname, commit, true, old, reflog),
                None => self.repo.reference(&self.refname, commit, false, reflog),
            };
            match updated {
                Ok(_) => return Ok(true),
                Err(e) if e.code() == ErrorCode::Locked => {
                    if started.elapsed() >= LOCK_PATIENCE {
                        return Err(self.locked(e));
                    }
                    std::thread::sleep(backoff(attempt));
                    attempt = attempt.saturating_add(1);
                }
                Err(e) if matches!(e.code(), ErrorCode::Modified | ErrorCode::Exists) => {
                    return Ok(false);
                }
                Err(e) => return Err(e).context(|| format!("could not update {}", self.refname)),
            }
        }
    }

    fn locked(&self, source: git2::Error) -> Error {
        let lock = self.repo.commondir().join(format!("{}.lock", self.refname));
        if !lock.exists() {
            return Error::Git {
                context: format!("could not update {}", self.refname),
                source,
            };
        }
        Error::Conflict(format!(
            "could not update {}: unable to create '{}': file exists",
            self.refname,
            lock.display()
        ))
        .with_hint(
            "Another git process seems to be running in this repository. If not, a git \
             process may have crashed here earlier: remove the file manually to continue.",
        )
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
/// The typist's zone, which wall-clock times typed without an offset are read in:
/// `git config incident.timezone`, else `TZ`, else the machine's.
pub fn typist_zone() -> Result<crate::model::Zone> {
    crate::model::Zone::typist(git_config("incident.timezone").as_deref())
}

pub fn git_config(key: &str) -> Option<String> {
    let config = match Repository::open_from_env() {
        Ok(repo) => repo.config(),
        Err(_) => git2::Config::open_default(),
    };
    config.ok()?.get_string(key).ok()
}

/// How much of the pack files libgit2 keeps mapped at once.
const MAPPED_PACK_LIMIT: usize = 64 << 20;

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
            // libgit2 maps pack files in windows of 1 GB, up to 8 GB, and counts on the OS to
            // page them out; but each mapped page a read touched counts towards the
            // process's memory (a cold read of a 250 MB pack kept all of it).
            git2::opts::set_mwindow_size(MAPPED_PACK_LIMIT / 4)
                .expect("a positive window size is valid");
            git2::opts::set_mwindow_mapped_limit(MAPPED_PACK_LIMIT)
                .expect("a positive mapping limit is valid");
        }
    });
}

/// Whether libgit2's object cache is on (libgit2 has no getter).
static CACHING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// For the rest of a process that walks the history: libgit2's object cache would keep
/// every commit visited (up to its 512 MB limit) though each is read once or twice; the
/// walk keeps its own small cache of recent trees instead. The process's reads of the
/// tip after that are few, so they do without the tree cache `tune_libgit2` set up.
pub fn tune_libgit2_for_walks() {
    CACHING.store(false, std::sync::atomic::Ordering::SeqCst);
    git2::opts::enable_caching(false);
}

/// Another handle on the repository at `path` (its git directory), for a thread of its
/// own: opened as the command's was, from the environment (`GIT_DIR`,
/// `GIT_OBJECT_DIRECTORY`, alternates) when that names the same repository.
pub fn reopen(path: &std::path::Path) -> Result<Repository> {
    match Repository::open_from_env() {
        Ok(repo) if repo.path() == path => Ok(repo),
        _ => Repository::open(path).context(|| format!("could not open {}", path.display())),
    }
}

/// Runs `read` with libgit2's object cache off: for reading every incident directory
/// through its own tree (each read once or twice), which the cache would otherwise keep
/// (130 MB at 100,000 incidents, counted as far less against its limit).
pub fn without_object_cache<T>(read: impl FnOnce() -> T) -> T {
    git2::opts::enable_caching(false);
    let result = read();
    git2::opts::enable_caching(CACHING.load(std::sync::atomic::Ordering::SeqCst));
    result
}

/// `refs/heads/x` -> `x`, `refs/remotes/origin/x` -> `origin/x`, as git shows them.
fn short_name(refname: &str) -> &str {
    refname
        .strip_prefix("refs/heads/")
        .or_else(|| refname.strip_prefix("refs/remotes/"))
        .unwrap_or(refname)
}

/// The ref a `--ref` or `incident.ref` name means, as git reads a branch name: a full
/// `refs/…` name as it is, else the local branch, else a remote-tracking branch of that
/// name (`origin/pm/INC-7`), else the local branch to be created.
fn resolve_ref(repo: &Repository, name: &str) -> Result<String> {
    let local = branch_ref(name)?;
    if name.starts_with("refs/") || repo.find_reference(&local).is_ok() {
        return Ok(local);
    }
    let remote = format!("refs/remotes/{name}");
    if repo.find_reference(&remote).is_ok() {
        return Ok(remote);
    }
    Ok(local)
}

/// The full ref for a name given by `--ref` or `incident.ref`, refused where git refuses
/// a branch name (`git check-ref-format --branch`). `HEAD` and `@` also name the
/// checkout, so a branch called that would make them ambiguous.
fn branch_ref(name: &str) -> Result<String> {
    let full = layout::full_ref(name);
    let branch = full.strip_prefix("refs/heads/");
    let refused = branch.is_some_and(|b| b == "HEAD" || b == "@" || b.starts_with('-'));
    if refused || !git2::Reference::is_valid_name(&full) {
        return Err(Error::invalid(format!(
            "invalid ref name {name:?}: git refuses it as a branch name (see `git help check-ref-format`); choose another with --ref or incident.ref"
        )));
    }
    Ok(full)
}

/// libgit2 opens neither sha256 nor reftable repositories; git itself can still read
/// the repository's config and say which one this is.
fn unsupported_format() -> Option<Error> {
    let formats = [
        ("extensions.objectformat", "sha1", "object format"),
        ("extensions.refstorage", "files", "ref storage format"),
    ];
    formats.into_iter().find_map(|(key, default, what)| {
        let output = std::process::Command::new("git")
            .args(["config", "--local", "--get", key])
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let value = String::from_utf8_lossy(&output.stdout)
            .trim()
            .to_lowercase();
        (value != default).then(|| {
            Error::invalid(format!(
                "this repository uses the {value} {what}, which git-incident does not support yet"
            ))
        })
    })
}

fn checked_out(branch: &str, path: Option<&Path>) -> Error {
    let place = path.map(|p| p.display().to_string()).unwrap_or_default();
    // Not a race that a retry wins: a person has to act.
    Error::invalid(format!(
        "branch '{branch}' is checked out in the worktree at {place}; edit and commit the files there, or switch that worktree to another branch"
    ))
}

fn object_dir_vanished(e: &Error) -> bool {
    match e {
        Error::Git { source, .. } => source.class() == git2::ErrorClass::Os,
        Error::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
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
    update_paths(repo, &|id| tree::read_raw(repo, id), tree, &[(path, blob)])
}

/// [`update_tree`] for several paths at once, reading trees through `read`: each tree
/// on the way (a year tree of thousands of entries) is spliced and written once, however
/// many of the paths go through it. A later change to the same path wins.
pub(crate) fn update_paths(
    repo: &Repository,
    read: &dyn Fn(Oid) -> Result<std::rc::Rc<[u8]>>,
    tree: Option<Oid>,
    changes: &[(&[&str], Option<Oid>)],
) -> Result<Option<Oid>> {
    let raw = match tree {
        Some(id) => read(id)?,
        None => std::rc::Rc::from(&[][..]),
    };
    let mut names: Vec<&str> = Vec::new();
    for (path, _) in changes {
        let name = *path.first().expect("paths have at least one component");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut new: Option<Vec<u8>> = None;
    for name in names {
        let mine: Vec<&(&[&str], Option<Oid>)> =
            changes.iter().filter(|(path, _)| path[0] == name).collect();
        // The last change naming this entry as a file replaces it whole; the changes
        // inside it after that (or all of them) go into the directory.
        let last_file = mine.iter().rposition(|(path, _)| path.len() == 1);
        let inside: Vec<(&[&str], Option<Oid>)> = mine[last_file.map_or(0, |i| i + 1)..]
            .iter()
            .map(|(path, blob)| (&path[1..], *blob))
            .collect();
        let replacement = if inside.is_empty() {
            let blob = last_file.and_then(|i| mine[i].1);
            blob.map(|id| (tree::FILE_MODE, id))
        } else {
            let child = match last_file {
                Some(_) => None,
                None => tree::find_subtree(&raw, name)?,
            };
            update_paths(repo, read, child, &inside)?.map(|id| (tree::TREE_MODE, id))
        };
        let spliced = tree::splice(new.as_deref().unwrap_or(&raw), name, replacement)?;
        new = Some(spliced);
    }
    let new = new.unwrap_or_else(|| raw.to_vec());
    if new.is_empty() {
        return Ok(None);
    }
    tree::write_object(repo, git2::ObjectType::Tree, &new).map(Some)
}
