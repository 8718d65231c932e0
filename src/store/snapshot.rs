//! A read-only view of the branch at one commit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

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
    raw_trees: RefCell<HashMap<Oid, Rc<[u8]>>>,
}

/// Incident directories by path: those kept as they were, and those read again.
pub type KeptAndRead<D, N> = (Vec<(String, D)>, Vec<(String, N)>);

/// The lowest and highest incident number in a year.
type NumberRange = (u32, u32);

/// An ID prefix with the lowest and highest number a year holds under it.
type PrefixRange = (String, u32, u32);
/// [`YearRanges`] as stored: by the tree's id in hex.
type StoredRanges = Vec<(String, Vec<PrefixRange>)>;

/// The numbers each year tree holds, by prefix, remembered in the repository's private
/// directory by the tree's id: content-addressed, so never stale for any branch, and
/// kept only for the year trees of the last search.
#[derive(Default)]
struct YearRanges {
    by_tree: HashMap<Oid, Vec<PrefixRange>>,
    learned: bool,
}

impl YearRanges {
    fn path(repo: &Repository) -> std::path::PathBuf {
        repo.commondir().join("incident").join("year-ranges.bin")
    }

    fn load(repo: &Repository) -> YearRanges {
        let stored: StoredRanges = super::cache::read(&Self::path(repo)).unwrap_or_default();
        YearRanges {
            by_tree: stored
                .into_iter()
                .filter_map(|(tree, ranges)| Some((Oid::from_str(&tree).ok()?, ranges)))
                .collect(),
            learned: false,
        }
    }

