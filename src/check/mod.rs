//! The rules `check` enforces, as findings that point at a file and line.
//! Writes run the same rules and refuse to create errors.

pub mod postmortem;

use std::collections::HashMap;

use crate::error::Result;
pub use crate::error::{Finding, Level};
use crate::model::{Config, Incident, PostmortemPolicy, Status, TimelineKind};
use crate::store::codec::{Located, Step, parse};
use crate::store::{IncidentEntry, Snapshot, layout};

/// Collects findings for one file, resolving key paths to lines.
pub struct FileFindings<'a> {
    path: &'a str,
    text: &'a str,
    /// Parsed for lines on the first finding: a file with none costs one parse, not two.
    located: std::cell::OnceCell<Located<'a>>,
    /// Writes only ask whether a change adds errors; they skip the warnings.
    warnings: bool,
    pub findings: Vec<Finding>,
}

impl<'a> FileFindings<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        FileFindings {
            path,
            text,
            located: std::cell::OnceCell::new(),
            warnings: true,
            findings: Vec::new(),
        }
    }

    /// Collects errors only.
    pub fn errors_only(mut self) -> Self {
        self.warnings = false;
        self
    }

    pub fn wants_warnings(&self) -> bool {
        self.warnings
    }

    pub fn push(&mut self, level: Level, at: &[Step<'_>], message: impl Into<String>) {
        if level == Level::Warning && !self.warnings {
            return;
        }
        let located = self.located.get_or_init(|| Located::new(self.text));
        self.findings.push(Finding {
            path: self.path.to_string(),
            line: located.line(at).or(Some(1)),
            level,
            message: message.into(),
        });
    }

    pub fn error(&mut self, at: &[Step<'_>], message: impl Into<String>) {
        self.push(Level::Error, at, message);
    }

    pub fn warning(&mut self, at: &[Step<'_>], message: impl Into<String>) {
        self.push(Level::Warning, at, message);
    }

    /// A version this build does not know: a newer one could mean anything.
    pub fn schema_version(&mut self, version: u32) {
        if let Some(problem) = crate::model::schema::version_problem(i64::from(version)) {
            self.error(&[Step::Key("schema_version")], problem);
        }
    }
}

/// Longer than anyone means a title to be (it is one line in every table); the
/// messages below name these limits.
pub const MAX_TITLE: usize = 2 * 1024;
/// Longer than anyone means one text field to be: logs and dumps belong in a linked file,
/// and every later read of the incident would pay for them.
pub const MAX_TEXT: usize = 1024 * 1024;

impl FileFindings<'_> {
    /// Text fields over [`MAX_TEXT`]: refused on writes, reported by `check` on a file
    /// committed by hand (reads still work).
    pub fn oversize_text(&mut self) {
        // Only a line that long, or a multi-line string, can hold such a string: a scan
        // for them is far cheaper than the parse that finds which key it is.
        let may_hold_one = self.text.len() > MAX_TEXT
            && (self.text.contains("\"\"\"")
                || self.text.contains("'''")
                || self.text.split('\n').any(|line| line.len() > MAX_TEXT));
        if !may_hold_one {
            return;
        }
        let located = self.located.get_or_init(|| Located::new(self.text));
        for (key, line, len) in located.long_strings(MAX_TEXT) {
            self.findings.push(Finding {
                path: self.path.to_string(),
                line: line.or(Some(1)),
                level: Level::Error,
                message: format!(
                    "{key} is {len} bytes, over the 1 MiB limit for one text field: link long material (logs, dumps) instead of pasting it"
                ),
            });
        }
    }
}

impl Finding {
    /// A file from a newer git-incident: no write may rewrite it, even when the change
    /// at hand adds no error of its own.
    pub fn blocks_every_write(&self) -> bool {
        self.level == Level::Error && self.message.contains(crate::model::schema::NEWER_SCHEMA)
    }
}

/// Lists are sets: a value listed more than once is reported where it first repeats,
/// as `services lists "search" twice`. `field` is the dotted key (`changes.caused_by`).
pub fn warn_on_repeats(out: &mut FileFindings<'_>, field: &str, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() || items[..i].iter().filter(|x| *x == item).count() != 1 {
            continue;
        }
        let times = match items.iter().filter(|x| *x == item).count() {
            2 => "twice".to_string(),
            n => format!("{n} times"),
        };
        let mut at: Vec<Step<'_>> = field.split('.').map(Step::Key).collect();
        at.push(Step::Index(i));
        out.warning(&at, format!("{field} lists {item:?} {times}"));
    }
}

