//! `--as-of T --as-known`: every read as the branch stood at T, after later commits
//! corrected it; the read index keeps describing the tip.

use crate::common::TestRepo;

/// Before the correction: INC-1 resolved at 12:00 was on the branch from 12:00 to the
/// next day.
const THEN: &str = "2026-11-23T13:00:00+09:00";

/// The clock starts at 2026-11-23 10:00 +09:00 (the `init` commit).
///
/// - 11:00 INC-1 (SEV2) opened, started 10:30.
/// - 12:00 `status INC-1 resolved` (stamped 12:00): time to resolve 90 min.
/// - the next day 10:00: mitigated and resolved are corrected to 11:30 (60 min), INC-2 is
///   opened and INC-1 gets an action item.
fn corrected_history() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.tick(3600);
    repo.ok(&[
        "new",
        "Checkout down",
        "-s",
        "SEV2",
        "--started",
        "2026-11-23T10:30:00+09:00",
    ]);
    repo.tick(3600);
    repo.ok(&["status", "INC-1", "resolved"]);
    repo.tick(22 * 3600);
    repo.ok(&[
        "set",
        "INC-1",
        "times.mitigated=2026-11-23T11:30:00+09:00",
        "times.resolved=2026-11-23T11:30:00+09:00",
    ]);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on checkout errors",
        "--kind",
        "detect",
        "--due",
        "2026-11-30",
    ]);
    repo
}

fn cache(repo: &TestRepo, kind: &str) -> Option<Vec<u8>> {
    let path = repo
        .path()
        .join(".git/incident")
        .join(format!("{kind}-refs%2Fheads%2Fincidents.bin"));
    std::fs::read(path).ok()
}

