//! Times the files may leave out, derived from history: the committer time of the first
//! commit in which each fact became true. "First" is the earliest committer time over
//! every commit (merges included), so facts combine by taking minimums, in any order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ActionStatus, PostmortemStatus, Status};

/// Unix seconds.
pub type Seconds = i64;

/// What history says about one incident directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// The commit that added incident.toml.
    pub created: Option<Seconds>,
    /// The first commit where a commander was set.
    pub acknowledged: Option<Seconds>,
    pub mitigated: Option<Seconds>,
    pub resolved: Option<Seconds>,
    pub closed: Option<Seconds>,
    /// The first commit where the postmortem's status was `published`.
    pub published: Option<Seconds>,
    pub actions: BTreeMap<String, ActionDerived>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDerived {
    /// The commit that added the action item.
    pub created: Option<Seconds>,
    /// The first commit where its status was `done`.
    pub done: Option<Seconds>,
}

/// Keeps the earliest of two times.
pub fn earliest(slot: &mut Option<Seconds>, time: Seconds) {
    if slot.is_none_or(|current| time < current) {
        *slot = Some(time);
    }
}

impl Derived {
    /// Folds in what one version of incident.toml says, committed at `time`.
    pub fn see_incident(&mut self, text: &str, time: Seconds) {
        earliest(&mut self.created, time);
        let Some(version) = IncidentVersion::read(text) else {
            return;
        };
        if version.commander.is_some_and(|c| !c.trim().is_empty()) {
            earliest(&mut self.acknowledged, time);
        }
        let Some(status) = version.status.and_then(|s| s.parse::<Status>().ok()) else {
            return;
        };
        for (state, slot) in [
            (Status::Mitigated, &mut self.mitigated),
            (Status::Resolved, &mut self.resolved),
            (Status::Closed, &mut self.closed),
        ] {
            if status.has_reached(state) {
                earliest(slot, time);
            }
        }
    }

    /// Folds in what one version of postmortem.toml says, committed at `time`.
    pub fn see_postmortem(&mut self, text: &str, time: Seconds) {
        let Some(version) = PostmortemVersion::read(text) else {
            return;
        };
        if version.status.as_deref() == Some(PostmortemStatus::Published.as_str()) {
            earliest(&mut self.published, time);
        }
        for action in version.action {
            let Some(id) = action.id.filter(|id| !id.trim().is_empty()) else {
                continue;
            };
            let derived = self.actions.entry(action_key(&id).to_string()).or_default();
            earliest(&mut derived.created, time);
            if action.status.as_deref() == Some(ActionStatus::Done.as_str()) {
                earliest(&mut derived.done, time);
            }
        }
    }
}

/// Only what derivation needs, read leniently: a version with an unknown key or a bad
/// value elsewhere still says what its status was.
#[derive(Deserialize)]
struct IncidentVersion {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    commander: Option<String>,
    #[serde(default)]
    uid: Option<String>,
}

impl IncidentVersion {
    fn read(text: &str) -> Option<IncidentVersion> {
        if let Some(fast) = top_level_strings(text, &["status", "commander", "uid"]) {
            let mut values = fast.into_iter();
            return Some(IncidentVersion {
                status: values.next().flatten(),
                commander: values.next().flatten(),
                uid: values.next().flatten(),
            });
        }
        toml::from_str(text).ok()
    }
}

/// Which incident a version of incident.toml belongs to, whatever directory it is in:
/// its `uid` (sync may renumber an incident and move its directory), else the directory.
pub fn identity(incident_text: Option<&str>, dir: &str) -> String {
    incident_text
        .and_then(IncidentVersion::read)
        .and_then(|v| v.uid)
        .filter(|uid| !uid.trim().is_empty())
        .unwrap_or_else(|| format!("dir:{dir}"))
}

/// An action item's key within its incident: `A3` of `INC-7.A3`, which stays the same
/// when the incident is renumbered.
pub fn action_key(id: &str) -> &str {
    id.rsplit_once('.').map_or(id, |(_, number)| number)
}

#[derive(Deserialize)]
struct PostmortemVersion {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    action: Vec<ActionVersion>,
}

