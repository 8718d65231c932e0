use crate::common::{TestRepo, assert_success, incident_path};

#[test]
fn walkthrough_records_an_incident_one_commit_per_change() {
    let repo = TestRepo::initialized();
    let head_before = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        repo.ok(&[
            "new",
            "Checkout API returns 500",
            "--severity",
            "SEV2",
            "--service",
            "checkout",
            "--started",
            "10m ago"
        ])
        .trim(),
        "INC-1"
    );
    repo.tick(60);
    repo.ok(&["ack", "INC-1"]);
    repo.tick(60);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back deploy 4412",
        "--kind",
        "action",
        "--link",
        "https://grafana.example/d/abc",
        "--link",
        "https://grafana.example/d/abc",
    ]);
    repo.tick(60);
    repo.ok(&["status", "INC-1", "mitigated"]);
    repo.ok(&[
        "set",
        "INC-1",
        "customer_impact=Card payments failed for 12 minutes",
    ]);
    repo.tick(60);
    repo.ok(&["status", "INC-1", "resolved"]);

    let subjects = repo.git(&["log", "--format=%s", "incidents"]);
    assert_eq!(
        subjects.lines().collect::<Vec<_>>(),
        [
            "INC-1: status mitigated -> resolved",
            "INC-1: set customer_impact",
            "INC-1: status investigating -> mitigated",
            "INC-1: timeline + action \"Rolled back deploy 4412\"",
            "INC-1: acknowledged by Pat Example",
            "INC-1: open SEV2 \"Checkout API returns 500\"",
            "Initialize incident branch",
        ]
    );
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["status"], "resolved");
    assert_eq!(incident["commander"], "Pat Example");
    let rolled_back = incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["text"] == "Rolled back deploy 4412")
        .unwrap();
    assert_eq!(
        rolled_back["links"],
        serde_json::json!(["https://grafana.example/d/abc"]),
        "a link given twice is kept once"
    );
    assert_eq!(incident["times"]["started"], "2026-11-23T09:50:00+09:00");
    assert_eq!(incident["times"]["detected"], "2026-11-23T10:00:00+09:00");
    assert_eq!(
        incident["times"]["acknowledged"],
        "2026-11-23T10:01:00+09:00"
    );
    assert_eq!(incident["times"]["mitigated"], "2026-11-23T10:03:00+09:00");
    assert_eq!(incident["times"]["resolved"], "2026-11-23T10:04:00+09:00");
    assert_eq!(
        incident["timeline"][1]["links"][0],
        "https://grafana.example/d/abc"
    );
    assert_eq!(
        incident["customer_impact"],
        "Card payments failed for 12 minutes"
    );
    // The user's HEAD, index and worktree are untouched.
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head_before);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let list = repo.ok(&["list"]);
    assert!(
        list.contains("INC-1") && list.contains("resolved"),
        "{list}"
    );
}

#[test]
fn commits_follow_gits_identity_rules_and_fill_times_with_the_committer_date() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Queue backlog", "--severity", "SEV3"]);
    let output = repo
        .cmd(&["ack", "INC-1"])
        .env("GIT_AUTHOR_NAME", "Ana Author")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-23T11:00:00+09:00")
        .env("GIT_COMMITTER_NAME", "Carl Committer")
        .env("GIT_COMMITTER_DATE", "2026-11-23T11:30:00+09:00")
        .output()
        .unwrap();
    assert_success(&output);
    let log = repo.git(&[
        "log",
        "-1",
        "--format=%an|%ae|%aI|%cn|%cI|%(trailers:key=Incident,valueonly)",
        "incidents",
    ]);
    assert_eq!(
        log.trim(),
        "Ana Author|ana@example.com|2026-11-23T11:00:00+09:00|Carl Committer|2026-11-23T11:30:00+09:00|INC-1"
    );
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["commander"], "Ana Author");
    assert_eq!(
        incident["times"]["acknowledged"], "2026-11-23T11:30:00+09:00",
        "filled-in times are the committer time"
    );
    assert_eq!(repo.git(&["rev-list", "--count", "incidents"]).trim(), "3");
}

