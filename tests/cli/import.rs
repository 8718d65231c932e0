//! `git incident import`: Statuspage (file and API) and CSV, idempotency, hand edits
//! kept, dry runs, bad input, and metrics on imported data.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::{TestRepo, incident_path};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn statuspage() -> String {
    fixture("statuspage.json").display().to_string()
}

fn stderr_of(repo: &TestRepo, args: &[&str]) -> String {
    let output = repo.run(args);
    crate::common::assert_success(&output);
    String::from_utf8(output.stderr).unwrap()
}

fn incident(repo: &TestRepo, id: &str) -> Value {
    repo.json(&["show", id])
}

#[test]
fn statuspage_export_maps_fields_and_reports_each_anomaly() {
    let repo = TestRepo::initialized();
    let before = repo.git(&["rev-list", "--count", "incidents"]);
    let stderr = stderr_of(&repo, &["import", "statuspage", &statuspage()]);
    let after = repo.git(&["rev-list", "--count", "incidents"]);
    // One commit per incident.
    assert_eq!(
        after.trim().parse::<u32>().unwrap(),
        before.trim().parse::<u32>().unwrap() + 4
    );

    // Imported in the order they happened: INC-1 is the oldest (Payments, September).
    let pay = incident(&repo, "INC-1");
    assert_eq!(pay["title"], "Payments degraded");
    assert_eq!(
        pay["severity"], "SEV4",
        "impact none -> the fourth severity"
    );
    assert_eq!(pay["status"], "resolved", "postmortem is resolved");
    // Moved straight to resolved: mitigated at the same moment.
    assert_eq!(pay["times"]["mitigated"], "2026-09-01T10:00:00+09:00");
    assert_eq!(pay["times"]["resolved"], "2026-09-01T10:00:00+09:00");
    assert!(pay["times"]["started"].is_null());
    let postmortem = &pay["timeline"][2];
    assert_eq!(
        postmortem["text"],
        "Postmortem published: A database failover took longer than expected.\n- Failover tuned\n- Alert added"
    );
    assert_eq!(postmortem["links"], json!(["https://stspg.io/pay4q8m"]));
    assert_eq!(
        pay["source"],
        json!({"system": "statuspage", "id": "pay4q8m2z7xw", "url": "https://stspg.io/pay4q8m"})
    );

    // started_at later than created_at: clamped, with a warning.
    let search = incident(&repo, "INC-2");
    assert_eq!(search["times"]["started"], search["times"]["detected"]);
    assert!(
        stderr.contains("started_at 2026-10-05T17:20:00+09:00 is after created_at"),
        "{stderr}"
    );
    // Monitoring, back to investigating, monitoring again: the last move counts.
    assert_eq!(search["times"]["mitigated"], "2026-10-05T18:15:00+09:00");
    assert!(
        stderr.contains("went from monitoring back to investigating"),
        "{stderr}"
    );
    // The component renamed since: recorded under its current name, with a warning.
    assert_eq!(search["services"], json!(["Search"]));
    assert!(
        stderr.contains(r#"was named "Search API" then and is "Search" now"#),
        "{stderr}"
    );

    let checkout = incident(&repo, "INC-3");
    assert_eq!(checkout["severity"], "SEV1");
    assert_eq!(checkout["services"], json!(["Checkout"]));
    assert_eq!(checkout["times"]["started"], "2026-11-02T18:50:00+09:00");
    // Each update at its display time, HTML as plain text.
    let texts: Vec<&str> = checkout["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "investigating: Customers cannot complete checkout. We are investigating.",
            "identified: The payment provider's API rejects our requests & we are rolling back.",
            "monitoring: A fix has been rolled out.\nWe're monitoring the results.",
            "resolved: Checkout is working again for all customers.",
        ]
    );
    assert_eq!(checkout["timeline"][2]["at"], "2026-11-02T19:30:00+09:00");
    assert_eq!(checkout["timeline"][0]["kind"], "communication");

    // Never resolved: left open, with a warning; identical times kept in posted order.
    let login = incident(&repo, "INC-4");
    assert_eq!(login["status"], "identified");
    assert!(login["times"]["resolved"].is_null());
    assert!(
        stderr.contains("never resolved: left open as identified"),
        "{stderr}"
    );
    assert!(stderr.contains("1 update shares a time"), "{stderr}");
    assert!(
        login["timeline"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("investigating")
    );

    // Commits carry the incident's own times.
    let dates = repo.git(&["log", "-4", "--format=%aI %cI %s", "incidents"]);
    assert!(
        dates.contains(
            "2026-11-02T19:00:00+09:00 2026-11-02T19:00:00+09:00 import: statuspage p31zjtct2jer \"Checkout down\""
        ),
        "{dates}"
    );
    let shown = repo.ok(&["show", "INC-3"]);
    assert!(
        shown.contains("statuspage p31zjtct2jer https://stspg.io/p31zjtc"),
        "{shown}"
    );
    repo.ok(&["check"]);
}

#[test]
fn importing_again_changes_nothing_and_a_bare_array_is_the_same_data() {
    let repo = TestRepo::initialized();
    repo.ok(&["import", "statuspage", &statuspage()]);
    let tip = repo.tip();
    let stderr = stderr_of(&repo, &["import", "statuspage", &statuspage()]);
    assert_eq!(repo.tip(), tip, "a second import makes no commit");
    assert!(
        stderr.contains("0 created, 0 updated, 4 unchanged"),
        "{stderr}"
    );

    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("statuspage.json")).unwrap())
            .unwrap();
    let bare = repo.home.path().join("bare.json");
    std::fs::write(&bare, export["incidents"].to_string()).unwrap();
    repo.ok(&["import", "statuspage", bare.to_str().unwrap()]);
    assert_eq!(repo.tip(), tip);
}