/// Every link that is not an absolute http(s) URL, as an error at the link.
pub fn error_on_bad_links(
    out: &mut FileFindings<'_>,
    at: &[Step<'_>],
    what: &str,
    links: &[String],
) {
    for (i, link) in links.iter().enumerate() {
        if !crate::model::link::is_web_url(link) {
            let mut step = at.to_vec();
            step.push(Step::Index(i));
            out.error(
                &step,
                format!("invalid {what}: {}", crate::model::link::problem(link)),
            );
        }
    }
}

/// Refuses a write that would add errors to a file, listing them. Errors the file had
/// already (a hand edit, a severity since removed from config.toml) do not block
/// unrelated changes; they are matched by message, as lines move while a file is edited.
/// `before` is only computed when the new text has errors: most writes have none, and
/// checking a big file twice doubled the cost of every write to it.
pub fn refuse_new_errors(
    what: &str,
    before: impl FnOnce() -> Vec<Finding>,
    after: &[Finding],
) -> crate::Result<()> {
    if !after.iter().any(|f| f.level == Level::Error) {
        return Ok(());
    }
    let before = before();
    let known: std::collections::HashSet<&str> = before
        .iter()
        .filter(|old| old.level == Level::Error && !old.blocks_every_write())
        .map(|old| old.message.as_str())
        .collect();
    let is_new = |f: &&Finding| f.level == Level::Error && !known.contains(f.message.as_str());
    let added: Vec<String> = after
        .iter()
        .filter(is_new)
        .map(Finding::to_string)
        .collect();
    if added.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::invalid(format!(
            "refusing to write an invalid {what}:\n{}",
            added.join("\n")
        )))
    }
}

/// Findings for one incident file; the parsed incident when it parses.
pub fn check_incident(
    config: &Config,
    entry: &IncidentEntry,
    text: &str,
) -> (Option<Incident>, Vec<Finding>) {
    let path = entry.incident_path();
    let out = FileFindings::new(&path, text);
    incident_findings(config, entry, text, out)
}

/// The errors of one incident file, without its warnings (what a write asks).
pub fn incident_errors(config: &Config, entry: &IncidentEntry, text: &str) -> Vec<Finding> {
    let path = entry.incident_path();
    let out = FileFindings::new(&path, text).errors_only();
    incident_findings(config, entry, text, out).1
}

