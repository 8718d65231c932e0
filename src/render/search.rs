//! Search results for people: each incident on a line, then each field that matched
//! with its matching line, the query's terms highlighted.

use crate::model::Config;
use crate::ops::search::EXCERPT_COLUMNS;
use crate::render::incident::severity_rank;
use crate::render::{Palette, fit, safe};
use crate::search::matching::{Excerpt, Hit, Query, excerpt};

/// Where a field's name and line start under its incident.
const INDENT: &str = "    ";

pub fn results(hits: &[Hit<'_>], query: &Query, config: &Config, palette: Palette) -> String {
    let mut out = String::new();
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let doc = hit.document;
        let head = format!(
            "{}  {}  {}  {}",
            palette.id(&doc.id),
            palette.severity(&doc.severity, severity_rank(config, &doc.severity)),
            palette.status(doc.status.as_str()),
            palette.bold(&doc.title)
        );
        out.push_str(&fitted(&head, palette.width));
        out.push('\n');
        for (index, range) in &hit.fields {
            let field = &doc.fields[*index];
            let label = format!("{INDENT}{}: ", field.field);
            // The window is measured on the raw text; escapes shown for control
            // characters can make it wider, which the final cut absorbs.
            let columns = palette
                .width
                .map_or(EXCERPT_COLUMNS, |w| w.saturating_sub(fit::width(&label)));
            let excerpt = excerpt(&field.text, range.clone(), query, columns);
            let line = format!("{}{}", palette.dim(&label), marked(&excerpt, palette));
            out.push_str(&fitted(&line, palette.width));
            out.push('\n');
        }
    }
    out
}

fn fitted(line: &str, width: Option<usize>) -> String {
    match width {
        Some(width) => fit::cut(line, width),
        None => line.to_string(),
    }
}

/// The excerpt escaped, its marks highlighted on a terminal.
fn marked(excerpt: &Excerpt, palette: Palette) -> String {
    let mut out = String::new();
    let mut at = 0;
    for mark in &excerpt.marks {
        out.push_str(&safe::line(&excerpt.text[at..mark.start]));
        out.push_str(&palette.found(&excerpt.text[mark.clone()]));
        at = mark.end;
    }
    out.push_str(&safe::line(&excerpt.text[at..]));
    out
}
