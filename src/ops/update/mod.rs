//! Stakeholder updates: a draft written from the incident's facts through a template
//! per audience and language (the team's own from the branch, else ours), and its
//! record in the timeline as a `communication` entry.

use crate::error::{Error, Result};
use crate::model::config::NotifyEvent;
use crate::model::{
    Audience, Config, Incident, IncidentId, Language, TimelineEntry, TimelineKind, Timestamp,
};
use crate::render::safe;
use crate::store::{Oid, Snapshot, Store, Written};

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "id",
    "title",
    "severity",
    "status",
    "since",
    "services",
    "customer_impact",
    "summary",
    "next_update",
];

/// Where a team's own template lives on the branch: `templates/update-cs.en.md`.
pub fn template_path(audience: Audience, language: Language) -> String {
    format!("templates/update-{audience}.{}.md", language_code(language))
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Ja => "ja",
    }
}

fn built_in(audience: Audience, language: Language) -> &'static str {
    match (audience, language) {
        (Audience::Cs, Language::En) => include_str!("templates/update-cs.en.md"),
        (Audience::Cs, Language::Ja) => include_str!("templates/update-cs.ja.md"),
        (Audience::Customers, Language::En) => include_str!("templates/update-customers.en.md"),
        (Audience::Customers, Language::Ja) => include_str!("templates/update-customers.ja.md"),
        (Audience::Internal, Language::En) => include_str!("templates/update-internal.en.md"),
        (Audience::Internal, Language::Ja) => include_str!("templates/update-internal.ja.md"),
    }
}

/// What a placeholder says when the incident does not know it yet.
struct Words {
    not_known: &'static str,
    being_assessed: &'static str,
    when_news: &'static str,
    no_more: &'static str,
    separator: &'static str,
}

const EN: Words = Words {
    not_known: "not yet known",
    being_assessed: "being assessed",
    when_news: "as soon as we know more",
    no_more: "none planned: this is the last update",
    separator: ", ",
};

const JA: Words = Words {
    not_known: "調査中",
    being_assessed: "確認中",
    when_news: "新しい情報が入り次第",
    no_more: "予定なし(最終のお知らせです)",
    separator: "、",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Ja => &JA,
    }
}

/// A drafted update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// Where the template came from: its path on the branch, or `None` for ours.
    pub template: Option<String>,
    /// Placeholders the template names that are not ours, kept as written.
    pub unknown: Vec<String>,
}

/// Drafts the update for `audience` from `incident` as it stands at `now`.
pub fn draft(
    snapshot: &Snapshot<'_>,
    config: &Config,
    incident: &Incident,
    audience: Audience,
    now: Timestamp,
) -> Result<Draft> {
    let path = template_path(audience, config.language);
    let own = snapshot.read(&path)?;
    let template = own
        .as_deref()
        .unwrap_or(built_in(audience, config.language));
    let values = values(config, incident, audience, now)?;
    let (text, unknown) = fill(template, &values);
    Ok(Draft {
        text,
        template: own.map(|_| path),
        unknown,
    })
}

/// Each placeholder's value. Values are user text headed for chat, a status page and
/// terminals: control characters are escaped (`\e`), as everywhere we show such text.
fn values(
    config: &Config,
    incident: &Incident,
    audience: Audience,
    now: Timestamp,
) -> Result<Vec<(&'static str, String)>> {
    let zone = config.zone()?;
    let words = words(config.language);
    let line = |text: &str| safe::line(text.trim()).into_owned();
    let block = |text: Option<&String>, otherwise: &str| {
        text.map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map_or(otherwise.to_string(), |t| safe::block(t).into_owned())
    };
    let since = incident
        .times
        .detected
        .or(incident.times.started)
        .map_or(words.not_known.to_string(), |t| zone.wall(t.0));
    let services = match incident.services.as_slice() {
        [] => words.not_known.to_string(),
        services => line(&services.join(words.separator)),
    };
    let next_update = if !incident.status.is_open() {
        words.no_more.to_string()
    } else {
        match next_update_every(incident, audience) {
            Some(seconds) => zone.wall(now.0 + chrono::Duration::seconds(seconds)),
            None => words.when_news.to_string(),
        }
    };
    Ok(vec![
        ("id", incident.id.clone()),
        ("title", line(&incident.title)),
        ("severity", line(&incident.severity)),
        (
            "status",
            crate::site::i18n::status(config.language, incident.status).to_string(),
        ),
        ("since", since),
        ("services", services),
        (
            "customer_impact",
            block(incident.customer_impact.as_ref(), words.being_assessed),
        ),
        ("summary", block(incident.summary.as_ref(), words.not_known)),
        ("next_update", next_update),
    ])
}

/// How soon the next update is due, in seconds: the `every` of the task this audience's
/// updates do, else the shortest `every` of any task; `None` without a repeating task.
pub fn next_update_every(incident: &Incident, audience: Audience) -> Option<i64> {
    crate::model::flow::task_for(incident, audience)
        .and_then(|task| task.every_seconds())
        .or_else(|| incident.task.iter().filter_map(|t| t.every_seconds()).min())
}

