//! Postmortems: the template, `postmortem set/status/show`, publishing and the `check` rules.

use crate::common::TestRepo;

pub const PM: &str = "incidents/2026/INC-1/postmortem.toml";

/// A resolved SEV2 incident with a commander and a timeline.
pub fn resolved_incident() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Checkout charged cards twice",
        "--severity",
        "SEV2",
        "--started",
        "10m ago",
        "--commander",
        "ana",
    ]);
    repo.tick(60);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Duplicate-charge alert fired",
        "--kind",
        "alert",
        "--link",
        "https://alerts.example/1",
    ]);
    repo.tick(600);
    repo.ok(&["status", "INC-1", "resolved"]);
    repo.tick(60);
    repo
}

/// Commits `edit` of a file on the incident branch by hand, as a user would in a worktree.
pub fn hand_edit(repo: &TestRepo, path: &str, edit: impl FnOnce(String) -> String) {
    let worktree = repo.home.path().join("wt");
    let worktree = worktree.to_str().expect("utf-8 path");
    repo.git(&["worktree", "add", "-q", worktree, "incidents"]);
    let file = std::path::Path::new(worktree).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(&file, edit(text)).expect("write");
    repo.git(&["-C", worktree, "add", "-A"]);
    repo.git(&["-C", worktree, "commit", "-q", "-m", "hand edit"]);
    repo.git(&["worktree", "remove", worktree]);
}

fn subject(repo: &TestRepo) -> String {
    repo.git(&["log", "-1", "--format=%s", "incidents"])
        .trim()
        .to_string()
}

