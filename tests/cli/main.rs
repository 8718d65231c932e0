//! Integration tests: one binary (linking several is slow), one module per area.
//! Unix only: fake editors, pagers and hooks are shell scripts.
#![cfg(unix)]

mod action;
mod as_known;
mod common;
mod dora;
mod errors;
mod everyday;
mod fit;
mod flow;
mod handoff;
mod hardening;
mod hardening15;
mod history;
mod import;
mod import_chat;
mod import_pager;
mod incident;
mod index;
mod links;
mod log;
mod metrics;
mod postmortem;
mod report;
mod review;
mod safety;
mod search;
mod sets;
mod site;
mod sync;
mod times;
mod update;
