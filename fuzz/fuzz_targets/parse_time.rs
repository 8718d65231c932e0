//! Times, dates, durations and zones as typed on the command line (first byte: zone).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    git_incident::fuzzing::parse_time(data);
});
