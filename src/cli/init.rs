use clap::Args;

use super::{CmdResult, Ui};
use crate::model::{Language, config::DEFAULT_PREFIX};
use crate::ops::init::{InitOptions, init};

/// Create the incident branch with config.toml and the JSON Schemas
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Prefix of incident IDs (INC gives INC-1, INC-2, …)
    #[arg(long, default_value = DEFAULT_PREFIX)]
    prefix: String,
    /// The team's IANA timezone (times shown and reports), e.g. Asia/Tokyo
    #[arg(long)]
    timezone: Option<String>,
    /// Language of postmortem guidance
    #[arg(long, value_parser = ["en", "ja"], default_value = "en")]
    language: String,
}

pub fn run(ui: &Ui, args: InitArgs) -> CmdResult {
    let store = ui.store()?;
    let language = if args.language == "ja" {
        Language::Ja
    } else {
        Language::En
    };
    init(
        &store,
        &InitOptions {
            prefix: args.prefix,
            timezone: args.timezone,
            language,
        },
    )?;
    ui.status(&format!(
        "Created branch '{}' with config.toml and schema/.\nNext: git incident new \"What is broken\" --severity SEV2",
        store.branch_name()
    ));
    Ok(0)
}
