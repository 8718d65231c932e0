//! The response flow: `new` records and prints it, a raised severity adds to it, `task`
//! shows and ticks it, and `check` and the attention view flag what is overdue.

use std::process::Output;

use chrono::{DateTime, Duration, FixedOffset};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, replace};

/// An initialised branch (with `init`'s default flow) whose clock is the wall clock, so
/// that reads, which judge overdue steps at the real now, agree with the writes.
fn live(args: &[&str]) -> TestRepo {
    let repo = TestRepo::new();
    repo.now.set(chrono::Utc::now().timestamp());
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    repo.ok(&all);
    repo
}

/// INC-1, a SEV1 detected at `detected` (like "20m ago"), with the default flow.
fn payments_failing(detected: &str) -> TestRepo {
    let repo = live(&[]);
    repo.ok(&[
        "new",
        "Payments failing",
        "-s",
        "SEV1",
        "--detected",
        detected,
    ]);
    repo
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

fn time(value: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time")).expect("RFC 3339")
}

/// The lines of the flow `new` printed, after its heading.
fn flow_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .skip_while(|l| !l.starts_with("Response flow for"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect()
}

/// The display column where a line's timing `(…)` starts.
fn timing_column(line: &str) -> Option<usize> {
    line.find(" (").map(|i| line[..i + 1].width())
}

#[test]
fn new_prints_the_flow_on_stderr_and_records_it_as_tasks() {
    let repo = live(&[]);
    let output = repo.run(&["new", "Payments failing", "--severity", "sev1"]);
    assert!(output.status.success());
    // Scripts capture only the ID.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "INC-1\n");
    let said = stderr(&output);
    assert!(
        said.starts_with("Response flow for SEV1 (from config.toml):\n"),
        "{said}"
    );
    let lines = flow_lines(&said);
    assert_eq!(lines.len(), 5, "{said}");
    assert!(
        lines[0].starts_with("  [ ] T1  Name a commander "),
        "{said}"
    );
    assert!(lines[0].ends_with("(within 5m)"), "{said}");
    assert!(
        lines[2].starts_with(
            "  [ ] T3  Tell customer success in #cs-alerts  (within 15m, then every 30m)"
        ),
        "{said}"
    );
    let columns: Vec<usize> = lines.iter().filter_map(|l| timing_column(l)).collect();
    assert_eq!(columns.len(), 4, "{said}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{said}");
    assert!(lines.iter().all(|l| l.width() <= 80), "{said}");

    let file = repo.file(&incident_path(1));
    assert_eq!(file.matches("[[task]]").count(), 5, "{file}");
    assert!(file.contains("[[task]]\nid = \"T3\"\ntitle = \"Tell customer success in #cs-alerts\"\nwithin = \"15m\"\nevery = \"30m\"\nrole = \"comms\"\naudience = \"cs\"\n"), "{file}");

    // `-q` silences it; `--json` prints the incident, tasks included.
    let quiet = repo.run(&["new", "Search down", "-s", "SEV2", "-q"]);
    assert_eq!(String::from_utf8_lossy(&quiet.stdout), "INC-2\n");
    assert_eq!(stderr(&quiet), "");
    let shown = repo.json(&["new", "Mail delayed", "-s", "SEV2"]);
    assert_eq!(shown["task"].as_array().map(Vec::len), Some(5));
    assert_eq!(shown["task"][0]["within"], "15m");
    // A level without a flow prints nothing after the ID.
    let minor = repo.run(&["new", "Typo", "-s", "SEV4"]);
    assert_eq!(stderr(&minor), "");
    assert!(!repo.file(&incident_path(4)).contains("[[task]]"));
}

#[test]
fn raising_the_severity_adds_the_missing_steps_and_its_timings() {
    let repo = live(&[]);
    repo.ok(&["new", "Search slow", "-s", "SEV3"]);
    let none = repo.ok(&["task", "INC-1"]);
    assert!(none.starts_with("INC-1 has no tasks"), "{none}");
    assert!(none.contains("[[severity.step]]"), "{none}");
    assert_eq!(repo.json(&["task", "INC-1"]), serde_json::json!([]));

    let raised = repo.run(&["set", "INC-1", "severity=SEV2"]);
    assert!(raised.status.success());
    let said = stderr(&raised);
    assert!(
        said.starts_with(
            "INC-1: severity = SEV2\nResponse flow for SEV2 (from config.toml, 5 tasks added):\n"
        ),
        "{said}"
    );
    assert_eq!(repo.file(&incident_path(1)).matches("[[task]]").count(), 5);
    repo.ok(&["task", "INC-1", "done", "T1"]);

    // SEV1 has one step more; the others are tasks already and take SEV1's timings.
    hand_commit(&repo, "A sixth step for SEV1", |dir| {
        replace(
            dir,
            "config.toml",
            "\n[[severity]]\nname = \"SEV2\"",
            "\n[[severity.step]]\nid = \"T6\"\ntitle = \"Page the database team\"\nwithin = \"10m\"\n\n[[severity]]\nname = \"SEV2\"",
        );
    });
    let raised = repo.run(&["set", "INC-1", "severity=SEV1"]);
    let said = stderr(&raised);
    assert!(
        said.contains(
            "Response flow for SEV1 (from config.toml, 1 task added, 4 tasks updated):\n"
        ),
        "{said}"
    );
    let lines = flow_lines(&said);
    assert_eq!(lines.len(), 6, "{said}");
    assert!(lines[0].starts_with("  [x] T1  Name a commander"), "{said}");
    assert!(lines[0].ends_with("(within 5m)"), "{said}");
    assert!(lines[2].ends_with("(within 15m, then every 30m)"), "{said}");
    assert!(
        lines[5].starts_with("  [ ] T6  Page the database team"),
        "{said}"
    );
    let file = repo.file(&incident_path(1));
    assert_eq!(file.matches("[[task]]").count(), 6, "{file}");
    assert_eq!(file.matches("id = \"T1\"").count(), 1, "{file}");
    // Done before the raise, done after: the entry names the task by its id.
    assert_eq!(
        repo.json(&["task", "INC-1"])[0]["done"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "T1 stays done"
    );

    // Lowering keeps every task and prints no flow.
    let lowered = repo.run(&["set", "INC-1", "severity=SEV3"]);
    assert_eq!(stderr(&lowered), "INC-1: severity = SEV3\n");
    assert_eq!(
        repo.json(&["task", "INC-1"]).as_array().map(Vec::len),
        Some(6)
    );
}

#[test]
fn task_json_has_the_contract_shape_with_done_due_and_overdue() {
    let repo = payments_failing("20m ago");
    repo.ok(&[
        "task",
        "INC-1",
        "done",
        "t1",
        "--note",
        "ana takes command",
        "--at",
        "18m ago",
    ]);
    repo.ok(&["task", "INC-1", "done", "T3", "--at", "15m ago"]);
    repo.ok(&[
        "task",
        "INC-1",
        "done",
        "T3",
        "--at",
        "5m ago",
        "--note",
        "second update",
    ]);
    let incident = repo.json(&["show", "INC-1"]);
    let detected = time(&incident["times"]["detected"]);
    let tasks = repo.json(&["task", "INC-1"]);
    let tasks = tasks.as_array().expect("an array");
    assert_eq!(tasks.len(), 5);
    let keys: Vec<&str> = tasks[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "id", "title", "within", "every", "role", "done", "overdue", "due",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);

    let t1 = &tasks[0];
    assert_eq!(t1["id"], "T1");
    assert_eq!(t1["title"], "Name a commander");
    assert_eq!(t1["within"], "5m");
    assert_eq!(t1["every"], Value::Null);
    assert_eq!(t1["done"][0]["by"], "Pat Example");
    assert_eq!(t1["done"][0]["note"], "ana takes command");
    assert_eq!(time(&t1["done"][0]["at"]), detected + Duration::minutes(2));
    assert_eq!(
        (&t1["overdue"], &t1["due"]),
        (&Value::Bool(false), &Value::Null)
    );

    // Never done, 15m after detection: overdue for five minutes.
    let t2 = &tasks[1];
    assert_eq!(t2["role"], "comms");
    assert_eq!(t2["done"], serde_json::json!([]));
    assert_eq!(t2["overdue"], true);
    assert_eq!(time(&t2["due"]), detected + Duration::minutes(15));

    // Repeating: done twice, due again 30m after the last.
    let t3 = &tasks[2];
    assert_eq!(t3["every"], "30m");
    assert_eq!(t3["done"].as_array().map(Vec::len), Some(2));
    assert_eq!(t3["done"][0]["note"], Value::Null);
    assert_eq!(t3["done"][1]["note"], "second update");
    assert_eq!(t3["overdue"], false);
    assert_eq!(time(&t3["due"]), detected + Duration::minutes(45));

    // Every 30m with no `within`: first due 30m after detection, in ten minutes.
    assert_eq!(tasks[3]["overdue"], false);
    assert_eq!(time(&tasks[3]["due"]), detected + Duration::minutes(30));
    // No timing: never due.
    assert_eq!(
        (&tasks[4]["due"], &tasks[4]["overdue"]),
        (&Value::Null, &Value::Bool(false))
    );

    let text = repo.ok(&["task", "INC-1"]);
    assert!(text.contains("2 of 5 done, 1 overdue"), "{text}");
    assert!(text.contains("  [x] T1  Name a commander"), "{text}");
    assert!(text.contains(": ana takes command\n"), "{text}");
    assert!(
        text.contains("  [!] T2  Open the status page incident"),
        "{text}"
    );
    assert!(text.contains("comms · due "), "{text}");
    assert!(text.contains(", overdue 5m\n"), "{text}");
    assert!(text.contains("next due "), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour off a terminal: {text}");
}

#[test]
fn task_done_records_an_action_and_refuses_a_second_done_or_an_unknown_step() {
    let repo = live(&[]);
    repo.ok(&["new", "Payments failing", "-s", "SEV1"]);
    let output = repo.run(&[
        "task",
        "INC-1",
        "done",
        "t3",
        "--note",
        "posted in #cs-alerts",
    ]);
    assert!(output.status.success());
    assert_eq!(stderr(&output), "INC-1: task T3 done\n");
    let file = repo.file(&incident_path(1));
    assert!(
        file.contains("kind = \"action\"\ntext = \"T3 Tell customer success in #cs-alerts: posted in #cs-alerts\"\nauthor = \"Pat Example\"\ntask = \"T3\"\n"),
        "{file}"
    );
    // A repeating step is done again and again; --json prints the task.
    let again = repo.json(&["task", "INC-1", "done", "T3"]);
    assert_eq!(again["id"], "T3");
    assert_eq!(again["done"].as_array().map(Vec::len), Some(2));

    repo.ok(&[
        "task",
        "INC-1",
        "done",
        "T1",
        "--link",
        "https://chat.example/p/1",
    ]);
    let tip = repo.tip();
    let refused = repo.fails(1, &["task", "INC-1", "done", "T1"]);
    assert!(
        refused.starts_with("error: INC-1 T1 \"Name a commander\" was already done at "),
        "{refused}"
    );
    assert!(refused.contains(" by Pat Example\n"), "{refused}");
    let unknown = repo.fails(1, &["task", "INC-1", "done", "T9"]);
    assert!(
        unknown.starts_with("error: INC-1 has no task \"T9\": its tasks are T1, T2, T3, T4, T5\n"),
        "{unknown}"
    );
    let bad_link = repo.fails(1, &["task", "INC-1", "done", "T2", "--link", "chat"]);
    assert!(bad_link.contains("invalid link \"chat\""), "{bad_link}");
    assert_eq!(repo.tip(), tip, "nothing written");

    // TAB completes incident IDs, and step ids after `done`.
    assert_eq!(repo.ok(&["__complete", "--", "task", ""]), "INC-1\n");
    assert_eq!(
        repo.ok(&["__complete", "--", "task", "INC-1", "done", ""]),
        "T1\nT2\nT3\nT4\nT5\n"
    );
    let help = repo.ok(&["task", "--help"]);
    assert!(help.contains("git incident task INC-12 done T3"), "{help}");
}

#[test]
fn taking_command_does_the_step_that_waits_for_it() {
    // `ack` after the 5 minutes T1 allows: late, then done by the ack itself.
    let repo = payments_failing("10 minutes ago");
    let t1 = |repo: &TestRepo| repo.json(&["task", "INC-1"])[0].clone();
    assert_eq!(t1(&repo)["overdue"], true);
    let shown = repo.ok(&["show", "INC-1"]);
    assert!(
        shown.contains("\nResponse flow\n  0 of 5 tasks done, 1 overdue (T1); the checklist: git incident task INC-1\n"),
        "{shown}"
    );
    repo.ok(&["ack", "INC-1", "--commander", "ana"]);
    let shown = repo.ok(&["show", "INC-1"]);
    assert!(
        shown.contains(
            "\nResponse flow\n  1 of 5 tasks done; the checklist: git incident task INC-1\n"
        ),
        "{shown}"
    );
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    assert!(md.contains("\n## Response flow\n\n"), "{md}");
    let row = |task: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {task} ")))
            .unwrap_or_else(|| panic!("no {task} row in {md}"))
            .to_string()
    };
    assert!(row("T1").contains(" by ana "), "{md}");
    assert!(row("T2").contains("| not done "), "{md}");
    let done = t1(&repo);
    assert_eq!(done["overdue"], false);
    assert_eq!(done["done"][0]["by"], "ana");
    assert_eq!(done["done"][0]["note"], "took command");
    let refused = repo.fails(1, &["task", "INC-1", "done", "T1"]);
    assert!(refused.contains("was already done at "), "{refused}");
    // `new --commander` takes command as the incident opens.
    repo.ok(&["new", "Queue stuck", "-s", "SEV1", "--commander", "kenji"]);
    let opened = repo.json(&["task", "INC-2"])[0].clone();
    assert_eq!(opened["done"][0]["by"], "kenji");
    assert_eq!(opened["due"], Value::Null);
}

#[test]
fn nothing_is_overdue_once_resolved_but_what_was_never_done_shows() {
    let repo = payments_failing("1h ago");
    repo.ok(&["task", "INC-1", "done", "T1", "--at", "55m ago"]);
    assert_eq!(repo.json(&["task", "INC-1"])[1]["overdue"], true);
    repo.ok(&["status", "INC-1", "resolved"]);
    let tasks = repo.json(&["task", "INC-1"]);
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["overdue"] == false),
        "{tasks}"
    );
    let text = repo.ok(&["task", "INC-1"]);
    assert!(text.contains("not done (was due "), "{text}");
    assert!(!text.contains("[!]"), "{text}");
    assert!(!repo.ok(&["check"]).contains("overdue"));
    assert_eq!(repo.json(&[])["tasks"], serde_json::json!([]));
}

#[test]
fn check_and_the_attention_view_report_overdue_tasks() {
    let repo = payments_failing("20m ago");
    repo.ok(&["task", "INC-1", "done", "T1"]);
    repo.ok(&["task", "INC-1", "done", "T3"]);
    let file = repo.file(&incident_path(1));
    let t2_line = file
        .lines()
        .position(|l| l == "id = \"T2\"")
        .expect("T2 is a task");
    let check = repo.ok(&["check"]);
    let expected = format!(
        "{}:{t2_line}: warning: task T2 \"Open the status page incident\" is overdue: due ",
        incident_path(1)
    );
    assert!(check.contains(&expected), "{check}");
    assert!(
        check.contains("ago); `git incident task INC-1 done T2` does it\n"),
        "{check}"
    );
    assert_eq!(check.matches("is overdue").count(), 1, "{check}");
    // Entries that did a task need no evidence link: the commit records them.
    assert!(!check.contains("evidence"), "{check}");

    let view = repo.json(&[]);
    let tasks = view["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 1, "{view}");
    assert_eq!(tasks[0]["incident"], "INC-1");
    assert_eq!(tasks[0]["id"], "T2");
    assert_eq!(tasks[0]["title"], "Open the status page incident");
    assert_eq!(tasks[0]["role"], "comms");
    let detected = time(&repo.json(&["show", "INC-1"])["times"]["detected"]);
    assert_eq!(time(&tasks[0]["due"]), detected + Duration::minutes(15));
    let text = repo.ok(&[]);
    assert!(text.contains("Overdue tasks (1)"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("INC-1     T2"))
        .expect("a row");
    assert!(
        row.contains(" 5m ") && row.ends_with("Open the status page incident"),
        "{row}"
    );
}

#[test]
fn check_sees_a_task_fall_overdue_with_no_commit_in_between() {
    let repo = TestRepo::new();
    // Writes run four minutes behind the wall clock, so the incident can be detected a
    // few seconds after the real now: the first check is sure to come before its step
    // falls due, the second (after a sleep) after.
    let wall = chrono::Utc::now();
    repo.now.set(wall.timestamp() - 240);
    repo.ok(&["init"]);
    hand_commit(&repo, "A fast step for SEV3", |dir| {
        replace(
            dir,
            "config.toml",
            "ack_target = \"1h\"\n",
            "ack_target = \"1h\"\n\n[[severity.step]]\nid = \"T1\"\ntitle = \"Look\"\nwithin = \"1s\"\n",
        );
    });
    let detected = (wall + Duration::seconds(4)).to_rfc3339();
    repo.ok(&["new", "Search slow", "-s", "SEV3", "--detected", &detected]);
    let first = repo.ok(&["check"]);
    assert!(!first.contains("is overdue"), "{first}");
    let due = wall + Duration::seconds(6);
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    std::thread::sleep(wait);
    let second = repo.ok(&["check"]);
    assert!(
        second.contains("warning: task T1 \"Look\" is overdue"),
        "{second}"
    );
}

#[test]
fn check_reports_task_tables_with_bad_timings_or_repeated_ids() {
    let repo = live(&[]);
    repo.ok(&["new", "Payments failing", "-s", "SEV2", "-q"]);
    hand_commit(&repo, "Hand edits to the tasks", |dir| {
        let path = incident_path(1);
        replace(dir, &path, "within = \"30m\"", "within = \"soon\"");
        replace(dir, &path, "id = \"T5\"", "id = \"t1\"");
    });
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("error: task T2: within \"soon\" is not a duration like \"15m\""),
        "{out}"
    );
    assert!(out.contains("error: task \"t1\" is listed twice"), "{out}");
}

#[test]
fn the_default_flow_speaks_the_configs_language_and_passes_check() {
    let repo = live(&["--language", "ja", "--timezone", "Asia/Tokyo"]);
    let config = repo.file("config.toml");
    assert!(
        config.contains("title = \"インシデントコマンダーを決める\""),
        "{config}"
    );
    assert!(config.contains("#   every:"), "{config}");
    assert!(repo.ok(&["check"]).is_empty());
    let output = repo
        .cmd(&["new", "決済が失敗する", "-s", "SEV1"])
        .env("TZ", "America/New_York")
        .output()
        .expect("runs");
    let said = stderr(&output);
    let lines = flow_lines(&said);
    assert_eq!(lines.len(), 5, "{said}");
    assert!(
        lines[0].starts_with("  [ ] T1  インシデントコマンダーを決める "),
        "{said}"
    );
    // Japanese titles are two columns a character: the timings still line up.
    let columns: Vec<usize> = lines.iter().filter_map(|l| timing_column(l)).collect();
    assert!(
        columns.len() >= 3 && columns.windows(2).all(|w| w[0] == w[1]),
        "{said}"
    );
    assert!(lines.iter().all(|l| l.width() <= 80), "{said}");

    let english = live(&[]);
    let config = english.file("config.toml");
    assert!(config.contains("title = \"Name a commander\""), "{config}");
    assert!(english.ok(&["check"]).is_empty());
}
