//! Incidents for people: the list table, the full view, and Markdown.

use unicode_width::UnicodeWidthStr;

use crate::metrics::IncidentFacts;
use crate::model::change::{LinkedChange, LinkedChanges};
use crate::model::roles::{holder, roles_held};
use crate::model::time::format_duration;
use crate::model::{Config, Incident, TimeKey, TimelineEntry, Timestamp, Zone};
use crate::render::{Palette, Table, fit, md, safe, table};

/// `2026-11-23 10:02` in the team's zone; the offset is left out for readability.
pub fn short_time(t: Timestamp, zone: Zone) -> String {
    zone.convert(t.0).format("%Y-%m-%d %H:%M").to_string()
}

pub fn full_time(t: Timestamp, zone: Zone) -> String {
    zone.convert(t.0)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

pub fn severity_rank(config: &Config, name: &str) -> usize {
    config
        .severity
        .iter()
        .position(|s| s.name == name)
        .unwrap_or(usize::MAX)
}

pub fn list_table<'a>(
    incidents: impl IntoIterator<Item = &'a IncidentFacts>,
    config: &Config,
    zone: Zone,
    palette: Palette,
) -> String {
    let mut table = Table::new([
        "ID",
        "SEV",
        "STATUS",
        "DETECTED",
        "COMMANDER",
        "SERVICES",
        "TITLE",
    ])
    .cut(6, table::TITLE)
    .cut(5, table::SHORT)
    .cut(4, table::SHORT)
    .fit(palette.width);
    for incident in incidents {
        table.row([
            palette.id(&incident.id),
            palette.severity(
                &incident.severity,
                severity_rank(config, &incident.severity),
            ),
            palette.status(incident.status.as_str()),
            incident
                .times
                .detected
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .map(|t| short_time(Timestamp(t.fixed_offset()), zone))
                .unwrap_or_default(),
            safe::line(incident.commander.as_deref().unwrap_or("-")).into_owned(),
            safe::line(&incident.services.join(",")).into_owned(),
            if incident.drill {
                format!("{} {}", palette.dim("[drill]"), safe::line(&incident.title))
            } else {
                safe::line(&incident.title).into_owned()
            },
        ]);
    }
    table.render(|h| palette.bold(h))
}

/// The durations the metrics use, for the incident at hand (explicit times only). With
/// no recorded start there is no time to detect, and the others count from detection.
pub fn durations(incident: &Incident) -> Vec<(&'static str, TimeKey, TimeKey, i64)> {
    let t = &incident.times;
    let (start, started) = match t.started {
        Some(started) => (TimeKey::Started, Some(started)),
        None => (TimeKey::Detected, t.detected),
    };
    [
        (
            "time to detect",
            TimeKey::Started,
            TimeKey::Detected,
            t.started,
            t.detected,
        ),
        (
            "time to acknowledge",
            TimeKey::Detected,
            TimeKey::Acknowledged,
            t.detected,
            t.acknowledged,
        ),
        (
            "time to mitigate",
            start,
            TimeKey::Mitigated,
            started,
            t.mitigated,
        ),
        (
            "time to resolve",
            start,
            TimeKey::Resolved,
            started,
            t.resolved,
        ),
    ]
    .into_iter()
    .filter_map(|(name, from, to, a, b)| Some((name, from, to, a?.seconds_until(b?))))
    .collect()
}

/// `7m` for 7m 00s: a duration without its trailing zero unit.
pub fn compact_duration(seconds: i64) -> String {
    let text = format_duration(seconds);
    for zero in [" 00s", " 00m", " 0h"] {
        if let Some(short) = text.strip_suffix(zero) {
            return short.to_string();
        }
    }
    text
}

/// `3 of 5 tasks done, 1 overdue (T2); the checklist: git incident task INC-12`, as
/// the wall clock has it.
fn tasks_summary(incident: &Incident, palette: Palette) -> String {
    let now = Timestamp::wall_clock();
    let tasks = crate::model::flow::tasks(incident, now);
    let done = crate::model::flow::done_count(&tasks);
    let overdue: Vec<&str> = tasks
        .iter()
        .filter(|t| t.overdue)
        .map(|t| t.step.id.as_str())
        .collect();
    let mut line = format!("{done} of {} tasks done", tasks.len());
    if !overdue.is_empty() {
        let late = format!("{} overdue ({})", overdue.len(), overdue.join(", "));
        line.push_str(&format!(", {}", palette.error(&safe::line(&late))));
    }
    line.push_str(&format!(
        "; the checklist: git incident task {}",
        safe::line(&incident.id)
    ));
    line
}

