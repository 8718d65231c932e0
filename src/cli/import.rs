use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{CmdResult, Ui};
use crate::error::Error;
use crate::import::{self, Action, Options, Record, pagerduty, slack, statuspage};
use crate::model::TimeContext;
use crate::render::progress::CommitProgress;

/// Import incidents from another system (again: only what changed)
///
/// Each incident keeps where it came from in its [source] table, so importing the same
/// data again changes nothing, and a newer export updates what changed there while
/// fields edited here since the import are kept (and reported). One commit per
/// incident, dated with the incident's own times.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Say what would be created or changed; write nothing
    #[arg(long, global = true)]
    dry_run: bool,
    #[command(subcommand)]
    source: ImportSource,
}

#[derive(Subcommand, Debug)]
enum ImportSource {
    Statuspage(StatuspageArgs),
    Csv(CsvArgs),
    // Pager and chat importers.
    Pagerduty(PagerdutyArgs),
    Opsgenie(OpsgenieArgs),
    Slack(SlackArgs),
}

/// From Statuspage: an export file (/api/v2/incidents.json) or the manage API
#[derive(Args, Debug)]
struct StatuspageArgs {
    /// The export: {"page": …, "incidents": […]} or an array of incidents
    #[arg(required_unless_present = "page_id", conflicts_with = "page_id")]
    file: Option<PathBuf>,
    /// Fetch from the API instead: the page's ID
    #[arg(long, value_name = "ID", requires = "api_key")]
    page_id: Option<String>,
    /// The API key (a user's key from the Statuspage API settings)
    #[arg(
        long,
        value_name = "KEY",
        env = "STATUSPAGE_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
    /// The API's base URL
    #[arg(long, value_name = "URL", default_value = statuspage::API_URL)]
    api_url: String,
}

/// From a CSV file: one row an incident, a header row
#[derive(Args, Debug)]
struct CsvArgs {
    /// The CSV file, with a header row
    file: PathBuf,
    /// FIELD=COLUMN pairs, comma-separated: title, severity and a time are needed,
    /// e.g. title=Summary,severity=Sev,detected=Opened,resolved=Closed,id=Ticket
    #[arg(long, value_name = "FIELD=COLUMN,…", required = true)]
    map: String,
}

/// From PagerDuty: a REST API export ({"incidents": […]} with log entries) or the API
#[derive(Args, Debug)]
struct PagerdutyArgs {
    /// The export: what GET /incidents returns, each incident with its log_entries
    #[arg(required_unless_present = "token", conflicts_with = "token")]
    file: Option<PathBuf>,
    /// Fetch from the API instead, with this REST API token
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PAGERDUTY_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// With --token: incidents created since this RFC 3339 time
    #[arg(long, value_name = "TIME", requires = "token")]
    since: Option<String>,
    /// The API's base URL
    #[arg(long, value_name = "URL", default_value = pagerduty::API_URL)]
    api_url: String,
}

/// From Opsgenie: alerts or incidents as the REST API lists them ({"data": […]})
#[derive(Args, Debug)]
struct OpsgenieArgs {
    /// The export: {"data": […]} or a bare array of alerts or incidents
    file: PathBuf,
}

/// From Slack: a channel's messages into an incident's timeline
///
/// Messages from the incident's start to its resolution (until now while it is open),
/// without joins, leaves and bots' messages; each once, however often imported.
#[derive(Args, Debug)]
struct SlackArgs {
    /// A workspace export: its zip, or the directory it unpacks to
    #[arg(required_unless_present = "token", conflicts_with = "token")]
    export: Option<PathBuf>,
    /// The channel: its name in an export, its ID (C0123) with --token
    #[arg(long, value_name = "CHANNEL")]
    channel: String,
    /// The incident whose timeline the messages join
    #[arg(long, value_name = "ID")]
    incident: String,
    /// Messages from this time (default: the incident's start)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Messages until this time (default: the incident's resolution)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only pinned messages
    #[arg(long, conflicts_with = "reaction")]
    pinned: bool,
    /// Only messages with this reaction, e.g. pushpin
    #[arg(long, value_name = "NAME")]
    reaction: Option<String>,
    /// Read the Web API instead, with this token (channels:history, users:read)
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SLACK_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// The Web API's base URL
    #[arg(long, value_name = "URL", default_value = slack::API_URL)]
    api_url: String,
}

