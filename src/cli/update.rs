use clap::Args;

use super::{CmdResult, Ui};
use crate::error::{Error, GitContext};
use crate::model::config::NotifyEvent;
use crate::model::{Audience, IncidentId, Timestamp};
use crate::notify::{self, Message, Policy, Webhook};
use crate::ops::update::{self as ops, Recorded};
use crate::render::safe;
use crate::store::{Oid, Store};

/// Draft a status update for customer success, customers or the company
#[derive(Args, Debug)]
#[command(
    after_help = "The draft is written from the incident's facts through the template for the audience in \
config.toml's language: the team's own, committed on the incident branch as templates/update-<audience>.<en|ja>.md, \
else the built-in one. Placeholders: {{title}}, {{severity}}, {{status}}, {{since}}, {{services}}, \
{{customer_impact}}, {{next_update}}, {{summary}}, {{id}}. It opens in git's editor (GIT_EDITOR, core.editor, \
VISUAL, EDITOR) unless --yes; emptying it aborts.\n\n\
The final text is printed on stdout. Without --post or --record nothing is recorded or sent.\n\n\
--post sends it to the [[notify]] webhook for the audience (its URL in the environment variable named by \
url_env), retrying network errors, timeouts, 429 and 5xx (4 attempts of up to 10 s; GIT_INCIDENT_HTTP_TIMEOUT=2s \
shortens them), then records it in the timeline whatever the webhook said: a communication entry with \
posted = true or false. Exit 1 when it was not delivered."
)]
pub struct UpdateArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// Who it is for: cs (customer success), customers, internal
    #[arg(long, value_name = "WHO")]
    audience: Audience,
    /// Post it to the audience's webhook and record it in the timeline
    #[arg(long, conflicts_with = "record")]
    post: bool,
    /// Record it in the timeline as sent by hand (e.g. pasted on the status page), post nothing
    #[arg(long)]
    record: bool,
    /// Take the draft as it is, without the editor
    #[arg(long, short = 'y')]
    yes: bool,
}

/// What `update --json` prints.
#[derive(serde::Serialize)]
struct Update<'a> {
    incident: &'a str,
    audience: Audience,
    text: &'a str,
    /// Whether a timeline entry was written.
    recorded: bool,
    /// With --post: whether the webhook took it.
    posted: Option<bool>,
    http_status: Option<u16>,
    attempts: Option<usize>,
    task: Option<&'a str>,
    at: Option<Timestamp>,
}

