//! The code repository around the incident branch: the commits `changes.*` name, the
//! range a merge brought in, and the `Incident-Action:` trailers on the code refs.
//!
//! Trailers are found by `git log --grep` (git's own walk with a commit-graph beats any
//! walk through libgit2 here), and what was found is kept under `$GIT_DIR/incident/`
//! with the ref tips it describes, so the next read walks only the commits since.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};

use git2::{ObjectType, Oid};
use serde::{Deserialize, Serialize};

use super::{Store, cache};
use crate::error::{Error, GitContext, Result};
use crate::model::change::CodeCommit;
use crate::model::trailer::MarkedCommit;

/// Bump whenever what is kept, or how trailers are read, changes.
const FORMAT: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct TrailerCache {
    format: u32,
    /// `incident.codeRefs` when the refs were read.
    patterns: Vec<String>,
    /// The code refs and their commits the marks describe.
    tips: BTreeMap<String, String>,
    marks: Vec<MarkedCommit>,
}

/// `git log` finds commits by these, case-insensitively; the trailer parser decides.
/// Fixed strings: an anchored regular expression cost 1.3x the CPU time of
/// `git log --format=%B` over 100,000 commits, these about 1.0x.
const GREP: [&str; 2] = ["incident-action", "this reverts commit "];