    /// The range of `prefix` numbers in the year tree `tree` (`None`: it holds none).
    fn range(
        &mut self,
        snapshot: &Snapshot<'_>,
        tree: Oid,
        prefix: &str,
    ) -> Result<Option<NumberRange>> {
        let ranges = match self.by_tree.entry(tree) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                self.learned = true;
                new.insert(super::tree::number_ranges(&snapshot.raw_tree(tree)?)?)
            }
        };
        Ok(ranges
            .iter()
            .find(|(p, _, _)| p == prefix)
            .map(|(_, low, high)| (*low, *high)))
    }

    fn save(self, repo: &Repository, years: &[(i32, Oid)]) {
        if !self.learned {
            return;
        }
        let mut by_tree = self.by_tree;
        let stored: StoredRanges = years
            .iter()
            .filter_map(|(_, tree)| Some((tree.to_string(), by_tree.remove(tree)?)))
            .collect();
        super::cache::write(&Self::path(repo), &stored);
    }
}

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
            raw_trees: RefCell::default(),
        })
    }

    pub fn empty(repo: &'r Repository) -> Self {
        Snapshot {
            repo,
            commit: None,
            tree: None,
            raw_trees: RefCell::default(),
        }
    }

    /// `read` applied to each item, in order, on as many threads as the machine has
    /// cores (up to four) when there are enough items to be worth it: each thread opens
    /// its own handle on the repository, as a libgit2 handle is not shared between
    /// threads. A cold read of 100,000 incident directories is two thirds parsing.
    pub fn map_parallel<I: Send, O: Send>(
        &self,
        mut items: Vec<I>,
        read: impl Fn(&Snapshot<'_>, I) -> Result<O> + Sync,
    ) -> Result<Vec<O>> {
        const WORTH_A_THREAD: usize = 2_000;
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 4)
            .min(items.len() / WORTH_A_THREAD);
        let Some(commit) = self.commit.filter(|_| threads > 1) else {
            return items.into_iter().map(|item| read(self, item)).collect();
        };
        let size = items.len().div_ceil(threads);
        let mut chunks = Vec::with_capacity(threads);
        while items.len() > size {
            chunks.push(items.split_off(items.len() - size));
        }
        chunks.reverse();
        let path = self.repo.path();
        let read = &read;
        std::thread::scope(|scope| {
            let others: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    scope.spawn(move || -> Result<Vec<O>> {
                        let repo = super::reopen(path)?;
                        let snapshot = Snapshot::at_commit(&repo, commit)?;
                        chunk
                            .into_iter()
                            .map(|item| read(&snapshot, item))
                            .collect()
                    })
                })
                .collect();
            let mut out: Vec<O> = items
                .into_iter()
                .map(|item| read(self, item))
                .collect::<Result<_>>()?;
            for other in others {
                out.extend(
                    other
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                );
            }
            Ok(out)
        })
    }

    /// The incident directories `entries` (this snapshot's), by path: those `old` holds
    /// (by path) that `current` accepts for the directory's tree id, and the others read
    /// afresh with `read`, on several threads when there are many.
    pub fn reread_changed<D, N: Send>(
        &self,
        entries: &[IncidentEntry],
        mut old: HashMap<String, D>,
        current: impl Fn(&D, &str) -> bool,
        read: impl Fn(&Snapshot<'_>, &IncidentEntry, String) -> Result<N> + Sync,
    ) -> Result<KeptAndRead<D, N>> {
        let mut kept = Vec::with_capacity(entries.len());
        let mut stale = Vec::new();
        for entry in entries {
            let tree = entry.tree.to_string();
            match old.remove(&entry.dir).filter(|d| current(d, &tree)) {
                Some(dir) => kept.push((entry.dir.clone(), dir)),
                None => stale.push((entry, tree)),
            }
        }
        let fresh = self.map_parallel(stale, |snapshot, (entry, tree)| {
            read(snapshot, entry, tree).map(|dir| (entry.dir.clone(), dir))
        })?;
        Ok((kept, fresh))
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
    ///
    /// The numbers each year tree holds are remembered by the tree's id (see
    /// [`YearRanges`]), so that the search reads only the year the incident is in: at
    /// 100,000 incidents a year tree is 450 KB to inflate, and a write reads it again.
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
        let mut ranges = YearRanges::load(self.repo);
        let found = self.search_years(id, &years, &mut ranges);
        ranges.save(self.repo, &years);
        found
    }

    fn search_years(
        &self,
        id: &IncidentId,
        years: &[(i32, Oid)],
        ranges: &mut YearRanges,
    ) -> Result<Option<IncidentEntry>> {
        let name = id.to_string();
        let find = |(year, tree): (i32, Oid)| -> Result<Option<IncidentEntry>> {
            let raw = self.raw_tree(tree)?;
            Ok(
                super::tree::find_subtree(&raw, &name)?.map(|tree| IncidentEntry {
                    id: id.clone(),
                    year,
                    dir: format!("{}/{year}/{name}", layout::INCIDENTS_DIR),
                    tree,
                }),
            )
        };
        // Years searched for the name itself: a year passed over by its remembered range
        // is still scanned below when the search fails, so that a wrong range (a
        // hand-edited cache) can slow a lookup but never hide an incident.
        let mut searched = vec![false; years.len()];
        let (mut low, mut high) = (0, years.len());
        while low < high {
            let middle = (low + high) / 2;
            match ranges.range(self, years[middle].1, &id.prefix)? {
                Some((first, _)) if id.number < first => high = middle,
                Some((_, last)) if id.number > last => low = middle + 1,
                in_range => {
                    if in_range.is_some() {
                        searched[middle] = true;
                        if let Some(entry) = find(years[middle])? {
                            return Ok(Some(entry));
                        }
                    }
                    break;
                }
            }
        }
        for (index, year) in years.iter().enumerate() {
            if !searched[index]
                && let Some(entry) = find(*year)?
            {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// A tree object's bytes, read once per snapshot: finding an incident reads its year
    /// tree, and writing the incident splices the same bytes.
    pub(crate) fn raw_tree(&self, id: Oid) -> Result<Rc<[u8]>> {
        if let Some(raw) = self.raw_trees.borrow().get(&id) {
            return Ok(raw.clone());
        }
        let raw = super::tree::read_raw(self.repo, id)?;
        self.raw_trees.borrow_mut().insert(id, raw.clone());
        Ok(raw)
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
        let place = |tree: Option<Oid>, year: i32, number: u32| {
            let path = format!("incidents/{year}/INC-{number}/incident.toml");
            let parts: Vec<&str> = path.split('/').collect();
            crate::store::update_tree(&repo, tree, &parts, Some(blob)).unwrap()
        };
        let sig = git2::Signature::new("t", "t@t", &git2::Time::new(0, 0)).unwrap();
        let commit_of = |tree: Option<Oid>| {
            let tree = repo.find_tree(tree.unwrap()).unwrap();
            repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap()
        };
        let mut tree = None;
        for (year, numbers) in [
            (2020, 1..=3),
            (2021, 4..=6),
            (2022, 7..=9),
            (2023, 10..=12),
            (2024, 13..=15),
        ] {
            for n in numbers {
                tree = place(tree, year, n);
            }
        }
        tree = place(tree, 2021, 99);
        let commit = commit_of(tree);
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
        // Again with the year ranges remembered, and after a write changed one year.
        for (number, year) in [(1, 2020), (8, 2022), (99, 2021)] {
            let again = Snapshot::at_commit(&repo, commit).unwrap();
            let entry = again.locate(&IncidentId::new("INC", number)).unwrap();
            assert_eq!(entry.unwrap().year, year, "INC-{number}, remembered");
        }
        // A remembered range that is wrong (a hand-edited cache) slows the search only.
        let mut wrong = YearRanges::load(&repo);
        assert!(!wrong.by_tree.is_empty(), "the ranges are remembered");
        for ranges in wrong.by_tree.values_mut() {
            for range in ranges.iter_mut() {
                (range.1, range.2) = (1000, 2000);
            }
        }
        wrong.learned = true;
        let years: Vec<(i32, Oid)> = wrong.by_tree.keys().map(|tree| (0, *tree)).collect();
        wrong.save(&repo, &years);
        for (number, year) in [(1, 2020), (8, 2022), (15, 2024)] {
            let again = Snapshot::at_commit(&repo, commit).unwrap();
            let entry = again.locate(&IncidentId::new("INC", number)).unwrap();
            assert_eq!(entry.unwrap().year, year, "INC-{number}, wrong ranges");
        }
        let after = commit_of(place(tree, 2022, 100));
        for (number, year) in [(100, 2022), (9, 2022), (4, 2021), (99, 2021)] {
            let snapshot = Snapshot::at_commit(&repo, after).unwrap();
            let entry = snapshot.locate(&IncidentId::new("INC", number)).unwrap();
            assert_eq!(entry.unwrap().year, year, "INC-{number}, after a write");
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

    /// Many items are read on several threads, each with its own handle on the
    /// repository, and come back in their order; an error on any thread is the answer.
    #[test]
    fn map_parallel_keeps_order_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let sig = git2::Signature::new("t", "t@t", &git2::Time::new(0, 0)).unwrap();
        let commit = repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
        let snapshot = Snapshot::at_commit(&repo, commit).unwrap();
        let items: Vec<usize> = (0..9_000).collect();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let read = snapshot
            .map_parallel(items.clone(), |s, i| {
                threads.lock().unwrap().insert(std::thread::current().id());
                assert_eq!(s.commit(), Some(commit));
                Ok(i * 2)
            })
            .unwrap();
        assert_eq!(read, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(threads.lock().unwrap().len(), cores.clamp(1, 4));
        let failed = snapshot.map_parallel(items, |_, i| match i {
            8_999 => Err(Error::invalid("the last one")),
            _ => Ok(i),
        });
        assert!(failed.unwrap_err().to_string().contains("the last one"));
    }
}