pub fn run(ui: &Ui, args: UpdateArgs) -> CmdResult {
    let store = ui.store()?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let (_, loaded) = crate::ops::incident::load(&snapshot, &config, &args.id)?;
    let incident = loaded.value;
    let audience = args.audience;
    // Refused before anyone types: a post that cannot be sent, a branch that cannot be written.
    let post = match args.post {
        true => Some((Webhook::for_audience(&config, audience)?, Policy::update()?)),
        false => None,
    };
    if args.post || args.record {
        store.require_local_branch()?;
    }
    let now = Timestamp::new(store.identities()?.committer.time)
        .ok_or_else(|| Error::invalid("the commit time is out of range"))?;
    let draft = ops::draft(&snapshot, &config, &incident, audience, now)?;
    if !draft.unknown.is_empty() {
        let names: Vec<String> = draft
            .unknown
            .iter()
            .map(|n| format!("{{{{{n}}}}}"))
            .collect();
        let from = draft.template.as_deref().unwrap_or("the template");
        ui.warn(&format!(
            "warning: {from}: unknown placeholder{} {} kept as written (known: {})",
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            ops::PLACEHOLDERS.join(", ")
        ));
    }
    let text = match args.yes {
        true => draft.text,
        false => in_editor(&store, &incident.id, audience, &draft.text)?,
    };
    let text = text.trim_end();
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "the update is empty: aborted, nothing recorded or sent",
        ));
    }
    let mut shown = Update {
        incident: &incident.id,
        audience,
        text,
        recorded: false,
        posted: None,
        http_status: None,
        attempts: None,
        task: None,
        at: None,
    };
    let delivery = post.map(|(webhook, policy)| {
        let message = Message {
            audience: Some(audience),
            ..Message::about(&incident, "update", text)
        };
        notify::deliver(&webhook, &message, policy, &mut |why| {
            ui.status(&format!("{}: posting to {audience}: {why}", incident.id))
        })
    });
    if delivery.is_none() && !args.record {
        return print(ui, &shown);
    }
    let posted = delivery.as_ref().map(|d| d.delivered());
    let written = ops::record(&store, &args.id, audience, text, None, &[], posted).map_err(|e| {
        let sent = if posted == Some(true) { "it was posted, but " } else { "" };
        e.with_hint(format!(
            "{sent}the update is not in the timeline: record it with `git incident timeline {} add TEXT --audience {audience}`",
            incident.id
        ))
    })?;
    let Recorded { id, at, task } = &written.value;
    shown.recorded = true;
    shown.posted = posted;
    shown.http_status = delivery.as_ref().and_then(|d| d.http_status);
    shown.attempts = delivery.as_ref().map(|d| d.attempts);
    shown.task = task.as_deref();
    shown.at = Some(*at);
    let did = task
        .as_deref()
        .map(|task| format!(" (task {task})"))
        .unwrap_or_default();
    print(ui, &shown)?;
    match &delivery {
        None => ui.status(&format!(
            "{id}: timeline + communication to {audience}{did}"
        )),
        Some(d) if d.delivered() => ui.status(&format!(
            "{id}: posted to {audience} (HTTP {}); timeline + communication{did}",
            d.http_status.unwrap_or_default()
        )),
        Some(_) => {}
    }
    match delivery.and_then(|d| d.failure.map(|why| (d.attempts, why))) {
        Some((attempts, why)) => {
            let after = match attempts {
                1 => String::new(),
                n => format!(" after {n} attempts"),
            };
            Err(Error::invalid(format!(
                "posting to {audience} failed{after}: {why}; the update is recorded in the timeline as drafted"
            )))
        }
        None => Ok(0),
    }
}

fn print(ui: &Ui, shown: &Update<'_>) -> CmdResult {
    if ui.json {
        ui.print_json(shown)?;
    } else {
        ui.print(&format!("{}\n", safe::block(shown.text)))?;
    }
    Ok(0)
}

/// The draft as the user leaves it in git's editor.
fn in_editor(store: &Store, id: &str, audience: Audience, draft: &str) -> Result<String, Error> {
    let dir = store.private_dir().join("update");
    std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
    let file = dir.join(format!("{id}-{audience}.md"));
    crate::store::private::write_atomically(&file, draft.as_bytes())
        .context(|| format!("cannot write {}", file.display()))?;
    let edited = super::edit::run_editor(&file)
        .map_err(|e| e.with_hint("pass --yes to take the draft as it is, without an editor"))
        .and_then(|()| {
            std::fs::read_to_string(&file).context(|| format!("cannot read {}", file.display()))
        });
    let _ = std::fs::remove_file(&file);
    edited
}

/// After a write's commit: the one-line message to every `[[notify]]` listening for
/// `event`. Never fails the write: what did not get through is a warning.
pub fn announce(ui: &Ui, store: &Store, commit: Option<Oid>, id: &IncidentId, event: NotifyEvent) {
    let Some(commit) = commit else { return };
    let warnings = match ops::change_notice(store, commit, id, event) {
        Ok(Some((config, incident, line))) => notify::announce(&config, event, &incident, &line),
        Ok(None) => Vec::new(),
        Err(e) => vec![format!("could not notify: {e}")],
    };
    for warning in warnings {
        ui.warn(&format!("warning: {warning}"));
    }
}
