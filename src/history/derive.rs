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
#[derive(Debug, PartialEq, Deserialize)]
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
/// the first table header. Values of other keys may span lines (arrays of arrays, inline
/// tables), so brackets are counted, skipping strings and comments, to know where a line
/// starts a key or a header. Returns `None` (parse properly) whenever the file holds
/// anything this reading could get wrong: multi-line strings at the top, escapes or
/// quoted or dotted keys around the keys asked for, a key given twice, a table named
/// like one of them.
fn top_level_strings(text: &str, keys: &[&str]) -> Option<Vec<Option<String>>> {
    let mut found: Vec<Option<String>> = vec![None; keys.len()];
    // Brackets and braces a value has left open at the end of the line read.
    let mut open = 0usize;
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if open > 0 {
            open = open_brackets(line, open)?;
            continue;
        }
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            if header_names(line, keys)? {
                return None;
            }
            break;
        }
        if line.starts_with(['"', '\'']) {
            return None;
        }
        // Not a key-value line, so not TOML: let the parser say so.
        let (key, value) = line.split_once('=')?;
        let key = key.trim();
        let first = key.split('.').next().unwrap_or_default().trim_end();
        if key.contains('.') && keys.contains(&first) {
            return None;
        }
        let Some(index) = keys.iter().position(|k| *k == key) else {
            open = open_brackets(value, 0)?;
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
    // A later header naming one of the keys makes it a table, not a string. A line that
    // only looks like such a header (inside a multi-line string) just means the slow way.
    // Measured (release): 0.4 ms for an 800 KB file of 5,000 timeline entries, where
    // `toml` takes 40 ms.
    for line in lines {
        let line = line.trim_start();
        if line.starts_with('[') && header_names(line, keys)? {
            return None;
        }
    }
    Some(found)
}

/// Whether a `[table]` or `[[array]]` header line starts with one of `keys`; `None`
/// when it starts with a quoted name, which this reading does not untangle.
fn header_names(line: &str, keys: &[&str]) -> Option<bool> {
    let name = line.trim_start_matches(['[', ' ', '\t']);
    if name.starts_with(['"', '\'']) {
        return None;
    }
    let end = name.find(['.', ']', ' ', '\t']).unwrap_or(name.len());
    Some(keys.contains(&&name[..end]))
}

