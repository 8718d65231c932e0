//! `log`: the audit trail, hand edits included, field by field.

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, replace};

/// INC-1 opened at 10:00, a timeline entry at 10:02, mitigated at 10:03, then a hand
/// edit at 10:10 that resolves it and rewrites the summary; INC-2 opened at 10:11.
fn audited() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Checkout down",
        "-s",
        "SEV2",
        "--summary",
        "Cards fail",
    ]);
    repo.tick(120);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back",
        "--kind",
        "action",
    ]);
    repo.tick(60);
    repo.ok(&["status", "INC-1", "mitigated"]);
    repo.tick(420);
    hand_commit(&repo, "Resolve INC-1, fuller summary", |dir| {
        replace(
            dir,
            &incident_path(1),
            "status = \"mitigated\"",
            "status = \"resolved\"",
        );
        replace(
            dir,
            &incident_path(1),
            "summary = \"Cards fail\"",
            "summary = \"\"\"\nCards fail\nfor EU customers\"\"\"",
        );
    });
    repo.tick(60);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    repo
}

#[test]
fn log_shows_who_changed_what_field_by_field_newest_first() {
    let repo = audited();
    let out = repo.ok(&["log", "INC-1"]);
    let subjects: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("commit "))
        .map(|l| l.split_once(' ').unwrap().1.split_once(' ').unwrap().1)
        .collect();
    assert_eq!(
        subjects,
        [
            "Resolve INC-1, fuller summary",
            "INC-1: status investigating -> mitigated",
            "INC-1: timeline + action \"Rolled back\"",
            "INC-1: open SEV2 \"Checkout down\"",
        ]
    );
    // The hand edit reads like the tool's own commits, long text as a line diff.
    let hand = out.split("\ncommit ").next().unwrap();
    assert!(
        hand.contains("Author: Pat Example <pat@example.com>"),
        "{out}"
    );
    assert!(hand.contains("Date:   2026-11-23 10:10:00 +09:00"), "{out}");
    assert!(hand.contains("status: mitigated -> resolved"), "{out}");
    assert!(hand.contains("summary:\n"), "{out}");
    assert!(
        hand.contains("-Cards fail\n") || hand.contains(" Cards fail\n"),
        "{out}"
    );
    assert!(hand.contains("+for EU customers"), "{out}");
    assert!(
        out.contains("timeline: + 10:02 action \"Rolled back\""),
        "{out}"
    );
    assert!(out.contains("times.mitigated: + 2026-11-23 10:03"), "{out}");
    assert!(!out.contains("Search slow"), "only INC-1: {out}");

    // The whole branch: INC-2 first (newest), and no entry for the init commit.
    let all = repo.ok(&["log"]);
    assert!(
        all.starts_with("commit ")
            && all
                .lines()
                .next()
                .unwrap()
                .ends_with("INC-2: open SEV3 \"Search slow\""),
        "{all}"
    );
    assert_eq!(all.matches("\ncommit ").count() + 1, 5, "{all}");
    assert!(!all.contains("Initialize"), "{all}");
    let newest = repo.json(&["log", "-n", "2"]);
    let subjects: Vec<&str> = newest
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "INC-2: open SEV3 \"Search slow\"",
            "Resolve INC-1, fuller summary"
        ]
    );
}

#[test]
fn log_json_carries_each_change() {
    let repo = audited();
    let events = repo.json(&["log", "INC-1"]);
    let hand = &events[0];
    assert_eq!(hand["subject"], "Resolve INC-1, fuller summary");
    assert_eq!(hand["author"], "Pat Example");
    assert_eq!(hand["date"], "2026-11-23T10:10:00+09:00");
    assert_eq!(hand["commit"].as_str().unwrap().len(), 40);
    let file = &hand["files"][0];
    assert_eq!(file["incident"], "INC-1");
    assert_eq!(file["path"], incident_path(1));
    assert_eq!(file["op"], "changed");
    let status = file["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "status")
        .unwrap();
    assert_eq!(status["op"], "changed");
    assert_eq!(
        (&status["old"], &status["new"]),
        (&"mitigated".into(), &"resolved".into())
    );
    let timeline = &events[2]["files"][0]["changes"][0];
    assert_eq!(timeline["field"], "timeline");
    assert_eq!(timeline["op"], "added");
    assert_eq!(timeline["new"]["text"], "Rolled back");
    assert_eq!(events[3]["files"][0]["op"], "added");
}

#[test]
fn log_of_an_unknown_incident_fails() {
    let repo = audited();
    let err = repo.fails(1, &["log", "INC-9"]);
    assert!(err.starts_with("error: no incident INC-9"), "{err}");
    let err = repo.fails(1, &["log", "../x"]);
    assert!(err.starts_with("error: "), "{err}");
}
