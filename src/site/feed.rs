//! `feed.xml`: an Atom feed with an entry per incident and per published postmortem,
//! the latest 100 by when they last changed. Links are absolute with `--base-url`,
//! relative to the feed otherwise.

use chrono::DateTime;

use crate::metrics::{IncidentFacts, Seconds};
use crate::model::{Config, PostmortemStatus, TimeKey};
use crate::site::html::esc;
use crate::site::i18n;

pub const LIMIT: usize = 100;

struct Entry<'a> {
    updated: Seconds,
    incident: &'a IncidentFacts,
    /// The postmortem's entry rather than the incident's.
    postmortem: bool,
}

fn rfc3339(t: Seconds) -> String {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `incidents` with history applied; `now` is the tip commit's time; `page` gives an
/// incident's page path.
pub fn render(
    config: &Config,
    incidents: &[IncidentFacts],
    now: Seconds,
    base_url: Option<&str>,
    page: &dyn Fn(&IncidentFacts) -> String,
) -> String {
    let c = i18n::chrome(config.language);
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for incident in incidents {
        // When it last changed, as far as its times tell.
        let latest = TimeKey::ALL
            .iter()
            .filter_map(|k| incident.times.get(*k))
            .max();
        if let Some(updated) = latest {
            entries.push(Entry {
                updated,
                incident,
                postmortem: false,
            });
        }
        let published = incident
            .postmortem
            .as_ref()
            .filter(|p| p.status == PostmortemStatus::Published)
            .and_then(|p| p.published_at);
        if let Some(updated) = published {
            entries.push(Entry {
                updated,
                incident,
                postmortem: true,
            });
        }
    }
    entries.sort_by(|a, b| {
        (b.updated, b.incident.number(), b.postmortem).cmp(&(
            a.updated,
            a.incident.number(),
            a.postmortem,
        ))
    });
    entries.truncate(LIMIT);
    let base = base_url.unwrap_or_default();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!("<title>{}</title>\n", esc(c.site_title)));
    let id = match base_url {
        Some(base) => format!("{base}feed.xml"),
        None => "urn:git-incident:feed".to_string(),
    };
    out.push_str(&format!("<id>{}</id>\n", esc(&id)));
    out.push_str(&format!("<updated>{}</updated>\n", rfc3339(now)));
    out.push_str(&format!(
        "<link rel=\"self\" href=\"{}\"/>\n",
        esc(&format!("{base}feed.xml"))
    ));
    out.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(&format!("{base}index.html"))
    ));
    out.push_str("<generator>git-incident</generator>\n");
    for entry in entries {
        let i = entry.incident;
        let href = format!("{base}{}", page(i));
        let (title, id, href) = if entry.postmortem {
            (
                format!("{} {}: {}", c.postmortem_of, i.id, i.title),
                format!("urn:git-incident:{}:postmortem", i.id),
                format!("{href}#postmortem"),
            )
        } else {
            (
                format!("{}: {}", i.id, i.title),
                format!("urn:git-incident:{}", i.id),
                href,
            )
        };
        let mut summary = format!(
            "{} · {}",
            i.severity,
            i18n::status(config.language, i.status)
        );
        if !i.services.is_empty() {
            summary.push_str(&format!(" · {}", i.services.join(", ")));
        }
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", esc(&title)));
        out.push_str(&format!("<id>{}</id>\n", esc(&id)));
        out.push_str(&format!("<updated>{}</updated>\n", rfc3339(entry.updated)));
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            esc(&href)
        ));
        if let Some(owner) = i
            .postmortem
            .as_ref()
            .and_then(|p| p.owner.as_ref())
            .filter(|_| entry.postmortem)
        {
            out.push_str(&format!("<author><name>{}</name></author>\n", esc(owner)));
        } else {
            out.push_str(&format!(
                "<author><name>{}</name></author>\n",
                esc(i.commander.as_deref().unwrap_or("git-incident"))
            ));
        }
        out.push_str(&format!("<summary>{}</summary>\n", esc(&summary)));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
