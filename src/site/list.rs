//! `index.html`: every incident, newest first, with filters and a search box whose
//! state lives in the URL (`index.html?q=checkout&severity=SEV1`). Each row carries its
//! values in `data-` attributes for the page's script to filter on.

use std::collections::BTreeSet;

use crate::metrics::{IncidentFacts, day_of};
use crate::model::time::format_duration;
use crate::model::{Config, PostmortemStatus, Status, TimeKey, Zone};
use crate::site::html::esc;
use crate::site::i18n::{self, Chrome};
use crate::site::layout::{Frame, Nav};

/// What the filters' `data-` attributes hold for lists: values joined by this.
pub const LIST_SEPARATOR: &str = ",";

fn year(incident: &IncidentFacts, zone: Zone) -> String {
    match incident.times.detected {
        Some(t) => day_of(t, zone).format("%Y").to_string(),
        None => incident
            .dir
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_string(),
    }
}

/// `from -> to` in seconds, counting from detection when the start was not recorded,
/// as metrics do.
fn duration(incident: &IncidentFacts, to: TimeKey) -> Option<i64> {
    let t = &incident.times;
    let start = t.started.or(t.detected)?;
    let end = t.get(to)?;
    (end >= start).then_some(end - start)
}

fn select(out: &mut String, c: &Chrome, id: &str, label: &str, options: &[(String, String)]) {
    out.push_str(&format!(
        "<label>{}<select id=\"filter-{id}\" name=\"{id}\"><option value=\"\">{}</option>",
        esc(label),
        esc(c.any)
    ));
    for (value, text) in options {
        out.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            esc(value),
            esc(text)
        ));
    }
    out.push_str("</select></label>\n");
}

fn values<'a>(lists: impl Iterator<Item = &'a String>) -> Vec<(String, String)> {
    let set: BTreeSet<&String> = lists.collect();
    set.into_iter().map(|v| (v.clone(), v.clone())).collect()
}

/// `incidents` newest first.
pub fn render(
    config: &Config,
    zone: Zone,
    incidents: &[&IncidentFacts],
    base_url: Option<&str>,
) -> String {
    let language = config.language;
    let c = i18n::chrome(language);
    let mut body = format!("<h1>{}</h1>\n", esc(c.incidents));
    body.push_str("<form class=\"filters\" role=\"search\" onsubmit=\"return false\">\n");
    body.push_str(&format!(
        "<label class=\"q\">{}<input id=\"q\" type=\"search\" name=\"q\" placeholder=\"{}\" autocomplete=\"off\"></label>\n",
        esc(c.search),
        esc(c.search_placeholder)
    ));
    // `open` as `list --status open` means it: investigating, identified or mitigated.
    let mut statuses = vec![("open".to_string(), c.open.to_string())];
    for status in Status::ALL {
        statuses.push((
            status.as_str().to_string(),
            i18n::status(language, *status).to_string(),
        ));
    }
    select(&mut body, c, "status", c.status, &statuses);
    // config.toml's severities in its order, then any other an incident names.
    let mut severities: Vec<(String, String)> = Vec::new();
    let named = config.severity.iter().map(|s| &s.name);
    for name in named.chain(incidents.iter().map(|i| &i.severity)) {
        if !severities.iter().any(|(v, _)| v == name) {
            severities.push((name.clone(), name.clone()));
        }
    }
    select(&mut body, c, "severity", c.severity, &severities);
    select(
        &mut body,
        c,
        "service",
        c.service,
        &values(incidents.iter().flat_map(|i| &i.services)),
    );
    select(
        &mut body,
        c,
        "team",
        c.team,
        &values(incidents.iter().flat_map(|i| &i.teams)),
    );
    let mut years: Vec<String> = incidents
        .iter()
        .map(|i| year(i, zone))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    years.reverse();
    let years: Vec<(String, String)> = years.into_iter().map(|y| (y.clone(), y)).collect();
    select(&mut body, c, "year", c.year, &years);
    body.push_str(&format!(
        "<p class=\"count\"><output id=\"count\" aria-live=\"polite\">{}</output> / {} {}</p>\n",
        incidents.len(),
        incidents.len(),
        esc(c.shown)
    ));
    body.push_str("</form>\n");
    body.push_str("<div class=\"scroll\"><table class=\"incidents\">\n<thead><tr>");
    for column in [
        c.id,
        c.title,
        c.severity,
        c.status,
        c.detected,
        c.time_to_mitigate,
        c.time_to_resolve,
        c.services,
        c.postmortem,
    ] {
        body.push_str(&format!("<th scope=\"col\">{}</th>", esc(column)));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    for incident in incidents {
        row(&mut body, c, language, zone, incident);
    }
    body.push_str("</tbody>\n</table></div>\n");
    Frame {
        chrome: c,
        nav: Nav::Incidents,
        path: "index.html",
        base_url,
        title: c.site_title,
        script: Some("assets/site.js"),
    }
    .page(&body)
}

fn row(
    out: &mut String,
    c: &Chrome,
    language: crate::model::Language,
    zone: Zone,
    i: &IncidentFacts,
) {
    let id = esc(&i.id);
    let detected = i
        .times
        .detected
        .map(|t| day_of(t, zone).to_string())
        .unwrap_or_default();
    let pm = match i.postmortem.as_ref().map(|p| p.status) {
        Some(PostmortemStatus::Published) => {
            format!("<span class=\"pm-published\">{}</span>", esc(c.published))
        }
        Some(status) => format!(
            "<span class=\"pm-{status}\">{}</span>",
            esc(c.not_published)
        ),
        None => String::new(),
    };
    let seconds = |key| duration(i, key).map(format_duration).unwrap_or_default();
    out.push_str(&format!(
        "<tr class=\"incident\" data-id=\"{id}\" data-severity=\"{}\" data-status=\"{}\" data-services=\"{}\" data-team=\"{}\" data-year=\"{}\">",
        esc(&i.severity),
        i.status.as_str(),
        esc(&i.services.join(LIST_SEPARATOR)),
        esc(&i.teams.join(LIST_SEPARATOR)),
        esc(&year(i, zone)),
    ));
    out.push_str(&format!(
        "<td data-label=\"{}\"><a href=\"incidents/{id}.html\">{id}</a></td><td class=\"title\" data-label=\"{}\">{}{}</td><td data-label=\"{}\"><span class=\"sev\">{}</span></td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{pm}</td></tr>\n",
        esc(c.id),
        esc(c.title),
        if i.drill { format!("<span class=\"drill\">[{}]</span> ", esc(c.drill)) } else { String::new() },
        esc(&i.title),
        esc(c.severity),
        esc(&i.severity),
        esc(c.status),
        esc(i18n::status(language, i.status)),
        esc(c.detected),
        detected,
        esc(c.time_to_mitigate),
        seconds(TimeKey::Mitigated),
        esc(c.time_to_resolve),
        seconds(TimeKey::Resolved),
        esc(c.services),
        esc(&i.services.join(", ")),
        esc(c.postmortem),
    ));
}
