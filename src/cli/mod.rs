//! The command line: clap types and a thin dispatch over `ops` and `render`.

mod action;
mod attention;
mod blame;
mod check;
mod complete;
mod edit;
mod handoff;
mod import;
mod incident;
mod init;
mod list;
mod log;
mod meta;
mod metrics;
mod postmortem;
mod report;
mod review;
mod search;
mod site;
mod sync;
mod task;
mod update;
mod written;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, ErrorKind, exit};
use crate::render::style::ColorChoice;
use crate::render::{Palette, fit, pager, safe};
use crate::store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "git-incident",
    bin_name = "git incident",
    version,
    about = "Record incidents, write blameless postmortems and track follow-ups on a git branch",
    long_about = "Record incidents while they happen, turn them into blameless postmortems reviewed like code, \
and keep every follow-up visible until it is done. Everything lives as TOML files on a dedicated branch \
(default `incidents`) of your repository; every change is one commit.",
    after_help = "Without a command: what needs attention now (open incidents, your action items, \
postmortems due).\n\
Run `git incident <command> --help` for details on a command. The manual: `git incident --help`; \
if git finds no page, install it with `git incident man --install` (or read it with `git incident man`).",
    propagate_version = true
)]
pub struct Cli {
    /// Run as if started in PATH, like `git -C`
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub directory: Option<PathBuf>,
    /// Branch holding the incidents (default: `git config incident.ref`, else `incidents`)
    #[arg(long = "ref", global = true, value_name = "REF")]
    pub reference: Option<String>,
    /// Print machine-readable JSON (a write prints what it wrote)
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not say what a write did
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Do not pipe long output into a pager
    #[arg(long, global = true)]
    pub no_pager: bool,
    /// Without a command: what needs attention now
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Init(init::InitArgs),
    New(incident::NewArgs),
    List(list::ListArgs),
    Search(search::SearchArgs),
    Show(list::ShowArgs),
    Ack(incident::AckArgs),
    Handoff(handoff::HandoffArgs),
    Status(incident::StatusArgs),
    Set(incident::SetArgs),
    Task(task::TaskArgs),
    Timeline(incident::TimelineArgs),
    Update(update::UpdateArgs),
    Edit(edit::EditArgs),
    Postmortem(postmortem::PostmortemArgs),
    Action(action::ActionArgs),
    Check(check::CheckArgs),
    Sync(sync::SyncArgs),
    Branch(sync::BranchArgs),
    Review(review::ReviewArgs),
    Log(log::LogArgs),
    Blame(blame::BlameArgs),
    Metrics(metrics::MetricsArgs),
    Import(import::ImportArgs),
    Report(report::ReportArgs),
    Site(site::SiteArgs),
    Man(meta::ManArgs),
    Completions(meta::CompletionsArgs),
    /// Completion candidates from the branch, for the shell scripts
    #[command(name = "__complete", hide = true)]
    Complete(complete::CompleteArgs),
}

/// `--as-known`, beside the command's `--as-of`: time travel for a read.
#[derive(Args, Debug)]
pub struct AsKnown {
    /// Read the branch as it stood at --as-of: its last commit by then, later corrections unseen
    #[arg(long, requires = "as_of")]
    as_known: bool,
}

impl AsKnown {
    /// The store to read from: with `--as-known`, the branch as it stood at `as_of`.
    pub fn store(&self, ui: &Ui, as_of: Option<&str>) -> Result<Store, Error> {
        let store = ui.store()?;
        let Some(as_of) = as_of.filter(|_| self.as_known) else {
            return Ok(store);
        };
        let at = {
            // Typed times are read as every other `--as-of` is; the zone of the branch as
            // it is now, since the moment is needed to find the past one.
            let config = store.snapshot()?.config()?;
            let time =
                crate::model::TimeContext::wall_clock(config.zone()?, crate::store::typist_zone()?);
            time.parse(as_of)?
        };
        store.as_known_at(at)
    }
}

/// `--as-of T --as-known` for the reads that have no other use for a moment.
#[derive(Args, Debug)]
pub struct AsKnownAt {
    /// With --as-known: the moment to read the branch at
    #[arg(long, value_name = "TIME", requires = "as_known")]
    as_of: Option<String>,
    #[command(flatten)]
    as_known: AsKnown,
}

impl AsKnownAt {
    pub fn store(&self, ui: &Ui) -> Result<Store, Error> {
        self.as_known.store(ui, self.as_of.as_deref())
    }
}

/// What every command needs besides its arguments.
pub struct Ui {
    pub json: bool,
    quiet: bool,
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

