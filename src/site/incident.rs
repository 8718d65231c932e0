//! One incident's page: its facts, times with durations, timeline with evidence,
//! related incidents and changes, then its postmortem as a document. Nothing on it
//! depends on "now", so it changes only when the incident (or config.toml) does.

use chrono::DateTime;

use crate::metrics::IncidentFacts;
use crate::model::time::format_duration;
use crate::model::{Config, Incident, IncidentId, Postmortem, TimeKey, Timestamp, Zone};
use crate::render::incident::{durations, full_time, short_time};
use crate::render::postmortem::{Words, markdown, words};
use crate::site::html::{esc, link, paragraphs};
use crate::site::i18n::{self, Chrome};
use crate::site::layout::{Frame, Nav};
use crate::site::markdown::to_html;

pub struct IncidentPage<'a> {
    pub config: &'a Config,
    pub zone: Zone,
    pub incident: Incident,
    pub postmortem: Option<Postmortem>,
    /// postmortem.toml's problem, when it does not parse.
    pub postmortem_error: Option<String>,
    /// The incident as metrics see it: the times its file leaves out, from history.
    pub facts: &'a IncidentFacts,
    /// Where `changes` leads: commits with subject and author, requests on the forge.
    pub changes: crate::model::change::LinkedChanges,
    pub base_url: Option<&'a str>,
}

/// The incident's times with the ones its file leaves out taken from history, and which
/// those are.
fn with_history(
    incident: &Incident,
    facts: &IncidentFacts,
    zone: Zone,
) -> (Incident, Vec<TimeKey>) {
    let mut filled = incident.clone();
    let mut from_history = Vec::new();
    for key in TimeKey::ALL {
        let slot = filled.times.slot_mut(key);
        if slot.is_none()
            && let Some(utc) = facts
                .times
                .get(key)
                .and_then(|t| DateTime::from_timestamp(t, 0))
        {
            *slot = Some(Timestamp(zone.convert(utc.fixed_offset())));
            from_history.push(key);
        }
    }
    (filled.chronological(), from_history)
}

fn row(out: &mut String, label: &str, value_html: &str) {
    out.push_str(&format!(
        "<tr><th scope=\"row\">{}</th><td>{value_html}</td></tr>\n",
        esc(label)
    ));
}

fn list(values: &[String]) -> String {
    esc(&values.join(", "))
}

