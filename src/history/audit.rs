//! The audit trail: for each commit that touched an incident's files, who made it, when,
//! and what changed, field by field. Hand-edit commits read exactly like the tool's own.

use git2::{Oid, Repository};
use serde::Serialize;
use serde_json::Value as Json;
use toml::Value;

use crate::diff::{self, FieldChange, FileKind};
use crate::error::{GitContext, Result};
use crate::history::index::Touching;
use crate::history::tree::TreeReader;
use crate::history::walk::{self, Progress};
use crate::model::Timestamp;
use crate::store::layout;

/// One commit of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// The author's handle, when config.toml's `[[person]]` list knows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The author date: when the person made the change.
    pub date: Timestamp,
    pub subject: String,
    pub files: Vec<FileChanges>,
}

/// What one commit changed in one file of one incident.
#[derive(Debug, Clone)]
pub struct FileChanges {
    pub incident: String,
    pub path: String,
    /// `added`, `changed` or `deleted`.
    pub op: &'static str,
    /// Field by field; empty when a version does not parse (then `text_diff`).
    pub changes: Vec<FieldChange>,
    /// A line diff of the whole file, when a version does not parse.
    pub text_diff: Option<String>,
}

/// One line of the audit trail: a field set, unset or changed, or one list item added
/// or removed. What `log` prints, and its JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeLine {
    /// Dotted key (`times.mitigated`), `timeline`, or `action INC-7.A1` / `action INC-7.A1.status`.
    pub field: String,
    /// `set` (new key), `unset` (key removed), `changed`, `added` / `removed` (list items).
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Json>,
    /// Long or multi-line text: a line diff, each line starting with ' ', '-' or '+'.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl FileChanges {
    /// The file's changes as the audit trail shows them, one line per list item.
    pub fn lines(&self) -> Vec<ChangeLine> {
        let mut lines = Vec::new();
        if let Some(diff) = &self.text_diff {
            lines.push(ChangeLine {
                field: self
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or(&self.path)
                    .to_string(),
                op: "changed",
                old: None,
                new: None,
                diff: Some(diff.clone()),
            });
        }
        for change in &self.changes {
            change_lines(change, &mut lines);
        }
        lines
    }
}

impl Serialize for FileChanges {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut file = serializer.serialize_struct("FileChanges", 4)?;
        file.serialize_field("incident", &self.incident)?;
        file.serialize_field("path", &self.path)?;
        file.serialize_field("op", self.op)?;
        file.serialize_field("changes", &self.lines())?;
        file.end()
    }
}

fn change_lines(change: &FieldChange, out: &mut Vec<ChangeLine>) {
    let field = match &change.entry {
        Some(entry) => format!("action {}.{}", entry.id, change.field),
        None => change.field.clone(),
    };
    if change.is_list() {
        let label = |item: &Value| match (change.entry.is_none(), change.field.as_str()) {
            (true, "action") => format!(
                "action {}",
                item.get("id").and_then(Value::as_str).unwrap_or("?")
            ),
            _ => field.clone(),
        };
        for item in &change.removed {
            out.push(ChangeLine {
                field: label(item),
                op: "removed",
                old: Some(to_json(item)),
                new: None,
                diff: None,
            });
        }
        for item in &change.added {
            out.push(ChangeLine {
                field: label(item),
                op: "added",
                old: None,
                new: Some(to_json(item)),
                diff: None,
            });
        }
        return;
    }
    let (old, new) = (change.old.as_ref(), change.new.as_ref());
    let long = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|s| s.contains('\n') || s.chars().count() > LONG_TEXT)
    };
    let diff = (long(old) || long(new)).then(|| {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        line_diff(&text(old), &text(new))
    });
    out.push(ChangeLine {
        field,
        op: match (old, new) {
            (None, _) => "set",
            (_, None) => "unset",
            _ => "changed",
        },
        old: old.map(to_json),
        new: new.map(to_json),
        diff,
    });
}

