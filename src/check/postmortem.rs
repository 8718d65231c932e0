//! Rules for postmortem.toml: the file must belong to its incident and hold well-formed
//! action items; a published postmortem must be complete; warnings nudge towards the
//! practices (both kinds of action items, a real 5 Whys chain, blameless wording).

use std::collections::HashMap;

use crate::check::{FileFindings, Finding, error_on_bad_links, unknown_person, warn_on_repeats};
use crate::model::link::{self, is_web_url};
use crate::model::{ActionId, ActionKind, Config, Postmortem, PostmortemStatus};
use crate::store::IncidentEntry;
use crate::store::codec::{Step, parse};

/// A 5 Whys chain shorter than this rarely reaches a cause in the system.
pub const MIN_WHYS: usize = 3;

/// Findings for one postmortem file; the parsed postmortem when it parses.
pub fn check_postmortem(entry: &IncidentEntry, text: &str) -> (Option<Postmortem>, Vec<Finding>) {
    let path = entry.postmortem_path();
    let pm: Postmortem = match parse(&path, text) {
        Ok(pm) => pm,
        Err(e) => return (None, vec![e]),
    };
    let mut out = FileFindings::new(&path, text);
    out.schema_version(pm.schema_version);
    out.oversize_text();
    let incident = entry.id.to_string();
    if pm.incident != incident {
        out.error(
            &[Step::Key("incident")],
            format!(
                "incident {:?} does not match its directory {incident}",
                pm.incident
            ),
        );
    }
    check_actions(&pm, entry, &mut out);
    check_lists(&pm, &mut out);
    if pm.status == PostmortemStatus::Published {
        check_complete(&pm, &mut out);
    }
    check_practices(&pm, &mut out);
    (Some(pm), out.findings)
}

/// Owner, participants and action owners against config.toml's `[[person]]` handles.
pub fn check_people(
    config: &Config,
    entry: &IncidentEntry,
    text: &str,
    pm: &Postmortem,
) -> Vec<Finding> {
    let path = entry.postmortem_path();
    let mut out = FileFindings::new(&path, text);
    if let Some(owner) = &pm.owner {
        unknown_person(config, &mut out, &[Step::Key("owner")], owner, "owner");
    }
    for (i, who) in pm.participants.iter().enumerate() {
        let at = [Step::Key("participants"), Step::Index(i)];
        unknown_person(config, &mut out, &at, who, "participant");
    }
    for (i, action) in pm.action.iter().enumerate() {
        if let Some(owner) = &action.owner {
            let at = [Step::Key("action"), Step::Index(i), Step::Key("owner")];
            unknown_person(
                config,
                &mut out,
                &at,
                owner,
                &format!("owner of {}", action.id),
            );
        }
    }
    out.findings
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

fn check_actions(pm: &Postmortem, entry: &IncidentEntry, out: &mut FileFindings<'_>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, action) in pm.action.iter().enumerate() {
        let at = [Step::Key("action"), Step::Index(i), Step::Key("id")];
        if let Some(first) = seen.insert(action.id.as_str(), i) {
            out.error(
                &at,
                format!(
                    "duplicate action ID {}: also action #{} in this file",
                    action.id,
                    first + 1
                ),
            );
        }
        // Only the canonical spelling counts, so IDs stay greppable and unique.
        match ActionId::parse_with_prefix(&action.id, &entry.id.prefix) {
            Ok(id) if id.incident == entry.id && id.to_string() == action.id => {}
            Ok(id) if id.incident != entry.id => out.error(
                &at,
                format!(
                    "action ID {} does not belong to {}: use {}.A<n>",
                    action.id, entry.id, entry.id
                ),
            ),
            _ => out.error(
                &at,
                format!(
                    "invalid action ID {:?}: expected {}.A<n>, like {}.A1",
                    action.id, entry.id, entry.id
                ),
            ),
        }
        if action.title.trim().is_empty() {
            out.error(
                &[Step::Key("action"), Step::Index(i), Step::Key("title")],
                format!("action {} has an empty title", action.id),
            );
        }
        let missing: Vec<&str> = [
            ("owner", blank(&action.owner)),
            ("due date", action.due.is_none()),
        ]
        .into_iter()
        .filter_map(|(what, missing)| missing.then_some(what))
        .collect();
        if !missing.is_empty() && action.status.is_open() {
            let key = if blank(&action.owner) { "owner" } else { "due" };
            out.warning(
                &[Step::Key("action"), Step::Index(i), Step::Key(key)],
                format!(
                    "action {} has no {}: an item nobody owns by a date rarely gets done",
                    action.id,
                    missing.join(" and no ")
                ),
            );
        }
    }
}

