//! Times the files may leave out, derived from history: the committer time of the first
//! commit in which each fact became true, except for the states an incident can leave
//! again (mitigated, resolved, closed), which count from the last commit that entered
//! them. "First" and "last" are over the committer times of every commit (merges
//! included), so facts combine by minimums and maximums, in any order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ActionStatus, PostmortemStatus, Status, Times};

/// Unix seconds.
pub type Seconds = i64;

/// What history says about one incident directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// The commit that added incident.toml.
    pub created: Option<Seconds>,
    /// The first commit where a commander was set.
    pub acknowledged: Option<Seconds>,
    pub mitigated: Reached,
    pub resolved: Reached,
    pub closed: Reached,
    /// The first commit where the postmortem's status was `published`.
    pub published: Option<Seconds>,
    pub actions: BTreeMap<String, ActionDerived>,
}

/// When an incident reached a state for good: after a reopen (a move back below it) only
/// the last move from below it to it or beyond counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// The latest commit that moved it from below the state to it or beyond (compared
    /// with every parent that had the incident).
    pub entered: Option<Seconds>,
    /// The earliest version that appeared (no parent had the incident at that path)
    /// already at the state or beyond. It counts only when that is the incident's
    /// creation; a later one is a move of its directory (sync renumbering it).
    pub appeared: Option<Seconds>,
}

impl Reached {
    /// When the state was reached for good, given when the incident was created.
    pub fn at(&self, created: Option<Seconds>) -> Option<Seconds> {
        let at_creation = self.appeared.filter(|t| created == Some(*t));
        self.entered.max(at_creation)
    }
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

/// Keeps the latest of two times.
pub fn latest(slot: &mut Option<Seconds>, time: Seconds) {
    if slot.is_none_or(|current| time > current) {
        *slot = Some(time);
    }
}

/// What derivation reads from one version of incident.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSeen {
    /// Whose version it is (see [`identity`]).
    pub identity: String,
    pub status: Option<Status>,
    pub commander: bool,
}

impl IncidentSeen {
    pub fn read(text: &str, dir: &str) -> IncidentSeen {
        let version = IncidentVersion::read(text);
        let identity = version
            .as_ref()
            .and_then(|v| v.uid.clone())
            .filter(|uid| !uid.trim().is_empty())
            .unwrap_or_else(|| format!("dir:{dir}"));
        let Some(version) = version else {
            return IncidentSeen {
                identity,
                status: None,
                commander: false,
            };
        };
        IncidentSeen {
            identity,
            status: version.status.and_then(|s| s.parse::<Status>().ok()),
            commander: version.commander.is_some_and(|c| !c.trim().is_empty()),
        }
    }
}

impl Derived {
    /// The times history tells, each as metrics read it. `started` stays unknown: no
    /// commit says when impact began (metrics fall back to `detected` where the contract
    /// says so, and time to detect leaves the incident out).
    pub fn times(&self) -> Times<Option<Seconds>> {
        Times {
            started: None,
            detected: self.created,
            acknowledged: self.acknowledged,
            mitigated: self.mitigated.at(self.created),
            resolved: self.resolved.at(self.created),
            closed: self.closed.at(self.created),
        }
    }

    /// Folds in what one version of incident.toml says, committed at `time`. `before`
    /// holds the incident's status in each parent that had it at this path (`None`
    /// where that version's status cannot be read); `None` when no parent did.
    pub fn see_incident(
        &mut self,
        version: &IncidentSeen,
        time: Seconds,
        before: Option<&[Option<Status>]>,
    ) {
        earliest(&mut self.created, time);
        if version.commander {
            earliest(&mut self.acknowledged, time);
        }
        let Some(status) = version.status else {
            return;
        };
        for (state, reached) in [
            (Status::Mitigated, &mut self.mitigated),
            (Status::Resolved, &mut self.resolved),
            (Status::Closed, &mut self.closed),
        ] {
            if !status.has_reached(state) {
                continue;
            }
            match before {
                None => earliest(&mut reached.appeared, time),
                Some(parents) => {
                    let had = |s: &Option<Status>| s.is_some_and(|s| s.has_reached(state));
                    if !parents.iter().any(had) {
                        latest(&mut reached.entered, time);
                    }
                }
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

    fn seen(text: &str) -> IncidentSeen {
        IncidentSeen::read(text, "incidents/2026/INC-1")
    }

    fn status(name: &str) -> Option<Status> {
        name.parse().ok()
    }

    #[test]
    fn reaching_a_later_state_reaches_the_earlier_ones() {
        let mut derived = Derived::default();
        // Seen newest first, as the walk does; each with the status its parent had.
        let resolved = seen("status = \"resolved\"\n");
        derived.see_incident(&resolved, 300, Some(&[status("mitigated")]));
        let mitigated = seen("status = \"mitigated\"\ncommander = \"ana\"\n");
        derived.see_incident(&mitigated, 200, Some(&[status("canceled")]));
        derived.see_incident(&seen("status = \"canceled\"\n"), 100, None);
        let created = derived.created;
        assert_eq!(created, Some(100));
        assert_eq!(derived.mitigated.at(created), Some(200));
        assert_eq!(derived.resolved.at(created), Some(300));
        assert_eq!(derived.closed.at(created), None);
        assert_eq!(derived.acknowledged, Some(200));
    }

    #[test]
    fn a_state_counts_from_the_last_move_into_it() {
        // mitigated at 200, reopened at 300, resolved at 400: mitigated for good at 400.
        let mut derived = Derived::default();
        let versions = [
            (100, "investigating", None),
            (200, "mitigated", Some("investigating")),
            (300, "investigating", Some("mitigated")),
            (400, "resolved", Some("investigating")),
            (500, "closed", Some("resolved")),
        ];
        // In any order: the walk's, or another.
        for order in [[4, 3, 2, 1, 0], [0, 2, 4, 1, 3]] {
            for i in order {
                let (time, now, before) = versions[i];
                let text = format!("status = \"{now}\"\n");
                let parents = before.map(|b| vec![status(b)]);
                derived.see_incident(&seen(&text), time, parents.as_deref());
            }
            let created = derived.created;
            assert_eq!(derived.mitigated.at(created), Some(400));
            assert_eq!(derived.resolved.at(created), Some(400));
            assert_eq!(derived.closed.at(created), Some(500));
        }
        // A merge entered nothing a parent had already reached.
        let mut merged = Derived::default();
        let resolved = seen("status = \"resolved\"\n");
        merged.see_incident(&resolved, 50, None);
        merged.see_incident(
            &resolved,
            900,
            Some(&[status("investigating"), status("resolved")]),
        );
        assert_eq!(merged.resolved.at(merged.created), Some(50));
        // A version appearing at a new path later (a renumbering) is a move, not a reach.
        let mut moved = Derived::default();
        moved.see_incident(&seen("status = \"investigating\"\n"), 10, None);
        moved.see_incident(&resolved, 20, Some(&[status("investigating")]));
        moved.see_incident(&resolved, 30, None);
        assert_eq!(moved.resolved.at(moved.created), Some(20));
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
        derived.see_incident(&seen("status = 'resolved'\ncommander = \"\"\n"), 5, None);
        assert_eq!(
            (derived.resolved.at(derived.created), derived.acknowledged),
            (Some(5), None)
        );
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
