//! The read index under `$GIT_DIR/incident/`: one entry per incident directory, keyed by
//! the directory's tree OID, holding what its files say (the fields listings filter and
//! sort on, `list --json`'s text, the action items, the facts metrics start from, the
//! files that did not parse), and what history says about each incident up to a commit.
//!
//! Every read goes through it. When the tip moves only the directories whose tree
//! changed are re-read; history is brought up to date from the commits in between, and
//! rebuilt when the old tip is no longer an ancestor (a rewrite). A missing, unreadable
//! or outdated index is rebuilt: a cache problem never fails a read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileError, Result};
use crate::history::derive::{self, Derived};
use crate::history::{Progress, facts, walk};
use crate::metrics::{ActionFacts, IncidentFacts, PostmortemFacts};
use crate::model::{Incident, IncidentId, Status};
use crate::store::{self, IncidentEntry, Snapshot, Store, cache};

/// Bump whenever what is stored, or how it is derived, changes.
const FORMAT: u32 = 11;

/// One part of the index in its own file, so that a read loads only the parts it needs
/// (a listing does not load history): what it holds, and the commit it describes.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Part<T> {
    format: u32,
    refname: String,
    pub(super) tip: String,
    pub(super) body: T,
}

/// The incident directories at the tip, by path. Boxed: a map's table has room for up to
/// twice its entries, and a directory inline is about 800 bytes.
type Dirs = HashMap<String, Box<IndexedDir>>;
/// `list --json` texts by incident directory.
type Texts = HashMap<String, String>;
/// What history says, by incident identity (see `derive::identity`).
type DerivedById = HashMap<String, Derived>;
/// What `list --json` prints, apart: with the fields its filters and order look at, so
/// that an unchanged branch is listed from this part alone. Built only when `list --json`
/// asks: a cold `metrics` would otherwise pay for serialising every incident. Its texts
/// borrow from the part's bytes as read: at 100,000 incidents they are 190 MB, and a copy
/// of them would double that.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Listing<'a> {
    /// By incident directory.
    #[serde(borrow)]
    pub incidents: HashMap<String, ListedJson<'a>>,
    /// The incident.toml files that do not parse, by path.
    pub incident_errors: Vec<FileError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListedJson<'a> {
    /// The incident directory's tree the text was made from.
    pub tree: String,
    pub number: u32,
    pub status: Status,
    pub severity: String,
    pub services: Vec<String>,
    /// Unix seconds.
    pub detected: Option<i64>,
    /// The incident as `list --json` prints it.
    #[serde(borrow)]
    pub text: Cow<'a, str>,
}
/// The commits that changed each incident directory, newest first: `log ID` reads only
/// those.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TouchedByDir {
    /// Whether each list is in the order of a walk of the whole branch: true after a
    /// full walk, and kept while the new commits are a line on top of the old tip (they
    /// then come first in any walk); a merge makes a walk interleave them by time.
    in_walk_order: bool,
    dirs: HashMap<String, Vec<String>>,
}

/// The commits that changed one incident directory, newest first.
pub struct Touching {
    pub commits: Vec<git2::Oid>,
    /// In the order `walk::commits` gives: the log can be read from the list alone.
    pub in_walk_order: bool,
}

/// One incident directory as its files say it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedDir {
    pub tree: String,
    pub id: IndexedId,
    /// The key of its derived facts: the incident's uid.
    pub identity: String,
    /// The incident as the files state it (no history applied); `None` when
    /// incident.toml does not parse. Its `postmortem` is always `None` here: that is
    /// [`IndexedDir::postmortem`], so that each action item is held once.
    pub facts: Option<IncidentFacts>,
    /// The postmortem as its file states it, its action items in file order; `None`
    /// when there is none or it does not parse. Kept apart from `facts` so that its
    /// items are listed even when incident.toml does not parse.
    pub postmortem: Option<PostmortemFacts>,
    /// incident.toml's error, if it does not parse (boxed: it is rare, and inline it
    /// would cost every directory its size).
    pub incident_error: Option<Box<FileError>>,
    /// postmortem.toml's error, if it does not parse.
    pub postmortem_error: Option<Box<FileError>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedId {
    pub prefix: String,
    pub number: u32,
}

