//! Action items: add, list across incidents, done, set; bad input writes nothing.

use crate::common::TestRepo;
use crate::postmortem::{PM, hand_edit, resolved_incident};

fn subjects(repo: &TestRepo, n: usize) -> Vec<String> {
    repo.git(&["log", "--format=%s", "incidents"])
        .lines()
        .take(n)
        .map(str::to_string)
        .collect()
}

/// The incident of `resolved_incident` with the two action items of the contract's example.
fn with_actions() -> TestRepo {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    let a1 = repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Idempotency keys on /charge",
        "--kind",
        "prevent",
        "--owner",
        "carol",
        "--due",
        "2026-12-01",
    ]);
    assert_eq!(a1.trim(), "INC-1.A1");
    let a2 = repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on duplicate charges",
        "--kind",
        "detect",
        "--owner",
        "dave",
        "--due",
        "2026-11-30",
    ]);
    assert_eq!(a2.trim(), "INC-1.A2");
    repo
}

#[test]
fn add_done_and_set_one_commit_each() {
    let repo = with_actions();
    repo.tick(120);
    repo.ok(&["action", "done", "INC-1.A2"]);
    repo.ok(&[
        "action",
        "set",
        "INC-1.A1",
        "status=in_progress",
        "link=https://tracker/123",
    ]);
    assert_eq!(
        subjects(&repo, 4),
        [
            "INC-1: INC-1.A1 set status, link",
            "INC-1: INC-1.A2 done",
            "INC-1: action + INC-1.A2 \"Alert on duplicate charges\"",
            "INC-1: action + INC-1.A1 \"Idempotency keys on /charge\"",
        ]
    );
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    let (a1, a2) = (&pm["action"][0], &pm["action"][1]);
    assert_eq!(a1["status"], "in_progress");
    assert_eq!(a1["link"], "https://tracker/123");
    assert_eq!(a1["due"], "2026-12-01");
    assert_eq!(a1["kind"], "prevent");
    assert_eq!(a2["status"], "done");
    // done_at is the commit's committer time.
    assert_eq!(a2["done_at"], "2026-11-23T10:14:00+09:00");
    let err = repo.fails(1, &["action", "done", "INC-1.A2"]);
    assert!(err.starts_with("error: INC-1.A2 is already done"), "{err}");

    // status=done through `set` stamps done_at too; reopening clears it.
    repo.ok(&["action", "set", "INC-1.A1", "status=done"]);
    assert_eq!(
        repo.json(&["postmortem", "show", "INC-1"])["action"][0]["done_at"],
        "2026-11-23T10:14:00+09:00"
    );
    repo.ok(&[
        "action",
        "set",
        "INC-1.A1",
        "status=open",
        "owner=erin",
        "notes=Needs design",
    ]);
    let a1 = &repo.json(&["postmortem", "show", "INC-1"])["action"][0];
    assert_eq!(a1["done_at"], serde_json::Value::Null);
    assert_eq!(a1["owner"], "erin");
    assert_eq!(a1["notes"], "Needs design");
}

#[test]
fn edits_are_minimal_and_keep_comments() {
    let repo = with_actions();
    let text = repo.file(PM);
    // The guidance on action items stays right above the first one.
    assert!(
        text.contains(
            "that will get done over a long list that will not.\n[[action]]\nid = \"INC-1.A1\""
        ),
        "{text}"
    );
    repo.ok(&["action", "done", "INC-1.A1"]);
    let numstat = repo.git(&["diff", "--numstat", "incidents~1", "incidents"]);
    assert!(
        numstat.starts_with("2\t1\t"),
        "status changed, done_at added: {numstat}"
    );
    let after = repo.file(PM);
    assert_eq!(
        after.lines().filter(|l| l.starts_with('#')).count(),
        text.lines().filter(|l| l.starts_with('#')).count()
    );
    // Comments written by hand survive too.
    hand_edit(&repo, PM, |text| {
        text.replace(
            "kind = \"detect\"\nowner = \"dave\"",
            "# agreed in the weekly review\nkind = \"detect\"\nowner = \"dave\" # until January",
        )
    });
    repo.ok(&["action", "set", "INC-1.A2", "owner=erin", "due=2026-12-24"]);
    repo.ok(&["action", "done", "INC-1.A2"]);
    let text = repo.file(PM);
    assert!(
        text.contains("# agreed in the weekly review\nkind = \"detect\"\nowner = \"erin\" # until January\ndue = 2026-12-24\n"),
        "{text}"
    );
}

#[test]
fn add_without_a_postmortem_starts_one_in_the_same_commit() {
    let repo = resolved_incident();
    let before = repo.tip();
    repo.ok(&[
        "action",
        "add",
        "1",
        "Page payments on-call",
        "--kind",
        "mitigate",
    ]);
    assert_eq!(repo.git(&["rev-parse", "incidents~1"]).trim(), before);
    let text = repo.file(PM);
    assert!(text.contains("# Root cause, by 5 Whys"), "{text}");
    assert!(text.contains("id = \"INC-1.A1\""), "{text}");
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["status"], "draft");
    assert_eq!(pm["action"][0]["status"], "open");
}

#[test]
fn ids_are_never_reused() {
    let repo = with_actions();
    repo.ok(&["action", "set", "INC-1.A2", "status=wont_do"]);
    repo.ok(&["action", "done", "INC-1.A1"]);
    let a3 = repo.ok(&["action", "add", "INC-1", "Runbook", "--kind", "process"]);
    assert_eq!(a3.trim(), "INC-1.A3");
}

