use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::{AsKnown, CmdResult, Ui};
use crate::ops::report::{ReportKind, Rows, report};
use crate::render::progress::CommitProgress;
use crate::render::report as view;

/// Weekly follow-up reports: overdue first, grouped by owner
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(subcommand)]
    what: ReportWhat,
}

#[derive(Subcommand, Debug)]
enum ReportWhat {
    /// Open action items, with days overdue or days open
    Actions(ReportOptions),
    /// Postmortems that are overdue or waiting in review
    Postmortems(ReportOptions),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Md,
    Csv,
}

#[derive(Args, Debug)]
struct ReportOptions {
    /// The day the report is for (default: now)
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// text for the terminal, md for the meeting's page, csv for spreadsheets
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    #[command(flatten)]
    as_known: AsKnown,
}

pub fn run(ui: &Ui, args: ReportArgs) -> CmdResult {
    let (kind, options) = match args.what {
        ReportWhat::Actions(o) => (ReportKind::Actions, o),
        ReportWhat::Postmortems(o) => (ReportKind::Postmortems, o),
    };
    let store = options.as_known.store(ui, options.as_of.as_deref())?;
    let mut progress = CommitProgress::new();
    let result = report(
        &store,
        kind,
        options.as_of.as_deref(),
        &mut |done, total| progress.update(done, total),
    )?;
    let code = ui.report_skipped(&result.broken);
    let (as_of, zone) = (result.as_of, result.zone);
    match (&result.rows, ui.json, options.format) {
        (Rows::Actions(rows), true, _) => {
            ui.print_json(&json!({ "as_of": as_of.to_string(), "actions": rows }))?
        }
        (Rows::Postmortems(rows), true, _) => {
            ui.print_json(&json!({ "as_of": as_of.to_string(), "postmortems": rows }))?
        }
        (Rows::Actions(rows), _, ReportFormat::Md) => {
            ui.print(&view::actions_markdown(rows, as_of))?
        }
        (Rows::Actions(rows), _, ReportFormat::Csv) => ui.print(&view::actions_csv(rows))?,
        (Rows::Actions(rows), _, ReportFormat::Text) => {
            ui.page(&view::actions_text(rows, as_of, ui.palette))?
        }
        (Rows::Postmortems(rows), _, ReportFormat::Md) => {
            ui.print(&view::postmortems_markdown(rows, as_of, zone))?
        }
        (Rows::Postmortems(rows), _, ReportFormat::Csv) => {
            ui.print(&view::postmortems_csv(rows, zone))?
        }
        (Rows::Postmortems(rows), _, ReportFormat::Text) => {
            ui.page(&view::postmortems_text(rows, as_of, zone, ui.palette))?
        }
    }
    Ok(code)
}
