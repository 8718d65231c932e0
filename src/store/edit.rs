//! Format-preserving edits with `toml_edit`: comments and layout written by hand
//! survive, and a one-field change is a one-line diff.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::error::{Error, FileError, Result};
use crate::model::TimeContext;
use crate::store::codec::line_of;

pub fn parse_mut(path: &str, text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>().map_err(|e| {
        Error::File(FileError::error(
            path,
            e.span().map(|span| line_of(text, span.start)),
            e.message().trim_end(),
        ))
    })
}

/// Sets `key` in `table`, keeping the comments around an existing value; `None` removes it.
pub fn set_value(table: &mut Table, key: &str, value: Option<Value>) {
    match value {
        None => {
            table.remove(key);
        }
        Some(mut value) => match table.get_mut(key) {
            // Replacing in place keeps the key's own comments (the lines above it).
            Some(item) => {
                if let Item::Value(old) = item {
                    *value.decor_mut() = old.decor().clone();
                }
                *item = Item::Value(value);
            }
            None => {
                value.decor_mut().clear();
                table.insert(key, Item::Value(value));
            }
        },
    }
}

/// The table at `key`, created when missing. A new table goes before the first
/// `[[array]]` entry, so `[times]` does not land after the timeline.
pub fn table_mut<'d>(doc: &'d mut DocumentMut, key: &str) -> Result<&'d mut Table> {
    if doc.get(key).is_none() {
        let position = first_array_table_position(doc);
        let mut table = Table::new();
        if let Some(position) = position {
            shift_positions(doc, position);
            table.set_position(Some(position));
        }
        doc.insert(key, Item::Table(table));
    }
    match doc.get_mut(key) {
        Some(Item::Table(table)) => Ok(table),
        _ => Err(Error::invalid(format!(
            "`{key}` is not a table in this file; fix it by hand"
        ))),
    }
}

fn first_array_table_position(doc: &DocumentMut) -> Option<isize> {
    doc.iter()
        .filter_map(|(_, item)| item.as_array_of_tables())
        .flat_map(ArrayOfTables::iter)
        .filter_map(Table::position)
        .min()
}

fn shift_positions(doc: &mut DocumentMut, from: isize) {
    for (_, item) in doc.iter_mut() {
        match item {
            Item::Table(table) => bump(table, from),
            Item::ArrayOfTables(array) => array.iter_mut().for_each(|t| bump(t, from)),
            _ => {}
        }
    }
}

fn bump(table: &mut Table, from: isize) {
    if let Some(position) = table.position().filter(|p| *p >= from) {
        table.set_position(Some(position + 1));
    }
}

/// Appends a `[[key]]` entry at the end of the file.
pub fn push_array_table(doc: &mut DocumentMut, key: &str, table: Table) -> Result<()> {
    if doc.get(key).is_none() {
        doc.insert(key, Item::ArrayOfTables(ArrayOfTables::new()));
    }
    match doc.get_mut(key) {
        Some(Item::ArrayOfTables(array)) => {
            array.push(table);
            Ok(())
        }
        _ => Err(Error::invalid(format!(
            "`{key}` is not an array of tables in this file; fix it by hand"
        ))),
    }
}

/// A `KEY=VALUE`, `KEY+=VALUE` or `KEY-=VALUE` from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub op: Op,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Set,
    Append,
    Remove,
}

impl Assignment {
    pub fn parse(input: &str) -> Result<Assignment> {
        let (key, value) = input.split_once('=').ok_or_else(|| {
            Error::invalid(format!(
                "expected KEY=VALUE (or KEY+=VALUE for lists), got {input:?}"
            ))
        })?;
        let (key, op) = if let Some(key) = key.strip_suffix('+') {
            (key, Op::Append)
        } else if let Some(key) = key.strip_suffix('-') {
            (key, Op::Remove)
        } else {
            (key, Op::Set)
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::invalid(format!("missing key in {input:?}")));
        }
        Ok(Assignment {
            key: key.to_string(),
            op,
            value: value.to_string(),
        })
    }
}

/// What a settable field holds, which decides how a typed value is converted.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    Text,
    /// Text that may not be emptied.
    RequiredText,
    List,
    Time,
    Date,
    Bool,
    Choice(&'static [&'static str]),
}