#[test]
fn parallel_writers_on_one_incident_lose_nothing() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Everything is on fire", "--severity", "SEV1"]);
    let writers: Vec<_> = (0..10)
        .map(|i| {
            repo.cmd(&[
                "timeline",
                "INC-1",
                "add",
                &format!("entry {i}"),
                "--kind",
                "action",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .chain((0..4).map(|i| {
            repo.cmd(&["new", &format!("parallel {i}"), "--severity", "SEV3"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        }))
        .collect();
    for writer in writers {
        let output = writer.wait_with_output().unwrap();
        assert_success(&output);
    }
    let incident = repo.json(&["show", "INC-1"]);
    let mut texts: Vec<String> = incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    texts.sort();
    let mut expected: Vec<String> = (0..10).map(|i| format!("entry {i}")).collect();
    expected.sort();
    assert_eq!(texts, expected);
    let ids: Vec<String> = repo
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5, "every new incident got its own ID: {ids:?}");
    // init + first new + 10 timeline writes + 4 new incidents, each one commit.
    assert_eq!(repo.git(&["rev-list", "--count", "incidents"]).trim(), "16");
    repo.ok(&["check"]);
}

/// Checks the branch out in a linked worktree, runs `edit` there, commits, and removes it.
fn hand_commit(repo: &TestRepo, message: &str, edit: impl FnOnce(&std::path::Path)) {
    let wt = repo.home.path().join("wt");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "incidents"]);
    edit(&wt);
    repo.git(&["-C", wt.to_str().unwrap(), "commit", "-qam", message]);
    repo.git(&["worktree", "remove", wt.to_str().unwrap()]);
}

#[test]
fn hand_edited_comments_and_layout_survive_a_tool_edit() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Checkout API returns 500",
        "--severity",
        "SEV2",
        "--service",
        "checkout",
    ]);
    hand_commit(&repo, "Add notes", |wt| {
        let path = wt.join(incident_path(1));
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("title = ", "# Keep the title customer-facing.\ntitle = ")
            .replace(
                "services = [\"checkout\"]",
                "services = [\n    \"checkout\", # the public API\n]",
            )
            .replace("[times]", "[times] # all times in JST");
        std::fs::write(&path, text).unwrap();
    });
    let before = repo.file(&incident_path(1));
    repo.ok(&["set", "INC-1", "title=Checkout API returns 500 errors"]);
    repo.ok(&["set", "INC-1", "services+=payments"]);
    let after = repo.file(&incident_path(1));
    for kept in [
        "# Keep the title customer-facing.\n",
        "    \"checkout\",\n    \"payments\", # the public API\n]",
        "[times] # all times in JST",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(after.contains("title = \"Checkout API returns 500 errors\""));
    assert!(after.contains("\"payments\""));
    // The title change is a one-line diff.
    let diff = repo.git(&["diff", "--unified=0", "incidents~2", "incidents~1"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        [
            "-title = \"Checkout API returns 500\"",
            "+title = \"Checkout API returns 500 errors\""
        ],
        "{before}"
    );
}

#[test]
fn refuses_to_move_a_branch_checked_out_in_a_worktree() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Disk full", "--severity", "SEV3"]);
    let wt = repo.home.path().join("incidents-wt");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "incidents"]);
    let tip = repo.tip();
    let stderr = repo.fails(1, &["status", "INC-1", "mitigated"]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("incidents-wt"),
        "names the worktree: {stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn a_broken_file_is_named_with_its_line_and_the_rest_still_list() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Fine incident", "--severity", "SEV3"]);
    repo.ok(&["new", "Will be broken", "--severity", "SEV3"]);
    hand_commit(&repo, "Break it", |wt| {
        let path = wt.join(incident_path(2));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("status = \"investigating\"", "status = investigating");
        std::fs::write(&path, text).unwrap();
    });
    let line = repo
        .file(&incident_path(2))
        .lines()
        .position(|l| l.starts_with("status"))
        .unwrap()
        + 1;
    let output = repo.run(&["list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:{line}: error: ", incident_path(2))),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Fine incident"));
    // Every read names the skipped file, still prints the rest, and exits 1 so that
    // scripts notice: a partial answer is not a success.
    for args in [
        &["list"][..],
        &["--json", "list"],
        &["metrics"],
        &["--json", "metrics"],
        &["report", "actions"],
    ] {
        let output = repo.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{}:{line}: error: ", incident_path(2))),
            "{args:?}: {stderr}"
        );
        assert!(
            !output.stdout.is_empty(),
            "{args:?} still prints what it could read"
        );
    }
    let listed = repo.run(&["--json", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Fine incident"));
    let check = repo.run(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&check.stdout)
            .contains(&format!("{}:{line}: error: ", incident_path(2)))
    );
    // Writing to the broken incident is refused with the same location; nothing is lost.
    let tip = repo.tip();
    let stderr = repo.fails(1, &["status", "INC-2", "mitigated"]);
    assert!(
        stderr.contains(&format!("{}:{line}", incident_path(2))),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("error:").count(),
        1,
        "one error prefix: {stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn check_reports_rule_violations_with_lines() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Ok", "--severity", "SEV3"]);
    repo.ok(&["check"]);
    hand_commit(&repo, "Bad values", |wt| {
        let path = wt.join(incident_path(1));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("severity = \"SEV3\"", "severity = \"SEV9\"")
            .replace("id = \"INC-1\"", "id = \"INC-7\"")
            .replace("[times]", "[times]\nresolved = 2020-01-01T00:00:00Z");
        std::fs::write(&path, text).unwrap();
    });
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let file = repo.file(&incident_path(1));
    let line_of = |prefix: &str| file.lines().position(|l| l.starts_with(prefix)).unwrap() + 1;
    let p = incident_path(1);
    assert!(
        stdout.contains(&format!(
            "{p}:{}: error: unknown severity \"SEV9\"",
            line_of("severity")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{p}:{}: error: id \"INC-7\" does not match its directory INC-1",
            line_of("id =")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{p}:{}: error: times out of order",
            line_of("resolved")
        )),
        "{stdout}"
    );
    let findings = repo.run(&["--json", "check"]);
    let json: serde_json::Value = serde_json::from_slice(&findings.stdout).unwrap();
    assert_eq!(
        json.as_array()
            .unwrap()
            .iter()
            .filter(|f| f["level"] == "error")
            .count(),
        3
    );
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_changes_nothing() {
    let repo = TestRepo::new();
    let stderr = repo.fails(1, &["new", "Too early", "--severity", "SEV1"]);
    assert!(
        stderr.contains("git incident init"),
        "hints at init: {stderr}"
    );
    repo.ok(&["init"]);
    repo.fails(1, &["init"]);
    repo.ok(&["new", "Real incident", "--severity", "SEV2"]);
    let tip = repo.tip();
    let cases: &[(i32, &[&str], &str)] = &[
        (
            1,
            &["new", "x", "--severity", "SEV9"],
            "unknown severity \"SEV9\"",
        ),
        (
            1,
            &["new", " ", "--severity", "SEV1"],
            "title cannot be empty",
        ),
        (
            1,
            &[
                "new",
                "x",
                "--severity",
                "SEV1",
                "--started",
                "yesterday-ish",
            ],
            "invalid time",
        ),
        (1, &["show", "../x"], "invalid incident ID"),
        (1, &["show", "INC-1/../../x"], "invalid incident ID"),
        (1, &["show", "INC-99"], "no incident INC-99"),
        (1, &["ack", "INC-99"], "no incident INC-99"),
        (2, &["status", "INC-1", "bogus"], "bogus"),
        (
            1,
            &["status", "INC-1", "investigating"],
            "already investigating",
        ),
        (
            1,
            &["status", "INC-1", "mitigated", "--at", "25:99"],
            "invalid time",
        ),
        (
            2,
            &["timeline", "INC-1", "add", "x", "--kind", "gossip"],
            "gossip",
        ),
        (1, &["timeline", "INC-1", "add", ""], "cannot be empty"),
        (1, &["set", "INC-1", "nope=1"], "cannot set \"nope\""),
        (1, &["set", "INC-1", "uid=x"], "cannot set \"uid\""),
        (2, &["set", "INC-1", "title"], "KEY=VALUE"),
        (1, &["set", "INC-1", "title="], "title cannot be empty"),
        (1, &["set", "INC-1", "severity=SEV0"], "unknown severity"),
        (
            1,
            &["set", "INC-1", "detection=pager"],
            "expected one of alert, customer, internal, other",
        ),
        (1, &["set", "INC-1", "drill=maybe"], "true or false"),
        (
            1,
            &["set", "INC-1", "times.resolved=garbage"],
            "invalid time",
        ),
        (
            1,
            &["set", "INC-1", "times.started=2026-11-23 10:04"],
            "times out of order",
        ),
        (1, &["set", "INC-1", "title+=x"], "not a list"),
        (
            1,
            &["set", "INC-1", "related=../../etc"],
            "invalid incident ID",
        ),
        (2, &["frobnicate"], "unrecognized subcommand"),
        (1, &["--ref", "bad..name", "list"], "invalid ref name"),
    ];
    for (code, args, message) in cases {
        let stderr = repo.fails(*code, args);
        assert!(
            stderr.contains(message),
            "{args:?}: expected {message:?} in {stderr}"
        );
        if *code == 1 {
            assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        }
        assert_eq!(repo.tip(), tip, "{args:?} changed the branch");
    }
    let outside = tempfile::tempdir().unwrap();
    let stderr = repo.fails(1, &["-C", outside.path().to_str().unwrap(), "list"]);
    assert!(stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn japanese_titles_round_trip_and_align() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "決済APIが500エラーを返す",
        "--severity",
        "SEV1",
        "--summary",
        "カード決済が失敗した。\n二行目。",
    ]);
    repo.ok(&[
        "new",
        "Search is slow 🐢",
        "--severity",
        "SEV3",
        "--service",
        "search",
    ]);
    repo.ok(&[
        "new",
        "ascii only",
        "--severity",
        "SEV4",
        "--commander",
        "山田",
    ]);
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["title"], "決済APIが500エラーを返す");
    assert_eq!(incident["summary"], "カード決済が失敗した。\n二行目。");
    assert!(
        repo.file(&incident_path(1))
            .contains("title = \"決済APIが500エラーを返す\""),
        "stored as readable UTF-8"
    );
    let list = repo.ok(&["list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 4, "{list}");
    // Every column starts at the same display column on every row.
    let starts = |line: &str| -> Vec<usize> {
        let mut columns = Vec::new();
        let mut width = 0;
        let mut previous_space = 0;
        for c in line.chars() {
            if c == ' ' {
                previous_space += 1;
            } else {
                if previous_space >= 2 || (width == 0 && columns.is_empty()) {
                    columns.push(width);
                }
                previous_space = 0;
            }
            width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        }
        columns
    };
    let header = starts(lines[0]);
    let title_column = *header.last().unwrap();
    for line in &lines[1..] {
        let title = ["決済", "Search", "ascii"]
            .iter()
            .find_map(|t| line.find(t))
            .unwrap();
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(&line[..title]),
            title_column,
            "{list}"
        );
    }
}