/// `acknowledged in 7m (target 5m: missed)`, for an incident whose severity has an
/// `ack_target` (in seconds) and that has been acknowledged; the verdict is `met` when
/// detected -> acknowledged took no longer than the target.
pub fn ack_verdict(incident: &Incident, target: Option<i64>) -> Option<(String, bool)> {
    let target = target?;
    let t = &incident.times;
    let took = t.detected?.seconds_until(t.acknowledged?);
    if took < 0 {
        return None;
    }
    let met = took <= target;
    Some((
        format!(
            "acknowledged in {} (target {}: {})",
            compact_duration(took),
            compact_duration(target),
            if met { "met" } else { "missed" }
        ),
        met,
    ))
}

/// The full view. `from_history` names the times the file leaves out that were taken
/// from the branch's history, which are marked so; `ack_target` is the severity's.
pub fn show(
    incident: &Incident,
    links: &LinkedChanges,
    from_history: &[TimeKey],
    ack_target: Option<i64>,
    zone: Zone,
    palette: Palette,
) -> String {
    let width = palette.width;
    let id = palette.id(&incident.id);
    let mut out = match width {
        Some(max) => fit::hanging(
            &format!("{id}  "),
            &palette.bold(&incident.title),
            max,
            fit::width(&id) + 2,
        ),
        None => format!("{id}  {}\n", palette.bold(&incident.title)),
    };
    let mut fields: Vec<(String, String)> = vec![
        (
            "severity".into(),
            safe::line(&incident.severity).into_owned(),
        ),
        ("status".into(), palette.status(incident.status.as_str())),
    ];
    let optional = [
        ("commander", incident.commander.clone()),
        (
            "services",
            Some(incident.services.join(", ")).filter(|s| !s.is_empty()),
        ),
        (
            "teams",
            Some(incident.teams.join(", ")).filter(|s| !s.is_empty()),
        ),
        (
            "labels",
            Some(incident.labels.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("detection", incident.detection.map(|d| d.to_string())),
        (
            "drill",
            incident
                .drill
                .then(|| "yes (excluded from metrics)".to_string()),
        ),
        (
            "related",
            Some(incident.related.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("caused by", describe_changes(&links.caused_by)),
        ("fixed by", describe_changes(&links.fixed_by)),
        ("imported from", incident.source.as_ref().map(source_line)),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), safe::line(&v?).into_owned()))),
    );
    for (role, who) in &incident.roles {
        fields.push((safe::line(role).into_owned(), safe::line(who).into_owned()));
    }
    let key_width = fields.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (key, value) in &fields {
        let pad = " ".repeat(key_width - key.width());
        let prefix = format!("{}{pad}  ", palette.dim(key));
        out.push_str(&match width {
            // A long list of services continues under the values, not under the keys.
            Some(max) => fit::hanging(&prefix, value, max, key_width + 2),
            None => format!("{prefix}{value}\n"),
        });
    }
    for (label, text) in [
        ("Summary", &incident.summary),
        ("Customer impact", &incident.customer_impact),
    ] {
        if let Some(text) = text {
            out.push_str(&format!(
                "\n{}\n{}",
                palette.bold(label),
                fit::block(&indent(&safe::block(text)), width, 2)
            ));
        }
    }
    let times: Vec<(TimeKey, Timestamp)> = incident.times.known().collect();
    if !times.is_empty() {
        out.push_str(&format!("\n{}\n", palette.bold("Times")));
        if incident.times.started.is_none() {
            out.push_str(&format!(
                "  {}  {}\n",
                palette.dim(&format!("{:<12}", TimeKey::Started)),
                palette.dim(STARTED_UNKNOWN)
            ));
        }
        for (key, t) in times {
            let origin = if from_history.contains(&key) {
                FROM_HISTORY
            } else {
                ""
            };
            out.push_str(&format!(
                "  {}  {}{}\n",
                palette.dim(&format!("{key:<12}")),
                full_time(t, zone),
                palette.dim(origin)
            ));
        }
        for (name, from, to, seconds) in durations(incident) {
            out.push_str(&format!(
                "  {}  {}  {}\n",
                palette.dim(&format!("{name:<20}")),
                format_duration(seconds),
                palette.dim(&format!("({from} -> {to})"))
            ));
        }
        if let Some((verdict, met)) = ack_verdict(incident, ack_target) {
            let verdict = if met {
                verdict
            } else {
                palette.warning(&verdict)
            };
            out.push_str(&format!(
                "  {}  {verdict}\n",
                palette.dim(&format!("{:<20}", "ack target"))
            ));
        }
    }
    let roles = roles_rows(incident, zone);
    if !roles.is_empty() {
        let mut table = Table::new(ROLES_COLUMNS.map(str::to_uppercase))
            .cut(1, table::SHORT)
            .fit(width.map(|w| w.saturating_sub(2)));
        for row in roles {
            table.row(row.map(|cell| safe::line(&cell).into_owned()));
        }
        out.push_str(&format!("\n{}\n", palette.bold("Roles")));
        out.push_str(&indent(&table.render(|h| palette.bold(h))));
    }
    if !incident.task.is_empty() {
        out.push_str(&format!("\n{}\n", palette.bold("Response flow")));
        out.push_str(&fit::block(
            &format!("  {}\n", tasks_summary(incident, palette)),
            width,
            4,
        ));
    }
    if !incident.timeline.is_empty() {
        out.push_str(&format!("\n{}\n", palette.bold("Timeline")));
        out.push_str(&indent(&timeline_table(
            incident,
            zone,
            palette.within(width.map(|w| w.saturating_sub(2))),
        )));
    }
    out
}

