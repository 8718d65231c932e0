//! `metrics`: the contract's definitions on small histories worked out by hand, and the
//! history cache giving the same answers as a cold walk whatever happens to the branch.

use serde_json::{Value, json};

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, in_worktree, replace};

const AS_OF: &str = "2026-11-24T00:00:00+09:00";

/// The clock starts at 2026-11-23 10:00 +09:00.
///
/// - INC-1 (SEV2): started 09:50 (in the file), opened 10:00; at 10:05 someone edits the
///   file by hand to `status = "resolved"` and `commander = "ana"`, writing no times.
///   History gives acknowledged = mitigated = resolved = 10:05.
///   detect 600 s, acknowledge 300 s, mitigate 900 s, resolve 900 s.
/// - INC-2 (SEV3): opened 10:10 (no start: started = detected), `ack` at 10:12, `status
///   mitigated` at 10:20 (both times in the file), resolved by hand at 10:30.
///   no time to detect; acknowledge 120 s, mitigate 600 s, resolve 1200 s (from detected).
/// - INC-3: a drill, resolved at once: out of every figure.
/// - INC-4 (SEV1): canceled: counted only under incidents.canceled.
fn history_with_hand_edits() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Checkout down",
        "-s",
        "SEV2",
        "--started",
        "2026-11-23 09:50",
    ]);
    repo.tick(300);
    hand_commit(&repo, "Resolve INC-1 by hand", |dir| {
        replace(
            dir,
            &incident_path(1),
            "status = \"investigating\"",
            "status = \"resolved\"\ncommander = \"ana\"",
        );
    });
    repo.tick(300);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    repo.tick(120);
    repo.ok(&["ack", "INC-2"]);
    repo.tick(480);
    repo.ok(&["status", "INC-2", "mitigated"]);
    repo.tick(600);
    hand_commit(&repo, "INC-2 is resolved", |dir| {
        replace(
            dir,
            &incident_path(2),
            "status = \"mitigated\"",
            "status = \"resolved\"",
        );
    });
    repo.tick(60);
    repo.ok(&["new", "Game day", "-s", "SEV1", "--drill"]);
    repo.ok(&["status", "INC-3", "resolved"]);
    repo.ok(&["new", "False alarm", "-s", "SEV1"]);
    repo.ok(&["status", "INC-4", "canceled"]);
    repo
}

fn figure(count: u64, median: i64, p90: i64, mean: i64) -> Value {
    json!({"count": count, "median": median, "p90": p90, "mean": mean})
}

#[test]
fn figures_follow_the_contract_definitions_with_times_from_history() {
    let repo = history_with_hand_edits();
    // The hand edits wrote no times: the resolve times exist only in history.
    assert!(!repo.file(&incident_path(1)).contains("resolved ="));
    let m = repo.json(&["metrics", "--as-of", AS_OF]);
    assert_eq!(
        m["incidents"],
        json!({"total": 2, "canceled": 1, "by_severity": {"SEV2": 1, "SEV3": 1}})
    );
    // detect [600]: INC-2 recorded no start, so it has no time to detect.
    assert_eq!(m["time_to_detect"], figure(1, 600, 600, 600));
    // acknowledge [120, 300]: mean 210.
    assert_eq!(m["time_to_acknowledge"], figure(2, 120, 300, 210));
    // mitigate [600, 900]: mean 750.
    assert_eq!(m["time_to_mitigate"], figure(2, 600, 900, 750));
    // resolve [900, 1200]: mean 1050.
    assert_eq!(m["time_to_resolve"], figure(2, 900, 1200, 1050));
    // SEV2 requires a postmortem (due 7 days after resolution: not yet overdue).
    assert_eq!(m["postmortems"]["required"], 1);
    assert_eq!(m["postmortems"]["overdue"], 0);
    assert_eq!(
        m["postmortems"]["lead_time"],
        json!({"count": 0, "median": null, "p90": null, "mean": null})
    );
    assert_eq!(m["actions"]["total"], 0);
    assert_eq!(m["window"]["since"], "2026-08-26T00:00:00+09:00");

    // Eight days later the SEV2 postmortem (resolved 10:05 on the 23rd) is overdue.
    let later = repo.json(&["metrics", "--as-of", "2026-12-01T10:06:00+09:00"]);
    assert_eq!(later["postmortems"]["overdue"], 1);
}