#[test]
fn edit_commits_a_valid_result_and_keeps_a_refused_one() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Login fails", "--severity", "SEV2"]);
    let good = repo.script(
        "good-editor",
        "sed -i '1,/^title = /s/^title = .*/title = \"Login fails for SSO users\"/' \"$1\"",
    );
    let output = repo.edit(&["INC-1"], &good);
    assert_success(&output);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "incidents"]).trim(),
        "INC-1: edit incident.toml (title)"
    );
    assert_eq!(
        repo.json(&["show", "INC-1"])["title"],
        "Login fails for SSO users"
    );

    let tip = repo.tip();
    let broken = repo.script(
        "broken-editor",
        "sed -i 's/^severity = .*/severity = SEV2 oops/' \"$1\"",
    );
    let output = repo.edit(&["INC-1"], &broken);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = repo
        .file(&incident_path(1))
        .lines()
        .position(|l| l.starts_with("severity"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("{}:{line}: error", incident_path(1))),
        "{stderr}"
    );
    assert!(stderr.contains("kept in"), "{stderr}");
    assert_eq!(repo.tip(), tip, "nothing committed");
    // The next edit starts from the kept text, so the typing is not lost.
    let fix = repo.script(
        "fix-editor",
        "grep -q 'SEV2 oops' \"$1\" && sed -i 's/^severity = .*/severity = \"SEV1\"/' \"$1\"",
    );
    let output = repo.edit(&["INC-1"], &fix);
    assert_success(&output);
    assert_eq!(repo.json(&["show", "INC-1"])["severity"], "SEV1");
    // An editor that changes nothing commits nothing.
    let tip = repo.tip();
    repo.edit(&["INC-1"], "true");
    assert_eq!(repo.tip(), tip);
}

