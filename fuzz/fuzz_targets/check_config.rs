//! A config.toml as every command reads it (parse, then validate).
#![no_main]

use git_incident::fuzzing::{FileKind, read_and_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_and_check(FileKind::Config, data);
});
