//! A read-only view of the branch at one commit.

use git2::{ObjectType, Oid, Repository, Tree};
use serde::de::DeserializeOwned;

use crate::error::{Error, FileError, GitContext, Result};
use crate::model::{Config, Incident, IncidentId, Postmortem};
use crate::store::codec::{Located, Step};
use crate::store::{codec, layout};

pub struct Snapshot<'r> {
    repo: &'r Repository,
    commit: Option<Oid>,
    tree: Option<Tree<'r>>,
}

/// The lowest and highest incident number in a year.
type NumberRange = (u32, u32);

/// An incident's directory on the branch.
#[derive(Debug, Clone)]
pub struct IncidentEntry {
    pub id: IncidentId,
    pub year: i32,
    pub dir: String,
    pub tree: Oid,
}

impl IncidentEntry {
    pub fn incident_path(&self) -> String {
        format!("{}/{}", self.dir, layout::INCIDENT_FILE)
    }
    pub fn postmortem_path(&self) -> String {
        format!("{}/{}", self.dir, layout::POSTMORTEM_FILE)
    }
}

/// A file read from the branch: where it is, its text, and what it says.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: String,
    pub text: String,
    pub value: T,
}

/// The text of config.toml as the team's settings, or the first problem in it with the
/// line to fix: a parse error, or a setting `Config::validate` rejects.
pub fn parse_config(text: &str) -> std::result::Result<Config, FileError> {
    let config: Config = codec::parse(layout::CONFIG, text)?;
    match config.validate().into_iter().next() {
        None => Ok(config),
        Some(problem) => {
            let steps = match problem.severity {
                Some(index) => vec![
                    Step::Key("severity"),
                    Step::Index(index),
                    Step::Key(problem.key),
                ],
                None => vec![Step::Key(problem.key)],
            };
            Err(FileError::error(
                layout::CONFIG,
                Located::new(text).line(&steps).or(Some(1)),
                problem.message,
            ))
        }
    }
}

impl<'r> Snapshot<'r> {
    pub fn at_commit(repo: &'r Repository, commit: Oid) -> Result<Self> {
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .context(|| format!("could not read commit {commit}"))?;
        Ok(Snapshot {
            repo,
            commit: Some(commit),
            tree: Some(tree),
        })
    }

    pub fn empty(repo: &'r Repository) -> Self {
        Snapshot {
            repo,
            commit: None,
            tree: None,
        }
    }

