use clap::Args;

use super::{CmdResult, Ui};
use crate::error::Error;
use crate::ops::log::{log, scope};
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
    let scope = scope(&store, args.id.as_deref())?;
    let mut progress = CommitProgress::new();
    let mut out = ui.stream();
    let io = |e: std::io::Error| Error::Io {
        context: "could not write output".into(),
        source: e,
    };
    // Each commit is written as soon as it is read: a long history starts showing at
    // once, in constant memory, and stops being read when the reader goes away.
    let mut first = true;
    log(
        &store,
        &scope,
        args.max_count,
        &mut |done, total| progress.update(done, total),
        &mut |event| {
            let text = if ui.json {
                let json = serde_json::to_string_pretty(&event).expect("events always serialize");
                let indented = json.replace('\n', "\n  ");
                format!("{}  {indented}", if first { "[\n" } else { ",\n" })
            } else {
                let text = view::event_text(&event, scope.zone, ui.palette);
                if first { text } else { format!("\n{text}") }
            };
            first = false;
            out.write(&text).map_err(io)
        },
    )?;
    if ui.json {
        out.write(if first { "[]\n" } else { "\n]\n" })
            .map_err(io)?;
    }
    out.finish().map_err(io)?;
    Ok(0)
}
