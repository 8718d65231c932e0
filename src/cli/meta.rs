use std::path::PathBuf;

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

pub fn pages() -> Vec<(String, Vec<u8>)> {
    let command = Cli::command().name("git-incident").bin_name("git-incident");
    let mut pages = Vec::new();
    let mut render = |name: String, cmd: clap::Command| {
        let mut buffer = Vec::new();
        clap_mangen::Man::new(cmd.name(name.clone()))
            .render(&mut buffer)
            .expect("rendering into memory cannot fail");
        pages.push((format!("{name}.1"), buffer));
    };
    render("git-incident".to_string(), command.clone());
    for sub in command.get_subcommands() {
        render(format!("git-incident-{}", sub.get_name()), sub.clone());
    }
    pages
}

pub fn man(ui: &Ui, args: ManArgs) -> CmdResult {
    let pages = pages();
    if !args.install {
        ui.print(&String::from_utf8_lossy(&pages[0].1))?;
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

/// Print shell completions (bash, zsh, fish, elvish, powershell)
#[derive(Args, Debug)]
#[command(
    after_help = "bash:  git incident completions bash > ~/.local/share/bash-completion/completions/git-incident\n\
zsh:   git incident completions zsh > ~/.zfunc/_git-incident   (with fpath+=~/.zfunc)\n\
fish:  git incident completions fish > ~/.config/fish/completions/git-incident.fish"
)]
pub struct CompletionsArgs {
    shell: Shell,
}

/// bash's git completion calls `_git_incident` for `git incident …`; hand over to the
/// generated function with the words it expects.
const BASH_GIT_SHIM: &str = r#"
# `git incident <TAB>`: git's completion calls _git_incident.
_git_incident() {
    local -a words=("git-incident" "${COMP_WORDS[@]:2}")
    local cword=$((COMP_CWORD - 1))
    local COMP_WORDS=("${words[@]}")
    local COMP_CWORD=$cword
    local COMP_LINE="${COMP_WORDS[*]}"
    local COMP_POINT=${#COMP_LINE}
    _git__incident "git-incident" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
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
        let script =
            String::from_utf8_lossy(&out).replace("git__subcmd__incident", "git__incident");
        out = script.into_bytes();
        out.extend_from_slice(BASH_GIT_SHIM.as_bytes());
    }
    crate::render::pager::emit(&String::from_utf8_lossy(&out), false)
        .context(|| "could not write output".into())?;
    Ok(0)
}
