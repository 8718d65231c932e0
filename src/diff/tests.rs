use proptest::prelude::*;
use toml::{Table, Value};

use super::*;

fn changes(kind: FileKind, old: &str, new: &str) -> Vec<FieldChange> {
    diff_texts(kind, Some(old), Some(new)).expect("both parse")
}

fn fields(changes: &[FieldChange]) -> Vec<String> {
    changes
        .iter()
        .map(|c| match &c.entry {
            Some(entry) => format!("{}[{}].{}", entry.array, entry.id, c.field),
            None => c.field.clone(),
        })
        .collect()
}

fn strings(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(Value::as_str).collect()
}

#[test]
fn fields_come_in_the_files_template_order() {
    let old = "title = \"A\"\n[times]\ndetected = 2026-11-23T10:00:00Z\n";
    let new = "commander = \"kim\"\nservices = [\"api\"]\ntitle = \"B\"\nzeta = 1\n\
               [times]\nresolved = 2026-11-23T11:00:00Z\nacknowledged = 2026-11-23T10:05:00Z\n\
               detected = 2026-11-23T10:00:00Z\n";
    assert_eq!(
        fields(&changes(FileKind::Incident, old, new)),
        [
            "title",
            "services",
            "commander",
            "times.acknowledged",
            "times.resolved",
            "zeta"
        ]
    );
    let old = "status = \"draft\"\n";
    let new = "lessons = [\"l\"]\nsummary = \"s\"\nstatus = \"in_review\"\n\
               [root_cause]\nstatement = \"x\"\nwhys = [\"w\"]\n";
    assert_eq!(
        fields(&changes(FileKind::Postmortem, old, new)),
        [
            "status",
            "summary",
            "root_cause.whys",
            "root_cause.statement",
            "lessons"
        ]
    );
}

#[test]
fn lists_are_sets_and_only_the_whys_show_a_new_order() {
    let old = "services = [\"a\", \"b\"]\nlabels = [\"x\"]\n\
               [root_cause]\nwhys = [\"one\", \"two\"]\n";
    let new = "services = [\"b\", \"a\", \"a\"]\nlabels = [\"y\", \"x\"]\n\
               [root_cause]\nwhys = [\"two\", \"one\"]\n";
    let found = changes(FileKind::Postmortem, old, new);
    assert_eq!(fields(&found), ["root_cause.whys", "labels"]);
    assert_eq!(
        found[0]
            .old
            .as_ref()
            .and_then(Value::as_array)
            .map(|a| strings(a)),
        Some(vec!["one", "two"])
    );
    assert_eq!(
        found[0]
            .new
            .as_ref()
            .and_then(Value::as_array)
            .map(|a| strings(a)),
        Some(vec!["two", "one"])
    );
    assert_eq!(
        (strings(&found[1].added), strings(&found[1].removed)),
        (vec!["y"], vec![])
    );
}

#[test]
fn a_field_empty_on_both_sides_is_no_change() {
    let old = "summary = \"\"\nlabels = []\n[root_cause]\nstatement = \"\"\n";
    let new = "summary = \"  \"\nowner = \"\"\n[[timeline]]\nat = 2026-11-23T10:00:00Z\ntext = \"x\"\nlinks = []\n";
    let found = changes(FileKind::Incident, old, new);
    assert_eq!(fields(&found), ["timeline"]);
    // An entry whose empty field was left out is the same entry.
    let newer = new.replace("links = []\n", "");
    assert_eq!(changes(FileKind::Incident, new, &newer), []);
}

#[test]
fn a_table_is_compared_key_by_key_even_when_it_goes() {
    let old = "[times]\ndetected = 2026-11-23T10:00:00Z\nresolved = 2026-11-23T11:00:00Z\n";
    let found = changes(FileKind::Incident, old, "");
    assert_eq!(fields(&found), ["times.detected", "times.resolved"]);
    assert!(found.iter().all(|c| c.new.is_none() && c.old.is_some()));
}

