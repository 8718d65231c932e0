use clap::{Args, Subcommand};

use super::incident::parse_assignment;
use super::list::ShowFormat;
use super::{AsKnownAt, CmdResult, Ui};
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
        /// The incident, e.g. INC-42
        id: String,
        /// Who drives it to publication
        #[arg(long, value_name = "WHO")]
        owner: Option<String>,
    },
    /// Show a postmortem; `--format md` prints a Markdown document for a wiki or pull request
    Show {
        /// The incident, e.g. INC-42
        id: String,
        /// text for the terminal, md for a Markdown document
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
        #[command(flatten)]
        past: AsKnownAt,
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
        /// The incident, e.g. INC-42
        id: String,
        /// Fields to change: KEY=VALUE, KEY+=VALUE (append to a list) or KEY= (clear); dotted keys such as root_cause.statement
        #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_assignment)]
        assignments: Vec<Assignment>,
    },
    /// Move it to draft, in_review or published (publishing runs the `check` rules)
    Status {
        /// The incident, e.g. INC-42
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
            let id = &written.value;
            ui.wrote(
                &format!(
                    "{id}: postmortem started; fill it in with `git incident edit {id} --postmortem`"
                ),
                || ops::written(&store, written.commit, id),
            )?;
        }
        PostmortemCommand::Show { id, format, past } => {
            let store = past.store(ui)?;
            let snapshot = store.snapshot()?;
            let config = snapshot.config()?;
            let review = ops::load(&snapshot, &config, &id)?;
            let (incident, pm) = (&review.incident.value, &review.postmortem.value);
            let zone = config.zone()?;
            if ui.json {
                ui.print_json(pm)?;
                return Ok(0);
            }
            let incident = &crate::ops::incident::with_handles(&config, incident.clone());
            let pm = &ops::with_handles(&config, pm.clone());
            match format {
                ShowFormat::Text => ui.page(&show(&config, incident, pm, zone, ui.palette))?,
                ShowFormat::Md => ui.print(&markdown(&config, incident, pm, zone))?,
            }
        }
        PostmortemCommand::Set { id, assignments } => {
            let written = ops::set_fields(&store, &id, &assignments)?;
            let (id, notes) = &written.value;
            let what = super::written::assignments(&assignments);
            ui.set_done(
                id,
                "postmortem ",
                &what,
                notes,
                written.commit.is_some(),
                || ops::written(&store, written.commit, id),
            )?;
        }
        PostmortemCommand::Status { id, state } => {
            let written = ops::set_status(&store, &id, state)?;
            let (id, old, new) = &written.value;
            ui.wrote(&format!("{id}: postmortem {old} -> {new}"), || {
                ops::written(&store, written.commit, id)
            })?;
        }
    }
    Ok(0)
}
