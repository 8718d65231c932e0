//! Incident commands: open, take command, change status, set fields, add to the timeline.

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::check::{self, incident_errors};
use crate::error::{Error, Result};
use crate::model::{
    Config, Detection, Incident, IncidentId, Status, Step, TimeContext, TimeKey, TimelineEntry,
    TimelineKind, Times, Timestamp,
};
use crate::store::edit::{self, Assignment, FieldType, Op};
use crate::store::{Change, IncidentEntry, Loaded, Snapshot, Store, WriteContext, Written, layout};

pub struct NewIncident {
    pub title: String,
    pub severity: String,
    pub services: Vec<String>,
    pub teams: Vec<String>,
    pub commander: Option<String>,
    pub started: Option<String>,
    pub detected: Option<String>,
    pub summary: Option<String>,
    pub drill: bool,
}

/// Opens an incident and returns its ID and its severity, whose response flow became
/// its tasks; on a lost race the next free number is taken.
pub fn create(
    store: &Store,
    new: &NewIncident,
) -> Result<Written<(IncidentId, crate::model::Severity)>> {
    if new.title.trim().is_empty() {
        return Err(Error::invalid("the title cannot be empty"));
    }
    let uid = uuid::Uuid::new_v4().to_string();
    let typist = crate::store::typist_zone()?;
    let written = store.write(|snapshot, ctx| {
        let config = snapshot.config()?;
        let time = TimeContext::new(ctx.committer.time, config.zone()?, typist)?;
        let level = config.require_severity(&new.severity)?.clone();
        let severity = level.name.clone();
        for service in &new.services {
            config.require_service(service)?;
        }
        for team in &new.teams {
            config.require_team(team)?;
        }
        let detected = match &new.detected {
            Some(input) => time.parse_incident_time("detected", input)?,
            None => time.now(),
        };
        let started = new
            .started
            .as_deref()
            .map(|s| time.parse_incident_time("started", s))
            .transpose()?;
        let commander = new
            .commander
            .as_deref()
            .map(|who| config.who(who, &ctx.author.name, &ctx.author.email))
            .filter(|who| !who.is_empty());
        let id = snapshot.next_id(&config.id_prefix)?;
        let year = time
            .now()
            .0
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .expect("a year is a number");
        let incident = Incident {
            schema_version: crate::model::incident::SCHEMA_VERSION,
            id: id.to_string(),
            uid: uid.clone(),
            title: new.title.trim().to_string(),
            severity: severity.clone(),
            status: Status::Investigating,
            summary: new.summary.clone().filter(|s| !s.trim().is_empty()),
            customer_impact: None,
            services: new.services.clone(),
            teams: new.teams.clone(),
            labels: Vec::new(),
            commander: commander.clone(),
            roles: Default::default(),
            detection: None,
            drill: new.drill,
            related: Vec::new(),
            changes: Default::default(),
            times: Times {
                started,
                detected: Some(detected),
                acknowledged: commander.as_ref().map(|_| time.now()),
                ..Default::default()
            },
            task: level.step.clone(),
            timeline: Vec::new(),
            source: None,
        };
        let entry = IncidentEntry {
            id: id.clone(),
            year,
            dir: layout::incident_dir(year, &id),
            tree: crate::store::Oid::ZERO_SHA1,
        };
        let text = new_incident_text(&incident);
        check::refuse_new_errors(
            "incident",
            Vec::new,
            &incident_errors(&config, &entry, &text),
        )?;
        let change = Change::new(format!("{id}: open {severity} {:?}", incident.title))
            .put(entry.incident_path(), text)
            .trailer("Incident", id.to_string())
            .notes(time.take_notes());
        Ok((change, (id, level)))
    })?;
    Ok(written)
}