#[test]
fn a_corrected_timeline_entry_shows_both_versions() {
    let entry = |kind: &str, text: &str| {
        format!(
            "[[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"{kind}\"\ntext = \"{text}\"\n"
        )
    };
    let old = entry("note", "Rolled back") + &entry("note", "Paged");
    let new = entry("note", "Paged") + &entry("action", "Rolled back");
    let found = changes(FileKind::Incident, &old, &new);
    assert_eq!(fields(&found), ["timeline"]);
    assert_eq!(found[0].removed[0]["kind"].as_str(), Some("note"));
    assert_eq!(found[0].added[0]["kind"].as_str(), Some("action"));
    // The same moment written in another zone is another version of the same fact.
    let utc = new.replace("2026-11-23T10:00:00+09:00", "2026-11-23T01:00:00Z");
    assert_eq!(changes(FileKind::Incident, &new, &utc)[0].added.len(), 2);
}

#[test]
fn action_items_are_matched_by_id_and_show_their_fields() {
    let old = "[[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert\"\nstatus = \"open\"\n\
               [[action]]\nid = \"INC-1.A2\"\ntitle = \"Gone\"\nstatus = \"open\"\n";
    let new = "[[action]]\nid = \"INC-1.A3\"\ntitle = \"New\"\nstatus = \"open\"\n\
               [[action]]\nstatus = \"done\"\nowner = \"ana\"\ntitle = \"Alert on 500s\"\nid = \"INC-1.A1\"\n";
    let found = changes(FileKind::Postmortem, old, new);
    assert_eq!(
        fields(&found),
        [
            "action[INC-1.A1].title",
            "action[INC-1.A1].owner",
            "action[INC-1.A1].status",
            "action"
        ]
    );
    let entry = found[0].entry.as_ref().expect("inside an action item");
    assert_eq!(entry.title, "Alert on 500s");
    assert_eq!(found[3].added[0]["id"].as_str(), Some("INC-1.A3"));
    assert_eq!(found[3].removed[0]["id"].as_str(), Some("INC-1.A2"));
    assert_eq!(found[0].top_key(), "action");
}

#[test]
fn a_new_file_leaves_its_bookkeeping_out() {
    let new: Table = "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"T\"\n"
        .parse()
        .expect("parses");
    assert_eq!(
        fields(&diff(FileKind::Incident, None, Some(&new))),
        ["title"]
    );
    let gone = diff(FileKind::Incident, Some(&new), None);
    assert_eq!(fields(&gone), ["schema_version", "id", "uid", "title"]);
    assert_eq!(diff_texts(FileKind::Incident, Some("x = "), Some("")), None);
}

// Properties over generated pairs of versions.

const WORDS: &[&str] = &["", " ", "a", "b", "c", "x y", "決済"];

#[derive(Debug, Clone, Copy)]
enum Slot {
    Text,
    List,
    Time,
    Flag,
}

const INCIDENT: &[(&str, Slot)] = &[
    ("title", Slot::Text),
    ("status", Slot::Text),
    ("summary", Slot::Text),
    ("commander", Slot::Text),
    ("services", Slot::List),
    ("labels", Slot::List),
    ("changes.caused_by", Slot::List),
    ("drill", Slot::Flag),
    ("times.detected", Slot::Time),
    ("times.mitigated", Slot::Time),
];

const POSTMORTEM: &[(&str, Slot)] = &[
    ("status", Slot::Text),
    ("owner", Slot::Text),
    ("summary", Slot::Text),
    ("participants", Slot::List),
    ("lessons", Slot::List),
    ("root_cause.whys", Slot::List),
    ("root_cause.statement", Slot::Text),
    ("kpt.keep", Slot::List),
];

fn slots(kind: FileKind) -> &'static [(&'static str, Slot)] {
    match kind {
        FileKind::Incident => INCIDENT,
        _ => POSTMORTEM,
    }
}

fn slot_value(slot: Slot) -> BoxedStrategy<Option<Value>> {
    let some = match slot {
        Slot::Text => prop::sample::select(WORDS)
            .prop_map(|w| Value::String(w.into()))
            .boxed(),
        Slot::List => prop::collection::vec(prop::sample::select(&WORDS[2..]), 0..4)
            .prop_map(|items| {
                Value::Array(items.into_iter().map(|w| Value::String(w.into())).collect())
            })
            .boxed(),
        Slot::Time => (0..3u32).prop_map(|m| time(m, false)).boxed(),
        Slot::Flag => any::<bool>().prop_map(Value::Boolean).boxed(),
    };
    prop_oneof![1 => Just(None), 3 => some.prop_map(Some)].boxed()
}

