//! Cache files under `$GIT_DIR/incident/`: JSON, written atomically, never the only copy
//! of anything. Anything wrong with one reads as "no cache".

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cache at `path`, or `None` when it is missing or does not read as a `T`.
pub fn read<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes `value` as JSON to `path` atomically (see [`super::private`]). Best effort: a
/// repository we may not write to still gets correct (slower) answers.
pub fn write<T: Serialize>(path: &Path, value: &T) {
    let _ = super::private::write_atomically_with(path, |file| {
        serde_json::to_writer(file, value).map_err(std::io::Error::other)
    });
}
