use clap::Args;

use super::{CmdResult, Ui};
use crate::check::{Level, check_snapshot};

/// Validate every file on the branch: schema and rules; exit 1 on errors
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Revision to check (default: the incident branch)
    rev: Option<String>,
}

pub fn run(ui: &Ui, args: CheckArgs) -> CmdResult {
    let store = ui.store()?;
    let snapshot = match &args.rev {
        Some(rev) => store.snapshot_at(rev)?,
        None => store.snapshot()?,
    };
    let findings = check_snapshot(&snapshot, None)?;
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    if ui.json {
        ui.print_json(&findings)?;
    } else {
        let mut out = String::new();
        for finding in &findings {
            out.push_str(&finding.to_string());
            out.push('\n');
        }
        ui.print(&out)?;
        let warnings = findings.len() - errors;
        eprintln!("{errors} error(s), {warnings} warning(s)");
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
