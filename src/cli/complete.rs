//! `git-incident __complete -- WORDS…`: the values the shell completions cannot know
//! ahead of time (incident and action IDs, the team's severities), read from the
//! branch when TAB is pressed. WORDS are the words after the command, the last one the
//! word being completed; the answer is one candidate a line, nothing when the word is
//! not such a value (the generated script then completes as usual).

use clap::{Arg, Args, Command, CommandFactory};

use super::{Cli, CmdResult, Ui};

#[derive(Args, Debug)]
pub struct CompleteArgs {
    /// The words after `git incident`, the last one being completed
    #[arg(last = true, allow_hyphen_values = true)]
    words: Vec<String>,
}

/// What the word being completed is, found by walking the command line as clap does.
fn expected(words: &[String]) -> Option<(Vec<String>, Arg)> {
    let (_, before) = words.split_last()?;
    let mut command: Command = Cli::command();
    command.build();
    let mut path = Vec::new();
    let mut positional = 0;
    let mut value_of: Option<Arg> = None;
    let mut after_dashes = false;
    for word in before {
        if value_of.take().is_some() {
            continue;
        }
        let option = |command: &Command, word: &str| -> Option<Arg> {
            if let Some(long) = word.strip_prefix("--") {
                let (name, inline) = long
                    .split_once('=')
                    .map_or((long, false), |(n, _)| (n, true));
                let arg = command
                    .get_arguments()
                    .find(|a| a.get_long() == Some(name))?;
                (!inline && arg.get_action().takes_values()).then(|| arg.clone())
            } else {
                let short = word.strip_prefix('-')?.chars().next()?;
                let arg = command
                    .get_arguments()
                    .find(|a| a.get_short() == Some(short))?;
                (word.len() == 2 && arg.get_action().takes_values()).then(|| arg.clone())
            }
        };
        if !after_dashes && word == "--" {
            after_dashes = true;
        } else if !after_dashes && word.starts_with('-') && word.len() > 1 {
            value_of = option(&command, word);
        } else if let Some(sub) = command.find_subcommand(word).cloned() {
            path.push(sub.get_name().to_string());
            command = sub;
            // `task ID done STEP`: the words before a subcommand were its parent's.
            positional = 0;
        } else {
            positional += 1;
        }
    }
    if let Some(arg) = value_of {
        return Some((path, arg));
    }
    let positionals: Vec<&Arg> = command.get_positionals().collect();
    let arg = positionals.get(positional).or_else(|| {
        positionals
            .last()
            .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
    })?;
    Some((path, (*arg).clone()))
}

pub fn run(ui: &Ui, args: CompleteArgs) -> CmdResult {
    let Some((_, arg)) = expected(&args.words) else {
        return Ok(0);
    };
    let mut found: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if found.is_empty() {
        // A completion never prints an error: no repository or branch, no candidates.
        found = from_branch(ui, arg.get_id().as_str(), &args.words).unwrap_or_default();
    }
    let mut text = found.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    ui.print(&text)?;
    Ok(0)
}

fn from_branch(ui: &Ui, what: &str, words: &[String]) -> Option<Vec<String>> {
    let store = ui.store().ok()?;
    let snapshot = store.snapshot().ok()?;
    match what {
        "id" => {
            let (mut entries, _) = snapshot.incident_entries().ok()?;
            entries.sort_by(|a, b| b.id.cmp(&a.id));
            Some(entries.iter().map(|e| e.id.to_string()).collect())
        }
        "action_id" => {
            let today = chrono::Local::now().date_naive();
            let index =
                crate::history::Index::load(&store, &snapshot, crate::history::Want::Files).ok()?;
            // Only the IDs are offered: what the code history says of them does not matter.
            let closures = crate::model::trailer::Closures::default();
            let zone = crate::model::Zone::Local;
            let listed = crate::ops::action::list_all(&index, today, &closures, zone).ok()?;
            Some(listed.into_iter().map(|l| l.action.id).collect())
        }
        // `task ID done STEP`: the incident's own tasks.
        "step" => {
            let typed = words
                .iter()
                .skip_while(|w| *w != "task")
                .skip(1)
                .find(|w| !w.starts_with('-'))?;
            let config = snapshot.config().ok()?;
            let (_, loaded) = crate::ops::incident::load(&snapshot, &config, typed).ok()?;
            Some(loaded.value.task.into_iter().map(|s| s.id).collect())
        }
        "severity" => {
            let config = snapshot.config().ok()?;
            Some(config.severity.into_iter().map(|s| s.name).collect())
        }
        _ => None,
    }
}
