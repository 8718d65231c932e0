//! The merge laws `sync` promises, as properties over generated incident and
//! postmortem files: each side is the base plus random edits, and every side is
//! written in a layout of its own (inline or one-per-line lists; `[table]`, dotted or
//! inline tables; `[[entries]]` or an inline list; `+09:00` or `Z` times).

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::toml::merge_toml;
use crate::model::Timestamp;

/// The list fields of both files, by dotted path.
const INCIDENT_LISTS: &[&str] = &[
    "services",
    "teams",
    "labels",
    "related",
    "changes.caused_by",
    "changes.fixed_by",
];
const POSTMORTEM_LISTS: &[&str] = &[
    "participants",
    "contributing_factors",
    "mental_models",
    "went_well",
    "went_wrong",
    "where_lucky",
    "lessons",
    "links",
    "root_cause.whys",
    "kpt.keep",
    "kpt.problem",
    "kpt.try",
];
const INCIDENT_SCALARS: &[&str] = &["title", "status", "summary", "times.mitigated"];
const POSTMORTEM_SCALARS: &[&str] = &["status", "owner", "summary", "root_cause.statement"];
const WORDS: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h", "決済", "x y"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Incident,
    Postmortem,
}

impl Kind {
    fn lists(self) -> &'static [&'static str] {
        match self {
            Kind::Incident => INCIDENT_LISTS,
            Kind::Postmortem => POSTMORTEM_LISTS,
        }
    }

    fn scalars(self) -> &'static [&'static str] {
        match self {
            Kind::Incident => INCIDENT_SCALARS,
            Kind::Postmortem => POSTMORTEM_SCALARS,
        }
    }

    /// Incidents have a timeline, postmortems action items.
    fn entries(self) -> &'static str {
        match self {
            Kind::Incident => "timeline",
            Kind::Postmortem => "action",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// Minutes after 10:00 for a timeline entry; the item number for an action.
    key: u32,
    text: String,
    kind: String,
    links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Doc {
    kind: Kind,
    scalars: Vec<String>,
    lists: Vec<Vec<String>>,
    entries: Vec<Entry>,
    /// The highest action number ever given: a deleted item's number is not reused.
    issued: u32,
}

#[derive(Debug, Clone)]
enum Edit {
    AddItem(usize, usize),
    RemoveItem(usize, usize),
    SetScalar(usize, usize),
    AddEntry(u32, usize),
    RemoveEntry(usize),
    EntryKind(usize),
    EntryLink(usize, usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0..16usize, 0..WORDS.len()).prop_map(|(f, w)| Edit::AddItem(f, w)),
        1 => (0..16usize, 0..8usize).prop_map(|(f, i)| Edit::RemoveItem(f, i)),
        1 => (0..4usize, 0..WORDS.len()).prop_map(|(f, w)| Edit::SetScalar(f, w)),
        2 => (0..30u32, 0..WORDS.len()).prop_map(|(at, w)| Edit::AddEntry(at, w)),
        1 => (0..8usize).prop_map(Edit::RemoveEntry),
        1 => (0..8usize).prop_map(Edit::EntryKind),
        1 => (0..8usize, 0..WORDS.len()).prop_map(|(i, w)| Edit::EntryLink(i, w)),
    ]
}

impl Doc {
    fn base(kind: Kind, edits: &[Edit]) -> Doc {
        let mut doc = Doc {
            kind,
            scalars: kind.scalars().iter().map(|_| "start".to_string()).collect(),
            lists: kind.lists().iter().map(|_| Vec::new()).collect(),
            entries: Vec::new(),
            issued: 0,
        };
        doc.apply(edits);
        doc
    }

