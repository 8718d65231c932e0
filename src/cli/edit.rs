use std::process::Command;

use clap::Args;

use super::{CmdResult, Ui};
use crate::error::{Error, GitContext};
use crate::model::IncidentId;
use crate::ops::edit::{EditedFile, commit, rebase_draft, validate};
use crate::store::identity::read_git_var;
use crate::store::private::write_atomically;

/// Edit an incident (or its postmortem) in git's editor
#[derive(Args, Debug)]
#[command(
    after_help = "The editor is git's: GIT_EDITOR, core.editor, VISUAL, EDITOR. A result that does not parse or\n\
breaks a rule is refused with its errors and nothing is committed; your text is kept and the next\n\
`git incident edit` on the same file starts from it. `--abort` discards that kept text\n\
(exit 1 when there is none, like `git merge --abort`)."
)]
pub struct EditArgs {
    /// The incident, e.g. INC-42
    id: String,
    /// Edit postmortem.toml instead of incident.toml
    #[arg(long)]
    postmortem: bool,
    /// Discard the text kept from a refused edit, and start over next time
    #[arg(long)]
    abort: bool,
}

pub fn run(ui: &Ui, args: EditArgs) -> CmdResult {
    let store = ui.store()?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let id = IncidentId::parse_with_prefix(&args.id, &config.id_prefix)?;
    let file = if args.postmortem {
        EditedFile::Postmortem
    } else {
        EditedFile::Incident
    };
    let drafts = store.drafts_dir();
    let draft = drafts.join(format!("{id}-{}", file.name()));
    // The text the edit started from, kept beside the draft: a resumed edit must not
    // overwrite what others committed to the file in between.
    let base_file = draft.with_extension("toml.base");
    let again = |flag: &str| command_line(ui, &id, args.postmortem, flag);
    if args.abort {
        // No incident lookup: a kept draft can be discarded even if its incident is gone.
        return abort(ui, &draft, &base_file, &id, file);
    }
    let entry = snapshot.require(&id)?;
    let path = file.path(&entry);
    let original = snapshot.read_in(&entry, file.name())?.ok_or_else(|| {
        Error::not_found(format!(
            "{id} has no postmortem yet: run `git incident postmortem new {id}`"
        ))
    })?;
    std::fs::create_dir_all(&drafts).context(|| format!("cannot create {}", drafts.display()))?;
    let (start, base) = if draft.exists() {
        ui.status(&format!(
            "resuming your earlier edit kept in {} (`{}` discards it)",
            draft.display(),
            again(" --abort")
        ));
        let kept = std::fs::read_to_string(&draft)
            .context(|| format!("cannot read {}", draft.display()))?;
        let base = std::fs::read_to_string(&base_file).unwrap_or_else(|_| original.clone());
        (kept, base)
    } else {
        (original.clone(), original.clone())
    };
    write_atomically(&base_file, original.as_bytes())
        .context(|| format!("cannot write {}", base_file.display()))?;
    write_atomically(&draft, start.as_bytes())
        .context(|| format!("cannot write {}", draft.display()))?;
    run_editor(&draft).map_err(|e| {
        Error::invalid(format!(
            "{e}; nothing was committed (your text is in {}; `{}` discards it)",
            draft.display(),
            again(" --abort")
        ))
    })?;
    let edited =
        std::fs::read_to_string(&draft).context(|| format!("cannot read {}", draft.display()))?;
    // `caused_by = ["HEAD~2"]` is stored as `set` stores it: the full commit id.
    let edited = match file {
        EditedFile::Incident => crate::ops::code::resolve_typed_in_text(&store, &edited),
        EditedFile::Postmortem => edited,
    };
    if edited == original {
        let _ = std::fs::remove_file(&draft);
        let _ = std::fs::remove_file(&base_file);
        ui.wrote(&format!("{id}: nothing changed"), || {
            written_file(&store, None, &id, file)
        })?;
        return Ok(0);
    }
    let errors = validate(&snapshot, &config, &entry, file, &edited);
    if !errors.is_empty() {
        for error in &errors {
            ui.warn(&error.to_string());
        }
        return Err(Error::invalid(format!(
            "not committed: fix the errors above. Your text is kept in {}; run `{}` to continue, or `{}` to discard it",
            draft.display(),
            again(""),
            again(" --abort")
        )));
    }
    let keep = |e: Error| {
        e.with_hint(format!(
            "Nothing was committed; your text is kept in {}: compare it with `git incident show {id}`, then run `{}` to continue, or `{}` to discard it and start over",
            draft.display(),
            again(""),
            again(" --abort")
        ))
    };
    let edited = rebase_draft(&path, &base, &edited, &original).map_err(keep)?;
    let errors = validate(&snapshot, &config, &entry, file, &edited);
    if let Some(error) = errors.first() {
        return Err(keep(Error::invalid(format!(
            "replayed on the newer file, it breaks a rule: {error}"
        ))));
    }
    match commit(&store, &entry, file, &original, &edited) {
        Ok(written) => {
            let _ = std::fs::remove_file(&draft);
            let _ = std::fs::remove_file(&base_file);
            let what = if written.value.is_empty() {
                "layout".to_string()
            } else {
                written.value.join(", ")
            };
            let which = if args.postmortem { "postmortem " } else { "" };
            ui.wrote(&format!("{id}: {which}updated {what}"), || {
                written_file(&store, written.commit, &id, file)
            })?;
            Ok(0)
        }
        Err(e) => Err(Error::invalid(format!(
            "{e}\nnothing was committed; your text is kept in {} (`{}` discards it)",
            draft.display(),
            again(" --abort")
        ))),
    }
}