fn time(minute: u32, utc: bool) -> Value {
    let text = if utc {
        format!("2026-11-23T01:0{minute}:00Z")
    } else {
        format!("2026-11-23T10:0{minute}:00+09:00")
    };
    Value::Datetime(text.parse().expect("a datetime"))
}

/// A timeline entry or an action item, with optional fields sometimes empty.
fn entry(kind: FileKind) -> BoxedStrategy<Value> {
    let links = prop_oneof![
        Just(None),
        Just(Some(Value::Array(Vec::new()))),
        Just(Some(Value::Array(vec![Value::String("https://x".into())]))),
    ];
    match kind {
        FileKind::Incident => (
            0..3u32,
            any::<bool>(),
            prop::sample::select(&["Paged", "Rolled back"][..]),
            prop::sample::select(&["note", "action"][..]),
            links,
        )
            .prop_map(|(minute, utc, text, kind, links)| {
                let mut table = Table::new();
                table.insert("at".into(), time(minute, utc));
                table.insert("kind".into(), Value::String(kind.into()));
                table.insert("text".into(), Value::String(text.into()));
                if let Some(links) = links {
                    table.insert("links".into(), links);
                }
                Value::Table(table)
            })
            .boxed(),
        _ => (
            1..4u32,
            prop::sample::select(&["Alert", "Canary"][..]),
            prop::sample::select(&["open", "done"][..]),
            prop::option::of(prop::sample::select(WORDS)),
            links,
        )
            .prop_map(|(n, title, status, owner, links)| {
                let mut table = Table::new();
                table.insert("id".into(), Value::String(format!("INC-1.A{n}")));
                table.insert("title".into(), Value::String(title.into()));
                table.insert("status".into(), Value::String(status.into()));
                if let Some(owner) = owner {
                    table.insert("owner".into(), Value::String(owner.into()));
                }
                if let Some(links) = links {
                    table.insert("links".into(), links);
                }
                Value::Table(table)
            })
            .boxed(),
    }
}

#[derive(Debug, Clone)]
struct Doc {
    values: Vec<Option<Value>>,
    entries: Vec<Value>,
}

fn doc(kind: FileKind) -> impl Strategy<Value = Doc> {
    let values: Vec<_> = slots(kind)
        .iter()
        .map(|(_, slot)| slot_value(*slot))
        .collect();
    (values, prop::collection::vec(entry(kind), 0..4))
        .prop_map(|(values, entries)| Doc { values, entries })
}

/// A second version: each field kept, rewritten, or (a list) reversed.
fn pair(kind: FileKind) -> impl Strategy<Value = (Doc, Doc)> {
    let n = slots(kind).len();
    (doc(kind), doc(kind), prop::collection::vec(0..5u8, n + 1)).prop_map(
        move |(old, fresh, choices)| {
            let pick = |choice: u8, old: &Option<Value>, fresh: &Option<Value>| match choice {
                0 | 1 => old.clone(),
                2 => fresh.clone(),
                3 => match old {
                    Some(Value::Array(items)) => {
                        Some(Value::Array(items.iter().rev().cloned().collect()))
                    }
                    other => other.clone(),
                },
                // Nothing written, written another way.
                _ => match old {
                    None => Some(Value::String(" ".into())),
                    Some(value) if is_empty(Some(value)) => None,
                    other => other.clone(),
                },
            };
            let values = (0..n)
                .map(|i| pick(choices[i], &old.values[i], &fresh.values[i]))
                .collect();
            let entries = match choices[n] {
                0 => old.entries.clone(),
                1 => old.entries.iter().rev().cloned().collect(),
                2 => fresh.entries.clone(),
                3 => old.entries.iter().chain(&fresh.entries).cloned().collect(),
                _ => old.entries.iter().map(toggle_empty_links).collect(),
            };
            let new = Doc { values, entries };
            (old, new)
        },
    )
}

/// The same entry with `links = []` written or left out.
fn toggle_empty_links(entry: &Value) -> Value {
    let mut entry = entry.clone();
    if let Some(table) = entry.as_table_mut() {
        match table.get("links") {
            None => {
                table.insert("links".into(), Value::Array(Vec::new()));
            }
            Some(links) if is_empty(Some(links)) => {
                table.remove("links");
            }
            Some(_) => {}
        }
    }
    entry
}