    /// What a command did, one line on stderr (`INC-3: services += search`); `-q`
    /// silences it. stdout stays data.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{}", safe::block(line));
        }
    }

    /// What a write did: with `--json` the object it wrote (as the read command's
    /// `--json` prints it) on stdout, and the status line on stderr either way.
    pub fn wrote<T: serde::Serialize>(
        &self,
        line: &str,
        object: impl FnOnce() -> Result<T, Error>,
    ) -> Result<(), Error> {
        self.status(line);
        if self.json {
            self.print_json(&object()?)?;
        }
        Ok(())
    }

    /// What `set` did: a note for each value a list already had, then the one-line
    /// summary, unless the notes already say why nothing was committed.
    pub fn set_done<T: serde::Serialize>(
        &self,
        id: &crate::model::IncidentId,
        file: &str,
        what: &str,
        notes: &[String],
        committed: bool,
        object: impl FnOnce() -> Result<T, Error>,
    ) -> Result<(), Error> {
        notes.iter().for_each(|note| self.status(note));
        let line = match committed {
            true => format!("{id}: {file}{what}"),
            false if notes.is_empty() => format!("{id}: nothing changed"),
            false => String::new(),
        };
        if !line.is_empty() {
            self.status(&line);
        }
        if self.json {
            self.print_json(&object()?)?;
        }
        Ok(())
    }

    /// What a write says about itself (how typed times were read), one line each.
    pub fn notes(&self, notes: &[String]) {
        for note in notes {
            self.status(note);
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
        if skipped.is_empty() {
            exit::SUCCESS
        } else {
            exit::FAILURE
        }
    }
}

/// Exit codes (`crate::error::exit`): 0 success, 1 failure, 2 usage, 75 a conflict
/// worth retrying.
pub fn main() -> i32 {
    run(std::env::args_os().collect())
}

pub fn run(args: Vec<OsString>) -> i32 {
    let json = wants_json(&args);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            // clap's own text after its `error: `, without the usage and help lines.
            let rendered = e.to_string();
            let message = rendered
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            print_error(
                true,
                ErrorKind::Usage,
                message,
                Some("see `git incident --help`"),
            );
            return exit::USAGE;
        }
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            return code;
        }
    };
    if let Some(dir) = &cli.directory
        && let Err(e) = std::env::set_current_dir(dir)
    {
        let error = Error::Io {
            context: format!("cannot change to {}", dir.display()),
            source: e,
        };
        return finish(cli.json, Err(error));
    }
    let git_color_ui = crate::store::git_config("color.ui");
    let ui = Ui {
        json: cli.json,
        quiet: cli.quiet,
        palette: Palette::detect(cli.color, git_color_ui).within(fit::terminal_width()),
        pager: !cli.no_pager,
        reference: cli.reference.clone(),
    };
    let Some(command) = cli.command else {
        return finish(ui.json, attention::run(&ui));
    };
    let result = match command {
        Command::Init(args) => init::run(&ui, args),
        Command::New(args) => incident::new(&ui, args),
        Command::List(args) => list::list(&ui, args),
        Command::Search(args) => search::run(&ui, args),
        Command::Show(args) => list::show(&ui, args),
        Command::Ack(args) => incident::ack(&ui, args),
        Command::Handoff(args) => handoff::run(&ui, args),
        Command::Status(args) => incident::status(&ui, args),
        Command::Set(args) => incident::set(&ui, args),
        Command::Task(args) => task::run(&ui, args),
        Command::Timeline(args) => incident::timeline(&ui, args),
        Command::Update(args) => update::run(&ui, args),
        Command::Edit(args) => edit::run(&ui, args),
        Command::Postmortem(args) => postmortem::run(&ui, args),
        Command::Action(args) => action::run(&ui, args),
        Command::Check(args) => check::run(&ui, args),
        Command::Sync(args) => sync::run(&ui, args),
        Command::Branch(args) => sync::branch(&ui, args),
        Command::Review(args) => review::run(&ui, args),
        Command::Log(args) => log::run(&ui, args),
        Command::Blame(args) => blame::run(&ui, args),
        Command::Metrics(args) => metrics::run(&ui, args),
        Command::Import(args) => import::run(&ui, args),
        Command::Report(args) => report::run(&ui, args),
        Command::Site(args) => site::run(&ui, args),
        Command::Man(args) => meta::man(&ui, args),
        Command::Completions(args) => meta::completions(args),
        Command::Complete(args) => complete::run(&ui, args),
    };
    finish(ui.json, result)
}

/// The exit code of a command's result, its error printed: `error: …` and `hint: …`
/// lines, or with `--json` one object, `{"error": {"kind", "message", "hint"}}`.
fn finish(json: bool, result: CmdResult) -> i32 {
    match result {
        Ok(code) => code,
        Err(e) => {
            print_error(json, e.kind(), &e.to_string(), e.hint());
            e.kind().exit_code()
        }
    }
}

fn print_error(json: bool, kind: ErrorKind, message: &str, hint: Option<&str>) {
    if json {
        let object = serde_json::json!({
            "error": { "kind": kind, "message": message, "hint": hint }
        });
        eprintln!("{object}");
    } else {
        eprintln!("error: {}", safe::block(message));
        if let Some(hint) = hint {
            eprintln!("hint: {}", safe::block(hint));
        }
    }
}

/// Whether `--json` is among the options, for errors found before clap has parsed them.
fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--json")
}

pub type CmdResult = Result<i32, Error>;