/// The text of a new incident.toml, laid out in the contract's field order.
pub fn new_incident_text(incident: &Incident) -> String {
    let mut doc = DocumentMut::new();
    let root = doc.as_table_mut();
    root.insert(
        "schema_version",
        Item::Value(Value::from(i64::from(incident.schema_version))),
    );
    root.insert("id", Item::Value(edit::string(&incident.id)));
    root.insert("uid", Item::Value(edit::string(&incident.uid)));
    root.insert("title", Item::Value(edit::string(&incident.title)));
    root.insert("severity", Item::Value(edit::string(&incident.severity)));
    root.insert(
        "status",
        Item::Value(edit::string(incident.status.as_str())),
    );
    for (key, value) in [
        ("summary", &incident.summary),
        ("customer_impact", &incident.customer_impact),
        ("commander", &incident.commander),
    ] {
        if let Some(value) = value {
            root.insert(key, Item::Value(edit::string(value)));
        }
    }
    for (key, list) in [
        ("services", &incident.services),
        ("teams", &incident.teams),
        ("labels", &incident.labels),
    ] {
        root.insert(key, Item::Value(edit::string_array(list)));
    }
    if incident.drill {
        root.insert("drill", Item::Value(Value::from(true)));
    }
    let mut times = Table::new();
    for (key, t) in incident.times.known() {
        times.insert(key.as_str(), Item::Value(Value::from(t.to_toml())));
    }
    root.insert("times", Item::Table(times));
    for step in &incident.task {
        edit::push_array_table(&mut doc, "task", task_table(step))
            .expect("a new document has no other task key");
    }
    format!("{}\n{doc}", layout::schema_directive(layout::INCIDENT_FILE))
}

/// What an edit of one incident sees: its document, its current values, and the context.
pub struct IncidentEdit<'a> {
    pub id: IncidentId,
    pub doc: DocumentMut,
    pub current: Incident,
    pub config: &'a Config,
    pub time: TimeContext,
    /// Who is writing: the handle of the git identity, else its name.
    pub author: String,
    /// The branch as the edit found it, to look other incidents up.
    pub snapshot: &'a Snapshot<'a>,
}

/// Loads an incident from a snapshot, parsing the user's ID with the configured prefix.
pub fn load(
    snapshot: &Snapshot<'_>,
    config: &Config,
    id: &str,
) -> Result<(IncidentEntry, Loaded<Incident>)> {
    let id = IncidentId::parse_with_prefix(id, &config.id_prefix)?;
    let entry = snapshot.require(&id)?;
    let loaded = snapshot.incident(&entry)?;
    Ok((entry, loaded))
}

/// Runs `f` on the incident and commits the result as `<ID>: <subject>`.
pub fn update<T>(
    store: &Store,
    id: &str,
    mut f: impl FnMut(&mut IncidentEdit<'_>) -> Result<(String, T)>,
) -> Result<Written<T>> {
    let typist = crate::store::typist_zone()?;
    store.write(|snapshot, ctx: &WriteContext| {
        let config = snapshot.config()?;
        let entry = snapshot.require(&IncidentId::parse_with_prefix(id, &config.id_prefix)?)?;
        let path = entry.incident_path();
        let before = snapshot
            .read_in(&entry, layout::INCIDENT_FILE)?
            .ok_or_else(|| Error::not_found(format!("{path} is missing")))?;
        let mut opened = Opened::open(&path, &before)?;
        let current = opened.current(&path)?;
        let mut edit = IncidentEdit {
            id: entry.id.clone(),
            doc: opened.doc,
            current,
            config: &config,
            time: TimeContext::new(ctx.committer.time, config.zone()?, typist)?,
            author: config.me(&ctx.author.name, &ctx.author.email),
            snapshot,
        };
        let (subject, value) = f(&mut edit)?;
        opened.doc = edit.doc;
        let written = opened.finish(&before);
        check::refuse_new_errors(
            "incident",
            || incident_errors(&config, &entry, written.checked_before),
            &written.place(incident_errors(&config, &entry, &written.checked_after)),
        )?;
        let text = written.text;
        let change = Change::new(format!("{}: {subject}", entry.id))
            .put(path, text)
            .trailer("Incident", entry.id.to_string())
            .notes(edit.time.take_notes());
        Ok((change, value))
    })
}

/// An incident file open for an edit. The edits change the top of the file and append
/// to the timeline; they never change an entry. So when the timeline is the file's last
/// part and plainly laid out, only the top is parsed and re-encoded, and the timeline is
/// kept as text with new entries appended: a write to an incident with 10,000 entries
/// costs about what one to a new incident does, plus the check of the result. Anything
/// less plain (other tables after it, multi-line strings) is edited as a whole.
struct Opened<'t> {
    doc: DocumentMut,
    /// The top of the file (what `doc` was parsed from), and the timeline's text.
    split: Option<(&'t str, &'t str)>,
}

