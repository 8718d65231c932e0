//! Editing one entry of a tree object in place. A year directory holds thousands of
//! incidents; git's floor for a change inside it is writing that one tree again, so we
//! splice the raw bytes (already in git's order) and write the object once, instead of
//! rebuilding, re-sorting and re-hashing it through a tree builder.

use std::io::Write;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use git2::{ObjectType, Oid, Repository};

use crate::error::{Error, GitContext, Result};

pub const FILE_MODE: &[u8] = b"100644";
pub const TREE_MODE: &[u8] = b"40000";

/// One entry of a raw tree: `<mode> <name>\0<20-byte id>`.
#[derive(Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub mode: &'a [u8],
    pub name: &'a [u8],
    pub id: &'a [u8],
    /// The whole entry, to copy it unchanged.
    pub bytes: &'a [u8],
}

impl RawEntry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }
}

/// The first entry of `data` and the rest; `None` on malformed data.
pub(crate) fn next_entry(data: &[u8]) -> Option<(RawEntry<'_>, &[u8])> {
    let space = data.iter().position(|&b| b == b' ')?;
    let nul = space + data[space..].iter().position(|&b| b == 0)?;
    let end = nul.checked_add(21)?;
    if data.len() < end {
        return None;
    }
    let entry = RawEntry {
        mode: &data[..space],
        name: &data[space + 1..nul],
        id: &data[nul + 1..end],
        bytes: &data[..end],
    };
    Some((entry, &data[end..]))
}

/// The entries of a raw tree, one at a time: a year tree holds thousands, and most
/// reads stop at one of them.
fn entries(raw: &[u8]) -> impl Iterator<Item = Result<RawEntry<'_>>> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        Some(match next_entry(rest) {
            Some((entry, next)) => {
                rest = next;
                Ok(entry)
            }
            None => {
                rest = &[];
                Err(Error::invalid(
                    "a tree object on the incident branch is corrupt; run `git fsck`",
                ))
            }
        })
    })
}

/// git's order of tree entries: by name, a directory compared as if its name ended
/// in '/'.
pub(crate) fn git_order(x: &RawEntry<'_>, y: &RawEntry<'_>) -> std::cmp::Ordering {
    fn key<'a>(e: &RawEntry<'a>) -> impl Iterator<Item = &'a u8> {
        let suffix: &'static [u8] = if e.is_tree() { b"/" } else { b"" };
        e.name.iter().chain(suffix.iter())
    }
    if x.name == y.name && x.is_tree() == y.is_tree() {
        return std::cmp::Ordering::Equal;
    }
    key(x).cmp(key(y))
}

/// A tree object's bytes, as git stores them.
pub fn read_raw(repo: &Repository, id: Oid) -> Result<std::rc::Rc<[u8]>> {
    let odb = repo
        .odb()
        .context(|| "could not open the object database".into())?;
    Ok(odb
        .read(id)
        .context(|| format!("could not read tree {id}"))?
        .data()
        .into())
}

/// The id of `name` in the raw tree, if it is a directory.
pub fn find_subtree(raw: &[u8], name: &str) -> Result<Option<Oid>> {
    for entry in entries(raw) {
        let entry = entry?;
        if entry.name == name.as_bytes() {
            if !entry.is_tree() {
                return Ok(None);
            }
            return Oid::from_bytes(entry.id)
                .map(Some)
                .context(|| "invalid object id in a tree".into());
        }
    }
    Ok(None)
}

/// For each ID prefix among the raw tree's entry names (`INC-12`), the lowest and
/// highest number under it.
pub fn number_ranges(raw: &[u8]) -> Result<Vec<(String, u32, u32)>> {
    let mut ranges: Vec<(String, u32, u32)> = Vec::new();
    for entry in entries(raw) {
        let Some((prefix, number)) = std::str::from_utf8(entry?.name)
            .ok()
            .and_then(|name| name.rsplit_once('-'))
            .and_then(|(prefix, n)| Some((prefix, n.parse::<u32>().ok()?)))
        else {
            continue;
        };
        match ranges.iter_mut().find(|(p, _, _)| p == prefix) {
            Some((_, low, high)) => (*low, *high) = ((*low).min(number), (*high).max(number)),
            None => ranges.push((prefix.to_string(), number, number)),
        }
    }
    Ok(ranges)
}

