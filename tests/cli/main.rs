//! Integration tests: one binary (linking several is slow), one module per area.

mod common;
mod incident;
mod review;
mod sync;
