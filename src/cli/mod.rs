//! The command line: clap types and a thin dispatch over `ops` and `render`.

mod action;
mod check;
mod edit;
mod incident;
mod init;
mod list;
mod log;
mod meta;
mod metrics;
mod postmortem;
mod report;
mod review;
mod sync;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::render::style::ColorChoice;
use crate::render::{Palette, pager, safe};
use crate::store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "git-incident",
    version,
    about = "Record incidents, write blameless postmortems and track follow-ups on a git branch",
    long_about = "Record incidents while they happen, turn them into blameless postmortems reviewed like code, \
and keep every follow-up visible until it is done. Everything lives as TOML files on a dedicated branch \
(default `incidents`) of your repository; every change is one commit.",
    after_help = "Run `git incident <command> --help` for details on a command.",
    propagate_version = true
)]
pub struct Cli {
    /// Run as if started in PATH, like `git -C`
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub directory: Option<PathBuf>,
    /// Branch holding the incidents (default: `git config incident.ref`, else `incidents`)
    #[arg(long = "ref", global = true, value_name = "REF")]
    pub reference: Option<String>,
    /// Print machine-readable JSON
    #[arg(long, global = true)]
    pub json: bool,
    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Do not pipe long output into a pager
    #[arg(long, global = true)]
    pub no_pager: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Init(init::InitArgs),
    New(incident::NewArgs),
    List(list::ListArgs),
    Show(list::ShowArgs),
    Ack(incident::AckArgs),
    Status(incident::StatusArgs),
    Set(incident::SetArgs),
    Timeline(incident::TimelineArgs),
    Edit(edit::EditArgs),
    Postmortem(postmortem::PostmortemArgs),
    Action(action::ActionArgs),
    Check(check::CheckArgs),
    Sync(sync::SyncArgs),
    Branch(sync::BranchArgs),
    Review(review::ReviewArgs),
    Log(log::LogArgs),
    Metrics(metrics::MetricsArgs),
    Report(report::ReportArgs),
    Man(meta::ManArgs),
    Completions(meta::CompletionsArgs),
}

/// What every command needs besides its arguments.
pub struct Ui {
    pub json: bool,
    pub palette: Palette,
    pager: bool,
    reference: Option<String>,
}

impl Ui {
    pub fn store(&self) -> Result<Store, Error> {
        Store::open(self.reference.as_deref())
    }

    /// Long output: through the pager on a terminal.
    pub fn page(&self, text: &str) -> Result<(), Error> {
        pager::emit(text, self.pager && !self.json).map_err(|e| Error::Io {
            context: "could not write output".into(),
            source: e,
        })
    }

    /// Output written piece by piece, through the pager on a terminal.
    pub fn stream(&self) -> pager::Stream {
        pager::Stream::open(self.pager && !self.json)
    }

    pub fn print(&self, text: &str) -> Result<(), Error> {
        pager::emit(text, false).map_err(|e| Error::Io {
            context: "could not write output".into(),
            source: e,
        })
    }

    pub fn print_json<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        let mut text =
            serde_json::to_string_pretty(value).expect("our JSON values always serialize");
        text.push('\n');
        self.print(&text)
    }

    /// What a write says about itself (how typed times were read), one line each.
    pub fn notes(&self, notes: &[String]) {
        for note in notes {
            eprintln!("{}", safe::line(note));
        }
    }

    pub fn warn(&self, text: &str) {
        eprintln!("{}", safe::block(text));
    }

    /// Names each file a read had to skip (`PATH:LINE: error: …`) and gives the exit
    /// code: the rest is still printed, but a partial answer is not a success (as in
    /// ripgrep), so scripts and CI notice a broken file.
    pub fn report_skipped(&self, skipped: &[crate::FileError]) -> i32 {
        for error in skipped {
            self.warn(&error.to_string());
        }
        if skipped.is_empty() { 0 } else { 1 }
    }
}

/// Exit codes: 0 success, 1 failure, 2 usage.
pub fn main() -> i32 {
    run(std::env::args_os().collect())
}

pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            return code;
        }
    };
    if let Some(dir) = &cli.directory
        && let Err(e) = std::env::set_current_dir(dir)
    {
        eprintln!("error: cannot change to {}: {e}", dir.display());
        return 1;
    }
    let git_color_ui = crate::store::git_config("color.ui");
    let ui = Ui {
        json: cli.json,
        palette: Palette::detect(cli.color, git_color_ui),
        pager: !cli.no_pager,
        reference: cli.reference.clone(),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&ui, args),
        Command::New(args) => incident::new(&ui, args),
        Command::List(args) => list::list(&ui, args),
        Command::Show(args) => list::show(&ui, args),
        Command::Ack(args) => incident::ack(&ui, args),
        Command::Status(args) => incident::status(&ui, args),
        Command::Set(args) => incident::set(&ui, args),
        Command::Timeline(args) => incident::timeline(&ui, args),
        Command::Edit(args) => edit::run(&ui, args),
        Command::Postmortem(args) => postmortem::run(&ui, args),
        Command::Action(args) => action::run(&ui, args),
        Command::Check(args) => check::run(&ui, args),
        Command::Sync(args) => sync::run(&ui, args),
        Command::Branch(args) => sync::branch(&ui, args),
        Command::Review(args) => review::run(&ui, args),
        Command::Log(args) => log::run(&ui, args),
        Command::Metrics(args) => metrics::run(&ui, args),
        Command::Report(args) => report::run(&ui, args),
        Command::Man(args) => meta::man(&ui, args),
        Command::Completions(args) => meta::completions(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", safe::block(&e.to_string()));
            1
        }
    }
}

pub type CmdResult = Result<i32, Error>;
