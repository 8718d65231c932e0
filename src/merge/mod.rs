//! Structured three-way merge of two versions of the incident branch, for `sync`.
//! Trees are merged by path (untouched subtrees are never read); a file both sides
//! changed is merged by structure in [`toml`]; incidents both sides created under one
//! ID are kept apart by renumbering ours (the one not yet published).

#[cfg(test)]
mod laws;
pub mod toml;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use git2::{ObjectType, Oid, Repository};
use serde::Serialize;

use crate::error::{Error, GitContext, Result};
use crate::model::IncidentId;
use crate::store::changes::{TreeEntry as Entry, tree_entries};
use crate::store::revs::{merge_base, tree_of};
use crate::store::{Snapshot, edit, layout, update_tree};

/// Which version a merge kept where both sides disagreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Ours,
    Theirs,
}

/// One field (or file) both sides changed differently. The losing value stays in
/// history: the merge commit has both sides as parents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub path: String,
    pub incident: Option<String>,
    pub field: String,
    pub ours: String,
    pub theirs: String,
    pub kept: Side,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renumbered {
    pub from: String,
    pub to: String,
}

#[derive(Debug)]
pub struct Merged {
    pub tree: Oid,
    pub conflicts: Vec<Conflict>,
    pub renumbered: Vec<Renumbered>,
}

/// Merges the trees of commits `ours` and `theirs` (`theirs` is the published side).
pub fn merge_commits(repo: &Repository, ours: Oid, theirs: Oid) -> Result<Merged> {
    let base = merge_base(repo, ours, theirs)?;
    let tree_of = |commit: Oid| tree_of(repo, commit);
    let base_tree = base.map(tree_of).transpose()?;
    let mut merger = Merger {
        repo,
        conflicts: Vec::new(),
        renumbered: Vec::new(),
    };
    let ours_tree = merger.renumber_collisions(base, ours, theirs)?;
    let tree = merger
        .merge_dir("", base_tree, Some(ours_tree), Some(tree_of(theirs)?))?
        .map(Ok)
        .unwrap_or_else(|| {
            repo.treebuilder(None)
                .and_then(|b| b.write())
                .context(|| "could not write an empty tree".into())
        })?;
    Ok(Merged {
        tree,
        conflicts: merger.conflicts,
        renumbered: merger.renumbered,
    })
}

struct Merger<'r> {
    repo: &'r Repository,
    conflicts: Vec<Conflict>,
    renumbered: Vec<Renumbered>,
}

impl<'r> Merger<'r> {
    fn read(&self, id: Oid, path: &str) -> Result<String> {
        let blob = self
            .repo
            .find_blob(id)
            .context(|| format!("could not read {path}"))?;
        String::from_utf8(blob.content().to_vec())
            .map_err(|_| Error::invalid(format!("{path} is not valid UTF-8 text")))
    }

    fn blob(&self, text: &str, path: &str) -> Result<Oid> {
        self.repo
            .blob(text.as_bytes())
            .context(|| format!("could not store {path}"))
    }

    fn conflict(&mut self, path: &str, field: &str, ours: String, theirs: String, kept: Side) {
        self.conflicts.push(Conflict {
            path: path.to_string(),
            incident: layout::incident_of(path).map(|(_, id)| id.to_string()),
            field: field.to_string(),
            ours,
            theirs,
            kept,
        });
    }

    fn entries(&self, tree: Option<Oid>) -> Result<BTreeMap<String, Entry>> {
        tree_entries(self.repo, tree)
    }

    /// Three-way merge of one directory; `None` when the result is empty.
    fn merge_dir(
        &mut self,
        path: &str,
        base: Option<Oid>,
        ours: Option<Oid>,
        theirs: Option<Oid>,
    ) -> Result<Option<Oid>> {
        if ours == theirs || base == theirs {
            return Ok(ours);
        }
        if base == ours {
            return Ok(theirs);
        }
        let (b, o, t) = (
            self.entries(base)?,
            self.entries(ours)?,
            self.entries(theirs)?,
        );
        let names: BTreeSet<&String> = o.keys().chain(t.keys()).chain(b.keys()).collect();
        let find = |list: &BTreeMap<String, Entry>, name: &str| list.get(name).copied();
        let mut builder = self
            .repo
            .treebuilder(None)
            .context(|| "could not build a tree".into())?;
        for name in names {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let (be, oe, te) = (find(&b, name), find(&o, name), find(&t, name));
            let merged = if oe == te || be == te {
                oe
            } else if be == oe {
                te
            } else {
                self.merge_entry(&child, be, oe, te)?
            };
            if let Some(entry) = merged {
                builder
                    .insert(name, entry.id, entry.mode)
                    .context(|| format!("could not write {child}"))?;
            }
        }
        if builder.is_empty() {
            return Ok(None);
        }
        builder
            .write()
            .map(Some)
            .context(|| "could not write a tree".into())
    }