    pub fn repo(&self) -> &'r Repository {
        self.repo
    }

    /// Whether this repository has commit `id` (full hex): a change link may name one
    /// not fetched yet.
    pub fn has_commit(&self, id: &str) -> bool {
        Oid::from_str(id).is_ok_and(|oid| self.repo.find_commit(oid).is_ok())
    }

    pub fn commit(&self) -> Option<Oid> {
        self.commit
    }

    /// The committer time of the commit, in Unix seconds: the "now" of anything built as
    /// a pure function of the branch.
    pub fn committed_at(&self) -> Result<Option<i64>> {
        let Some(commit) = self.commit else {
            return Ok(None);
        };
        let commit = self
            .repo
            .find_commit(commit)
            .context(|| format!("could not read commit {commit}"))?;
        Ok(Some(commit.committer().when().seconds()))
    }

    /// The blob id of config.toml, which every page of the site depends on.
    pub fn config_id(&self) -> Option<Oid> {
        self.blob_id(layout::CONFIG)
    }

    pub fn tree_id(&self) -> Option<Oid> {
        self.tree.as_ref().map(Tree::id)
    }

    pub fn exists(&self) -> bool {
        self.tree.is_some()
    }

    fn entry_id(&self, path: &str) -> Option<(Oid, Option<ObjectType>)> {
        let entry = self
            .tree
            .as_ref()?
            .get_path(std::path::Path::new(path))
            .ok()?;
        Some((entry.id(), entry.kind()))
    }

    /// Whether `path` is a directory (`Some(false)`: a file or anything else; `None`:
    /// nothing there).
    pub fn is_directory(&self, path: &str) -> Option<bool> {
        self.entry_id(path)
            .map(|(_, kind)| kind == Some(ObjectType::Tree))
    }

    pub fn blob_id(&self, path: &str) -> Option<Oid> {
        self.entry_id(path)
            .filter(|(_, kind)| *kind == Some(ObjectType::Blob))
            .map(|(id, _)| id)
    }

    /// The text of the file at `path`, if there is one.
    pub fn read(&self, path: &str) -> Result<Option<String>> {
        let id = match self.entry_id(path) {
            None => return Ok(None),
            Some((id, Some(ObjectType::Blob))) => id,
            Some((_, kind)) => return Err(not_a_file(path, kind)),
        };
        let blob = self
            .repo
            .find_blob(id)
            .context(|| format!("could not read {path}"))?;
        String::from_utf8(blob.content().to_vec())
            .map(Some)
            .map_err(|_| Error::File(FileError::error(path, None, "not valid UTF-8 text")))
    }

    pub fn load<T: DeserializeOwned>(&self, path: &str) -> Result<Option<Loaded<T>>> {
        let Some(text) = self.read(path)? else {
            return Ok(None);
        };
        let value = codec::parse(path, &text).map_err(Error::File)?;
        Ok(Some(Loaded {
            path: path.to_string(),
            text,
            value,
        }))
    }

    pub fn config(&self) -> Result<Config> {
        if !self.exists() {
            return Err(Error::not_found(
                "no incident branch yet: run `git incident init`".to_string(),
            ));
        }
        match self.read(layout::CONFIG)? {
            Some(text) => parse_config(&text).map_err(Error::File),
            None => Err(Error::not_found(
                "config.toml is missing from the incident branch: run `git incident init`",
            )),
        }
    }

    fn subtree(&self, id: Oid) -> Result<Tree<'r>> {
        self.repo
            .find_tree(id)
            .context(|| format!("could not read tree {id}"))
    }

    /// Every incident directory, in no particular order. Names that are not incident IDs
    /// are returned in `strays` so that `check` can report them.
    pub fn incident_entries(&self) -> Result<(Vec<IncidentEntry>, Vec<String>)> {
        let mut entries = Vec::new();
        let mut strays = Vec::new();
        let Some((root, Some(ObjectType::Tree))) = self.entry_id(layout::INCIDENTS_DIR) else {
            return Ok((entries, strays));
        };
        for year_entry in self.subtree(root)?.iter() {
            let year_name = year_entry.name().unwrap_or("?").to_string();
            let year = match (year_name.parse::<i32>(), year_entry.kind()) {
                (Ok(year), Some(ObjectType::Tree)) => year,
                _ => {
                    strays.push(format!("{}/{year_name}", layout::INCIDENTS_DIR));
                    continue;
                }
            };
            for entry in self.subtree(year_entry.id())?.iter() {
                let name = entry.name().unwrap_or("?");
                let dir = format!("{}/{year}/{name}", layout::INCIDENTS_DIR);
                match (name.parse::<IncidentId>(), entry.kind()) {
                    (Ok(id), Some(ObjectType::Tree)) => entries.push(IncidentEntry {
                        id,
                        year,
                        dir,
                        tree: entry.id(),
                    }),
                    _ => strays.push(dir),
                }
            }
        }
        Ok((entries, strays))
    }

    /// The directory of one incident, reading as few year trees as it can: numbers are
    /// allocated in increasing order and an incident's year is the year it was created,
    /// so each year's numbers follow the previous year's and a binary search over the
    /// years finds it. Anything out of that order (a hand-moved directory) is still found
    /// by a scan of the years not yet read. A duplicated ID is `check`'s to report.
    pub fn locate(&self, id: &IncidentId) -> Result<Option<IncidentEntry>> {
        let Some((root, Some(ObjectType::Tree))) = self.entry_id(layout::INCIDENTS_DIR) else {
            return Ok(None);
        };
        let mut years: Vec<(i32, Oid)> = Vec::new();
        for entry in self.subtree(root)?.iter() {
            if let (Some(year), Some(ObjectType::Tree)) = (
                entry.name().ok().and_then(|n| n.parse::<i32>().ok()),
                entry.kind(),
            ) {
                years.push((year, entry.id()));
            }
        }
        years.sort_unstable();
        let odb = self
            .repo
            .odb()
            .context(|| "could not open the object database".into())?;
        let name = id.to_string();
        // One year: the incident if it is there, and the range of numbers the year holds.
        let found = |index: usize| -> Result<(Option<IncidentEntry>, Option<NumberRange>)> {
            let (year, tree) = years[index];
            let raw = odb
                .read(tree)
                .context(|| format!("could not read {}/{year}", layout::INCIDENTS_DIR))?;
            let entry = super::tree::find_subtree(raw.data(), &name)?.map(|tree| IncidentEntry {
                id: id.clone(),
                year,
                dir: format!("{}/{year}/{name}", layout::INCIDENTS_DIR),
                tree,
            });
            Ok((entry, super::tree::number_range(raw.data(), &id.prefix)?))
        };
        let mut read = vec![false; years.len()];
        let (mut low, mut high) = (0, years.len());
        while low < high {
            let middle = (low + high) / 2;
            read[middle] = true;
            let (entry, range) = found(middle)?;
            if entry.is_some() {
                return Ok(entry);
            }
            match range {
                Some((first, _)) if id.number < first => high = middle,
                Some((_, last)) if id.number > last => low = middle + 1,
                _ => break,
            }
        }
        for index in (0..years.len()).filter(|i| !read[*i]) {
            if let (Some(entry), _) = found(index)? {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// A file inside an incident's directory, read from the directory's own tree.
    pub fn read_in(&self, entry: &IncidentEntry, file: &str) -> Result<Option<String>> {
        let path = format!("{}/{file}", entry.dir);
        let tree = self.subtree(entry.tree)?;
        let Some(found) = tree.get_name(file) else {
            return Ok(None);
        };
        if found.kind() != Some(ObjectType::Blob) {
            return Err(not_a_file(&path, found.kind()));
        }
        let blob = self
            .repo
            .find_blob(found.id())
            .context(|| format!("could not read {path}"))?;
        String::from_utf8(blob.content().to_vec())
            .map(Some)
            .map_err(|_| Error::File(FileError::error(path, None, "not valid UTF-8 text")))
    }

    pub fn require(&self, id: &IncidentId) -> Result<IncidentEntry> {
        self.locate(id)?
            .ok_or_else(|| Error::not_found(format!("no incident {id}: see `git incident list`")))
    }

    /// The next free ID: IDs are never reused, so one past the highest number seen.
    pub fn next_id(&self, prefix: &str) -> Result<IncidentId> {
        let (entries, _) = self.incident_entries()?;
        let highest = entries
            .iter()
            .filter(|e| e.id.prefix == prefix)
            .map(|e| e.id.number)
            .max()
            .unwrap_or(0);
        IncidentId::new(prefix, highest).next()
    }

    fn load_in<T: DeserializeOwned>(
        &self,
        entry: &IncidentEntry,
        file: &str,
    ) -> Result<Option<Loaded<T>>> {
        let Some(text) = self.read_in(entry, file)? else {
            return Ok(None);
        };
        let path = format!("{}/{file}", entry.dir);
        let value = codec::parse(&path, &text).map_err(Error::File)?;
        Ok(Some(Loaded { path, text, value }))
    }

    pub fn incident(&self, entry: &IncidentEntry) -> Result<Loaded<Incident>> {
        self.load_in(entry, layout::INCIDENT_FILE)?
            .ok_or_else(|| Error::not_found(format!("{} is missing", entry.incident_path())))
    }

    pub fn postmortem(&self, entry: &IncidentEntry) -> Result<Option<Loaded<Postmortem>>> {
        self.load_in(entry, layout::POSTMORTEM_FILE)
    }
}

/// A directory (or a submodule) where one of the tool's files belongs: reported like a
/// file that does not parse, so readers name it and go on, and writes stop.
fn not_a_file(path: &str, kind: Option<ObjectType>) -> Error {
    let what = match kind {
        Some(ObjectType::Tree) => "a directory",
        Some(ObjectType::Commit) => "a submodule",
        _ => "something else",
    };
    Error::File(FileError::error(
        path,
        None,
        format!("expected a file, found {what}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Years in number order are found by the search; a directory moved by hand into
    /// another year is found by the scan that follows it.
    #[test]
    fn locate_finds_incidents_in_any_year() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut tree = None;
        let mut place = |year: i32, number: u32| {
            let path = format!("incidents/{year}/INC-{number}/incident.toml");
            let parts: Vec<&str> = path.split('/').collect();
            tree = crate::store::update_tree(&repo, tree, &parts, Some(blob)).unwrap();
        };
        for (year, numbers) in [
            (2020, 1..=3),
            (2021, 4..=6),
            (2022, 7..=9),
            (2023, 10..=12),
            (2024, 13..=15),
        ] {
            for n in numbers {
                place(year, n);
            }
        }
        place(2021, 99);
        let tree = repo.find_tree(tree.unwrap()).unwrap();
        let sig = git2::Signature::new("t", "t@t", &git2::Time::new(0, 0)).unwrap();
        let commit = repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
        let snapshot = Snapshot::at_commit(&repo, commit).unwrap();
        for (number, year) in [
            (1, 2020),
            (6, 2021),
            (8, 2022),
            (12, 2023),
            (15, 2024),
            (99, 2021),
        ] {
            let entry = snapshot
                .locate(&IncidentId::new("INC", number))
                .unwrap()
                .unwrap();
            assert_eq!(entry.year, year, "INC-{number}");
        }
        assert!(
            snapshot
                .locate(&IncidentId::new("INC", 16))
                .unwrap()
                .is_none()
        );
        assert!(
            snapshot
                .locate(&IncidentId::new("OPS", 1))
                .unwrap()
                .is_none()
        );
    }
}
