//! `handoff`: roles changing hands, `show`'s history of who held each role when, and the
//! update metrics (`time_to_first_update`, `update_gaps`) worked out by hand.

use serde_json::{Value, json};

use crate::common::{TestRepo, incident_path};
use crate::history::hand_commit;

/// 2026-11-23 at `hhmm` in Tokyo, the tests' zone, as RFC 3339.
fn tokyo(hhmm: &str) -> String {
    format!("2026-11-23T{hhmm}:00+09:00")
}

/// A branch whose team is in Tokyo, with the clock at 14:00 there, and INC-1 (SEV1)
/// detected at 10:00.
fn one_incident() -> TestRepo {
    let repo = TestRepo::new();
    repo.ok(&["init", "--timezone", "Asia/Tokyo"]);
    repo.tick(4 * 3600);
    repo.ok(&[
        "new",
        "決済が失敗する",
        "-s",
        "SEV1",
        "--detected",
        &tokyo("10:00"),
    ]);
    repo
}

/// config.toml with `[[person]]` entries, so that `me` and git names become handles.
fn with_people(repo: &TestRepo) {
    hand_commit(repo, "The team's handles", |dir| {
        let path = dir.join("config.toml");
        let mut text = std::fs::read_to_string(&path).expect("config.toml");
        text.push_str(
            "\n[[person]]\nhandle = \"pat\"\nname = \"Pat Example\"\nemails = [\"pat@example.com\"]\n\n[[person]]\nhandle = \"kenji\"\nname = \"Kenji Sato\"\n",
        );
        std::fs::write(path, text).expect("write");
    });
}

/// `who` takes command of INC-1 at `hhmm`.
fn ack(repo: &TestRepo, who: &str, hhmm: &str) {
    repo.ok(&["ack", "INC-1", "--commander", who, "--at", &tokyo(hhmm)]);
}

fn subject(repo: &TestRepo) -> String {
    repo.git(&["log", "-1", "--format=%s", "incidents"])
        .trim()
        .to_string()
}

