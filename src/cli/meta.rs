use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CmdResult, Ui};
use crate::error::{Error, GitContext};

/// Print the man page, or install the man pages where `man` finds them
#[derive(Args, Debug)]
#[command(
    after_help = "`git incident --help` makes git run `man git-incident`; install the pages once with\n\
`git incident man --install`: they go to ../share/man/man1 beside the binary, which man-db searches\n\
for every directory on PATH."
)]
pub struct ManArgs {
    /// Write git-incident.1 and one page per command
    #[arg(long)]
    install: bool,
    /// Install into this directory instead of <binary>/../share/man/man1
    #[arg(long, value_name = "DIR", requires = "install")]
    dir: Option<PathBuf>,
}

/// One page per command at every level (`git-incident-action-add.1` too), since each
/// page's SUBCOMMANDS section names the pages of the level below it.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut command = Cli::command().name("git-incident").bin_name("git incident");
    command.build();
    let mut pages = Vec::new();
    render_pages("git-incident".to_string(), command, &mut pages);
    pages
}

fn render_pages(name: String, mut cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
    // `help` repeats the other pages; the manual itself is the help.
    if cmd.find_subcommand("help").is_some() {
        cmd = cmd.mut_subcommand("help", |help| help.hide(true));
    }
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .cloned()
        .collect();
    let mut buffer = Vec::new();
    clap_mangen::Man::new(cmd.name(name.clone()))
        .render(&mut buffer)
        .expect("rendering into memory cannot fail");
    pages.push((format!("{name}.1"), buffer));
    for sub in subs {
        render_pages(format!("{name}-{}", sub.get_name()), sub, pages);
    }
}

pub fn man(ui: &Ui, args: ManArgs) -> CmdResult {
    let pages = pages();
    if !args.install {
        let roff = &pages[0].1;
        // On a terminal, the page as `man` shows it; into a pipe, the roff source.
        if std::io::stdout().is_terminal() && show_in_man(roff) {
            return Ok(0);
        }
        ui.print(&String::from_utf8_lossy(roff))?;
        return Ok(0);
    }
    let dir = match args.dir {
        Some(dir) => dir,
        None => {
            let exe =
                std::env::current_exe().context(|| "cannot find the running binary".into())?;
            // man-db searches <prefix>/share/man for every <prefix>/bin on PATH.
            let prefix = exe.parent().and_then(|bin| bin.parent()).ok_or_else(|| {
                Error::invalid("cannot tell where the binary is installed; use --dir")
            })?;
            prefix.join("share").join("man").join("man1")
        }
    };
    std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
    for (name, page) in &pages {
        std::fs::write(dir.join(name), page)
            .context(|| format!("cannot write {}", dir.join(name).display()))?;
    }
    ui.status(&format!(
        "installed {} man pages in {}",
        pages.len(),
        dir.display()
    ));
    Ok(0)
}

/// `man -l -` formats the page and pages it; false when there is no usable `man`.
fn show_in_man(roff: &[u8]) -> bool {
    let Ok(mut child) = Command::new("man")
        .args(["-l", "-"])
        .stdin(Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The reader may quit before reading it all: not an error.
        let _ = stdin.write_all(roff);
    }
    child.wait().is_ok_and(|status| status.success())
}

/// Print shell completions (bash, zsh, fish, elvish, powershell)
#[derive(Args, Debug)]
#[command(
    after_help = "bash:  git incident completions bash > ~/.local/share/bash-completion/completions/git-incident\n\
zsh:   git incident completions zsh > ~/.zfunc/_git-incident   (with fpath+=~/.zfunc)\n\
fish:  git incident completions fish > ~/.config/fish/completions/git-incident.fish"
)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    shell: Shell,
}

/// bash's git completion calls `_git_incident` for `git incident …`; hand over to the
/// generated function with the words it expects. Values only the branch knows come
/// from `git-incident __complete` first.
const BASH_GIT_SHIM: &str = r#"
# Values only the incident branch knows (incident and action IDs, severities), asked
# of `git-incident __complete` when TAB is pressed; other words complete as generated.
__git_incident_from_branch() {
    local IFS=$'\n'
    local -a found
    found=($(git-incident __complete -- "$@" 2>/dev/null)) || return 1
    ((${#found[@]})) || return 1
    COMPREPLY=($(compgen -W "${found[*]}" -- "${!#}"))
}

_git_incident_direct() {
    __git_incident_from_branch "${COMP_WORDS[@]:1:COMP_CWORD}" || _git__incident "$@"
}

# `git incident <TAB>`: git's completion calls _git_incident.
_git_incident() {
    __git_incident_from_branch "${COMP_WORDS[@]:2:COMP_CWORD-1}" && return
    local -a words=("git-incident" "${COMP_WORDS[@]:2}")
    local cword=$((COMP_CWORD - 1))
    local COMP_WORDS=("${words[@]}")
    local COMP_CWORD=$cword
    local COMP_LINE="${COMP_WORDS[*]}"
    local COMP_POINT=${#COMP_LINE}
    _git__incident "git-incident" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// zsh's `_git` calls `_git-incident` for `git incident …`: values only the branch
/// knows first, then the generated completion.
const ZSH_FROM_BRANCH: &str = r#"# Values only the incident branch knows (incident and action IDs, severities), asked
# of `git-incident __complete` when TAB is pressed; other words complete as generated.
_git-incident() {
    local -a found
    found=("${(@f)$(git-incident __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    found=(${found:#})
    if (( ${#found} )); then
        compadd -a found
    else
        _git-incident_generated "$@"
    fi
}
"#;

pub fn completions(args: CompletionsArgs) -> CmdResult {
    // The generated function is named after the binary (`_git__incident`); the shim calls it.
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "git-incident", &mut out);
    if args.shell == Shell::Bash {
        // clap_complete names the per-command sections from `git-incident` with the dash
        // turned into its command separator, but dispatches to them with the dash turned
        // into `__`; align the two so nested commands complete.
        let script = String::from_utf8_lossy(&out)
            .replace("git__subcmd__incident", "git__incident")
            .replace(
                "complete -F _git__incident ",
                "complete -F _git_incident_direct ",
            );
        out = script.into_bytes();
        out.extend_from_slice(BASH_GIT_SHIM.as_bytes());
    }
    if args.shell == Shell::Zsh {
        let script = String::from_utf8_lossy(&out)
            .replacen(
                "\n_git-incident() {\n",
                "\n_git-incident_generated() {\n",
                1,
            )
            .replacen(
                "\nif [ \"$funcstack[1]\" = \"_git-incident\" ]",
                &format!("\n{ZSH_FROM_BRANCH}\nif [ \"$funcstack[1]\" = \"_git-incident\" ]"),
                1,
            );
        out = script.into_bytes();
    }
    crate::render::pager::emit(&String::from_utf8_lossy(&out), false)
        .context(|| "could not write output".into())?;
    Ok(0)
}