#[test]
fn new_writes_a_teaching_template_prefilled_from_the_incident() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    assert_eq!(subject(&repo), "INC-1: postmortem draft (owner pat)");
    let text = repo.file(PM);
    assert!(
        text.starts_with("#:schema ../../../schema/postmortem.schema.json\n"),
        "{text}"
    );
    for expected in [
        "Checkout charged cards twice",
        "SEV2",
        "commander     ana",
        "Duplicate-charge alert fired",
        // Resolved on 2026-11-23 + 7 days for SEV2.
        "publish by    2026-11-30",
        "blameless",
        "what made it look reasonable then",
        "5 Whys",
        "Mental models",
        "Keep / Problem / Try",
        "`prevent` items stop a recurrence; `detect` and `mitigate`",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["incident"], "INC-1");
    assert_eq!(pm["status"], "draft");
    assert_eq!(pm["owner"], "pat");
    assert_eq!(pm["participants"][0], "ana");
    // The template is valid: nothing for check to complain about in a fresh draft.
    let out = repo.ok(&["check"]);
    assert!(!out.contains("postmortem.toml"), "{out}");

    let tip = repo.tip();
    let err = repo.fails(1, &["postmortem", "new", "INC-1"]);
    assert!(
        err.starts_with("error: INC-1 already has a postmortem"),
        "{err}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn the_template_speaks_japanese_when_the_team_does() {
    let repo = TestRepo::new();
    repo.ok(&["init", "--language", "ja"]);
    repo.ok(&["new", "決済APIが500を返す", "--severity", "SEV1"]);
    repo.ok(&["postmortem", "new", "1"]);
    assert_eq!(
        repo.json(&["postmortem", "show", "INC-1"])["owner"],
        serde_json::Value::Null
    );
    let text = repo.file(PM);
    for expected in [
        "ポストモーテム: INC-1: 決済APIが500を返す",
        "ブレームレス（非難しない）",
        "なぜその時はそれが妥当に見えたのか",
        "なぜなぜ分析",
        "メンタルモデル",
        "KPT（Keep / Problem / Try）",
        "再発防止（prevent）",
        "検知・影響の抑制（detect / mitigate）",
        "解決から 5 日以内に公開（SEV1）",
        "# owner = \"\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("Mental models"), "{text}");
    // Setting the owner fills the commented placeholder, under its guidance.
    repo.ok(&["postmortem", "set", "INC-1", "owner=佐藤"]);
    let numstat = repo.git(&["diff", "--numstat", "incidents~1", "incidents"]);
    assert!(numstat.starts_with("1\t1\t"), "{numstat}");
    assert!(
        repo.file(PM)
            .contains("原因を作った人ではありません）。\nowner = \"佐藤\"\n# 対応に関わった全員"),
        "{}",
        repo.file(PM)
    );
    let md = repo.ok(&["postmortem", "show", "INC-1", "--format", "md"]);
    assert!(
        md.starts_with("# ポストモーテム: INC-1 決済APIが500を返す"),
        "{md}"
    );
}

#[test]
fn set_takes_dotted_keys_and_lists_and_keeps_comments() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "root_cause.statement=Retries were not idempotent",
        "root_cause.whys+=Why did the retry charge twice? The endpoint is not idempotent.",
        "went_well=Alert fired fast",
        "went_well=Rollback took a minute",
        "kpt.try+=A game day on retries",
    ]);
    assert_eq!(
        subject(&repo),
        "INC-1: postmortem set root_cause.statement, root_cause.whys, went_well, kpt.try"
    );
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "root_cause.whys+=Why is it not? Nobody designed for retries.",
    ]);
    // An append to a list is a one-line diff.
    assert_eq!(
        repo.git(&["diff", "--numstat", "incidents~1", "incidents"])
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>(),
        ["1", "0"]
    );
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "summary=Cards were charged twice.",
    ]);
    let diff = repo.git(&["diff", "--numstat", "incidents~1", "incidents"]);
    assert!(diff.starts_with("1\t1\t"), "{diff}");
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["root_cause"]["statement"], "Retries were not idempotent");
    assert_eq!(pm["root_cause"]["whys"].as_array().unwrap().len(), 2);
    assert_eq!(
        pm["went_well"],
        serde_json::json!(["Alert fired fast", "Rollback took a minute"])
    );
    assert_eq!(pm["kpt"]["try"][0], "A game day on retries");
    assert_eq!(pm["summary"], "Cards were charged twice.");
    let text = repo.file(PM);
    assert!(
        text.contains("# Summary: what happened, the impact and how it ended")
            && text.contains("# Root cause, by 5 Whys"),
        "{text}"
    );
    // Hand-written comments survive `set`.
    hand_edit(&repo, PM, |text| {
        text.replace(
            "\ntrigger = \"\"",
            "\n# ask the deploy team\ntrigger = \"\" # draft",
        )
    });
    repo.ok(&["postmortem", "set", "INC-1", "trigger=A timeout change"]);
    assert!(
        repo.file(PM)
            .contains("# ask the deploy team\ntrigger = \"A timeout change\" # draft\n"),
        "{}",
        repo.file(PM)
    );
    // Clearing a text keeps its key and the guidance above it.
    repo.ok(&["postmortem", "set", "INC-1", "summary="]);
    let text = repo.file(PM);
    assert!(
        text.contains("that someone outside the team understands.\nsummary = \"\"\n"),
        "{text}"
    );
}

#[test]
fn set_refuses_unknown_keys_and_writes_nothing() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    let tip = repo.tip();
    let err = repo.fails(1, &["postmortem", "set", "INC-1", "root_cause.who=bob"]);
    assert!(
        err.starts_with(
            "error: cannot set \"root_cause.who\": settable fields are owner, participants"
        ),
        "{err}"
    );
    let err = repo.fails(1, &["postmortem", "set", "INC-1", "status=published"]);
    assert!(err.contains("postmortem status ID STATE"), "{err}");
    let err = repo.fails(1, &["postmortem", "set", "INC-1", "summary+=x"]);
    assert!(err.starts_with("error: summary is not a list"), "{err}");
    let err = repo.fails(1, &["postmortem", "set", "INC-9", "summary=x"]);
    assert!(err.starts_with("error: no incident INC-9"), "{err}");
    assert_eq!(repo.tip(), tip);
    let fresh = TestRepo::initialized();
    fresh.ok(&["new", "x", "--severity", "SEV3"]);
    let err = fresh.fails(1, &["postmortem", "set", "INC-1", "summary=x"]);
    assert!(
        err.contains("INC-1 has no postmortem yet: run `git incident postmortem new INC-1`"),
        "{err}"
    );
}

