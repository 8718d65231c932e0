//! Incident commands: open, take command, change status, set fields, add to the timeline.

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::check::{self, check_incident};
use crate::error::{Error, Result};
use crate::model::{
    Config, Detection, Incident, IncidentId, Status, TimeContext, TimeKey, TimelineKind, Times,
    Timestamp,
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

/// Opens an incident and returns its ID; on a lost race the next free number is taken.
pub fn create(store: &Store, new: &NewIncident) -> Result<Written<IncidentId>> {
    if new.title.trim().is_empty() {
        return Err(Error::invalid("the title cannot be empty"));
    }
    let uid = uuid::Uuid::new_v4().to_string();
    let typist = crate::store::typist_zone()?;
    let written = store.write(|snapshot, ctx| {
        let config = snapshot.config()?;
        let time = TimeContext::new(ctx.committer.time, config.zone()?, typist)?;
        let severity = config.require_severity(&new.severity)?.name.clone();
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
            timeline: Vec::new(),
        };
        let entry = IncidentEntry {
            id: id.clone(),
            year,
            dir: layout::incident_dir(year, &id),
            tree: git2::Oid::ZERO_SHA1,
        };
        let text = new_incident_text(&incident);
        check::refuse_new_errors("incident", &[], &check_incident(&config, &entry, &text).1)?;
        let change = Change::new(format!("{id}: open {severity} {:?}", incident.title))
            .put(entry.incident_path(), text)
            .trailer("Incident", id.to_string())
            .notes(time.take_notes());
        Ok((change, id))
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
        let (entry, loaded) = load(snapshot, &config, id)?;
        let mut edit = IncidentEdit {
            id: entry.id.clone(),
            doc: edit::parse_mut(&loaded.path, &loaded.text)?,
            current: loaded.value,
            config: &config,
            time: TimeContext::new(ctx.committer.time, config.zone()?, typist)?,
            author: config.me(&ctx.author.name, &ctx.author.email),
            snapshot,
        };
        let (subject, value) = f(&mut edit)?;
        let text = edit.doc.to_string();
        check::refuse_new_errors(
            "incident",
            &check_incident(&config, &entry, &loaded.text).1,
            &check_incident(&config, &entry, &text).1,
        )?;
        let change = Change::new(format!("{}: {subject}", entry.id))
            .put(loaded.path, text)
            .trailer("Incident", entry.id.to_string())
            .notes(edit.time.take_notes());
        Ok((change, value))
    })
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
        let mut entry = Table::new();
        entry.insert("at", Item::Value(Value::from(at.to_toml())));
        entry.insert("kind", Item::Value(edit::string(kind.as_str())));
        entry.insert("text", Item::Value(edit::string(text)));
        entry.insert("author", Item::Value(edit::string(&self.author)));
        if !links.is_empty() {
            entry.insert("links", Item::Value(edit::string_array(links)));
        }
        edit::push_array_table(&mut self.doc, "timeline", entry)
    }

    /// The time typed for `what` (an incident time, so not in the future), else now.
    fn at(&self, what: &str, at: Option<&str>) -> Result<Timestamp> {
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
        edit.add_timeline(at, TimelineKind::Status, &note, &[])?;
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
    if let Some(bad) = links.iter().find(|l| !crate::model::link::is_web_url(l)) {
        return Err(Error::invalid(format!(
            "invalid evidence link {bad:?}: give the absolute http(s) URL of the dashboard, log or chat message (like https://grafana.example/d/abc)"
        )));
    }
    update(store, id, |edit| {
        let at = edit.at("timeline entry", at)?;
        edit.add_timeline(at, kind, text.trim(), links)?;
        Ok((
            format!("timeline + {kind} {:?}", short(text.trim(), 60)),
            edit.id.clone(),
        ))
    })
}

/// The incident as it stands after a write (at `commit`, or at the tip when the write
/// changed nothing), as `show --json` prints it.
pub fn written(store: &Store, commit: Option<git2::Oid>, id: &IncidentId) -> Result<Incident> {
    let snapshot = match commit {
        Some(commit) => store.snapshot_at(&commit.to_string())?,
        None => store.snapshot()?,
    };
    let entry = snapshot.require(id)?;
    Ok(snapshot.incident(&entry)?.value.chronological())
}

/// The incident as people read it: timeline authors and the commander as handles where
/// config.toml's `[[person]]` list knows them (a git name or email is stored as is).
pub fn with_handles(config: &Config, mut incident: Incident) -> Incident {
    for entry in &mut incident.timeline {
        if let Some(author) = &entry.author {
            entry.author = Some(config.display_person(author).to_string());
        }
    }
    if let Some(commander) = &incident.commander {
        incident.commander = Some(config.display_person(commander).to_string());
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

/// Sets fields of an incident. The value names the incident and holds what the command
/// should tell the user besides the commit: values a list already had
/// (`INC-3: services already has "search"`).
pub fn set_fields(
    store: &Store,
    id: &str,
    assignments: &[Assignment],
) -> Result<Written<(IncidentId, Vec<String>)>> {
    if assignments.is_empty() {
        return Err(Error::invalid("nothing to set: give KEY=VALUE pairs"));
    }
    update(store, id, |edit| {
        let mut seen = std::collections::HashSet::new();
        let mut notes = Vec::new();
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
            match assignment.key.as_str() {
                "severity" if adding => {
                    assignment.value = edit
                        .config
                        .require_severity(assignment.value.trim())?
                        .name
                        .clone()
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
        Ok((format!("set {}", keys.join(", ")), (edit.id.clone(), notes)))
    })
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
