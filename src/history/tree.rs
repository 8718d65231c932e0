//! Finding what a commit changed on the branch without git2's tree diff (~0.8 ms a call):
//! raw tree objects are compared entry by entry, descending only into subtrees whose
//! OIDs differ, along the year-sharded layout `incidents/<YYYY>/<ID>/<file>`.

use std::collections::HashMap;
use std::rc::Rc;

use git2::{ObjectType, Odb, Oid};

use crate::error::{Error, GitContext, Result};
use crate::store::layout;
use crate::store::tree::{RawEntry, git_order, next_entry};

/// One entry of a tree object.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub name: Box<str>,
    pub oid: Oid,
    pub is_tree: bool,
}

/// A tree object's bytes, read entry by entry without allocating: a year tree holds
/// hundreds of entries, and a walk compares two of them for every commit.
pub struct RawTree(Vec<u8>);

/// An entry as owned data, or `None` for a name that is not UTF-8 or a bad id.
fn owned(entry: RawEntry<'_>) -> Option<TreeEntry> {
    Some(TreeEntry {
        name: std::str::from_utf8(entry.name).ok()?.into(),
        oid: Oid::from_bytes(entry.id).ok()?,
        is_tree: entry.is_tree(),
    })
}

impl RawTree {
    fn iter(&self) -> RawEntries<'_> {
        RawEntries::new(&self.0)
    }
}

/// Entries from a position in a raw tree; remembers whether it stopped on bad data, so
/// that a corrupt tree is an error rather than a silently shorter list.
struct RawEntries<'a> {
    rest: &'a [u8],
    broken: bool,
}

impl<'a> RawEntries<'a> {
    fn new(rest: &'a [u8]) -> Self {
        RawEntries {
            rest,
            broken: false,
        }
    }
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = RawEntry<'a>;
    fn next(&mut self) -> Option<RawEntry<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        match next_entry(self.rest) {
            Some((entry, rest)) => {
                self.rest = rest;
                Some(entry)
            }
            None => {
                self.broken = true;
                None
            }
        }
    }
}

/// How many leading bytes two buffers share, sixteen at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 16 <= n && a[i..i + 16] == b[i..i + 16] {
        i += 16;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many trailing bytes two buffers share, sixteen at a time.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = n;
    while i >= 16 && a[i - 16..i] == b[i - 16..i] {
        i -= 16;
    }
    while i > 0 && a[i - 1] == b[i - 1] {
        i -= 1;
    }
    n - i
}

type Entries = Rc<RawTree>;
/// A name with what it was and what it became (`None`: absent).
type Pairs<T> = Vec<(String, Option<T>, Option<T>)>;

/// Reads and parses tree objects, remembering recent ones: walking the history, a
/// commit's parent trees were usually read one step earlier.
pub struct TreeReader<'r> {
    odb: Odb<'r>,
    recent: HashMap<Oid, Entries>,
    /// The generation before `recent`: a tree used again moves back, so that the year
    /// trees a walk needs from one commit to the next survive the many small directory
    /// trees read in between.
    older: HashMap<Oid, Entries>,
}

/// A file of an incident directory whose content a commit changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    /// `incidents/<YYYY>/<ID>`
    pub dir: String,
    pub file: IncidentFile,
    /// The new content, or `None` when the file was removed.
    pub blob: Option<Oid>,
    /// The directory's new tree (`None`: removed), to read the file beside this one
    /// without searching a year tree again.
    pub dir_tree: Option<Oid>,
    /// What each parent had at this path (`None`: nothing), the first parent first. The
    /// tree comparison fills in the first; [`crate::history::walk::touched`] the others.
    pub before: Vec<Option<Oid>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentFile {
    Incident,
    Postmortem,
}

impl IncidentFile {
    pub fn name(self) -> &'static str {
        match self {
            IncidentFile::Incident => layout::INCIDENT_FILE,
            IncidentFile::Postmortem => layout::POSTMORTEM_FILE,
        }
    }
    fn from_name(name: &str) -> Option<IncidentFile> {
        match name {
            layout::INCIDENT_FILE => Some(IncidentFile::Incident),
            layout::POSTMORTEM_FILE => Some(IncidentFile::Postmortem),
            _ => None,
        }
    }
}