/// On a terminal, long text wraps within its column, so each entry keeps its time
/// at the left edge.
pub fn timeline_table(incident: &Incident, zone: Zone, palette: Palette) -> String {
    let mut table = Table::new(["AT", "KIND", "WHO", "TEXT"])
        .wrap(3, table::TITLE)
        .cut(2, table::SHORT)
        .fit(palette.width);
    for entry in incident.timeline_in_order() {
        // Who an update was for, and whether the webhook failed to deliver it.
        let mut text = match (entry.audience, entry.posted) {
            (Some(audience), Some(false)) => format!("to {audience} (not posted): "),
            (Some(audience), _) => format!("to {audience}: "),
            (None, _) => String::new(),
        };
        text.push_str(&safe::line(&entry.text));
        for link in &entry.links {
            text.push_str(&format!(" {}", palette.dim(&format!("<{link}>"))));
        }
        table.row([
            short_time(entry.at, zone),
            entry.kind.to_string(),
            safe::line(entry.author.as_deref().unwrap_or_default()).into_owned(),
            text,
        ]);
    }
    table.render(|h| palette.bold(h))
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}

/// What `show` says of an impact start nobody recorded (rather than a 0 s time to detect).
const STARTED_UNKNOWN: &str = "unknown";

/// How a time taken from history rather than the file is marked.
const FROM_HISTORY: &str = "  (from history)";

pub fn markdown(
    incident: &Incident,
    links: &LinkedChanges,
    from_history: &[TimeKey],
    ack_target: Option<i64>,
    zone: Zone,
) -> String {
    let mut out = format!(
        "# {}\n\n",
        md::inline(&format!("{}: {}", incident.id, incident.title))
    );
    let mut facts = Table::new(["Field", "Value"]);
    facts.row(["Severity".to_string(), md::cell(&incident.severity)]);
    facts.row(["Status".to_string(), incident.status.to_string()]);
    if let Some(commander) = &incident.commander {
        facts.row(["Commander".to_string(), md::cell(commander)]);
    }
    if let Some(source) = &incident.source {
        facts.row(["Imported from".to_string(), md::cell(&source_line(source))]);
    }
    for (label, list) in [
        ("Services", &incident.services),
        ("Teams", &incident.teams),
        ("Labels", &incident.labels),
    ] {
        if !list.is_empty() {
            facts.row([label.to_string(), md::cell(&list.join(", "))]);
        }
    }
    if incident.times.started.is_none() {
        facts.row(["Started".to_string(), STARTED_UNKNOWN.to_string()]);
    }
    for (key, t) in incident.times.known() {
        let origin = if from_history.contains(&key) {
            FROM_HISTORY
        } else {
            ""
        };
        facts.row([
            capitalize(key.as_str()),
            format!("{}{origin}", full_time(t, zone)),
        ]);
    }
    for (name, from, to, seconds) in durations(incident) {
        facts.row([
            capitalize(name),
            format!("{} ({from} → {to})", format_duration(seconds)),
        ]);
    }
    if let Some((verdict, _)) = ack_verdict(incident, ack_target) {
        facts.row(["Ack target".to_string(), verdict]);
    }
    if incident.drill {
        facts.row(["Drill".to_string(), "yes".to_string()]);
    }
    for (label, linked) in [
        ("Caused by", &links.caused_by),
        ("Fixed by", &links.fixed_by),
    ] {
        if !linked.is_empty() {
            let cells: Vec<String> = linked
                .iter()
                .map(|link| match &link.url {
                    Some(url) => md::link(&link.value, url),
                    None => md::cell(&describe_change(link)),
                })
                .collect();
            facts.row([label.to_string(), cells.join("; ")]);
        }
    }
    out.push_str(&facts.markdown());
    for (label, text) in [
        ("Summary", &incident.summary),
        ("Customer impact", &incident.customer_impact),
    ] {
        if let Some(text) = text {
            out.push_str(&format!("\n## {label}\n\n{}", md::paragraphs(text)));
        }
    }
    let roles = roles_rows(incident, zone);
    if !roles.is_empty() {
        let mut table = Table::new(ROLES_COLUMNS.map(capitalize));
        for row in roles {
            table.row(row.map(|cell| md::cell(&cell)));
        }
        out.push_str("\n## Roles\n\n");
        out.push_str(&table.markdown());
    }
    if !incident.task.is_empty() {
        let mut table = Table::new(["Task", "Step", "Done"]);
        let now = Timestamp::wall_clock();
        for task in crate::model::flow::tasks(incident, now) {
            let done: Vec<String> = task
                .done
                .iter()
                .map(|done| match &done.by {
                    Some(by) => format!("{} by {by}", short_time(done.at, zone)),
                    None => short_time(done.at, zone),
                })
                .collect();
            let done = match (done.is_empty(), task.overdue) {
                (true, true) => "not done (overdue)".to_string(),
                (true, false) => "not done".to_string(),
                (false, _) => done.join("; "),
            };
            table.row([&task.step.id, &task.step.title, &done].map(|cell| md::cell(cell)));
        }
        out.push_str("\n## Response flow\n\n");
        out.push_str(&table.markdown());
    }
    if !incident.timeline.is_empty() {
        out.push_str("\n## Timeline\n\n");
        out.push_str(&timeline_markdown(incident, zone, TIMELINE_COLUMNS));
    }
    out
}

