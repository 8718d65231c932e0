//! Deployments of the code for the DORA figures: read from refs (release tags) or from a
//! deploy log file, and what ancestry says about them (which deployment first shipped a
//! commit, and what each one shipped).

use std::path::Path;

use git2::{Oid, Repository};

use super::Store;
use crate::error::{Error, Finding, GitContext, Result};

/// One deployment: what it is called (the ref, or `PATH:LINE` of the log), the commit
/// it shipped and when (Unix seconds).
#[derive(Debug, Clone)]
pub struct Deployment {
    pub name: String,
    pub commit: Oid,
    pub time: i64,
}

impl Store {
    /// The deployments `source` names, oldest first: a deploy log when `source` is an
    /// existing file, else a ref pattern (`refs/tags/v*`). A pattern that matches no ref
    /// is an error, so a mistyped file name does not read as "no deployments".
    pub fn deployments(&self, source: &str) -> Result<Vec<Deployment>> {
        let path = Path::new(source);
        let mut deployments = if path.is_file() {
            from_log(&self.repo, path)?
        } else {
            from_refs(&self.repo, source)?
        };
        // Same-time deployments keep the log's order (or the refs' name order).
        deployments.sort_by_key(|d| d.time);
        Ok(deployments)
    }

    /// The committer times of the commits `deployments[i]` was the first to ship: those
    /// it contains that no earlier deployment did (`prev..this` on a straight line).
    pub fn first_shipped(&self, deployments: &[Deployment], i: usize) -> Result<Vec<i64>> {
        let mut walk = self
            .repo
            .revwalk()
            .context(|| "could not walk the code history".into())?;
        walk.push(deployments[i].commit)
            .context(|| format!("could not read {}", deployments[i].name))?;
        for earlier in &deployments[..i] {
            walk.hide(earlier.commit)
                .context(|| format!("could not read {}", earlier.name))?;
        }
        let mut times = Vec::new();
        for id in walk {
            let id = id.context(|| format!("could not walk {}", deployments[i].name))?;
            let commit = self
                .repo
                .find_commit(id)
                .context(|| format!("could not read commit {id}"))?;
            times.push(commit.committer().when().seconds());
        }
        Ok(times)
    }

    /// The first of `deployments` (in their order) that contains commit `value`, when
    /// `value` is a full commit id of this repository; `None` for anything else (a pull
    /// request URL, a commit not fetched) and for a commit not deployed yet.
    pub fn first_containing(
        &self,
        deployments: &[Deployment],
        value: &str,
    ) -> Result<Option<usize>> {
        let Some(commit) = full_commit_id(value).filter(|id| self.repo.find_commit(*id).is_ok())
        else {
            return Ok(None);
        };
        for (i, deployment) in deployments.iter().enumerate() {
            if self.is_descendant(deployment.commit, commit)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

fn full_commit_id(value: &str) -> Option<Oid> {
    let hex = value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| Oid::from_str(value).ok()).flatten()
}

/// Each ref matching `pattern`: an annotated tag deployed at its tagger date, anything
/// else at its commit's committer time.
fn from_refs(repo: &Repository, pattern: &str) -> Result<Vec<Deployment>> {
    let refs = repo
        .references_glob(pattern)
        .context(|| format!("could not list the refs matching {pattern}"))?;
    let mut deployments = Vec::new();
    for reference in refs {
        let reference = reference.context(|| format!("could not read a ref matching {pattern}"))?;
        let name = reference.name().unwrap_or_default().to_string();
        let object = reference
            .resolve()
            .and_then(|direct| {
                let target = direct
                    .target()
                    .ok_or_else(|| git2::Error::from_str("no target"))?;
                repo.find_object(target, None)
            })
            .context(|| format!("could not read {name}"))?;
        let tagged = object
            .as_tag()
            .and_then(|tag| tag.tagger())
            .map(|tagger| tagger.when().seconds());
        let commit = object
            .peel_to_commit()
            .map_err(|_| Error::invalid(format!("{name} does not point at a commit")))?;
        deployments.push(Deployment {
            time: tagged.unwrap_or_else(|| commit.committer().when().seconds()),
            commit: commit.id(),
            name,
        });
    }
    if deployments.is_empty() {
        return Err(Error::not_found(format!(
            "no ref matches {pattern:?} and no file has that name"
        ))
        .with_hint("--deploys takes a ref pattern such as 'refs/tags/v*' or a deploy log file"));
    }
    deployments.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(deployments)
}

/// A deploy log: one `TIMESTAMP REV [ENV]` line per deployment (RFC 3339, anything
/// `git rev-parse` accepts); blank lines and `#` comments are skipped.
fn from_log(repo: &Repository, path: &Path) -> Result<Vec<Deployment>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).context(|| format!("could not read {shown}"))?;
    let mut deployments = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let bad = |message: String| Error::File(Finding::error(&shown, Some(number), message));
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [time, rev, ..] = fields[..] else {
            return Err(bad(format!("expected TIMESTAMP REV [ENV], found {line:?}")));
        };
        if fields.len() > 3 {
            return Err(bad(format!("expected TIMESTAMP REV [ENV], found {line:?}")));
        }
        let time = chrono::DateTime::parse_from_rfc3339(time)
            .map_err(|e| bad(format!("{time:?} is not an RFC 3339 time: {e}")))?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|_| bad(format!("{rev:?} is not a commit in this repository")))?;
        deployments.push(Deployment {
            name: format!("{shown}:{number}"),
            commit: commit.id(),
            time: time.timestamp(),
        });
    }
    Ok(deployments)
}
