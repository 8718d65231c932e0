//! Everyday use: acknowledgement targets, people and `me`, what each write says, and
//! git's auto-maintenance after writes.

use serde_json::json;

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, replace};

const AS_OF: &str = "2026-11-24T00:00:00+09:00";

/// Targets from the default config: SEV1 5m, SEV2 15m, SEV3 1h; SEV4's is removed.
///
/// - INC-1 (SEV1): acknowledged after 7 min: missed.
/// - INC-2 (SEV2): acknowledged after 2 min: met.
/// - INC-3 (SEV2): a commander set by hand after 1 min, no time written: the
///   acknowledgement comes from history, met.
/// - INC-4 (SEV3): never acknowledged: not counted.
/// - INC-5 (SEV1 drill) and INC-6 (SEV1, canceled), acknowledged late: left out.
/// - INC-7 (SEV4, no target): not counted.
fn acknowledgements() -> TestRepo {
    let repo = TestRepo::initialized();
    hand_commit(&repo, "No ack target for SEV4", |dir| {
        replace(dir, "config.toml", "ack_target = \"1d\"\n", "");
    });
    repo.ok(&["new", "Checkout down", "-s", "SEV1"]);
    repo.tick(420);
    repo.ok(&["ack", "INC-1"]);
    repo.ok(&["new", "Search slow", "-s", "SEV2"]);
    repo.tick(120);
    repo.ok(&["ack", "INC-2", "--commander", "ana"]);
    repo.ok(&["new", "Mail delayed", "-s", "SEV2"]);
    repo.tick(60);
    hand_commit(&repo, "ana takes INC-3", |dir| {
        replace(
            dir,
            &incident_path(3),
            "status = \"investigating\"",
            "status = \"investigating\"\ncommander = \"ana\"",
        );
    });
    repo.ok(&["new", "Typo on the pricing page", "-s", "SEV3"]);
    repo.ok(&["new", "Game day", "-s", "SEV1", "--drill"]);
    repo.ok(&["new", "False alarm", "-s", "SEV1"]);
    repo.ok(&["new", "Internal dashboard stale", "-s", "SEV4"]);
    repo.tick(3600);
    repo.ok(&["ack", "INC-5"]);
    repo.ok(&["ack", "INC-6"]);
    repo.ok(&["status", "INC-6", "canceled"]);
    repo.ok(&["ack", "INC-7"]);
    repo
}

#[test]
fn show_says_whether_the_ack_target_was_met() {
    let repo = acknowledgements();
    let show = repo.ok(&["show", "INC-1"]);
    assert!(
        show.contains("acknowledged in 7m (target 5m: missed)"),
        "{show}"
    );
    let show = repo.ok(&["show", "INC-2"]);
    assert!(
        show.contains("acknowledged in 2m (target 15m: met)"),
        "{show}"
    );
    // The acknowledgement of INC-3 exists only in history.
    let md = repo.ok(&["show", "INC-3", "--format", "md"]);
    let row = md.lines().find(|l| l.starts_with("| Ack target")).unwrap();
    assert!(
        row.contains("| acknowledged in 1m (target 15m: met)"),
        "{md}"
    );
    // Not acknowledged, or no target: nothing to say.
    assert!(!repo.ok(&["show", "INC-4"]).contains("target"));
    assert!(!repo.ok(&["show", "INC-7"]).contains("target"));
}

