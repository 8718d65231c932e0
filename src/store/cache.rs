//! Cache files under `$GIT_DIR/incident/`: JSON, written atomically, never the only copy
//! of anything. Anything wrong with one reads as "no cache".

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cache at `path`, or `None` when it is missing or does not read as a `T`.
pub fn read<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes `value` as JSON to `path` through a temporary file in the same directory and a
/// rename, so a reader never sees half a file. Best effort: a repository we may not
/// write to still gets correct (slower) answers.
pub fn write<T: Serialize>(path: &Path, value: &T) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut temp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    let mut writer = std::io::BufWriter::new(temp.as_file_mut());
    let written = serde_json::to_writer(&mut writer, value).is_ok() && writer.flush().is_ok();
    drop(writer);
    if written {
        let _ = temp.persist(path);
    }
}
