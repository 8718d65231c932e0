//! Full-text search over incidents and their postmortems: the searchable text of each
//! incident as a `Document` (what `search` and the site's search box both read), and
//! the matching and ranking over those documents. The documents of a branch come from
//! the read index: `history::text::documents`.
//!
//! Field names are part of the contract (`search --json` prints them):
//!
//! | field | text |
//! |---|---|
//! | `title`, `summary`, `customer_impact` | the incident's fields |
//! | `timeline` | every timeline entry's text, one per line, in time order |
//! | `postmortem.summary`, `postmortem.impact`, `postmortem.trigger`, `postmortem.detection`, `postmortem.response` | the postmortem's fields |
//! | `postmortem.root_cause.whys`, `postmortem.root_cause.statement` | the root cause |
//! | `postmortem.contributing_factors`, `postmortem.mental_models`, `postmortem.went_well`, `postmortem.went_wrong`, `postmortem.where_lucky`, `postmortem.kpt.keep`, `postmortem.kpt.problem`, `postmortem.kpt.try`, `postmortem.lessons`, `postmortem.links` | list fields, one item per line |
//! | `action INC-7.A1`, `action INC-7.A1 notes` | an action item's title, its notes |

pub mod matching;

use serde::{Deserialize, Serialize};

use crate::model::{Incident, Postmortem, Status, Timestamp};

/// One incident's searchable text, with the facts a search filters, sorts and prints by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `INC-42`.
    pub id: String,
    /// `incidents/<YYYY>/<ID>` on the branch.
    pub dir: String,
    /// The number in the ID: the last tie-break in the order of results.
    pub number: u32,
    pub title: String,
    pub severity: String,
    pub status: Status,
    pub services: Vec<String>,
    /// Unix seconds (as the file states it), for `--since`/`--until` and recency.
    pub detected: Option<i64>,
    /// Only the fields with text, in the order of the table above.
    pub fields: Vec<SearchField>,
}

/// A named piece of searchable text (see the module's table for the names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchField {
    pub field: String,
    pub text: String,
}

impl Document {
    /// The document of the incident in `dir`, with its postmortem when there is one.
    pub fn new(
        dir: &str,
        number: u32,
        incident: &Incident,
        postmortem: Option<&Postmortem>,
    ) -> Document {
        let mut fields = Fields(Vec::new());
        fields.one("title", Some(&incident.title));
        fields.one("summary", incident.summary.as_ref());
        fields.one("customer_impact", incident.customer_impact.as_ref());
        let timeline = incident.timeline_in_order().into_iter().map(|e| &e.text);
        fields.lines("timeline", timeline);
        if let Some(pm) = postmortem {
            fields.one("postmortem.summary", pm.summary.as_ref());
            fields.one("postmortem.impact", pm.impact.as_ref());
            fields.one("postmortem.trigger", pm.trigger.as_ref());
            fields.one("postmortem.detection", pm.detection.as_ref());
            fields.one("postmortem.response", pm.response.as_ref());
            fields.lines("postmortem.root_cause.whys", &pm.root_cause.whys);
            fields.one(
                "postmortem.root_cause.statement",
                pm.root_cause.statement.as_ref(),
            );
            let lists: [(&str, &Vec<String>); 10] = [
                ("postmortem.contributing_factors", &pm.contributing_factors),
                ("postmortem.mental_models", &pm.mental_models),
                ("postmortem.went_well", &pm.went_well),
                ("postmortem.went_wrong", &pm.went_wrong),
                ("postmortem.where_lucky", &pm.where_lucky),
                ("postmortem.kpt.keep", &pm.kpt.keep),
                ("postmortem.kpt.problem", &pm.kpt.problem),
                ("postmortem.kpt.try", &pm.kpt.try_),
                ("postmortem.lessons", &pm.lessons),
                ("postmortem.links", &pm.links),
            ];
            for (name, items) in lists {
                fields.lines(name, items);
            }
            for action in &pm.action {
                let name = format!("action {}", action.id);
                fields.one(&name, Some(&action.title));
                fields.one(&format!("{name} notes"), action.notes.as_ref());
            }
        }
        Document {
            id: incident.id.clone(),
            dir: dir.to_string(),
            number,
            title: incident.title.clone(),
            severity: incident.severity.clone(),
            status: incident.status,
            services: incident.services.clone(),
            detected: incident.times.detected.map(Timestamp::timestamp),
            fields: fields.0,
        }
    }
}

struct Fields(Vec<SearchField>);

impl Fields {
    fn one(&mut self, field: &str, text: Option<&String>) {
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            self.0.push(SearchField {
                field: field.to_string(),
                text: text.clone(),
            });
        }
    }

    /// Items one per line, so that a hit shows the item it is in.
    fn lines<'a>(&mut self, field: &str, items: impl IntoIterator<Item = &'a String>) {
        let text = items
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        self.one(field, Some(&text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCIDENT: &str = r#"
schema_version = 1
id = "INC-7"
uid = "u-7"
title = "Checkout down"
severity = "SEV1"
status = "resolved"
summary = "Payments timed out"
services = ["checkout"]

[times]
detected = 2026-11-23T10:00:00+09:00

[[timeline]]
at = 2026-11-23T10:20:00+09:00
kind = "action"
text = "rolled back"

[[timeline]]
at = 2026-11-23T10:05:00+09:00
kind = "alert"
text = "pager fired"
"#;

    const POSTMORTEM: &str = r#"
schema_version = 1
incident = "INC-7"
status = "draft"
participants = ["ana"]
went_well = ["fast rollback", "  ", "clear comms"]

[root_cause]
whys = ["no retry budget"]
statement = "Retries without idempotency keys"

[[action]]
id = "INC-7.A1"
title = "Add idempotency keys"
kind = "prevent"
status = "open"
notes = "see the design doc"
"#;

    #[test]
    fn a_document_names_each_field_with_text() {
        let incident: Incident = toml::from_str(INCIDENT).unwrap();
        let postmortem: Postmortem = toml::from_str(POSTMORTEM).unwrap();
        let doc = Document::new("incidents/2026/INC-7", 7, &incident, Some(&postmortem));
        let fields: Vec<(&str, &str)> = doc
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.text.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("title", "Checkout down"),
                ("summary", "Payments timed out"),
                ("timeline", "pager fired\nrolled back"),
                ("postmortem.root_cause.whys", "no retry budget"),
                (
                    "postmortem.root_cause.statement",
                    "Retries without idempotency keys"
                ),
                ("postmortem.went_well", "fast rollback\nclear comms"),
                ("action INC-7.A1", "Add idempotency keys"),
                ("action INC-7.A1 notes", "see the design doc"),
            ]
        );
        assert_eq!(doc.detected, Some(1_795_395_600));
        assert_eq!((doc.id.as_str(), doc.number), ("INC-7", 7));
        let bare = Document::new("incidents/2026/INC-7", 7, &incident, None);
        assert_eq!(bare.fields.len(), 3);
    }
}