const ROLES_COLUMNS: [&str; 4] = ["role", "who", "from", "until"];

/// Who held each role when, a row each, the role named on its first row only; times in
/// the team's zone. A start or end nothing recorded reads `unknown`; the holder still
/// in the role holds it until `now`.
fn roles_rows(incident: &Incident, zone: Zone) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    let mut previous_role = None;
    for held in roles_held(incident) {
        let time = |t: Option<Timestamp>| t.map_or("unknown".to_string(), |t| short_time(t, zone));
        let until = match held.until {
            None if holder(incident, &held.role) == Some(held.who.as_str()) => "now".to_string(),
            until => time(until),
        };
        let role = match previous_role.as_deref() == Some(held.role.as_str()) {
            true => String::new(),
            false => held.role.clone(),
        };
        rows.push([role, held.who.clone(), time(held.from), until]);
        previous_role = Some(held.role);
    }
    rows
}

/// Change links on one line: `a1b2c3d "Retry charges" (alice, 2 days before it started)`.
fn describe_changes(links: &[LinkedChange]) -> Option<String> {
    let described: Vec<String> = links.iter().map(describe_change).collect();
    Some(described.join("; ")).filter(|s| !s.is_empty())
}

/// A change link as a sentence: the commit's short id, subject, author and lead, else
/// where it leads.
pub fn describe_change(link: &LinkedChange) -> String {
    if let Some(commit) = &link.commit {
        let when = match link.before_started {
            Some(s) if s >= 0 => format!(", {} before it started", roughly(s)),
            Some(s) => format!(", {} after it started", roughly(-s)),
            None => String::new(),
        };
        return format!(
            "{} \"{}\" ({}{when})",
            commit.short_id, commit.subject, commit.author
        );
    }
    match (link.kind, &link.url) {
        (_, Some(url)) => url.clone(),
        ("commit", None) => format!(
            "{} (not in this repository: fetch it?)",
            link.value.get(..12).unwrap_or(&link.value)
        ),
        _ => link.value.clone(),
    }
}

/// `2 days`, `3 hours`, `5 minutes`: how long, as people say it.
fn roughly(seconds: i64) -> String {
    let (n, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Column headers of the Markdown timeline, in English.
pub const TIMELINE_COLUMNS: [&str; 5] = ["Time", "Kind", "Who", "What", "Evidence"];

pub fn timeline_markdown(incident: &Incident, zone: Zone, columns: [&str; 5]) -> String {
    let mut table = Table::new(columns);
    for entry in incident.timeline_in_order() {
        table.row([
            short_time(entry.at, zone),
            entry.kind.to_string(),
            md::cell(entry.author.as_deref().unwrap_or_default()),
            md::cell(&entry.text),
            evidence_markdown(entry),
        ]);
    }
    table.markdown()
}

/// Evidence links as short numbered Markdown links: `[1](url) [2](url)`.
pub fn evidence_markdown(entry: &TimelineEntry) -> String {
    entry
        .links
        .iter()
        .enumerate()
        .map(|(i, link)| md::link(&(i + 1).to_string(), link))
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `statuspage p31zjtct2jer https://stspg.io/p31zjtc`
fn source_line(source: &crate::model::Source) -> String {
    let mut line = format!("{} {}", source.system, source.id);
    if let Some(url) = &source.url {
        line.push(' ');
        line.push_str(url);
    }
    line
}