#[test]
fn publishing_runs_the_rules_and_stamps_the_commit_time() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&["postmortem", "status", "INC-1", "in_review"]);
    assert_eq!(subject(&repo), "INC-1: postmortem draft -> in_review");
    let tip = repo.tip();
    let err = repo.fails(1, &["postmortem", "status", "INC-1", "published"]);
    assert!(
        err.starts_with("error: cannot publish the postmortem of INC-1; fix these first:"),
        "{err}"
    );
    for missing in [
        "missing an owner",
        "missing a summary",
        "missing a root cause statement",
        "missing any action item",
    ] {
        assert!(
            err.contains(&format!("{PM}:")) && err.contains(missing),
            "{missing}: {err}"
        );
    }
    assert_eq!(repo.tip(), tip);
    let err = repo.fails(2, &["postmortem", "status", "INC-1", "done"]);
    assert!(
        err.contains("[possible values: draft, in_review, published]"),
        "{err}"
    );

    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "owner=pat",
        "summary=Cards were charged twice.",
        "root_cause.statement=Charges were not idempotent.",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Idempotency keys",
        "--kind",
        "prevent",
        "--owner",
        "carol",
        "--due",
        "2026-12-01",
    ]);
    repo.tick(3600);
    repo.ok(&["postmortem", "status", "INC-1", "published"]);
    assert_eq!(subject(&repo), "INC-1: postmortem in_review -> published");
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["status"], "published");
    assert_eq!(pm["published_at"], "2026-11-23T11:12:00+09:00");
    // Next to the status, as a one-line addition.
    assert!(
        repo.file(PM)
            .contains("status = \"published\"\npublished_at = 2026-11-23T11:12:00+09:00\n"),
        "{}",
        repo.file(PM)
    );
    let numstat = repo.git(&["diff", "--numstat", "incidents~1", "incidents"]);
    assert!(numstat.starts_with("2\t1\t"), "{numstat}");
    // Back to draft: no longer published.
    repo.ok(&["postmortem", "status", "INC-1", "draft"]);
    assert_eq!(
        repo.json(&["postmortem", "show", "INC-1"])["published_at"],
        serde_json::Value::Null
    );
    let err = repo.fails(1, &["postmortem", "status", "INC-1", "draft"]);
    assert!(err.contains("already draft"), "{err}");
}

#[test]
fn show_renders_markdown_and_a_terminal_view() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "summary=Cards were charged twice.",
        "root_cause.whys+=Why twice? Retries.",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on duplicates",
        "--kind",
        "detect",
        "--owner",
        "dave",
        "--due",
        "2026-11-30",
        "--link",
        "https://tracker.example/9",
    ]);
    let md = repo.ok(&["postmortem", "show", "INC-1", "--format", "md"]);
    for expected in [
        "# Postmortem: INC-1 Checkout charged cards twice\n",
        "| Severity            | SEV2 ",
        "| Postmortem due      | 2026-11-30 ",
        "## Summary\n\nCards were charged twice.\n",
        "## Timeline\n",
        "Duplicate-charge alert fired",
        "### 5 Whys\n\n1. Why twice? Retries.\n",
        "## Action items\n",
        "| INC-1.A1 | detect | Alert on duplicates | dave  | 2026-11-30 | open   | <https://tracker.example/9> |",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    for absent in ["## Impact", "## Lessons", "## Keep / Problem / Try"] {
        assert!(!md.contains(absent), "{absent} in\n{md}");
    }
    let text = repo.ok(&["postmortem", "show", "INC-1"]);
    assert!(
        text.starts_with("INC-1  Postmortem: Checkout charged cards twice\n"),
        "{text}"
    );
    assert!(text.contains("Action items") && text.contains("INC-1.A1"));
    let err = repo.fails(1, &["postmortem", "show", "INC-2"]);
    assert!(err.starts_with("error: no incident INC-2"), "{err}");
}

