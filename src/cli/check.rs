use clap::Args;

use super::{CmdResult, Ui};
use crate::check::{CheckCache, Level, check_snapshot, check_snapshot_with};
use crate::ops::review::changed_since;
use crate::render::safe;

/// Validate every file on the branch: schema and rules; exit 1 on errors
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Revision to check (default: the incident branch)
    rev: Option<String>,
    /// Judge only files changed since the revision forked from BASE (for pull requests)
    #[arg(long, value_name = "BASE")]
    base: Option<String>,
    /// Check the code repository's `Incident-Action:` trailers instead: each must name an
    /// action item on the incident branch. RANGE (like origin/main..HEAD) limits it to a
    /// pull request's commits; without it, every branch and tag (or incident.codeRefs)
    #[arg(long, value_name = "RANGE", num_args = 0..=1, require_equals = true, conflicts_with_all = ["rev", "base"])]
    trailers: Option<Option<String>>,
}

pub fn run(ui: &Ui, args: CheckArgs) -> CmdResult {
    let store = ui.store()?;
    if let Some(range) = &args.trailers {
        let findings = crate::ops::code::check_trailers(&store, range.as_deref())?;
        return report(ui, &findings);
    }
    let snapshot = match &args.rev {
        Some(rev) => store.snapshot_at(rev)?,
        None => store.snapshot()?,
    };
    let findings = match &args.base {
        Some(base) => {
            let head = args.rev.as_deref().unwrap_or(store.refname());
            let range = changed_since(&store, base, head)?;
            check_snapshot(&snapshot, Some(&|path: &str| range.judges(path)))?
        }
        None => {
            // Findings per directory and config.toml, so an unchanged branch is not
            // parsed again (any revision: the key is the trees).
            let path = store.cache_file("check");
            let mut cache = CheckCache::read(&path);
            // The branch as it is now is also checked for what is late now.
            let now = args.rev.is_none().then(crate::model::Timestamp::wall_clock);
            let findings = check_snapshot_with(&snapshot, None, &mut cache, now)?;
            cache.write(&path);
            findings
        }
    };
    report(ui, &findings)
}

/// Prints the findings (`PATH:LINE: level: message`); exit 1 when any is an error.
fn report(ui: &Ui, findings: &[crate::error::Finding]) -> CmdResult {
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    if ui.json {
        ui.print_json(findings)?;
    } else {
        let mut out = String::new();
        for finding in findings {
            out.push_str(&safe::line(&finding.to_string()));
            out.push('\n');
        }
        ui.print(&out)?;
        let warnings = findings.len() - errors;
        ui.status(&format!("{errors} error(s), {warnings} warning(s)"));
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