impl<'t> Opened<'t> {
    fn open(path: &str, text: &'t str) -> Result<Opened<'t>> {
        if let Some((head, tail)) = split_timeline(text) {
            let doc = edit::parse_mut(path, head)?;
            if !doc.contains_key("timeline") {
                return Ok(Opened {
                    doc,
                    split: Some((head, tail)),
                });
            }
        }
        Ok(Opened {
            doc: edit::parse_mut(path, text)?,
            split: None,
        })
    }

    /// The incident without its timeline, which no edit reads.
    fn current(&mut self, path: &str) -> Result<Incident> {
        match self.split {
            Some((head, _)) => crate::store::codec::parse(path, head).map_err(Error::File),
            None => without_timeline(path, &mut self.doc),
        }
    }

    /// The new text of the file, and what to check of it.
    fn finish(mut self, before: &'t str) -> Finished<'t> {
        let Some((head, tail)) = self.split else {
            let text = self.doc.to_string();
            return Finished {
                checked_after: text.clone(),
                text,
                checked_before: before,
                tail_lines: None,
            };
        };
        let added = self.doc.remove("timeline");
        let mut top = self.doc.to_string();
        let mut text = top.clone();
        text.push_str(tail);
        let mut tail_lines = None;
        if let Some(added) = added {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            let mut rest = DocumentMut::new();
            rest.insert("timeline", added);
            let rest = rest.to_string();
            text.push_str(&rest);
            tail_lines = Some((top.matches('\n').count(), tail.matches('\n').count()));
            top.push_str(&rest);
        }
        Finished {
            text,
            checked_after: top,
            checked_before: head,
            tail_lines,
        }
    }
}

/// An edited incident file. The kept timeline holds only `[[timeline]]` entries, whose
/// rules are warnings and whose errors (of format) it had before: the errors a write
/// could add are in the top of the file and in the entries it appends, so only those
/// are checked, before and after (checking the whole result was most of a write's
/// cost on a long incident).
struct Finished<'t> {
    text: String,
    checked_after: String,
    checked_before: &'t str,
    /// Lines of the top and of the kept timeline, when entries were appended after it.
    tail_lines: Option<(usize, usize)>,
}

impl Finished<'_> {
    /// Findings on `checked_after` placed on the lines of the whole file.
    fn place(&self, mut findings: Vec<check::Finding>) -> Vec<check::Finding> {
        if let Some((top, tail)) = self.tail_lines {
            for line in findings.iter_mut().filter_map(|f| f.line.as_mut()) {
                if *line > top {
                    *line += tail;
                }
            }
        }
        findings
    }
}

/// The file split before its first `[[timeline]]` header, when everything from there on
/// is `[[timeline]]` entries of single-line values.
fn split_timeline(text: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if start.is_none() && trimmed == "[[timeline]]" {
            start = Some(offset);
        }
        if start.is_some() && trimmed.starts_with('[') && trimmed != "[[timeline]]" {
            return None;
        }
        offset += line.len();
    }
    let start = start.filter(|&s| s > 0)?;
    let tail = &text[start..];
    if tail.contains("\"\"\"") || tail.contains("'''") {
        return None;
    }
    Some((&text[..start], tail))
}

/// The incident as its document says, but for the timeline, which no edit reads: a long
/// incident's timeline is most of its file, and parsing it once more for nothing made
/// each write to an incident of 10,000 entries cost three full parses instead of two
/// (the edit's and the check of the result's, which reads the timeline too).
fn without_timeline(path: &str, doc: &mut DocumentMut) -> Result<Incident> {
    // An empty stand-in, not `Item::None`, which toml_edit hides from `get_mut`.
    let empty = |item: &Item| match item {
        Item::ArrayOfTables(_) => Item::ArrayOfTables(toml_edit::ArrayOfTables::new()),
        _ => Item::Value(Value::Array(toml_edit::Array::new())),
    };
    let saved = doc
        .get_mut("timeline")
        .map(|item| std::mem::replace(item, empty(item)));
    let head = doc.to_string();
    if let Some(saved) = saved {
        *doc.get_mut("timeline")
            .expect("the stand-in is still there") = saved;
    }
    crate::store::codec::parse(path, &head).map_err(Error::File)
}