/// `template` with each `{{name}}` (spaces inside allowed) replaced by its value; an
/// unknown name is kept as written and returned, once each, so a typo shows.
fn fill(template: &str, values: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len() + 256);
    let mut unknown: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[start..];
            break;
        };
        let name = after[..end].trim();
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                out.push_str(&rest[start..start + 2 + end + 2]);
                if !unknown.iter().any(|u| u == name) {
                    unknown.push(name.to_string());
                }
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    (out, unknown)
}

/// What recording an update wrote.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: IncidentId,
    pub at: Timestamp,
    /// The task the update did, if one of the incident's tasks is for its audience.
    pub task: Option<String>,
}

/// How an update left: by hand (`None`), or through the webhook (`Some(taken)`).
pub type Posted = Option<bool>;

/// Records `text` as a `communication` to `audience` at `at` (default: now, the
/// commit's time). It does the incident's first task for that audience unless the
/// webhook refused it: a draft nobody received does not keep anyone informed.
pub fn record(
    store: &Store,
    id: &str,
    audience: Audience,
    text: &str,
    at: Option<&str>,
    links: &[String],
    posted: Posted,
) -> Result<Written<Recorded>> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("the update is empty"));
    }
    crate::ops::incident::require_web_links(links)?;
    crate::ops::incident::update(store, id, |edit| {
        let at = edit.at("communication", at)?;
        let task = crate::model::flow::task_for(&edit.current, audience)
            .filter(|_| posted != Some(false))
            .map(|task| task.id.clone());
        edit.push_timeline(TimelineEntry {
            links: links.to_vec(),
            task: task.clone(),
            audience: Some(audience),
            posted,
            ..TimelineEntry::new(at, TimelineKind::Communication, text.to_string())
        })?;
        let subject = match posted {
            Some(true) => format!("update posted to {audience}"),
            Some(false) => format!("update to {audience} recorded, the webhook did not take it"),
            None => format!(
                "timeline + communication to {audience} {:?}",
                crate::ops::incident::short(text, 50)
            ),
        };
        let recorded = Recorded {
            id: edit.id.clone(),
            at,
            task,
        };
        Ok((subject, recorded))
    })
}

/// What a change notification needs after the write at `commit`: the config, the
/// incident as written and its one-line message; `None` when no `[[notify]]` listens
/// for `event` or the change did not happen.
pub fn change_notice(
    store: &Store,
    commit: Oid,
    id: &IncidentId,
    event: NotifyEvent,
) -> Result<Option<(Config, Incident, String)>> {
    let after = store.snapshot_after(Some(commit))?;
    let config = after.config()?;
    if !config
        .notify
        .iter()
        .any(|notify| notify.on.contains(&event))
    {
        return Ok(None);
    }
    let incident = after.incident(&after.require(id)?)?.value;
    let before = match event {
        NotifyEvent::New => None,
        NotifyEvent::Status | NotifyEvent::Severity => {
            let parent = store.snapshot_at(&format!("{commit}^"))?;
            match parent.locate(id)? {
                Some(entry) => Some(parent.incident(&entry)?.value),
                None => None,
            }
        }
    };
    let line = crate::notify::change_line(event, before.as_ref(), &incident);
    Ok(line.map(|line| (config, incident, line)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Step;

    fn values() -> Vec<(&'static str, String)> {
        vec![("title", "Payments".into()), ("status", "mitigated".into())]
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept_and_named_once() {
        let (text, unknown) = fill(
            "{{title}} is {{ status }}; {{eta}} {{eta}} {{ nope }} {{unclosed",
            &values(),
        );
        assert_eq!(
            text,
            "Payments is mitigated; {{eta}} {{eta}} {{ nope }} {{unclosed"
        );
        assert_eq!(unknown, ["eta", "nope"]);
    }

    #[test]
    fn the_next_update_follows_the_audiences_task_else_the_most_frequent_one() {
        let task = |id: &str, every: Option<&str>, audience: Option<Audience>| Step {
            every: every.map(Into::into),
            audience,
            ..Step::new(id, id.into())
        };
        let mut incident: Incident = toml::from_str(
            "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"t\"\nseverity = \"SEV1\"\nstatus = \"investigating\"\n",
        )
        .unwrap();
        assert_eq!(next_update_every(&incident, Audience::Cs), None);
        incident.task = vec![
            task("T1", None, None),
            task("T2", Some("1h"), Some(Audience::Internal)),
            task("T3", Some("30m"), Some(Audience::Cs)),
            task("T4", None, Some(Audience::Customers)),
        ];
        assert_eq!(next_update_every(&incident, Audience::Internal), Some(3600));
        assert_eq!(next_update_every(&incident, Audience::Cs), Some(1800));
        assert_eq!(
            next_update_every(&incident, Audience::Customers),
            Some(1800),
            "its task does not repeat: the shortest every"
        );
    }

    #[test]
    fn every_built_in_template_uses_only_known_placeholders() {
        let known: Vec<(&str, String)> = PLACEHOLDERS.iter().map(|p| (*p, String::new())).collect();
        for audience in Audience::ALL {
            for language in [Language::En, Language::Ja] {
                let (_, unknown) = fill(built_in(*audience, language), &known);
                assert!(unknown.is_empty(), "{audience} {language:?}: {unknown:?}");
            }
        }
    }
}
