//! Times as people type them: read in the typist's zone, said back when the team's zone
//! shows them differently, never in the future; and the durations computed from them.

use std::process::Output;

use crate::common::{TestRepo, assert_success, incident_path};

/// The clock starts at 2026-11-23 10:00 +09:00; the team's zone is Tokyo.
fn tokyo_team() -> TestRepo {
    let repo = TestRepo::new();
    repo.ok(&["init", "--timezone", "Asia/Tokyo"]);
    repo
}

fn run_in(repo: &TestRepo, tz: &str, args: &[&str]) -> Output {
    repo.cmd(args).env("TZ", tz).output().expect("binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn started(repo: &TestRepo, id: &str) -> serde_json::Value {
    repo.json(&["show", id])["times"]["started"].clone()
}

#[test]
fn typed_times_are_read_in_the_typists_zone_and_said_back() {
    let repo = tokyo_team();
    let new = run_in(
        &repo,
        "America/New_York",
        &["new", "x", "-s", "SEV3", "--started", "2026-11-22 16:00"],
    );
    assert_success(&new);
    // 16:00 in New York is 06:00 the next morning in Tokyo: stored in the team's zone.
    assert_eq!(started(&repo, "INC-1"), "2026-11-23T06:00:00+09:00");
    assert!(
        stderr(&new).contains("started 2026-11-22 16:00 America/New_York = 2026-11-23 06:00 JST"),
        "{}",
        stderr(&new)
    );
    // `git config incident.timezone` comes before TZ.
    repo.git(&["config", "incident.timezone", "Europe/London"]);
    let set = run_in(
        &repo,
        "America/New_York",
        &["set", "INC-1", "times.started=2026-11-22 16:00"],
    );
    assert_success(&set);
    assert_eq!(started(&repo, "INC-1"), "2026-11-23T01:00:00+09:00");
    assert!(stderr(&set).contains("started 2026-11-22 16:00 Europe/London = 2026-11-23 01:00 JST"));
    repo.git(&["config", "--unset", "incident.timezone"]);
    // Typist and team in the same zone: nothing to explain.
    let same = run_in(
        &repo,
        "Asia/Tokyo",
        &["new", "y", "-s", "SEV3", "--started", "2026-11-23 09:00"],
    );
    assert_success(&same);
    assert_eq!(started(&repo, "INC-2"), "2026-11-23T09:00:00+09:00");
    assert_eq!(stderr(&same), "");
    // Timeline entries and status changes read their --at the same way.
    let status = run_in(
        &repo,
        "UTC",
        &["status", "INC-2", "mitigated", "--at", "2026-11-23 00:30"],
    );
    assert_success(&status);
    assert_eq!(
        repo.json(&["show", "INC-2"])["times"]["mitigated"],
        "2026-11-23T09:30:00+09:00"
    );
    assert!(stderr(&status).contains("mitigated 2026-11-23 00:30 UTC = 2026-11-23 09:30 JST"));
}

#[test]
fn a_time_of_day_later_than_now_is_yesterday_and_says_so() {
    let repo = tokyo_team();
    let new = repo.run(&["new", "x", "-s", "SEV3", "--started", "23:50"]);
    assert_success(&new);
    assert_eq!(started(&repo, "INC-1"), "2026-11-22T23:50:00+09:00");
    assert!(
        stderr(&new).contains("started 2026-11-22 23:50 Asia/Tokyo (read as yesterday)"),
        "{}",
        stderr(&new)
    );
    // Earlier than now: today, with nothing to say.
    let today = repo.run(&["new", "y", "-s", "SEV3", "--started", "09:40"]);
    assert_success(&today);
    assert_eq!(started(&repo, "INC-2"), "2026-11-23T09:40:00+09:00");
    assert_eq!(stderr(&today), "");
}

#[test]
fn incident_times_in_the_future_are_refused_with_the_reading() {
    let repo = tokyo_team();
    let err = repo.fails(
        1,
        &["new", "x", "-s", "SEV3", "--started", "2026-11-23 23:50"],
    );
    assert!(
        err.starts_with("error: started 2026-11-23 23:50 (Asia/Tokyo) is in the future"),
        "{err}"
    );
    repo.ok(&["new", "x", "-s", "SEV3"]);
    for args in [
        &["status", "INC-1", "mitigated", "--at", "2026-11-23 10:30"][..],
        &["set", "INC-1", "times.resolved=2026-11-24"],
        &["ack", "INC-1", "--at", "2026-12-01T00:00:00Z"],
        &[
            "timeline",
            "INC-1",
            "add",
            "later",
            "--at",
            "2026-11-23 11:00",
        ],
    ] {
        let err = repo.fails(1, args);
        assert!(err.contains("is in the future"), "{args:?}: {err}");
    }
    // A few minutes of clock difference are fine.
    repo.ok(&["status", "INC-1", "mitigated", "--at", "2026-11-23 10:04"]);
}

#[test]
fn relative_times_and_due_dates() {
    let repo = tokyo_team();
    for (input, expected) in [
        ("10 min ago", "2026-11-23T09:50:00+09:00"),
        ("1 week ago", "2026-11-16T10:00:00+09:00"),
        ("yesterday", "2026-11-22T00:00:00+09:00"),
        ("yesterday 23:50", "2026-11-22T23:50:00+09:00"),
    ] {
        repo.ok(&["new", input, "-s", "SEV3", "--started", input]);
        let id = repo.json(&["list"])[0]["id"].as_str().unwrap().to_string();
        assert_eq!(started(&repo, &id), expected, "{input}");
    }
    repo.ok(&[
        "action", "add", "INC-1", "Fix", "--kind", "prevent", "--due", "+7d",
    ]);
    repo.ok(&["action", "set", "INC-1.A1", "due=+2w"]);
    let text = repo.file("incidents/2026/INC-1/postmortem.toml");
    assert!(text.contains("due = 2026-12-07"), "{text}");
    let err = repo.fails(
        1,
        &[
            "action", "add", "INC-1", "Fix", "--kind", "prevent", "--due", "+3h",
        ],
    );
    assert!(err.contains("invalid date"), "{err}");
    // Reads take the same forms (counted from the wall clock, not a commit).
    let window = &repo.json(&["metrics", "--since", "yesterday"])["window"];
    assert!(
        window["since"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00+09:00"),
        "{window}"
    );
    assert!(
        repo.file(&incident_path(1))
            .contains("started = 2026-11-23T09:50:00+09:00")
    );
}

#[test]
fn time_to_detect_counts_only_incidents_whose_start_was_recorded() {
    // The README's walkthrough…
    let repo = tokyo_team();
    repo.ok(&[
        "new",
        "Checkout API returns 500",
        "--severity",
        "SEV2",
        "--service",
        "checkout",
        "--started",
        "10m ago",
    ]);
    repo.tick(60);
    repo.ok(&["ack", "INC-1"]);
    repo.tick(240);
    repo.ok(&["status", "INC-1", "mitigated"]);
    repo.tick(300);
    repo.ok(&["status", "INC-1", "resolved", "--note", "Refunds issued"]);
    // …and an incident opened with no idea when impact began.
    repo.tick(60);
    repo.ok(&["new", "Search slow", "--severity", "SEV3"]);
    repo.tick(1200);
    repo.ok(&["status", "INC-2", "resolved"]);

    let m = repo.json(&["metrics", "--as-of", "2026-11-24"]);
    assert_eq!(
        m["time_to_detect"],
        serde_json::json!({"count": 1, "median": 600, "p90": 600, "mean": 600})
    );
    // Mitigation and resolution of INC-2 count from its detection.
    assert_eq!(m["time_to_resolve"]["count"], 2);
    assert_eq!(m["time_to_resolve"]["median"], 1200);
    assert_eq!(m["time_to_mitigate"]["count"], 2);

    let show = repo.ok(&["show", "INC-2"]);
    assert!(show.contains("started       unknown"), "{show}");
    assert!(!show.contains("time to detect"), "{show}");
    assert!(show.contains("(detected -> resolved)"), "{show}");
    let md = repo.ok(&["show", "INC-2", "--format", "md"]);
    assert!(md.contains("| Started "), "{md}");
    assert!(md.contains("unknown"), "{md}");
    assert!(!md.contains("Time to detect"), "{md}");
    let show = repo.ok(&["show", "INC-1"]);
    assert!(show.contains("10m 00s  (started -> detected)"), "{show}");
    // JSON prints the file as stored: no invented start.
    assert_eq!(
        repo.json(&["show", "INC-2"])["times"]["started"],
        serde_json::Value::Null
    );
}

/// Sets `status` in INC-1's file with a plain `git commit` in a worktree.
fn set_status_by_hand(repo: &TestRepo, status: &str) {
    let text: String = repo
        .file(&incident_path(1))
        .lines()
        .map(|line| {
            if line.starts_with("status = ") {
                format!("status = \"{status}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    crate::sync::commit_by_hand(repo, "incidents", &incident_path(1), &text);
}

#[test]
fn a_reopened_incident_is_mitigated_when_it_was_mitigated_for_good_by_cli_and_by_hand() {
    // Mitigated at 10:10, reopened at 10:20, resolved at 10:30: the first mitigation
    // failed, so the incident was mitigated at 10:30, however the changes were made.
    let steps = ["mitigated", "investigating", "resolved"];
    let by_cli = tokyo_team();
    let by_hand = tokyo_team();
    for repo in [&by_cli, &by_hand] {
        repo.ok(&["new", "x", "-s", "SEV3", "--started", "2026-11-23 09:50"]);
    }
    for status in steps {
        by_cli.tick(600);
        by_cli.ok(&["status", "INC-1", status]);
        by_hand.tick(600);
        set_status_by_hand(&by_hand, status);
    }
    assert!(!by_hand.file(&incident_path(1)).contains("mitigated ="));
    let cli_file = by_cli.file(&incident_path(1));
    assert!(
        cli_file.contains("mitigated = 2026-11-23T10:30:00+09:00"),
        "{cli_file}"
    );
    for repo in [&by_cli, &by_hand] {
        let m = repo.json(&["metrics", "--as-of", "2026-11-24"]);
        assert_eq!(m["time_to_mitigate"]["median"], 2400, "{m}");
        assert_eq!(m["time_to_resolve"]["median"], 2400, "{m}");
    }
    let shown = by_hand.ok(&["show", "INC-1"]);
    assert!(
        shown.contains("2026-11-23 10:30:00 +09:00  (from history)"),
        "{shown}"
    );
}
