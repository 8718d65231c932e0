//! Reading TOML into the model with `PATH:LINE` errors, and finding the line of a key
//! so that findings point at what to fix.

use serde::de::DeserializeOwned;
use toml_edit::{Document, Item, Table, Value};

use crate::error::FileError;
use crate::model::schema;

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

pub fn parse<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, FileError> {
    toml::from_str(text).map_err(|e| {
        // A newer format may add fields this build refuses: say why, not which field.
        newer_schema(path, text).unwrap_or_else(|| {
            FileError::error(
                path,
                e.span().map(|span| line_of(text, span.start)),
                e.message().trim_end(),
            )
        })
    })
}

/// The error for a file that declares a newer `schema_version` than this build reads.
fn newer_schema(path: &str, text: &str) -> Option<FileError> {
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: Option<i64>,
    }
    let version = toml::from_str::<Version>(text).ok()?.schema_version?;
    let message = schema::version_problem(version).filter(|_| version > 0)?;
    Some(FileError::error(
        path,
        Located::new(text).line(&[Step::Key("schema_version")]),
        message,
    ))
}

/// A parsed document that remembers where each key is.
pub struct Located<'a> {
    text: &'a str,
    doc: Option<Document<&'a str>>,
    /// Byte offset of each line's start, built on the first lookup: a finding per
    /// timeline entry used to count newlines from the top each time (quadratic: 3 s
    /// for `check` on one incident with 8,000 entries).
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

/// One step into a document: a key, or an index into an array of tables.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Located<'a> {
    pub fn new(text: &'a str) -> Self {
        Located {
            text,
            doc: Document::parse(text).ok(),
            line_starts: std::cell::OnceCell::new(),
        }
    }

    /// 1-based line of a byte offset, as [`line_of`] counts it.
    fn line_at(&self, offset: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        });
        starts.partition_point(|&start| start <= offset.min(self.text.len()))
    }

    /// The line of the deepest step found along `steps` (the key itself when present,
    /// else its table), so a finding about a missing key points at its table.
    pub fn line(&self, steps: &[Step<'_>]) -> Option<usize> {
        let mut best = None;
        walk(self.doc.as_ref()?.as_table(), steps, &mut best);
        best.map(|offset| self.line_at(offset))
    }
}

impl Located<'_> {
    /// Every string value longer than `max` bytes: its dotted key (`timeline.3.text`), its
    /// line and its length.
    pub fn long_strings(&self, max: usize) -> Vec<(String, Option<usize>, usize)> {
        let mut found = Vec::new();
        if self.text.len() <= max {
            return found;
        }
        let Some(doc) = &self.doc else {
            return found;
        };
        let mut visit = |key: &str, value: &Value| {
            if let Value::String(s) = value
                && s.value().len() > max
            {
                let line = value.span().map(|span| self.line_at(span.start));
                found.push((key.to_string(), line, s.value().len()));
            }
        };
        walk_values("", doc.as_table(), &mut visit);
        found
    }
}

fn walk_values(prefix: &str, table: &Table, visit: &mut impl FnMut(&str, &Value)) {
    for (key, item) in table.iter() {
        let key = format!("{prefix}{key}");
        match item {
            Item::Value(value) => walk_value(&key, value, visit),
            Item::Table(inner) => walk_values(&format!("{key}."), inner, visit),
            Item::ArrayOfTables(array) => {
                for (i, inner) in array.iter().enumerate() {
                    walk_values(&format!("{key}.{i}."), inner, visit);
                }
            }
            Item::None => {}
        }
    }
}

fn walk_value(key: &str, value: &Value, visit: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_value(&format!("{key}.{i}"), item, visit);
            }
        }
        Value::InlineTable(table) => {
            for (k, v) in table.iter() {
                walk_value(&format!("{key}.{k}"), v, visit);
            }
        }
        other => visit(key, other),
    }
}

fn walk(table: &Table, steps: &[Step<'_>], best: &mut Option<usize>) {
    let Some((Step::Key(key), rest)) = steps.split_first() else {
        return;
    };
    let Some((k, item)) = table.get_key_value(key) else {
        return;
    };
    let mut record = |span: Option<std::ops::Range<usize>>| {
        if let Some(span) = span {
            *best = Some(span.start);
        }
    };
    record(k.span());
    match (rest.split_first(), item) {
        (Some((Step::Index(i), rest)), Item::ArrayOfTables(array)) => {
            if let Some(entry) = array.get(*i) {
                record(entry.span());
                walk(entry, rest, best);
            }
        }
        (Some((Step::Index(i), _)), Item::Value(Value::Array(array))) => {
            record(array.get(*i).and_then(Value::span));
        }
        (Some((Step::Key(_), _)), Item::Table(inner)) => walk(inner, rest, best),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# head\nid = \"INC-1\"\n\n[times]\nstarted = 2026-01-01T00:00:00Z\n\n[[action]]\nid = \"a\"\n\n[[action]]\nid = \"b\"\nowner = \"x\"\n";

    #[test]
    fn finds_lines_of_keys_tables_and_array_entries() {
        let located = Located::new(TEXT);
        assert_eq!(located.line(&[Step::Key("id")]), Some(2));
        assert_eq!(
            located.line(&[Step::Key("times"), Step::Key("started")]),
            Some(5)
        );
        assert_eq!(
            located.line(&[Step::Key("times"), Step::Key("resolved")]),
            Some(4)
        );
        assert_eq!(
            located.line(&[Step::Key("action"), Step::Index(1), Step::Key("owner")]),
            Some(12)
        );
        assert_eq!(
            located.line(&[Step::Key("action"), Step::Index(1), Step::Key("due")]),
            Some(10)
        );
    }

    #[test]
    fn the_line_index_counts_like_line_of() {
        let located = Located::new(TEXT);
        for offset in 0..=TEXT.len() + 2 {
            assert_eq!(located.line_at(offset), line_of(TEXT, offset), "{offset}");
        }
    }

    #[test]
    fn parse_errors_carry_the_line() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            id: u32,
        }
        let err = parse::<T>("x.toml", "\n\nid = \"nope\"\n").err().unwrap();
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("x.toml:3: error: "), "{err}");
    }
}
