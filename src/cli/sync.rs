use clap::Args;

use super::{CmdResult, Ui};
use crate::check::Level;
use crate::ops::sync::{Outcome, other, side_name, side_value, sync};
use crate::render::safe;

/// Fetch the incident branch, merge it with yours by structure, and push
///
/// Network goes through `git fetch` / `git push`, so your credentials and SSH config
/// apply. Never forces: if the remote moves meanwhile, sync fetches and merges again.
/// Incidents created offline on both sides with one ID are renumbered (yours moves);
/// a field changed differently on both sides keeps the remote's value and reports it.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Remote to sync with (default: as git picks it: branch.<name>.remote, the only
    /// remote, else origin)
    remote: Option<String>,
}

pub fn run(ui: &Ui, args: SyncArgs) -> CmdResult {
    let store = ui.store()?;
    let report = sync(&store, args.remote.as_deref())?;
    for r in &report.renumbered {
        ui.warn(&format!("renumbered {} -> {}", r.from, r.to));
    }
    for c in &report.conflicts {
        ui.warn(&format!(
            "conflict: {} {}: kept {} value {}, {} had {} (still in history)",
            c.incident.as_deref().unwrap_or(&c.path),
            c.field,
            side_name(c.kept),
            safe::quoted(side_value(c, c.kept)),
            side_name(other(c.kept)),
            safe::quoted(side_value(c, other(c.kept))),
        ));
    }
    for finding in report.findings.iter().filter(|f| f.level == Level::Error) {
        ui.warn(&finding.to_string());
    }
    if ui.json {
        ui.print_json(&report)?;
    } else {
        let branch = format!("{}/{}", report.remote, report.branch);
        let message = match report.outcome {
            Outcome::UpToDate => format!("already up to date with {branch}"),
            Outcome::Created => format!("created '{}' from {branch}", report.branch),
            Outcome::FastForward => format!("fast-forwarded to {branch}"),
            Outcome::Pushed => format!("pushed to {branch}"),
            Outcome::Merged => format!("merged with {branch} and pushed"),
        };
        ui.status(&message);
        if !report.findings.is_empty() {
            ui.warn(
                "the merged branch has check errors: fix them with `git incident edit`, then sync again",
            );
        }
    }
    Ok(0)
}

/// Create a review branch from the incident branch and print the next steps
#[derive(Args, Debug)]
pub struct BranchArgs {
    /// New branch name, e.g. pm/INC-7
    name: String,
}

pub fn branch(ui: &Ui, args: BranchArgs) -> CmdResult {
    let store = ui.store()?;
    let (name, from) = store.create_branch(&args.name)?;
    if ui.json {
        ui.print_json(&serde_json::json!({ "branch": name, "base": from }))?;
        return Ok(0);
    }
    if from != store.branch_name() {
        ui.print(&format!(
            "created branch '{name}' from '{from}', tracking it\n\
             next steps:\n  \
             git incident --ref {name} edit <ID> --postmortem  # or set, action add …\n  \
             git incident --ref {name} sync                    # publish your changes\n"
        ))?;
        return Ok(0);
    }
    let base = store.branch_name();
    ui.print(&format!(
        "created branch '{name}' from '{base}'\n\
         next steps:\n  \
         git incident --ref {name} postmortem new <ID>     # or edit, set, action add …\n  \
         git incident --ref {name} sync                    # publish it (or git push -u origin {name})\n  \
         open a pull request from {name} into {base}; CI runs\n  \
         git incident check {name} --base origin/{base}\n  \
         git incident review origin/{base}..{name} --format md\n"
    ))?;
    Ok(0)
}