fn run_slack(ui: &Ui, args: &SlackArgs, dry_run: bool) -> CmdResult {
    let store = ui.store()?;
    let config = store.snapshot()?.config()?;
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let filter = slack::Filter {
        since: args.since.as_deref().map(|t| time.parse(t)).transpose()?,
        until: args.until.as_deref().map(|t| time.parse(t)).transpose()?,
        pinned: args.pinned,
        reaction: args.reaction.clone(),
    };
    let api;
    let input = match (&args.export, &args.token) {
        (Some(path), _) => slack::Input::Export {
            path,
            channel: &args.channel,
        },
        (None, Some(token)) => {
            api = slack::Api {
                base_url: args.api_url.clone(),
                token: token.clone(),
                channel: args.channel.clone(),
            };
            slack::Input::Api(&api)
        }
        (None, None) => return Err(Error::usage("give an EXPORT, or --token")),
    };
    let outcome = slack::import(&store, &args.incident, input, &filter, dry_run)?;
    let would = if dry_run { "would be " } else { "" };
    ui.status(&format!(
        "{}: {} timeline entries {would}added ({} messages, {} already there)",
        outcome.id,
        outcome.added.len(),
        outcome.messages,
        outcome.messages - outcome.added.len()
    ));
    if ui.json {
        ui.print_json(&outcome)?;
    }
    Ok(0)
}

pub fn run(ui: &Ui, args: ImportArgs) -> CmdResult {
    // A chat goes into one incident's timeline, not through the incident import.
    if let ImportSource::Slack(slack) = &args.source {
        return run_slack(ui, slack, args.dry_run);
    }
    let store = ui.store()?;
    let config = store.snapshot()?.config()?;
    let records: Vec<Record> = match &args.source {
        ImportSource::Statuspage(sp) => match (&sp.file, &sp.page_id, &sp.api_key) {
            (Some(file), _, _) => statuspage::from_file(file, &config)?,
            (None, Some(page_id), Some(api_key)) => statuspage::from_api(
                &statuspage::Api {
                    base_url: sp.api_url.clone(),
                    page_id: page_id.clone(),
                    api_key: api_key.clone(),
                },
                &config,
            )?,
            _ => {
                return Err(Error::usage(
                    "give an export FILE, or --page-id with --api-key",
                ));
            }
        },
        ImportSource::Csv(csv) => import::csv::from_file(&csv.file, &csv.map, &config)?,
        ImportSource::Pagerduty(pd) => match (&pd.file, &pd.token) {
            (Some(file), _) => pagerduty::from_file(file, &config)?,
            (None, Some(token)) => pagerduty::from_api(
                &pagerduty::Api {
                    base_url: pd.api_url.clone(),
                    token: token.clone(),
                    since: pd.since.clone(),
                },
                &config,
            )?,
            (None, None) => return Err(Error::usage("give an export FILE, or --token")),
        },
        ImportSource::Opsgenie(og) => import::opsgenie::from_file(&og.file, &config)?,
        ImportSource::Slack(_) => unreachable!("imported above"),
    };
    let mut progress = CommitProgress::counting("importing {bar:30} {pos}/{len} incidents", 50);
    let report = import::run(
        &store,
        records,
        &Options {
            dry_run: args.dry_run,
        },
        |done, total| progress.update(done, total),
    )?;
    let would = if report.dry_run { "would be " } else { "" };
    let mut counts = [0; 4];
    for outcome in &report.incidents {
        let source = format!("{} {}", outcome.source.system, outcome.source.id);
        let id = outcome.id.as_deref().unwrap_or("new");
        let action = match outcome.action {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Refused => "refused",
        };
        counts[outcome.action as usize] += 1;
        if let Some(error) = &outcome.error {
            ui.warn(&format!(
                "error: {id} ({source}) {:?} was not imported: {error}",
                outcome.title
            ));
        } else if outcome.action != Action::Unchanged {
            ui.status(&format!(
                "{id}: {would}{action} from {source} {:?}",
                outcome.title
            ));
            // A new incident's values are all in it: only an update's are news.
            if outcome.action == Action::Updated {
                for change in &outcome.changes {
                    ui.status(&format!("  {change}"));
                }
            }
        }
        for kept in &outcome.kept {
            ui.warn(&format!("warning: {id} ({source}): {kept}"));
        }
        for warning in &outcome.warnings {
            ui.warn(&format!("warning: {id} ({source}): {warning}"));
        }
    }
    let refused = counts[Action::Refused as usize];
    let mut summary = format!(
        "{} incidents: {} {would}created, {} {would}updated, {} unchanged",
        report.incidents.len(),
        counts[Action::Created as usize],
        counts[Action::Updated as usize],
        counts[Action::Unchanged as usize]
    );
    if refused > 0 {
        summary.push_str(&format!(", {refused} refused"));
    }
    ui.status(&summary);
    if refused > 0 {
        ui.warn(
            "hint: fix the values named above by hand (git incident set / edit), then import again",
        );
    }
    if ui.json {
        ui.print_json(&report)?;
    }
    Ok(if refused > 0 { 1 } else { 0 })
}