impl IncidentEdit<'_> {
    fn times(&mut self) -> Result<&mut Table> {
        edit::table_mut(&mut self.doc, "times")
    }

    fn set_time(&mut self, key: TimeKey, at: Option<Timestamp>) -> Result<()> {
        let value = at.map(|t| Value::from(t.to_toml()));
        edit::set_value(self.times()?, key.as_str(), value);
        Ok(())
    }

    pub fn add_timeline(
        &mut self,
        at: Timestamp,
        kind: TimelineKind,
        text: &str,
        links: &[String],
    ) -> Result<()> {
        self.push_timeline(TimelineEntry {
            links: links.to_vec(),
            ..TimelineEntry::new(at, kind, text.to_string())
        })
    }

    /// Appends `entry`, written by the writer unless it names its author.
    pub fn push_timeline(&mut self, mut entry: TimelineEntry) -> Result<()> {
        entry.author.get_or_insert_with(|| self.author.clone());
        edit::push_array_table(&mut self.doc, "timeline", timeline_table(&entry))
    }

    /// The time typed for `what` (an incident time, so not in the future), else now.
    pub fn at(&self, what: &str, at: Option<&str>) -> Result<Timestamp> {
        at.map(|s| self.time.parse_incident_time(what, s))
            .transpose()
            .map(|t| t.unwrap_or_else(|| self.time.now()))
    }
}

pub fn ack(
    store: &Store,
    id: &str,
    commander: Option<&str>,
    at: Option<&str>,
) -> Result<Written<(IncidentId, String)>> {
    update(store, id, |edit| {
        // `me`, or no one named: the writer (their handle when config.toml knows them).
        let commander = match commander.map(str::trim).filter(|c| !c.is_empty()) {
            Some("me") | None => edit.author.clone(),
            Some(who) => who.to_string(),
        };
        let at = edit.at(TimeKey::Acknowledged.as_str(), at)?;
        let previous = edit.current.commander.clone();
        if previous.as_deref() == Some(commander.as_str())
            && edit.current.times.acknowledged.is_some()
        {
            return Err(Error::invalid(format!(
                "{} is already the commander of {}",
                commander, edit.id
            )));
        }
        edit::set_value(
            edit.doc.as_table_mut(),
            "commander",
            Some(edit::string(&commander)),
        );
        if edit.current.times.acknowledged.is_none() {
            edit.set_time(TimeKey::Acknowledged, Some(at))?;
        }
        let (subject, note) = match &previous {
            Some(old) if old != &commander => (
                format!("commander {old} -> {commander}"),
                format!("{commander} took command from {old}"),
            ),
            _ => (
                format!("acknowledged by {commander}"),
                format!("{commander} took command"),
            ),
        };
        // The same fields as a hand-off's, so both feed one history of who held command.
        edit.push_timeline(TimelineEntry {
            role: Some(crate::model::roles::COMMANDER.to_string()),
            from: previous.filter(|old| old != &commander),
            to: Some(commander.clone()),
            ..TimelineEntry::new(at, TimelineKind::Status, note)
        })?;
        Ok((subject.clone(), (edit.id.clone(), subject)))
    })
}

pub fn set_status(
    store: &Store,
    id: &str,
    status: Status,
    at: Option<&str>,
    note: Option<&str>,
) -> Result<Written<(IncidentId, Status)>> {
    update(store, id, |edit| {
        let old = edit.current.status;
        if old == status {
            return Err(Error::invalid(format!("{} is already {status}", edit.id)));
        }
        let at = edit.at(status.as_str(), at)?;
        // Reaching a state means reaching every earlier one too, at the same moment;
        // going back (reopening) clears the times of the states left.
        for (state, key) in Status::with_times() {
            if status.has_reached(state) {
                if edit.current.times.get(key).is_none() {
                    edit.set_time(key, Some(at))?;
                }
            } else if status != Status::Canceled && old.has_reached(state) {
                edit.set_time(key, None)?;
            }
        }
        edit::set_value(
            edit.doc.as_table_mut(),
            "status",
            Some(edit::string(status.as_str())),
        );
        let mut text = format!("Status {old} -> {status}");
        if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
            text.push_str(": ");
            text.push_str(note.trim());
        }
        edit.add_timeline(at, TimelineKind::Status, &text, &[])?;
        Ok((format!("status {old} -> {status}"), (edit.id.clone(), old)))
    })
}