#[test]
fn a_newer_export_updates_what_changed_and_keeps_hand_edits() {
    let repo = TestRepo::initialized();
    repo.ok(&["import", "statuspage", &statuspage()]);
    repo.ok(&["set", "INC-4", "title=Login fails: expired certificate"]);

    let mut export: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("statuspage.json")).unwrap())
            .unwrap();
    let login = &mut export["incidents"][0];
    login["name"] = json!("Login errors");
    login["status"] = json!("resolved");
    let updates = login["incident_updates"].as_array_mut().unwrap();
    // The API lists newest first.
    for (status, at, body) in [
        (
            "monitoring",
            "2026-11-20T12:40:00.000Z",
            "The certificate was replaced.",
        ),
        ("resolved", "2026-11-20T13:00:00.000Z", "Logins work again."),
    ] {
        updates.insert(
            0,
            json!({"status": status, "body": body, "created_at": at, "display_at": at}),
        );
    }
    let newer = repo.home.path().join("newer.json");
    std::fs::write(&newer, export.to_string()).unwrap();

    let dry = repo.json(&["import", "--dry-run", "statuspage", newer.to_str().unwrap()]);
    let tip = repo.tip();
    assert_eq!(dry["dry_run"], true);
    let planned: Vec<&str> = dry["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["unchanged", "unchanged", "unchanged", "updated"]);

    let output = repo.run(&["--json", "import", "statuspage", newer.to_str().unwrap()]);
    crate::common::assert_success(&output);
    assert_ne!(repo.tip(), tip);
    let stderr = String::from_utf8(output.stderr).unwrap();
    let login = incident(&repo, "INC-4");
    assert_eq!(
        login["title"], "Login fails: expired certificate",
        "the hand edit is kept"
    );
    assert!(stderr.contains(r#"title: kept "Login fails: expired certificate" (edited since the import; the source says "Login errors")"#), "{stderr}");
    assert_eq!(login["status"], "resolved");
    assert_eq!(login["times"]["mitigated"], "2026-11-20T21:40:00+09:00");
    assert_eq!(login["times"]["resolved"], "2026-11-20T22:00:00+09:00");
    assert_eq!(
        login["timeline"].as_array().unwrap().len(),
        4,
        "two updates appended"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s%n%cI", "incidents"]),
        "import: statuspage lgn9x2k4c1qa \"Login errors\" (update)\n2026-11-20T22:00:00+09:00\n"
    );
    // And once more: nothing new, the kept edit still reported.
    let tip = repo.tip();
    let stderr = stderr_of(&repo, &["import", "statuspage", newer.to_str().unwrap()]);
    assert_eq!(repo.tip(), tip);
    assert!(stderr.contains("title: kept"), "{stderr}");
}

#[test]
fn dry_run_writes_nothing() {
    let repo = TestRepo::initialized();
    let tip = repo.tip();
    let report = repo.json(&["import", "statuspage", &statuspage(), "--dry-run"]);
    assert_eq!(repo.tip(), tip);
    let incidents = report["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 4);
    assert!(
        incidents
            .iter()
            .all(|o| o["action"] == "created" && o["id"].is_null())
    );
    assert!(incidents[1]["warnings"].as_array().unwrap().len() >= 3);
}

#[test]
fn bad_input_is_an_error_naming_the_file_and_writes_nothing() {
    let repo = TestRepo::initialized();
    let tip = repo.tip();
    let text = std::fs::read_to_string(fixture("statuspage.json")).unwrap();
    let truncated = repo.home.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let stderr = repo.fails(1, &["import", "statuspage", truncated.to_str().unwrap()]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("truncated.json: not valid JSON: EOF while parsing"),
        "{stderr}"
    );

    let stderr = repo.fails(
        1,
        &[
            "import",
            "csv",
            fixture("history.csv").to_str().unwrap(),
            "--map",
            "title=Summary,severity=Severity",
        ],
    );
    assert!(stderr.contains(r#"history.csv: no column "Severity" (for severity); the columns are: Ticket, Summary, Sev"#), "{stderr}");

    let stderr = repo.fails(
        1,
        &[
            "import",
            "csv",
            fixture("history.csv").to_str().unwrap(),
            "--map",
            "title=Summary,severity=Ticket",
        ],
    );
    assert!(
        stderr.contains("history.csv:2: unknown severity"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn csv_rows_become_incidents_once() {
    let repo = TestRepo::initialized();
    let csv = fixture("history.csv");
    let map = "id=Ticket,title=Summary,severity=Sev,detected=Opened,started=Impact began,resolved=Fixed,services=Components";
    repo.ok(&["import", "csv", csv.to_str().unwrap(), "--map", map]);
    let first = incident(&repo, "INC-1");
    assert_eq!(first["title"], "Checkout returns 500");
    // Typed without an offset: read in the typist's zone (TZ=Asia/Tokyo here).
    assert_eq!(first["times"]["started"], "2026-10-01T08:45:00+09:00");
    assert_eq!(first["times"]["resolved"], "2026-10-01T10:30:00+09:00");
    assert_eq!(first["status"], "resolved");
    assert_eq!(first["source"], json!({"system": "csv", "id": "OPS-101"}));
    let second = incident(&repo, "INC-2");
    assert_eq!(second["services"], json!(["search", "api"]));
    let third = incident(&repo, "INC-3");
    assert_eq!(third["status"], "investigating");
    assert_eq!(third["times"]["detected"], "2026-11-01T00:00:00+09:00");
    let tip = repo.tip();
    repo.ok(&["import", "csv", csv.to_str().unwrap(), "--map", map]);
    assert_eq!(repo.tip(), tip);
}

/// A Statuspage manage API on 127.0.0.1 serving `incidents` two a page; the
/// requests it saw (path and Authorization header).
fn fake_statuspage(incidents: Vec<Value>, key: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    auth = value.trim().to_string();
                }
            }
            log.lock().unwrap().push(format!("{path} {auth}"));
            let (status, body) = if auth != format!("OAuth {key}") {
                (
                    "401 Unauthorized",
                    json!({"error": "Could not authenticate"}).to_string(),
                )
            } else {
                let page: usize = path
                    .split("page=")
                    .nth(1)
                    .and_then(|p| p.split('&').next())
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                let chunk: Vec<&Value> = incidents.iter().skip((page - 1) * 2).take(2).collect();
                ("200 OK", serde_json::to_string(&chunk).unwrap())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

#[test]
fn statuspage_api_pages_until_empty_and_a_401_writes_nothing() {
    let repo = TestRepo::initialized();
    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("statuspage.json")).unwrap())
            .unwrap();
    let incidents = export["incidents"].as_array().unwrap().clone();
    let (url, seen) = fake_statuspage(incidents, "s3cret");

    let tip = repo.tip();
    let stderr = repo.fails(
        1,
        &[
            "import",
            "statuspage",
            "--page-id",
            "y2j98763l443",
            "--api-key",
            "wrong",
            "--api-url",
            &url,
        ],
    );
    assert!(
        stderr.contains("the API refused the key (HTTP 401)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/v1/pages/y2j98763l443/incidents?page=1"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);

    seen.lock().unwrap().clear();
    repo.ok(&[
        "import",
        "statuspage",
        "--page-id",
        "y2j98763l443",
        "--api-key",
        "s3cret",
        "--api-url",
        &url,
    ]);
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        (1..=3)
            .map(|page| format!(
                "/v1/pages/y2j98763l443/incidents?page={page}&per_page=100 OAuth s3cret"
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(incident(&repo, "INC-4")["source"]["id"], "lgn9x2k4c1qa");
    // The API's data is the export's: importing the file now changes nothing.
    let tip = repo.tip();
    repo.ok(&["import", "statuspage", &statuspage()]);
    assert_eq!(repo.tip(), tip);
    assert!(repo.file(&incident_path(4)).contains("[source]"));
}

#[test]
fn metrics_on_imported_data_match_the_fixture_by_hand() {
    let repo = TestRepo::initialized();
    repo.ok(&["import", "statuspage", &statuspage()]);
    let m = repo.json(&[
        "metrics",
        "--as-of",
        "2026-11-23T10:00:00+09:00",
        "--since",
        "2026-08-01",
    ]);
    assert_eq!(m["incidents"]["total"], 4);
    // Checkout: started 09:50, detected 10:00 -> 600 s. Search: started_at 08:20 clamped
    // to created 08:00 -> 0 s. Login and Payments have no started_at: not counted.
    // Sorted [0, 600]: median at rank ceil(0.5*2) = 1 -> 0; p90 at ceil(0.9*2) = 2 -> 600.
    assert_eq!(
        m["time_to_detect"],
        json!({"count": 2, "median": 0, "p90": 600, "mean": 300})
    );
    // Checkout 09:50 -> monitoring 10:30 = 2400; Search 08:00 -> last monitoring 09:15 =
    // 4500; Payments 00:00 -> resolved 01:00 (straight to resolved) = 3600; Login open.
    // Sorted [2400, 3600, 4500]: median rank 2 -> 3600, p90 rank 3 -> 4500, mean 10500/3.
    assert_eq!(
        m["time_to_mitigate"],
        json!({"count": 3, "median": 3600, "p90": 4500, "mean": 3500})
    );
    // Checkout 09:50 -> 11:00 = 4200; Search 08:00 -> 09:40 = 6000; Payments 3600.
    // Sorted [3600, 4200, 6000]: median 4200, p90 6000, mean 13800/3 = 4600.
    assert_eq!(
        m["time_to_resolve"],
        json!({"count": 3, "median": 4200, "p90": 6000, "mean": 4600})
    );
}

#[test]
fn a_timeline_entry_deleted_by_hand_is_not_imported_again() {
    let repo = TestRepo::initialized();
    repo.ok(&["import", "statuspage", &statuspage()]);
    // Drops the first [[timeline]] entry of the file.
    let editor = repo.script(
        "drop-first-entry",
        r#"awk '/^\[\[timeline\]\]/ && !done { skip = 1; done = 1; next } skip && /^\[/ { skip = 0 } !skip' "$1" > "$1.new" && mv "$1.new" "$1""#,
    );
    crate::common::assert_success(&repo.edit(&["INC-3"], &editor));
    assert_eq!(
        incident(&repo, "INC-3")["timeline"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let tip = repo.tip();
    repo.ok(&["import", "statuspage", &statuspage()]);
    assert_eq!(repo.tip(), tip);
    assert_eq!(
        incident(&repo, "INC-3")["timeline"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn config_maps_impacts_and_components_and_an_allow_list_leaves_others_out() {
    let repo = TestRepo::initialized();
    let worktree = repo.home.path().join("branch");
    let wt = worktree.to_str().unwrap();
    repo.git(&["worktree", "add", "-q", wt, "incidents"]);
    let config = worktree.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Top-level keys go before the first table; the #:schema line stays first.
    let (directive, rest) = text.split_once('\n').unwrap();
    text = format!("{directive}\nservices = [\"checkout\", \"search\"]\n{rest}");
    text.push_str("\n[import.statuspage]\nimpact = { critical = \"SEV2\" }\ncomponents = { Checkout = \"checkout\", Search = \"search\" }\n");
    std::fs::write(&config, text).unwrap();
    repo.git(&["-C", wt, "commit", "-q", "-am", "map Statuspage"]);
    repo.git(&["worktree", "remove", wt]);

    let stderr = stderr_of(&repo, &["import", "statuspage", &statuspage()]);
    let checkout = incident(&repo, "INC-3");
    assert_eq!(
        checkout["severity"], "SEV2",
        "critical mapped by config.toml"
    );
    assert_eq!(checkout["services"], json!(["checkout"]));
    // Login is in no allow-list: left out, said so.
    assert_eq!(incident(&repo, "INC-4")["services"], json!(["search"]));
    assert!(
        stderr.contains(r#"component "Login" is not a service in config.toml: left out"#),
        "{stderr}"
    );
    // Impacts the table does not name still map by rank.
    assert_eq!(incident(&repo, "INC-2")["severity"], "SEV2");
    assert_eq!(incident(&repo, "INC-1")["severity"], "SEV4");
}

#[test]
fn an_incident_the_branch_refuses_is_reported_and_the_others_still_come_in() {
    let repo = TestRepo::initialized();
    repo.ok(&["import", "statuspage", &statuspage()]);
    // Detected set by hand: a hand edit, kept over what the source says.
    repo.ok(&["set", "INC-1", "times.detected=2026-09-01 09:30"]);
    let mut export: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("statuspage.json")).unwrap())
            .unwrap();
    for incident in export["incidents"].as_array_mut().unwrap() {
        match incident["id"].as_str() {
            // Resolved now before the kept detection time: out of order.
            Some("pay4q8m2z7xw") => {
                for update in incident["incident_updates"].as_array_mut().unwrap() {
                    if update["status"] == "resolved" {
                        update["created_at"] = json!("2026-09-01T00:20:00.000Z");
                        update["display_at"] = json!("2026-09-01T00:20:00.000Z");
                    }
                }
            }
            Some("lgn9x2k4c1qa") => incident["name"] = json!("Login errors (renamed)"),
            _ => {}
        }
    }
    let newer = repo.home.path().join("newer.json");
    std::fs::write(&newer, export.to_string()).unwrap();
    let before = incident(&repo, "INC-1");
    let output = repo.run(&["--json", "import", "statuspage", newer.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error: INC-1 (statuspage pay4q8m2z7xw) \"Payments degraded\" was not imported: refusing to write an invalid incident:\n"),
        "{stderr}"
    );
    assert!(stderr.contains("times out of order"), "{stderr}");
    assert!(stderr.contains(", 1 refused\n"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let refused = &report["incidents"][0];
    assert_eq!(refused["action"], "refused");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("times out of order")
    );
    assert_eq!(incident(&repo, "INC-1"), before, "nothing written for it");
    assert_eq!(incident(&repo, "INC-4")["title"], "Login errors (renamed)");
}