#[derive(Deserialize)]
struct ActionVersion {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

impl PostmortemVersion {
    fn read(text: &str) -> Option<PostmortemVersion> {
        toml::from_str(text).ok()
    }
}

/// A fast path for the common shape of incident.toml: plain `key = "value"` lines before
/// the first table header. Returns `None` (parse properly) whenever the top of the file
/// holds anything this reading could get wrong: multi-line strings, escapes, quoted or
/// dotted keys, a key given twice.
fn top_level_strings(text: &str, keys: &[&str]) -> Option<Vec<Option<String>>> {
    let mut found: Vec<Option<String>> = vec![None; keys.len()];
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('[') {
            break;
        }
        if line.contains("\"\"\"") || line.contains("'''") || line.starts_with(['"', '\'']) {
            return None;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.contains('.') && keys.iter().any(|k| key.starts_with(&format!("{k}."))) {
            return None;
        }
        let Some(index) = keys.iter().position(|k| *k == key) else {
            continue;
        };
        if found[index].is_some() {
            return None;
        }
        let body = value.trim().strip_prefix('"')?;
        let close = body.find('"')?;
        let (inner, after) = (&body[..close], body[close + 1..].trim());
        if inner.contains('\\') || !(after.is_empty() || after.starts_with('#')) {
            return None;
        }
        found[index] = Some(inner.to_string());
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaching_a_later_state_reaches_the_earlier_ones_and_the_earliest_commit_wins() {
        let mut derived = Derived::default();
        derived.see_incident("status = \"resolved\"\n", 300);
        derived.see_incident("status = \"mitigated\"\ncommander = \"ana\"\n", 200);
        derived.see_incident("status = \"canceled\"\n", 100);
        assert_eq!(derived.created, Some(100));
        assert_eq!(derived.mitigated, Some(200));
        assert_eq!(derived.resolved, Some(300));
        assert_eq!(derived.closed, None);
        assert_eq!(derived.acknowledged, Some(200));
    }

    #[test]
    fn the_fast_reader_agrees_with_toml_or_steps_aside() {
        let read = |t: &str| top_level_strings(t, &["status", "commander"]);
        assert_eq!(
            read("id = \"INC-1\"\nstatus = \"mitigated\" # hand edit\n[times]\nstatus = \"x\"\n"),
            Some(vec![Some("mitigated".into()), None])
        );
        assert_eq!(read("summary = \"\"\"\nstatus = \"x\"\n\"\"\"\n"), None);
        assert_eq!(read("status = 'resolved'\n"), None);
        assert_eq!(read("\"status\" = \"resolved\"\n"), None);
        assert_eq!(read("status = \"a\"\nstatus = \"b\"\n"), None);
        // The slow path still reads what the fast one refused.
        let mut derived = Derived::default();
        derived.see_incident("status = 'resolved'\ncommander = \"\"\n", 5);
        assert_eq!((derived.resolved, derived.acknowledged), (Some(5), None));
    }

    #[test]
    fn actions_are_created_when_added_and_done_when_first_marked_done() {
        let mut derived = Derived::default();
        let pm = |status: &str| {
            format!("status = \"draft\"\n[[action]]\nid = \"INC-1.A1\"\nstatus = \"{status}\"\n")
        };
        derived.see_postmortem(&pm("open"), 10);
        derived.see_postmortem(&pm("done"), 50);
        derived.see_postmortem(&pm("done"), 70);
        let action = &derived.actions[action_key("INC-1.A1")];
        assert_eq!((action.created, action.done), (Some(10), Some(50)));
        // Order does not matter: an earlier commit seen later still wins.
        derived.see_postmortem(&pm("done"), 40);
        assert_eq!(derived.actions["A1"].done, Some(40));
    }

    #[test]
    fn facts_follow_the_incident_not_its_directory() {
        let text = "id = \"INC-3\"\nuid = \"4f1c\"\nstatus = \"resolved\"\n";
        assert_eq!(identity(Some(text), "incidents/2026/INC-3"), "4f1c");
        assert_eq!(
            identity(Some("id = 3"), "incidents/2026/INC-3"),
            "dir:incidents/2026/INC-3"
        );
        assert_eq!(
            identity(None, "incidents/2026/INC-3"),
            "dir:incidents/2026/INC-3"
        );
        assert_eq!(action_key("INC-3.A12"), action_key("INC-5.A12"));
    }
}