#[test]
fn list_filters_and_json_newest_first() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Old",
        "--severity",
        "SEV3",
        "--service",
        "api",
        "--detected",
        "2026-11-01 09:00",
    ]);
    repo.ok(&[
        "new",
        "Newer",
        "--severity",
        "SEV1",
        "--detected",
        "2026-11-20 09:00",
    ]);
    repo.ok(&[
        "new",
        "Middle",
        "--severity",
        "SEV3",
        "--service",
        "api",
        "--detected",
        "2026-11-10 09:00",
    ]);
    repo.ok(&["status", "INC-3", "resolved"]);
    let ids = |args: &[&str]| -> Vec<String> {
        repo.json(args)
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["list"]), ["INC-2", "INC-3", "INC-1"]);
    assert_eq!(ids(&["list", "--status", "open"]), ["INC-2", "INC-1"]);
    assert_eq!(ids(&["list", "--status", "resolved"]), ["INC-3"]);
    assert_eq!(ids(&["list", "--severity", "sev3"]), ["INC-3", "INC-1"]);
    assert_eq!(
        ids(&["list", "--service", "api", "--since", "2026-11-05"]),
        ["INC-3"]
    );
    assert_eq!(ids(&["list", "--until", "2026-11-05"]), ["INC-1"]);
    assert!(
        repo.fails(2, &["list", "--status", "sleeping"])
            .contains("[possible values: open, investigating")
    );
}