fn table(kind: FileKind, doc: &Doc) -> Table {
    let mut top = Table::new();
    for ((path, _), value) in slots(kind).iter().zip(&doc.values) {
        let Some(value) = value else { continue };
        let mut at = &mut top;
        let mut parts: Vec<&str> = path.split('.').collect();
        let key = parts.pop().expect("a key");
        for part in parts {
            at = at
                .entry(part.to_string())
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .expect("a table");
        }
        at.insert(key.to_string(), value.clone());
    }
    if !doc.entries.is_empty() {
        let name = if kind == FileKind::Incident {
            "timeline"
        } else {
            "action"
        };
        top.insert(name.into(), Value::Array(doc.entries.clone()));
    }
    top
}

/// What the diff promises to compare: empty fields left out, set-like lists as sorted
/// sets (the 5 Whys keep their order), entries as sets of their written fields.
fn canonical(value: &Value, path: &str) -> Option<Value> {
    match value {
        Value::String(s) if s.trim().is_empty() => None,
        Value::Table(table) => {
            let table: Table = table
                .iter()
                .filter_map(|(k, v)| {
                    let inner = if path == "timeline" || path == "action" {
                        format!("{path}.entry")
                    } else {
                        super::join(path, k)
                    };
                    canonical(v, &inner).map(|v| (k.clone(), v))
                })
                .collect();
            (!table.is_empty()).then_some(Value::Table(table))
        }
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => {
            let mut items: Vec<Value> = items
                .iter()
                .map(|v| canonical(v, path).unwrap_or(Value::Table(Table::new())))
                .collect();
            // The one ordered list, named here rather than taken from the code under test.
            if path != "root_cause.whys" {
                items.sort_by_key(Value::to_string);
                items.dedup();
            }
            Some(Value::Array(items))
        }
        other => Some(other.clone()),
    }
}

fn at_path<'a>(table: &'a Table, path: &str) -> &'a [Value] {
    let mut value: Option<&Value> = None;
    let mut here = Some(table);
    for part in path.split('.') {
        value = here.and_then(|t| t.get(part));
        here = value.and_then(Value::as_table);
    }
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn as_set(items: &[Value]) -> Vec<String> {
    let mut set: Vec<String> = items
        .iter()
        .map(|v| canonical(v, "item").map_or(String::new(), |v| v.to_string()))
        .collect();
    set.sort();
    set.dedup();
    set
}

fn check_pair(kind: FileKind, old: &Doc, new: &Doc) -> Result<(), TestCaseError> {
    let (old, new) = (table(kind, old), table(kind, new));
    let found = diff(kind, Some(&old), Some(&new));
    let equal =
        canonical(&Value::Table(old.clone()), "") == canonical(&Value::Table(new.clone()), "");
    prop_assert_eq!(
        found.is_empty(),
        equal,
        "{:?}\nold {}\nnew {}",
        found,
        old,
        new
    );
    for change in found
        .iter()
        .filter(|c| c.entry.is_none() && c.field != "action")
    {
        let (before, after) = (at_path(&old, &change.field), at_path(&new, &change.field));
        if change.is_list() {
            let removed = as_set(&change.removed);
            let mut result: Vec<String> = as_set(before)
                .into_iter()
                .filter(|item| !removed.contains(item))
                .collect();
            result.extend(as_set(&change.added));
            result.sort();
            result.dedup();
            prop_assert_eq!(&result, &as_set(after), "{}", change.field);
        } else if change.old.as_ref().is_some_and(Value::is_array) {
            // Only the order changed.
            prop_assert_eq!(as_set(before), as_set(after), "{}", change.field);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn incident_diffs_are_empty_iff_equal_and_lists_apply((old, new) in pair(FileKind::Incident)) {
        check_pair(FileKind::Incident, &old, &new)?;
    }

    #[test]
    fn postmortem_diffs_are_empty_iff_equal_and_lists_apply((old, new) in pair(FileKind::Postmortem)) {
        check_pair(FileKind::Postmortem, &old, &new)?;
    }
}