    /// An entry both sides changed differently.
    fn merge_entry(
        &mut self,
        path: &str,
        base: Option<Entry>,
        ours: Option<Entry>,
        theirs: Option<Entry>,
    ) -> Result<Option<Entry>> {
        let is_tree = |e: Option<Entry>| e.is_none_or(|e| e.kind == Some(ObjectType::Tree));
        if is_tree(base) && is_tree(ours) && is_tree(theirs) {
            let merged = self.merge_dir(
                path,
                base.map(|e| e.id),
                ours.map(|e| e.id),
                theirs.map(|e| e.id),
            )?;
            return Ok(merged.map(|id| Entry {
                id,
                mode: 0o040000,
                kind: Some(ObjectType::Tree),
            }));
        }
        let is_blob = |e: Option<Entry>| e.is_none_or(|e| e.kind == Some(ObjectType::Blob));
        match (ours, theirs) {
            (Some(o), Some(t)) if is_blob(base) && is_blob(ours) && is_blob(theirs) => {
                if path.starts_with(&format!("{}/", layout::SCHEMA_DIR)) {
                    // Generated files: ours came from the tool that is running now.
                    self.conflict(
                        path,
                        "(file)",
                        "changed".into(),
                        "changed".into(),
                        Side::Ours,
                    );
                    return Ok(Some(o));
                }
                if !path.ends_with(".toml") {
                    self.conflict(
                        path,
                        "(file)",
                        "changed".into(),
                        "changed".into(),
                        Side::Theirs,
                    );
                    return Ok(Some(t));
                }
                let texts = (
                    base.map(|b| self.read(b.id, path)).transpose(),
                    self.read(o.id, path),
                    self.read(t.id, path),
                );
                let merged = match texts {
                    (Ok(b), Ok(ot), Ok(tt)) => toml::merge_toml(path, b.as_deref(), &ot, &tt),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
                };
                match merged {
                    Ok(merged) => {
                        for c in merged.conflicts {
                            self.conflict(path, &c.field, c.ours, c.theirs, c.kept);
                        }
                        for (from, to) in merged.renumbered {
                            self.renumbered.push(Renumbered { from, to });
                        }
                        Ok(Some(Entry {
                            id: self.blob(&merged.text, path)?,
                            ..o
                        }))
                    }
                    Err(e) => {
                        // A side that does not parse cannot be merged by structure; the
                        // published version is kept and ours stays in the merge's history.
                        self.conflict(
                            path,
                            "(file)",
                            format!("unmergeable: {e}"),
                            "kept".into(),
                            Side::Theirs,
                        );
                        Ok(Some(t))
                    }
                }
            }
            // Deleted on one side, changed on the other: nothing is lost, the change stays.
            (Some(o), None) => {
                self.conflict(
                    path,
                    "(file)",
                    "changed".into(),
                    "deleted".into(),
                    Side::Ours,
                );
                Ok(Some(o))
            }
            (None, Some(t)) => {
                self.conflict(
                    path,
                    "(file)",
                    "deleted".into(),
                    "changed".into(),
                    Side::Theirs,
                );
                Ok(Some(t))
            }
            (_, t) => {
                self.conflict(
                    path,
                    "(file)",
                    "changed".into(),
                    "changed".into(),
                    Side::Theirs,
                );
                Ok(t)
            }
        }
    }

