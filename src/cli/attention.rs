//! A bare `git incident`: what needs attention now, on one screen (usage is `--help`).

use serde_json::json;

use super::{CmdResult, Ui};
use crate::error::Error;
use crate::ops::attention::attention;
use crate::render::attention::text;
use crate::render::progress::CommitProgress;

pub fn run(ui: &Ui) -> CmdResult {
    let store = ui.store().map_err(|e| {
        with_hint(
            e,
            "run it inside a git repository (or with -C PATH); `git incident --help` lists the commands",
        )
    })?;
    let mut progress = CommitProgress::new();
    let view =
        attention(&store, &mut |done, total| progress.update(done, total)).map_err(|e| match e
            .inner()
        {
            Error::NotFound(_) => with_hint(e, "`git incident --help` lists the commands"),
            _ => e,
        })?;
    let code = ui.report_skipped(&view.broken);
    if ui.json {
        ui.print_json(&json!({
            "incidents": serde_json::from_str::<serde_json::Value>(&view.incidents_json)
                .expect("the listing is JSON"),
            "tasks": view.tasks,
            "actions": view.actions,
            "postmortems": view.postmortems,
        }))?;
    } else {
        ui.page(&text(&view, ui.palette))?;
    }
    Ok(code)
}

/// A bare call is often someone's first: say what to do next, and where usage went.
fn with_hint(error: Error, hint: &str) -> Error {
    match error.inner() {
        Error::Invalid(_) | Error::NotFound(_) => error.with_hint(hint),
        _ => error,
    }
}
