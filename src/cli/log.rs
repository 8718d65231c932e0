use clap::Args;

use super::{CmdResult, Ui};
use crate::ops::log::log;
use crate::render::log as view;
use crate::render::progress::CommitProgress;

/// Show who changed what and when, field by field
///
/// Every commit that touched the incident (or, without an ID, any incident), newest
/// first; commits made by hand in a worktree of the branch are read like the tool's own.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// An incident ID; without it, the whole branch
    id: Option<String>,
    /// Show only the newest N commits, like `git log -n`
    #[arg(short = 'n', long, value_name = "N")]
    max_count: Option<usize>,
}

pub fn run(ui: &Ui, args: LogArgs) -> CmdResult {
    let store = ui.store()?;
    let mut progress = CommitProgress::new();
    let result = log(
        &store,
        args.id.as_deref(),
        args.max_count,
        &mut |done, total| progress.update(done, total),
    )?;
    if ui.json {
        ui.print_json(&result.events)?;
    } else {
        ui.page(&view::text(&result.events, result.zone, ui.palette))?;
    }
    Ok(0)
}
