use clap::{Args, ValueEnum};

use super::{CmdResult, Ui};
use crate::model::Zone;
use crate::ops::review::{parse_range, review};
use crate::render::review::{markdown, text};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReviewFormat {
    Text,
    Md,
}

/// Summarise what changed between two revisions, per incident and field
///
/// Compares HEAD with where it forked from BASE (as a pull request does), lists field
/// changes, new timeline entries and action items, and the check findings on the
/// changed files. `--format md` is ready to post as a pull-request comment.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// BASE..HEAD, e.g. origin/incidents..pm/INC-7; a lone NAME means <incident branch>..NAME
    range: String,
    /// text for the terminal, md for a pull-request comment
    #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
    format: ReviewFormat,
}

pub fn run(ui: &Ui, args: ReviewArgs) -> CmdResult {
    let store = ui.store()?;
    let (base, head) = parse_range(&args.range, store.refname());
    let result = review(&store, base, head)?;
    let snapshot = store.snapshot_at(&result.head)?;
    let zone = snapshot
        .config()
        .and_then(|c| c.zone())
        .unwrap_or(Zone::Local);
    if ui.json {
        ui.print_json(&result)?;
    } else {
        match args.format {
            ReviewFormat::Md => ui.print(&markdown(&result, zone))?,
            ReviewFormat::Text => ui.page(&text(&result, zone, ui.palette))?,
        }
    }
    Ok(0)
}