/// Each role that changed hands, one line each: `commander: ana 10:05–11:30, kenji
/// 11:30–` (times in the team's zone; a start nothing recorded is left out).
fn hand_offs(incident: &Incident, zone: Zone) -> String {
    let time = |t: Option<Timestamp>| t.map_or(String::new(), |t| short_time(t, zone));
    crate::model::roles::roles_held(incident)
        .chunk_by(|a, b| a.role == b.role)
        .filter(|holders| holders.len() > 1)
        .map(|holders| {
            let who: Vec<String> = holders
                .iter()
                .map(|h| format!("{} {}–{}", h.who, time(h.from), time(h.until)))
                .collect();
            esc(&format!("{}: {}", holders[0].role, who.join(", ")))
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A change (commit, tag or pull request URL): a link when it is a web URL.
fn change(linked: &crate::model::change::LinkedChange) -> String {
    match (&linked.url, &linked.commit) {
        (Some(url), None) => link(url, &linked.value),
        (_, Some(_)) => esc(&crate::render::incident::describe_change(linked)),
        (None, None) => format!("<code>{}</code>", esc(&linked.value)),
    }
}

pub fn render(page: &IncidentPage<'_>) -> String {
    let language = page.config.language;
    let c = i18n::chrome(language);
    let w = words(language);
    let zone = page.zone;
    let (incident, from_history) = with_history(&page.incident, page.facts, zone);
    // People as the CLI shows them: handles where config.toml knows them.
    let incident = crate::ops::incident::with_handles(page.config, incident);
    let title = format!("{}: {}", incident.id, incident.title);
    let mut body = String::new();
    body.push_str(&format!(
        "<article class=\"incident\" data-id=\"{}\">\n<h1>{}</h1>\n",
        esc(&incident.id),
        esc(&title)
    ));
    body.push_str(&format!(
        "<section>\n<h2>{}</h2>\n<table class=\"facts\">\n",
        esc(c.facts)
    ));
    row(
        &mut body,
        c.severity,
        &format!("<span class=\"sev\">{}</span>", esc(&incident.severity)),
    );
    row(
        &mut body,
        c.status,
        &esc(i18n::status(language, incident.status)),
    );
    if let Some(commander) = &incident.commander {
        row(&mut body, w.commander, &esc(commander));
    }
    if !incident.roles.is_empty() {
        let roles: Vec<String> = incident
            .roles
            .iter()
            .map(|(r, who)| format!("{r}: {who}"))
            .collect();
        row(&mut body, c.roles, &list(&roles));
    }
    let hand_offs = hand_offs(&incident, zone);
    if !hand_offs.is_empty() {
        row(&mut body, c.hand_offs, &hand_offs);
    }
    for (label, values) in [
        (c.services, &incident.services),
        (c.teams, &incident.teams),
        (c.labels, &incident.labels),
    ] {
        if !values.is_empty() {
            row(&mut body, label, &list(values));
        }
    }
    if let Some(detection) = incident.detection {
        row(&mut body, c.detection, &esc(detection.as_str()));
    }
    if incident.drill {
        row(&mut body, c.drill, &esc(c.yes));
    }
    body.push_str("</table>\n</section>\n");
    body.push_str(&times(c, w, &incident, &from_history, zone));
    for (label, text) in [
        (w.summary, &incident.summary),
        (c.customer_impact, &incident.customer_impact),
    ] {
        if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
            body.push_str(&format!(
                "<section>\n<h2>{}</h2>\n{}</section>\n",
                esc(label),
                paragraphs(text)
            ));
        }
    }
    if !incident.timeline.is_empty() {
        body.push_str(&timeline(w, &incident, zone));
    }
    body.push_str(&related(c, w, &incident, &page.changes));
    body.push_str(&postmortem_section(page, c, &incident));
    body.push_str("</article>\n");
    let path = format!("incidents/{}.html", incident.id);
    Frame {
        chrome: c,
        nav: Nav::Incident,
        path: &path,
        base_url: page.base_url,
        title: &title,
        script: None,
    }
    .page(&body)
}

fn times(
    c: &Chrome,
    w: &Words,
    incident: &Incident,
    from_history: &[TimeKey],
    zone: Zone,
) -> String {
    let known: Vec<(TimeKey, Timestamp)> = incident.times.known().collect();
    if known.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<section>\n<h2>{}</h2>\n<table class=\"facts\">\n",
        esc(c.times)
    );
    for (key, t) in known {
        let mut value = format!(
            "<time datetime=\"{}\">{}</time>",
            esc(&t.to_string()),
            esc(&full_time(t, zone))
        );
        if from_history.contains(&key) {
            value.push_str(&format!(" <small>({})</small>", esc(c.from_history)));
        }
        row(&mut out, w.times.get(key), &value);
    }
    let names = [
        "time to detect",
        "time to acknowledge",
        "time to mitigate",
        "time to resolve",
    ];
    for (name, from, to, seconds) in durations(incident) {
        let index = names.iter().position(|n| *n == name).unwrap_or(0);
        let value = format!(
            "<span data-seconds=\"{seconds}\">{}</span> <small>({} → {})</small>",
            esc(&format_duration(seconds)),
            esc(w.times.get(from)),
            esc(w.times.get(to))
        );
        row(&mut out, w.durations[index], &value);
    }
    out.push_str("</table>\n</section>\n");
    out
}

fn timeline(w: &Words, incident: &Incident, zone: Zone) -> String {
    let mut out = format!(
        "<section>\n<h2>{}</h2>\n<div class=\"scroll\"><table class=\"timeline\">\n<thead><tr>",
        esc(w.timeline)
    );
    for column in w.timeline_columns {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(column)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for entry in incident.timeline_in_order() {
        let evidence: Vec<String> = entry
            .links
            .iter()
            .enumerate()
            .map(|(i, url)| link(url, &(i + 1).to_string()))
            .collect();
        let [when, kind, who, what, links] = w.timeline_columns.map(esc);
        out.push_str(&format!(
            "<tr class=\"kind-{}\"><td class=\"when\" data-label=\"{when}\"><time datetime=\"{}\">{}</time></td><td class=\"kind\" data-label=\"{kind}\">{}</td><td class=\"who\" data-label=\"{who}\">{}</td><td class=\"what\" data-label=\"{what}\">{}</td><td class=\"links\" data-label=\"{links}\">{}</td></tr>\n",
            entry.kind.as_str(),
            esc(&entry.at.to_string()),
            esc(&short_time(entry.at, zone)),
            esc(entry.kind.as_str()),
            esc(entry.author.as_deref().unwrap_or_default()),
            esc(entry.text.trim()).replace('\n', "<br>"),
            evidence.join(" ")
        ));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn related(
    c: &Chrome,
    w: &Words,
    incident: &Incident,
    linked: &crate::model::change::LinkedChanges,
) -> String {
    let changes = &incident.changes;
    if incident.related.is_empty() && changes.caused_by.is_empty() && changes.fixed_by.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<section>\n<h2>{}</h2>\n<table class=\"facts\">\n",
        esc(c.related)
    );
    if !incident.related.is_empty() {
        let links: Vec<String> = incident
            .related
            .iter()
            .map(|id| match id.trim().parse::<IncidentId>() {
                // A valid ID is also a safe file name.
                Ok(id) => format!("<a href=\"{id}.html\">{id}</a>"),
                Err(_) => esc(id),
            })
            .collect();
        row(&mut out, w.incident, &links.join(", "));
    }
    for (label, values) in [
        (c.caused_by, &linked.caused_by),
        (c.fixed_by, &linked.fixed_by),
    ] {
        if !values.is_empty() {
            let cells: Vec<String> = values.iter().map(change).collect();
            row(&mut out, label, &cells.join("<br>"));
        }
    }
    out.push_str("</table>\n</section>\n");
    out
}

fn postmortem_section(page: &IncidentPage<'_>, c: &Chrome, incident: &Incident) -> String {
    let mut out = String::from("<section id=\"postmortem\" class=\"postmortem\">\n");
    match (&page.postmortem, &page.postmortem_error) {
        (Some(pm), _) => {
            // The timeline is on the page already, just above.
            let without_timeline = Incident {
                timeline: Vec::new(),
                ..incident.clone()
            };
            out.push_str(&to_html(&markdown(
                page.config,
                &without_timeline,
                &crate::ops::postmortem::with_handles(page.config, pm.clone()),
                page.zone,
            )));
        }
        (None, Some(error)) => {
            out.push_str(&format!(
                "<h2>{}</h2>\n<p class=\"error\">{}</p>\n",
                esc(c.postmortem),
                esc(error)
            ));
        }
        (None, None) => {
            out.push_str(&format!(
                "<h2>{}</h2>\n<p>{}</p>\n",
                esc(c.postmortem),
                esc(c.no_postmortem)
            ));
        }
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Language;
    use crate::model::change::{CodeCommit, LinkedChange, LinkedChanges};
    use crate::store::{IncidentEntry, Oid};

    const INCIDENT: &str = r#"
schema_version = 1
id = "INC-7"
uid = "4f1c"
title = "Checkout charged <some> cards twice"
severity = "SEV2"
status = "resolved"
summary = "Retried payments charged cards twice."
services = ["checkout"]
related = ["INC-3", "../etc"]
[changes]
caused_by = ["a1b2c3d", "javascript:alert(1)"]
fixed_by = ["https://git.example/shop/pull/9"]
[times]
started = 2026-11-20T09:50:00+09:00
detected = 2026-11-20T10:00:00+09:00
mitigated = 2026-11-20T10:40:00+09:00
[[timeline]]
at = 2026-11-20T10:00:00+09:00
kind = "alert"
text = "Duplicate-charge alert fired"
author = "ana"
links = ["https://alerts.example/1", "javascript:alert(2)"]
"#;

    const POSTMORTEM: &str = r#"
schema_version = 1
incident = "INC-7"
status = "in_review"
owner = "ana"
summary = "For 50 minutes, retried payment requests charged cards twice."
root_cause.statement = "Charge requests were not idempotent."
[[action]]
id = "INC-7.A1"
title = "Idempotency keys on /charge"
kind = "prevent"
owner = "carol"
status = "open"
link = "javascript:alert(3)"
"#;

    fn page(language: Language) -> String {
        let config = Config {
            language,
            ..Config::default()
        };
        page_with(&config, INCIDENT)
    }

    fn page_with(config: &Config, incident: &str) -> String {
        let incident: Incident = toml::from_str(incident).expect("fixture incident");
        let postmortem: Postmortem = toml::from_str(POSTMORTEM).expect("fixture postmortem");
        let entry = IncidentEntry {
            id: "INC-7".parse().expect("id"),
            year: 2026,
            dir: "incidents/2026/INC-7".to_string(),
            tree: Oid::ZERO_SHA1,
        };
        let mut facts = crate::history::facts::from_files(&entry, &incident, Some(&postmortem));
        // Resolved by a commit that wrote no time: history says when.
        facts.times.resolved = Some(1_795_143_600);
        let linked = |value: &str, kind, url: Option<&str>, commit| LinkedChange {
            value: value.to_string(),
            kind,
            url: url.map(str::to_string),
            commit,
            before_started: Some(2 * 86_400),
        };
        let cause = CodeCommit {
            id: "a1b2c3d".repeat(5) + "00000",
            short_id: "a1b2c3d".to_string(),
            subject: "Retry <charges> on timeout".to_string(),
            author: "alice".to_string(),
            time: 1_795_000_000,
        };
        let fix = "https://git.example/shop/pull/9";
        let changes = LinkedChanges {
            caused_by: vec![
                linked(&cause.id.clone(), "commit", None, Some(cause)),
                linked("javascript:alert(1)", "invalid", None, None),
            ],
            fixed_by: vec![linked(fix, "url", Some(fix), None)],
        };
        render(&IncidentPage {
            config,
            zone: Zone::Named(chrono_tz::Asia::Tokyo),
            changes,
            incident,
            postmortem: Some(postmortem),
            postmortem_error: None,
            facts: &facts,
            base_url: None,
        })
    }

    #[test]
    fn incident_page() {
        insta::assert_snapshot!(page(Language::En));
    }

    #[test]
    fn incident_page_in_japanese() {
        let html = page(Language::Ja);
        for label in [
            "影響開始",
            "解決までの時間",
            "タイムライン",
            "関連インシデントと変更",
        ] {
            assert!(html.contains(label), "{label}");
        }
    }

    #[test]
    fn people_show_as_handles_as_in_the_cli() {
        let config = Config {
            person: vec![crate::model::config::Person {
                handle: "pat".to_string(),
                name: Some("Pat Example".to_string()),
                emails: Vec::new(),
            }],
            ..Config::default()
        };
        let html = page_with(
            &config,
            &INCIDENT.replace("author = \"ana\"", "author = \"Pat Example\""),
        );
        assert!(html.contains("data-label=\"Who\">pat</td>"), "{html}");
        assert!(!html.contains("Pat Example"), "{html}");
    }

    #[test]
    fn only_web_links_and_valid_ids_become_links() {
        let html = page(Language::En);
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("<a href=\"INC-3.html\">INC-3</a>"), "{html}");
        assert!(!html.contains("href=\"../etc"), "{html}");
        assert!(html.contains("&lt;some&gt;"), "{html}");
    }
}