pub fn add_timeline(
    store: &Store,
    id: &str,
    text: &str,
    at: Option<&str>,
    kind: TimelineKind,
    links: &[String],
) -> Result<Written<IncidentId>> {
    if text.trim().is_empty() {
        return Err(Error::invalid("the timeline text cannot be empty"));
    }
    require_web_links(links)?;
    update(store, id, |edit| {
        let at = edit.at("timeline entry", at)?;
        edit.add_timeline(at, kind, text.trim(), links)?;
        Ok((
            format!("timeline + {kind} {:?}", short(text.trim(), 60)),
            edit.id.clone(),
        ))
    })
}

/// Evidence links must be web addresses a reader can open.
pub fn require_web_links(links: &[String]) -> Result<()> {
    match links.iter().find(|l| !crate::model::link::is_web_url(l)) {
        Some(bad) => Err(Error::invalid(format!(
            "invalid evidence link {bad:?}: give the absolute http(s) URL of the dashboard, log or chat message (like https://grafana.example/d/abc)"
        ))),
        None => Ok(()),
    }
}

/// A `[[task]]` table holding `step`.
pub fn task_table(step: &Step) -> Table {
    let mut table = Table::new();
    table.insert("id", Item::Value(edit::string(&step.id)));
    table.insert("title", Item::Value(edit::string(&step.title)));
    let optional = [
        ("within", step.within.as_deref()),
        ("every", step.every.as_deref()),
        ("role", step.role.as_deref()),
        ("audience", step.audience.map(|a| a.as_str())),
        ("done_on", step.done_on.map(|e| e.as_str())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            table.insert(key, Item::Value(edit::string(value)));
        }
    }
    table.decor_mut().set_prefix("\n");
    table
}

/// A `[[timeline]]` table holding `entry`, keys in the contract's order.
pub fn timeline_table(entry: &TimelineEntry) -> Table {
    let mut table = Table::new();
    table.insert("at", Item::Value(Value::from(entry.at.to_toml())));
    table.insert("kind", Item::Value(edit::string(entry.kind.as_str())));
    table.insert("text", Item::Value(edit::string(&entry.text)));
    let optional = [
        ("author", entry.author.as_deref()),
        ("task", entry.task.as_deref()),
        ("role", entry.role.as_deref()),
        ("from", entry.from.as_deref()),
        ("to", entry.to.as_deref()),
        ("audience", entry.audience.map(|a| a.as_str())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            table.insert(key, Item::Value(edit::string(value)));
        }
    }
    if let Some(posted) = entry.posted {
        table.insert("posted", Item::Value(Value::from(posted)));
    }
    // A link given twice is one piece of evidence.
    let mut links: Vec<String> = Vec::with_capacity(entry.links.len());
    for link in &entry.links {
        if !links.contains(link) {
            links.push(link.clone());
        }
    }
    if !links.is_empty() {
        table.insert("links", Item::Value(edit::string_array(&links)));
    }
    if let Some(source) = &entry.source {
        table.insert("source", Item::Value(edit::string(source)));
    }
    // A blank line before the header, as toml_edit puts before any table but the
    // first, also when the entry is encoded apart from the file (see `Opened`).
    table.decor_mut().set_prefix("\n");
    table
}

/// An incident as `show --json` prints it: the file, and where its change links lead.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    #[serde(flatten)]
    pub incident: Incident,
    pub linked_changes: crate::model::change::LinkedChanges,
    /// Who held each role when, from the hand-offs in the timeline.
    pub roles_held: Vec<crate::model::roles::RoleHeld>,
}

impl Shown {
    pub fn new(store: &Store, config: &Config, incident: Incident) -> Result<Shown> {
        let linked_changes = crate::ops::code::linked_changes(store, config, &incident)?;
        Ok(Shown {
            roles_held: crate::model::roles::roles_held(&incident),
            incident: incident.chronological(),
            linked_changes,
        })
    }
}

/// The incident as it stands after a write (at `commit`, or at the tip when the write
/// changed nothing), as `show --json` prints it.
pub fn written(store: &Store, commit: Option<crate::store::Oid>, id: &IncidentId) -> Result<Shown> {
    let snapshot = store.snapshot_after(commit)?;
    let entry = snapshot.require(id)?;
    let config = snapshot.config()?;
    Shown::new(store, &config, snapshot.incident(&entry)?.value)
}