fn incident_findings(
    config: &Config,
    entry: &IncidentEntry,
    text: &str,
    mut out: FileFindings<'_>,
) -> (Option<Incident>, Vec<Finding>) {
    let incident: Incident = match parse(out.path, text) {
        Ok(incident) => incident,
        Err(e) => return (None, vec![e]),
    };
    out.schema_version(incident.schema_version);
    out.oversize_text();
    if incident.title.len() > MAX_TITLE {
        out.error(
            &[Step::Key("title")],
            format!(
                "the title is {} bytes, over the 2 KiB limit: keep it to one line and put the details in summary",
                incident.title.len()
            ),
        );
    }
    if incident.id != entry.id.to_string() {
        out.error(
            &[Step::Key("id")],
            format!(
                "id {:?} does not match its directory {}",
                incident.id, entry.id
            ),
        );
    }
    if config.severity(&incident.severity).is_none() {
        out.error(
            &[Step::Key("severity")],
            format!(
                "unknown severity {:?}: config.toml defines {}",
                incident.severity,
                config.severity_names()
            ),
        );
    }
    for (list, allowed, what) in [
        (&incident.services, &config.services, "service"),
        (&incident.teams, &config.teams, "team"),
    ] {
        if let Some(allowed) = allowed {
            for (i, name) in list.iter().enumerate() {
                if !allowed.contains(name) {
                    let key = if what == "service" {
                        "services"
                    } else {
                        "teams"
                    };
                    out.error(
                        &[Step::Key(key), Step::Index(i)],
                        format!(
                            "unknown {what} {name:?}: config.toml allows {}",
                            allowed.join(", ")
                        ),
                    );
                }
            }
        }
    }
    if let Some(commander) = &incident.commander {
        unknown_person(
            config,
            &mut out,
            &[Step::Key("commander")],
            commander,
            "commander",
        );
    }
    for (field, items) in [
        ("services", &incident.services),
        ("teams", &incident.teams),
        ("labels", &incident.labels),
        ("related", &incident.related),
        ("changes.caused_by", &incident.changes.caused_by),
        ("changes.fixed_by", &incident.changes.fixed_by),
    ] {
        warn_on_repeats(&mut out, field, items);
    }
    for (key, items) in [
        ("caused_by", &incident.changes.caused_by),
        ("fixed_by", &incident.changes.fixed_by),
    ] {
        for (i, value) in items.iter().enumerate() {
            if crate::model::change::ChangeLink::parse(value).is_none() {
                out.error(
                    &[Step::Key("changes"), Step::Key(key), Step::Index(i)],
                    crate::model::change::problem(&format!("changes.{key}"), value),
                );
            }
        }
    }
    for (i, entry) in incident.timeline.iter().enumerate() {
        let what = format!(
            "evidence link in timeline entry {:?}",
            first_words(&entry.text)
        );
        let at = [Step::Key("timeline"), Step::Index(i), Step::Key("links")];
        error_on_bad_links(&mut out, &at, &what, &entry.links);
    }
    task_problems(&mut out, &incident);
    for (earlier, later) in incident.times.out_of_order() {
        let (a, b) = (incident.times.get(earlier), incident.times.get(later));
        out.error(
            &[Step::Key("times"), Step::Key(later.as_str())],
            format!(
                "times out of order: {later} ({}) is before {earlier} ({})",
                b.map(|t| t.to_string()).unwrap_or_default(),
                a.map(|t| t.to_string()).unwrap_or_default()
            ),
        );
    }
    for (status, key) in Status::with_times() {
        if incident.times.get(key).is_some()
            && !incident.status.has_reached(status)
            && incident.status != Status::Canceled
        {
            out.warning(
                &[Step::Key("times"), Step::Key(key.as_str())],
                format!("times.{key} is set but status is {}", incident.status),
            );
        }
    }
    // Evidence matters most where a postmortem will be written. `status` entries are
    // the tool's own record of a state change, and entries that did a task record a
    // step of the response (naming a commander has nothing to link): the commit is
    // their evidence.
    if out.wants_warnings()
        && config
            .severity(&incident.severity)
            .is_some_and(|s| s.postmortem == PostmortemPolicy::Required)
    {
        for (i, entry) in incident.timeline.iter().enumerate() {
            let has_evidence = entry.links.iter().any(|link| !link.trim().is_empty());
            if !has_evidence && entry.kind != TimelineKind::Status && entry.task.is_none() {
                out.warning(
                    &[Step::Key("timeline"), Step::Index(i)],
                    format!(
                        "timeline entry {:?} has no evidence links: on a {} incident link the dashboard, log or chat message it comes from",
                        first_words(&entry.text),
                        incident.severity
                    ),
                );
            }
        }
    }
    (Some(incident), out.findings)
}

/// `[[task]]` tables a person edited: a timing that is not a duration (the task would
/// never fall due) or an id used twice (`task done` could not tell them apart).
fn task_problems(out: &mut FileFindings<'_>, incident: &Incident) {
    let mut ids = std::collections::HashSet::new();
    for (i, task) in incident.task.iter().enumerate() {
        if !ids.insert(task.id.trim().to_lowercase()) {
            out.error(
                &[Step::Key("task"), Step::Index(i), Step::Key("id")],
                format!("task {:?} is listed twice", task.id),
            );
        }
        for (key, value) in [("within", &task.within), ("every", &task.every)] {
            if let Some(value) = value
                && crate::model::time::parse_duration(value).is_err()
            {
                out.error(
                    &[Step::Key("task"), Step::Index(i), Step::Key(key)],
                    format!(
                        "task {}: {key} {value:?} is not a duration like \"15m\"",
                        task.id
                    ),
                );
            }
        }
    }
}

/// The tasks of an open incident that are overdue at `now`, as warnings at their
/// `[[task]]` tables. They depend on the clock, not only on the file, so they are
/// judged at each `check`, never kept in its cache.
fn overdue_tasks(
    path: &str,
    text: &str,
    zone: crate::model::Zone,
    now: crate::model::Timestamp,
) -> Vec<Finding> {
    let Ok(incident) = parse::<Incident>(path, text) else {
        return Vec::new();
    };
    let mut out = FileFindings::new(path, text);
    for task in crate::model::flow::tasks(&incident, now) {
        let Some(due) = task.due.filter(|_| task.overdue) else {
            continue;
        };
        let late = crate::model::time::format_duration(due.seconds_until(now));
        out.warning(
            &[Step::Key("task"), Step::Index(task.index)],
            format!(
                "task {} {:?} is overdue: due {} ({late} ago); `{}` does it",
                task.step.id,
                task.step.title,
                zone.wall(due.0),
                crate::model::flow::command_for(task.step, &incident.id)
            ),
        );
    }
    out.findings
}

