use clap::{Args, Subcommand};

use super::{CmdResult, Ui};
use crate::model::flow::{self, TaskJson};
use crate::model::{Incident, Step, Timestamp};
use crate::ops::incident::Raised;
use crate::ops::task as ops;
use crate::render::flow::{checklist, flow as flow_text};

/// Show an incident's response-flow checklist, or record that a step was done
#[derive(Args, Debug)]
#[command(
    after_help = "The tasks are the steps of the severity's response flow ([[severity.step]] in \
config.toml), copied into the incident when it is opened or its severity raised.\n\
[x] done, [ ] open, [!] overdue: past `within` after detection, or for a repeating step \
past `every` after its last occurrence, while the incident is open.\n\n\
Examples:\n  git incident task INC-12\n  git incident task INC-12 done T3 --note \"posted in #cs-alerts\""
)]
pub struct TaskArgs {
    /// The incident, e.g. INC-42
    id: String,
    #[command(subcommand)]
    action: Option<TaskAction>,
}

#[derive(Subcommand, Debug)]
enum TaskAction {
    /// Record that a step was done: by you, now (or --at), in the timeline
    Done {
        /// The task's id, e.g. T3 (any case)
        step: String,
        /// What was done, e.g. "posted in #cs-alerts"
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// When it was done (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Evidence: the status page post or chat message (repeatable)
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
    },
}

pub fn run(ui: &Ui, args: TaskArgs) -> CmdResult {
    let store = ui.store()?;
    match args.action {
        Some(TaskAction::Done {
            step,
            note,
            at,
            links,
        }) => {
            let written = ops::done(
                &store,
                &args.id,
                &step,
                note.as_deref(),
                at.as_deref(),
                &links,
            )?;
            ui.notes(&written.notes);
            let (id, step) = &written.value;
            ui.wrote(&format!("{id}: task {step} done"), || {
                ops::written(&store, written.commit, id, step)
            })?;
            Ok(0)
        }
        None => {
            let list = ops::checklist(&store, &args.id)?;
            let now = list.time.now();
            let tasks = flow::tasks(&list.incident, now);
            if ui.json {
                let json: Vec<TaskJson> = tasks.iter().map(TaskJson::new).collect();
                ui.print_json(&json)?;
            } else if tasks.is_empty() {
                ui.print(&format!("{}\n", ops::no_tasks(&list.incident)))?;
            } else {
                ui.page(&checklist(
                    &list.incident,
                    &tasks,
                    list.time.zone,
                    now,
                    ui.palette,
                ))?;
            }
            Ok(0)
        }
    }
}

/// Prints the response flow of a new incident's severity on stderr (`-q` silences it).
pub fn say_flow(ui: &Ui, severity: &str, steps: &[Step]) {
    if steps.is_empty() {
        return;
    }
    let marked: Vec<(bool, &Step)> = steps.iter().map(|step| (false, step)).collect();
    let heading = format!("Response flow for {severity} (from config.toml):");
    ui.status(flow_text(&heading, &marked, ui.palette).trim_end());
}

/// The same after a raise: each step as the incident now holds it, ticked when done.
pub fn say_raised_flow(ui: &Ui, raised: &Raised, incident: &Incident) {
    if raised.flow.is_empty() {
        return;
    }
    let now = Timestamp::wall_clock();
    let states = flow::tasks(incident, now);
    let marked: Vec<(bool, &Step)> = raised
        .flow
        .iter()
        .map(|step| {
            let held = states
                .iter()
                .find(|t| t.step.id.eq_ignore_ascii_case(&step.id));
            match held {
                Some(task) => (!task.done.is_empty(), task.step),
                None => (false, step),
            }
        })
        .collect();
    let count = |n: usize, what: &str| match n {
        1 => format!("1 task {what}"),
        n => format!("{n} tasks {what}"),
    };
    let mut changes = Vec::new();
    if raised.added > 0 {
        changes.push(count(raised.added, "added"));
    }
    if raised.updated > 0 {
        changes.push(count(raised.updated, "updated"));
    }
    let added = match changes.is_empty() {
        true => "no new task".to_string(),
        false => changes.join(", "),
    };
    let heading = format!(
        "Response flow for {} (from config.toml, {added}):",
        raised.severity
    );
    ui.status(flow_text(&heading, &marked, ui.palette).trim_end());
}
