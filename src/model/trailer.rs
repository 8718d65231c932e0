//! Commits in the code repository that close action items: the `Incident-Action: ID`
//! trailers of a message, read as `git interpret-trailers` reads them, and the
//! `This reverts commit <id>.` line `git revert` writes, which takes a closure back.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::ActionStatus;

/// The trailer key, matched without regard to case as git does.
pub const ACTION_KEY: &str = "Incident-Action";

/// What one code commit says about action items; only commits that say something are
/// kept (in the cache too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedCommit {
    pub commit: String,
    /// Committer time, Unix seconds: an item's `done_at`.
    pub time: i64,
    pub subject: String,
    pub actions: Vec<ActionTrailer>,
    /// The commits this one reverts.
    pub reverts: Vec<String>,
}

/// One action ID named by a trailer, with the message line it is on (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionTrailer {
    pub id: String,
    pub line: usize,
}

impl MarkedCommit {
    /// What `message` says, or `None` when it names no action item and reverts nothing.
    pub fn read(commit: String, time: i64, message: &str) -> Option<MarkedCommit> {
        let actions: Vec<ActionTrailer> = trailers(message)
            .into_iter()
            .filter(|t| t.key.eq_ignore_ascii_case(ACTION_KEY))
            .flat_map(|t| {
                // `INC-7.A1, INC-7.A2` names two items, as one trailer each would.
                t.value
                    .split([',', ' ', '\t'])
                    .filter(|id| !id.is_empty())
                    .map(|id| ActionTrailer {
                        id: id.to_string(),
                        line: t.line,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let reverts = reverted_commits(message);
        if actions.is_empty() && reverts.is_empty() {
            return None;
        }
        let subject = message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        Some(MarkedCommit {
            commit,
            time,
            subject,
            actions,
            reverts,
        })
    }
}

/// One trailer: key, value (continuation lines joined by a space) and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Lines git itself writes into trailer blocks: a block with one of them needs only a
/// quarter of its lines to be trailers (as in git's trailer.c).
const GIT_GENERATED: [&str; 2] = ["Signed-off-by: ", "(cherry picked from commit "];

/// The trailers of `message` as `git interpret-trailers --parse` finds them: the last
/// paragraph, when it is not the title and its lines are trailers (`Key: value`, with
/// indented continuation lines), all of them or, with a line git generates, a quarter.
pub fn trailers(message: &str) -> Vec<Trailer> {
    let lines: Vec<&str> = message.lines().collect();
    let is_blank = |line: &str| line.trim().is_empty();
    let is_comment = |line: &str| line.starts_with('#');
    // A patch in the message (`---` line) ends it, as `git am` reads mails.
    let end = lines
        .iter()
        .position(|l| l.starts_with("---") && l[3..].trim().is_empty())
        .unwrap_or(lines.len());
    let lines = &lines[..end];
    let Some(title_end) = lines.iter().position(|l| !is_blank(l)).map(|first| {
        lines[first..]
            .iter()
            .position(|l| is_blank(l))
            .map_or(lines.len(), |n| first + n)
    }) else {
        return Vec::new();
    };
    let Some(last) = lines.iter().rposition(|l| !is_blank(l) && !is_comment(l)) else {
        return Vec::new();
    };
    if last < title_end {
        return Vec::new();
    }
    let start = lines[..=last]
        .iter()
        .rposition(|l| is_blank(l))
        .map_or(0, |n| n + 1)
        .max(title_end);
    let block = &lines[start..=last];
    let (mut trailer_lines, mut other_lines, mut generated) = (0usize, 0usize, false);
    for line in block.iter().filter(|l| !is_comment(l)) {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        if separator(line).is_some() {
            trailer_lines += 1;
            generated |= GIT_GENERATED.iter().any(|g| line.starts_with(g));
        } else {
            other_lines += 1;
            generated |= GIT_GENERATED.iter().any(|g| line.starts_with(g));
        }
    }
    let is_block =
        trailer_lines > 0 && (other_lines == 0 || (generated && trailer_lines * 3 >= other_lines));
    if !is_block {
        return Vec::new();
    }
    let mut found: Vec<Trailer> = Vec::new();
    let mut last_was_trailer = false;
    for (i, line) in block.iter().enumerate() {
        if is_comment(line) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let (true, Some(previous)) = (last_was_trailer, found.last_mut()) {
                previous.value.push(' ');
                previous.value.push_str(line.trim());
            }
            continue;
        }
        last_was_trailer = match separator(line) {
            Some(at) => {
                found.push(Trailer {
                    key: line[..at].trim_end().to_string(),
                    value: line[at + 1..].trim().to_string(),
                    line: start + i + 1,
                });
                true
            }
            None => false,
        };
    }
    found
}

/// Where a trailer line's `:` is: after a key of letters, digits and `-`, perhaps
/// followed by blanks (git's `find_separator`).
fn separator(line: &str) -> Option<usize> {
    let mut blanks = false;
    for (i, c) in line.char_indices() {
        if c == ':' {
            return (i > 0).then_some(i);
        }
        if !blanks && (c.is_ascii_alphanumeric() || c == '-') {
            continue;
        }
        if i > 0 && c.is_whitespace() {
            blanks = true;
            continue;
        }
        return None;
    }
    None
}

/// The commits `git revert` says a message reverts (`This reverts commit <id>.`).
pub fn reverted_commits(message: &str) -> Vec<String> {
    const SAYS: &str = "This reverts commit ";
    message
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix(SAYS))
        .filter_map(|rest| {
            let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            (id.len() == 40).then(|| id.to_ascii_lowercase())
        })
        .collect()
}

/// The commit that closed an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub commit: String,
    pub time: i64,
}

/// Which items the code history closes, and which commits were reverted since.
#[derive(Debug, Default)]
pub struct Closures {
    by_action: HashMap<String, Closure>,
    reverted: HashSet<String>,
}

/// What the code history makes of an item, against what its file says.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// As the file says.
    AsFiled,
    /// Done by this commit (the file still says open or in progress).
    Done(&'a Closure),
    /// Open again: the commit the file names as evidence was reverted.
    Reopened,
}

impl Closures {
    /// From every marked commit on the code refs. A revert counts unless it is itself
    /// reverted (a revert of the revert puts the closure back); an item closed by
    /// several commits is done at the first of them.
    pub fn from_commits(commits: &[MarkedCommit]) -> Closures {
        let mut reverters: HashMap<&str, Vec<&str>> = HashMap::new();
        for commit in commits {
            for target in &commit.reverts {
                reverters.entry(target).or_default().push(&commit.commit);
            }
        }
        let mut memo = HashMap::new();
        let reverted: HashSet<String> = reverters
            .keys()
            .filter(|c| is_reverted(c, &reverters, &mut memo, 0))
            .map(|c| c.to_string())
            .collect();
        let mut by_action: HashMap<String, Closure> = HashMap::new();
        for commit in commits.iter().filter(|c| !reverted.contains(&c.commit)) {
            for trailer in &commit.actions {
                let closure = Closure {
                    commit: commit.commit.clone(),
                    time: commit.time,
                };
                by_action
                    .entry(trailer.id.clone())
                    .and_modify(|old| {
                        if (closure.time, &closure.commit) < (old.time, &old.commit) {
                            *old = closure.clone();
                        }
                    })
                    .or_insert(closure);
            }
        }
        Closures {
            by_action,
            reverted,
        }
    }

