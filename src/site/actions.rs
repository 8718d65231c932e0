//! `actions.html`: every open action item, overdue first, grouped by owner, with its
//! age as of the tip commit's time (stated on the page).

use crate::metrics::followup::ActionRow;
use crate::model::Config;
use crate::render::postmortem::words;
use crate::site::html::{esc, link};
use crate::site::i18n::{self, Chrome};
use crate::site::layout::{Frame, Nav};

/// `rows` as `followup::action_rows` orders them: overdue first, then by owner.
pub fn render(config: &Config, rows: &[ActionRow], as_of: &str, base_url: Option<&str>) -> String {
    let c = i18n::chrome(config.language);
    let mut body = format!("<h1>{}</h1>\n", esc(c.actions));
    body.push_str(&as_of_line(c, as_of));
    if rows.is_empty() {
        body.push_str(&format!("<p>{}</p>\n", esc(c.no_open_actions)));
    }
    let (late, other): (Vec<&ActionRow>, Vec<&ActionRow>) = rows.iter().partition(|r| r.overdue);
    for (heading, class, part) in [(c.overdue, "overdue", late), (c.open_items, "open", other)] {
        if part.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "<section class=\"{class}\">\n<h2>{} <small>({})</small></h2>\n",
            esc(heading),
            part.len()
        ));
        let mut start = 0;
        while start < part.len() {
            let owner = &part[start].owner;
            let end = start
                + part[start..]
                    .iter()
                    .take_while(|r| &r.owner == owner)
                    .count();
            body.push_str(&owner_table(config, c, owner, &part[start..end]));
            start = end;
        }
        body.push_str("</section>\n");
    }
    Frame {
        chrome: c,
        nav: Nav::Actions,
        path: "actions.html",
        base_url,
        title: c.actions,
        script: None,
    }
    .page(&body)
}

/// The line that says which moment "overdue" and ages are taken at.
pub fn as_of_line(c: &Chrome, as_of: &str) -> String {
    format!(
        "<p class=\"as-of\">{}: <time>{}</time> <small>({})</small></p>\n",
        esc(c.as_of),
        esc(as_of),
        esc(c.as_of_note)
    )
}

fn owner_table(config: &Config, c: &Chrome, owner: &str, rows: &[&ActionRow]) -> String {
    let w = words(config.language);
    let mut out = format!(
        "<h3>{} <small>({})</small></h3>\n<div class=\"scroll\"><table class=\"actions\">\n<thead><tr>",
        esc(owner),
        rows.len()
    );
    let [id, kind, title, _, due, status, tracker] = w.action_columns;
    for column in [id, title, kind, status, due, c.age, tracker] {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(column)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let age = if row.overdue {
            format!("{}{}", row.days_overdue, c.days_overdue)
        } else {
            row.days_open
                .map(|d| format!("{d}{}", c.days_open))
                .unwrap_or_default()
        };
        out.push_str(&format!(
            "<tr data-id=\"{id}\"><td data-label=\"{}\"><a href=\"incidents/{incident}.html#postmortem\">{id}</a></td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>\n",
            esc(w.action_columns[0]),
            esc(w.action_columns[2]),
            esc(&row.title),
            esc(w.action_columns[1]),
            row.kind,
            esc(w.action_columns[5]),
            row.status,
            esc(w.action_columns[4]),
            row.due.map(|d| d.to_string()).unwrap_or_default(),
            esc(c.age),
            esc(&age),
            esc(w.action_columns[6]),
            row.link.as_deref().map(|l| link(l, l)).unwrap_or_default(),
            id = esc(&row.id),
            incident = esc(&row.incident),
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}