impl IndexedDir {
    /// The postmortem's action items as filed (see [`facts::filed_action`]), in file
    /// order.
    pub fn actions(&self) -> &[ActionFacts] {
        self.postmortem
            .as_ref()
            .map_or(&[], |p| p.actions.as_slice())
    }
}

/// The read index at the branch tip.
pub struct Index {
    tip: String,
    dirs: Dirs,
    derived: DerivedById,
}

/// What to bring up to date besides the files: history costs a walk of new commits.
pub enum Want<'a> {
    Files,
    History(Progress<'a>),
}

impl Index {
    /// The index for `snapshot` (the branch tip), refreshed and saved as needed.
    pub fn load(store: &Store, snapshot: &Snapshot<'_>, want: Want<'_>) -> Result<Index> {
        Index::load_keeping_json(store, snapshot, want, None)
    }

    /// The same, giving `json` (when asked) the `list --json` text of each incident read
    /// afresh, so that a cold `list --json` parses each file once.
    fn load_keeping_json(
        store: &Store,
        snapshot: &Snapshot<'_>,
        want: Want<'_>,
        json: Option<&mut Texts>,
    ) -> Result<Index> {
        let tip = tip_of(snapshot)?;
        // History first: a walk's own lists are gone before the directories are loaded,
        // so the two never peak together (at 100,000 incidents, 270 MB each).
        let derived = match want {
            Want::Files => DerivedById::new(),
            Want::History(progress) => history(store, tip, progress, true, false)?
                .map(|(derived, _)| derived)
                .unwrap_or_default(),
        };
        let path = store.cache_file("index");
        let mut dirs = read::<Dirs>(&path, store.refname()).unwrap_or_default();
        if dirs.tip != tip.to_string() {
            let old = std::mem::take(&mut dirs.body);
            dirs.body = store::without_object_cache(|| refresh_dirs(snapshot, old, json))?;
            dirs.tip = tip.to_string();
            write(store, &path, &mut dirs);
        }
        Ok(Index {
            tip: dirs.tip,
            dirs: dirs.body,
            derived,
        })
    }

    /// Every incident directory, in no particular order.
    pub fn dirs(&self) -> impl Iterator<Item = &IndexedDir> {
        self.dirs.values().map(Box::as_ref)
    }

    /// The incidents whose incident.toml parses, as their files say, newest first (by
    /// detection time, then by number).
    pub fn incidents_newest_first(&self) -> Vec<&IndexedDir> {
        let mut listed: Vec<&IndexedDir> = self.dirs().filter(|d| d.facts.is_some()).collect();
        listed.sort_by_key(|d| {
            std::cmp::Reverse((d.facts.as_ref().and_then(|f| f.times.detected), d.id.number))
        });
        listed
    }

    /// What `list --json` prints for `listed` (incidents of this index), in that order,
    /// each read from its file: for a few incidents, such as the attention view's open
    /// ones, cheaper than the listing part, which holds every incident's text.
    pub fn json_texts(
        &self,
        snapshot: &Snapshot<'_>,
        listed: &[&IncidentFacts],
    ) -> Result<Vec<String>> {
        let mut texts = Vec::with_capacity(listed.len());
        for facts in listed {
            let Some(dir) = self.dirs.get(&facts.dir) else {
                continue;
            };
            let tree = git2::Oid::from_str(&dir.tree).map_err(|_| {
                Error::invalid("the read index holds a bad tree: remove .git/incident/ and retry")
            })?;
            // Reading it takes only the directory's tree and path.
            let entry = IncidentEntry {
                id: IncidentId {
                    prefix: dir.id.prefix.clone(),
                    number: dir.id.number,
                },
                year: facts
                    .dir
                    .split('/')
                    .nth(1)
                    .and_then(|y| y.parse().ok())
                    .unwrap_or_default(),
                dir: facts.dir.clone(),
                tree,
            };
            texts.push(json_text(&snapshot.incident(&entry)?.value));
        }
        Ok(texts)
    }