/// With a `[[person]]` list in config.toml, a person named by anything but one of its
/// handles is a warning: a typo, a git name instead of the handle, or someone missing
/// from the list.
pub fn unknown_person(
    config: &Config,
    out: &mut FileFindings<'_>,
    at: &[Step<'_>],
    who: &str,
    role: &str,
) {
    if config.person.is_empty() || who.trim().is_empty() || config.is_handle(who) {
        return;
    }
    let hint = match config.display_person(who) {
        handle if handle != who => format!("use the handle {handle:?}"),
        _ => format!(
            "config.toml's [[person]] handles are {}; add them there if they are new",
            config.handles()
        ),
    };
    out.warning(at, format!("unknown person {who:?} as {role}: {hint}"));
}

/// `related` names incidents on the branch, so a reader can follow it; `known` says
/// whether an incident is there.
pub fn check_related(
    config: &Config,
    path: &str,
    text: &str,
    incident: &Incident,
    known: &dyn Fn(&crate::model::IncidentId) -> bool,
) -> Vec<Finding> {
    let mut out = FileFindings::new(path, text);
    for (i, related) in incident.related.iter().enumerate() {
        let at = [Step::Key("related"), Step::Index(i)];
        match crate::model::IncidentId::parse_with_prefix(related, &config.id_prefix) {
            Ok(id) if known(&id) => {}
            Ok(id) => out.error(&at, format!("related incident {id} is not on this branch")),
            Err(_) => out.error(
                &at,
                format!(
                    "related {related:?} is not an incident ID like {}-1",
                    config.id_prefix
                ),
            ),
        }
    }
    out.findings
}

/// Enough of a timeline text to recognise the entry in a one-line finding.
fn first_words(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= 40 && !text.contains('\n') {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(39).collect::<String>())
    }
}

/// A file and the line of the key in question.
type FileLine = (String, Option<usize>);

/// What `check` found in one incident directory, keyed by its tree and config.toml's
/// blob: everything but what depends on the other directories, which is kept as input.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckedDir {
    tree: String,
    /// config.toml's blob, or empty when there is none.
    config: String,
    /// Judged only when the file is wanted.
    findings: Vec<Finding>,
    /// Reported whatever is wanted: an incident.toml that cannot be read at all.
    always: Vec<Finding>,
    /// The incident's ID and uid, each with its line, to find duplicates.
    holders: Vec<(String, String, Option<usize>)>,
    /// Related incidents named by a valid ID: an error if not on the branch.
    related: Vec<(String, Option<usize>)>,
    /// Commits `changes` names: a warning when this repository does not have them.
    #[serde(default)]
    commits: Vec<(String, Option<usize>)>,
    /// An open incident with tasks: which are overdue depends on the clock.
    #[serde(default)]
    has_open_tasks: bool,
}

/// `check`'s findings per incident directory; see [`CheckedDir`].
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CheckCache {
    format: u32,
    dirs: HashMap<String, CheckedDir>,
    /// Whether anything was judged afresh or dropped since it was read.
    #[serde(skip)]
    changed: bool,
}

impl CheckCache {
    /// Bump whenever a rule changes.
    const FORMAT: u32 = 3;

    /// The cache at `path`, or an empty one.
    pub fn read(path: &std::path::Path) -> CheckCache {
        crate::store::cache::read::<CheckCache>(path)
            .filter(|c| c.format == Self::FORMAT)
            .unwrap_or_default()
    }

    /// Saves it, when anything changed.
    pub fn write(&mut self, path: &std::path::Path) {
        if !self.changed {
            return;
        }
        self.format = Self::FORMAT;
        crate::store::cache::write(path, self);
    }
}

/// Every finding on the branch at `snapshot` (only in the files `only` accepts).
pub fn check_snapshot(
    snapshot: &Snapshot<'_>,
    only: Option<&dyn Fn(&str) -> bool>,
) -> Result<Vec<Finding>> {
    check_snapshot_with(snapshot, only, &mut CheckCache::default(), None)
}