#[test]
fn windows_and_groups() {
    let repo = history_with_hand_edits();
    // Only INC-2 and the canceled INC-4 were detected from 10:05 on.
    let m = repo.json(&["metrics", "--as-of", AS_OF, "--since", "2026-11-23 10:05"]);
    assert_eq!(m["incidents"]["total"], 1);
    assert_eq!(m["incidents"]["canceled"], 1);
    assert_eq!(m["time_to_resolve"], figure(1, 1200, 1200, 1200));
    // --until is exclusive: INC-1 alone.
    let m = repo.json(&["metrics", "--as-of", AS_OF, "--until", "2026-11-23 10:10"]);
    assert_eq!(m["incidents"]["total"], 1);
    assert_eq!(m["time_to_resolve"], figure(1, 900, 900, 900));
    // A window long past: nothing, durations null.
    let m = repo.json(&["metrics", "--as-of", "2026-01-01"]);
    assert_eq!(m["incidents"]["total"], 0);
    assert_eq!(m["time_to_detect"]["median"], Value::Null);

    let g = repo.json(&["metrics", "--as-of", AS_OF, "--by", "severity"]);
    let groups = g["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    // Config order; SEV1 holds only the canceled incident.
    assert_eq!(keys, ["SEV1", "SEV2", "SEV3"]);
    assert_eq!(groups[0]["incidents"]["canceled"], 1);
    assert_eq!(groups[1]["time_to_resolve"], figure(1, 900, 900, 900));
    assert_eq!(groups[2]["time_to_acknowledge"], figure(1, 120, 120, 120));
    let by_month = repo.json(&["metrics", "--as-of", AS_OF, "--by", "month"]);
    assert_eq!(by_month["groups"][0]["key"], "2026-11");
    assert_eq!(by_month["groups"][0]["incidents"]["total"], 2);
}

#[test]
fn human_csv_and_markdown_views() {
    let repo = history_with_hand_edits();
    let text = repo.ok(&["metrics", "--as-of", AS_OF]);
    let resolve = text
        .lines()
        .find(|l| l.contains("time to resolve"))
        .unwrap();
    // Count, median, p90, mean, then the formula.
    assert!(
        resolve.contains("2")
            && resolve.contains("15m 00s")
            && resolve.contains("20m 00s")
            && resolve.contains("17m 30s"),
        "{text}"
    );
    assert!(resolve.ends_with("started -> resolved"), "{text}");
    assert!(text.contains("too few for a median to mean much"), "{text}");
    assert!(text.contains("2026-11     2  ███"), "{text}");
    let csv = repo.ok(&[
        "metrics", "--as-of", AS_OF, "--format", "csv", "--by", "service",
    ]);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("group,incidents,canceled,time_to_detect_count,time_to_detect_median")
    );
    // Neither incident names a service: one "(none)" group.
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("(none),2,1,1,600,600,600,"),
        "{csv}"
    );
    let md = repo.ok(&["metrics", "--as-of", AS_OF, "--format", "md"]);
    let row: Vec<&str> = md
        .lines()
        .find(|l| l.starts_with("| time to resolve"))
        .unwrap()
        .split('|')
        .map(str::trim)
        .collect();
    assert_eq!(
        row,
        [
            "",
            "time to resolve",
            "started -> resolved",
            "2",
            "15m 00s",
            "20m 00s",
            "17m 30s",
            ""
        ]
    );
}

/// Deletes the cache, so the next run walks the whole branch.
fn cold(repo: &TestRepo, args: &[&str]) -> Value {
    let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
    repo.json(args)
}

#[test]
fn the_cache_never_serves_stale_figures() {
    let repo = history_with_hand_edits();
    let args = ["metrics", "--as-of", AS_OF];
    let first = repo.json(&args);
    assert!(
        repo.path()
            .join(".git/incident")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );
    assert_eq!(repo.json(&args), first, "a warm run agrees with the first");

    // New commits (the tool's and a hand edit) after the cached tip.
    repo.tick(600);
    repo.ok(&[
        "new",
        "Payments 502",
        "-s",
        "SEV2",
        "--started",
        "2026-11-23 10:40",
    ]);
    repo.tick(600);
    hand_commit(&repo, "INC-5 mitigated", |dir| {
        replace(
            dir,
            &incident_path(5),
            "status = \"investigating\"",
            "status = \"mitigated\"",
        );
    });
    let updated = repo.json(&args);
    assert_eq!(updated["incidents"]["total"], 3);
    // INC-5: started 10:40, detected 10:41, mitigated by hand at 10:51: 660 s.
    assert_eq!(updated["time_to_mitigate"], figure(3, 660, 900, 720));
    assert_eq!(updated, cold(&repo, &args));

    // A rewritten branch (force-push): INC-1's hand resolution redone an hour later.
    // The old tip is no longer an ancestor, so the earlier time must not survive.
    let before_edit = repo
        .git(&[
            "log",
            "-1",
            "--format=%H",
            "--grep=^INC-1: open",
            "incidents",
        ])
        .trim()
        .to_string();
    repo.json(&args); // cache now describes the old tip
    repo.git(&["update-ref", "refs/heads/incidents", &before_edit]);
    repo.tick(3600);
    hand_commit(&repo, "Resolve INC-1 by hand, later", |dir| {
        replace(
            dir,
            &incident_path(1),
            "status = \"investigating\"",
            "status = \"resolved\"",
        );
    });
    let rewritten = repo.json(&args);
    assert_eq!(rewritten["incidents"]["total"], 1);
    // started 09:50, resolved now (11:51): 2 h 1 min = 7260 s.
    assert_eq!(rewritten["time_to_resolve"], figure(1, 7260, 7260, 7260));
    assert_eq!(rewritten, cold(&repo, &args));

    // A corrupt cache is rebuilt, not trusted.
    for entry in std::fs::read_dir(repo.path().join(".git/incident")).unwrap() {
        std::fs::write(entry.unwrap().path(), "{not json").unwrap();
    }
    assert_eq!(repo.json(&args), rewritten);
}

