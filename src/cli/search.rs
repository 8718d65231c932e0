use clap::Args;

use super::{CmdResult, Ui};
use crate::error::Error;
use crate::model::TimeContext;
use crate::ops::list::Filter;
use crate::ops::search::{json, search};
use crate::render::search::results;
use crate::search::matching::Query;

/// Search incidents and postmortems for words
///
/// Every word must occur somewhere in the incident (title, summary, customer impact,
/// timeline, postmortem, action items), in any order and any case; a phrase in double
/// quotes is one word (`'"retry storm"'` in a shell). Text with no spaces between words (Japanese) is found too.
/// Best matches first: the title and the postmortem's conclusions count above the
/// timeline, then the newest.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// The words to find, e.g. `idempotency '"retry storm"'`
    #[arg(required = true, num_args = 1.., value_name = "WORD")]
    query: Vec<String>,
    /// A status, or `open` for investigating, identified and mitigated
    #[arg(long, value_name = "S|open", value_parser = super::list::status_filter())]
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

pub fn run(ui: &Ui, args: SearchArgs) -> CmdResult {
    let query = Query::parse(&args.query.join(" "));
    if query.is_empty() {
        return Err(Error::usage("the query has no words to search for"));
    }
    let store = ui.store()?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let time = TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
    let filter = Filter {
        status: args.status,
        severity: args.severity,
        service: args.service,
        since: args.since.as_deref().map(|s| time.parse(s)).transpose()?,
        until: args.until.as_deref().map(|s| time.parse(s)).transpose()?,
    };
    filter.validate()?;
    let searchable = crate::history::text::documents(&store, &snapshot)?;
    let code = ui.report_skipped(&searchable.broken);
    let hits = search(&searchable, &query, &filter);
    if ui.json {
        ui.print_json(&json(&hits, &query))?;
    } else if hits.is_empty() {
        ui.status("no matches");
    } else {
        ui.page(&results(&hits, &query, &config, ui.palette))?;
    }
    Ok(code)
}