    fn apply(&mut self, edits: &[Edit]) {
        for edit in edits {
            match *edit {
                Edit::AddItem(field, word) => {
                    let list = &mut self.lists[field % self.kind.lists().len()];
                    if !list.iter().any(|item| item == WORDS[word]) {
                        list.push(WORDS[word].to_string());
                    }
                }
                Edit::RemoveItem(field, index) => {
                    let list = &mut self.lists[field % self.kind.lists().len()];
                    if !list.is_empty() {
                        list.remove(index % list.len());
                    }
                }
                Edit::SetScalar(field, word) => {
                    self.scalars[field % self.kind.scalars().len()] = WORDS[word].to_string();
                }
                Edit::AddEntry(at, word) => {
                    let entry = match self.kind {
                        // A timeline entry is its time and text.
                        Kind::Incident => Entry {
                            key: at,
                            text: WORDS[word].to_string(),
                            kind: "note".into(),
                            links: Vec::new(),
                        },
                        // An action item takes the next number, as `action add` does.
                        Kind::Postmortem => Entry {
                            key: self.issued + 1,
                            text: format!("{} {at}", WORDS[word]),
                            kind: "prevent".into(),
                            links: Vec::new(),
                        },
                    };
                    let same = |e: &Entry| match self.kind {
                        Kind::Incident => e.key == entry.key && e.text == entry.text,
                        Kind::Postmortem => e.text == entry.text,
                    };
                    if !self.entries.iter().any(same) {
                        if self.kind == Kind::Postmortem {
                            self.issued = entry.key;
                        }
                        self.entries.push(entry);
                    }
                }
                Edit::RemoveEntry(index) => {
                    if !self.entries.is_empty() {
                        let index = index % self.entries.len();
                        self.entries.remove(index);
                    }
                }
                Edit::EntryKind(index) => {
                    if !self.entries.is_empty() {
                        let index = index % self.entries.len();
                        let entry = &mut self.entries[index];
                        entry.kind = match self.kind {
                            Kind::Incident if entry.kind == "note" => "action",
                            Kind::Incident => "note",
                            _ if entry.kind == "prevent" => "detect",
                            _ => "prevent",
                        }
                        .into();
                    }
                }
                Edit::EntryLink(index, word) => {
                    if !self.entries.is_empty() {
                        let index = index % self.entries.len();
                        let link = format!("https://example.com/{}", WORDS[word]);
                        let links = &mut self.entries[index].links;
                        if !links.contains(&link) {
                            links.push(link);
                        }
                    }
                }
            }
        }
    }
}

/// How one side writes its file.
#[derive(Debug, Clone, Copy)]
struct Layout {
    one_per_line: bool,
    /// 0: `[table]`, 1: dotted keys, 2: an inline table.
    tables: u8,
    inline_entries: bool,
    utc: bool,
}

fn layout_strategy() -> impl Strategy<Value = Layout> {
    (any::<bool>(), 0..3u8, any::<bool>(), any::<bool>()).prop_map(
        |(one_per_line, tables, inline_entries, utc)| Layout {
            one_per_line,
            tables,
            inline_entries,
            utc,
        },
    )
}

fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(items: &[String], one_per_line: bool) -> String {
    if one_per_line && !items.is_empty() {
        let lines: String = items
            .iter()
            .map(|item| format!("    {},\n", quote(item)))
            .collect();
        format!("[\n{lines}]")
    } else {
        let items: Vec<String> = items.iter().map(|item| quote(item)).collect();
        format!("[{}]", items.join(", "))
    }
}

fn at(minutes: u32, utc: bool) -> String {
    if utc {
        format!("2026-11-23T01:{minutes:02}:00Z")
    } else {
        format!("2026-11-23T10:{minutes:02}:00+09:00")
    }
}

