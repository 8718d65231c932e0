//! `report`: weekly follow-up, overdue first, grouped by owner.

use serde_json::Value;

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, write};

const AS_OF: &str = "2026-12-02T00:00:00+09:00";

fn postmortem(
    incident: &str,
    status: &str,
    owner: Option<&str>,
    actions: &[(&str, Option<&str>, &str, &str)],
) -> String {
    let mut text =
        format!("schema_version = 1\nincident = \"{incident}\"\nstatus = \"{status}\"\n");
    if let Some(owner) = owner {
        text.push_str(&format!("owner = \"{owner}\"\n"));
    }
    for (n, (title, owner, due, status)) in actions.iter().enumerate() {
        text.push_str(&format!(
            "\n[[action]]\nid = \"{incident}.A{}\"\ntitle = \"{title}\"\nkind = \"detect\"\ndue = {due}\nstatus = \"{status}\"\nlink = \"https://tracker.example/{}\"\n",
            n + 1,
            n + 1
        ));
        if let Some(owner) = owner {
            text.push_str(&format!("owner = \"{owner}\"\n"));
        }
    }
    text
}

/// As of 2026-12-02 (all resolved on 2026-11-23 around 10:00):
/// - INC-1 (SEV2, due 7 days after: 11-30) in review, owner ana: 1 day overdue. Actions:
///   A1 ben due 11-25 open (7 days overdue), A2 ana due 11-30 in progress (2),
///   A3 ana due 12-10 open (not due; open since 11-23: 8 days), A4 ben done,
///   A5 nobody due 11-20 open (12 days overdue).
/// - INC-2 (SEV1, due 5 days after: 11-28) has no postmortem: 3 days overdue.
/// - INC-3 (SEV2) published: not listed.
fn follow_ups() -> TestRepo {
    let repo = TestRepo::initialized();
    for (title, severity) in [
        ("Checkout down", "SEV2"),
        ("Login down", "SEV1"),
        ("Search slow", "SEV2"),
    ] {
        repo.ok(&["new", title, "-s", severity]);
        repo.tick(60);
    }
    for n in ["INC-1", "INC-2", "INC-3"] {
        repo.ok(&["status", n, "resolved"]);
    }
    repo.tick(60);
    hand_commit(&repo, "Postmortems", |dir| {
        let pm = |n: u32| incident_path(n).replace("incident.toml", "postmortem.toml");
        write(
            dir,
            &pm(1),
            &postmortem(
                "INC-1",
                "in_review",
                Some("ana"),
                &[
                    (
                        "Alert on pool saturation",
                        Some("ben"),
                        "2026-11-25",
                        "open",
                    ),
                    (
                        "Load test the pool",
                        Some("ana"),
                        "2026-11-30",
                        "in_progress",
                    ),
                    ("Document the pool size", Some("ana"), "2026-12-10", "open"),
                    ("Roll back faster", Some("ben"), "2026-11-24", "done"),
                    ("Find an owner for the runbook", None, "2026-11-20", "open"),
                ],
            ),
        );
        write(
            dir,
            &pm(3),
            &postmortem("INC-3", "published", Some("ben"), &[]),
        );
    });
    repo
}

fn column<'a>(rows: &'a Value, key: &str) -> Vec<&'a str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap())
        .collect()
}

#[test]
fn action_report_puts_overdue_first_grouped_by_owner() {
    let repo = follow_ups();
    let report = repo.json(&["report", "actions", "--as-of", AS_OF]);
    assert_eq!(report["as_of"], "2026-12-02");
    let rows = &report["actions"];
    assert_eq!(
        column(rows, "id"),
        ["INC-1.A5", "INC-1.A2", "INC-1.A1", "INC-1.A3"]
    );
    assert_eq!(column(rows, "owner"), ["(unassigned)", "ana", "ben", "ana"]);
    let days: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["days_overdue"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [12, 2, 7, 0]);
    assert_eq!(rows[3]["overdue"], false);
    assert_eq!(rows[3]["days_open"], 8);
    assert_eq!(rows[0]["link"], "https://tracker.example/5");

    let md = repo.ok(&["report", "actions", "--as-of", AS_OF, "--format", "md"]);
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headings,
        [
            "# Open action items as of 2026-12-02",
            "## Overdue (3)",
            "### (unassigned)",
            "### ana",
            "### ben",
            "## Open (1)",
            "### ana",
        ]
    );
    assert!(md.contains("12d overdue") && md.contains("8d open"), "{md}");
    let csv = repo.ok(&["report", "actions", "--as-of", AS_OF, "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "overdue,owner,action,incident,title,kind,status,due,days_overdue,days_open,link"
    );
    assert!(
        lines[1].starts_with("true,(unassigned),INC-1.A5,INC-1,"),
        "{csv}"
    );
    assert_eq!(lines.len(), 5);
    let text = repo.ok(&["report", "actions", "--as-of", AS_OF]);
    assert!(
        text.find("Overdue (3)").unwrap() < text.find("Open (1)").unwrap(),
        "{text}"
    );
}

#[test]
fn postmortem_report_lists_overdue_then_in_review() {
    let repo = follow_ups();
    let report = repo.json(&["report", "postmortems", "--as-of", AS_OF]);
    let rows = &report["postmortems"];
    assert_eq!(column(rows, "incident"), ["INC-2", "INC-1"]);
    assert_eq!(column(rows, "status"), ["missing", "in_review"]);
    assert_eq!(column(rows, "owner"), ["(unassigned)", "ana"]);
    let days: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["days_overdue"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [3, 1]);
    // A week earlier nothing is overdue; INC-1 is still waiting in review.
    let early = repo.json(&["report", "postmortems", "--as-of", "2026-11-25"]);
    assert_eq!(column(&early["postmortems"], "incident"), ["INC-1"]);
    assert_eq!(early["postmortems"][0]["overdue"], false);
    let md = repo.ok(&["report", "postmortems", "--as-of", AS_OF, "--format", "md"]);
    assert!(
        md.contains("## Overdue (2)") && md.contains("### (unassigned)"),
        "{md}"
    );
    assert!(
        md.contains("`incidents/2026/INC-2/postmortem.toml`"),
        "{md}"
    );
}

#[test]
fn action_report_as_of_a_past_day_leaves_out_items_added_later() {
    let repo = follow_ups();
    // The items were added on 2026-11-23 (the pinned clock); a day earlier none existed.
    let earlier = repo.json(&["report", "actions", "--as-of", "2026-11-22"]);
    assert_eq!(
        earlier["actions"].as_array().map(Vec::len),
        Some(0),
        "{earlier}"
    );
    let later = repo.json(&["report", "actions", "--as-of", "2026-12-01"]);
    assert_eq!(
        later["actions"].as_array().map(Vec::len),
        Some(4),
        "{later}"
    );
}
