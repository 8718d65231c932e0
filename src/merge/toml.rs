//! Three-way merge of one TOML file by structure: per key, per list item and per
//! `[[array]]` entry matched by identity, never per line. The result is our document
//! with their changes applied key by key, so our comments and layout survive.

use std::collections::{HashMap, HashSet};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::Side;
use crate::error::Result;
use crate::model::Timestamp;
use crate::store::edit;

/// Both sides changed one field differently: theirs is kept, except that an entry
/// one side changed is never dropped because the other removed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// Dotted path, with array entries named by identity: `action[INC-3.A1].owner`.
    pub field: String,
    pub ours: String,
    pub theirs: String,
    pub kept: Side,
}

#[derive(Debug, Default)]
pub struct FileMerge {
    pub text: String,
    pub conflicts: Vec<FieldConflict>,
    /// Action items both sides added under one ID: ours moves to the next free number.
    pub renumbered: Vec<(String, String)>,
}

/// Merges `theirs` into `ours` with `base` as the common ancestor (`None`: both added it).
pub fn merge_toml(path: &str, base: Option<&str>, ours: &str, theirs: &str) -> Result<FileMerge> {
    let mut doc = edit::parse_mut(path, ours)?;
    let theirs = edit::parse_mut(path, theirs)?;
    let base = base.map(|text| edit::parse_mut(path, text)).transpose()?;
    let mut merge = FileMerge::default();
    merge_table(
        doc.as_table_mut(),
        base.as_ref().map(DocumentMut::as_table),
        theirs.as_table(),
        "",
        &mut merge,
    )?;
    merge.text = doc.to_string();
    Ok(merge)
}

/// The value an item stands for, without formatting: what "changed" is judged on.
pub(crate) fn plain(item: Option<&Item>) -> Option<toml::Value> {
    let item = item.filter(|item| !item.is_none())?;
    let mut doc = DocumentMut::new();
    let mut item = item.clone();
    match &mut item {
        Item::Table(table) => table.set_implicit(false),
        // The whitespace before a list element (a newline, in a one-per-line list) is
        // layout, and would not parse after `v =`.
        Item::Value(value) => value.decor_mut().clear(),
        _ => {}
    }
    doc.insert("v", item);
    toml::from_str::<toml::Table>(&doc.to_string())
        .ok()
        .and_then(|mut table| table.remove("v"))
}