/// The audit trail of the branch up to `tip`, newest first; only `dir` when given, and
/// at most `limit` commits; when `only` is given, only those commits are looked at (the
/// read index knows which commits touched an incident). Each event goes to `sink` as
/// soon as it is read, so a long history is shown as it is walked; the sink returns
/// `false` to stop early.
pub fn events(
    repo: &Repository,
    tip: Oid,
    dir: Option<&str>,
    only: Option<&Touching>,
    limit: Option<usize>,
    progress: Progress<'_>,
    sink: &mut dyn FnMut(Event) -> Result<bool>,
) -> Result<()> {
    // Read in the walk's order from the index's list alone when it is in that order;
    // else the branch is walked and only the listed commits looked at.
    let (commits, listed) = match only {
        Some(only) if only.in_walk_order => (only.commits.clone(), None),
        Some(only) => (
            walk::commits(repo, tip, None)?,
            Some(
                only.commits
                    .iter()
                    .copied()
                    .collect::<std::collections::HashSet<Oid>>(),
            ),
        ),
        None => (walk::commits(repo, tip, None)?, None),
    };
    let mut reader = TreeReader::new(repo)?;
    let mut heads = walk::Heads::new(repo)?;
    let mut emitted = 0;
    let total = commits.len();
    for (done, oid) in commits.iter().enumerate() {
        if limit.is_some_and(|n| emitted >= n) {
            break;
        }
        if done % 256 == 0 {
            progress(done, total);
        }
        if listed.as_ref().is_some_and(|listed| !listed.contains(oid)) {
            continue;
        }
        let commit = repo
            .find_commit(*oid)
            .context(|| format!("could not read commit {oid}"))?;
        // Taken, not built from `commit`: what the last commit kept as a parent goes.
        let head = heads.take(*oid)?;
        let mut touched = walk::touched(&mut reader, &mut heads, &head, dir)?;
        if touched.is_empty() {
            continue;
        }
        touched.sort_by(|a, b| (&a.dir, a.file).cmp(&(&b.dir, b.file)));
        let parent_tree = match head.parents.first() {
            Some(p) => Some(heads.tree_of(*p)?),
            None => None,
        };
        let mut files = Vec::new();
        for t in touched {
            let old = match parent_tree {
                Some(tree) => reader.blob_at(tree, &t.dir, t.file)?,
                None => None,
            };
            let old_text = old.map(|b| walk::read_text(repo, b)).transpose()?;
            let new_text = t.blob.map(|b| walk::read_text(repo, b)).transpose()?;
            let incident = layout::incident_of(&t.dir)
                .map_or("", |(_, id)| id)
                .to_string();
            files.push(FileChanges {
                incident,
                path: format!("{}/{}", t.dir, t.file.name()),
                op: match (&old_text, &new_text) {
                    (None, _) => "added",
                    (_, None) => "deleted",
                    _ => "changed",
                },
                changes: Vec::new(),
                text_diff: None,
            });
            let file = files.last_mut().expect("just pushed");
            match diff::diff_texts(
                FileKind::of(t.file.name()),
                old_text.as_deref(),
                new_text.as_deref(),
            ) {
                Some(changes) => file.changes = changes,
                // A version that does not parse has no fields to compare: show the text.
                None => {
                    file.text_diff = Some(line_diff(
                        old_text.as_deref().unwrap_or(""),
                        new_text.as_deref().unwrap_or(""),
                    ))
                }
            }
        }
        let author = commit.author();
        let when = author.when();
        emitted += 1;
        let more = sink(Event {
            commit: oid.to_string(),
            author: author.name().unwrap_or("?").to_string(),
            email: author.email().unwrap_or("").to_string(),
            handle: None,
            date: commit_time(when),
            subject: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
            files,
        })?;
        if !more {
            break;
        }
    }
    progress(total, total);
    Ok(())
}

fn commit_time(when: git2::Time) -> Timestamp {
    let offset = chrono::FixedOffset::east_opt(when.offset_minutes() * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero is a valid offset"));
    let utc = chrono::DateTime::from_timestamp(when.seconds(), 0).unwrap_or_default();
    Timestamp(utc.with_timezone(&offset))
}

/// Text this long, or on several lines, is shown as a line diff.
const LONG_TEXT: usize = 72;

/// A unified-style line diff without headers: ' ' kept, '-' removed, '+' added.
pub fn line_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => ' ',
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
        };
        out.push(sign);
        out.push_str(change.value().trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// TOML values as JSON; datetimes become their TOML text (RFC 3339 for offset ones).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::String(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Boolean(b) => Json::Bool(*b),
        Value::Datetime(d) => Json::String(d.to_string()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Table(table) => {
            Json::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(kind: FileKind, old: &str, new: &str) -> Vec<ChangeLine> {
        FileChanges {
            incident: "INC-1".into(),
            path: "f".into(),
            op: "changed",
            changes: diff::diff_texts(kind, Some(old), Some(new)).expect("parses"),
            text_diff: None,
        }
        .lines()
    }

    #[test]
    fn status_timeline_and_long_text_changes_read_field_by_field() {
        let old = "status = \"investigating\"\nsummary = \"one\\ntwo\"\nlabels = [\"a\"]\n\
                   [[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"note\"\ntext = \"x\"\n";
        let new = "status = \"mitigated\"\nsummary = \"one\\nthree\"\nlabels = [\"a\", \"b\"]\n\
                   [[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"note\"\ntext = \"x\"\n\
                   [[timeline]]\nat = 2026-11-23T10:02:00+09:00\nkind = \"action\"\ntext = \"Rolled back\"\n";
        let changes = lines(FileKind::Incident, old, new);
        let fields: Vec<(&str, &str)> = changes.iter().map(|c| (c.field.as_str(), c.op)).collect();
        assert_eq!(
            fields,
            [
                ("status", "changed"),
                ("summary", "changed"),
                ("labels", "added"),
                ("timeline", "added")
            ]
        );
        assert_eq!(changes[1].diff.as_deref(), Some(" one\n-two\n+three\n"));
        assert_eq!(changes[3].new.as_ref().unwrap()["text"], "Rolled back");
    }

    #[test]
    fn action_items_are_compared_by_id() {
        let old = "[[action]]\nid = \"INC-1.A1\"\nstatus = \"open\"\n";
        let new = "[[action]]\nid = \"INC-1.A1\"\nstatus = \"done\"\n\
                   [[action]]\nid = \"INC-1.A2\"\nstatus = \"open\"\n";
        let changes = lines(FileKind::Postmortem, old, new);
        let fields: Vec<(&str, &str)> = changes.iter().map(|c| (c.field.as_str(), c.op)).collect();
        assert_eq!(
            fields,
            [
                ("action INC-1.A1.status", "changed"),
                ("action INC-1.A2", "added")
            ]
        );
    }
}