impl Store {
    /// The commit `id` names, or `None` when it is not in this repository (not fetched).
    pub fn code_commit(&self, id: &str) -> Result<Option<CodeCommit>> {
        let Ok(oid) = Oid::from_str(id) else {
            return Ok(None);
        };
        let commit = match self.repo.find_commit(oid) {
            Ok(commit) => commit,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e).context(|| format!("could not read commit {id}")),
        };
        let short_id = commit
            .as_object()
            .short_id()
            .ok()
            .and_then(|s| s.as_str().map(str::to_string).ok())
            .unwrap_or_else(|| id[..7.min(id.len())].to_string());
        Ok(Some(CodeCommit {
            id: oid.to_string(),
            short_id,
            subject: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
            author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
            time: commit.committer().when().seconds(),
        }))
    }

    /// The commits a merge brought in (`MERGE^1..MERGE`, the merge included); `None`
    /// when `commit` is not a merge.
    pub fn merge_range(&self, commit: Oid) -> Result<Option<HashSet<Oid>>> {
        let found = self
            .repo
            .find_commit(commit)
            .context(|| format!("could not read commit {commit}"))?;
        if found.parent_count() < 2 {
            return Ok(None);
        }
        let first = found
            .parent_id(0)
            .context(|| format!("could not read the parents of {commit}"))?;
        let mut walk = self
            .repo
            .revwalk()
            .context(|| "could not walk the code history".into())?;
        walk.push(commit)
            .and_then(|()| walk.hide(first))
            .context(|| format!("could not walk {first}..{commit}"))?;
        let mut range = HashSet::new();
        for id in walk {
            range.insert(id.context(|| format!("could not walk {first}..{commit}"))?);
        }
        Ok(Some(range))
    }

    /// Every commit on the code refs that names an action item or reverts a commit;
    /// only the commits since the last read are walked.
    pub fn trailer_commits(&self) -> Result<Vec<MarkedCommit>> {
        let patterns = self.code_ref_patterns()?;
        let tips = self.code_refs(&patterns)?;
        let path = self.cache_file("trailers");
        let kept = cache::read::<TrailerCache>(&path)
            .filter(|c| c.format == FORMAT && c.patterns == patterns);
        let (mut marks, exclude) = match kept {
            Some(kept) if kept.tips == tips => return Ok(kept.marks),
            Some(kept) if self.still_reachable(&kept.tips, &tips) => {
                let old: Vec<String> = kept.tips.into_values().collect();
                (kept.marks, old)
            }
            _ => (Vec::new(), Vec::new()),
        };
        let include: Vec<String> = tips.values().cloned().collect();
        marks.extend(self.log_marks(&include, &exclude)?);
        cache::write(
            &path,
            &TrailerCache {
                format: FORMAT,
                patterns,
                tips,
                marks: marks.clone(),
            },
        );
        Ok(marks)
    }

    /// The marked commits of `range` (`A..B`, or one revision and its history), for
    /// `check --trailers` on a pull request; not cached.
    pub fn trailer_commits_in(&self, range: &str) -> Result<Vec<MarkedCommit>> {
        let (include, exclude) = match range.split_once("..") {
            Some((from, to)) => {
                let to = if to.is_empty() { "HEAD" } else { to };
                let from = if from.is_empty() { "HEAD" } else { from };
                (vec![self.resolve(to)?], vec![self.resolve(from)?])
            }
            None => (vec![self.resolve(range)?], Vec::new()),
        };
        let text =
            |ids: Vec<Oid>| -> Vec<String> { ids.into_iter().map(|id| id.to_string()).collect() };
        self.log_marks(&text(include), &text(exclude))
    }

    /// `incident.codeRefs` (multi-valued ref globs), or none: every branch and tag.
    fn code_ref_patterns(&self) -> Result<Vec<String>> {
        let config = self
            .repo
            .config()
            .context(|| "could not read the git config".into())?;
        let mut patterns = Vec::new();
        if let Ok(entries) = config.multivar("incident.coderefs", None) {
            let mut entries = entries;
            while let Some(entry) = entries.next() {
                let entry = entry.context(|| "could not read incident.codeRefs".into())?;
                if let Some(value) = entry.value().ok().map(str::trim).filter(|v| !v.is_empty()) {
                    // As `git log --glob`: a pattern without `refs/` is under it.
                    patterns.push(match value.starts_with("refs/") {
                        true => value.to_string(),
                        false => format!("refs/{value}"),
                    });
                }
            }
        }
        Ok(patterns)
    }

    /// The code refs and the commits they point at: local branches and tags (or those
    /// matching `patterns`), without the incident branch and its review branches.
    fn code_refs(&self, patterns: &[String]) -> Result<BTreeMap<String, String>> {
        let globs: Vec<String> = match patterns.is_empty() {
            true => vec!["refs/heads/*".into(), "refs/tags/*".into()],
            false => patterns.to_vec(),
        };
        let mut tips = BTreeMap::new();
        for glob in &globs {
            let references = self
                .repo
                .references_glob(glob)
                .context(|| format!("could not list the refs matching {glob}"))?;
            for reference in references {
                let reference = reference.context(|| format!("could not read a ref of {glob}"))?;
                let Ok(name) = reference.name().map(str::to_string) else {
                    continue;
                };
                if name == self.refname || name == self.home {
                    continue;
                }
                // A tag of a tree or a blob carries no commits.
                let Ok(commit) = reference.peel(ObjectType::Commit) else {
                    continue;
                };
                if self.is_review_branch(commit.id())? {
                    continue;
                }
                tips.insert(name, commit.id().to_string());
            }
        }
        Ok(tips)
    }

    /// Whether `commit` is an incident branch's (a review branch, a copy): its tree
    /// has the branch's layout. Those commits are the tool's, not the code's.
    fn is_review_branch(&self, commit: Oid) -> Result<bool> {
        let tree = super::revs::tree_of(&self.repo, commit)?;
        let tree = self
            .repo
            .find_tree(tree)
            .context(|| format!("could not read the tree of {commit}"))?;
        let has = |name: &str, kind: ObjectType| {
            tree.get_name(name).is_some_and(|e| e.kind() == Some(kind))
        };
        Ok(has(super::layout::CONFIG, ObjectType::Blob)
            && has(super::layout::INCIDENTS_DIR, ObjectType::Tree)
            && has(super::layout::SCHEMA_DIR, ObjectType::Tree))
    }

    /// Whether every commit `old` names is still on the refs `new` names: then what
    /// was read from them still holds, and only the new commits need reading.
    fn still_reachable(
        &self,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> bool {
        let current: HashSet<&String> = new.values().collect();
        let oid = |text: &str| Oid::from_str(text).ok();
        old.iter().all(|(name, tip)| {
            if current.contains(tip) {
                return true;
            }
            let Some(tip) = oid(tip) else {
                return false;
            };
            // A branch moved forward (the usual case) first, then any ref.
            let candidates = new.get(name).into_iter().chain(new.values());
            candidates
                .filter_map(|c| oid(c))
                .any(|c| self.repo.graph_descendant_of(c, tip).unwrap_or(false))
        })
    }

    /// The marked commits reachable from `include` and not from `exclude`.
    fn log_marks(&self, include: &[String], exclude: &[String]) -> Result<Vec<MarkedCommit>> {
        if include.is_empty() {
            return Ok(Vec::new());
        }
        let mut command = Command::new("git");
        command
            .env("GIT_DIR", self.repo.path())
            .env_remove("GIT_WORK_TREE")
            .args([
                "-c",
                "log.showSignature=false",
                "log",
                "--stdin",
                "-z",
                "--no-color",
            ])
            .arg("--format=%H%x1f%ct%x1f%B")
            .args(["--regexp-ignore-case", "--fixed-strings"])
            .args(GREP.iter().map(|g| format!("--grep={g}")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .context(|| "could not run git log (is git installed?)".into())?;
        let mut revisions = String::new();
        for id in include {
            revisions.push_str(id);
            revisions.push('\n');
        }
        for id in exclude {
            revisions.push('^');
            revisions.push_str(id);
            revisions.push('\n');
        }
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // git reads all of stdin before it writes: no deadlock with its stdout.
        let written = std::thread::spawn(move || stdin.write_all(revisions.as_bytes()));
        let output = child
            .wait_with_output()
            .context(|| "could not read git log's output".into())?;
        written
            .join()
            .expect("writing to git does not panic")
            .context(|| "could not give git log the code refs".into())?;
        if !output.status.success() {
            return Err(Error::Invalid(format!(
                "git log over the code refs failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let mut marks = Vec::new();
        for record in output.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let record = String::from_utf8_lossy(record);
            let mut fields = record.trim_start_matches('\n').splitn(3, '\x1f');
            let (Some(id), Some(time), Some(message)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(Error::Invalid(format!(
                    "unexpected git log output: {:?}",
                    record.chars().take(80).collect::<String>()
                )));
            };
            let time = time.parse().map_err(|_| {
                Error::Invalid(format!("git log gave commit {id} the time {time:?}"))
            })?;
            marks.extend(MarkedCommit::read(id.to_string(), time, message));
        }
        Ok(marks)
    }
}
