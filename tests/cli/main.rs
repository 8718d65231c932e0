//! Integration tests: one binary (linking several is slow), one module per area.

mod common;
mod history;
mod incident;
mod log;
mod metrics;
mod report;