    /// Two clones created the same incident ID offline (same ID, different `uid`): ours,
    /// which the remote has not seen, moves to the next free number after both sides'
    /// highest, with its action items and our references to it. Returns ours' tree.
    fn renumber_collisions(&mut self, base: Option<Oid>, ours: Oid, theirs: Oid) -> Result<Oid> {
        let repo = self.repo;
        let (ours_snap, theirs_snap) = (
            Snapshot::at_commit(repo, ours)?,
            Snapshot::at_commit(repo, theirs)?,
        );
        let base_snap = base.map(|b| Snapshot::at_commit(repo, b)).transpose()?;
        let mut tree = ours_snap.tree_id();
        let (our_entries, _) = ours_snap.incident_entries()?;
        let (their_entries, _) = theirs_snap.incident_entries()?;
        let uid = |snap: &Snapshot<'_>, path: &str| -> Option<String> {
            let text = snap.read(path).ok()??;
            let table: ::toml::Table = ::toml::from_str(&text).ok()?;
            table.get("uid")?.as_str().map(str::to_string)
        };
        let theirs_by_id: HashMap<&IncidentId, &crate::store::IncidentEntry> =
            their_entries.iter().map(|e| (&e.id, e)).collect();
        let mut collisions = Vec::new();
        for mine in &our_entries {
            let Some(their) = theirs_by_id.get(&mine.id) else {
                continue;
            };
            if mine.tree == their.tree {
                continue;
            }
            let our_uid = uid(&ours_snap, &mine.incident_path());
            let their_uid = uid(&theirs_snap, &their.incident_path());
            let base_entry = match &base_snap {
                Some(b) => b.locate(&mine.id)?.map(|e| (b, e)),
                None => None,
            };
            let base_uid = base_entry
                .as_ref()
                .and_then(|(b, e)| uid(b, &e.incident_path()));
            let collision = match (&our_uid, &their_uid) {
                (Some(a), Some(b)) => a != b && Some(a) != base_uid.as_ref(),
                // A side whose uid cannot be read: one incident only if the base had it,
                // else two added independently; merging them would mix two incidents.
                _ => base_entry.is_none(),
            };
            if collision {
                collisions.push(mine.clone());
            }
        }
        let Some(ours_tree) = tree else {
            return Err(Error::invalid("our side of the merge has no tree"));
        };
        if collisions.is_empty() {
            return Ok(ours_tree);
        }
        collisions.sort_by_key(|e| e.id.clone());
        let mut moves = Vec::new();
        for entry in &collisions {
            let prefix = &entry.id.prefix;
            let highest = our_entries
                .iter()
                .chain(&their_entries)
                .filter(|e| &e.id.prefix == prefix)
                .map(|e| e.id.number)
                .chain(
                    moves
                        .iter()
                        .map(|(_, new): &(IncidentId, IncidentId)| new.number),
                )
                .max()
                .unwrap_or(0);
            moves.push((entry.id.clone(), IncidentId::new(prefix, highest).next()?));
        }
        for (entry, (old, new)) in collisions.iter().zip(&moves) {
            let new_dir = layout::incident_dir(entry.year, new);
            let files = self.entries(Some(entry.tree))?;
            for (name, file) in files {
                let old_path = format!("{}/{name}", entry.dir);
                let new_path = format!("{new_dir}/{name}");
                let blob = if file.kind == Some(ObjectType::Blob) && name.ends_with(".toml") {
                    let text = self.read(file.id, &old_path)?;
                    let text = renumber_file(&old_path, &text, old, new)?;
                    self.blob(&text, &new_path)?
                } else {
                    file.id
                };
                let parts: Vec<&str> = new_path.split('/').collect();
                tree = update_tree(repo, tree, &parts, Some(blob))?;
            }
            let parts: Vec<&str> = entry.dir.split('/').collect();
            tree = update_tree(repo, tree, &parts, None)?;
            self.renumbered.push(Renumbered {
                from: old.to_string(),
                to: new.to_string(),
            });
        }
        // Our references to the moved incidents, in incidents we changed locally.
        let moved = tree.ok_or_else(|| Error::invalid("renumbering emptied the branch"))?;
        let moved = Snapshot::at_commit(repo, self.scratch_commit(moved)?)?;
        let mut updates = Vec::new();
        for entry in moved.incident_entries()?.0 {
            let path = entry.incident_path();
            let Some(text) = moved.read(&path)? else {
                continue;
            };
            let base_text = match &base_snap {
                Some(b) => b.read(&path)?.unwrap_or_default(),
                None => String::new(),
            };
            if let Some(text) = renumber_related(&path, &text, &base_text, &moves)? {
                updates.push((path, text));
            }
        }
        for (path, text) in updates {
            let blob = self.blob(&text, &path)?;
            let parts: Vec<&str> = path.split('/').collect();
            tree = update_tree(repo, tree, &parts, Some(blob))?;
        }
        tree.ok_or_else(|| Error::invalid("renumbering emptied the branch"))
    }

    /// A parentless commit (never referenced by a branch) so a tree can be read as a snapshot.
    fn scratch_commit(&self, tree: Oid) -> Result<Oid> {
        let signature = git2::Signature::new(
            "git-incident",
            "git-incident@localhost",
            &git2::Time::new(0, 0),
        )
        .context(|| "could not make a signature".into())?;
        let tree = self
            .repo
            .find_tree(tree)
            .context(|| "could not read a tree".into())?;
        self.repo
            .commit(None, &signature, &signature, "renumbered", &tree, &[])
            .context(|| "could not write a commit".into())
    }
}