#[test]
fn wall_clock_times_are_read_in_the_typists_zone() {
    let repo = TestRepo::new();
    repo.ok(&["init", "--timezone", "America/New_York"]);
    let output = repo
        .cmd(&[
            "new",
            "x",
            "--severity",
            "SEV3",
            "--started",
            "2026-11-22 09:00",
            "--detected",
            "2026-11-22T15:00:00Z",
        ])
        .env("TZ", "America/New_York")
        .output()
        .expect("binary runs");
    crate::common::assert_success(&output);
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["times"]["started"], "2026-11-22T09:00:00-05:00");
    assert_eq!(incident["times"]["detected"], "2026-11-22T15:00:00+00:00");
    assert!(
        repo.fails(1, &["init", "--timezone", "Mars/Olympus"])
            .contains("unknown timezone")
    );
}

#[test]
fn markdown_and_reopening() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Pipes | in title",
        "--severity",
        "SEV2",
        "--started",
        "2026-11-23 09:40",
    ]);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Paged the DB team",
        "--kind",
        "communication",
        "--at",
        "09:55",
        "--link",
        "https://chat.example/t/1",
    ]);
    repo.tick(600);
    repo.ok(&["status", "INC-1", "resolved"]);
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(
        incident["times"]["mitigated"], incident["times"]["resolved"],
        "resolving also mitigates"
    );
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    assert!(md.starts_with("# INC-1: Pipes | in title\n"), "{md}");
    assert!(md.contains("| Time to resolve"), "{md}");
    assert!(md.contains("30m 00s (started → resolved)"), "{md}");
    assert!(md.contains("## Timeline"));
    assert!(md.contains("[1](https://chat.example/t/1)"));
    repo.ok(&["status", "INC-1", "investigating", "--note", "It came back"]);
    let incident = repo.json(&["show", "INC-1"]);
    assert!(
        incident["times"]["resolved"].is_null() && incident["times"]["mitigated"].is_null(),
        "reopening clears later times"
    );
    assert!(
        incident["timeline"].as_array().unwrap().last().unwrap()["text"]
            .as_str()
            .unwrap()
            .ends_with("It came back")
    );
}