#[test]
fn bad_input_is_refused() {
    let repo = history_with_hand_edits();
    let err = repo.fails(1, &["metrics", "--since", "someday"]);
    assert!(err.starts_with("error: invalid time"), "{err}");
    let err = repo.fails(
        1,
        &["metrics", "--since", "2026-12-01", "--until", "2026-11-01"],
    );
    assert!(err.contains("the window is empty"), "{err}");
    repo.fails(2, &["metrics", "--by", "colour"]);
}

#[test]
fn list_json_cache_follows_the_branch() {
    let repo = history_with_hand_edits();
    let first = repo.json(&["list"]);
    assert_eq!(first.as_array().unwrap().len(), 4);
    // Newest first; the fast path prints what the incidents themselves serialize to.
    assert_eq!(first[0]["id"], "INC-4");
    assert_eq!(repo.json(&["list"]), first);
    hand_commit(&repo, "Retitle INC-2", |dir| {
        replace(dir, &incident_path(2), "Search slow", "Search very slow");
    });
    let after = repo.json(&["list", "--severity", "sev3"]);
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_eq!(after[0]["title"], "Search very slow");
    // A file broken by hand is named (with its line) whether the cache is warm or cold.
    hand_commit(&repo, "Break INC-1", |dir| {
        replace(dir, &incident_path(1), "title = ", "title = = ");
    });
    for _ in 0..2 {
        let output = repo.run(&["--json", "list"]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("{}:", incident_path(1))),
            "{stderr}"
        );
        let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 3);
    }
    let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
    let cold: Value = serde_json::from_slice(&repo.run(&["--json", "list"]).stdout).unwrap();
    assert_eq!(cold.as_array().unwrap().len(), 3);
}

/// Merges are walked too, and the earliest commit wins: INC-1 (opened 10:00) is resolved
/// by hand at 10:01 on a side branch that is merged at 10:20, after INC-2 was opened on
/// the main line at 10:11. Resolved is 10:01 (the side commit), not the merge's 10:20.
#[test]
fn a_state_reached_on_a_merged_branch_counts_from_its_own_commit() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    repo.git(&["branch", "side", "incidents"]);
    repo.tick(60);
    in_worktree(&repo, "side", |dir| {
        replace(
            dir,
            &incident_path(1),
            "status = \"investigating\"",
            "status = \"resolved\"",
        );
        let dir = dir.to_str().unwrap();
        repo.git(&[
            "-C",
            dir,
            "commit",
            "-q",
            "-am",
            "Resolve INC-1 on a side branch",
        ]);
    });
    repo.tick(600);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    repo.tick(540);
    in_worktree(&repo, "incidents", |dir| {
        let dir = dir.to_str().unwrap();
        repo.git(&["-C", dir, "merge", "-q", "--no-edit", "side"]);
    });
    assert_eq!(
        repo.git(&["log", "-1", "--format=%p", "incidents"])
            .split(' ')
            .count(),
        2
    );
    let m = repo.json(&["metrics", "--as-of", AS_OF]);
    assert_eq!(m["time_to_resolve"], figure(1, 60, 60, 60));
    // The merge itself introduced no new version: the log does not list it.
    let log = repo.json(&["log", "INC-1"]);
    assert_eq!(log[0]["subject"], "Resolve INC-1 on a side branch");
}

/// Postmortem and action times from history: INC-1 resolved at 10:00; at 11:00 a
/// postmortem is committed by hand with one open action item; at 13:00 a hand edit
/// publishes it and marks the item done, writing neither `published_at` nor `done_at`.
/// Lead time 10:00 -> 13:00 = 10800 s; time to done 11:00 -> 13:00 = 7200 s.
#[test]
fn postmortem_and_action_times_come_from_history_when_the_file_has_none() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    repo.ok(&["status", "INC-1", "resolved"]);
    let pm = incident_path(1).replace("incident.toml", "postmortem.toml");
    let text = |status: &str, action: &str| {
        format!(
            "schema_version = 1\nincident = \"INC-1\"\nstatus = \"{status}\"\nowner = \"ana\"\n\n\
             [[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert on saturation\"\nkind = \"detect\"\n\
             status = \"{action}\"\n"
        )
    };
    repo.tick(3600);
    hand_commit(&repo, "Postmortem draft", |dir| {
        std::fs::write(dir.join(&pm), text("draft", "open")).unwrap();
    });
    repo.tick(7200);
    hand_commit(&repo, "Publish the postmortem", |dir| {
        std::fs::write(dir.join(&pm), text("published", "done")).unwrap();
    });
    let m = repo.json(&["metrics", "--as-of", AS_OF]);
    assert_eq!(m["postmortems"]["published"], 1);
    assert_eq!(
        m["postmortems"]["lead_time"],
        figure(1, 10800, 10800, 10800)
    );
    assert_eq!(m["actions"]["done"], 1);
    assert_eq!(m["actions"]["time_to_done"], figure(1, 7200, 7200, 7200));
}