/// Lists are sets, and links are web pages.
fn check_lists(pm: &Postmortem, out: &mut FileFindings<'_>) {
    for (field, items) in [
        ("participants", &pm.participants),
        ("root_cause.whys", &pm.root_cause.whys),
        ("contributing_factors", &pm.contributing_factors),
        ("mental_models", &pm.mental_models),
        ("went_well", &pm.went_well),
        ("went_wrong", &pm.went_wrong),
        ("where_lucky", &pm.where_lucky),
        ("kpt.keep", &pm.kpt.keep),
        ("kpt.problem", &pm.kpt.problem),
        ("kpt.try", &pm.kpt.try_),
        ("lessons", &pm.lessons),
        ("links", &pm.links),
    ] {
        warn_on_repeats(out, field, items);
    }
    error_on_bad_links(out, &[Step::Key("links")], "link", &pm.links);
    for (i, action) in pm.action.iter().enumerate() {
        if let Some(link) = action.link.as_deref().filter(|l| !l.is_empty())
            && !is_web_url(link)
        {
            out.error(
                &[Step::Key("action"), Step::Index(i), Step::Key("link")],
                format!(
                    "invalid link of action {}: {}",
                    action.id,
                    link::problem(link)
                ),
            );
        }
    }
}

/// What publishing requires.
fn check_complete(pm: &Postmortem, out: &mut FileFindings<'_>) {
    // An empty key is pointed at; an absent one at `status`, which asks for it.
    let at = |value: &Option<String>, key: Vec<Step<'static>>| match value {
        Some(_) => key,
        None => vec![Step::Key("status")],
    };
    let required = [
        (
            blank(&pm.owner),
            at(&pm.owner, vec![Step::Key("owner")]),
            "an owner",
        ),
        (
            blank(&pm.summary),
            at(&pm.summary, vec![Step::Key("summary")]),
            "a summary",
        ),
        (
            blank(&pm.root_cause.statement),
            at(
                &pm.root_cause.statement,
                vec![Step::Key("root_cause"), Step::Key("statement")],
            ),
            "a root cause statement (root_cause.statement)",
        ),
        (
            pm.action.is_empty(),
            vec![Step::Key("status")],
            "any action item (`git incident action add`)",
        ),
    ];
    for (missing, at, what) in required {
        if missing {
            out.error(&at, format!("published postmortem is missing {what}"));
        }
    }
}