/// Rewrites the ID fields of a moved incident's files: `id`, `incident`, action IDs.
fn renumber_file(path: &str, text: &str, old: &IncidentId, new: &IncidentId) -> Result<String> {
    let mut doc = edit::parse_mut(path, text)?;
    let (old, new) = (old.to_string(), new.to_string());
    for key in ["id", "incident"] {
        if doc.get(key).and_then(|v| v.as_str()) == Some(old.as_str()) {
            edit::set_value(doc.as_table_mut(), key, Some(edit::string(&new)));
        }
    }
    if let Some(actions) = doc
        .get_mut("action")
        .and_then(|a| a.as_array_of_tables_mut())
    {
        for action in actions.iter_mut() {
            let renamed = action
                .get("id")
                .and_then(|v| v.as_str())
                .and_then(|id| id.strip_prefix(&format!("{old}.A")))
                .map(|n| format!("{new}.A{n}"));
            if let Some(renamed) = renamed {
                edit::set_value(action, "id", Some(edit::string(&renamed)));
            }
        }
    }
    Ok(doc.to_string())
}

/// `related` entries we added locally that name a moved incident meant ours: follow it.
fn renumber_related(
    path: &str,
    text: &str,
    base_text: &str,
    moves: &[(IncidentId, IncidentId)],
) -> Result<Option<String>> {
    let related = |text: &str| -> Vec<String> {
        ::toml::from_str::<::toml::Table>(text)
            .ok()
            .and_then(|t| t.get("related").and_then(|r| r.as_array()).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let (now, before) = (related(text), related(base_text));
    let targets: Vec<(String, String)> = moves
        .iter()
        .map(|(o, n)| (o.to_string(), n.to_string()))
        .filter(|(old, _)| now.contains(old) && !before.contains(old))
        .collect();
    if targets.is_empty() {
        return Ok(None);
    }
    let mut doc = edit::parse_mut(path, text)?;
    if let Some(array) = doc.get_mut("related").and_then(|r| r.as_array_mut()) {
        for value in array.iter_mut() {
            if let Some((_, new)) = targets.iter().find(|(old, _)| value.as_str() == Some(old)) {
                let decor = value.decor().clone();
                *value = edit::string(new);
                *value.decor_mut() = decor;
            }
        }
    }
    Ok(Some(doc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Repo {
        _dir: tempfile::TempDir,
        repo: Repository,
    }

    impl Repo {
        fn new() -> Repo {
            let dir = tempfile::tempdir().expect("temp dir");
            let repo = Repository::init_bare(dir.path()).expect("init");
            Repo { _dir: dir, repo }
        }

        /// A commit with exactly these files.
        fn commit(&self, files: &[(&str, &str)], parents: &[Oid]) -> Oid {
            let mut tree = None;
            for (path, text) in files {
                let blob = self.repo.blob(text.as_bytes()).expect("blob");
                let parts: Vec<&str> = path.split('/').collect();
                tree = update_tree(&self.repo, tree, &parts, Some(blob)).expect("tree");
            }
            let tree = self.repo.find_tree(tree.expect("files")).expect("tree");
            let sig = git2::Signature::new("t", "t@t", &git2::Time::new(0, 0)).expect("sig");
            let parents: Vec<git2::Commit<'_>> = parents
                .iter()
                .map(|p| self.repo.find_commit(*p).expect("parent"))
                .collect();
            let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
            self.repo
                .commit(None, &sig, &sig, "c", &tree, &parents)
                .expect("commit")
        }

        fn read(&self, tree: Oid, path: &str) -> Option<String> {
            let tree = self.repo.find_tree(tree).expect("tree");
            let entry = tree.get_path(std::path::Path::new(path)).ok()?;
            let blob = self.repo.find_blob(entry.id()).expect("blob");
            Some(String::from_utf8(blob.content().to_vec()).expect("utf-8"))
        }
    }

    fn incident(id: &str, uid: &str, extra: &str) -> String {
        format!("id = \"{id}\"\nuid = \"{uid}\"\ntitle = \"t\"\n{extra}")
    }

    const ONE: &str = "incidents/2026/INC-1/incident.toml";

    #[test]
    fn offline_collision_renumbers_ours_with_its_postmortem_and_local_references() {
        let r = Repo::new();
        let config = ("config.toml", "id_prefix = \"INC\"\n");
        let one = incident("INC-1", "a", "");
        let base = r.commit(&[config, (ONE, &one)], &[]);
        let one_related = incident("INC-1", "a", "related = [\"INC-2\"]\n");
        let ours_two = incident("INC-2", "b", "");
        let pm = "incident = \"INC-2\"\n\n[[action]]\nid = \"INC-2.A1\"\ntitle = \"x\"\n";
        let ours = r.commit(
            &[
                config,
                (ONE, &one_related),
                ("incidents/2026/INC-2/incident.toml", &ours_two),
                ("incidents/2026/INC-2/postmortem.toml", pm),
            ],
            &[base],
        );
        let their_two = incident("INC-2", "c", "");
        let theirs = r.commit(
            &[
                config,
                (ONE, &one),
                ("incidents/2026/INC-2/incident.toml", &their_two),
            ],
            &[base],
        );
        let merged = merge_commits(&r.repo, ours, theirs).expect("merge");
        assert_eq!(
            merged.renumbered,
            [Renumbered {
                from: "INC-2".into(),
                to: "INC-3".into()
            }]
        );
        assert!(merged.conflicts.is_empty(), "{:?}", merged.conflicts);
        let read = |path: &str| r.read(merged.tree, path).unwrap_or_default();
        assert!(read("incidents/2026/INC-2/incident.toml").contains("uid = \"c\""));
        assert!(read("incidents/2026/INC-3/incident.toml").contains("id = \"INC-3\"\nuid = \"b\""));
        let pm = read("incidents/2026/INC-3/postmortem.toml");
        assert!(
            pm.contains("incident = \"INC-3\"") && pm.contains("id = \"INC-3.A1\""),
            "{pm}"
        );
        assert!(
            r.read(merged.tree, "incidents/2026/INC-2/postmortem.toml")
                .is_none()
        );
        assert!(read(ONE).contains("related = [\"INC-3\"]"), "{}", read(ONE));
    }

    /// Two added incidents whose uids cannot be compared (ours does not parse) are never
    /// merged into one directory.
    #[test]
    fn an_unreadable_added_incident_is_not_mixed_with_theirs() {
        let r = Repo::new();
        let config = ("config.toml", "id_prefix = \"INC\"\n");
        let base = r.commit(&[config], &[]);
        let broken = "id = \"INC-1\"\nuid = \n";
        let pm = "incident = \"INC-1\"\n";
        let ours = r.commit(
            &[
                config,
                (ONE, broken),
                ("incidents/2026/INC-1/postmortem.toml", pm),
            ],
            &[base],
        );
        let theirs = r.commit(&[config, (ONE, &incident("INC-1", "c", ""))], &[base]);
        // Renumbering ours needs its file readable: the sync stops and names it.
        let Err(error) = merge_commits(&r.repo, ours, theirs) else {
            panic!("a merge that cannot compare the two incidents must stop")
        };
        assert!(
            error.to_string().starts_with(&format!("{ONE}:2:")),
            "{error}"
        );
    }

    #[test]
    fn deleted_against_changed_keeps_the_change_and_schemas_prefer_ours() {
        let r = Repo::new();
        let base = r.commit(
            &[
                ("schema/a.json", "{}"),
                (ONE, &incident("INC-1", "a", "")),
                ("notes.md", "x"),
            ],
            &[],
        );
        let ours = r.commit(
            &[("schema/a.json", "{\"ours\": 1}"), ("notes.md", "ours")],
            &[base],
        );
        let theirs = r.commit(
            &[
                ("schema/a.json", "{\"theirs\": 1}"),
                (ONE, &incident("INC-1", "a", "summary = \"s\"\n")),
                ("notes.md", "theirs"),
            ],
            &[base],
        );
        let merged = merge_commits(&r.repo, ours, theirs).expect("merge");
        assert_eq!(
            r.read(merged.tree, "schema/a.json").as_deref(),
            Some("{\"ours\": 1}")
        );
        assert!(
            r.read(merged.tree, ONE)
                .is_some_and(|t| t.contains("summary"))
        );
        assert_eq!(r.read(merged.tree, "notes.md").as_deref(), Some("theirs"));
        let kept: Vec<(&str, Side)> = merged
            .conflicts
            .iter()
            .map(|c| (c.path.as_str(), c.kept))
            .collect();
        assert_eq!(
            kept,
            [
                (ONE, Side::Theirs),
                ("notes.md", Side::Theirs),
                ("schema/a.json", Side::Ours)
            ]
        );
        assert_eq!(merged.conflicts[0].incident.as_deref(), Some("INC-1"));
    }
}