fn render(doc: &Doc, layout: Layout) -> String {
    // Values by table: "" is the top level.
    let mut tables: Vec<(String, Vec<(String, String)>)> = vec![(String::new(), Vec::new())];
    let mut put = |path: &str, value: String| {
        let (table, key) = path.rsplit_once('.').unwrap_or(("", path));
        match tables.iter_mut().find(|(name, _)| name == table) {
            Some((_, values)) => values.push((key.to_string(), value)),
            None => tables.push((table.to_string(), vec![(key.to_string(), value)])),
        }
    };
    put(
        match doc.kind {
            Kind::Incident => "id",
            Kind::Postmortem => "incident",
        },
        quote("INC-1"),
    );
    for (path, value) in doc.kind.scalars().iter().zip(&doc.scalars) {
        let value = if *path == "times.mitigated" {
            at(59, layout.utc)
        } else {
            quote(value)
        };
        put(path, value);
    }
    for (path, items) in doc.kind.lists().iter().zip(&doc.lists) {
        put(path, list(items, layout.one_per_line && layout.tables != 2));
    }
    let mut top = String::new();
    let mut sections = String::new();
    for (table, values) in &tables {
        if table.is_empty() {
            for (key, value) in values {
                top.push_str(&format!("{key} = {value}\n"));
            }
            continue;
        }
        match layout.tables {
            0 => {
                sections.push_str(&format!("\n[{table}]\n"));
                for (key, value) in values {
                    sections.push_str(&format!("{key} = {value}\n"));
                }
            }
            1 => {
                for (key, value) in values {
                    top.push_str(&format!("{table}.{key} = {value}\n"));
                }
            }
            _ => {
                let pairs: Vec<String> = values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                top.push_str(&format!("{table} = {{ {} }}\n", pairs.join(", ")));
            }
        }
    }
    let name = doc.kind.entries();
    let entry_fields = |entry: &Entry| -> Vec<(String, String)> {
        let mut fields = match doc.kind {
            Kind::Incident => vec![("at".to_string(), at(entry.key, layout.utc))],
            Kind::Postmortem => vec![("id".to_string(), quote(&format!("INC-1.A{}", entry.key)))],
        };
        let text = if doc.kind == Kind::Incident {
            "text"
        } else {
            "title"
        };
        fields.push((text.into(), quote(&entry.text)));
        fields.push(("kind".into(), quote(&entry.kind)));
        fields.push(("links".into(), list(&entry.links, false)));
        fields
    };
    if layout.inline_entries && !doc.entries.is_empty() {
        let entries: Vec<String> = doc
            .entries
            .iter()
            .map(|entry| {
                let pairs: Vec<String> = entry_fields(entry)
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                format!("{{ {} }}", pairs.join(", "))
            })
            .collect();
        top.push_str(&format!("{name} = [\n  {},\n]\n", entries.join(",\n  ")));
    } else {
        for entry in &doc.entries {
            sections.push_str(&format!("\n[[{name}]]\n"));
            for (key, value) in entry_fields(entry) {
                sections.push_str(&format!("{key} = {value}\n"));
            }
        }
    }
    format!("# kept by hand\nschema_version = 1\n{top}{sections}")
}

/// What a merged file holds, read back without regard to layout.
#[derive(Debug, PartialEq)]
struct Read {
    lists: Vec<BTreeSet<String>>,
    /// Entry identity (timeline: time and text; action: title) with its links.
    entries: Vec<(String, BTreeSet<String>)>,
}

fn read(kind: Kind, text: &str) -> Read {
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let value = toml::Value::Table(table);
    let get = |path: &str| {
        path.split('.')
            .try_fold(&value, |value, key| value.get(key))
            .cloned()
    };
    let strings = |value: Option<toml::Value>| -> BTreeSet<String> {
        value
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|v| v.as_str().expect("strings").to_string())
            .collect()
    };
    let lists = kind.lists().iter().map(|path| strings(get(path))).collect();
    let mut entries: Vec<(String, BTreeSet<String>)> = get(kind.entries())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            let identity = match kind {
                Kind::Incident => {
                    let at = entry["at"].as_datetime().expect("a time");
                    let at = Timestamp::from_toml(at).expect("an offset time");
                    format!(
                        "{} {}",
                        at.timestamp(),
                        entry["text"].as_str().unwrap_or("")
                    )
                }
                Kind::Postmortem => entry["title"].as_str().unwrap_or("").to_string(),
            };
            (identity, strings(entry.get("links").cloned()))
        })
        .collect();
    entries.sort();
    Read { lists, entries }
}

/// The values a side holds, in a form that ignores layout, list order and time zones.
fn normalized(text: &str) -> toml::Value {
    fn walk(value: toml::Value) -> toml::Value {
        match value {
            toml::Value::Datetime(at) => match Timestamp::from_toml(&at) {
                Ok(at) => toml::Value::Integer(at.timestamp()),
                Err(_) => toml::Value::Datetime(at),
            },
            toml::Value::Array(items) => {
                let mut items: Vec<toml::Value> = items.into_iter().map(walk).collect();
                items.sort_by_key(|item| item.to_string());
                toml::Value::Array(items)
            }
            toml::Value::Table(table) => {
                toml::Value::Table(table.into_iter().map(|(k, v)| (k, walk(v))).collect())
            }
            other => other,
        }
    }
    walk(toml::Value::Table(
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}")),
    ))
}