/// The brackets and braces still open after `text`, given `open` before it; strings
/// and comments skipped. `None` for a multi-line string or anything unbalanced.
fn open_brackets(text: &str, mut open: usize) -> Option<usize> {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => break,
            '[' | '{' => open += 1,
            ']' | '}' => open = open.checked_sub(1)?,
            '"' => {
                let rest = chars.as_str();
                if rest.starts_with("\"\"") {
                    return None;
                }
                let mut escaped = false;
                let mut closed = false;
                for c in chars.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return None;
                }
            }
            '\'' => {
                if chars.as_str().starts_with("''") {
                    return None;
                }
                chars.find(|&c| c == '\'')?;
            }
            _ => {}
        }
    }
    Some(open)
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
    fn the_fast_reader_reads_past_values_that_span_lines() {
        let read = |t: &str| top_level_strings(t, &["status", "commander"]);
        // A nested array's rows start with `[` but are not table headers.
        let nested =
            "id = \"INC-1\"\nmatrix = [\n  [1, 2],\n  [\"[a]\", 'b'],\n]\nstatus = \"resolved\"\n";
        assert_eq!(read(nested), Some(vec![Some("resolved".into()), None]));
        let inline = "roles = { comms = \"a\" }\nx = [ # [not a header\n]\ncommander = \"ana\"\n";
        assert_eq!(read(inline), Some(vec![None, Some("ana".into())]));
        // A key inside a value spanning lines is not at the top.
        assert_eq!(
            read("x = [\n  \"status = \\\"no\\\"\",\n]\n"),
            Some(vec![None, None])
        );
        // A table named like a key makes it a table, even after the first header.
        assert_eq!(read("[times]\n[status]\nx = 1\n"), None);
        assert_eq!(read("status . x = 1\n"), None);
        assert_eq!(read("[[ commander ]]\n"), None);
    }

    mod fast_reader {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

        const KEYS: [&str; 3] = ["status", "commander", "uid"];

        /// The text of a basic string, escapes and TOML's own punctuation included.
        fn basic() -> impl Strategy<Value = String> {
            let token = prop::sample::select(vec![
                "a", " ", "#", "=", "[", "]", "{", "}", "'", "\\\"", "\\\\", "\\n", "\\t",
                "\\u00e9", "é", ",", ".",
            ]);
            prop::collection::vec(token, 0..6).prop_map(|t| t.concat())
        }

        /// The text of a literal string: no `'` and no escapes.
        fn literal() -> impl Strategy<Value = String> {
            let token = prop::sample::select(vec!["a", " ", "#", "=", "[", "]", "\"", "\\", "é"]);
            prop::collection::vec(token, 0..6).prop_map(|t| t.concat())
        }

        fn multi_line_body() -> impl Strategy<Value = String> {
            let line = prop::sample::select(vec![
                "status = \"x\"",
                "[times]",
                "[status]",
                "  [1, 2],",
                "]",
                "commander = 'y'",
                "uid = \"u\" # c",
                "a = [",
                "\"\" q",
                "#",
                "",
            ]);
            prop::collection::vec(line, 0..4).prop_map(|l| l.join("\n"))
        }

        /// One line or block of key-values; `{W}` is one of [`KEYS`], `{k}` a fresh key.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => (basic(), prop::bool::ANY).prop_map(|(v, c)| {
                    format!("{{W}} = \"{v}\"{}", if c { " # note \"x\" [y]" } else { "" })
                }),
                1 => literal().prop_map(|v| format!("{{W}} = '{v}'")),
                1 => prop::sample::select(vec![
                    "{W} = 3",
                    "{W} = [\"a\"]",
                    "{W} = { a = \"b\" }",
                    "{W}.x = \"y\"",
                    "{W} . x = 1",
                    "{W} = \"\"\"\nmulti\n\"\"\"",
                ])
                .prop_map(str::to_string),
                2 => (basic(), literal())
                    .prop_map(|(b, l)| format!("{{k}} = \"{b}\"\n{{k}} = '{l}'")),
                1 => Just("{k} = 42\n{k} = true".to_string()),
                3 => (basic(), literal(), 0..3usize).prop_map(|(b, l, shape)| match shape {
                    0 => format!(
                        "{{k}} = [\n  [1, 2],\n  [\"{b}\", '{l}'],\n  [ # [c\n    [],\n  ],\n]"
                    ),
                    1 => format!("{{k}} = [[\"{b}\"], ['{l}']]"),
                    _ => format!("{{k}} = [\n[\n\"{b}\"\n]\n]"),
                }),
                3 => (basic(), 0..3usize).prop_map(|(b, shape)| match shape {
                    // Inline tables may span lines since TOML 1.1.
                    0 => format!("{{k}} = {{\n  status = \"{b}\",\n  c = [\n    [1],\n  ],\n}}"),
                    1 => format!("{{k}} = {{\n  c = 1,\n  uid = \"{b}\"\n}}"),
                    _ => format!("{{k}} = {{ a = \"{b}\", status = \"{b}\", b = [1, [2]] }}"),
                }),
                2 => (multi_line_body(), prop::bool::ANY).prop_map(|(body, literal)| {
                    let quotes = if literal { "'''" } else { "\"\"\"" };
                    format!("{{k}} = {quotes}\n{body}\n{quotes}")
                }),
                1 => Just("# status = \"c\" [x]\n#[status]\n".to_string()),
                1 => basic().prop_map(|b| {
                    format!("{{k}}.status = \"{b}\"\n{{k}} . status = 1\n{{k}}.\"status\" = 2")
                }),
            ]
        }

        fn header() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "[times]",
                "[roles]",
                "[[timeline]]",
                "[[timeline]]",
                "[status]",
                "[ commander ]",
                "[uid.x]",
                "[[status]]",
                "[\"status\"]",
                "[changes]",
            ])
        }

        type Pieces = Vec<(Option<usize>, String)>;

        type Document = (Pieces, Vec<(&'static str, Pieces)>, bool);

        fn document() -> impl Strategy<Value = Document> {
            let pieces = || prop::collection::vec((prop::option::of(0..KEYS.len()), piece()), 0..6);
            (
                pieces(),
                prop::collection::vec((header(), pieces()), 0..3),
                prop::bool::weighted(0.2),
            )
        }

        /// The document as text, leaving out what would make it invalid TOML (a key or
        /// a table given twice).
        fn render((top, tables, crlf): &Document) -> String {
            let mut fresh = 0;
            let mut out = String::new();
            let mut body = |pieces: &Pieces, out: &mut String| {
                let mut used = std::collections::HashSet::new();
                for (which, piece) in pieces {
                    let name = KEYS[which.unwrap_or(0)];
                    if piece.contains("{W}") && !used.insert(name) {
                        continue;
                    }
                    let mut text = piece.replace("{W}", name);
                    while text.contains("{k}") {
                        text = text.replacen("{k}", &format!("k{fresh}"), 1);
                        fresh += 1;
                    }
                    out.push_str(&text);
                    out.push('\n');
                }
                used
            };
            let mut names: std::collections::HashSet<String> = body(top, &mut out)
                .into_iter()
                .map(str::to_string)
                .collect();
            for (header, pieces) in tables {
                let name = header
                    .trim_matches(['[', ']', ' ', '"'])
                    .split('.')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let repeatable = *header == "[[timeline]]";
                if !names.insert(name) && !repeatable {
                    continue;
                }
                out.push_str(header);
                out.push('\n');
                body(pieces, &mut out);
            }
            if *crlf {
                out.replace('\n', "\r\n")
            } else {
                out
            }
        }

        /// Whenever the fast reader answers, it says what `toml` says.
        #[test]
        fn the_fast_reader_agrees_with_toml() {
            let mut runner = TestRunner::new_with_rng(
                Config {
                    cases: 2000,
                    failure_persistence: None,
                    ..Config::default()
                },
                TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
            );
            let answered = std::cell::Cell::new(0);
            runner
                .run(&document().prop_map(|d| render(&d)), |text| {
                    let table: toml::Table = toml::from_str(&text)
                        .map_err(|e| TestCaseError::fail(format!("not TOML: {e}\n{text}")))?;
                    if let Some(fast) = top_level_strings(&text, &KEYS) {
                        answered.set(answered.get() + 1);
                        for (key, value) in KEYS.iter().zip(&fast) {
                            let expected = table.get(*key).map(|v| v.as_str());
                            prop_assert_eq!(
                                expected,
                                value.as_deref().map(Some),
                                "{} in\n{}",
                                key,
                                text
                            );
                        }
                    }
                    let slow = toml::from_str::<IncidentVersion>(&text).ok();
                    prop_assert_eq!(IncidentVersion::read(&text), slow, "in\n{}", text);
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{e}"));
            // The fast path is taken, not always stepped aside from.
            assert!(answered.get() > 300, "answered {}", answered.get());
        }
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