fn show(value: Option<&toml::Value>) -> String {
    match value {
        None => "(none)".to_string(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(other) => other.to_string().trim().to_string(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// How entries of an array of tables are matched across versions: a timeline entry is
/// the same fact when its time and text agree (its kind or links may be corrected on
/// either side); an action item, a task and a step of the flow are their `id`.
pub(crate) fn identity(array: &str, entry: &toml::Value) -> String {
    let field = |key: &str| entry.get(key).map(show_key).unwrap_or_default();
    match array {
        "timeline" => format!("{}\u{1f}{}", instant(entry.get("at")), field("text")),
        "action" | "task" | "step" => field("id"),
        "severity" => field("name"),
        _ => entry.to_string(),
    }
}

/// One moment written with two offsets (`+09:00`, `Z`) is one moment.
fn instant(value: Option<&toml::Value>) -> String {
    match value {
        Some(toml::Value::Datetime(at)) => match Timestamp::from_toml(at) {
            Ok(at) => at.timestamp().to_string(),
            Err(_) => at.to_string(),
        },
        Some(other) => show_key(other),
        None => String::new(),
    }
}

fn show_key(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short name for an entry in conflict reports.
fn label(array: &str, entry: &toml::Value) -> String {
    match array {
        "timeline" => entry.get("at").map(show_key).unwrap_or_default(),
        _ => identity(array, entry),
    }
}

fn merge_table(
    out: &mut Table,
    base: Option<&Table>,
    theirs: &Table,
    path: &str,
    merge: &mut FileMerge,
) -> Result<()> {
    let mut keys: Vec<String> = out.iter().map(|(k, _)| k.to_string()).collect();
    for (key, _) in theirs.iter() {
        if !out.contains_key(key) {
            keys.push(key.to_string());
        }
    }
    for key in keys {
        let base_item = base.and_then(|t| t.get(&key));
        let their_item = theirs.get(&key);
        let (b, o, t) = (plain(base_item), plain(out.get(&key)), plain(their_item));
        if o == t || b == t {
            continue;
        }
        if b == o {
            take(out, &key, their_item);
            continue;
        }
        let field = join(path, &key);
        // A side that removed a list or table (every `[[entry]]`, say) has no key at
        // all: read it as empty, so what the other side added there is still merged in.
        let emptied;
        let their_item = match (out.get(&key), their_item) {
            (Some(ours), None) if !matches!(ours, Item::Value(v) if !v.is_array() && !v.is_inline_table()) =>
            {
                emptied = empty_like(ours);
                Some(&emptied)
            }
            (None, Some(theirs @ (Item::ArrayOfTables(_) | Item::Value(Value::Array(_))))) => {
                out.insert(&key, empty_like(theirs));
                their_item
            }
            _ => their_item,
        };
        // Each side may lay a value out its own way (`[kpt]`, `kpt.keep`, `kpt = {…}`;
        // `[[timeline]]` or an inline list): theirs and the base are read in our shape.
        let (base_item, their_item) = match out.get(&key) {
            Some(ours) => (
                base_item.map(|b| reshaped(b, ours)),
                their_item.map(|t| reshaped(t, ours)),
            ),
            None => (base_item.cloned(), their_item.cloned()),
        };
        let (base_item, their_item) = (base_item.as_ref(), their_item.as_ref());
        match (out.get_mut(&key), their_item) {
            (Some(Item::Table(mine)), Some(Item::Table(their))) => {
                merge_table(
                    mine,
                    base_item.and_then(Item::as_table),
                    their,
                    &field,
                    merge,
                )?;
            }
            (
                Some(Item::Value(Value::InlineTable(mine))),
                Some(Item::Value(Value::InlineTable(their))),
            ) => {
                let mut table = mine.clone().into_table();
                let base = base_item
                    .and_then(Item::as_inline_table)
                    .map(|b| b.clone().into_table());
                merge_table(
                    &mut table,
                    base.as_ref(),
                    &their.clone().into_table(),
                    &field,
                    merge,
                )?;
                let decor = mine.decor().clone();
                *mine = table.into_inline_table();
                *mine.decor_mut() = decor;
            }
            (Some(Item::ArrayOfTables(mine)), Some(Item::ArrayOfTables(their))) => {
                merge_entries(
                    &key,
                    mine,
                    base_item.and_then(Item::as_array_of_tables),
                    their,
                    &field,
                    merge,
                )?;
            }
            (Some(Item::Value(Value::Array(mine))), Some(Item::Value(Value::Array(their))))
                if is_entry_list(mine) && is_entry_list(their) =>
            {
                // An inline list of tables: merged as entries, written back inline.
                let entries = |a: &toml_edit::Array| {
                    Item::Value(Value::Array(a.clone()))
                        .into_array_of_tables()
                        .unwrap_or_default()
                };
                let mut tables = entries(mine);
                let base = base_item.and_then(Item::as_array).map(entries);
                merge_entries(
                    &key,
                    &mut tables,
                    base.as_ref(),
                    &entries(their),
                    &field,
                    merge,
                )?;
                let decor = mine.decor().clone();
                *mine = tables.into_array();
                *mine.decor_mut() = decor;
            }
            (Some(Item::Value(Value::Array(mine))), Some(Item::Value(Value::Array(their)))) => {
                merge_set(mine, base_item.and_then(Item::as_array), their);
            }
            _ => {
                merge.conflicts.push(FieldConflict {
                    field,
                    ours: show(o.as_ref()),
                    theirs: show(t.as_ref()),
                    kept: Side::Theirs,
                });
                take(out, &key, their_item);
            }
        }
    }
    Ok(())
}

/// An empty value of the same shape: a list, a table, an inline table.
fn empty_like(item: &Item) -> Item {
    match item {
        Item::ArrayOfTables(_) => Item::ArrayOfTables(ArrayOfTables::new()),
        Item::Table(_) => Item::Table(Table::new()),
        Item::Value(Value::InlineTable(_)) => Item::Value(Value::InlineTable(Default::default())),
        _ => Item::Value(Value::Array(Default::default())),
    }
}

/// A list whose items are tables (and which has some): entries, not a set of values.
fn is_entry_list(array: &toml_edit::Array) -> bool {
    !array.is_empty() && array.iter().all(Value::is_inline_table)
}

/// `item` laid out like `like`: a table as an inline table or the reverse, a list of
/// tables as `[[array]]` entries or the reverse. Anything else is returned as it is.
fn reshaped(item: &Item, like: &Item) -> Item {
    match (item, like) {
        (Item::Value(Value::InlineTable(table)), Item::Table(_)) => {
            Item::Table(table.clone().into_table())
        }
        (Item::Table(table), Item::Value(Value::InlineTable(_))) => {
            Item::Value(Value::InlineTable(table.clone().into_inline_table()))
        }
        (Item::Value(Value::Array(array)), Item::ArrayOfTables(_))
            if array.iter().all(Value::is_inline_table) =>
        {
            item.clone()
                .into_array_of_tables()
                .map(Item::ArrayOfTables)
                .unwrap_or_else(|item| item)
        }
        (Item::ArrayOfTables(tables), Item::Value(Value::Array(_))) => {
            Item::Value(Value::Array(tables.clone().into_array()))
        }
        _ => item.clone(),
    }
}

/// Replaces our item with theirs (or removes it), keeping our comments and placement.
fn take(out: &mut Table, key: &str, theirs: Option<&Item>) {
    let Some(theirs) = theirs else {
        out.remove(key);
        return;
    };
    match (out.get_mut(key), theirs) {
        (Some(Item::Value(mine)), Item::Value(value)) => {
            let mut value = value.clone();
            *value.decor_mut() = mine.decor().clone();
            *mine = value;
        }
        (Some(Item::Table(mine)), Item::Table(their)) => {
            let (position, decor) = (mine.position(), mine.decor().clone());
            *mine = their.clone();
            mine.set_position(position);
            *mine.decor_mut() = decor;
        }
        (Some(Item::ArrayOfTables(mine)), Item::ArrayOfTables(their)) => {
            let anchor = first_position(mine);
            *mine = their.clone();
            anchor_positions(mine, anchor);
        }
        (_, item) => {
            let mut item = item.clone();
            // Their position numbers mean nothing in our document: new tables go last.
            match &mut item {
                Item::Table(table) => table.set_position(None),
                Item::ArrayOfTables(array) => anchor_positions(array, None),
                _ => {}
            }
            out.insert(key, item);
        }
    }
}

fn first_position(array: &ArrayOfTables) -> Option<isize> {
    array.iter().filter_map(Table::position).min()
}

/// Gives every entry one position so they print together, in array order.
fn anchor_positions(array: &mut ArrayOfTables, anchor: Option<isize>) {
    for table in array.iter_mut() {
        table.set_position(anchor);
    }
}

/// Lists of values (services, labels, whys, lessons…): a set union where an item one
/// side removed stays removed, our order is kept and theirs' additions follow in our
/// layout.
fn merge_set(
    mine: &mut toml_edit::Array,
    base: Option<&toml_edit::Array>,
    theirs: &toml_edit::Array,
) {
    let key = |v: &Value| plain(Some(&Item::Value(v.clone())));
    let base: Vec<_> = base
        .map(|b| b.iter().map(key).collect())
        .unwrap_or_default();
    let their_keys: Vec<_> = theirs.iter().map(key).collect();
    let removed: Vec<_> = base.iter().filter(|b| !their_keys.contains(b)).collect();
    mine.retain(|v| !removed.contains(&&key(v)));
    let ours: Vec<_> = mine.iter().map(key).collect();
    for (value, k) in theirs.iter().zip(&their_keys) {
        if !base.contains(k) && !ours.contains(k) {
            edit::push_in_layout(mine, value.clone());
        }
    }
}

/// `[[timeline]]`, `[[action]]`, `[[severity]]`: entries matched by identity, each
/// merged field by field; additions from both sides kept; removals honoured when the
/// other side left the entry alone.
fn merge_entries(
    name: &str,
    mine: &mut ArrayOfTables,
    base: Option<&ArrayOfTables>,
    theirs: &ArrayOfTables,
    path: &str,
    merge: &mut FileMerge,
) -> Result<()> {
    let plain_table =
        |t: &Table| plain(Some(&Item::Table(t.clone()))).unwrap_or(toml::Value::Boolean(false));
    let ident = |t: &Table| identity(name, &plain_table(t));
    let base_entries: HashMap<String, &Table> = base
        .map(|b| b.iter().map(|t| (ident(t), t)).collect())
        .unwrap_or_default();
    let their_entries: HashMap<String, &Table> = theirs.iter().map(|t| (ident(t), t)).collect();
    let anchor = first_position(mine);
    let mut ours_seen = HashSet::new();
    let mut result: Vec<Table> = Vec::new();
    let mut renumber: Vec<Table> = Vec::new();
    for table in mine.iter() {
        let id = ident(table);
        let base_entry = base_entries.get(&id).copied();
        let renumbering = base_entry.is_none()
            && name == "action"
            && their_entries
                .get(&id)
                .is_some_and(|their| differs_in_title(table, their));
        if !renumbering {
            ours_seen.insert(id.clone());
        }
        match (base_entry, their_entries.get(&id)) {
            _ if renumbering => {
                // Both sides added an action item under one ID offline: keep both.
                renumber.push(table.clone());
                continue;
            }
            (_, Some(their)) => {
                let mut table = table.clone();
                if plain_table(&table) != plain_table(their) {
                    let field = format!("{path}[{}]", label(name, &plain_table(&table)));
                    merge_table(&mut table, base_entry, their, &field, merge)?;
                }
                result.push(table);
            }
            (Some(base_entry), None) => {
                if plain_table(table) != plain_table(base_entry) {
                    merge.conflicts.push(FieldConflict {
                        field: format!("{path}[{}]", label(name, &plain_table(table))),
                        ours: "changed".into(),
                        theirs: "removed".into(),
                        kept: Side::Ours,
                    });
                    result.push(table.clone());
                }
            }
            (None, None) => result.push(table.clone()),
        }
    }
    for their in theirs.iter() {
        let id = ident(their);
        if ours_seen.contains(&id) {
            continue;
        }
        match base_entries.get(&id) {
            Some(base_entry) if plain_table(base_entry) == plain_table(their) => {}
            Some(_) => {
                merge.conflicts.push(FieldConflict {
                    field: format!("{path}[{}]", label(name, &plain_table(their))),
                    ours: "removed".into(),
                    theirs: "changed".into(),
                    kept: Side::Theirs,
                });
                result.push(their.clone());
            }
            None => result.push(their.clone()),
        }
    }
    if !renumber.is_empty() {
        let mut next = result
            .iter()
            .filter_map(|t| t.get("id").and_then(Item::as_str).and_then(action_number))
            .max()
            .unwrap_or(0);
        for mut table in renumber {
            let old = table
                .get("id")
                .and_then(Item::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some((incident, _)) = old.rsplit_once(".A") {
                next = crate::model::next_action_number(incident, next)?;
                let new = format!("{incident}.A{next}");
                edit::set_value(&mut table, "id", Some(edit::string(&new)));
                merge.renumbered.push((old, new));
            }
            result.push(table);
        }
    }
    if name == "timeline" {
        // Interleaved entries from both sides read in time order; ties keep their order.
        result.sort_by_key(|t| {
            plain(t.get("at"))
                .and_then(|v| v.as_datetime().and_then(|d| Timestamp::from_toml(d).ok()))
                .map(Timestamp::timestamp)
                .unwrap_or(i64::MAX)
        });
    }
    let mut array = ArrayOfTables::new();
    for table in result {
        array.push(table);
    }
    anchor_positions(&mut array, anchor);
    *mine = array;
    Ok(())
}

fn differs_in_title(a: &Table, b: &Table) -> bool {
    plain(a.get("title")) != plain(b.get("title"))
}

fn action_number(id: &str) -> Option<u32> {
    id.rsplit_once(".A").and_then(|(_, n)| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"#:schema ../../../schema/incident.schema.json
# Notes kept by hand.
id = "INC-1"
title = "Checkout down"
status = "investigating"
services = ["checkout"]
labels = ["db", "payments"]

[times]
detected = 2026-11-23T10:00:00+09:00

[[timeline]]
at = 2026-11-23T10:00:00+09:00
kind = "alert"
text = "Pager fired"
"#;

    fn merged(base: &str, ours: &str, theirs: &str) -> FileMerge {
        merge_toml("f.toml", Some(base), ours, theirs).unwrap()
    }

    fn value(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn different_fields_on_each_side_both_land_and_comments_survive() {
        let ours = BASE.replace("status = \"investigating\"", "status = \"mitigated\"");
        let theirs = BASE.replace("title = \"Checkout down\"", "title = \"Checkout API 500s\"");
        let out = merged(BASE, &ours, &theirs);
        assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
        let v = value(&out.text);
        assert_eq!(v["status"].as_str(), Some("mitigated"));
        assert_eq!(v["title"].as_str(), Some("Checkout API 500s"));
        assert!(
            out.text.starts_with(
                "#:schema ../../../schema/incident.schema.json\n# Notes kept by hand.\n"
            ),
            "{}",
            out.text
        );
    }

    #[test]
    fn lists_are_sets_with_removals_honoured() {
        let ours = BASE.replace(
            "services = [\"checkout\"]",
            "services = [\"checkout\", \"api\"]",
        );
        let theirs = BASE
            .replace(
                "services = [\"checkout\"]",
                "services = [\"checkout\", \"web\"]",
            )
            .replace("labels = [\"db\", \"payments\"]", "labels = [\"payments\"]");
        let ours = ours.replace(
            "labels = [\"db\", \"payments\"]",
            "labels = [\"db\", \"payments\", \"p1\"]",
        );
        let out = merged(BASE, &ours, &theirs);
        let v = value(&out.text);
        assert_eq!(
            v["services"],
            toml::Value::Array(vec!["checkout".into(), "api".into(), "web".into()])
        );
        assert_eq!(
            v["labels"],
            toml::Value::Array(vec!["payments".into(), "p1".into()])
        );
        assert!(out.conflicts.is_empty());
    }

    #[test]
    fn a_task_changed_on_both_sides_is_one_task_with_both_changes() {
        let tasks = |within: &str, title: &str| {
            format!(
                "\n[[task]]\nid = \"T1\"\ntitle = \"{title}\"\nwithin = \"{within}\"\n\n[[task]]\nid = \"T2\"\ntitle = \"Status page\"\n"
            )
        };
        let with = |tasks: &str| BASE.replace("\n[[timeline]]", &format!("{tasks}\n[[timeline]]"));
        let base = with(&tasks("15m", "Name a commander"));
        // Ours raised the severity (a tighter timing), theirs reworded the title.
        let ours = with(&tasks("5m", "Name a commander"));
        let theirs = with(&tasks("15m", "Name an incident commander"));
        let out = merged(&base, &ours, &theirs);
        assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
        let v = value(&out.text);
        let tasks = v["task"].as_array().unwrap();
        assert_eq!(tasks.len(), 2, "{}", out.text);
        assert_eq!(tasks[0]["within"].as_str(), Some("5m"));
        assert_eq!(
            tasks[0]["title"].as_str(),
            Some("Name an incident commander")
        );
    }

    #[test]
    fn interleaved_timelines_are_unioned_in_time_order() {
        let entry = |at: &str, text: &str| {
            format!(
                "\n[[timeline]]\nat = 2026-11-23T{at}:00+09:00\nkind = \"note\"\ntext = \"{text}\"\n"
            )
        };
        let ours = format!(
            "{BASE}{}{}",
            entry("10:05", "ours 1"),
            entry("10:20", "ours 2")
        );
        let theirs = format!(
            "{BASE}{}{}",
            entry("10:10", "theirs 1"),
            entry("10:30", "theirs 2")
        );
        let out = merged(BASE, &ours, &theirs);
        let v = value(&out.text);
        let texts: Vec<&str> = v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["Pager fired", "ours 1", "theirs 1", "ours 2", "theirs 2"]
        );
        // Syncing again when the other side has nothing new changes nothing.
        let again = merged(&theirs, &out.text, &theirs);
        assert_eq!(again.text, out.text);
    }

    #[test]
    fn same_field_changed_on_both_sides_keeps_theirs_and_reports() {
        let ours = BASE.replace("title = \"Checkout down\"", "title = \"Ours\"");
        let theirs = BASE.replace("title = \"Checkout down\"", "title = \"Theirs\"");
        let out = merged(BASE, &ours, &theirs);
        assert_eq!(value(&out.text)["title"].as_str(), Some("Theirs"));
        assert_eq!(
            out.conflicts,
            [FieldConflict {
                field: "title".into(),
                ours: "Ours".into(),
                theirs: "Theirs".into(),
                kept: Side::Theirs
            }]
        );
    }

    #[test]
    fn nested_tables_merge_per_key() {
        let ours = BASE.replace(
            "[times]\n",
            "[times]\nstarted = 2026-11-23T09:50:00+09:00\n",
        );
        let theirs = BASE.replace(
            "[times]\n",
            "[times]\nmitigated = 2026-11-23T10:30:00+09:00\n",
        );
        let v = value(&merged(BASE, &ours, &theirs).text);
        assert!(v["times"].get("started").is_some() && v["times"].get("mitigated").is_some());
    }

    const PM: &str = "incident = \"INC-1\"\nstatus = \"draft\"\n\n[[action]]\nid = \"INC-1.A1\"\ntitle = \"Add alert\"\nkind = \"detect\"\nstatus = \"open\"\n";

    #[test]
    fn actions_merge_per_field_and_colliding_ids_are_renumbered() {
        let ours = format!(
            "{}\n[[action]]\nid = \"INC-1.A2\"\ntitle = \"Runbook\"\nkind = \"process\"\nstatus = \"open\"\n",
            PM.replace("status = \"open\"", "status = \"open\"\nowner = \"ana\"")
        );
        let theirs = format!(
            "{}\n[[action]]\nid = \"INC-1.A2\"\ntitle = \"Canary deploys\"\nkind = \"prevent\"\nstatus = \"open\"\n",
            PM.replace("kind = \"detect\"", "kind = \"detect\"\ndue = 2026-12-01")
        );
        let out = merged(PM, &ours, &theirs);
        let v = value(&out.text);
        let actions = v["action"].as_array().unwrap();
        assert_eq!(actions.len(), 3, "{}", out.text);
        assert_eq!(actions[0]["owner"].as_str(), Some("ana"));
        assert!(actions[0].get("due").is_some());
        assert_eq!(actions[1]["title"].as_str(), Some("Canary deploys"));
        assert_eq!(
            (actions[2]["id"].as_str(), actions[2]["title"].as_str()),
            (Some("INC-1.A3"), Some("Runbook"))
        );
        assert_eq!(
            out.renumbered,
            [("INC-1.A2".to_string(), "INC-1.A3".to_string())]
        );
    }

    #[test]
    fn removed_entries_stay_removed_unless_changed_on_the_other_side() {
        let theirs = PM.replace("\n[[action]]\nid = \"INC-1.A1\"\ntitle = \"Add alert\"\nkind = \"detect\"\nstatus = \"open\"\n", "");
        let ours = PM.replace("status = \"draft\"", "status = \"in_review\"");
        let v = value(&merged(PM, &ours, &theirs).text);
        assert!(
            v.get("action")
                .is_none_or(|a| a.as_array().unwrap().is_empty())
        );
        let ours = PM.replace("title = \"Add alert\"", "title = \"Add an alert\"");
        let out = merged(PM, &ours, &theirs);
        assert_eq!(value(&out.text)["action"].as_array().unwrap().len(), 1);
        assert_eq!(out.conflicts[0].field, "action[INC-1.A1]");
    }
}
