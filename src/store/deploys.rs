//! Deployments of the code for the DORA figures: read from refs (release tags) or from a
//! deploy log file, and what ancestry says about them (which deployment first shipped a
//! commit, and what each one shipped).

use std::collections::HashMap;
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

    /// `git config incident.deploys`: a ref pattern, or a deploy log file whose relative
    /// path is read from the top of the working tree (as git reads `core.hooksPath`), so
    /// that it names the same file from any directory.
    pub fn configured_deploys(&self) -> Option<String> {
        let value = self
            .repo
            .config()
            .ok()?
            .get_string("incident.deploys")
            .ok()?;
        let in_tree = self
            .repo
            .workdir()
            .map(|top| top.join(&value))
            .filter(|path| Path::new(&value).is_relative() && path.is_file());
        Some(in_tree.map_or(value, |path| path.display().to_string()))
    }

    /// What each of `deployments` (oldest first) was the first to ship. One walk of the
    /// commits since the first deployment, each read once: checking each causing
    /// commit against each deployment instead costs a merge-base per pair, which walks
    /// the history between them every time.
    pub fn shipped(&self, deployments: &[Deployment]) -> Result<Shipped> {
        let Some((origin, later)) = deployments.split_first() else {
            return Ok(Shipped::default());
        };
        let mut walk = self
            .repo
            .revwalk()
            .context(|| "could not walk the code history".into())?;
        for deployment in later {
            walk.push(deployment.commit)
                .context(|| format!("could not read {}", deployment.name))?;
        }
        walk.hide(origin.commit)
            .context(|| format!("could not read {}", origin.name))?;
        // Every commit a later deployment contains and the first one does not.
        let mut commits = HashMap::new();
        for id in walk {
            let id = id.context(|| "could not walk the code history".into())?;
            let commit = self
                .repo
                .find_commit(id)
                .context(|| format!("could not read commit {id}"))?;
            let time = commit.committer().when().seconds();
            commits.insert(id, (time, commit.parent_ids().collect::<Vec<_>>()));
        }
        let mut shipped = Shipped {
            origin: Some(origin.commit),
            times: vec![Vec::new(); deployments.len()],
            first: HashMap::new(),
        };
        for (i, deployment) in deployments.iter().enumerate().skip(1) {
            let mut pending = vec![deployment.commit];
            while let Some(id) = pending.pop() {
                // Not in `commits`: in the first deployment. In `first`: shipped earlier.
                let Some((time, parents)) = commits.get(&id) else {
                    continue;
                };
                if shipped.first.contains_key(&id) {
                    continue;
                }
                shipped.first.insert(id, i);
                shipped.times[i].push(*time);
                pending.extend(parents);
            }
        }
        Ok(shipped)
    }

    /// The index of the first deployment that contains commit `value`, when `value` is
    /// a full commit id of this repository; `None` for anything else (a pull request
    /// URL, a commit not fetched) and for a commit not deployed.
    pub fn first_containing(&self, shipped: &Shipped, value: &str) -> Result<Option<usize>> {
        let Some(commit) = full_commit_id(value).filter(|id| self.repo.find_commit(*id).is_ok())
        else {
            return Ok(None);
        };
        if let Some(&i) = shipped.first.get(&commit) {
            return Ok(Some(i));
        }
        match shipped.origin {
            Some(origin) if self.is_descendant(origin, commit)? => Ok(Some(0)),
            _ => Ok(None),
        }
    }
}

/// What deployments shipped (see [`Store::shipped`]).
#[derive(Debug, Default)]
pub struct Shipped {
    /// The first deployment's commit: all history before it, which it shipped at once.
    origin: Option<Oid>,
    /// Per deployment, the committer times of the commits it was the first to contain;
    /// empty for the first deployment, whose own changes cannot be told from the rest.
    pub times: Vec<Vec<i64>>,
    /// The deployment that first contained each commit shipped after the first one.
    first: HashMap<Oid, usize>,
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
        let Some((time, rev)) = parse_line(line).map_err(bad)? else {
            continue;
        };
        let commit = repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|_| bad(format!("{rev:?} is not a commit in this repository")))?;
        deployments.push(Deployment {
            name: format!("{shown}:{number}"),
            commit: commit.id(),
            time,
        });
    }
    Ok(deployments)
}

/// One line of a deploy log: its time (Unix seconds) and revision, `None` for a blank
/// line or a comment, or what is wrong with it. `ENV` is for the people reading the log.
pub(crate) fn parse_line(line: &str) -> std::result::Result<Option<(i64, &str)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (&[time, rev] | &[time, rev, _]) = &fields[..] else {
        return Err(format!("expected TIMESTAMP REV [ENV], found {line:?}"));
    };
    let time = chrono::DateTime::parse_from_rfc3339(time)
        .map_err(|e| format!("{time:?} is not an RFC 3339 time: {e}"))?;
    Ok(Some((time.timestamp(), rev)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::parse_line;

    #[test]
    fn lines_read_as_documented() {
        assert_eq!(parse_line("  # a comment"), Ok(None));
        assert_eq!(parse_line(""), Ok(None));
        assert_eq!(
            parse_line("2026-03-02T14:05:00+01:00 v1.4.2 production"),
            Ok(Some((1_772_456_700, "v1.4.2")))
        );
        assert_eq!(
            parse_line("2026-03-02T13:05:00Z\tabc123"),
            Ok(Some((1_772_456_700, "abc123")))
        );
        assert!(parse_line("2026-03-02T13:05:00Z").is_err());
        assert!(parse_line("2026-03-02T13:05:00Z a b c").is_err());
        assert!(parse_line("yesterday v1").is_err());
    }

    proptest! {
        /// Whatever a person types, a line is read or refused with a message, never a
        /// panic; an accepted line names a revision it contained.
        #[test]
        fn any_line_is_read_or_refused(line in "\\PC{0,60}") {
            if let Ok(Some((_, rev))) = parse_line(&line) {
                prop_assert!(line.contains(rev));
            }
        }

        #[test]
        fn written_lines_read_back(seconds in 0i64..4_000_000_000, rev in "[0-9a-f]{7,40}") {
            let time = chrono::DateTime::from_timestamp(seconds, 0).unwrap().to_rfc3339();
            let line = format!("{time} {rev} production");
            prop_assert_eq!(parse_line(&line), Ok(Some((seconds, rev.as_str()))));
        }
    }
}
