//! A temporary repository isolated from the machine's git config, and helpers to drive
#![allow(dead_code)] // each test area uses a different part of the harness
//! the built binary in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
    /// Unix seconds used for GIT_AUTHOR_DATE / GIT_COMMITTER_DATE; bump with `tick`.
    pub now: std::cell::Cell<i64>,
}

/// 2026-11-23T10:00:00+09:00
pub const START: i64 = 1_795_395_600;

impl TestRepo {
    /// An empty repository with one commit on its main branch.
    pub fn new() -> TestRepo {
        let repo = TestRepo::bare_dir();
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["commit", "-q", "--allow-empty", "-m", "root"]);
        repo
    }

    /// A repository whose incident branch is initialised.
    pub fn initialized() -> TestRepo {
        let repo = TestRepo::new();
        repo.ok(&["init"]);
        repo
    }

    /// A directory with no repository yet (for clones).
    pub fn bare_dir() -> TestRepo {
        TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
            home: tempfile::tempdir().expect("temp home"),
            now: std::cell::Cell::new(START),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Advances the pinned clock.
    pub fn tick(&self, seconds: i64) {
        self.now.set(self.now.get() + seconds);
    }

    pub fn date(&self) -> String {
        format!("@{} +0900", self.now.get())
    }

    /// Runs `command` in this repository with the isolated environment every test uses.
    pub fn isolate(&self, command: &mut Command) {
        command
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Pat Example")
            .env("GIT_AUTHOR_EMAIL", "pat@example.com")
            .env("GIT_COMMITTER_NAME", "Pat Example")
            .env("GIT_COMMITTER_EMAIL", "pat@example.com")
            .env("GIT_AUTHOR_DATE", self.date())
            .env("GIT_COMMITTER_DATE", self.date())
            .env("TZ", "Asia/Tokyo")
            .env("GIT_PAGER", "cat")
            .env("GIT_EDITOR", "false");
    }

    /// The binary, ready to run in this repository.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut command = Command::cargo_bin("git-incident").expect("binary built");
        self.isolate(&mut command);
        command.args(args);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("binary runs")
    }

    /// Runs `git incident edit ARGS` with `editor` as git's editor.
    pub fn edit(&self, args: &[&str], editor: impl AsRef<std::ffi::OsStr>) -> Output {
        let mut all = vec!["edit"];
        all.extend_from_slice(args);
        self.cmd(&all)
            .env("GIT_EDITOR", editor)
            .output()
            .expect("binary runs")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "git incident {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts the exit code; returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "git incident {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stderr).expect("utf-8 stderr")
    }

    pub fn git_cmd(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        self.isolate(&mut command);
        command.args(args);
        command
    }

    /// Runs git and asserts success; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_cmd(args).output().expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?} failed\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    /// The tip of the incident branch.
    pub fn tip(&self) -> String {
        self.git(&["rev-parse", "refs/heads/incidents"])
            .trim()
            .to_string()
    }

    /// A file's text on the incident branch.
    pub fn file(&self, path: &str) -> String {
        self.git(&["show", &format!("incidents:{path}")])
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("valid JSON")
    }

    /// Writes an executable script (a fake editor, say) and returns its path.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        let mut perms = std::fs::metadata(&path).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).expect("chmod");
        path
    }
}

/// Path of incident `n` created in the test year.
pub fn incident_path(n: u32) -> String {
    format!("incidents/2026/INC-{n}/incident.toml")
}

/// Asserts that a command succeeded, showing its stderr when it did not.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}
