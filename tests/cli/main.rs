//! Integration tests: one binary (linking several is slow), one module per area.

mod action;
mod common;
mod incident;
mod postmortem;
mod review;
mod sync;
