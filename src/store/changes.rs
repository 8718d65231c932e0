//! Which files differ between two versions of the branch, by blob id, descending only
//! into subtrees whose ids differ (a handful of reads however many incidents exist).
//! Every path counts here (config.toml, schemas, stray files), as `review` and
//! `check --base` need; the history walk's reader follows only incident files.

use std::collections::{BTreeMap, BTreeSet};

use git2::{ObjectType, Oid, Repository};

use crate::error::{GitContext, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    /// The blob before (`None`: added) and after (`None`: deleted).
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

pub fn changed_files(
    repo: &Repository,
    old_tree: Option<Oid>,
    new_tree: Option<Oid>,
) -> Result<Vec<FileChange>> {
    let mut out = Vec::new();
    walk(repo, "", old_tree, new_tree, &mut out)?;
    Ok(out)
}

/// One entry of a tree: what it names, with which mode, and whether a blob or a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeEntry {
    pub id: Oid,
    pub mode: i32,
    pub kind: Option<ObjectType>,
}

/// A tree's entries by name (a map: a year can hold thousands of incidents).
pub type Entries = BTreeMap<String, TreeEntry>;

/// The entries of `tree` (`None`: the empty tree).
pub fn tree_entries(repo: &Repository, tree: Option<Oid>) -> Result<Entries> {
    let Some(id) = tree else {
        return Ok(Entries::new());
    };
    let tree = repo
        .find_tree(id)
        .context(|| format!("could not read tree {id}"))?;
    Ok(tree
        .iter()
        .map(|e| {
            (
                String::from_utf8_lossy(e.name_bytes()).into_owned(),
                TreeEntry {
                    id: e.id(),
                    mode: e.filemode(),
                    kind: e.kind(),
                },
            )
        })
        .collect())
}

fn walk(
    repo: &Repository,
    prefix: &str,
    old: Option<Oid>,
    new: Option<Oid>,
    out: &mut Vec<FileChange>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let (before, after) = (tree_entries(repo, old)?, tree_entries(repo, new)?);
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let pick = |list: &Entries, name: &str, kind: ObjectType| {
        list.get(name)
            .filter(|entry| entry.kind == Some(kind))
            .map(|entry| entry.id)
    };
    for name in names {
        let path = format!("{prefix}{name}");
        let (old_blob, new_blob) = (
            pick(&before, name, ObjectType::Blob),
            pick(&after, name, ObjectType::Blob),
        );
        if old_blob != new_blob {
            out.push(FileChange {
                path: path.clone(),
                old: old_blob,
                new: new_blob,
            });
        }
        walk(
            repo,
            &format!("{path}/"),
            pick(&before, name, ObjectType::Tree),
            pick(&after, name, ObjectType::Tree),
            out,
        )?;
    }
    Ok(())
}
