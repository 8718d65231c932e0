use clap::{Args, Subcommand};

use super::incident::parse_assignment;
use super::list::ShowFormat;
use super::{CmdResult, Ui};
use crate::model::PostmortemStatus;
use crate::ops::postmortem as ops;
use crate::render::postmortem::{markdown, show};
use crate::store::edit::Assignment;

/// Write a blameless postmortem: start it, fill it in, review and publish it
#[derive(Args, Debug)]
pub struct PostmortemArgs {
    #[command(subcommand)]
    command: PostmortemCommand,
}

#[derive(Subcommand, Debug)]
enum PostmortemCommand {
    /// Start the postmortem of an incident from a commented template
    New {
        id: String,
        /// Who drives it to publication
        #[arg(long, value_name = "WHO")]
        owner: Option<String>,
    },
    /// Show a postmortem; `--format md` prints a Markdown document for a wiki or pull request
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Set fields: KEY=VALUE, KEY+=VALUE (append to a list), KEY= (clear)
    #[command(after_help = concat!(
        "Settable: owner, participants, summary, impact, trigger, detection, response, root_cause.whys,\n\
root_cause.statement, contributing_factors, mental_models, went_well, went_wrong, where_lucky,\n\
kpt.keep, kpt.problem, kpt.try, lessons, links.\n\n",
        "Lists take repeated values (went_well=a went_well=b) or append with KEY+=VALUE:\n",
        "  git incident postmortem set INC-1 root_cause.whys+=\"Why did the retry charge twice? ...\""
    ))]
    Set {
        id: String,
        #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
        assignments: Vec<Assignment>,
    },
    /// Move it to draft, in_review or published (publishing runs the `check` rules)
    Status {
        id: String,
        /// draft, in_review or published
        state: PostmortemStatus,
    },
}

pub fn run(ui: &Ui, args: PostmortemArgs) -> CmdResult {
    let store = ui.store()?;
    match args.command {
        PostmortemCommand::New { id, owner } => {
            let written = ops::create(&store, &id, owner.as_deref())?;
            let id = written.value;
            if ui.json {
                ui.print_json(&serde_json::json!({ "id": id.to_string() }))?;
            } else {
                eprintln!(
                    "{id}: postmortem started; fill it in with `git incident edit {id} --postmortem`"
                );
            }
        }
        PostmortemCommand::Show { id, format } => {
            let snapshot = store.snapshot()?;
            let config = snapshot.config()?;
            let review = ops::load(&snapshot, &config, &id)?;
            let (incident, pm) = (&review.incident.value, &review.postmortem.value);
            let zone = config.zone()?;
            if ui.json {
                ui.print_json(pm)?;
                return Ok(0);
            }
            match format {
                ShowFormat::Text => ui.page(&show(&config, incident, pm, zone, ui.palette))?,
                ShowFormat::Md => ui.print(&markdown(&config, incident, pm, zone))?,
            }
        }
        PostmortemCommand::Set { id, assignments } => {
            let written = ops::set_fields(&store, &id, &assignments)?;
            if written.commit.is_none() {
                eprintln!("nothing changed");
            }
        }
        PostmortemCommand::Status { id, state } => {
            let written = ops::set_status(&store, &id, state)?;
            let (old, new) = written.value;
            eprintln!("postmortem {old} -> {new}");
        }
    }
    Ok(0)
}