#[test]
fn ref_and_directory_flags() {
    let repo = TestRepo::new();
    repo.ok(&["--ref", "ops/incidents", "init", "--prefix", "OPS"]);
    assert_eq!(
        repo.ok(&["--ref", "ops/incidents", "new", "x", "--severity", "SEV3"])
            .trim(),
        "OPS-1"
    );
    repo.git(&["config", "incident.ref", "ops/incidents"]);
    assert_eq!(repo.json(&["show", "1"])["id"], "OPS-1");
    let elsewhere = tempfile::tempdir().unwrap();
    let output = repo
        .cmd(&["-C", repo.path().to_str().unwrap(), "--json", "list"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        repo.git(&["branch", "--list", "incidents"]).is_empty(),
        "the default branch was not created"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "x", "--severity", "SEV1"]);
    assert!(
        !repo.ok(&["list"]).contains('\x1b'),
        "no colour into a pipe"
    );
    assert!(repo.ok(&["list", "--color", "always"]).contains('\x1b'));
    let forced = repo
        .cmd(&["list"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let no_color = repo
        .cmd(&["list"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&no_color.stdout).contains('\x1b'),
        "NO_COLOR wins"
    );
    // The repository's own color.ui counts, as it does for git.
    repo.git(&["config", "color.ui", "always"]);
    assert!(repo.ok(&["list"]).contains('\x1b'), "color.ui = always");
    assert!(!repo.ok(&["list", "--color", "never"]).contains('\x1b'));
}

#[test]
fn man_pages_and_completions() {
    let repo = TestRepo::new();
    let page = repo.ok(&["man"]);
    assert!(
        page.contains(".TH git-incident 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    let dir = repo.home.path().join("share/man/man1");
    repo.ok(&["man", "--install", "--dir", dir.to_str().unwrap()]);
    for name in [
        "git-incident.1",
        "git-incident-new.1",
        "git-incident-status.1",
    ] {
        assert!(dir.join(name).exists(), "{name}");
    }
    let bash = repo.ok(&["completions", "bash"]);
    assert!(
        bash.contains("_git_incident()") && bash.contains("_git__incident()"),
        "bash shim for git's completion"
    );
    // zsh's git completion calls `_git-incident` for `git incident`.
    let zsh = repo.ok(&["completions", "zsh"]);
    assert!(zsh.contains("#compdef git-incident") && zsh.contains("_git-incident()"));
    assert!(
        repo.ok(&["completions", "fish"])
            .contains("complete -c git-incident")
    );
    repo.fails(2, &["completions", "tcsh"]);
}

/// git's bash completion calls `_git_incident` with the words of `git incident …`.
#[test]
fn bash_completion_through_gits_shim() {
    let repo = TestRepo::new();
    let script = repo.home.path().join("completion.bash");
    std::fs::write(&script, repo.ok(&["completions", "bash"])).unwrap();
    let complete = |words: &str| -> String {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _git_incident; echo \"${{COMPREPLY[*]}}\"",
            script.display()
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        assert_success(&output);
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete("git incident sta"), "status");
    assert_eq!(complete("git incident action a"), "add");
    assert_eq!(complete("git incident status INC-1 mit"), "mitigated");
    assert!(complete("git incident postmortem ''").contains("new show set status"));
}

/// On a terminal, long output goes through git's pager; into a pipe, never.
#[test]
fn pager_only_on_a_terminal() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Paged", "--severity", "SEV3"]);
    let marker = repo.home.path().join("paged");
    let pager = format!("cat > {}", marker.display());
    let binary = assert_cmd::cargo::cargo_bin("git-incident");
    // `script` runs the command on a pseudo-terminal, as a person would.
    let output = std::process::Command::new("script")
        .args(["-qec", &format!("{} list", binary.display()), "/dev/null"])
        .current_dir(repo.path())
        .env("HOME", repo.home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PAGER", &pager)
        .env_remove("GIT_PAGER_IN_USE")
        .env("TERM", "xterm")
        .output()
        .expect("script runs");
    assert_success(&output);
    let paged = std::fs::read_to_string(&marker).expect("the pager ran");
    assert!(paged.contains("Paged"), "{paged}");
    std::fs::remove_file(&marker).unwrap();
    let piped = repo
        .cmd(&["list"])
        .env("GIT_PAGER", &pager)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&piped.stdout).contains("Paged"));
    assert!(!marker.exists(), "no pager into a pipe");
}

/// A kept draft is resumed on top of what others committed meanwhile, never over it.
#[test]
fn resuming_a_kept_edit_does_not_overwrite_newer_changes() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Login fails", "--severity", "SEV2"]);
    let broken = repo.script(
        "broken",
        "sed -i 's/^title = .*/title = \"SSO login fails\"\\nbad line/' \"$1\"",
    );
    let refused = repo.edit(&["INC-1"], &broken);
    assert_eq!(refused.status.code(), Some(1));
    // A teammate changes another field meanwhile.
    repo.ok(&["set", "INC-1", "summary=Found by the on-call"]);
    let fix = repo.script("fix", "sed -i '/^bad line$/d' \"$1\"");
    let output = repo.edit(&["INC-1"], &fix);
    assert_success(&output);
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["title"], "SSO login fails", "the kept edit landed");
    assert_eq!(
        incident["summary"], "Found by the on-call",
        "the teammate's change survived"
    );

    // When both changed the same field, the resumed edit is refused and nothing is written.
    let clashing = repo.script(
        "clashing",
        "sed -i 's/^title = .*/title = \"Login broken\"\\nbad line/' \"$1\"",
    );
    let refused = repo.edit(&["INC-1"], &clashing);
    assert_eq!(refused.status.code(), Some(1));
    repo.ok(&["set", "INC-1", "title=Login fails for everyone"]);
    let tip = repo.tip();
    let output = repo.edit(&["INC-1"], &fix);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("both changed title") && stderr.contains("kept in"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
    assert_eq!(
        repo.json(&["show", "INC-1"])["title"],
        "Login fails for everyone"
    );
}

#[test]
fn duplicates_are_reported_on_every_file_involved_even_with_base() {
    let repo = TestRepo::initialized();
    for n in 1..=9 {
        repo.ok(&["new", &format!("Incident {n}"), "--severity", "SEV3"]);
    }
    repo.git(&["branch", "pr", "incidents"]);
    // The pull request copies INC-9 into INC-10, uid and all, and adds a second INC-1 in 2025.
    let wt = repo.home.path().join("pr-wt");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "pr"]);
    let copy = std::fs::read_to_string(wt.join(incident_path(9))).unwrap();
    std::fs::create_dir_all(wt.join("incidents/2026/INC-10")).unwrap();
    std::fs::write(
        wt.join(incident_path(10)),
        copy.replace("id = \"INC-9\"", "id = \"INC-10\""),
    )
    .unwrap();
    let first = std::fs::read_to_string(wt.join(incident_path(1))).unwrap();
    std::fs::create_dir_all(wt.join("incidents/2025/INC-1")).unwrap();
    let other_uid = first
        .lines()
        .map(|l| {
            if l.starts_with("uid") {
                "uid = \"another\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(wt.join("incidents/2025/INC-1/incident.toml"), other_uid).unwrap();
    repo.git(&["-C", wt.to_str().unwrap(), "add", "-A"]);
    repo.git(&["-C", wt.to_str().unwrap(), "commit", "-qm", "copy"]);

    let all = repo.run(&["check", "pr"]);
    assert_eq!(all.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&all.stdout);
    for expected in [
        format!("{}:", incident_path(10)),
        format!("{}:", incident_path(9)),
        "incidents/2025/INC-1/incident.toml:".to_string(),
        format!("{}:", incident_path(1)),
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&expected) && l.contains("duplicate")),
            "{expected} in\n{stdout}"
        );
    }
    assert!(stdout.contains("duplicate uid"), "{stdout}");
    assert!(stdout.contains("duplicate incident ID INC-1"), "{stdout}");
    // Judging only what the PR changed still catches both duplicates it introduced.
    let based = repo.run(&["check", "pr", "--base", "incidents"]);
    assert_eq!(based.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&based.stdout);
    assert!(
        stdout.contains(&format!("{}:", incident_path(10))) && stdout.contains("duplicate uid"),
        "{stdout}"
    );
    assert!(
        stdout.contains("incidents/2025/INC-1/incident.toml:")
            && stdout.contains("duplicate incident ID INC-1"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&format!("{}:", incident_path(9))),
        "unchanged files are not judged: {stdout}"
    );
}