fn check_practices(pm: &Postmortem, out: &mut FileFindings<'_>) {
    let kinds: Vec<ActionKind> = pm.action.iter().map(|a| a.kind).collect();
    if kinds.contains(&ActionKind::Prevent)
        && !kinds
            .iter()
            .any(|k| matches!(k, ActionKind::Detect | ActionKind::Mitigate))
    {
        let what = if kinds.iter().all(|k| *k == ActionKind::Prevent) {
            "every action item is `prevent`"
        } else {
            "no action item is `detect` or `mitigate`"
        };
        out.warning(
            &[Step::Key("action"), Step::Index(0), Step::Key("kind")],
            format!("{what}: add a `detect` or `mitigate` item so the next occurrence is noticed sooner and contained faster"),
        );
    }
    let whys = pm.root_cause.whys.len();
    let reviewing = pm.status != PostmortemStatus::Draft;
    if whys < MIN_WHYS && (whys > 0 || reviewing) {
        out.warning(
            &[Step::Key("root_cause"), Step::Key("whys")],
            format!(
                "the 5 Whys chain has {whys} step(s): keep asking why (at least {MIN_WHYS}) until you reach a cause in the system"
            ),
        );
    }
    let mut texts: Vec<(Vec<Step<'_>>, &str)> = pm
        .root_cause
        .whys
        .iter()
        .enumerate()
        .map(|(i, why)| {
            (
                vec![Step::Key("root_cause"), Step::Key("whys"), Step::Index(i)],
                why.as_str(),
            )
        })
        .collect();
    if let Some(statement) = &pm.root_cause.statement {
        texts.push((
            vec![Step::Key("root_cause"), Step::Key("statement")],
            statement.as_str(),
        ));
    }
    for (at, text) in texts {
        if let Some(name) = pm.participants.iter().find(|name| mentions(text, name)) {
            out.warning(
                &at,
                format!(
                    "the root cause names {name}: keep it blameless, describe what in the system let it happen"
                ),
            );
        }
    }
}

/// Whether `text` mentions `name`, case-insensitively. An ASCII name must stand as a
/// word, so "Al" is not found in "alert"; other scripts (Japanese names) have no word
/// boundaries and match anywhere.
pub fn mentions(text: &str, name: &str) -> bool {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    if !name.is_ascii() {
        return text.contains(&name);
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(&name).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + name.len()..].chars().next();
        !is_word(before) && !is_word(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Level;
    use crate::model::IncidentId;

    fn entry() -> IncidentEntry {
        let id = IncidentId::new("INC", 1);
        IncidentEntry {
            dir: crate::store::layout::incident_dir(2026, &id),
            id,
            year: 2026,
            tree: crate::store::Oid::ZERO_SHA1,
        }
    }

    const COMPLETE: &str = r#"schema_version = 1
incident = "INC-1"
status = "published"
owner = "pat"
participants = ["Carol Smith", "dave"]
summary = "Payments were charged twice."
root_cause.whys = ["Why twice? Retries.", "Why retried? Timeout.", "Why no key? Not designed."]
root_cause.statement = "The charge endpoint had no idempotency key."

[[action]]
id = "INC-1.A1"
title = "Idempotency keys"
kind = "prevent"
owner = "carol"
due = 2026-12-01
status = "open"

[[action]]
id = "INC-1.A2"
title = "Alert on duplicate charges"
kind = "detect"
owner = "dave"
due = 2026-11-30
status = "open"
"#;

    fn findings(text: &str) -> Vec<String> {
        check_postmortem(&entry(), text)
            .1
            .iter()
            .map(|f| f.to_string())
            .collect()
    }

    /// The findings of COMPLETE with `from` replaced by `to`.
    fn with(from: &str, to: &str) -> Vec<String> {
        assert!(COMPLETE.contains(from), "{from}");
        findings(&COMPLETE.replacen(from, to, 1))
    }

    fn has(findings: &[String], expected: &str) -> bool {
        findings.iter().any(|f| f.contains(expected))
    }

    #[test]
    fn a_complete_postmortem_has_no_findings() {
        assert_eq!(findings(COMPLETE), Vec::<String>::new());
    }

    #[test]
    fn schema_violations_and_unknown_values_are_errors_with_lines() {
        let f = with("kind = \"detect\"", "kind = \"observe\"");
        assert!(
            f[0].starts_with("incidents/2026/INC-1/postmortem.toml:21: error:"),
            "{f:?}"
        );
        let f = with("status = \"published\"", "status = \"done\"");
        assert!(f[0].contains(":3: error:"), "{f:?}");
        let f = with("owner = \"pat\"", "ownr = \"pat\"");
        assert!(has(&f, "error:"), "{f:?}");
        assert!(has(&findings("status = ["), "error:"));
    }

    #[test]
    fn incident_must_match_the_directory() {
        let f = with("incident = \"INC-1\"", "incident = \"INC-2\"");
        assert_eq!(
            f,
            [
                "incidents/2026/INC-1/postmortem.toml:2: error: incident \"INC-2\" does not match its directory INC-1"
            ]
        );
    }

    #[test]
    fn action_ids_are_unique_and_belong_to_the_incident() {
        let f = with("id = \"INC-1.A2\"", "id = \"INC-1.A1\"");
        assert!(has(&f, ":19: error: duplicate action ID INC-1.A1"), "{f:?}");
        let f = with("id = \"INC-1.A2\"", "id = \"INC-9.A2\"");
        assert!(has(
            &f,
            ":19: error: action ID INC-9.A2 does not belong to INC-1"
        ));
        let f = with("id = \"INC-1.A2\"", "id = \"INC-1.B2\"");
        assert!(has(&f, "error: invalid action ID \"INC-1.B2\""), "{f:?}");
    }

    #[test]
    fn a_published_postmortem_must_be_complete() {
        for (from, to, message) in [
            ("owner = \"pat\"\n", "", "missing an owner"),
            (
                "summary = \"Payments were charged twice.\"",
                "summary = \" \"",
                "missing a summary",
            ),
            (
                "root_cause.statement = \"The charge endpoint had no idempotency key.\"",
                "",
                "missing a root cause statement",
            ),
        ] {
            let f = with(from, to);
            assert!(
                has(&f, &format!("error: published postmortem is {message}")),
                "{f:?}"
            );
        }
        let no_actions = COMPLETE.split("\n[[action]]").next().unwrap();
        assert!(has(
            &findings(no_actions),
            ":3: error: published postmortem is missing any action item"
        ));
        // A draft may be incomplete.
        let draft = no_actions
            .replace("published", "draft")
            .replace("owner = \"pat\"\n", "");
        assert!(!findings(&draft).iter().any(|f| f.contains("error")));
    }

    #[test]
    fn warns_when_every_action_prevents() {
        let f = with("kind = \"detect\"", "kind = \"prevent\"");
        assert!(
            has(&f, ":13: warning: every action item is `prevent`"),
            "{f:?}"
        );
        assert!(!has(
            &with("kind = \"detect\"", "kind = \"mitigate\""),
            "warning"
        ));
        let f = with("kind = \"detect\"", "kind = \"process\"");
        assert!(
            has(&f, ":13: warning: no action item is `detect` or `mitigate`"),
            "{f:?}"
        );
    }

    #[test]
    fn warns_on_a_short_whys_chain() {
        let short = with(", \"Why no key? Not designed.\"", "");
        assert!(
            has(&short, ":7: warning: the 5 Whys chain has 2 step(s)"),
            "{short:?}"
        );
        let empty_draft = COMPLETE
            .replace("published", "draft")
            .replace("root_cause.whys = [\"Why twice? Retries.\", \"Why retried? Timeout.\", \"Why no key? Not designed.\"]", "root_cause.whys = []");
        assert!(!has(&findings(&empty_draft), "5 Whys"));
        let empty_review = empty_draft.replace("\"draft\"", "\"in_review\"");
        assert!(has(
            &findings(&empty_review),
            "the 5 Whys chain has 0 step(s)"
        ));
    }

    #[test]
    fn warns_when_the_root_cause_names_a_participant() {
        let f = with(
            "had no idempotency key",
            "had no key because carol smith forgot it",
        );
        assert!(
            has(&f, ":8: warning: the root cause names Carol Smith"),
            "{f:?}"
        );
        let f = with("Why retried? Timeout.", "Why retried? DAVE retried.");
        assert!(has(&f, ":7: warning: the root cause names dave"), "{f:?}");
        // A name inside another word is not a mention.
        assert!(!has(
            &with("Why retried? Timeout.", "Why? daveloper tools"),
            "names"
        ));
    }

    #[test]
    fn warns_on_open_action_items_without_owner_or_due_date() {
        let f = with("owner = \"dave\"\n", "");
        assert!(
            has(&f, ":18: warning: action INC-1.A2 has no owner"),
            "{f:?}"
        );
        let f = with("due = 2026-11-30\n", "");
        assert!(
            has(&f, ":18: warning: action INC-1.A2 has no due date"),
            "{f:?}"
        );
        // Finished items need neither.
        let done = with("due = 2026-11-30\nstatus = \"open\"", "status = \"done\"");
        assert!(!has(&done, "no due date"), "{done:?}");
    }

    #[test]
    fn levels() {
        let (_, f) = check_postmortem(
            &entry(),
            &COMPLETE.replace("kind = \"detect\"", "kind = \"prevent\""),
        );
        assert!(f.iter().all(|f| f.level == Level::Warning));
    }

    #[test]
    fn mentions_respects_word_boundaries_for_ascii_names() {
        assert!(mentions("Pat deployed", "pat"));
        assert!(!mentions("the alert fired", "al"));
        assert!(mentions("田中さんが設定を変更した", "田中"));
        assert!(!mentions("anything", " "));
    }
}
