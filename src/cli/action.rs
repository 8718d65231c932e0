use clap::{Args, Subcommand};

use super::incident::parse_assignment;
use super::{AsKnown, CmdResult, Ui};
use crate::history::{Index, Want};
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
        /// What will be done, e.g. "Idempotency keys on /charge"
        title: String,
        /// prevent, detect, mitigate or process
        #[arg(long, value_name = "K")]
        kind: ActionKind,
        /// Who does it
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
        /// Only items owned by WHO
        #[arg(long, value_name = "WHO")]
        owner: Option<String>,
        /// Only items of this kind
        #[arg(long, value_name = "K")]
        kind: Option<ActionKind>,
        /// The day overdue is judged on (default: now)
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        #[command(flatten)]
        as_known: AsKnown,
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
        /// Fields to change: KEY=VALUE or KEY= (clear)
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
            let said = format!(
                "added {:?} ({kind})",
                crate::ops::incident::short(&title, 60)
            );
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
            let id = &written.value;
            ui.status(&format!("{id}: {said}"));
            if ui.json {
                ui.print_json(&ops::written(&store, written.commit, id)?)?;
            } else {
                ui.print(&format!("{id}\n"))?;
            }
        }
        ActionCommand::List {
            open,
            overdue,
            owner,
            kind,
            as_of,
            as_known,
        } => {
            let store = as_known.store(ui, as_of.as_deref())?;
            let snapshot = store.snapshot()?;
            let config = snapshot.config()?;
            let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
            let as_of = match as_of {
                Some(input) => time.zone.convert(time.parse(&input)?.0).date_naive(),
                None => time.today(),
            };
            let owner = owner
                .map(|typed| ops::owner_filter(&store, &typed))
                .transpose()?;
            let filter = Filter {
                owner,
                kind,
                open,
                overdue,
            };
            let index = Index::load(&store, &snapshot, Want::Files)?;
            let code = ui.report_skipped(&index.postmortem_errors());
            let mut listed = ops::list_all(&index, as_of)?;
            listed.retain(|item| filter.matches(item));
            if ui.json {
                ui.print_json(&listed)?;
            } else if listed.is_empty() {
                ui.status("no action items");
            } else {
                ui.page(&action_table(&listed, ui.palette))?;
            }
            return Ok(code);
        }
        ActionCommand::Done { action_id } => {
            let written = ops::done(&store, &action_id)?;
            let id = &written.value;
            ui.wrote(&format!("{id}: status -> done"), || {
                ops::written(&store, written.commit, id)
            })?;
        }
        ActionCommand::Set {
            action_id,
            assignments,
        } => {
            let written = ops::set_fields(&store, &action_id, &assignments)?;
            let id = &written.value;
            let what = match written.commit {
                Some(_) => super::written::assignments(&assignments),
                None => "nothing changed".to_string(),
            };
            ui.wrote(&format!("{id}: {what}"), || {
                ops::written(&store, written.commit, id)
            })?;
        }
    }
    Ok(0)
}