#[test]
fn list_filters_across_incidents() {
    let repo = with_actions();
    repo.ok(&["new", "Search is slow", "--severity", "SEV3"]);
    repo.ok(&[
        "action",
        "add",
        "INC-2",
        "Add an index",
        "--kind",
        "prevent",
        "--owner",
        "carol",
        "--due",
        "2026-12-20",
    ]);
    repo.ok(&["action", "done", "INC-1.A2"]);
    repo.ok(&["action", "set", "INC-1.A1", "status=in_progress"]);

    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["action", "list"];
        all.extend_from_slice(args);
        repo.json(&all)
            .as_array()
            .expect("array")
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(ids(&[]), ["INC-1.A1", "INC-1.A2", "INC-2.A1"]);
    assert_eq!(
        ids(&["--owner", "carol", "--open"]),
        ["INC-1.A1", "INC-2.A1"]
    );
    assert_eq!(ids(&["--open"]), ["INC-1.A1", "INC-2.A1"]);
    assert_eq!(ids(&["--kind", "detect"]), ["INC-1.A2"]);
    assert_eq!(ids(&["--overdue", "--as-of", "2026-12-15"]), ["INC-1.A1"]);
    assert_eq!(
        ids(&["--overdue", "--as-of", "2026-12-01"]),
        Vec::<String>::new()
    );
    let json = repo.json(&["action", "list", "--as-of", "2026-12-15"]);
    assert_eq!(json[0]["incident"], "INC-1");
    assert_eq!(json[0]["overdue"], true);
    assert_eq!(json[2]["overdue"], false);

    let table = repo.ok(&["action", "list", "--overdue", "--as-of", "2026-12-15"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[0].starts_with("ID        KIND     STATUS       OWNER  DUE"),
        "{table}"
    );
    assert!(
        lines[1].starts_with(
            "INC-1.A1  prevent  in_progress  carol  2026-12-01 overdue  Idempotency keys on /charge"
        ),
        "{table}"
    );
    let err = repo.fails(2, &["action", "list", "--kind", "fix"]);
    assert!(
        err.starts_with("error: invalid value 'fix' for '--kind <K>'"),
        "{err}"
    );
}

#[test]
fn bad_input_exits_1_and_writes_nothing() {
    let repo = with_actions();
    let tip = repo.tip();
    for (args, expected) in [
        (
            vec!["action", "done", "INC-1.A9"],
            "error: no action item INC-1.A9",
        ),
        (
            vec!["action", "done", "INC-1.X1"],
            "error: invalid action ID",
        ),
        (vec!["action", "done", "INC-1"], "error: invalid action ID"),
        (
            vec!["action", "done", "INC-5.A1"],
            "error: no incident INC-5",
        ),
        (
            vec![
                "action", "add", "INC-1", "T", "--kind", "detect", "--due", "tomorrow",
            ],
            "error: invalid date \"tomorrow\"",
        ),
        (
            vec!["action", "add", "INC-1", " ", "--kind", "detect"],
            "error: the action title cannot be empty",
        ),
        (
            vec!["action", "set", "INC-1.A1", "due=2026-13-01"],
            "error: invalid date \"2026-13-01\"",
        ),
        (
            vec!["action", "set", "INC-1.A1", "kind=fix"],
            "error: invalid kind \"fix\"",
        ),
        (
            vec!["action", "set", "INC-1.A1", "status=closed"],
            "error: invalid status \"closed\"",
        ),
        (
            vec!["action", "set", "INC-1.A1", "id=INC-1.A7"],
            "error: cannot set \"id\": settable fields of an action item are title, kind, owner, due, status, link, notes",
        ),
        (
            vec!["action", "set", "INC-1.A1", "title="],
            "error: title cannot be empty",
        ),
    ] {
        let err = repo.fails(1, &args);
        assert!(err.starts_with(expected), "{args:?}: {err}");
        assert_eq!(repo.tip(), tip, "{args:?} wrote something");
    }
}

#[test]
fn a_bad_kind_flag_is_a_usage_error() {
    let repo = resolved_incident();
    let tip = repo.tip();
    let err = repo.fails(2, &["action", "add", "INC-1", "T", "--kind", "fix"]);
    assert!(
        err.contains("[possible values: prevent, detect, mitigate, process]"),
        "{err}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn concurrent_adds_get_distinct_ids() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    let children: Vec<_> = (0..5)
        .map(|i| {
            let title = format!("Item {i}");
            repo.cmd(&["action", "add", "INC-1", &title, "--kind", "detect"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut ids: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("wait");
            assert!(output.status.success(), "{output:?}");
            String::from_utf8(output.stdout)
                .expect("utf-8")
                .trim()
                .to_string()
        })
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["INC-1.A1", "INC-1.A2", "INC-1.A3", "INC-1.A4", "INC-1.A5"]
    );
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["action"].as_array().expect("actions").len(), 5);
}

#[test]
fn list_names_a_broken_postmortem_and_lists_the_rest() {
    let repo = with_actions();
    repo.ok(&["new", "Search is slow", "--severity", "SEV3"]);
    repo.ok(&[
        "action",
        "add",
        "INC-2",
        "Add an index",
        "--kind",
        "prevent",
    ]);
    hand_edit(&repo, PM, |text| {
        text.replace("kind = \"detect\"", "kind = 7")
    });
    let output = repo.run(&["action", "list"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("INC-2.A1") && !stdout.contains("INC-1.A1"),
        "{stdout}"
    );
    assert!(stderr.contains(&format!("{PM}:")), "{stderr}");
}