#[derive(Debug, Clone)]
struct Case {
    kind: Kind,
    base: Vec<Edit>,
    ours: Vec<Edit>,
    theirs: Vec<Edit>,
    layouts: [Layout; 3],
    /// The base is absent: both sides added the file (`postmortem new` on both).
    added_on_both: bool,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    let edits = || prop::collection::vec(edit_strategy(), 0..10);
    (
        prop_oneof![Just(Kind::Incident), Just(Kind::Postmortem)],
        edits(),
        edits(),
        edits(),
        [layout_strategy(), layout_strategy(), layout_strategy()],
        prop::bool::weighted(0.15),
    )
        .prop_map(|(kind, base, ours, theirs, layouts, added_on_both)| Case {
            kind,
            base,
            ours,
            theirs,
            layouts,
            added_on_both,
        })
}

fn check_laws(case: &Case) -> Result<(), TestCaseError> {
    let base_doc = Doc::base(case.kind, &case.base);
    let mut ours_doc = base_doc.clone();
    ours_doc.apply(&case.ours);
    let mut theirs_doc = base_doc.clone();
    theirs_doc.apply(&case.theirs);
    let [b, o, t] = case.layouts;
    let (base, ours, theirs) = (
        render(&base_doc, b),
        render(&ours_doc, o),
        render(&theirs_doc, t),
    );
    let base = (!case.added_on_both).then_some(base.as_str());
    let merge = |b: Option<&str>, o: &str, t: &str| {
        merge_toml("f.toml", b, o, t)
            .map(|m| m.text)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let merged = merge(base, &ours, &theirs);
    // Deterministic.
    prop_assert_eq!(&merge(base, &ours, &theirs), &merged);
    if let Some(base) = base {
        // Nothing new on their side: ours, exactly. Nothing new on ours: theirs.
        prop_assert_eq!(merge(Some(base), &ours, base), ours.clone());
        prop_assert_eq!(
            normalized(&merge(Some(base), base, &theirs)),
            normalized(&theirs)
        );
    }
    // Every list item, entry and entry link either side added is in the result.
    let empty = Read {
        lists: case.kind.lists().iter().map(|_| BTreeSet::new()).collect(),
        entries: Vec::new(),
    };
    let before = base.map_or(empty, |base| read(case.kind, base));
    let after = read(case.kind, &merged);
    for side in [&ours, &theirs] {
        let side = read(case.kind, side);
        for (field, (items, was)) in side.lists.iter().zip(&before.lists).enumerate() {
            for item in items.difference(was) {
                prop_assert!(
                    after.lists[field].contains(item),
                    "{} lost {item:?}\n{merged}",
                    case.kind.lists()[field]
                );
            }
        }
        for (identity, links) in &side.entries {
            let was: BTreeSet<String> = before
                .entries
                .iter()
                .filter(|(id, _)| id == identity)
                .flat_map(|(_, links)| links.clone())
                .collect();
            let found = after.entries.iter().find(|(id, _)| id == identity);
            if was.is_empty() && !before.entries.iter().any(|(id, _)| id == identity) {
                prop_assert!(found.is_some(), "lost entry {identity:?}\n{merged}");
            }
            if let Some((_, kept)) = found {
                for link in links.difference(&was) {
                    prop_assert!(
                        kept.contains(link),
                        "lost link {link} of {identity}\n{merged}"
                    );
                }
            }
        }
    }
    Ok(())
}

#[test]
fn merge_laws_hold_for_every_field_in_every_layout() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 600,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    runner
        .run(&case_strategy(), |case| check_laws(&case))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The renderer itself writes what it means to, in every layout.
#[test]
fn generated_files_read_back_in_every_layout() {
    let doc = Doc::base(
        Kind::Postmortem,
        &[
            Edit::AddItem(8, 0),
            Edit::AddItem(9, 1),
            Edit::AddEntry(3, 2),
            Edit::EntryLink(0, 3),
        ],
    );
    let expected = read(
        Kind::Postmortem,
        &render(
            &doc,
            Layout {
                one_per_line: false,
                tables: 0,
                inline_entries: false,
                utc: false,
            },
        ),
    );
    assert_eq!(expected.lists[8], BTreeSet::from(["a".to_string()]));
    assert_eq!(expected.lists[9], BTreeSet::from(["b".to_string()]));
    assert_eq!(expected.entries.len(), 1);
    for tables in 0..3 {
        for flags in 0..8u8 {
            let layout = Layout {
                one_per_line: flags & 1 != 0,
                tables,
                inline_entries: flags & 2 != 0,
                utc: flags & 4 != 0,
            };
            assert_eq!(read(Kind::Postmortem, &render(&doc, layout)), expected);
        }
    }
}