/// The incident as people read it: timeline authors, the commander, other roles'
/// holders and hand-offs as handles where config.toml's `[[person]]` list knows them (a
/// git name or email is stored as is).
pub fn with_handles(config: &Config, mut incident: Incident) -> Incident {
    let handle = |who: &mut Option<String>| {
        if let Some(name) = who {
            *name = config.display_person(name).to_string();
        }
    };
    for entry in &mut incident.timeline {
        handle(&mut entry.author);
        handle(&mut entry.from);
        handle(&mut entry.to);
    }
    handle(&mut incident.commander);
    for holder in incident.roles.values_mut() {
        *holder = config.display_person(holder).to_string();
    }
    incident
}

/// Fields `set` may change, with the type of value each takes.
fn incident_field(key: &str) -> Option<(Vec<&str>, FieldType)> {
    let field = match key {
        "title" => FieldType::RequiredText,
        "severity" => FieldType::RequiredText,
        "summary" | "customer_impact" | "commander" => FieldType::Text,
        "services" | "teams" | "labels" | "related" => FieldType::List,
        "detection" => FieldType::Choice(Detection::NAMES),
        "drill" => FieldType::Bool,
        "changes.caused_by" | "changes.fixed_by" => FieldType::List,
        _ if key
            .strip_prefix("times.")
            .is_some_and(|k| k.parse::<TimeKey>().is_ok()) =>
        {
            FieldType::Time
        }
        _ if key.starts_with("roles.") && key.len() > 6 && !key[6..].contains('.') => {
            FieldType::Text
        }
        _ => return None,
    };
    Some((key.split('.').collect(), field))
}

pub const SETTABLE: &str = "title, severity, summary, customer_impact, commander, services, teams, labels, related, detection, drill, times.<started|detected|acknowledged|mitigated|resolved|closed>, changes.caused_by, changes.fixed_by, roles.<name>";

/// What `set` did besides the commit.
pub struct SetOutcome {
    pub id: IncidentId,
    /// What to tell the user: values a list already had (`INC-3: services already has
    /// "search"`).
    pub notes: Vec<String>,
    /// The severity raised to, when it became more severe.
    pub raised: Option<Raised>,
}

/// A severity raised: the new level, its response flow, how many of its steps became
/// tasks and how many tasks took the new level's definition.
#[derive(Debug, Clone)]
pub struct Raised {
    pub severity: String,
    pub flow: Vec<Step>,
    pub added: usize,
    pub updated: usize,
}

/// Sets fields of an incident.
pub fn set_fields(
    store: &Store,
    id: &str,
    assignments: &[Assignment],
) -> Result<Written<SetOutcome>> {
    if assignments.is_empty() {
        return Err(Error::usage("nothing to set: give KEY=VALUE pairs"));
    }
    let assignments = &crate::ops::code::resolve_typed(store, assignments)?;
    update(store, id, |edit| {
        let mut seen = std::collections::HashSet::new();
        let mut notes = Vec::new();
        let mut raised = None;
        for assignment in assignments {
            let (path, field) = incident_field(&assignment.key).ok_or_else(|| {
                Error::invalid(format!(
                    "cannot set {:?}: settable fields are {SETTABLE}",
                    assignment.key
                ))
            })?;
            let mut assignment = assignment.clone();
            // An empty value clears a field; only names being added are checked.
            let adding = assignment.op != Op::Remove && !assignment.value.trim().is_empty();
            // `me` names the writer (their handle when config.toml knows them), as in `ack`.
            let names_a_person =
                assignment.key == "commander" || assignment.key.starts_with("roles.");
            if names_a_person && assignment.value.trim() == "me" {
                assignment.value = edit.author.clone();
            }
            match assignment.key.as_str() {
                "severity" if adding => {
                    let level = edit.config.require_severity(assignment.value.trim())?;
                    assignment.value = level.name.clone();
                    if let Some(added) = add_flow_on_raise(edit, level)? {
                        raised = Some(added);
                    }
                }
                "services" if adding => edit.config.require_service(assignment.value.trim())?,
                "teams" if adding => edit.config.require_team(assignment.value.trim())?,
                "related" if !assignment.value.trim().is_empty() => {
                    let related =
                        IncidentId::parse_with_prefix(&assignment.value, &edit.config.id_prefix)?;
                    if adding && edit.snapshot.locate(&related)?.is_none() {
                        return Err(Error::not_found(format!(
                            "cannot relate {} to {related}: there is no {related} on this branch",
                            edit.id
                        )));
                    }
                    assignment.value = related.to_string();
                }
                _ => {}
            }
            let fresh = seen.insert(assignment.key.clone());
            let (table, key) = match path.as_slice() {
                [key] => (edit.doc.as_table_mut(), *key),
                [table, key] => (edit::table_mut(&mut edit.doc, table)?, *key),
                _ => unreachable!("settable fields are at most two levels deep"),
            };
            if let Some(note) = edit::apply(table, key, field, &assignment, fresh, &edit.time)? {
                notes.push(format!("{}: {note}", edit.id));
            }
        }
        let mut keys: Vec<&str> = assignments.iter().map(|a| a.key.as_str()).collect();
        keys.dedup();
        let outcome = SetOutcome {
            id: edit.id.clone(),
            notes,
            raised: raised.clone(),
        };
        Ok((format!("set {}", keys.join(", ")), outcome))
    })
}

