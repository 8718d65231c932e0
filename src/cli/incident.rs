use clap::{Args, Subcommand};

use super::{CmdResult, Ui};
use crate::model::config::NotifyEvent;
use crate::model::{Audience, Status, TimelineKind};
use crate::ops::incident::{self as ops, NewIncident};
use crate::ops::update as update_ops;
use crate::render::incident::timeline_table;
use crate::store::edit::Assignment;

/// Open a new incident and print its ID
#[derive(Args, Debug)]
pub struct NewArgs {
    /// What is broken, as customers would notice it
    title: String,
    /// One of the severities in config.toml, e.g. SEV2
    #[arg(long, short)]
    severity: String,
    /// Affected service (repeatable)
    #[arg(long = "service", value_name = "S")]
    services: Vec<String>,
    /// Responding team (repeatable)
    #[arg(long = "team", value_name = "T")]
    teams: Vec<String>,
    /// Incident commander (also marks the incident acknowledged)
    #[arg(long, value_name = "WHO")]
    commander: Option<String>,
    /// When impact began (default: unknown, taken as detected)
    #[arg(long, value_name = "TIME")]
    started: Option<String>,
    /// When it was noticed (default: now)
    #[arg(long, value_name = "TIME")]
    detected: Option<String>,
    /// What is known so far, in a sentence or two
    #[arg(long, value_name = "TEXT")]
    summary: Option<String>,
    /// A game day or exercise: kept, but out of every metric
    #[arg(long)]
    drill: bool,
}

pub fn new(ui: &Ui, args: NewArgs) -> CmdResult {
    let store = ui.store()?;
    let written = ops::create(
        &store,
        &NewIncident {
            title: args.title,
            severity: args.severity,
            services: args.services,
            teams: args.teams,
            commander: args.commander,
            started: args.started,
            detected: args.detected,
            summary: args.summary,
            drill: args.drill,
        },
    )?;
    ui.notes(&written.notes);
    let (id, severity) = written.value;
    // The flow goes to stderr, as git's hints do: `id=$(git incident new …)` still
    // captures only the ID, and the commander sees what to do next either way.
    super::task::say_flow(ui, &severity.name, &severity.step);
    if ui.json {
        ui.print_json(&ops::written(&store, None, &id)?)?;
    } else {
        ui.print(&format!("{id}\n"))?;
    }
    super::update::announce(ui, &store, written.commit, &id, NotifyEvent::New);
    Ok(0)
}

/// Take command of an incident (you, or --commander)
#[derive(Args, Debug)]
pub struct AckArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// Who takes command (default: you, by git's user.name)
    #[arg(long, value_name = "WHO")]
    commander: Option<String>,
    /// When command was taken (default: now)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

pub fn ack(ui: &Ui, args: AckArgs) -> CmdResult {
    let store = ui.store()?;
    let written = ops::ack(
        &store,
        &args.id,
        args.commander.as_deref(),
        args.at.as_deref(),
    )?;
    ui.notes(&written.notes);
    let (id, what) = &written.value;
    ui.wrote(&format!("{id}: {what}"), || {
        ops::written(&store, written.commit, id)
    })?;
    Ok(0)
}

/// Move an incident to a new status
#[derive(Args, Debug)]
#[command(
    after_help = "States, in order: investigating, identified, mitigated, resolved, closed; and canceled.\n\
Reaching a state stamps its time in [times] (mitigated, resolved, closed) unless already set;\n\
moving back below a state (reopening) clears its time, so it counts from when it is reached again."
)]
pub struct StatusArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// The new status: investigating, identified, mitigated, resolved, closed or canceled
    state: Status,
    /// When it happened (default: now)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// A note for the timeline
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

pub fn status(ui: &Ui, args: StatusArgs) -> CmdResult {
    let store = ui.store()?;
    let written = ops::set_status(
        &store,
        &args.id,
        args.state,
        args.at.as_deref(),
        args.note.as_deref(),
    )?;
    ui.notes(&written.notes);
    let (id, old) = &written.value;
    ui.wrote(&format!("{id}: status {old} -> {}", args.state), || {
        ops::written(&store, written.commit, id)
    })?;
    super::update::announce(ui, &store, written.commit, id, NotifyEvent::Status);
    Ok(0)
}

