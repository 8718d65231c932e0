use std::io::Write;

use clap::{Args, ValueEnum};

use super::{AsKnownAt, CmdResult, Ui};
use crate::error::Error;
use crate::history::{Index, Want};
use crate::model::TimeContext;
use crate::ops::incident::{load, with_handles, with_history_times};
use crate::ops::list::{Filter, matching, write_json};
use crate::render::incident::{list_table, markdown, show as show_text};
use crate::render::progress::CommitProgress;

/// List incidents, newest first
#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    past: AsKnownAt,
}

/// The filters `list` and `search` share.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// A status, or `open` for investigating, identified and mitigated
    #[arg(long, value_name = "S|open", value_parser = status_filter())]
    status: Option<String>,
    /// Only incidents of this severity
    #[arg(long, value_name = "S")]
    severity: Option<String>,
    /// Only incidents affecting this service
    #[arg(long, value_name = "S")]
    service: Option<String>,
    /// Detected at or after this time
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Detected before this time
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
}

impl FilterArgs {
    /// The filter, its times read in `time`'s zones and checked.
    pub fn filter(self, time: &TimeContext) -> crate::error::Result<Filter> {
        let filter = Filter {
            status: self.status,
            severity: self.severity,
            service: self.service,
            since: self.since.as_deref().map(|s| time.parse(s)).transpose()?,
            until: self.until.as_deref().map(|s| time.parse(s)).transpose()?,
        };
        filter.validate()?;
        Ok(filter)
    }
}

pub fn list(ui: &Ui, args: ListArgs) -> CmdResult {
    let store = args.past.store(ui)?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let filter = args.filters.filter(&time)?;
    if ui.json {
        // Scripts list often: served from the index's JSON part alone.
        let mut kept = Vec::new();
        let listing = crate::history::index::listing(&store, &snapshot, &mut kept)?;
        let code = ui.report_skipped(&listing.incident_errors);
        let mut out = std::io::BufWriter::with_capacity(1 << 16, ui.stream());
        write_json(&listing, &filter, &mut out)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.into_inner().map_err(|e| e.into_error()))
            .and_then(|stream| stream.finish())
            .map_err(|e| Error::Io {
                context: "could not write output".into(),
                source: e,
            })?;
        return Ok(code);
    }
    let index = Index::load(&store, &snapshot, Want::Files)?;
    let code = ui.report_skipped(&index.incident_errors());
    let listed = matching(&index, &filter);
    if listed.is_empty() {
        ui.status("no incidents");
    } else {
        ui.page(&list_table(listed, &config, time.zone, ui.palette))?;
    }
    Ok(code)
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Text,
    Md,
}

/// Show one incident in full
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// text for the terminal, md for a Markdown document
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    format: ShowFormat,
    #[command(flatten)]
    past: AsKnownAt,
}

pub fn show(ui: &Ui, args: ShowArgs) -> CmdResult {
    let store = args.past.store(ui)?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let zone = config.zone()?;
    let (_, loaded) = load(&snapshot, &config, &args.id)?;
    if ui.json {
        ui.print_json(&crate::ops::incident::Shown::new(
            &store,
            &config,
            loaded.value,
        )?)?;
        return Ok(0);
    }
    let links = crate::ops::code::linked_changes(&store, &config, &loaded.value)?;
    let mut progress = CommitProgress::new();
    let incident = with_handles(&config, loaded.value);
    let (incident, from_history) =
        with_history_times(&store, &snapshot, zone, incident, &mut |done, total| {
            progress.update(done, total)
        })?;
    let ack_target = config.ack_target(&incident.severity);
    match args.format {
        ShowFormat::Text => ui.page(&show_text(
            &incident,
            &links,
            &from_history,
            ack_target,
            zone,
            ui.palette,
        ))?,
        ShowFormat::Md => ui.print(&markdown(
            &incident,
            &links,
            &from_history,
            ack_target,
            zone,
        ))?,
    }
    Ok(0)
}

/// `open` or one of the statuses, so a typo is a usage error that lists the choices.
pub(super) fn status_filter() -> clap::builder::PossibleValuesParser {
    let mut values = vec!["open"];
    values.extend(crate::model::Status::NAMES);
    clap::builder::PossibleValuesParser::new(values)
}
