use std::path::PathBuf;

use clap::Args;

use super::{CmdResult, Ui};
use crate::render::progress::CommitProgress;
use crate::site::{SiteRequest, build};

/// Build a static website of the incidents, postmortems, action items and metrics
///
/// Plain HTML and CSS with a little JavaScript, self-contained: open DIR/index.html
/// from disk or publish DIR on any static host (GitHub Pages, GitLab Pages). Built from
/// the branch alone, with "now" taken as the tip commit's time, so an unchanged branch
/// gives the same files; a re-run rewrites only the files whose content changed.
#[derive(Args, Debug)]
pub struct SiteArgs {
    /// Directory to write the site into (created when missing; files the site did not
    /// write are left alone)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The address the site is published at, for the feed's links and canonical links
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

pub fn run(ui: &Ui, args: SiteArgs) -> CmdResult {
    let store = ui.store()?;
    let mut progress = CommitProgress::new();
    let built = build(
        &store,
        &SiteRequest {
            out: &args.out,
            base_url: args.base_url.as_deref(),
        },
        &mut |done, total| progress.update(done, total),
    )?;
    let code = ui.report_skipped(&built.broken);
    ui.status(&format!(
        "{}: {} incidents, {} files written, {} unchanged, {} incident pages up to date, {} removed",
        args.out.display(),
        built.incidents,
        built.written,
        built.unchanged,
        built.skipped,
        built.removed
    ));
    if ui.json {
        ui.print_json(&built)?;
    }
    Ok(code)
}