#[test]
fn metrics_count_ack_targets_met() {
    let repo = acknowledgements();
    let m = repo.json(&["metrics", "--as-of", AS_OF]);
    assert_eq!(m["ack_target"], json!({"count": 3, "met": 2}));
    let g = repo.json(&["metrics", "--as-of", AS_OF, "--by", "severity"]);
    let by: Vec<(&str, &serde_json::Value)> = g["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), &g["ack_target"]))
        .collect();
    assert_eq!(
        by,
        [
            ("SEV1", &json!({"count": 1, "met": 0})),
            ("SEV2", &json!({"count": 2, "met": 2})),
            ("SEV3", &json!({"count": 0, "met": 0})),
            ("SEV4", &json!({"count": 0, "met": 0})),
        ]
    );
    let text = repo.ok(&["metrics", "--as-of", AS_OF]);
    assert!(text.contains("ack target met  2/3 (67%)"), "{text}");
    let md = repo.ok(&["metrics", "--as-of", AS_OF, "--format", "md"]);
    assert!(md.contains("- ack target met: 2/3 (67%)"), "{md}");
    let csv = repo.ok(&["metrics", "--as-of", AS_OF, "--format", "csv"]);
    let mut lines = csv.lines().map(|line| line.split(',').collect::<Vec<_>>());
    let (header, row) = (lines.next().unwrap(), lines.next().unwrap());
    let at = header
        .iter()
        .position(|h| *h == "ack_target_count")
        .unwrap();
    assert_eq!(header[at + 1], "ack_target_met");
    assert_eq!(row[at..at + 2], ["3", "2"], "{csv}");
}

/// `git count-objects -v`'s `count`: loose objects in the repository.
fn loose_objects(repo: &TestRepo) -> u64 {
    let out = repo.git(&["count-objects", "-v"]);
    out.lines()
        .find_map(|line| line.strip_prefix("count: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("count-objects prints count")
}

#[test]
fn writes_run_gits_auto_maintenance_so_loose_objects_stay_bounded() {
    let repo = TestRepo::initialized();
    repo.git(&["config", "gc.auto", "30"]);
    repo.ok(&["new", "Queue backlog", "-s", "SEV3"]);
    let writes = 80;
    for n in 0..writes {
        repo.ok(&["set", "INC-1", &format!("labels+=l{n}")]);
    }
    // About six objects a write; the maintenance runs in the background, so give the
    // last one a moment to finish.
    let bound = 120;
    let mut count = loose_objects(&repo);
    for _ in 0..100 {
        if count < bound {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        count = loose_objects(&repo);
    }
    assert!(
        count < bound,
        "{count} loose objects after {writes} writes with gc.auto = 30"
    );
    assert_eq!(
        repo.file("incidents/2026/INC-1/incident.toml")
            .matches("\"l")
            .count(),
        writes
    );
    repo.ok(&["check"]);
    repo.git(&["fsck", "--no-progress"]);
}

#[test]
fn gc_auto_zero_turns_the_maintenance_off() {
    let repo = TestRepo::initialized();
    repo.git(&["config", "gc.auto", "0"]);
    repo.ok(&["new", "Queue backlog", "-s", "SEV3"]);
    for n in 0..20 {
        repo.ok(&["set", "INC-1", &format!("labels+=l{n}")]);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(loose_objects(&repo) > 100);
}

/// Runs a write and returns its stdout and stderr.
fn write(repo: &TestRepo, args: &[&str]) -> (String, String) {
    let output = repo.run(args);
    crate::common::assert_success(&output);
    (
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

#[test]
fn every_write_says_what_it_did_on_one_line() {
    let repo = TestRepo::initialized();
    // `new` prints the ID on stdout, as always.
    assert_eq!(
        write(&repo, &["new", "Search slow", "-s", "SEV3"]),
        ("INC-1\n".into(), "".into())
    );
    let says = |args: &[&str], line: &str| {
        let (stdout, stderr) = write(&repo, args);
        assert_eq!(stderr, format!("{line}\n"), "git incident {args:?}");
        stdout
    };
    says(
        &["set", "INC-1", "services+=search", "title=Search is slow"],
        "INC-1: services += search, title = \"Search is slow\"",
    );
    says(
        &["set", "INC-1", "title=Search is slow"],
        "INC-1: nothing changed",
    );
    says(
        &["timeline", "INC-1", "add", "Rolled back"],
        "INC-1: timeline + \"Rolled back\"",
    );
    says(&["ack", "INC-1"], "INC-1: acknowledged by Pat Example");
    says(
        &["ack", "inc-1", "--commander", "ana"],
        "INC-1: commander Pat Example -> ana",
    );
    says(
        &["status", "INC-1", "mitigated"],
        "INC-1: status investigating -> mitigated",
    );
    says(
        &["postmortem", "new", "INC-1", "--owner", "ana"],
        "INC-1: postmortem started; fill it in with `git incident edit INC-1 --postmortem`",
    );
    says(
        &["postmortem", "set", "INC-1", "owner=kenji"],
        "INC-1: postmortem owner = kenji",
    );
    says(
        &["postmortem", "status", "INC-1", "in_review"],
        "INC-1: postmortem draft -> in_review",
    );
    let id = says(
        &[
            "action",
            "add",
            "INC-1",
            "Alert on p99 latency",
            "--kind",
            "detect",
        ],
        "INC-1.A1: added \"Alert on p99 latency\" (detect)",
    );
    assert_eq!(id, "INC-1.A1\n");
    says(
        &["action", "set", "INC-1.A1", "owner=ana"],
        "INC-1.A1: owner = ana",
    );
    says(&["action", "done", "INC-1.A1"], "INC-1.A1: status -> done");
    let editor = repo.script(
        "editor",
        "sed -i 's/^title = .*/title = \"Search down\"/' \"$1\"",
    );
    let output = repo.edit(&["INC-1"], &editor);
    crate::common::assert_success(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "INC-1: updated title\n"
    );

    // -q silences the status lines, not the data.
    for args in [
        &["-q", "set", "INC-1", "labels+=p99"][..],
        &["timeline", "INC-1", "add", "Quiet note", "--quiet"],
        &["-q", "status", "INC-1", "resolved"],
        &["-q", "action", "set", "INC-1.A1", "due=2026-12-01"],
    ] {
        assert_eq!(write(&repo, args), ("".into(), "".into()), "{args:?}");
    }
    assert_eq!(
        write(
            &repo,
            &[
                "-q", "action", "add", "INC-1", "Runbook", "--kind", "process"
            ]
        ),
        ("INC-1.A2\n".into(), "".into())
    );
}

#[test]
fn json_writes_print_the_object_they_wrote() {
    let repo = TestRepo::initialized();
    let new = repo.json(&["new", "Search slow", "-s", "SEV3"]);
    assert_eq!(new["id"], "INC-1");
    assert_eq!(new, repo.json(&["show", "INC-1"]));
    for args in [
        &["set", "INC-1", "services+=search"][..],
        &["timeline", "INC-1", "add", "Rolled back"],
        &["ack", "INC-1"],
        &["status", "INC-1", "mitigated"],
        &["set", "INC-1", "services+=search"],
    ] {
        let wrote = repo.json(args);
        assert_eq!(wrote, repo.json(&["show", "INC-1"]), "{args:?}");
    }
    for args in [
        &["postmortem", "new", "INC-1"][..],
        &["postmortem", "set", "INC-1", "owner=ana"],
        &["postmortem", "status", "INC-1", "in_review"],
    ] {
        let wrote = repo.json(args);
        assert_eq!(
            wrote,
            repo.json(&["postmortem", "show", "INC-1"]),
            "{args:?}"
        );
    }
    let added = repo.json(&["action", "add", "INC-1", "Alert on p99", "--kind", "detect"]);
    assert_eq!(added["id"], "INC-1.A1");
    assert_eq!(added, repo.json(&["action", "list"])[0]);
    let set = repo.json(&["action", "set", "INC-1.A1", "owner=ana"]);
    assert_eq!(set["owner"], "ana");
    let done = repo.json(&["action", "done", "INC-1.A1"]);
    assert_eq!(done["status"], "done");
    assert_eq!(done, repo.json(&["action", "list"])[0]);
    let editor = repo.script(
        "editor",
        "sed -i 's/^title = .*/title = \"Search down\"/' \"$1\"",
    );
    let output = repo
        .cmd(&["--json", "edit", "INC-1"])
        .env("GIT_EDITOR", &editor)
        .output()
        .expect("runs");
    crate::common::assert_success(&output);
    let edited: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(edited["title"], "Search down");
    assert_eq!(edited, repo.json(&["show", "INC-1"]));
}

const PEOPLE: &str = "
[[person]]
handle = \"pat\"
name = \"Pat Example\"
emails = [\"pat@example.com\"]

[[person]]
handle = \"ana\"
name = \"Ana Lima\"
emails = [\"ana@example.com\", \"ana@users.noreply.example.com\"]
";

/// Runs the binary as another git identity.
fn as_someone(repo: &TestRepo, name: &str, email: &str, args: &[&str]) -> String {
    let output = repo
        .cmd(args)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", email)
        .output()
        .expect("runs");
    crate::common::assert_success(&output);
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn people_are_shown_by_handle_and_me_is_the_current_identity() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    // Written before config.toml knew anyone: the git name is stored.
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Paged the on-call",
        "--link",
        "https://x.example/1",
    ]);
    assert!(
        repo.file(&crate::common::incident_path(1))
            .contains("author = \"Pat Example\"")
    );
    assert!(!repo.ok(&["check"]).contains("unknown person"));
    hand_commit(&repo, "Add the team", |dir| {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text + PEOPLE).unwrap();
    });

    // `me` is the handle of the git identity, matched by email...
    repo.ok(&["ack", "INC-1", "--commander", "me"]);
    assert_eq!(repo.json(&["show", "INC-1"])["commander"], "pat");
    repo.ok(&["new", "Search slow", "-s", "SEV3", "--commander", "me"]);
    assert_eq!(repo.json(&["show", "INC-2"])["commander"], "pat");
    // ...else by name; and without a match it is git's user.name.
    as_someone(&repo, "Ana Lima", "ana@laptop.local", &["ack", "INC-2"]);
    assert_eq!(repo.json(&["show", "INC-2"])["commander"], "ana");
    as_someone(
        &repo,
        "Zoe Newcomer",
        "zoe@example.com",
        &["ack", "INC-2", "--commander", "me"],
    );
    assert_eq!(repo.json(&["show", "INC-2"])["commander"], "Zoe Newcomer");

    repo.ok(&["postmortem", "new", "INC-1", "--owner", "me"]);
    assert_eq!(repo.json(&["postmortem", "show", "INC-1"])["owner"], "pat");
    as_someone(
        &repo,
        "Ana",
        "ana@users.noreply.example.com",
        &["set", "INC-1", "commander=me", "roles.scribe= me "],
    );
    let shown = repo.json(&["show", "INC-1"]);
    assert_eq!(shown["commander"], "ana", "{shown}");
    assert_eq!(shown["roles"]["scribe"], "ana", "{shown}");
    as_someone(
        &repo,
        "Ana",
        "ana@users.noreply.example.com",
        &[
            "action",
            "add",
            "INC-1",
            "Alert on 5xx",
            "--kind",
            "detect",
            "--owner",
            "me",
        ],
    );
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Idempotency keys",
        "--kind",
        "prevent",
        "--owner",
        "me",
    ]);
    let mine = repo.json(&["action", "list", "--owner", "me"]);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["title"], "Idempotency keys");
    let anas = as_someone(
        &repo,
        "Ana Lima",
        "ana@example.com",
        &["--json", "action", "list", "--owner", "me"],
    );
    assert!(
        anas.contains("Alert on 5xx") && !anas.contains("Idempotency"),
        "{anas}"
    );

    // Timeline authors and participants show as handles, whatever git name was stored.
    let show = repo.ok(&["show", "INC-1"]);
    assert!(!show.contains("Pat Example"), "{show}");
    let timeline = repo.ok(&["timeline", "INC-1"]);
    assert!(
        timeline.contains("pat") && !timeline.contains("Pat Example"),
        "{timeline}"
    );
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "participants=Ana Lima",
        "participants=bob",
    ]);
    let pm = repo.ok(&["postmortem", "show", "INC-1"]);
    assert!(pm.contains("ana") && !pm.contains("Ana Lima"), "{pm}");

    // Authors in the log.
    let log = repo.ok(&["log", "INC-1", "-n", "1"]);
    assert!(
        log.contains("Author: pat (Pat Example <pat@example.com>)"),
        "{log}"
    );
    assert_eq!(repo.json(&["log", "INC-1", "-n", "1"])[0]["handle"], "pat");

    // check names a person it does not know, where they are named.
    repo.ok(&["set", "INC-1", "commander=carol"]);
    let check = repo.ok(&["check"]);
    let warnings: Vec<&str> = check
        .lines()
        .filter(|l| l.contains("unknown person"))
        .collect();
    assert_eq!(warnings.len(), 4, "{check}");
    let line_of = |path: &str, key: &str| {
        let text = repo.file(path);
        text.lines().position(|l| l.contains(key)).unwrap() + 1
    };
    let incident = crate::common::incident_path(1);
    assert!(warnings.contains(&format!(
        "{incident}:{}: warning: unknown person \"carol\" as commander: config.toml's [[person]] handles are pat, ana; add them there if they are new",
        line_of(&incident, "commander =")
    ).as_str()), "{check}");
    let pm_path = "incidents/2026/INC-1/postmortem.toml";
    assert!(check.contains(&format!(
        "{pm_path}:{}: warning: unknown person \"Ana Lima\" as participant: use the handle \"ana\"",
        line_of(pm_path, "\"Ana Lima\"")
    )), "{check}");
    assert!(
        check.contains("unknown person \"bob\" as participant"),
        "{check}"
    );
    assert!(
        check.contains("unknown person \"Zoe Newcomer\" as commander"),
        "{check}"
    );
}

/// The attention view's "your action items" follow the caller's `[[person]]` handle.
#[test]
fn the_attention_view_finds_my_items_by_handle() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "-s", "SEV2"]);
    hand_commit(&repo, "Add the team", |dir| {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text + PEOPLE).unwrap();
    });
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on 500s",
        "--kind",
        "detect",
        "--owner",
        "pat",
    ]);
    repo.ok(&[
        "action", "add", "INC-1", "Runbook", "--kind", "process", "--owner", "ana",
    ]);
    let view = repo.json(&[]);
    let mine: Vec<&str> = view["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(mine, ["Alert on 500s"], "{view}");
}