    /// What the code history says about item `id`, whose file says `status` with
    /// `done_by` as its evidence. Items closed by hand or marked `wont_do` stay as filed.
    pub fn verdict(&self, id: &str, status: ActionStatus, done_by: Option<&str>) -> Verdict<'_> {
        match (status, done_by) {
            (ActionStatus::Done, Some(commit)) if self.reverted.contains(commit) => {
                match self.by_action.get(id) {
                    Some(other) => Verdict::Done(other),
                    None => Verdict::Reopened,
                }
            }
            (status, _) if status.is_open() => self
                .by_action
                .get(id)
                .map_or(Verdict::AsFiled, Verdict::Done),
            _ => Verdict::AsFiled,
        }
    }
}

fn is_reverted<'a>(
    commit: &'a str,
    reverters: &HashMap<&'a str, Vec<&'a str>>,
    memo: &mut HashMap<&'a str, bool>,
    depth: usize,
) -> bool {
    if let Some(known) = memo.get(commit) {
        return *known;
    }
    // Reverts of reverts are a short chain; a longer one is not worth the stack.
    let answer = depth < 64
        && reverters.get(commit).is_some_and(|by| {
            by.iter()
                .any(|reverter| !is_reverted(reverter, reverters, memo, depth + 1))
        });
    memo.insert(commit, answer);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the message, each trailer found is a line of its last paragraph
        /// that starts with the key and holds the value; one appended to a message
        /// ending in a trailer block is always found.
        #[test]
        fn found_trailers_are_where_they_say(
            lines in prop::collection::vec("[ a-zA-Z:#()-]{0,12}", 0..12),
            id in "[A-Z]{1,3}-[0-9]{1,3}\\.A[0-9]{1,2}",
        ) {
            let message = lines.join("\n");
            let all: Vec<&str> = message.lines().collect();
            for trailer in trailers(&message) {
                let line = all[trailer.line - 1];
                prop_assert!(line.starts_with(&trailer.key), "{:?} {:?}", message, trailer);
                let first = line[line.find(':').expect("a separator") + 1..].trim();
                prop_assert!(trailer.value.starts_with(first), "{:?} {:?}", message, trailer);
            }
            let closing = format!("Title\n\nBody.\n\nIncident-Action: {id}\n");
            let found = MarkedCommit::read("c".into(), 0, &closing).expect("marked");
            prop_assert_eq!(&found.actions[0].id, &id);
            prop_assert_eq!(found.actions[0].line, 5);
        }
    }

    fn keys(message: &str) -> Vec<(String, String, usize)> {
        trailers(message)
            .into_iter()
            .map(|t| (t.key, t.value, t.line))
            .collect()
    }

    #[test]
    fn trailers_are_the_last_paragraph_after_the_title() {
        let message = "Add keys\n\nBody text: not a trailer.\n\nIncident-Action: INC-7.A1\nincident-action : INC-7.A2,\n  INC-8.A1\nSigned-off-by: A <a@x>\n";
        assert_eq!(
            keys(message),
            vec![
                ("Incident-Action".into(), "INC-7.A1".into(), 5),
                ("incident-action".into(), "INC-7.A2, INC-8.A1".into(), 6),
                ("Signed-off-by".into(), "A <a@x>".into(), 8),
            ]
        );
        let marked = MarkedCommit::read("c".into(), 1, message).unwrap();
        let ids: Vec<&str> = marked.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["INC-7.A1", "INC-7.A2", "INC-8.A1"]);
        // The title alone is never trailers; nor is a paragraph with prose in it.
        assert!(keys("Incident-Action: INC-7.A1\n").is_empty());
        assert!(keys("T\n\nIncident-Action: INC-7.A1\nsee above\n").is_empty());
        assert!(keys("T\n\nIncident-Action: INC-7.A1\n\nmore prose\n").is_empty());
        // A quarter is enough next to a line git writes.
        assert_eq!(
            keys("T\n\nprose\nprose\nIncident-Action: X\n(cherry picked from commit abc)\n").len(),
            1
        );
        // A patch divider ends the message.
        assert_eq!(keys("T\n\nIncident-Action: X\n---\nstat: y\n").len(), 1);
    }

    #[test]
    fn reverts_name_full_commit_ids() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let message = format!("Revert \"x\"\n\nThis reverts commit {id}.\n");
        assert_eq!(reverted_commits(&message), vec![id.to_string()]);
        assert!(reverted_commits("This reverts commit 0123abc.").is_empty());
    }

    fn commit(id: &str, time: i64, actions: &[&str], reverts: &[&str]) -> MarkedCommit {
        MarkedCommit {
            commit: id.into(),
            time,
            subject: String::new(),
            actions: actions
                .iter()
                .map(|a| ActionTrailer {
                    id: a.to_string(),
                    line: 3,
                })
                .collect(),
            reverts: reverts.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn reverts_take_closures_back_and_reverts_of_reverts_restore_them() {
        let closing = commit("a", 10, &["INC-1.A1"], &[]);
        let later = commit("b", 20, &["INC-1.A1", "INC-1.A2"], &[]);
        let closures = Closures::from_commits(&[later.clone(), closing.clone()]);
        let done = |c: &Closures, id| match c.verdict(id, ActionStatus::Open, None) {
            Verdict::Done(closure) => Some(closure.commit.clone()),
            _ => None,
        };
        assert_eq!(done(&closures, "INC-1.A1").as_deref(), Some("a"));
        let revert = commit("r", 30, &[], &["a"]);
        let closures = Closures::from_commits(&[closing.clone(), revert.clone()]);
        assert_eq!(done(&closures, "INC-1.A1"), None);
        assert_eq!(
            closures.verdict("INC-1.A1", ActionStatus::Done, Some("a")),
            Verdict::Reopened
        );
        // Closed by hand, or won't do: the file decides.
        assert_eq!(
            closures.verdict("INC-1.A1", ActionStatus::Done, None),
            Verdict::AsFiled
        );
        let again = commit("rr", 40, &[], &["r"]);
        let closures = Closures::from_commits(&[closing, revert, again]);
        assert_eq!(done(&closures, "INC-1.A1").as_deref(), Some("a"));
        assert_eq!(
            closures.verdict("INC-1.A1", ActionStatus::WontDo, None),
            Verdict::AsFiled
        );
    }
}
