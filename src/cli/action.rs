use clap::{Args, Subcommand};

use super::incident::parse_assignment;
use super::{CmdResult, Ui};
use crate::model::{ActionKind, TimeContext};
use crate::ops::action::{self as ops, Filter, NewAction};
use crate::render::postmortem::action_table;
use crate::store::edit::Assignment;

/// Track action items: add, list across incidents, close
#[derive(Args, Debug)]
pub struct ActionArgs {
    #[command(subcommand)]
    command: ActionCommand,
}

#[derive(Subcommand, Debug)]
enum ActionCommand {
    /// Add an action item to an incident's postmortem (started from the template if needed)
    #[command(
        after_help = "Kinds: prevent (stop a recurrence), detect (notice it sooner), mitigate (contain it faster),\n\
process (how the team works). Have both prevent and detect/mitigate items."
    )]
    Add {
        /// The incident, e.g. INC-42
        id: String,
        title: String,
        #[arg(long, value_name = "K")]
        kind: ActionKind,
        #[arg(long, value_name = "WHO")]
        owner: Option<String>,
        /// Due date, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        /// The issue in the team's tracker
        #[arg(long, value_name = "URL")]
        link: Option<String>,
    },
    /// List action items across all incidents
    List {
        /// Only open and in_progress items
        #[arg(long)]
        open: bool,
        /// Only open items past their due date (as of --as-of)
        #[arg(long)]
        overdue: bool,
        #[arg(long, value_name = "WHO")]
        owner: Option<String>,
        #[arg(long, value_name = "K")]
        kind: Option<ActionKind>,
        /// The day overdue is judged on (default: now)
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
    },
    /// Mark an action item done (done_at is the commit time)
    Done {
        /// e.g. INC-42.A3
        action_id: String,
    },
    /// Set fields of an action item: title, kind, owner, due, status, link, notes
    Set {
        /// e.g. INC-42.A3
        action_id: String,
        #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
        assignments: Vec<Assignment>,
    },
}

pub fn run(ui: &Ui, args: ActionArgs) -> CmdResult {
    let store = ui.store()?;
    match args.command {
        ActionCommand::Add {
            id,
            title,
            kind,
            owner,
            due,
            link,
        } => {
            let written = ops::add(
                &store,
                &id,
                &NewAction {
                    title,
                    kind,
                    owner,
                    due,
                    link,
                },
            )?;
            if ui.json {
                ui.print_json(&serde_json::json!({ "id": written.value.to_string() }))?;
            } else {
                ui.print(&format!("{}\n", written.value))?;
            }
        }
        ActionCommand::List {
            open,
            overdue,
            owner,
            kind,
            as_of,
        } => {
            let snapshot = store.snapshot()?;
            let config = snapshot.config()?;
            let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
            let as_of = match as_of {
                Some(input) => time.zone.convert(time.parse(&input)?.0).date_naive(),
                None => time.today(),
            };
            let filter = Filter {
                owner,
                kind,
                open,
                overdue,
            };
            let (mut listed, broken) = ops::list_all(&snapshot, as_of)?;
            let code = ui.report_skipped(&broken);
            listed.retain(|item| filter.matches(item));
            if ui.json {
                ui.print_json(&listed)?;
            } else if listed.is_empty() {
                eprintln!("no action items");
            } else {
                ui.page(&action_table(&listed, ui.palette))?;
            }
            return Ok(code);
        }
        ActionCommand::Done { action_id } => {
            let written = ops::done(&store, &action_id)?;
            eprintln!("{} done", written.value);
        }
        ActionCommand::Set {
            action_id,
            assignments,
        } => {
            let written = ops::set_fields(&store, &action_id, &assignments)?;
            if written.commit.is_none() {
                eprintln!("nothing changed");
            }
        }
    }
    Ok(0)
}
