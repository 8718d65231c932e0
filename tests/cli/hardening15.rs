//! Hardening: CSV cells a spreadsheet would run, stricter `check`, no leftover
//! temporary files, and big incidents that stay fast.

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, replace};

const AS_OF: &str = "2026-12-31T00:00:00+09:00";

/// Every CSV cell that begins with what a spreadsheet reads as a formula starts with `'`.
#[test]
fn csv_cells_never_start_a_formula() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "=HYPERLINK(\"https://evil.example\",\"x\")",
        "-s",
        "SEV2",
        "--service",
        "+svc",
        "--team",
        "@ops",
        "--commander",
        "ana",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "@SUM(1+1)",
        "--kind",
        "detect",
        "--owner=-ben",
        "--due",
        "2026-11-30",
    ]);
    repo.tick(60);
    repo.ok(&["status", "INC-1", "resolved"]);

    let by_service = repo.ok(&[
        "metrics", "--as-of", AS_OF, "--by", "service", "--format", "csv",
    ]);
    let row = by_service.lines().nth(1).unwrap();
    assert!(row.starts_with("'+svc,1,0,"), "{by_service}");
    let by_team = repo.ok(&[
        "metrics", "--as-of", AS_OF, "--by", "team", "--format", "csv",
    ]);
    assert!(
        by_team.lines().nth(1).unwrap().starts_with("'@ops,1,0,"),
        "{by_team}"
    );

    let actions = repo.ok(&["report", "actions", "--as-of", AS_OF, "--format", "csv"]);
    let row = actions.lines().nth(1).unwrap();
    // Numbers stay numbers (31 days overdue); text cells are neutralised.
    assert_eq!(
        row, "true,'-ben,INC-1.A1,INC-1,'@SUM(1+1),detect,open,2026-11-30,31,37,",
        "{actions}"
    );

    let postmortems = repo.ok(&["report", "postmortems", "--as-of", AS_OF, "--format", "csv"]);
    let row = postmortems.lines().nth(1).unwrap();
    assert!(
        row.contains(",\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\","),
        "{postmortems}"
    );
    for csv in [&by_service, &by_team, &actions, &postmortems] {
        for cell in csv.lines().flat_map(|l| l.split(',')) {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r']),
                "{cell:?} in\n{csv}"
            );
        }
    }
}

/// `check`'s output lines (stdout and stderr) and its exit code.
fn check(repo: &TestRepo) -> (Option<i32>, String) {
    let output = repo.run(&["check"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[test]
fn check_reports_a_directory_where_a_file_belongs() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV3"]);
    hand_commit(&repo, "postmortem as a directory", |dir| {
        let pm = dir.join("incidents/2026/INC-1/postmortem.toml");
        std::fs::create_dir_all(&pm).unwrap();
        std::fs::write(pm.join("notes.md"), "x").unwrap();
    });
    let (code, text) = check(&repo);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "incidents/2026/INC-1/postmortem.toml: error: expected a file, found a directory"
        ),
        "{text}"
    );
    // Writes to it stop with the same message instead of replacing the directory.
    let err = repo.fails(1, &["postmortem", "new", "INC-1"]);
    assert!(err.contains("found a directory"), "{err}");
}

#[test]
fn check_reports_incidents_as_a_file() {
    let repo = TestRepo::initialized();
    hand_commit(&repo, "incidents as a file", |dir| {
        std::fs::write(dir.join("incidents"), "oops\n").unwrap();
    });
    let (code, text) = check(&repo);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "incidents: error: expected the directory of incidents/<YYYY>/<PREFIX-N>, found a file"
        ),
        "{text}"
    );
}