#[test]
fn edit_refuses_a_postmortem_that_breaks_the_rules() {
    let repo = resolved_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    let tip = repo.tip();
    let editor = repo.script(
        "break",
        "sed -i 's/^incident = \"INC-1\"/incident = \"INC-2\"/' \"$1\"",
    );
    let output = repo
        .cmd(&["edit", "INC-1", "--postmortem"])
        .env("GIT_EDITOR", &editor)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(&format!("{PM}:")) && err.contains("does not match its directory INC-1"),
        "{err}"
    );
    assert_eq!(repo.tip(), tip);
}

/// `check` output lines for the postmortem file.
fn check_lines(repo: &TestRepo, code: i32) -> Vec<String> {
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(code), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn has_line(lines: &[String], prefix: &str, message: &str) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with(prefix) && l.contains(message))
}

/// A postmortem with two well-formed action items, as a user would hand-write it.
const GOOD: &str = r#"schema_version = 1
incident = "INC-1"
status = "in_review"
owner = "pat"
participants = ["Carol Smith"]
summary = "Charged twice."
[root_cause]
whys = ["Why? a", "Why? b", "Why? c"]
statement = "No idempotency keys."

[[action]]
id = "INC-1.A1"
title = "Keys"
kind = "prevent"
owner = "carol"
due = 2026-12-01
status = "open"

[[action]]
id = "INC-1.A2"
title = "Alert"
kind = "detect"
owner = "dave"
due = 2026-11-30
status = "open"
"#;

#[test]
fn check_reports_each_postmortem_rule_at_its_line() {
    let repo = resolved_incident();
    hand_edit(&repo, PM, |_| GOOD.to_string());
    assert!(!check_lines(&repo, 0).iter().any(|l| l.contains(PM)));

    let cases: [(&str, &str, i32, &str); 9] = [
        (
            "kind = \"detect\"",
            "kind = \"observe\"",
            1,
            ":22: error: unknown variant `observe`",
        ),
        (
            "incident = \"INC-1\"",
            "incident = \"INC-3\"",
            1,
            ":2: error: incident \"INC-3\" does not match its directory INC-1",
        ),
        (
            "id = \"INC-1.A2\"",
            "id = \"INC-1.A1\"",
            1,
            ":20: error: duplicate action ID INC-1.A1",
        ),
        (
            "id = \"INC-1.A2\"",
            "id = \"INC-7.A2\"",
            1,
            ":20: error: action ID INC-7.A2 does not belong to INC-1",
        ),
        (
            "status = \"in_review\"\nowner = \"pat\"",
            "status = \"published\"",
            1,
            ":3: error: published postmortem is missing an owner",
        ),
        (
            "kind = \"detect\"",
            "kind = \"prevent\"",
            0,
            ":14: warning: every action item is `prevent`",
        ),
        (
            ", \"Why? c\"",
            "",
            0,
            ":8: warning: the 5 Whys chain has 2 step(s)",
        ),
        (
            "No idempotency keys.",
            "carol smith skipped the keys.",
            0,
            ":9: warning: the root cause names Carol Smith",
        ),
        (
            "owner = \"dave\"\n",
            "",
            0,
            ":19: warning: action INC-1.A2 has no owner",
        ),
    ];
    for (from, to, code, expected) in cases {
        hand_edit(&repo, PM, |_| GOOD.replacen(from, to, 1));
        let lines = check_lines(&repo, code);
        assert!(
            has_line(&lines, &format!("{PM}:"), expected),
            "{expected}: {lines:?}"
        );
    }
}

#[test]
fn check_warns_on_timeline_entries_without_evidence_on_sev1_and_sev2() {
    let repo = resolved_incident();
    let path = "incidents/2026/INC-1/incident.toml";
    // The alert has a link; status entries are the tool's own.
    assert!(!check_lines(&repo, 0).iter().any(|l| l.contains("evidence")));
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back",
        "--kind",
        "action",
    ]);
    let lines = check_lines(&repo, 0);
    assert!(
        has_line(
            &lines,
            &format!("{path}:"),
            "warning: timeline entry \"Rolled back\" has no evidence links"
        ),
        "{lines:?}"
    );
    repo.ok(&["set", "INC-1", "severity=SEV3"]);
    assert!(!check_lines(&repo, 0).iter().any(|l| l.contains("evidence")));
}
