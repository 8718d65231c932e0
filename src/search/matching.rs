//! Matching and ranking, as pure functions over documents. A query is words (or
//! `"quoted phrases"`) that must each occur somewhere in an incident, in any order;
//! matching is by substring after Unicode lowercasing, so text with no spaces between
//! words (Japanese) is found as well as English.

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::Document;

/// The terms of a query, lowercased: each must occur in the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    terms: Vec<String>,
}

impl Query {
    /// Words split on whitespace; a double-quoted run is one term, spaces included.
    pub fn parse(text: &str) -> Query {
        let mut terms: Vec<String> = Vec::new();
        for (i, part) in text.split('"').enumerate() {
            let quoted = i % 2 == 1;
            let pieces: Vec<&str> = match quoted {
                true => vec![part.trim()],
                false => part.split_whitespace().collect(),
            };
            for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
                let term = fold(piece);
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

/// Unicode lowercase, character by character (so that a folded offset maps back to the
/// original text; `str::to_lowercase` treats a final sigma apart), fast on ASCII.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.chars().flat_map(char::to_lowercase).collect()
    }
}

/// How much a hit in `field` says about the incident: its title and what the postmortem
/// concluded count for more than a passing mention in the timeline.
pub fn weight(field: &str) -> u32 {
    match field {
        "title" => 10,
        "postmortem.summary" | "postmortem.root_cause.statement" | "postmortem.root_cause.whys" => {
            6
        }
        "summary" => 5,
        "customer_impact" | "postmortem.impact" | "postmortem.trigger" => 4,
        "timeline" => 1,
        f if f.starts_with("action ") && f.ends_with(" notes") => 2,
        _ => 3,
    }
}

/// An incident that matches, with where.
#[derive(Debug)]
pub struct Hit<'d> {
    pub document: &'d Document,
    pub score: u32,
    /// The matching fields, the most telling first (by weight, then in the document's
    /// order): the field's index and where the first term found in it starts and ends
    /// (bytes of the field's text).
    pub fields: Vec<(usize, Range<usize>)>,
}

/// The documents matching `query`, best first: by score, then newest (detection time,
/// then number).
pub fn search<'d>(
    documents: impl IntoIterator<Item = &'d Document>,
    query: &Query,
) -> Vec<Hit<'d>> {
    let mut hits: Vec<Hit<'d>> = documents
        .into_iter()
        .filter_map(|d| matches(d, query))
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse((h.score, h.document.detected, h.document.number)));
    hits
}

/// `document` when every term of `query` occurs in one of its fields (an empty query
/// matches nothing).
pub fn matches<'d>(document: &'d Document, query: &Query) -> Option<Hit<'d>> {
    if query.is_empty() {
        return None;
    }
    let mut found = vec![false; query.terms.len()];
    let mut score = 0;
    let mut fields = Vec::new();
    for (index, field) in document.fields.iter().enumerate() {
        let text = Folded::new(&field.text);
        let mut first: Option<Range<usize>> = None;
        let mut terms_here = 0;
        for (term, seen) in query.terms.iter().zip(&mut found) {
            if let Some(at) = text.find(term) {
                *seen = true;
                terms_here += 1;
                if first.as_ref().is_none_or(|r| at < r.start) {
                    first = Some(at..at + term.len());
                }
            }
        }
        if let Some(range) = first {
            score += weight(&field.field) * terms_here;
            fields.push((index, original_range(&field.text, range)));
        }
    }
    // Stable: fields of one weight keep the document's order.
    fields.sort_by_key(|(index, _)| std::cmp::Reverse(weight(&document.fields[*index].field)));
    found.iter().all(|f| *f).then_some(Hit {
        document,
        score,
        fields,
    })
}

/// A field's text ready to search in: as it is when it is ASCII (searched without
/// copying it: most text is, and a search reads every field), else folded.
enum Folded<'t> {
    Ascii(&'t [u8]),
    Other(String),
}

impl<'t> Folded<'t> {
    fn new(text: &'t str) -> Folded<'t> {
        match text.is_ascii() {
            true => Folded::Ascii(text.as_bytes()),
            false => Folded::Other(fold(text)),
        }
    }

    /// Where folded `term` starts in the folded text.
    fn find(&self, term: &str) -> Option<usize> {
        match self {
            Folded::Other(folded) => folded.find(term),
            // An ASCII text holds no non-ASCII term.
            Folded::Ascii(_) if !term.is_ascii() => None,
            Folded::Ascii(text) => {
                let term = term.as_bytes();
                let first = *term.first()?;
                let upper = first.to_ascii_uppercase();
                (0..(text.len() + 1).checked_sub(term.len())?).find(|&i| {
                    (text[i] == first || text[i] == upper)
                        && text[i..i + term.len()].eq_ignore_ascii_case(term)
                })
            }
        }
    }
}

/// The byte range of `text` whose fold is `folded` (a range of `fold(text)`), widened
/// to whole characters.
fn original_range(text: &str, folded: Range<usize>) -> Range<usize> {
    if text.is_ascii() {
        return folded;
    }
    let (mut start, mut end) = (None, text.len());
    let mut at = 0;
    for (i, c) in text.char_indices() {
        let next = at + c.to_lowercase().map(char::len_utf8).sum::<usize>();
        if start.is_none() && next > folded.start {
            start = Some(i);
        }
        if next >= folded.end {
            end = i + c.len_utf8();
            break;
        }
        at = next;
    }
    start.unwrap_or(text.len())..end
}

/// A window of one line of a field's text around a hit, with every term of the query
/// marked in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Excerpt {
    pub text: String,
    /// Byte ranges of `text` to highlight, in order, not overlapping.
    pub marks: Vec<Range<usize>>,
}