/// Applies one assignment to `key` of `table`. `fresh_list` says whether this is the
/// first `=` for a list in this command: later ones append, so `services=a services=b`
/// sets both. Lists are sets: adding a value already there changes nothing, and the
/// returned note says so (`services already has "search"`).
pub fn apply(
    table: &mut Table,
    key: &str,
    field: FieldType,
    assignment: &Assignment,
    fresh_list: bool,
    time: &TimeContext,
) -> Result<Option<String>> {
    let raw = assignment.value.trim();
    let name = &assignment.key;
    if !matches!(field, FieldType::List) && assignment.op != Op::Set {
        return Err(Error::invalid(format!(
            "{name} is not a list: use {name}=VALUE"
        )));
    }
    let value = match field {
        FieldType::List => {
            let mut items: Vec<String> = match table.get(key).and_then(Item::as_array) {
                Some(array) if !(assignment.op == Op::Set && fresh_list) => array
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            match assignment.op {
                Op::Remove => {
                    let before = items.len();
                    items.retain(|item| item != raw);
                    if items.len() == before {
                        return Err(Error::invalid(format!("{name} does not contain {raw:?}")));
                    }
                }
                _ if raw.is_empty() => {}
                _ if items.iter().any(|item| item == raw) => {
                    return Ok(Some(format!("{name} already has {raw:?}")));
                }
                _ => items.push(raw.to_string()),
            }
            if items.is_empty() && assignment.op == Op::Set && raw.is_empty() {
                None
            } else {
                let mut array = toml_edit::Array::new();
                items.iter().for_each(|item| array.push(item.as_str()));
                Some(Value::Array(array))
            }
        }
        _ if raw.is_empty() => {
            if matches!(field, FieldType::RequiredText) {
                return Err(Error::invalid(format!("{name} cannot be empty")));
            }
            None
        }
        FieldType::Text | FieldType::RequiredText => Some(Value::from(assignment.value.trim())),
        FieldType::Time => Some(Value::from(time.parse_incident_time(key, raw)?.to_toml())),
        FieldType::Date => Some(Value::from(time.parse_day(raw)?.to_toml())),
        FieldType::Bool => Some(Value::from(match raw {
            "true" | "yes" => true,
            "false" | "no" => false,
            _ => {
                return Err(Error::invalid(format!(
                    "{name} takes true or false, not {raw:?}"
                )));
            }
        })),
        FieldType::Choice(choices) => {
            if !choices.contains(&raw) {
                return Err(Error::invalid(format!(
                    "invalid {name} {raw:?}: expected one of {}",
                    choices.join(", ")
                )));
            }
            Some(Value::from(raw))
        }
    };
    // Keep an existing list's multi-line layout by editing it in place.
    if let (Some(Value::Array(new)), Some(Item::Value(Value::Array(old)))) =
        (&value, table.get_mut(key))
        && old.len() <= new.len()
        && old
            .iter()
            .zip(new.iter())
            .all(|(a, b)| a.as_str() == b.as_str())
    {
        for item in new.iter().skip(old.len()) {
            push_in_layout(old, item.clone());
        }
        return Ok(None);
    }
    set_value(table, key, value);
    Ok(None)
}

/// Appends to a list the way it is laid out: a new element copies the whitespace
/// before the last one, so a hand-written one-per-line list stays one per line.
pub fn push_in_layout(array: &mut toml_edit::Array, mut item: Value) {
    let multi_line = array
        .iter()
        .last()
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .filter(|p| p.contains('\n'))
        .map(str::to_string);
    match multi_line {
        Some(prefix) => {
            item.decor_mut().set_prefix(prefix);
            item.decor_mut().set_suffix("");
            array.push_formatted(item);
        }
        None => {
            item.decor_mut().clear();
            array.push(item);
        }
    }
}

/// A one-line text value, quoted as TOML wants it.
pub fn string(text: &str) -> Value {
    Value::from(text)
}

pub fn string_array<'a>(items: impl IntoIterator<Item = &'a String>) -> Value {
    let mut array = toml_edit::Array::new();
    for item in items {
        array.push(item.as_str());
    }
    Value::Array(array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_comments_and_touch_one_line() {
        let text = "# my notes\ntitle = \"A\" # keep me\n\n[times]\n# when\nstarted = 2026-01-01T00:00:00Z\n\n[[timeline]]\nat = 2026-01-01T00:00:00Z\n";
        let mut doc = parse_mut("f", text).unwrap();
        set_value(doc.as_table_mut(), "title", Some(string("B")));
        let new = doc.to_string();
        assert!(new.contains("title = \"B\" # keep me"), "{new}");
        assert!(new.starts_with("# my notes\n"));
        let changed = text
            .lines()
            .zip(new.lines())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(changed, 1);
    }

    #[test]
    fn new_tables_go_before_arrays_of_tables() {
        let text = "id = 1\n\n[[timeline]]\nat = 1\n";
        let mut doc = parse_mut("f", text).unwrap();
        table_mut(&mut doc, "changes")
            .unwrap()
            .insert("caused_by", Item::Value(string("x")));
        let out = doc.to_string();
        assert!(
            out.find("[changes]").unwrap() < out.find("[[timeline]]").unwrap(),
            "{out}"
        );
    }

    #[test]
    fn appending_follows_the_list_layout() {
        let time = TimeContext::wall_clock(crate::model::Zone::Local, crate::model::Zone::Local);
        let mut doc = parse_mut("f", "a = []\nb = [\n  \"x\",\n]\n").unwrap();
        for (key, value) in [("a", "1"), ("a", "2"), ("b", "y")] {
            let assignment = Assignment::parse(&format!("{key}+={value}")).unwrap();
            apply(
                doc.as_table_mut(),
                key,
                FieldType::List,
                &assignment,
                false,
                &time,
            )
            .unwrap();
        }
        assert_eq!(
            doc.to_string(),
            "a = [\"1\", \"2\"]\nb = [\n  \"x\",\n  \"y\",\n]\n"
        );
    }

    #[test]
    fn assignments() {
        let a = Assignment::parse("root_cause.whys+=Why?").unwrap();
        assert_eq!(
            (a.key.as_str(), a.op, a.value.as_str()),
            ("root_cause.whys", Op::Append, "Why?")
        );
        assert_eq!(
            Assignment::parse("customer_impact=a=b").unwrap().value,
            "a=b"
        );
        assert!(Assignment::parse("novalue").is_err());
        assert!(Assignment::parse("=x").is_err());
    }
}