#[test]
fn reads_show_what_the_branch_said_then_and_without_it_the_correction() {
    let repo = corrected_history();
    let past = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--as-of", THEN, "--as-known"]);
        repo.json(&all)
    };

    // Asked first, on a cold cache: the past is read without saving any index part.
    let then = past(&["show", "INC-1"]);
    assert_eq!(then["times"]["resolved"], "2026-11-23T12:00:00+09:00");
    let listed = past(&["list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let m = past(&["metrics"]);
    // started 10:30 -> resolved 12:00.
    assert_eq!(m["time_to_resolve"]["median"], 5400);
    assert_eq!(m["incidents"]["total"], 1);
    assert_eq!(past(&["action", "list"]), serde_json::json!([]));
    assert_eq!(
        past(&["report", "actions"])["actions"],
        serde_json::json!([])
    );
    for kind in ["index", "json", "history", "touched"] {
        assert!(cache(&repo, kind).is_none(), "{kind} saved for the past");
    }

    // Without --as-known: the branch as it is, correction included.
    let now = repo.json(&["show", "INC-1"]);
    assert_eq!(now["times"]["resolved"], "2026-11-23T11:30:00+09:00");
    assert_eq!(repo.json(&["list"]).as_array().map(Vec::len), Some(2));
    // The same --as-of moves only the window: 10:30 -> 11:30.
    let m = repo.json(&["metrics", "--as-of", THEN]);
    assert_eq!(m["time_to_resolve"]["median"], 3600);
    let actions = repo.json(&["action", "list", "--as-of", THEN]);
    assert_eq!(actions.as_array().map(Vec::len), Some(1));
    repo.ok(&["postmortem", "show", "INC-1"]);

    // The index now describes the tip, and a read of the past leaves it so.
    let tip = repo.tip();
    let saved: Vec<Vec<u8>> = ["index", "history"]
        .iter()
        .map(|kind| cache(&repo, kind).expect("saved by the reads of the tip"))
        .collect();
    let names_the_tip = |part: &[u8]| part.windows(tip.len()).any(|w| w == tip.as_bytes());
    assert!(saved.iter().all(|part| names_the_tip(part)));
    assert_eq!(past(&["metrics"])["time_to_resolve"]["median"], 5400);
    assert_eq!(
        past(&["list"]).as_array().map(Vec::len),
        Some(1),
        "the kept index gives the past no later incident"
    );
    for (kind, before) in ["index", "history"].iter().zip(saved) {
        assert_eq!(cache(&repo, kind), Some(before), "{kind} changed");
    }

    // The text views say the same.
    let text = repo.ok(&["show", "INC-1", "--as-of", THEN, "--as-known"]);
    assert!(text.contains("12:00"), "{text}");
    assert!(!text.contains("11:30"), "{text}");
}

#[test]
fn before_the_first_commit_there_is_nothing_to_read() {
    let repo = corrected_history();
    let stderr = repo.fails(1, &["list", "--as-of", "2026-11-01", "--as-known"]);
    assert!(
        stderr.contains("incidents has no commit at or before 2026-11-01")
            && stderr.contains("its first commit is at 2026-11-23T10:00:00+09:00"),
        "{stderr}"
    );
}

#[test]
fn as_known_needs_as_of_and_list_as_of_needs_as_known() {
    let repo = corrected_history();
    for args in [
        &["metrics", "--as-known"][..],
        &["list", "--as-known"],
        &["show", "INC-1", "--as-known"],
        &["report", "actions", "--as-known"],
        &["action", "list", "--as-known"],
        &["postmortem", "show", "INC-1", "--as-known"],
        &["list", "--as-of", THEN],
        &["show", "INC-1", "--as-of", THEN],
    ] {
        let stderr = repo.fails(2, args);
        assert!(stderr.contains("required"), "{args:?}: {stderr}");
    }
}

/// A review branch's commit is on the branch from its merge, not from when it was made:
/// only the first-parent line counts.
#[test]
fn a_merged_review_branch_counts_from_its_merge() {
    let repo = TestRepo::initialized();
    repo.tick(60);
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    repo.git(&["branch", "pm/INC-1", "incidents"]);
    repo.tick(60);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    // 10:03 on the review branch: newer than anything on the line before the merge.
    repo.tick(60);
    repo.ok(&["--ref", "pm/INC-1", "set", "INC-1", "title=Checkout errors"]);
    repo.tick(3600);
    crate::history::in_worktree(&repo, "incidents", |dir| {
        let dir = dir.to_str().expect("utf-8");
        repo.git(&[
            "-C",
            dir,
            "merge",
            "-q",
            "--no-ff",
            "pm/INC-1",
            "-m",
            "Merge review",
        ]);
    });
    let title = |args: &[&str]| {
        let mut all = vec!["show", "INC-1"];
        all.extend_from_slice(args);
        repo.json(&all)["title"].clone()
    };
    let before_merge = ["--as-of", "2026-11-23T10:30:00+09:00", "--as-known"];
    assert_eq!(title(&before_merge), "Checkout down");
    assert_eq!(
        repo.json(&["list", before_merge[0], before_merge[1], "--as-known"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(title(&[]), "Checkout errors");
}

#[test]
fn an_item_closed_by_a_later_code_commit_is_still_open_in_the_past() {
    let repo = corrected_history();
    // The action item exists from the next day 10:00; a code commit closes it at 12:00.
    let before_the_commit = "2026-11-24T11:00:00+09:00";
    repo.tick(2 * 3600);
    crate::links::code_commit(
        &repo,
        "keys.txt",
        &["Alert on checkout errors", "Incident-Action: INC-1.A1"],
    );
    let status = |args: &[&str]| repo.json(args)[0]["status"].clone();
    assert_eq!(status(&["action", "list"]), "done");
    assert_eq!(
        status(&["action", "list", "--as-of", before_the_commit, "--as-known"]),
        "open"
    );
    let report = repo.json(&[
        "report",
        "actions",
        "--as-of",
        before_the_commit,
        "--as-known",
    ]);
    assert_eq!(report["actions"][0]["status"], "open", "{report}");
}
