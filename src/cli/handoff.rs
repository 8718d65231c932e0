use clap::Args;

use super::{CmdResult, Ui};
use crate::ops::handoff::{self as ops, Handoff};
use crate::ops::incident::written;

/// Hand a role of an incident to someone else (default: command)
///
/// Sets `commander` (or `roles.ROLE`) and records the hand-off with its time in the
/// timeline; `show` lists who held each role when. The acknowledgement time stays the
/// first one: a commander hand-off needs someone to have taken command (`ack`).
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
git incident handoff INC-12 --to kenji --note \"going off shift\"\n  \
git incident handoff INC-12 --role comms --to me")]
pub struct HandoffArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// Who takes the role: a handle, a name, or `me`
    #[arg(long, value_name = "WHO")]
    to: String,
    /// The role: commander, comms, scribe or any lowercase name
    #[arg(long, default_value = "commander")]
    role: String,
    /// When it changed hands (default: now)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Why, for the timeline (e.g. "going off shift")
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

pub fn run(ui: &Ui, args: HandoffArgs) -> CmdResult {
    let store = ui.store()?;
    let request = Handoff {
        role: &args.role,
        to: &args.to,
        at: args.at.as_deref(),
        note: args.note.as_deref(),
    };
    let done = ops::handoff(&store, &args.id, &request)?;
    ui.notes(&done.notes);
    let handed = &done.value;
    ui.wrote(&format!("{}: {}", handed.id, handed.what), || {
        written(&store, done.commit, &handed.id)
    })?;
    Ok(0)
}
