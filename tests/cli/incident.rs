use crate::common::TestRepo;

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
