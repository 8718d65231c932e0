//! Searching incidents' text from the read index: filtered as `list` filters, ranked.

use serde::Serialize;

use crate::history::text::Searchable;
use crate::model::Status;
use crate::ops::list::Filter;
use crate::search::matching::{self, Hit, Query};

/// Columns of the matching line in `--json` and piped output: enough to read the hit
/// in context, never a whole pasted log.
pub const EXCERPT_COLUMNS: usize = 160;

/// The incidents `filter` keeps whose text matches `query`, best first.
pub fn search<'d>(searchable: &'d Searchable, query: &Query, filter: &Filter) -> Vec<Hit<'d>> {
    let kept = searchable
        .documents
        .iter()
        .filter(|d| filter.matches_fields(d.status, &d.severity, &d.services, d.detected));
    matching::search(kept, query)
}

/// One result as `search --json` prints it.
#[derive(Debug, Serialize)]
pub struct Found<'d> {
    pub id: &'d str,
    pub title: &'d str,
    pub severity: &'d str,
    pub status: Status,
    pub matches: Vec<FoundField<'d>>,
}

#[derive(Debug, Serialize)]
pub struct FoundField<'d> {
    pub field: &'d str,
    /// The matching line, cut to a window around the hit.
    pub text: String,
}

pub fn json<'d>(hits: &[Hit<'d>], query: &Query) -> Vec<Found<'d>> {
    hits.iter()
        .map(|hit| {
            let doc = hit.document;
            let matches = hit
                .fields
                .iter()
                .map(|(index, range)| {
                    let field = &doc.fields[*index];
                    let excerpt =
                        matching::excerpt(&field.text, range.clone(), query, EXCERPT_COLUMNS);
                    FoundField {
                        field: &field.field,
                        text: excerpt.text,
                    }
                })
                .collect();
            Found {
                id: &doc.id,
                title: &doc.title,
                severity: &doc.severity,
                status: doc.status,
                matches,
            }
        })
        .collect()
}