/// The same, reusing and refreshing `cache`: a directory whose tree and config.toml are
/// unchanged is not read again. With `now`, the branch is checked as it stands at that
/// moment, so overdue tasks of open incidents are reported too (not for a past revision
/// or a pull request's changes, which did not make them late).
pub fn check_snapshot_with(
    snapshot: &Snapshot<'_>,
    only: Option<&dyn Fn(&str) -> bool>,
    cache: &mut CheckCache,
    now: Option<crate::model::Timestamp>,
) -> Result<Vec<Finding>> {
    let wanted = |path: &str| only.is_none_or(|f| f(path));
    let mut findings = Vec::new();
    let config = match snapshot.config() {
        Ok(config) => config,
        Err(crate::Error::File(e)) => {
            findings.push(e);
            return Ok(findings);
        }
        Err(e) => return Err(e),
    };
    if snapshot.is_directory(layout::INCIDENTS_DIR) == Some(false) && wanted(layout::INCIDENTS_DIR)
    {
        findings.push(Finding {
            path: layout::INCIDENTS_DIR.to_string(),
            line: None,
            level: Level::Error,
            message: "expected the directory of incidents/<YYYY>/<PREFIX-N>, found a file".into(),
        });
    }
    let config_blob = snapshot
        .blob_id(layout::CONFIG)
        .map(|b| b.to_string())
        .unwrap_or_default();
    let (entries, strays) = snapshot.incident_entries()?;
    for stray in strays.iter().filter(|s| wanted(s)) {
        findings.push(Finding {
            path: stray.clone(),
            line: None,
            level: Level::Error,
            message: "not an incident directory: expected incidents/<YYYY>/<PREFIX-N>".into(),
        });
    }
    let old = std::mem::take(&mut cache.dirs);
    let cached = old.len();
    let (kept, checked) = crate::store::without_object_cache(|| {
        snapshot.reread_changed(
            &entries,
            old,
            |c, tree| c.tree == tree && c.config == config_blob,
            |snapshot, entry, tree| check_dir(snapshot, &config, entry, tree, config_blob.clone()),
        )
    })?;
    // Something was checked again, or a directory checked before is gone.
    cache.changed |= !checked.is_empty() || kept.len() != cached;
    cache.dirs.extend(kept);
    cache.dirs.extend(checked);
    let zone = config.zone()?;
    // Every holder of an ID or uid, so a duplicate is reported on each file involved:
    // `check --base` must catch one that a change introduced, whichever file it touched.
    let mut holders: HashMap<(&str, &str), Vec<FileLine>> = HashMap::new();
    let known: std::collections::HashSet<String> =
        entries.iter().map(|e| e.id.to_string()).collect();
    for entry in &entries {
        let checked = &cache.dirs[&entry.dir];
        let path = entry.incident_path();
        findings.extend(checked.always.iter().cloned());
        findings.extend(checked.findings.iter().filter(|f| wanted(&f.path)).cloned());
        if wanted(&path) {
            // Open incidents are few: reading their files again costs little.
            if let Some(now) = now.filter(|_| checked.has_open_tasks)
                && let Some(text) = snapshot.read_in(entry, layout::INCIDENT_FILE)?
            {
                findings.extend(overdue_tasks(&path, &text, zone, now));
            }
            for (id, line) in checked.related.iter().filter(|(id, _)| !known.contains(id)) {
                findings.push(Finding {
                    path: path.clone(),
                    line: *line,
                    level: Level::Error,
                    message: format!("related incident {id} is not on this branch"),
                });
            }
            for (commit, line) in checked
                .commits
                .iter()
                .filter(|(c, _)| !snapshot.has_commit(c))
            {
                findings.push(Finding {
                    path: path.clone(),
                    line: *line,
                    level: Level::Warning,
                    message: format!(
                        "commit {commit} is not in this repository: fetch it (`git fetch`), or fix the id"
                    ),
                });
            }
        }
        for (key, value, line) in &checked.holders {
            holders
                .entry((key.as_str(), value.as_str()))
                .or_default()
                .push((path.clone(), *line));
        }
    }
    for ((key, value), files) in holders.iter().filter(|(_, files)| files.len() > 1) {
        for (path, line) in files.iter().filter(|(path, _)| wanted(path)) {
            let others: Vec<&str> = files
                .iter()
                .map(|(p, _)| p.as_str())
                .filter(|p| p != path)
                .collect();
            let what = if *key == "id" { "incident ID" } else { "uid" };
            findings.push(Finding {
                path: path.clone(),
                line: *line,
                level: Level::Error,
                message: format!("duplicate {what} {value}: also {}", others.join(", ")),
            });
        }
    }
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(findings)
}

