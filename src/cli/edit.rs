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
`git incident edit` on the same file starts from it."
)]
pub struct EditArgs {
    id: String,
    /// Edit postmortem.toml instead of incident.toml
    #[arg(long)]
    postmortem: bool,
}

pub fn run(ui: &Ui, args: EditArgs) -> CmdResult {
    let store = ui.store()?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let id = IncidentId::parse_with_prefix(&args.id, &config.id_prefix)?;
    let entry = snapshot.require(&id)?;
    let file = if args.postmortem {
        EditedFile::Postmortem
    } else {
        EditedFile::Incident
    };
    let path = file.path(&entry);
    let original = snapshot.read_in(&entry, file.name())?.ok_or_else(|| {
        Error::not_found(format!(
            "{id} has no postmortem yet: run `git incident postmortem new {id}`"
        ))
    })?;
    let drafts = store.private_dir().join("edit");
    std::fs::create_dir_all(&drafts).context(|| format!("cannot create {}", drafts.display()))?;
    let draft = drafts.join(format!(
        "{id}-{}",
        path.rsplit('/').next().unwrap_or("file.toml")
    ));
    // The text the edit started from, kept beside the draft: a resumed edit must not
    // overwrite what others committed to the file in between.
    let base_file = draft.with_extension("toml.base");
    let (start, base) = if draft.exists() {
        eprintln!("resuming your earlier edit kept in {}", draft.display());
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
    run_editor(&draft)?;
    let edited =
        std::fs::read_to_string(&draft).context(|| format!("cannot read {}", draft.display()))?;
    if edited == original {
        let _ = std::fs::remove_file(&draft);
        let _ = std::fs::remove_file(&base_file);
        eprintln!("nothing changed");
        return Ok(0);
    }
    let errors = validate(&config, &entry, file, &edited);
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("{error}");
        }
        return Err(Error::invalid(format!(
            "not committed: fix the errors above. Your text is kept in {}; run `git incident edit {id}{}` to continue",
            draft.display(),
            if args.postmortem { " --postmortem" } else { "" }
        )));
    }
    let keep = |e: Error| {
        Error::Conflict(format!(
            "{e}.\nNothing was committed; your text is kept in {}: compare it with `git incident show {id}`, then delete it to start over",
            draft.display()
        ))
    };
    let edited = rebase_draft(&path, &base, &edited, &original).map_err(keep)?;
    let errors = validate(&config, &entry, file, &edited);
    if let Some(error) = errors.first() {
        return Err(keep(Error::invalid(format!(
            "replayed on the newer file, it breaks a rule: {error}"
        ))));
    }
    match commit(&store, &entry, file, &original, &edited) {
        Ok(written) => {
            let _ = std::fs::remove_file(&draft);
            let _ = std::fs::remove_file(&base_file);
            if ui.json {
                ui.print_json(&serde_json::json!({ "id": id.to_string(), "changed": written.value, "commit": written.commit.map(|c| c.to_string()) }))?;
            } else {
                eprintln!(
                    "{id}: updated {}",
                    if written.value.is_empty() {
                        "layout".to_string()
                    } else {
                        written.value.join(", ")
                    }
                );
            }
            Ok(0)
        }
        Err(e) => Err(Error::invalid(format!(
            "{e}\nnothing was committed; your text is kept in {}",
            draft.display()
        ))),
    }
}

fn run_editor(file: &std::path::Path) -> Result<(), Error> {
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
        return Err(Error::invalid(format!(
            "the editor exited with {status}; nothing was committed (your text is in {})",
            file.display()
        )));
    }
    Ok(())
}