/// A severity raised to `level` (earlier in config.toml's list than the current one)
/// brings its response flow: its steps the incident does not have yet become tasks, and
/// a task with a step's id takes the step as the new level defines it (an incident now
/// SEV1 is held to SEV1's timings; the history keeps what was expected before). Lowering
/// the severity keeps the tasks as they are.
fn add_flow_on_raise(
    edit: &mut IncidentEdit<'_>,
    level: &crate::model::Severity,
) -> Result<Option<Raised>> {
    let rank = |name: &str| edit.config.severity.iter().position(|s| s.name == name);
    let more_severe = match (rank(&level.name), rank(&edit.current.severity)) {
        (Some(new), Some(old)) => new < old,
        // An incident whose severity config.toml no longer defines: any known one is news.
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !more_severe {
        return Ok(None);
    }
    let (mut added, mut updated) = (0, 0);
    for step in &level.step {
        let held = edit
            .current
            .task
            .iter()
            .position(|task| task.id.trim().eq_ignore_ascii_case(step.id.trim()));
        let Some(index) = held else {
            edit::push_array_table(&mut edit.doc, "task", task_table(step))?;
            edit.current.task.push(step.clone());
            added += 1;
            continue;
        };
        // The id as the incident wrote it: the entries that did the task name it so.
        let step = Step {
            id: edit.current.task[index].id.clone(),
            ..step.clone()
        };
        if edit.current.task[index] == step {
            continue;
        }
        let table = edit
            .doc
            .get_mut("task")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|tasks| tasks.get_mut(index))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "`task` is not an array of tables in {}'s file; fix it by hand",
                    edit.id
                ))
            })?;
        let mut replacement = task_table(&step);
        replacement.decor_mut().clone_from(table.decor());
        *table = replacement;
        edit.current.task[index] = step;
        updated += 1;
    }
    Ok(Some(Raised {
        severity: level.name.clone(),
        flow: level.step.clone(),
        added,
        updated,
    }))
}