/// Bounded (twice over, with the older generation) so that a long walk does not keep
/// every year tree it ever saw.
const RECENT_TREES: usize = 64;

impl<'r> TreeReader<'r> {
    pub fn new(repo: &'r git2::Repository) -> Result<Self> {
        crate::store::tune_libgit2_for_walks();
        Ok(TreeReader {
            odb: repo
                .odb()
                .context(|| "could not open the object database".into())?,
            recent: HashMap::new(),
            older: HashMap::new(),
        })
    }

    pub fn entries(&mut self, tree: Oid) -> Result<Entries> {
        if let Some(found) = self.recent.get(&tree) {
            return Ok(found.clone());
        }
        if let Some(found) = self.older.remove(&tree) {
            self.remember(tree, found.clone());
            return Ok(found);
        }
        let object = self
            .odb
            .read(tree)
            .context(|| format!("could not read tree {tree}"))?;
        if object.kind() != ObjectType::Tree {
            return Err(Error::invalid(format!("object {tree} is not a tree")));
        }
        let parsed = Rc::new(RawTree(object.data().to_vec()));
        drop(object);
        self.remember(tree, parsed.clone());
        Ok(parsed)
    }

    fn remember(&mut self, tree: Oid, entries: Entries) {
        if self.recent.len() >= RECENT_TREES {
            self.older = std::mem::take(&mut self.recent);
        }
        self.recent.insert(tree, entries);
    }

    fn child(&mut self, tree: Option<Oid>, name: &str) -> Result<Option<TreeEntry>> {
        let Some(tree) = tree else { return Ok(None) };
        Ok(self
            .entries(tree)?
            .iter()
            .find(|e| e.name == name.as_bytes())
            .and_then(owned))
    }

    fn subtree(&mut self, tree: Option<Oid>, name: &str) -> Result<Option<Oid>> {
        Ok(self.child(tree, name)?.filter(|e| e.is_tree).map(|e| e.oid))
    }

    /// Incident files whose content differs between two root trees (`None`: empty).
    pub fn changed(&mut self, old: Option<Oid>, new: Option<Oid>) -> Result<Vec<Touched>> {
        let mut touched = Vec::new();
        if old == new {
            return Ok(touched);
        }
        let old_incidents = self.subtree(old, layout::INCIDENTS_DIR)?;
        let new_incidents = self.subtree(new, layout::INCIDENTS_DIR)?;
        for (year, old_year, new_year) in self.differing(old_incidents, new_incidents)? {
            if year.parse::<i32>().is_err() {
                continue;
            }
            for (id, old_dir, new_dir) in self.differing(old_year, new_year)? {
                let dir = format!("{}/{year}/{id}", layout::INCIDENTS_DIR);
                for (name, old_blob, new_blob) in self.differing_blobs(old_dir, new_dir)? {
                    let Some(file) = IncidentFile::from_name(&name) else {
                        continue;
                    };
                    if old_blob != new_blob {
                        touched.push(Touched {
                            dir: dir.clone(),
                            file,
                            blob: new_blob,
                            dir_tree: new_dir,
                            before: vec![old_blob],
                        });
                    }
                }
            }
        }
        Ok(touched)
    }

    /// Like [`changed`](Self::changed) for one incident directory only: a lookup along
    /// its path instead of a comparison of whole year trees.
    pub fn changed_in(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        dir: &str,
    ) -> Result<Vec<Touched>> {
        let (mut old_tree, mut new_tree) = (old, new);
        for part in dir.split('/') {
            if old_tree == new_tree {
                return Ok(Vec::new());
            }
            old_tree = self.subtree(old_tree, part)?;
            new_tree = self.subtree(new_tree, part)?;
        }
        let mut touched = Vec::new();
        for (name, old_blob, new_blob) in self.differing_blobs(old_tree, new_tree)? {
            if let Some(file) = IncidentFile::from_name(&name)
                && old_blob != new_blob
            {
                touched.push(Touched {
                    dir: dir.to_string(),
                    file,
                    blob: new_blob,
                    dir_tree: new_tree,
                    before: vec![old_blob],
                });
            }
        }
        Ok(touched)
    }