#[test]
fn allow_lists_check_names_being_added_and_lists_can_be_cleared() {
    let repo = TestRepo::initialized();
    hand_commit(&repo, "Allow-list services", |wt| {
        let path = wt.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "# services = [\"checkout\", \"payments\"]",
            "services = [\"checkout\", \"payments\"]",
        );
        std::fs::write(&path, text).unwrap();
    });
    repo.ok(&["new", "x", "--severity", "SEV3", "--service", "checkout"]);
    let stderr = repo.fails(1, &["set", "INC-1", "services+=search"]);
    assert!(
        stderr.contains("unknown service \"search\": config.toml allows checkout, payments"),
        "{stderr}"
    );
    assert!(
        repo.fails(
            1,
            &["new", "y", "--severity", "SEV3", "--service", "search"]
        )
        .contains("unknown service")
    );
    repo.ok(&["set", "INC-1", "services=", "severity= sev1 "]);
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["services"], serde_json::json!([]));
    assert_eq!(incident["severity"], "SEV1");
}

#[test]
fn check_reports_every_time_out_of_order() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "x",
        "--severity",
        "SEV3",
        "--detected",
        "2026-11-20 10:00",
    ]);
    hand_commit(&repo, "Bad times", |wt| {
        let path = wt.join(incident_path(1));
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "[times]",
            "[times]\nstarted = 2026-12-01T00:00:00+09:00\nresolved = 2026-01-01T00:00:00+09:00",
        );
        std::fs::write(&path, text).unwrap();
    });
    let output = repo.run(&["check"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("detected (2026-11-20T10:00:00+09:00) is before started"),
        "{stdout}"
    );
    assert!(
        stdout.contains("resolved (2026-01-01T00:00:00+09:00) is before started"),
        "{stdout}"
    );
    assert!(
        stdout.contains("resolved (2026-01-01T00:00:00+09:00) is before detected"),
        "{stdout}"
    );
}

