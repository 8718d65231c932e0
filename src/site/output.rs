//! Writing the site: a file is written only when its bytes change (an unchanged page
//! keeps its modification time, so a static host or rsync sees no change), and a
//! manifest in the output directory records what each page was built from, so a
//! re-run skips the incidents that did not change and removes only pages it made.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const MANIFEST: &str = ".git-incident-site.json";

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// What every page depends on (the site's format, config.toml, the base URL):
    /// when it changes, every page is built again.
    pub site: String,
    /// Each file the site wrote, by path under the output directory, with what it
    /// was built from (empty for pages rebuilt on every run).
    pub pages: BTreeMap<String, String>,
}

pub struct Output {
    dir: PathBuf,
    pub written: usize,
    pub unchanged: usize,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

impl Output {
    /// The output directory, created when missing; refused when it is a file.
    pub fn open(dir: &Path) -> Result<Output> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::usage(format!(
                "--out {} is not a directory",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir.join("incidents"))
            .map_err(io(format!("could not create {}", dir.display())))?;
        std::fs::create_dir_all(dir.join("assets"))
            .map_err(io(format!("could not create {}", dir.display())))?;
        Ok(Output {
            dir: dir.to_path_buf(),
            written: 0,
            unchanged: 0,
        })
    }

    /// The manifest a previous run left, or an empty one.
    pub fn manifest(&self) -> Manifest {
        std::fs::read(self.dir.join(MANIFEST))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn exists(&self, path: &str) -> bool {
        self.dir.join(path).is_file()
    }

    /// Writes `bytes` at `path` unless the file holds them already.
    pub fn put(&mut self, path: &str, bytes: &[u8]) -> Result<()> {
        let full = self.dir.join(path);
        let exists = match std::fs::read(&full) {
            Ok(old) if old == bytes => {
                self.unchanged += 1;
                return Ok(());
            }
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err(io(format!("could not read {}", full.display()))(e)),
        };
        if exists {
            // Through a temporary file, so a reader of the published site never sees
            // half a page. A new page has no reader yet: written in place, which spares
            // a cold build one rename per page.
            let temporary = full.with_extension("tmp~");
            std::fs::write(&temporary, bytes)
                .map_err(io(format!("could not write {}", temporary.display())))?;
            std::fs::rename(&temporary, &full)
                .map_err(io(format!("could not write {}", full.display())))?;
        } else {
            std::fs::write(&full, bytes)
                .map_err(io(format!("could not write {}", full.display())))?;
        }
        self.written += 1;
        Ok(())
    }

    /// Removes the pages the old manifest lists and the new one does not; only those,
    /// and only plain relative paths inside the directory.
    pub fn remove_stale(&self, old: &Manifest, new: &Manifest) -> Result<usize> {
        let mut removed = 0;
        for path in old.pages.keys().filter(|p| !new.pages.contains_key(*p)) {
            let plain = Path::new(path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
            if !plain {
                continue;
            }
            match std::fs::remove_file(self.dir.join(path)) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(io(format!("could not remove {path}"))(e)),
            }
        }
        Ok(removed)
    }

    pub fn save(&mut self, manifest: &Manifest) -> Result<()> {
        let text = serde_json::to_vec(manifest).expect("manifests serialize");
        let unchanged = self.unchanged;
        let written = self.written;
        self.put(MANIFEST, &text)?;
        // The manifest is bookkeeping, not a page.
        (self.unchanged, self.written) = (unchanged, written);
        Ok(())
    }
}
