//! `edit`: a whole file in the user's editor. The result must pass the same rules as
//! any write; a refused text is kept so no typing is lost.

use crate::check::postmortem::check_postmortem;
use crate::check::{Finding, Level, check_incident, check_related};
use crate::diff::{FileKind, diff_texts};
use crate::error::{Error, Result};
use crate::model::Config;
use crate::store::{Change, IncidentEntry, Snapshot, Store, Written, layout};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditedFile {
    Incident,
    Postmortem,
}

impl EditedFile {
    pub fn name(self) -> &'static str {
        match self {
            EditedFile::Incident => layout::INCIDENT_FILE,
            EditedFile::Postmortem => layout::POSTMORTEM_FILE,
        }
    }

    pub fn path(self, entry: &IncidentEntry) -> String {
        format!("{}/{}", entry.dir, self.name())
    }
}

/// The errors that would make `text` refused, on the branch as `snapshot` has it.
pub fn validate(
    snapshot: &Snapshot<'_>,
    config: &Config,
    entry: &IncidentEntry,
    file: EditedFile,
    text: &str,
) -> Vec<Finding> {
    let findings = match file {
        EditedFile::Incident => {
            let (incident, mut findings) = check_incident(config, entry, text);
            if let Some(incident) = incident {
                // A lookup that fails is `check`'s to report; it does not block the edit.
                let known =
                    |id: &crate::model::IncidentId| !matches!(snapshot.locate(id), Ok(None));
                findings.extend(check_related(
                    config,
                    &entry.incident_path(),
                    text,
                    &incident,
                    &known,
                ));
            }
            findings
        }
        EditedFile::Postmortem => check_postmortem(entry, text).1,
    };
    findings
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .collect()
}

/// Top-level keys with a field change, in the file's order, for the commit subject.
pub fn changed_keys(file: EditedFile, before: &str, after: &str) -> Vec<String> {
    let kind = FileKind::of(file.name());
    let changes = diff_texts(kind, Some(before), Some(after)).unwrap_or_default();
    let mut keys: Vec<String> = Vec::new();
    for change in &changes {
        let key = change.top_key();
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
    keys
}

/// Commits `edited` in place of `original`, refusing if someone changed the file meanwhile.
pub fn commit(
    store: &Store,
    entry: &IncidentEntry,
    file: EditedFile,
    original: &str,
    edited: &str,
) -> Result<Written<Vec<String>>> {
    let path = file.path(entry);
    store.write(|snapshot, _| {
        let current = snapshot.read_in(entry, file.name())?.unwrap_or_default();
        if current != original {
            return Err(Error::Conflict(format!(
                "{path} changed on the branch while you were editing"
            )));
        }
        let config = snapshot.config()?;
        let errors = validate(snapshot, &config, entry, file, edited);
        if !errors.is_empty() {
            let lines: Vec<String> = errors.iter().map(Finding::to_string).collect();
            return Err(Error::invalid(lines.join("\n")));
        }
        let keys = changed_keys(file, original, edited);
        let name = path.rsplit('/').next().unwrap_or(&path);
        let subject = if keys.is_empty() {
            format!("{}: edit {name}", entry.id)
        } else {
            format!("{}: edit {name} ({})", entry.id, keys.join(", "))
        };
        let change = Change::new(subject)
            .put(path.clone(), edited.to_string())
            .trailer("Incident", entry.id.to_string());
        Ok((change, keys))
    })
}

/// Brings a kept draft up to date when the file changed on the branch since the edit
/// began: the draft's changes are replayed on the new text by the structured merge.
/// Anything short of a clean merge is refused, so neither side's work is overwritten.
pub fn rebase_draft(path: &str, base: &str, draft: &str, current: &str) -> Result<String> {
    if base == current {
        return Ok(draft.to_string());
    }
    // Not retryable: the same texts would fail the same way; a person merges them.
    let changed_meanwhile = || {
        Error::invalid(format!(
            "{path} changed on the branch since this edit began, and your kept text cannot be replayed on it"
        ))
    };
    let merged = crate::merge::toml::merge_toml(path, Some(base), draft, current)
        .map_err(|_| changed_meanwhile())?;
    if !merged.conflicts.is_empty() || !merged.renumbered.is_empty() {
        let fields: Vec<&str> = merged.conflicts.iter().map(|c| c.field.as_str()).collect();
        return Err(Error::invalid(format!(
            "{path} changed on the branch since this edit began, and both changed {}",
            if fields.is_empty() {
                "the same action items".to_string()
            } else {
                fields.join(", ")
            }
        )));
    }
    Ok(merged.text)
}

#[cfg(test)]
mod tests {
    use super::{EditedFile, changed_keys, rebase_draft};

    #[test]
    fn the_changed_keys_are_the_diffs_in_the_files_order() {
        let before =
            "title = \"A\"\nservices = [\"a\", \"b\"]\n[times]\ndetected = 2026-11-23T10:00:00Z\n";
        let after = "services = [\"b\", \"a\"]\nsummary = \"\"\ntitle = \"B\"\n[times]\n\
                     detected = 2026-11-23T10:00:00Z\nresolved = 2026-11-23T11:00:00Z\n";
        assert_eq!(
            changed_keys(EditedFile::Incident, before, after),
            ["title", "times"]
        );
        let before = "[[action]]\nid = \"INC-1.A1\"\nstatus = \"open\"\n";
        let after = "status = \"draft\"\n[[action]]\nid = \"INC-1.A1\"\nstatus = \"done\"\n";
        assert_eq!(
            changed_keys(EditedFile::Postmortem, before, after),
            ["status", "action"]
        );
    }

    #[test]
    fn a_kept_draft_is_replayed_on_a_newer_file_or_refused() {
        let base = "title = \"A\"\nsummary = \"s\"\n";
        let draft = "title = \"B\"\nsummary = \"s\"\n";
        assert_eq!(rebase_draft("f", base, draft, base).unwrap(), draft);
        let current = "title = \"A\"\nsummary = \"newer\"\n";
        assert_eq!(
            rebase_draft("f", base, draft, current).unwrap(),
            "title = \"B\"\nsummary = \"newer\"\n"
        );
        let clashing = "title = \"C\"\nsummary = \"s\"\n";
        assert!(
            rebase_draft("f", base, draft, clashing)
                .unwrap_err()
                .to_string()
                .contains("both changed title")
        );
        assert!(rebase_draft("f", base, "title = broken", current).is_err());
    }
}