#[test]
fn evidence_links_must_be_urls_and_json_timelines_are_in_time_order() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "x",
        "--severity",
        "SEV1",
        "--detected",
        "2026-11-23 09:00",
    ]);
    let tip = repo.tip();
    for link in ["", "  ", "not a url"] {
        let stderr = repo.fails(1, &["timeline", "INC-1", "add", "x", "--link", link]);
        assert!(stderr.contains("invalid evidence link"), "{stderr}");
    }
    assert_eq!(repo.tip(), tip);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Late entry",
        "--at",
        "2026-11-23 09:30",
    ]);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Early entry",
        "--at",
        "2026-11-23 09:05",
    ]);
    let texts = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        texts(&repo.json(&["timeline", "INC-1"])),
        ["Early entry", "Late entry"]
    );
    assert_eq!(
        texts(&repo.json(&["show", "INC-1"])["timeline"]),
        ["Early entry", "Late entry"]
    );
}

#[test]
fn config_problems_point_at_their_line() {
    let repo = TestRepo::initialized();
    hand_commit(&repo, "Bad ack target", |wt| {
        let path = wt.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap().replacen(
            "ack_target = \"15m\"",
            "ack_target = \"soon\"",
            1,
        );
        std::fs::write(&path, text).unwrap();
    });
    let line = repo
        .file("config.toml")
        .lines()
        .position(|l| l.contains("\"soon\""))
        .unwrap()
        + 1;
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "config.toml:{line}: error: severity SEV2: ack_target \"soon\""
        )),
        "{stdout}"
    );
    let stderr = repo.fails(1, &["list"]);
    assert!(
        stderr.starts_with(&format!("error: config.toml:{line}: severity SEV2")),
        "{stderr}"
    );
}

#[test]
fn show_fills_times_the_file_leaves_out_from_history() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Queue stuck",
        "--severity",
        "SEV3",
        "--started",
        "2026-11-23 09:40",
    ]);
    repo.tick(20 * 60);
    repo.ok(&["status", "INC-1", "resolved"]);
    repo.tick(60);
    // Someone tidies the file by hand and drops the times; history still knows them.
    hand_commit(&repo, "Tidy", |wt| {
        let path = wt.join(incident_path(1));
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("resolved =") && !l.starts_with("mitigated ="))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, text).unwrap();
    });
    let shown = repo.ok(&["show", "INC-1"]);
    assert!(
        shown.contains("resolved      2026-11-23 10:20:00 +09:00  (from history)"),
        "{shown}"
    );
    assert!(shown.contains("time to resolve       40m 00s"), "{shown}");
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    assert!(
        md.contains("2026-11-23 10:20:00 +09:00  (from history)"),
        "{md}"
    );
    assert!(
        repo.json(&["show", "INC-1"])["times"]["resolved"].is_null(),
        "JSON is the file as stored"
    );
}

#[test]
fn an_error_already_in_the_file_does_not_block_unrelated_writes() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Old severity", "--severity", "SEV4"]);
    // The team drops SEV4 from config.toml: the incident now has an error check reports.
    hand_commit(&repo, "Drop SEV4", |wt| {
        let path = wt.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let cut = text.rfind("[[severity]]").unwrap();
        std::fs::write(&path, &text[..cut]).unwrap();
    });
    assert!(
        String::from_utf8_lossy(&repo.run(&["check"]).stdout).contains("unknown severity \"SEV4\"")
    );
    // Responding to it still works…
    repo.ok(&["status", "INC-1", "mitigated"]);
    repo.ok(&["timeline", "INC-1", "add", "Still on it"]);
    // …but a write that adds an error is refused, naming only the new one.
    let tip = repo.tip();
    // After detection (10:00), within the minutes of clock difference allowed.
    let stderr = repo.fails(1, &["set", "INC-1", "times.started=2026-11-23 10:04"]);
    assert!(
        stderr.contains("times out of order") && !stderr.contains("SEV4"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
    repo.ok(&["set", "INC-1", "severity=SEV3"]);
    repo.ok(&["check"]);
}