/// The file as the edit left it, as `show --json` or `postmortem show --json` prints it.
fn written_file(
    store: &crate::store::Store,
    commit: Option<crate::store::Oid>,
    id: &IncidentId,
    file: EditedFile,
) -> Result<serde_json::Value, Error> {
    let value = match file {
        EditedFile::Incident => {
            serde_json::to_value(crate::ops::incident::written(store, commit, id)?)
        }
        EditedFile::Postmortem => {
            serde_json::to_value(crate::ops::postmortem::written(store, commit, id)?)
        }
    };
    Ok(value.expect("our JSON values always serialize"))
}

/// `git incident [--ref R] edit ID [--postmortem]<flag>`, as the user would type it again.
fn command_line(ui: &Ui, id: &IncidentId, postmortem: bool, flag: &str) -> String {
    let reference = ui
        .reference
        .as_deref()
        .map(|r| format!("--ref {r} "))
        .unwrap_or_default();
    let postmortem = if postmortem { " --postmortem" } else { "" };
    format!("git incident {reference}edit {id}{postmortem}{flag}")
}

/// Discards a kept draft and the base it started from. No draft is an error, as
/// `git merge --abort` is with no merge: a script learns the state was not what it thought.
fn abort(
    ui: &Ui,
    draft: &std::path::Path,
    base_file: &std::path::Path,
    id: &IncidentId,
    file: EditedFile,
) -> CmdResult {
    let _ = std::fs::remove_file(base_file);
    match std::fs::remove_file(draft) {
        Ok(()) => {
            ui.status(&format!(
                "discarded your kept edit of {id}'s {} ({})",
                file.name(),
                draft.display()
            ));
            Ok(0)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::not_found(format!(
            "no kept edit of {id}'s {} to discard",
            file.name()
        ))),
        Err(e) => Err(Error::Io {
            context: format!("cannot remove {}", draft.display()),
            source: e,
        }),
    }
}

/// Runs git's editor on `file`, as git does (`sh -c "$EDITOR \"$@\""`).
pub(super) fn run_editor(file: &std::path::Path) -> Result<(), Error> {
    let editor = read_git_var(None, "GIT_EDITOR")
        .ok()
        .filter(|editor| !editor.is_empty())
        .ok_or_else(|| {
            Error::invalid("no editor configured: set GIT_EDITOR, core.editor, VISUAL or EDITOR")
        })?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(file)
        .status()
        .context(|| format!("cannot run the editor {editor:?}"))?;
    if !status.success() {
        return Err(Error::invalid(format!("the editor exited with {status}")));
    }
    Ok(())
}