    /// What `list --json` prints: from the part as saved, brought up to date with this
    /// index (only the incidents whose directory changed are read again, or taken from
    /// `fresh`, the texts of incidents just read by `load_keeping_json`) and saved.
    fn listing_from<'b>(
        &self,
        store: &Store,
        snapshot: &Snapshot<'_>,
        mut fresh: Texts,
        mut part: Part<Listing<'b>>,
    ) -> Result<Listing<'b>> {
        let path = store.cache_file("json");
        if part.tip == self.tip {
            return Ok(part.body);
        }
        let mut old = std::mem::take(&mut part.body.incidents);
        let (entries, _) = snapshot.incident_entries()?;
        for entry in entries {
            let Some(dir) = self.dirs.get(&entry.dir) else {
                continue;
            };
            let Some(facts) = &dir.facts else { continue };
            let kept = old.remove(&entry.dir).filter(|l| l.tree == dir.tree);
            let text = match kept
                .map(|l| l.text)
                .or_else(|| fresh.remove(&entry.dir).map(Cow::Owned))
            {
                Some(text) => text,
                // The index read it as parsing: an error now is a broken repository.
                None => Cow::Owned(json_text(&snapshot.incident(&entry)?.value)),
            };
            let listed = ListedJson {
                tree: dir.tree.clone(),
                number: dir.id.number,
                status: facts.status,
                severity: facts.severity.clone(),
                services: facts.services.clone(),
                detected: facts.times.detected,
                text,
            };
            part.body.incidents.insert(entry.dir, listed);
        }
        part.body.incident_errors = self.incident_errors();
        part.tip = self.tip.clone();
        write(store, &path, &mut part);
        Ok(part.body)
    }

    /// The incident.toml files that do not parse, by path.
    pub fn incident_errors(&self) -> Vec<FileError> {
        sorted(
            self.dirs()
                .filter_map(|d| d.incident_error.as_deref().cloned()),
        )
    }

    /// The postmortem.toml files that do not parse, by path.
    pub fn postmortem_errors(&self) -> Vec<FileError> {
        sorted(
            self.dirs()
                .filter_map(|d| d.postmortem_error.as_deref().cloned()),
        )
    }

    /// The directories in incident ID order.
    pub fn dirs_by_id(&self) -> Vec<&IndexedDir> {
        let mut dirs: Vec<&IndexedDir> = self.dirs().collect();
        dirs.sort_by(|a, b| (&a.id.prefix, a.id.number).cmp(&(&b.id.prefix, b.id.number)));
        dirs
    }

    /// Every incident with the times its files leave out filled in from history (when
    /// loaded with it), by number, and every file that does not parse. Takes the index
    /// apart rather than copying it: at 100,000 incidents a copy is 100 MB.
    pub fn into_history(self) -> super::History {
        let mut incidents = Vec::with_capacity(self.dirs.len());
        let mut broken = Vec::new();
        for dir in self.dirs.into_values() {
            let dir = *dir;
            broken.extend(dir.incident_error.map(|e| *e));
            broken.extend(dir.postmortem_error.map(|e| *e));
            if let Some(mut facts) = dir.facts {
                facts.postmortem = dir.postmortem;
                facts::apply_history(&mut facts, self.derived.get(&dir.identity));
                incidents.push(facts);
            }
        }
        incidents.sort_by_key(IncidentFacts::number);
        super::History {
            incidents,
            broken: sorted(broken.into_iter()),
        }
    }
}

fn sorted(errors: impl Iterator<Item = FileError>) -> Vec<FileError> {
    let mut errors: Vec<FileError> = errors.collect();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    errors
}