/// `raw` with `name` set to `(mode, id)`, or removed when `None`: the bytes before and
/// after copied whole.
pub fn splice(raw: &[u8], name: &str, replacement: Option<(&[u8], Oid)>) -> Result<Vec<u8>> {
    let new = replacement.map(|(mode, _)| RawEntry {
        mode,
        name: name.as_bytes(),
        id: &[],
        bytes: &[],
    });
    // Where the entry named `name` is now, and where the new one goes (git's order puts
    // a directory as if its name ended in '/', so the two places may differ).
    let (mut old, mut insert_at, mut offset) = (None, None, 0);
    for entry in entries(raw) {
        let entry = entry?;
        let end = offset + entry.bytes.len();
        if entry.name == name.as_bytes() {
            old = Some((offset, end));
        } else if insert_at.is_none() && new.as_ref().is_some_and(|n| git_order(&entry, n).is_gt())
        {
            insert_at = Some(offset);
        }
        offset = end;
    }
    let insert_at = insert_at.unwrap_or(raw.len());
    let (cut_start, cut_end) = old.unwrap_or((raw.len(), raw.len()));
    let mut out = Vec::with_capacity(raw.len() + name.len() + 32);
    // raw[from..to] without the old entry (which never straddles `insert_at`).
    let copy = |out: &mut Vec<u8>, from: usize, to: usize| {
        if to <= cut_start || from >= cut_end {
            out.extend_from_slice(&raw[from..to]);
        } else {
            out.extend_from_slice(&raw[from..cut_start.max(from)]);
            out.extend_from_slice(&raw[cut_end.min(to)..to]);
        }
    };
    copy(&mut out, 0, insert_at);
    if let Some((mode, id)) = replacement {
        out.extend_from_slice(mode);
        out.push(b' ');
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(id.as_bytes());
    }
    copy(&mut out, insert_at, raw.len());
    Ok(out)
}

/// Writes a loose object the way git does (zlib of `<kind> <len>\0<data>`, named by its
/// id, written to a temporary file and renamed into place).
pub fn write_object(repo: &Repository, kind: ObjectType, data: &[u8]) -> Result<Oid> {
    let header = format!("{} {}\0", kind.str(), data.len());
    let oid = Oid::hash_object(kind, data)
        .context(|| format!("could not hash a {} object", kind.str()))?;
    let odb = repo
        .odb()
        .context(|| "could not open the object database".into())?;
    if odb.exists(oid) {
        return Ok(oid);
    }
    let hex = oid.to_string();
    let dir = objects_dir(repo).join(&hex[..2]);
    let io = |what: &str, e: std::io::Error| Error::Io {
        context: format!("could not {what} in {}", dir.display()),
        source: e,
    };
    std::fs::create_dir_all(&dir).map_err(|e| io("create a directory", e))?;
    let temp = tempfile::NamedTempFile::with_prefix_in("tmp_obj_", &dir)
        .map_err(|e| io("create an object", e))?;
    let mut encoder = ZlibEncoder::new(temp.as_file(), compression_for(data.len()));
    encoder
        .write_all(header.as_bytes())
        .and_then(|_| encoder.write_all(data))
        .and_then(|_| encoder.finish().map(|_| ()))
        .map_err(|e| io("write an object", e))?;
    // Read-only for everyone, as git leaves its objects (the temporary file is 0600).
    let mut permissions = temp
        .as_file()
        .metadata()
        .map_err(|e| io("read an object", e))?
        .permissions();
    #[cfg(unix)]
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o444);
    #[cfg(not(unix))]
    permissions.set_readonly(true);
    std::fs::set_permissions(temp.path(), permissions).map_err(|e| io("write an object", e))?;
    temp.persist(dir.join(&hex[2..]))
        .map_err(|e| io("store an object", e.error))?;
    Ok(oid)
}

/// A large tree is mostly 20-byte object ids, which do not compress: deflating a year
/// of 10,000 incidents would cost more than the rest of the write and save little.
/// Stored zlib blocks are still a valid loose object, and `git gc` packs and
/// delta-compresses them like any other.
fn compression_for(len: usize) -> Compression {
    if len > 64 * 1024 {
        Compression::none()
    } else {
        Compression::fast()
    }
}

