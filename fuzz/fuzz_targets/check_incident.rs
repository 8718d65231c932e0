//! An incident.toml as `check` and the readers take it.
#![no_main]

use git_incident::fuzzing::{FileKind, read_and_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_and_check(FileKind::Incident, data);
});