/// What the files at the tip say, re-reading only directories whose tree changed.
fn refresh_dirs(snapshot: &Snapshot<'_>, old: Dirs, json: Option<&mut Texts>) -> Result<Dirs> {
    let with_json = json.is_some();
    let (entries, _) = snapshot.incident_entries()?;
    let (kept, read) = snapshot.reread_changed(
        &entries,
        old,
        |dir, tree| dir.tree == tree,
        |snapshot, entry, tree| read_dir(snapshot, entry, tree, with_json),
    )?;
    let mut dirs: Dirs = kept.into_iter().collect();
    dirs.reserve(read.len());
    let mut json = json;
    for (path, (dir, text)) in read {
        if let (Some(json), Some(text)) = (json.as_deref_mut(), text) {
            json.insert(path.clone(), text);
        }
        dirs.insert(path, dir);
    }
    Ok(dirs)
}

/// One incident directory as the index keeps it, with its `list --json` text when asked.
fn read_dir(
    snapshot: &Snapshot<'_>,
    entry: &IncidentEntry,
    tree: String,
    with_json: bool,
) -> Result<(Box<IndexedDir>, Option<String>)> {
    let IncidentId { prefix, number } = entry.id.clone();
    let (incident, incident_error) = match snapshot.incident(entry) {
        Ok(loaded) => (Some(loaded), None),
        Err(e) => (None, Some(e.into_file_error(entry.incident_path())?)),
    };
    let (postmortem, postmortem_error) = match snapshot.postmortem(entry) {
        Ok(loaded) => (loaded.map(|l| l.value), None),
        Err(e) => (None, Some(e.into_file_error(entry.postmortem_path())?)),
    };
    // Whose history applies: the incident's uid, read from the file just parsed.
    let identity = derive::identity(incident.as_ref().map(|i| i.text.as_str()), &entry.dir);
    let mut facts = incident
        .as_ref()
        .map(|i| facts::from_files(entry, &i.value, postmortem.as_ref()));
    let postmortem = match &mut facts {
        Some(facts) => facts.postmortem.take(),
        None => postmortem.map(|p| facts::postmortem_from_file(&p)),
    };
    let text = incident
        .as_ref()
        .filter(|_| with_json)
        .map(|incident| json_text(&incident.value));
    let dir = Box::new(IndexedDir {
        tree,
        id: IndexedId { prefix, number },
        identity,
        facts,
        postmortem,
        incident_error: incident_error.map(Box::new),
        postmortem_error: postmortem_error.map(Box::new),
    });
    Ok((dir, text))
}

/// An incident as `list --json` prints it. Its spare capacity is given back: the texts of
/// 100,000 incidents are 190 MB, and a string grown by doubling holds about a quarter more.
fn json_text(incident: &Incident) -> String {
    let mut text = serde_json::to_string_pretty(incident).expect("incidents serialize");
    text.shrink_to_fit();
    text
}

/// What `list --json` prints at the tip: from its part alone (read into `bytes`, which
/// its texts borrow) when that describes the tip, else through the index.
pub fn listing<'b>(
    store: &Store,
    snapshot: &Snapshot<'_>,
    bytes: &'b mut Vec<u8>,
) -> Result<Listing<'b>> {
    let tip = tip_of(snapshot)?.to_string();
    let kept = read_listing(store, bytes);
    if kept.tip == tip {
        return Ok(kept.body);
    }
    let mut fresh = Texts::new();
    Index::load_keeping_json(store, snapshot, Want::Files, Some(&mut fresh))?
        .listing_from(store, snapshot, fresh, kept)
}

/// The `list --json` part as saved, its texts borrowed from `bytes` (which it reads the
/// file into); empty when there is none worth trusting.
fn read_listing<'b>(store: &Store, bytes: &'b mut Vec<u8>) -> Part<Listing<'b>> {
    *bytes = std::fs::read(store.cache_file("json")).unwrap_or_default();
    let bytes: &'b [u8] = bytes;
    postcard::from_bytes::<Part<Listing<'b>>>(bytes)
        .ok()
        .filter(|part| part.format == FORMAT && part.refname == store.refname())
        .unwrap_or_default()
}

pub(super) fn tip_of(snapshot: &Snapshot<'_>) -> Result<git2::Oid> {
    snapshot
        .commit()
        .ok_or_else(|| Error::not_found("the incident branch has no commits yet"))
}

