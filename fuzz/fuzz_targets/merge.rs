//! The three-way TOML merge: `base\0ours\0theirs`, see fuzzing::merge for the laws.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    git_incident::fuzzing::merge(data);
});