#[test]
fn a_newer_schema_version_is_an_error_and_blocks_writes() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV3"]);
    repo.ok(&["new", "Login down", "-s", "SEV3"]);
    hand_commit(&repo, "from the future", |dir| {
        replace(
            dir,
            &incident_path(1),
            "schema_version = 1",
            "schema_version = 99",
        );
        // A newer format may also bring fields this version does not know.
        replace(
            dir,
            &incident_path(2),
            "schema_version = 1",
            "schema_version = 2\nfuture_field = true",
        );
    });
    let (code, text) = check(&repo);
    assert_eq!(code, Some(1), "{text}");
    for (path, version) in [(incident_path(1), 99), (incident_path(2), 2)] {
        assert!(
            text.contains(&format!(
                "{path}:3: error: schema_version {version}: written by a newer git-incident; upgrade"
            )),
            "{text}"
        );
    }
    let err = repo.fails(1, &["set", "INC-1", "title=Checkout still down"]);
    assert!(
        err.contains("written by a newer git-incident; upgrade"),
        "{err}"
    );
    assert!(repo.file(&incident_path(1)).contains("schema_version = 99"));
}

#[test]
fn a_branch_pointing_at_an_annotated_tag_says_so() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV3"]);
    repo.git(&["tag", "-a", "-m", "release", "v1", "incidents"]);
    let tag = repo.git(&["rev-parse", "v1"]);
    // Recent git refuses `update-ref` with a tag on a branch; older git and other tools
    // do not, so write the ref as they would.
    std::fs::write(
        repo.path().join(".git/refs/heads/incidents"),
        format!("{}\n", tag.trim()),
    )
    .unwrap();
    for args in [
        &["list"][..],
        &["show", "INC-1"],
        &["status", "INC-1", "mitigated"],
    ] {
        let err = repo.fails(1, args);
        assert!(
            err.contains("refs/heads/incidents points at an annotated tag")
                && !err.contains("kept moving"),
            "{args:?}: {err}"
        );
    }
}

/// Every file under `$GIT_DIR/incident/`, relative to it.
fn private_files(repo: &TestRepo) -> Vec<String> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let relative = path.strip_prefix(base).expect("under base");
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let base = repo.path().join(".git/incident");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// Runs the binary with writes past `kib` KiB failing (EFBIG, as on a full disk).
fn run_with_file_size_limit(repo: &TestRepo, kib: u32, args: &[&str]) -> std::process::Output {
    let template = repo.cmd(args);
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        // `ulimit -f` counts 512-byte blocks in dash; an ignored SIGXFSZ stays ignored
        // across exec, so the write fails instead of killing the process.
        .arg(format!("ulimit -f {}; trap '' XFSZ; exec \"$@\"", kib * 2))
        .arg("sh")
        .arg(template.get_program())
        .args(template.get_args())
        .env_clear()
        .current_dir(repo.path());
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    command.output().expect("sh runs")
}

#[test]
fn failing_commands_leave_no_temporary_files() {
    let repo = TestRepo::initialized();
    let long = "All requests failed. ".repeat(3000);
    repo.ok(&["new", "Checkout down", "-s", "SEV3", "--summary", &long]);
    // A cache write that fails half way (a full disk) leaves nothing behind; the
    // command still answers, from the branch.
    let output = run_with_file_size_limit(&repo, 8, &["--json", "list"]);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Checkout down"));
    let output = run_with_file_size_limit(&repo, 8, &["metrics"]);
    assert!(output.status.success(), "{output:?}");
    let files = private_files(&repo);
    // Only the index's own files: no temporary file left by the failed writes.
    assert!(
        files
            .iter()
            .all(|f| f.ends_with("-refs%2Fheads%2Fincidents.bin") && !f.contains(".tmp")),
        "{files:?}"
    );

    // A refused edit keeps the user's text (the draft and the text it started from),
    // and nothing else.
    let editor = repo.script("break", "printf 'not toml [\\n' > \"$1\"");
    let output = repo.edit(&["INC-1"], &editor);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    repo.ok(&["--json", "list"]);
    repo.fails(1, &["show", "INC-9"]);
    let files = private_files(&repo);
    assert_eq!(
        files
            .iter()
            .filter(|f| !f.ends_with("-refs%2Fheads%2Fincidents.bin") && *f != "year-ranges.bin")
            .collect::<Vec<_>>(),
        ["edit/INC-1-incident.toml", "edit/INC-1-incident.toml.base"],
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .all(|f| f.ends_with(".bin") || f.starts_with("edit/")),
        "{files:?}"
    );
}

