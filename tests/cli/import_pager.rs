//! `git incident import pagerduty|opsgenie`: field mapping, configured severities and
//! handles, idempotency, bad input, and the PagerDuty API against a fake server.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::TestRepo;
use crate::history::hand_commit;
use crate::import_chat::fake_api;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

fn commits(repo: &TestRepo) -> u32 {
    repo.git(&["rev-list", "--count", "incidents"])
        .trim()
        .parse()
        .unwrap()
}

fn incident(repo: &TestRepo, id: &str) -> Value {
    repo.json(&["show", id])
}

/// Appends `extra` to config.toml on the branch.
fn configure(repo: &TestRepo, extra: &str) {
    hand_commit(repo, "Configure the import", |dir| {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text + extra).unwrap();
    });
}

#[test]
fn pagerduty_export_maps_times_severity_and_commander_once() {
    let repo = TestRepo::initialized();
    let before = commits(&repo);
    repo.ok(&["import", "pagerduty", &fixture("pagerduty.json")]);
    assert_eq!(commits(&repo), before + 2, "one commit per incident");

    let checkout = incident(&repo, "INC-1");
    assert_eq!(checkout["title"], "Checkout latency above SLO");
    assert_eq!(
        checkout["severity"], "SEV2",
        "priority P2 -> the second severity"
    );
    assert_eq!(checkout["status"], "resolved");
    assert_eq!(checkout["commander"], "Ana Lima", "the acknowledger");
    assert_eq!(checkout["services"], serde_json::json!(["checkout"]));
    let times = &checkout["times"];
    assert_eq!(times["detected"], "2026-10-03T10:12:40+09:00");
    assert_eq!(times["acknowledged"], "2026-10-03T10:15:10+09:00");
    assert_eq!(times["resolved"], "2026-10-03T11:40:00+09:00");
    let toml = repo.file("incidents/2026/INC-1/incident.toml");
    assert!(toml.contains("system = \"pagerduty\""), "{toml}");
    assert!(toml.contains("id = \"Q2LY3ZVXPJ9ABC\""), "{toml}");
    assert!(
        toml.contains("url = \"https://acme.pagerduty.com/incidents/Q2LY3ZVXPJ9ABC\""),
        "{toml}"
    );

    // The log, oldest first: what happened, not whom PagerDuty notified.
    let timeline: Vec<(&str, &str, &str)> = checkout["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["text"].as_str().unwrap(),
                e["author"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        timeline,
        [
            ("alert", "Triggered through the API", "checkout"),
            ("status", "Acknowledged by Ana Lima", "Ana Lima"),
            (
                "note",
                "Rolled back deploy 812; latency back under 300 ms",
                "Ana Lima"
            ),
            ("status", "Resolved by Ana Lima", "Ana Lima"),
        ]
    );
    assert_eq!(
        checkout["timeline"][0]["links"],
        serde_json::json!(["https://acme.pagerduty.com/incidents/Q2LY3ZVXPJ9ABC"]),
        "the incident's page is the evidence"
    );

    // No priority: urgency low -> the second severity; acknowledged from the incident.
    let search = incident(&repo, "INC-2");
    assert_eq!(search["severity"], "SEV2");
    assert_eq!(search["status"], "investigating");
    assert_eq!(search["commander"], "Ben Okafor");
    assert_eq!(search["times"]["acknowledged"], "2026-10-21T07:09:00+09:00");
    assert!(search["times"]["resolved"].is_null());

    let tip = repo.tip();
    repo.ok(&["import", "pagerduty", &fixture("pagerduty.json")]);
    assert_eq!(repo.tip(), tip, "a re-import commits nothing");
}

#[test]
fn pagerduty_severities_and_people_come_from_config() {
    let repo = TestRepo::initialized();
    configure(
        &repo,
        "\n[import.pagerduty]\npriority = { P2 = \"SEV1\" }\nurgency = { low = \"SEV3\" }\n\n\
         [[person]]\nhandle = \"ana\"\nname = \"Ana Lima\"\n",
    );
    repo.ok(&["import", "pagerduty", &fixture("pagerduty.json")]);
    let checkout = incident(&repo, "INC-1");
    assert_eq!(checkout["severity"], "SEV1");
    assert_eq!(checkout["commander"], "ana");
    assert_eq!(incident(&repo, "INC-2")["severity"], "SEV3");
}

#[test]
fn pagerduty_bad_input_names_the_file_and_writes_nothing() {
    let repo = TestRepo::initialized();
    let tip = repo.tip();
    let bad = repo.home.path().join("pd.json");
    std::fs::write(
        &bad,
        r#"{"incidents": [{"id": "P1", "title": "x", "created_at": "yesterday"}]}"#,
    )
    .unwrap();
    let stderr = repo.fails(1, &["import", "pagerduty", bad.to_str().unwrap()]);
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(stderr.contains("pd.json"), "{stderr}");
    assert!(stderr.contains("\"yesterday\""), "{stderr}");
    std::fs::write(&bad, r#"{"alerts": []}"#).unwrap();
    let stderr = repo.fails(1, &["import", "pagerduty", bad.to_str().unwrap()]);
    assert!(stderr.contains("no \"incidents\""), "{stderr}");
    assert_eq!(repo.tip(), tip);
}

#[test]
fn opsgenie_alerts_map_report_times_priority_and_people_once() {
    let repo = TestRepo::initialized();
    configure(
        &repo,
        "\n[import.opsgenie]\npriority = { P4 = \"SEV3\" }\n\n\
         [[person]]\nhandle = \"ana\"\nemails = [\"ana@example.com\"]\n",
    );
    let before = commits(&repo);
    repo.ok(&["import", "opsgenie", &fixture("opsgenie.json")]);
    assert_eq!(commits(&repo), before + 2);

    let payments = incident(&repo, "INC-1");
    assert_eq!(payments["title"], "Payments API error rate above 5%");
    assert_eq!(payments["severity"], "SEV1", "P1 by rank");
    assert_eq!(payments["status"], "resolved");
    assert_eq!(payments["commander"], "ana", "the acknowledger, by email");
    let times = &payments["times"];
    assert_eq!(times["started"], "2026-09-14T11:55:00+09:00");
    assert_eq!(times["detected"], "2026-09-14T12:02:00+09:00");
    assert_eq!(times["acknowledged"], "2026-09-14T12:06:00+09:00", "+240 s");
    assert_eq!(times["resolved"], "2026-09-14T13:00:00+09:00", "+58 min");
    let notes = payments["timeline"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "the hidden entry is left out: {notes:#?}");
    assert_eq!(notes[0]["at"], "2026-09-14T12:05:00+09:00");
    assert_eq!(notes[0]["text"], "Failover started: primary db-1 unhealthy");
    assert_eq!(notes[0]["author"], "ana");

    let disk = incident(&repo, "INC-2");
    assert_eq!(disk["severity"], "SEV3", "mapped in config");
    assert_eq!(disk["status"], "investigating");
    assert!(disk["commander"].is_null());
    assert!(disk["times"]["acknowledged"].is_null());

    let tip = repo.tip();
    repo.ok(&["import", "opsgenie", &fixture("opsgenie.json")]);
    assert_eq!(repo.tip(), tip, "a re-import commits nothing");

    let bad = repo.home.path().join("og.json");
    std::fs::write(
        &bad,
        r#"[{"id": "x", "message": "m", "createdAt": "2026-09-14T03:02:00Z", "report": {"ackTime": -5}}]"#,
    )
    .unwrap();
    let stderr = repo.fails(1, &["import", "opsgenie", bad.to_str().unwrap()]);
    assert!(
        stderr.contains("og.json") && stderr.contains("ackTime"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn pagerduty_api_pages_incidents_and_reads_their_log_entries() {
    let repo = TestRepo::initialized();
    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("pagerduty.json")).unwrap()).unwrap();
    let mut incidents = export["incidents"].as_array().unwrap().clone();
    let logs = incidents[0]["log_entries"].take();
    incidents[0].as_object_mut().unwrap().remove("log_entries");
    let (url, seen) = fake_api(move |path| {
        let ok = |v: Value| (200, "", v.to_string());
        if path.contains("/log_entries") {
            let entries = match path.contains("Q2LY3ZVXPJ9ABC") {
                true => logs.clone(),
                false => json!([]),
            };
            return ok(json!({"log_entries": entries, "more": false}));
        }
        if path.contains("offset=0") {
            return ok(json!({"incidents": [incidents[0].clone()], "more": true}));
        }
        ok(json!({"incidents": [incidents[1].clone()], "more": false}))
    });
    let args = [
        "import",
        "pagerduty",
        "--token",
        "pd-test",
        "--since",
        "2026-10-01T00:00:00Z",
        "--api-url",
        &url,
    ];
    repo.ok(&args);
    let checkout = incident(&repo, "INC-1");
    assert_eq!(
        checkout["times"]["acknowledged"],
        "2026-10-03T10:15:10+09:00"
    );
    assert_eq!(checkout["times"]["resolved"], "2026-10-03T11:40:00+09:00");
    assert_eq!(incident(&repo, "INC-2")["title"], "Search index lagging");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|r| r.ends_with("Token token=pd-test")),
        "{seen:#?}"
    );
    assert!(
        seen[0].contains("since=2026-10-01T00%3A00%3A00Z"),
        "{seen:#?}"
    );
    assert!(seen.iter().any(|r| r.contains("offset=1")), "{seen:#?}");

    let tip = repo.tip();
    repo.ok(&args);
    assert_eq!(repo.tip(), tip, "a re-import commits nothing");
}

#[test]
fn pagerduty_api_refusing_the_token_is_an_error() {
    let repo = TestRepo::initialized();
    let tip = repo.tip();
    let (url, _) = fake_api(|_| {
        (
            401,
            "",
            json!({"error": {"message": "Unauthorized"}}).to_string(),
        )
    });
    let stderr = repo.fails(
        1,
        &["import", "pagerduty", "--token", "bad", "--api-url", &url],
    );
    assert!(
        stderr.contains("error:") && stderr.contains("--token"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
}
