use clap::Args;

use super::{CmdResult, Ui};
use crate::ops::code as ops;
use crate::render::code::blame_table;

/// List the incidents a commit caused or fixed
#[derive(Args, Debug)]
#[command(
    after_help = "A commit counts when an incident's changes.caused_by or changes.fixed_by names it, when REV is a\n\
merge whose range (REV^1..REV) holds the named commit, or when the named commit is a merge whose\n\
range holds REV."
)]
pub struct BlameArgs {
    /// A commit of the code repository: anything `git rev-parse` accepts
    rev: String,
}

pub fn run(ui: &Ui, args: BlameArgs) -> CmdResult {
    let store = ui.store()?;
    let (commit, rows) = ops::blame(&store, &args.rev)?;
    if ui.json {
        ui.print_json(&rows)?;
    } else if rows.is_empty() {
        ui.status(&format!("no incident names {commit} or a merge around it"));
    } else {
        ui.page(&blame_table(&rows, ui.palette))?;
    }
    Ok(0)
}
