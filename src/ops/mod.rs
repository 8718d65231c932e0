//! What each command does, over the store and the model; the CLI only parses and prints.

pub mod action;
pub mod attention;
pub mod code;
pub mod edit;
pub mod handoff;
pub mod incident;
pub mod init;
pub mod list;
pub mod log;
pub mod metrics;
pub mod postmortem;
pub mod report;
pub mod review;
pub mod search;
pub mod sync;
pub mod task;
pub mod template;
pub mod update;
