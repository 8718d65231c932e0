//! Cache files under `$GIT_DIR/incident/`: postcard (a compact binary serde format, several
//! times quicker to load than JSON: a warm `list` spent most of its time parsing a 10 MB
//! JSON index), written atomically, never the only copy of anything. Anything wrong with
//! one reads as "no cache".
//!
//! Postcard is not self-describing: what is cached must not use `skip_serializing_if`,
//! `flatten` or untagged enums, and a change of shape needs its cache's format bumped.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cache at `path`, or `None` when it is missing or does not read as a `T`.
pub fn read<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    postcard::from_bytes(&bytes).ok()
}

/// Writes `value` to `path` atomically (see [`super::private`]). Best effort: a
/// repository we may not write to still gets correct (slower) answers.
pub fn write<T: Serialize>(path: &Path, value: &T) {
    let _ = super::private::write_atomically_with(path, |file| {
        postcard::to_io(value, file)
            .map(|_| ())
            .map_err(std::io::Error::other)
    });
}