/// The line of `text` holding `hit`, cut to at most `width` columns around it (`…` at
/// a cut end), with the query's terms marked. Never cuts inside a character.
pub fn excerpt(text: &str, hit: Range<usize>, query: &Query, width: usize) -> Excerpt {
    let line_start = text[..hit.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[hit.start..]
        .find('\n')
        .map_or(text.len(), |i| hit.start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let hit = hit.start - line_start..hit.end.min(line_start + line.len()) - line_start;
    let width = width.max(8);
    let (mut from, mut to) = (hit.start, hit.end);
    let mut used: usize = line[from..to].chars().map(columns).sum();
    // Context before the hit (up to a third of the width), then after it, then before
    // again if the line ends early.
    let before_budget = width / 3;
    let mut before = 0;
    for (i, c) in line[..from].char_indices().rev() {
        if before + columns(c) > before_budget || used + columns(c) > width {
            break;
        }
        before += columns(c);
        used += columns(c);
        from = i;
    }
    for c in line[to..].chars() {
        if used + columns(c) > width {
            break;
        }
        used += columns(c);
        to += c.len_utf8();
    }
    for (i, c) in line[..from].char_indices().rev() {
        if used + columns(c) > width {
            break;
        }
        used += columns(c);
        from = i;
    }
    // Room for the `…` marks, taken from the side that is cut.
    let cut_start = from > 0;
    let cut_end = to < line.len();
    let (mut from, mut to) = (from, to);
    if cut_start || cut_end {
        let mut over = used + usize::from(cut_start) + usize::from(cut_end);
        while over > width && to > hit.end {
            let c = line[..to].chars().next_back().expect("to > hit.end");
            to -= c.len_utf8();
            over -= columns(c);
        }
        while over > width && from < hit.start {
            let c = line[from..].chars().next().expect("from < hit.start");
            from += c.len_utf8();
            over -= columns(c);
        }
    }
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    let offset = shown.len();
    shown.push_str(&line[from..to]);
    if to < line.len() {
        shown.push('…');
    }
    let marks = marks(&line[from..to], query)
        .into_iter()
        .map(|r| r.start + offset..r.end + offset)
        .collect();
    Excerpt { text: shown, marks }
}

fn columns(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Where each term occurs in `text`, merged where they overlap.
fn marks(text: &str, query: &Query) -> Vec<Range<usize>> {
    let folded = fold(text);
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for term in &query.terms {
        let mut from = 0;
        while let Some(at) = folded[from..].find(term.as_str()) {
            let start = from + at;
            ranges.push(original_range(text, start..start + term.len()));
            from = start + term.len().max(1);
        }
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::search::SearchField;

    fn doc(number: u32, detected: i64, fields: &[(&str, &str)]) -> Document {
        Document {
            id: format!("INC-{number}"),
            dir: format!("incidents/2026/INC-{number}"),
            number,
            title: String::new(),
            severity: "SEV2".into(),
            status: Status::Resolved,
            services: vec![],
            detected: Some(detected),
            fields: fields
                .iter()
                .map(|(f, t)| SearchField {
                    field: f.to_string(),
                    text: t.to_string(),
                })
                .collect(),
        }
    }

    fn ids(hits: &[Hit<'_>]) -> Vec<String> {
        hits.iter().map(|h| h.document.id.clone()).collect()
    }

    #[test]
    fn queries_split_on_whitespace_and_keep_quoted_phrases() {
        let q = Query::parse(r#"  Retry "Idempotency KEY"  retry 決済 "#);
        assert_eq!(q.terms(), ["retry", "idempotency key", "決済"]);
        assert!(Query::parse("  \"\" ").is_empty());
    }

    #[test]
    fn an_incidents_most_telling_matches_come_first() {
        let d = doc(
            1,
            10,
            &[
                ("timeline", "retry change deployed"),
                ("postmortem.went_wrong", "the retry change was not reviewed"),
                ("postmortem.root_cause.whys", "a retry was a new charge"),
                ("action INC-1.A1 notes", "retry budget"),
            ],
        );
        let hit = matches(&d, &Query::parse("retry")).expect("a match");
        let order: Vec<&str> = hit
            .fields
            .iter()
            .map(|(i, _)| d.fields[*i].field.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "postmortem.root_cause.whys",
                "postmortem.went_wrong",
                "action INC-1.A1 notes",
                "timeline"
            ]
        );
    }

    #[test]
    fn every_term_must_occur_somewhere_in_the_incident() {
        let both = doc(
            1,
            10,
            &[("title", "Checkout down"), ("timeline", "retry storm")],
        );
        let one = doc(2, 20, &[("title", "Checkout slow")]);
        let docs = [both, one];
        assert_eq!(
            ids(&search(&docs, &Query::parse("storm checkout"))),
            ["INC-1"]
        );
        assert_eq!(
            ids(&search(&docs, &Query::parse("checkout"))),
            ["INC-2", "INC-1"]
        );
        assert!(search(&docs, &Query::parse("checkout nowhere")).is_empty());
        // A phrase is one term: its words must be adjacent.
        assert!(search(&docs, &Query::parse("\"down checkout\"")).is_empty());
        assert_eq!(
            ids(&search(&docs, &Query::parse("\"checkout down\""))),
            ["INC-1"]
        );
    }

    #[test]
    fn the_title_and_root_cause_outrank_the_timeline_then_newest_first() {
        let docs = [
            doc(1, 10, &[("timeline", "cache miss")]),
            doc(2, 5, &[("title", "Cache stampede")]),
            doc(
                3,
                1,
                &[("postmortem.root_cause.statement", "no cache lock")],
            ),
            doc(4, 30, &[("timeline", "cache again")]),
            doc(5, 2, &[("action INC-5.A1", "cache the price")]),
        ];
        assert_eq!(
            ids(&search(&docs, &Query::parse("cache"))),
            ["INC-2", "INC-3", "INC-5", "INC-4", "INC-1"]
        );
    }

    #[test]
    fn more_terms_in_a_field_rank_higher() {
        let docs = [
            doc(1, 10, &[("summary", "payments"), ("timeline", "timeout")]),
            doc(2, 1, &[("summary", "payments timeout")]),
        ];
        let hits = search(&docs, &Query::parse("payments timeout"));
        assert_eq!(ids(&hits), ["INC-2", "INC-1"]);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn matching_ignores_case_beyond_ascii() {
        let docs = [doc(1, 1, &[("title", "ÜBERLAST im Straße-Dienst ΟΔΟΣ")])];
        for q in ["überlast", "STRASSE", "straße", "οδοσ", "ΟΔΟΣ"] {
            let found = !search(&docs, &Query::parse(q)).is_empty();
            assert_eq!(found, q != "STRASSE", "{q}");
        }
    }

    #[test]
    fn japanese_is_found_by_substring() {
        let docs = [doc(1, 1, &[("summary", "決済APIがタイムアウトした")])];
        let hits = search(&docs, &Query::parse("タイムアウト 決済"));
        assert_eq!(ids(&hits), ["INC-1"]);
        let (index, range) = hits[0].fields[0].clone();
        assert_eq!(index, 0);
        assert_eq!(&docs[0].fields[0].text[range], "決済");
    }

    #[test]
    fn the_hit_range_is_in_the_original_text_when_folding_changes_lengths() {
        // `İ` (2 bytes) lowercases to `i̇` (3 bytes): later offsets shift.
        let text = "İİ Timeout";
        let hits_doc = [doc(1, 1, &[("title", text)])];
        let hits = search(&hits_doc, &Query::parse("timeout"));
        let range = hits[0].fields[0].1.clone();
        assert_eq!(&text[range], "Timeout");
    }

    #[test]
    fn the_excerpt_is_the_matching_line_with_the_terms_marked() {
        let text = "first line\nthe Retry storm began\nlast";
        let q = Query::parse("retry storm");
        let at = text.find("Retry").unwrap();
        let e = excerpt(text, at..at + 5, &q, 80);
        assert_eq!(e.text, "the Retry storm began");
        let marked: Vec<&str> = e.marks.iter().map(|r| &e.text[r.clone()]).collect();
        assert_eq!(marked, ["Retry", "storm"]);
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_hit() {
        let text = format!("{}needle{}", "a".repeat(1 << 20), "b".repeat(1 << 20));
        let at = text.find("needle").unwrap();
        let e = excerpt(&text, at..at + 6, &Query::parse("needle"), 60);
        assert!(
            e.text.starts_with('…') && e.text.ends_with('…'),
            "{}",
            e.text
        );
        assert_eq!(unicode_width::UnicodeWidthStr::width(e.text.as_str()), 60);
        assert_eq!(&e.text[e.marks[0].clone()], "needle");
        // A hit at the very start keeps the start and fills the rest after it.
        let e = excerpt(&text[at..], 0..6, &Query::parse("needle"), 20);
        assert_eq!(e.text, format!("needle{}…", "b".repeat(13)));
    }

    #[test]
    fn a_window_never_cuts_inside_a_character() {
        let text = format!("{}決済{}", "障害".repeat(500), "é🔥".repeat(500));
        let at = text.find("決済").unwrap();
        for width in 8..40 {
            let e = excerpt(&text, at..at + "決済".len(), &Query::parse("決済"), width);
            let shown = unicode_width::UnicodeWidthStr::width(e.text.as_str());
            assert!(shown <= width, "{width}: {}", e.text);
            assert_eq!(&e.text[e.marks[0].clone()], "決済");
        }
    }
}