/// What one incident directory's files say about themselves.
fn check_dir(
    snapshot: &Snapshot<'_>,
    config: &Config,
    entry: &IncidentEntry,
    tree: String,
    config_blob: String,
) -> Result<CheckedDir> {
    let mut checked = CheckedDir {
        tree,
        config: config_blob,
        findings: Vec::new(),
        always: Vec::new(),
        holders: Vec::new(),
        related: Vec::new(),
        commits: Vec::new(),
        has_open_tasks: false,
    };
    match snapshot.read_in(entry, layout::POSTMORTEM_FILE) {
        Ok(Some(text)) => {
            let (pm, file_findings) = postmortem::check_postmortem(entry, &text);
            checked.findings.extend(file_findings);
            if let Some(pm) = pm {
                let people = postmortem::check_people(config, entry, &text, &pm);
                checked.findings.extend(people);
            }
        }
        Ok(None) => {}
        Err(crate::Error::File(e)) => checked.findings.push(e),
        Err(e) => return Err(e),
    }
    let path = entry.incident_path();
    let text = match snapshot.read_in(entry, layout::INCIDENT_FILE) {
        Ok(Some(text)) => text,
        Ok(None) => {
            checked.findings.push(Finding {
                path,
                line: None,
                level: Level::Error,
                message: "missing incident.toml".into(),
            });
            return Ok(checked);
        }
        Err(crate::Error::File(e)) => {
            checked.always.push(e);
            return Ok(checked);
        }
        Err(e) => return Err(e),
    };
    let (incident, file_findings) = check_incident(config, entry, &text);
    checked.findings.extend(file_findings);
    if let Some(incident) = &incident {
        checked.has_open_tasks = incident.status.is_open() && !incident.task.is_empty();
        let located = Located::new(&text);
        for (key, value) in [("id", entry.id.to_string()), ("uid", incident.uid.clone())] {
            let line = located.line(&[Step::Key(key)]);
            checked.holders.push((key.to_string(), value, line));
        }
        // Whether a related incident exists depends on the other directories: judged
        // at each check. A malformed ID is this file's own error.
        let everything = |_: &crate::model::IncidentId| true;
        checked
            .findings
            .extend(check_related(config, &path, &text, incident, &everything));
        for (i, related) in incident.related.iter().enumerate() {
            if let Ok(id) = crate::model::IncidentId::parse_with_prefix(related, &config.id_prefix)
            {
                let line = located
                    .line(&[Step::Key("related"), Step::Index(i)])
                    .or(Some(1));
                checked.related.push((id.to_string(), line));
            }
        }
        // Whether a commit is here changes with each fetch, not with the file.
        for (key, items) in [
            ("caused_by", &incident.changes.caused_by),
            ("fixed_by", &incident.changes.fixed_by),
        ] {
            for (i, value) in items.iter().enumerate() {
                if crate::model::change::is_full_commit_id(value) {
                    let at = [Step::Key("changes"), Step::Key(key), Step::Index(i)];
                    checked
                        .commits
                        .push((value.clone(), located.line(&at).or(Some(1))));
                }
            }
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IncidentId;

    fn findings(severity: &str, links: &str, kind: &str) -> Vec<String> {
        let id = IncidentId::new("INC", 1);
        let entry = IncidentEntry {
            dir: crate::store::layout::incident_dir(2026, &id),
            id,
            year: 2026,
            tree: crate::store::Oid::ZERO_SHA1,
        };
        let text = format!(
            "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"t\"\nseverity = \"{severity}\"\nstatus = \"investigating\"\n\n[[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"{kind}\"\ntext = \"Rolled back\"\n{links}"
        );
        check_incident(&Config::default(), &entry, &text)
            .1
            .iter()
            .map(|f| f.to_string())
            .collect()
    }

    #[test]
    fn timeline_entries_need_evidence_on_severe_incidents() {
        assert_eq!(
            findings("SEV2", "", "action"),
            [
                "incidents/2026/INC-1/incident.toml:8: warning: timeline entry \"Rolled back\" has no evidence links: on a SEV2 incident link the dashboard, log or chat message it comes from"
            ]
        );
        assert!(findings("SEV1", "links = [\"https://grafana/x\"]\n", "action").is_empty());
        assert!(findings("SEV3", "", "action").is_empty());
        assert!(findings("SEV1", "", "status").is_empty());
    }
}