fn objects_dir(repo: &Repository) -> PathBuf {
    std::env::var_os("GIT_OBJECT_DIRECTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.commondir().join("objects"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spliced tree is byte-for-byte what libgit2's tree builder writes.
    #[test]
    fn splice_matches_libgit2_order_and_ids() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let sub = {
            let mut b = repo.treebuilder(None).unwrap();
            b.insert("f", blob, 0o100644).unwrap();
            b.write().unwrap()
        };
        let mut raw = Vec::new();
        let mut builder = repo.treebuilder(None).unwrap();
        for (name, is_tree) in [
            ("INC-10", true),
            ("INC-2", true),
            ("a.toml", false),
            ("INC-1", true),
            ("a", true),
            ("a-b", false),
        ] {
            let (mode, id) = if is_tree {
                (TREE_MODE, sub)
            } else {
                (FILE_MODE, blob)
            };
            raw = splice(&raw, name, Some((mode, id))).unwrap();
            builder
                .insert(name, id, if is_tree { 0o040000 } else { 0o100644 })
                .unwrap();
            let written = write_object(&repo, ObjectType::Tree, &raw).unwrap();
            assert_eq!(written, builder.write().unwrap(), "after inserting {name}");
        }
        raw = splice(&raw, "INC-2", None).unwrap();
        builder.remove("INC-2").unwrap();
        assert_eq!(
            write_object(&repo, ObjectType::Tree, &raw).unwrap(),
            builder.write().unwrap()
        );
        let tree = repo
            .find_tree(write_object(&repo, ObjectType::Tree, &raw).unwrap())
            .unwrap();
        assert_eq!(tree.len(), 5);
        assert_eq!(find_subtree(&raw, "INC-10").unwrap(), Some(sub));
        assert_eq!(find_subtree(&raw, "a.toml").unwrap(), None);
    }

    /// Splicing entries one by one into raw tree bytes writes the tree git's own
    /// builder writes, whatever the names: bytes that sort around '/', names that are
    /// prefixes of others, files and directories whose order differs because git sorts
    /// a directory as if named `name/`.
    #[test]
    fn splice_equals_the_tree_builder_on_random_entries() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

        #[derive(Debug, Clone, Copy)]
        enum Kind {
            File,
            Executable,
            Tree,
        }

        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blobs: Vec<Oid> = (0..3u8).map(|i| repo.blob(&[i]).unwrap()).collect();
        let trees: Vec<Oid> = blobs
            .iter()
            .map(|blob| {
                let mut b = repo.treebuilder(None).unwrap();
                b.insert("f", *blob, 0o100644).unwrap();
                b.write().unwrap()
            })
            .collect();
        // Bytes on both sides of '/' (0x2f) and '\0', and beyond ASCII.
        let byte = prop::sample::select(vec![
            'a', 'b', '-', '.', '0', ' ', '!', '_', '~', 'é', '\u{1}',
        ]);
        let name = prop::collection::vec(byte, 1..4)
            .prop_map(|c| c.into_iter().collect::<String>())
            .prop_filter("not a path step", |n| n != "." && n != "..");
        let kind = prop_oneof![
            Just(Some(Kind::File)),
            Just(Some(Kind::Executable)),
            Just(Some(Kind::Tree)),
            Just(Some(Kind::Tree)),
            Just(None),
        ];
        let ops = prop::collection::vec((name, kind, 0..3usize), 1..16);

        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: 300,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &[23; 32]),
        );
        runner
            .run(&ops, |ops| {
                let mut raw = Vec::new();
                let mut builder = repo.treebuilder(None).unwrap();
                for (name, kind, which) in &ops {
                    let entry = kind.map(|kind| match kind {
                        Kind::File => (FILE_MODE, blobs[*which], 0o100644),
                        Kind::Executable => (&b"100755"[..], blobs[*which], 0o100755),
                        Kind::Tree => (TREE_MODE, trees[*which], 0o040000),
                    });
                    match entry {
                        Some((mode, id, filemode)) => {
                            if builder.insert(name, id, filemode).is_err() {
                                // A name git refuses is no entry to compare.
                                continue;
                            }
                            raw = splice(&raw, name, Some((mode, id))).unwrap();
                        }
                        None => {
                            // Removing an absent entry is an error for the builder only.
                            let _ = builder.remove(name);
                            raw = splice(&raw, name, None).unwrap();
                        }
                    }
                    let spliced = write_object(&repo, ObjectType::Tree, &raw).unwrap();
                    prop_assert_eq!(
                        spliced,
                        builder.write().unwrap(),
                        "after {:?}",
                        (name, kind)
                    );
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Several paths written in one pass give the tree that writing them one at a time
    /// gives, including files that become directories and directories left empty.
    #[test]
    fn update_paths_equals_one_path_at_a_time() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blobs: Vec<Oid> = (0..3u8).map(|i| repo.blob(&[i]).unwrap()).collect();
        let read = |id: Oid| read_raw(&repo, id);
        let part = prop::sample::select(vec!["a", "b", "INC-1", "INC-10", "2026"]);
        let change = (
            prop::collection::vec(part, 1..4),
            prop::option::of(0..3usize),
        );
        let batches = prop::collection::vec(prop::collection::vec(change, 1..6), 1..5);
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: 200,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &[29; 32]),
        );
        runner
            .run(&batches, |batches| {
                let (mut one_at_a_time, mut batched) = (None, None);
                for batch in &batches {
                    let changes: Vec<(&[&str], Option<Oid>)> = batch
                        .iter()
                        .map(|(path, blob)| (path.as_slice(), blob.map(|i| blobs[i])))
                        .collect();
                    for (path, blob) in &changes {
                        one_at_a_time =
                            crate::store::update_tree(&repo, one_at_a_time, path, *blob).unwrap();
                    }
                    batched = crate::store::update_paths(&repo, &read, batched, &changes).unwrap();
                    prop_assert_eq!(batched, one_at_a_time, "after {:?}", batch);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