/// Set fields of an incident: KEY=VALUE, KEY+=VALUE (append to a list), KEY= (clear)
#[derive(Args, Debug)]
#[command(after_help = concat!("Settable: ", "title, severity, summary, customer_impact, commander, services, teams, labels, related, \
detection, drill, times.<started|detected|acknowledged|mitigated|resolved|closed>, changes.caused_by, changes.fixed_by, roles.<name>\n\n\
changes.* take a revision of this repository (HEAD~3, a tag; stored as its full commit id), \
a pull/merge request URL or #123:\n  git incident set INC-7 changes.caused_by+=HEAD~3 changes.fixed_by+=#482"))]
pub struct SetArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// Fields to change: KEY=VALUE, KEY+=VALUE (append), KEY-=VALUE (remove) or KEY= (clear)
    #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
    assignments: Vec<Assignment>,
}

pub fn parse_assignment(input: &str) -> Result<Assignment, String> {
    Assignment::parse(input).map_err(|e| e.to_string())
}

pub fn set(ui: &Ui, args: SetArgs) -> CmdResult {
    let store = ui.store()?;
    // Said as stored: `changes.caused_by += <full id>`, not the `HEAD~3` typed.
    let assignments = crate::ops::code::resolve_typed(&store, &args.assignments)?;
    let written = ops::set_fields(&store, &args.id, &assignments)?;
    ui.notes(&written.notes);
    let outcome = &written.value;
    let id = &outcome.id;
    let what = super::written::assignments(&assignments);
    ui.set_done(
        id,
        "",
        &what,
        &outcome.notes,
        written.commit.is_some(),
        || ops::written(&store, written.commit, id),
    )?;
    if let Some(raised) = &outcome.raised {
        let incident = ops::written(&store, written.commit, id)?.incident;
        super::task::say_raised_flow(ui, raised, &incident);
    }
    if assignments.iter().any(|a| a.key == "severity") {
        super::update::announce(ui, &store, written.commit, id, NotifyEvent::Severity);
    }
    Ok(0)
}

/// Print an incident's timeline, or add an entry to it
#[derive(Args, Debug)]
pub struct TimelineArgs {
    /// The incident, e.g. INC-42
    id: String,
    #[command(subcommand)]
    action: Option<TimelineAction>,
}

#[derive(Subcommand, Debug)]
enum TimelineAction {
    /// Add a fact to the timeline, with evidence links
    Add {
        /// What happened, as a fact (blameless: what, not who)
        text: String,
        /// When it happened (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// alert, action, decision, communication, status or note (default: note, or
        /// communication with --audience)
        #[arg(long)]
        kind: Option<TimelineKind>,
        /// Evidence: a dashboard, log search or chat thread (repeatable)
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        /// With --kind communication: who the update sent elsewhere was for (cs, customers, internal)
        #[arg(long, value_name = "WHO")]
        audience: Option<Audience>,
    },
}

pub fn timeline(ui: &Ui, args: TimelineArgs) -> CmdResult {
    let store = ui.store()?;
    match args.action {
        Some(TimelineAction::Add {
            audience: Some(audience),
            text,
            at,
            kind,
            links,
        }) => {
            if let Some(kind) = kind.filter(|k| *k != TimelineKind::Communication) {
                return Err(crate::Error::usage(format!(
                    "--audience is for communications, not a {kind}: drop --kind or use --kind communication"
                )));
            }
            let written = update_ops::record(
                &store,
                &args.id,
                audience,
                &text,
                at.as_deref(),
                &links,
                None,
            )?;
            ui.notes(&written.notes);
            let id = &written.value.id;
            ui.wrote(
                &format!(
                    "{id}: timeline + communication to {audience} {:?}",
                    ops::short(text.trim(), 50)
                ),
                || ops::written(&store, written.commit, id),
            )?;
            Ok(0)
        }
        Some(TimelineAction::Add {
            audience: None,
            text,
            at,
            kind,
            links,
        }) => {
            let kind = kind.unwrap_or(TimelineKind::Note);
            let written = ops::add_timeline(&store, &args.id, &text, at.as_deref(), kind, &links)?;
            ui.notes(&written.notes);
            let id = &written.value;
            ui.wrote(
                &format!("{id}: timeline + {:?}", ops::short(text.trim(), 60)),
                || ops::written(&store, written.commit, id),
            )?;
            Ok(0)
        }
        None => {
            let snapshot = store.snapshot()?;
            let config = snapshot.config()?;
            let (_, loaded) = ops::load(&snapshot, &config, &args.id)?;
            if ui.json {
                ui.print_json(&loaded.value.chronological().timeline)?;
            } else {
                let zone = config.zone()?;
                let incident = ops::with_handles(&config, loaded.value);
                ui.page(&timeline_table(&incident, zone, ui.palette))?;
            }
            Ok(0)
        }
    }
}