pub fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && !text.contains('\n') {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The `[times]` the file leaves out although history can tell them: a state the
/// incident has reached, a commander without an acknowledgement, detection.
fn times_history_knows(incident: &Incident) -> Vec<TimeKey> {
    let t = &incident.times;
    let mut missing = Vec::new();
    if t.detected.is_none() {
        missing.push(TimeKey::Detected);
    }
    if t.acknowledged.is_none() && incident.commander.is_some() {
        missing.push(TimeKey::Acknowledged);
    }
    for (state, key) in Status::with_times() {
        if incident.status.has_reached(state) && t.get(key).is_none() {
            missing.push(key);
        }
    }
    missing
}

/// The incident with the times its file leaves out filled in from history, as metrics
/// see them, and which times those are. Tool-written incidents carry their times, so
/// the history is only read for hand-edited ones.
pub fn with_history_times(
    store: &Store,
    snapshot: &Snapshot<'_>,
    zone: crate::model::Zone,
    mut incident: Incident,
    progress: crate::history::Progress<'_>,
) -> Result<(Incident, Vec<TimeKey>)> {
    let missing = times_history_knows(&incident);
    if missing.is_empty() {
        return Ok((incident, missing));
    }
    let history = crate::history::load(store, snapshot, progress)?;
    let Some(facts) = history.incidents.iter().find(|f| f.id == incident.id) else {
        return Ok((incident, Vec::new()));
    };
    let at = |seconds: Option<i64>| {
        seconds
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|t| Timestamp(zone.convert(t.fixed_offset())))
    };
    let mut filled = Vec::new();
    for key in missing {
        if let Some(value) = at(facts.times.get(key)) {
            *incident.times.slot_mut(key) = Some(value);
            filled.push(key);
        }
    }
    Ok((incident, filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "#:schema ../../../schema/incident.schema.json\n\nschema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"t\"\nseverity = \"SEV2\"\nstatus = \"investigating\"\n# kept\nservices = []\n\n[times]\ndetected = 2026-11-23T10:00:00+09:00\n\n[[timeline]]\nat = 2026-11-23T10:01:00+09:00\nkind = \"note\"\ntext = \"one\"\nlinks = [\n  \"https://a\",\n]\n\n[[timeline]] \nat = 2026-11-23T10:02:00+09:00\nkind = \"note\"\ntext = \"two\"\n";

    /// The same edit, on the file split at its timeline and on the whole file.
    fn both_ways(text: &str, edit: impl Fn(&mut DocumentMut)) -> (String, String) {
        let mut split = Opened::open("p", text).unwrap();
        assert!(split.split.is_some());
        edit(&mut split.doc);
        let mut whole = Opened {
            doc: edit::parse_mut("p", text).unwrap(),
            split: None,
        };
        edit(&mut whole.doc);
        (split.finish(text).text, whole.finish(text).text)
    }

    #[test]
    fn editing_the_top_and_appending_to_the_timeline_as_text_gives_the_same_file() {
        let append = |doc: &mut DocumentMut| {
            let mut entry = Table::new();
            entry.insert("kind", Item::Value(edit::string("note")));
            entry.decor_mut().set_prefix("\n");
            edit::push_array_table(doc, "timeline", entry).unwrap();
        };
        let set_status = |doc: &mut DocumentMut| {
            edit::set_value(
                doc.as_table_mut(),
                "status",
                Some(edit::string("mitigated")),
            );
            let times = edit::table_mut(doc, "times").unwrap();
            edit::set_value(times, "mitigated", Some(Value::from(1)));
        };
        for text in [TEXT.to_string(), TEXT.replace("[times]\n", "")] {
            let (split, whole) = both_ways(&text, |doc| {
                set_status(doc);
                append(doc);
                append(doc);
            });
            assert_eq!(split, whole);
            assert!(split.ends_with("text = \"two\"\n\n[[timeline]]\nkind = \"note\"\n\n[[timeline]]\nkind = \"note\"\n"), "{split}");
            let (split, whole) = both_ways(&text, set_status);
            assert_eq!(split, whole);
        }
    }

    #[test]
    fn findings_on_appended_entries_point_at_the_whole_file() {
        let mut opened = Opened::open("p", TEXT).unwrap();
        let mut entry = Table::new();
        entry.insert("kind", Item::Value(edit::string("note")));
        entry.decor_mut().set_prefix("\n");
        edit::push_array_table(&mut opened.doc, "timeline", entry).unwrap();
        let finished = opened.finish(TEXT);
        let line_in = |text: &str| {
            text.lines()
                .position(|l| l == "kind = \"note\"")
                .map(|i| i + 1)
        };
        let last = |text: &str| text.lines().count();
        let finding = |line| check::Finding {
            path: "p".into(),
            line: Some(line),
            level: check::Level::Error,
            message: "m".into(),
        };
        let placed = finished.place(vec![finding(last(&finished.checked_after)), finding(3)]);
        assert_eq!(placed[0].line, Some(last(&finished.text)));
        assert_eq!(placed[1].line, Some(3));
        assert!(line_in(&finished.text).is_some());
    }

    #[test]
    fn only_a_plain_trailing_timeline_is_split() {
        assert!(split_timeline(TEXT).is_some());
        for odd in [
            format!("{TEXT}\n[changes]\ncaused_by = []\n"),
            TEXT.replace("text = \"two\"", "text = \"\"\"two\n[x]\"\"\""),
            TEXT.replace("[[timeline]] \n", "[[timeline]] # odd\n"),
            "[[timeline]]\nkind = \"note\"\n".to_string(),
            TEXT.replace("[[timeline]]", "[[notes]]"),
        ] {
            assert!(split_timeline(&odd).is_none(), "{odd}");
        }
    }
}
