//! Integration tests: one binary (linking several is slow), one module per area.

mod action;
mod common;
mod everyday;
mod fit;
mod hardening;
mod history;
mod incident;
mod index;
mod log;
mod metrics;
mod postmortem;
mod report;
mod review;
mod safety;
mod sets;
mod sync;
mod times;