fn last_entry(repo: &TestRepo) -> Value {
    let shown = repo.json(&["show", "INC-1"]);
    shown["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .cloned()
        .expect("a timeline entry")
}

#[test]
fn a_commander_hand_off_is_recorded_with_its_time_and_leaves_acknowledged_alone() {
    let repo = one_incident();
    ack(&repo, "ana", "10:05");
    let output = repo.run(&[
        "handoff",
        "INC-1",
        "--to",
        "kenji",
        "--at",
        &tokyo("11:30"),
        "--note",
        "going off shift",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "INC-1: commander ana -> kenji\n"
    );
    assert_eq!(subject(&repo), "INC-1: commander ana -> kenji");
    let shown = repo.json(&["show", "INC-1"]);
    assert_eq!(shown["commander"], "kenji");
    assert_eq!(shown["times"]["acknowledged"], tokyo("10:05"));
    let entry = last_entry(&repo);
    assert_eq!(
        entry,
        json!({
            "at": tokyo("11:30"),
            "kind": "status",
            "text": "Hand-off: commander ana -> kenji (going off shift)",
            "author": "Pat Example",
            "links": [],
            "role": "commander",
            "from": "ana",
            "to": "kenji",
        })
    );
    // The acknowledgement metrics measure is still the first one.
    let metrics = repo.json(&["metrics", "--as-of", &tokyo("14:00")]);
    assert_eq!(metrics["time_to_acknowledge"]["median"], 300);
}

#[test]
fn comms_and_other_roles_change_hands_and_me_is_the_writers_handle() {
    let repo = one_incident();
    with_people(&repo);
    repo.ok(&["handoff", "INC-1", "--role", "comms", "--to", "me"]);
    assert_eq!(subject(&repo), "INC-1: comms -> pat");
    let entry = last_entry(&repo);
    assert_eq!(
        (&entry["role"], &entry["from"], &entry["to"], &entry["text"]),
        (
            &json!("comms"),
            &Value::Null,
            &json!("pat"),
            &json!("Hand-off: comms -> pat")
        )
    );
    // A git name is stored as the team's handle.
    repo.ok(&["handoff", "INC-1", "--role", "comms", "--to", "Kenji Sato"]);
    assert_eq!(subject(&repo), "INC-1: comms pat -> kenji");
    repo.ok(&["handoff", "INC-1", "--role", "ops_lead", "--to", "ben"]);
    let shown = repo.json(&["show", "INC-1"]);
    assert_eq!(shown["roles"], json!({"comms": "kenji", "ops_lead": "ben"}));
    assert!(shown["commander"].is_null(), "no command was handed");
    assert!(shown["times"]["acknowledged"].is_null());
    assert!(
        repo.file(&incident_path(1))
            .contains("[roles]\ncomms = \"kenji\"\nops_lead = \"ben\"\n")
    );
}

#[test]
fn hand_offs_that_make_no_sense_are_refused_and_nothing_is_written() {
    let repo = one_incident();
    let tip = repo.tip();
    // Nobody has taken command: that is `ack`, which the metrics measure.
    let error = repo.fails(1, &["handoff", "INC-1", "--to", "kenji"]);
    assert_eq!(
        error,
        "error: nobody has taken command of INC-1 yet: there is no commander to hand off\nhint: take command with `git incident ack INC-1 --commander kenji`\n"
    );
    let error = repo.fails(2, &["handoff", "INC-1", "--role", "Comms", "--to", "ana"]);
    assert!(error.contains("invalid role \"Comms\""), "{error}");
    assert_eq!(repo.tip(), tip);
    ack(&repo, "ana", "10:05");
    let tip = repo.tip();
    let error = repo.fails(1, &["handoff", "INC-1", "--to", "ana"]);
    assert_eq!(error, "error: ana is already the commander of INC-1\n");
    let error = repo.fails(
        1,
        &["handoff", "INC-1", "--to", "kenji", "--at", &tokyo("10:00")],
    );
    assert!(
        error.contains("would be before INC-1 was acknowledged"),
        "{error}"
    );
    let error = repo.fails(2, &["handoff", "INC-1", "--to", " "]);
    assert!(error.contains("--to needs a person"), "{error}");
    assert_eq!(repo.tip(), tip);
    // Backdated before the last hand-off, it would rewrite who held command when.
    repo.ok(&["handoff", "INC-1", "--to", "kenji", "--at", &tokyo("11:30")]);
    let tip = repo.tip();
    let error = repo.fails(
        1,
        &["handoff", "INC-1", "--to", "carol", "--at", &tokyo("11:00")],
    );
    assert!(
        error.contains("would be before the last hand-off of commander on INC-1"),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);
}

/// ana takes command at 10:05 (`ack`), hands it to kenji at 11:30 and takes it back at
/// 13:00; ben has comms from 10:20.
fn two_hand_offs() -> TestRepo {
    let repo = one_incident();
    ack(&repo, "ana", "10:05");
    repo.ok(&[
        "handoff",
        "INC-1",
        "--role",
        "comms",
        "--to",
        "ben",
        "--at",
        &tokyo("10:20"),
    ]);
    repo.ok(&["handoff", "INC-1", "--to", "kenji", "--at", &tokyo("11:30")]);
    repo.ok(&["handoff", "INC-1", "--to", "ana", "--at", &tokyo("13:00")]);
    repo
}

#[test]
fn show_lists_who_held_each_role_when() {
    let repo = two_hand_offs();
    let held = &repo.json(&["show", "INC-1"])["roles_held"];
    assert_eq!(
        held,
        &json!([
            {"role": "commander", "who": "ana", "from": tokyo("10:05"), "until": tokyo("11:30")},
            {"role": "commander", "who": "kenji", "from": tokyo("11:30"), "until": tokyo("13:00")},
            {"role": "commander", "who": "ana", "from": tokyo("13:00"), "until": null},
            {"role": "comms", "who": "ben", "from": tokyo("10:20"), "until": null},
        ])
    );
    // In the team's zone, whatever the reader's.
    let output = repo
        .cmd(&["show", "INC-1"])
        .env("TZ", "America/New_York")
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let roles = text
        .split("\nRoles\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Roles section");
    assert_eq!(
        roles,
        [
            "  ROLE       WHO    FROM              UNTIL",
            "  commander  ana    2026-11-23 10:05  2026-11-23 11:30",
            "             kenji  2026-11-23 11:30  2026-11-23 13:00",
            "             ana    2026-11-23 13:00  now",
            "  comms      ben    2026-11-23 10:20  now",
        ]
        .join("\n")
    );
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    assert!(
        md.contains(
            "## Roles\n\n| Role      | Who   | From             | Until            |\n\
             |-----------|-------|------------------|------------------|\n\
             | commander | ana   | 2026-11-23 10:05 | 2026-11-23 11:30 |\n\
             |           | kenji | 2026-11-23 11:30 | 2026-11-23 13:00 |\n\
             |           | ana   | 2026-11-23 13:00 | now              |\n\
             | comms     | ben   | 2026-11-23 10:20 | now              |\n"
        ),
        "{md}"
    );
}

/// One page of the site built from the branch.
fn site_page(repo: &TestRepo, path: &str) -> String {
    let out = repo.home.path().join("public");
    repo.ok(&["site", "--out", out.to_str().expect("utf-8")]);
    std::fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_site_shows_the_hand_offs_on_the_incident_page() {
    let repo = two_hand_offs();
    let page = site_page(&repo, "incidents/INC-1.html");
    assert!(
        page.contains(
            "<th scope=\"row\">Hand-offs</th><td>commander: ana 2026-11-23 10:05–2026-11-23 11:30, kenji 2026-11-23 11:30–2026-11-23 13:00, ana 2026-11-23 13:00–</td>"
        ),
        "{page}"
    );
    // ben never handed comms on: no hand-off to show.
    assert!(!page.contains("comms: ben 2026"), "{page}");
}

#[test]
fn ack_and_handoff_feed_one_history() {
    let repo = one_incident();
    ack(&repo, "ana", "10:05");
    // A takeover by `ack` is a hand-off too.
    ack(&repo, "kenji", "10:40");
    let entry = last_entry(&repo);
    assert_eq!(
        (&entry["role"], &entry["from"], &entry["to"]),
        (&json!("commander"), &json!("ana"), &json!("kenji"))
    );
    repo.ok(&["handoff", "INC-1", "--to", "carol", "--at", &tokyo("12:00")]);
    let shown = repo.json(&["show", "INC-1"]);
    assert_eq!(shown["times"]["acknowledged"], tokyo("10:05"));
    let held: Vec<(&str, &str, &str)> = shown["roles_held"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|h| {
            (
                h["who"].as_str().unwrap_or_default(),
                h["from"].as_str().unwrap_or("?"),
                h["until"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("ana", &*tokyo("10:05"), &*tokyo("10:40")),
            ("kenji", &*tokyo("10:40"), &*tokyo("12:00")),
            ("carol", &*tokyo("12:00"), "-"),
        ]
    );
}

/// A `[[task]]` table for a repeating step.
fn task(every: &str, audience: &str) -> String {
    format!(
        "\n[[task]]\nid = \"T{every}{audience}\"\ntitle = \"Update {audience}\"\nevery = \"{every}\"\naudience = \"{audience}\"\n"
    )
}

/// A communication at `hhmm`; `posted` false is a post the webhook did not take.
fn update(hhmm: &str, audience: &str, posted: Option<bool>) -> String {
    let posted = posted.map_or(String::new(), |p| format!("posted = {p}\n"));
    format!(
        "\n[[timeline]]\nat = {}\nkind = \"communication\"\ntext = \"Update for {audience}\"\naudience = \"{audience}\"\n{posted}",
        tokyo(hhmm)
    )
}

fn append(dir: &std::path::Path, n: u32, text: &str) {
    let path = dir.join(incident_path(n));
    let mut file = std::fs::read_to_string(&path).expect("incident.toml");
    file.push_str(text);
    std::fs::write(path, file).expect("write");
}

/// Five incidents detected at 10:00 on 2026-11-23 (Tokyo), the clock at 14:00, the
/// metrics taken as of 14:00. Updates are to cs or customers unless said otherwise.
///
/// - INC-1 (SEV3): cadence 30m (cs). Updates 10:10 (cs), 10:40 (customers), 11:10 (cs,
///   failed post: not counted), 11:15 (internal: not counted), 11:30 (cs), 12:10 (cs,
///   after the impact). Mitigated 12:00, resolved 12:30.
///   first update 10:10: 600 s. Gaps up to 12:00: 30m, 50m, 30m; 50m > 30m: listed,
///   longest_gap 3000.
/// - INC-2 (SEV3): cadence 1h (customers; its 20m internal step does not count).
///   Updates 10:25, 11:15; mitigated 11:45.
///   first update 1500 s. Gaps 50m, 30m; none over 1h: not listed.
/// - INC-3 (SEV4): cadence 2h (cs), still open. One update at 11:00.
///   first update 3600 s. Gap from 11:00 to 14:00 (as of): 3h > 2h: listed, 10800.
/// - INC-4 (SEV3): cadence 30m (cs), still open. Only an internal update (10:05) and a
///   failed cs post (10:10): no customer-facing update, so no first update and no gap
///   checked (it is among the incidents with a cadence all the same).
/// - INC-5: a drill with a 1 m first update and a 5m cadence it missed: left out.
///
/// time_to_first_update over 600, 1500, 3600: median the 2nd (1500), p90 the
/// ceil(2.7) = 3rd (3600), mean 5700 / 3 = 1900; without_update 1 (INC-4).
/// update_gaps: 2 of 4 (INC-1, INC-3).
fn updates_worked_by_hand() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.tick(4 * 3600);
    let detected = tokyo("10:00");
    for (severity, drill) in [
        ("SEV3", false),
        ("SEV3", false),
        ("SEV4", false),
        ("SEV3", false),
        ("SEV3", true),
    ] {
        let mut args = vec![
            "new",
            "Checkout slow",
            "-s",
            severity,
            "--detected",
            &detected,
        ];
        if drill {
            args.push("--drill");
        }
        repo.ok(&args);
    }
    repo.ok(&["status", "INC-1", "mitigated", "--at", &tokyo("12:00")]);
    repo.ok(&["status", "INC-1", "resolved", "--at", &tokyo("12:30")]);
    repo.ok(&["status", "INC-2", "mitigated", "--at", &tokyo("11:45")]);
    hand_commit(&repo, "Updates and tasks by hand", |dir| {
        let mut inc1 = task("30m", "cs");
        for (at, audience, posted) in [
            ("10:10", "cs", None),
            ("10:40", "customers", Some(true)),
            ("11:10", "cs", Some(false)),
            ("11:15", "internal", None),
            ("11:30", "cs", None),
            ("12:10", "cs", None),
        ] {
            inc1.push_str(&update(at, audience, posted));
        }
        append(dir, 1, &inc1);
        let inc2 = [
            task("1h", "customers"),
            task("20m", "internal"),
            update("10:25", "customers", None),
            update("11:15", "customers", None),
        ];
        append(dir, 2, &inc2.concat());
        append(dir, 3, &(task("2h", "cs") + &update("11:00", "cs", None)));
        let inc4 = [
            task("30m", "cs"),
            update("10:05", "internal", None),
            update("10:10", "cs", Some(false)),
        ];
        append(dir, 4, &inc4.concat());
        append(dir, 5, &(task("5m", "cs") + &update("10:01", "cs", None)));
    });
    repo
}

#[test]
fn update_metrics_worked_out_by_hand() {
    let repo = updates_worked_by_hand();
    let as_of = tokyo("14:00");
    let metrics = repo.json(&["metrics", "--as-of", &as_of]);
    assert_eq!(metrics["incidents"]["total"], 4);
    assert_eq!(
        metrics["time_to_first_update"],
        json!({"count": 3, "median": 1500, "p90": 3600, "mean": 1900, "without_update": 1})
    );
    assert_eq!(
        metrics["update_gaps"],
        json!({
            "count": 2,
            "of": 4,
            "incidents": [
                {"id": "INC-1", "every": 1800, "longest_gap": 3000},
                {"id": "INC-3", "every": 7200, "longest_gap": 10800},
            ]
        })
    );
    // Earlier, INC-3's gap (11:00 to 12:30) is within its 2h.
    let earlier = repo.json(&["metrics", "--as-of", &tokyo("12:30")]);
    assert_eq!(earlier["update_gaps"]["count"], 1);
    let text = repo.ok(&["metrics", "--as-of", &as_of]);
    for expected in [
        "time to first update      3  25m 00s  1h 00m  31m 40s  detected -> first update to cs/customers",
        "no update to cs or customers: 1 of 4 incidents",
        "update gaps: 2 of 4 incidents with a cadence went longer without an update: INC-1 (50m apart, every 30m), INC-3 (3h apart, every 2h)",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let md = repo.ok(&["metrics", "--as-of", &as_of, "--format", "md"]);
    assert!(md.contains("- update gaps: 2 of 4"), "{md}");
    let csv = repo.ok(&["metrics", "--as-of", &as_of, "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap_or_default().ends_with(
            ",time_to_first_update_count,time_to_first_update_median,time_to_first_update_p90,time_to_first_update_mean,time_to_first_update_without_update,update_gaps_count,update_gaps_of"
        ),
        "{csv}"
    );
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .ends_with(",3,1500,3600,1900,1,2,4"),
        "{csv}"
    );
}

#[test]
fn a_hand_committed_update_changes_the_warm_metrics() {
    let repo = updates_worked_by_hand();
    let as_of = tokyo("14:00");
    let before = repo.json(&["metrics", "--as-of", &as_of]);
    assert_eq!(before["time_to_first_update"]["without_update"], 1);
    // INC-4 tells customer success at 10:30, by hand; the index is warm.
    hand_commit(&repo, "INC-4: told cs", |dir| {
        append(dir, 4, &update("10:30", "cs", None));
    });
    let after = repo.json(&["metrics", "--as-of", &as_of]);
    // First updates 600, 1500, 1800, 3600: median the 2nd (1500), p90 the 4th (3600),
    // mean 7500 / 4 = 1875. INC-4, still open, has gone 3h 30m without one since.
    assert_eq!(
        after["time_to_first_update"],
        json!({"count": 4, "median": 1500, "p90": 3600, "mean": 1875, "without_update": 0})
    );
    assert_eq!(after["update_gaps"]["count"], 3);
    assert_eq!(
        after["update_gaps"]["incidents"][2],
        json!({"id": "INC-4", "every": 1800, "longest_gap": 12600})
    );
    // The same as from nothing.
    let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
    assert_eq!(repo.json(&["metrics", "--as-of", &as_of]), after);
}

#[test]
fn the_sites_metrics_page_shows_the_update_figures_as_metrics_json_says() {
    let repo = updates_worked_by_hand();
    let page = site_page(&repo, "metrics.html");
    let marker = "<script type=\"application/json\" id=\"metrics-data\">";
    let start = page.find(marker).expect("embedded JSON") + marker.len();
    let end = start + page[start..].find("</script>").expect("end");
    let embedded: Value = serde_json::from_str(&page[start..end]).expect("JSON");
    let window = &embedded["last_90_days"];
    // The tip commit's time is "now": 14:00, as in the figures worked out above.
    assert_eq!(window["window"]["as_of"], tokyo("14:00"));
    assert_eq!(window, &repo.json(&["metrics", "--as-of", &tokyo("14:00")]));
    let section = &page[page.find("data-window=\"last_90_days\"").expect("section")..];
    for (metric, value) in [
        ("time_to_first_update.median", "1500"),
        ("time_to_first_update.without_update", "1"),
        ("update_gaps.count", "2"),
        ("update_gaps.of", "4"),
    ] {
        let cell = format!("data-metric=\"{metric}\" data-value=\"{value}\"");
        assert!(section.contains(&cell), "{cell}");
    }
}