#[test]
fn oversize_titles_and_text_fields_are_refused_and_reported() {
    let repo = TestRepo::initialized();
    let long_title = "x".repeat(3 * 1024);
    let err = repo.fails(1, &["new", &long_title, "-s", "SEV3"]);
    assert!(
        err.starts_with("error: ") && err.contains("the title is 3072 bytes, over the 2 KiB limit"),
        "{err}"
    );
    repo.ok(&["new", "Checkout down", "-s", "SEV3"]);
    let huge = "y".repeat(1024 * 1024 + 1);
    let err = repo.fails(1, &["set", "INC-1", &format!("title={long_title}")]);
    assert!(err.contains("over the 2 KiB limit"), "{err}");
    hand_commit(&repo, "paste a log", |dir| {
        replace(
            dir,
            &incident_path(1),
            "status = \"investigating\"",
            &format!("status = \"investigating\"\nsummary = \"{huge}\""),
        );
    });
    let (code, text) = check(&repo);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "{}:9: error: summary is 1048577 bytes, over the 1 MiB limit for one text field",
            incident_path(1)
        )),
        "{text}"
    );
    // Reads still work; an unrelated write is not blocked by the error already there.
    assert!(repo.ok(&["list"]).contains("Checkout down"));
    assert!(repo.ok(&["show", "INC-1"]).contains("yyyy"));
    repo.ok(&["set", "INC-1", "labels=payments"]);

    // A title committed by hand: `list` clips it to what a terminal line can show (the
    // table's layout was quadratic in a cell's length), `show` prints it whole.
    let title = "z".repeat(1024 * 1024);
    hand_commit(&repo, "a long title", |dir| {
        replace(
            dir,
            &incident_path(1),
            "title = \"Checkout down\"",
            &format!("title = \"{title}\""),
        );
    });
    let (_, text) = check(&repo);
    assert!(
        text.contains("error: the title is 1048576 bytes, over the 2 KiB limit"),
        "{}",
        &text[..200]
    );
    let list = repo.ok(&["list"]);
    assert!(
        list.len() < 2000 && list.contains(&format!("{}…", "z".repeat(500))),
        "{}",
        list.len()
    );
    assert!(repo.ok(&["show", "INC-1"]).contains(&title));
}

/// An incident with `n` timeline entries without evidence links on a SEV2 (one warning
/// each), committed by hand.
fn big_timeline(n: usize) -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    hand_commit(&repo, "a long incident", |dir| {
        let mut text = std::fs::read_to_string(dir.join(incident_path(1))).unwrap();
        for i in 0..n {
            text.push_str(&format!(
                "\n[[timeline]]\nat = 2026-11-23T{:02}:{:02}:{:02}+09:00\nkind = \"action\"\ntext = \"Step {i}: restarted the worker pool\"\nauthor = \"ana\"\n",
                i / 3600 % 10,
                i / 60 % 60,
                i % 60
            ));
        }
        std::fs::write(dir.join(incident_path(1)), text).unwrap();
    });
    repo
}

/// A long timeline, as the split write path handles it: every entry checked at its own
/// line, a write appended, `log` showing just that entry. (Its speed is measured in the
/// benchmark, `BIG_ONLY=1 benches/bench.sh`, not here.)
#[test]
fn a_long_timeline_is_checked_written_and_logged() {
    let repo = big_timeline(3_000);
    let output = repo.run(&["check"]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(text.matches("has no evidence links").count(), 3_000);
    assert!(
        text.contains(&format!("{}:16:", incident_path(1))),
        "{}",
        &text[..300]
    );
    repo.tick(60);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back",
        "--link",
        "https://ci/1",
    ]);
    let log = repo.ok(&["log", "INC-1", "-n", "1"]);
    assert!(
        log.contains("timeline: + ") && log.contains("Rolled back"),
        "{log}"
    );
    assert_eq!(log.matches("timeline:").count(), 1, "{log}");
}
