//! Deploy log files as `metrics --deploys FILE` reads them: `TIMESTAMP REV [ENV]` lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    git_incident::fuzzing::read_deploy_log(data);
});