    /// Names of subtrees whose OIDs differ, with both OIDs (a merge walk over sorted entries).
    fn differing(&mut self, old: Option<Oid>, new: Option<Oid>) -> Result<Pairs<Oid>> {
        let pairs = self.differing_entries(old, new)?;
        Ok(pairs
            .into_iter()
            .map(|(name, a, b)| {
                let tree = |e: Option<TreeEntry>| e.filter(|e| e.is_tree).map(|e| e.oid);
                (name, tree(a), tree(b))
            })
            .filter(|(_, a, b)| a != b)
            .collect())
    }

    fn differing_blobs(&mut self, old: Option<Oid>, new: Option<Oid>) -> Result<Pairs<Oid>> {
        let pairs = self.differing_entries(old, new)?;
        Ok(pairs
            .into_iter()
            .map(|(name, a, b)| {
                let blob = |e: Option<TreeEntry>| e.filter(|e| !e.is_tree).map(|e| e.oid);
                (name, blob(a), blob(b))
            })
            .collect())
    }

    fn differing_entries(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
    ) -> Result<Pairs<TreeEntry>> {
        if old == new {
            return Ok(Vec::new());
        }
        let empty = Rc::new(RawTree(Vec::new()));
        let a = match old {
            Some(t) => self.entries(t)?,
            None => empty.clone(),
        };
        let b = match new {
            Some(t) => self.entries(t)?,
            None => empty,
        };
        // Entries wholly inside the bytes both trees share are equal: skip them.
        let prefix = common_prefix(&a.0, &b.0);
        let mut start = 0;
        let mut skip = a.iter();
        while skip.next().is_some() {
            let end = a.0.len() - skip.rest.len();
            if end > prefix {
                break;
            }
            start = end;
        }
        // Measured once: comparing the rest after every equal entry would cost a scan
        // to the next change each time, quadratic on a year tree with a few edits.
        let suffix = common_suffix(&a.0, &b.0);
        // Git sorts entries by name, a tree's name taken as if it ended in '/': merging
        // by that key finds every added, removed and changed entry in one pass.
        let mut out = Vec::new();
        let owned = |e: RawEntry<'_>| {
            owned(e).ok_or_else(|| Error::invalid("a tree entry has a name that is not UTF-8"))
        };
        let (mut xs, mut ys) = (
            RawEntries::new(&a.0[start..]),
            RawEntries::new(b.0.get(start..).unwrap_or_default()),
        );
        let (mut x, mut y) = (xs.next(), ys.next());
        loop {
            let order = match (&x, &y) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => git_order(x, y),
            };
            match order {
                std::cmp::Ordering::Equal => {
                    let (old, new) = (x.expect("compared"), y.expect("compared"));
                    if old.id != new.id {
                        let (old, new) = (owned(old)?, owned(new)?);
                        out.push((old.name.to_string(), Some(old), Some(new)));
                    } else if xs.rest.len() == ys.rest.len() && xs.rest.len() <= suffix {
                        // Back in step and the rest is byte for byte the same.
                        break;
                    }
                    (x, y) = (xs.next(), ys.next());
                }
                std::cmp::Ordering::Less => {
                    let old = owned(x.expect("compared"))?;
                    out.push((old.name.to_string(), Some(old), None));
                    x = xs.next();
                }
                std::cmp::Ordering::Greater => {
                    let new = owned(y.expect("compared"))?;
                    out.push((new.name.to_string(), None, Some(new)));
                    y = ys.next();
                }
            }
        }
        if xs.broken || ys.broken || skip.broken {
            return Err(Error::invalid(
                "a tree on the branch is corrupt: could not read its entries",
            ));
        }
        Ok(out)
    }

    /// The blob at `incidents/<YYYY>/<ID>/<file>` under a root tree.
    pub fn blob_at(&mut self, root: Oid, dir: &str, file: IncidentFile) -> Result<Option<Oid>> {
        let mut tree = Some(root);
        for part in dir.split('/') {
            tree = self.subtree(tree, part)?;
        }
        self.blob_in(tree, file)
    }

    /// The blob of `file` in an incident directory's tree.
    pub fn blob_in(&mut self, tree: Option<Oid>, file: IncidentFile) -> Result<Option<Oid>> {
        Ok(self
            .child(tree, file.name())?
            .filter(|e| !e.is_tree)
            .map(|e| e.oid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Repository;

    /// A root tree with `incidents/<year>/<id>/incident.toml` for each (year, id, text).
    fn root(repo: &Repository, files: &[(&str, String, String)]) -> Oid {
        let mut years: std::collections::BTreeMap<&str, Vec<(&String, &String)>> =
            Default::default();
        for (year, id, text) in files {
            years.entry(year).or_default().push((id, text));
        }
        let mut incidents = repo.treebuilder(None).unwrap();
        for (year, ids) in years {
            let mut year_tree = repo.treebuilder(None).unwrap();
            for (id, text) in ids {
                let blob = repo.blob(text.as_bytes()).unwrap();
                let mut dir = repo.treebuilder(None).unwrap();
                dir.insert("incident.toml", blob, 0o100644).unwrap();
                year_tree
                    .insert(id.as_str(), dir.write().unwrap(), 0o040000)
                    .unwrap();
            }
            incidents
                .insert(year, year_tree.write().unwrap(), 0o040000)
                .unwrap();
        }
        let mut top = repo.treebuilder(None).unwrap();
        top.insert("incidents", incidents.write().unwrap(), 0o040000)
            .unwrap();
        top.write().unwrap()
    }

    /// The paths git2's own (slow) diff reports, for comparison.
    fn git_diff(repo: &Repository, old: Oid, new: Oid) -> Vec<String> {
        let (old, new) = (repo.find_tree(old).unwrap(), repo.find_tree(new).unwrap());
        let diff = repo
            .diff_tree_to_tree(Some(&old), Some(&new), None)
            .unwrap();
        let mut paths: Vec<String> = diff
            .deltas()
            .map(|d| {
                let file = d.new_file().path().or(d.old_file().path()).unwrap();
                file.parent().unwrap().to_str().unwrap().to_string()
            })
            .collect();
        paths.sort();
        paths
    }

    #[test]
    fn changed_agrees_with_git_on_edits_additions_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // Names chosen so that sorting matters: INC-1, INC-10, INC-100, INC-11, ...
        let mut files: Vec<(&str, String, String)> = (1..=300)
            .map(|n| {
                let year = if n % 7 == 0 { "2025" } else { "2026" };
                (
                    year,
                    format!("INC-{n}"),
                    format!("status = \"open\" # {n}\n"),
                )
            })
            .collect();
        let mut reader = TreeReader::new(&repo).unwrap();
        let mut seed = 12345u64;
        let mut previous = root(&repo, &files);
        for round in 0..60 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = (seed >> 33) as usize % files.len();
            match round % 3 {
                0 => files[pick].2.push_str("edited\n"),
                1 => {
                    files.push(("2026", format!("INC-{}", 1000 + round), "new\n".into()));
                    files[pick].2.push_str("and edited\n");
                }
                _ => {
                    files.remove(pick);
                }
            }
            let next = root(&repo, &files);
            let mut ours: Vec<String> = reader
                .changed(Some(previous), Some(next))
                .unwrap()
                .into_iter()
                .map(|t| t.dir)
                .collect();
            ours.sort();
            assert_eq!(ours, git_diff(&repo, previous, next), "round {round}");
            // The lookup along one directory's path agrees with the full comparison.
            let first = ours.first().map_or("incidents/2026/INC-2", String::as_str);
            for dir in ["incidents/2026/INC-1", "incidents/2025/INC-7", first] {
                let one: Vec<String> = reader
                    .changed_in(Some(previous), Some(next), dir)
                    .unwrap()
                    .into_iter()
                    .map(|t| t.dir)
                    .collect();
                let expected: Vec<String> = ours.iter().filter(|d| *d == dir).cloned().collect();
                assert_eq!(one, expected, "round {round}, {dir}");
            }
            previous = next;
        }
    }
}
