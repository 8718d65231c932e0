use clap::{Args, ValueEnum};

use super::{AsKnown, CmdResult, Ui};
use crate::metrics::GroupBy;
use crate::ops::metrics::{MetricsRequest, metrics};
use crate::render::metrics as view;
use crate::render::progress::CommitProgress;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Severity,
    Service,
    Team,
    Month,
    Week,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricsFormat {
    Text,
    Csv,
    Md,
}

/// Time to detect, acknowledge, mitigate and resolve; postmortem and action follow-up
///
/// Incidents count by their detected time; drills and canceled incidents are left out.
/// Durations show count, median and 90th percentile (nearest rank), then the mean.
#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// Start of the window (default: 90 days before --as-of)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// End of the window, exclusive (default: --as-of)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// The moment the figures are taken at, for the window and for "overdue" (default: now)
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// One set of figures per group
    #[arg(long, value_enum)]
    by: Option<By>,
    /// text for the terminal, csv for spreadsheets, md for a wiki page
    #[arg(long, value_enum, default_value_t = MetricsFormat::Text)]
    format: MetricsFormat,
    /// Add the DORA figures, with deployments from a ref pattern ('refs/tags/v*') or a
    /// deploy log file (TIMESTAMP REV [ENV] lines); default: `git config incident.deploys`
    #[arg(long, value_name = "PATTERN|FILE")]
    deploys: Option<String>,
    #[command(flatten)]
    as_known: AsKnown,
}

pub fn run(ui: &Ui, args: MetricsArgs) -> CmdResult {
    let store = args.as_known.store(ui, args.as_of.as_deref())?;
    let deploys = args.deploys.or_else(|| store.configured_deploys());
    let mut progress = CommitProgress::new();
    let result = metrics(
        &store,
        &MetricsRequest {
            since: args.since.as_deref(),
            until: args.until.as_deref(),
            as_of: args.as_of.as_deref(),
            by: args.by.map(|by| match by {
                By::Severity => GroupBy::Severity,
                By::Service => GroupBy::Service,
                By::Team => GroupBy::Team,
                By::Month => GroupBy::Month,
                By::Week => GroupBy::Week,
            }),
            deploys: deploys.as_deref(),
        },
        &mut |done, total| progress.update(done, total),
    )?;
    let code = ui.report_skipped(&result.broken);
    let groups = result.groups.as_deref();
    if ui.json {
        ui.print_json(&view::json(
            &result.window,
            result.zone,
            &result.overall,
            groups,
            result.dora.as_ref(),
        ))?;
        return Ok(code);
    }
    match args.format {
        MetricsFormat::Csv => {
            // One row per group has no place for figures of the whole repository.
            if result.dora.is_some() {
                ui.status("the DORA figures are not in the CSV: see --json or --format md");
            }
            ui.print(&view::csv(&result.overall, groups))?
        }
        MetricsFormat::Md => ui.print(&view::markdown(
            &result.window,
            result.zone,
            &result.overall,
            groups,
            result.dora.as_ref(),
        ))?,
        MetricsFormat::Text => ui.page(&view::human(
            &result.window,
            result.zone,
            &result.overall,
            groups,
            result.dora.as_ref(),
            &result.trend,
            ui.palette,
        ))?,
    }
    Ok(code)
}
