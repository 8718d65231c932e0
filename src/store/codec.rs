//! Reading TOML into the model with `PATH:LINE` errors, and finding the line of a key
//! so that findings point at what to fix.

use serde::de::DeserializeOwned;
use toml_edit::{Document, Item, Table, Value};

use crate::error::FileError;

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
        FileError::error(
            path,
            e.span().map(|span| line_of(text, span.start)),
            e.message().trim_end(),
        )
    })
}

/// A parsed document that remembers where each key is.
pub struct Located<'a> {
    text: &'a str,
    doc: Option<Document<&'a str>>,
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
        }
    }

    /// The line of the deepest step found along `steps` (the key itself when present,
    /// else its table), so a finding about a missing key points at its table.
    pub fn line(&self, steps: &[Step<'_>]) -> Option<usize> {
        let mut best = None;
        walk(self.doc.as_ref()?.as_table(), steps, &mut best);
        best.map(|offset| line_of(self.text, offset))
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
