use clap::Args;

use super::{CmdResult, Ui};
use crate::error::Error;
use crate::model::TimeContext;
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
    #[command(flatten)]
    filters: super::list::FilterArgs,
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
    let filter = args.filters.filter(&time)?;
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