/// The commits that changed `dir` up to the tip, when the index has walked history
/// before (a walk of the new commits brings it up to date; never one of all of them).
pub fn commits_touching(
    store: &Store,
    snapshot: &Snapshot<'_>,
    dir: &str,
    progress: Progress<'_>,
) -> Result<Option<Touching>> {
    let tip = tip_of(snapshot)?;
    let touched = match read::<TouchedByDir>(&store.cache_file("touched"), store.refname()) {
        Some(kept) if kept.tip == tip.to_string() => kept.body,
        _ => match history(store, tip, progress, false, true)? {
            Some((_, touched)) => touched,
            None => return Ok(None),
        },
    };
    let commits = touched.dirs.get(dir).map(Vec::as_slice).unwrap_or_default();
    let commits: Option<Vec<git2::Oid>> = commits
        .iter()
        .map(|c| git2::Oid::from_str(c).ok())
        .collect();
    Ok(commits.map(|commits| Touching {
        commits,
        in_walk_order: touched.in_walk_order,
    }))
}

/// What history says up to `tip`, and (when `with_touched`, else empty) the commits
/// that changed each directory; brought up to date from the commits since the kept
/// tip, or (when `full_walk_allowed`, else `None`) from all of them when the kept tip
/// is not an ancestor (a rewrite) or nothing is kept.
fn history(
    store: &Store,
    tip: git2::Oid,
    progress: Progress<'_>,
    full_walk_allowed: bool,
    with_touched: bool,
) -> Result<Option<(DerivedById, TouchedByDir)>> {
    let tip_text = tip.to_string();
    let derived_path = store.cache_file("history");
    let touched_path = store.cache_file("touched");
    let derived = read::<DerivedById>(&derived_path, store.refname());
    if !with_touched && derived.as_ref().is_some_and(|d| d.tip == tip_text) {
        let kept = derived.expect("checked just above");
        return Ok(Some((kept.body, TouchedByDir::default())));
    }
    let touched = read::<TouchedByDir>(&touched_path, store.refname());
    // Both parts move together: extended from a tip only when both describe it.
    let (mut derived, mut touched) = match (derived, touched) {
        (Some(d), Some(t)) if d.tip == t.tip => (d, t),
        _ => (Part::default(), Part::default()),
    };
    if derived.tip == tip_text {
        return Ok(Some((derived.body, touched.body)));
    }
    let repo = store.repo();
    let since = git2::Oid::from_str(&derived.tip)
        .ok()
        .filter(|old| walk::is_ancestor(repo, *old, tip));
    if since.is_none() {
        if !full_walk_allowed {
            return Ok(None);
        }
        derived.body.clear();
        touched.body = TouchedByDir::default();
    }
    let mut new = HashMap::new();
    let merged = walk::derive(repo, tip, since, &mut derived.body, &mut new, progress)?;
    // The new commits are newer than all the old ones touching the directory.
    for (dir, mut commits) in new {
        commits.extend(touched.body.dirs.remove(&dir).unwrap_or_default());
        touched.body.dirs.insert(dir, commits);
    }
    touched.body.in_walk_order = match since {
        None => true,
        Some(_) => touched.body.in_walk_order && !merged,
    };
    derived.tip = tip_text.clone();
    touched.tip = tip_text;
    write(store, &derived_path, &mut derived);
    write(store, &touched_path, &mut touched);
    Ok(Some((derived.body, touched.body)))
}

/// The part at `path` for `refname`, or `None` when there is none worth trusting.
pub(super) fn read<T: serde::de::DeserializeOwned>(path: &Path, refname: &str) -> Option<Part<T>> {
    let part: Part<T> = cache::read(path)?;
    (part.format == FORMAT && part.refname == refname).then_some(part)
}

pub(super) fn write<T: Serialize>(store: &Store, path: &Path, part: &mut Part<T>) {
    // A view of the past (`--as-known`) is read without saving: the parts describe the
    // tip, and replacing them would cost the next ordinary read a full rebuild.
    if store.reads_the_past() {
        return;
    }
    part.format = FORMAT;
    part.refname = store.refname().to_string();
    cache::write(path, part);
}
