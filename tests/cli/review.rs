//! The pull-request workflow: a review branch, `review BASE..HEAD` (terminal, Markdown,
//! JSON) and `check REV --base BASE` judging only what the branch changed.

use crate::common::{TestRepo, incident_path};
use crate::sync::commit_by_hand;

const POSTMORTEM: &str = "#:schema ../../../schema/postmortem.schema.json\nschema_version = 1\nincident = \"INC-1\"\nstatus = \"draft\"\n\n\
[[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert on 500s\"\nkind = \"detect\"\ndue = 2026-12-01\nstatus = \"open\"\n";

/// INC-1 with a postmortem and INC-2 on the branch, and a review branch pm/INC-1
/// where INC-1 moved on and its postmortem gained an action item.
fn reviewed_repo() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout API returns 500", "--severity", "SEV2"]);
    repo.ok(&["new", "Search is slow", "--severity", "SEV3"]);
    commit_by_hand(
        &repo,
        "incidents",
        "incidents/2026/INC-1/postmortem.toml",
        POSTMORTEM,
    );
    let out = repo.ok(&["branch", "pm/INC-1"]);
    assert!(out.contains("git incident --ref pm/INC-1"), "{out}");
    assert!(
        out.contains("git incident review origin/incidents..pm/INC-1 --format md"),
        "{out}"
    );
    // Past 10:30, the time the status change is recorded at.
    repo.tick(31 * 60);
    repo.ok(&[
        "--ref",
        "pm/INC-1",
        "status",
        "INC-1",
        "mitigated",
        "--at",
        "2026-11-23 10:30",
    ]);
    repo.ok(&[
        "--ref",
        "pm/INC-1",
        "set",
        "INC-1",
        "summary=Bad deploy",
        "labels=db",
    ]);
    let postmortem = POSTMORTEM.replace(
        "status = \"open\"\n",
        "status = \"open\"\nowner = \"ana\"\n",
    ) + "\n[[action]]\nid = \"INC-1.A2\"\ntitle = \"Canary deploys\"\nkind = \"prevent\"\nowner = \"ben\"\ndue = 2026-12-15\nstatus = \"open\"\n";
    commit_by_hand(
        &repo,
        "pm/INC-1",
        "incidents/2026/INC-1/postmortem.toml",
        &postmortem,
    );
    // Meanwhile the incident branch moves on; the review shows only the branch's work.
    repo.tick(60);
    repo.ok(&["set", "INC-2", "summary=Index rebuild"]);
    repo
}

#[test]
fn review_shows_field_changes_timeline_and_actions_in_markdown() {
    let repo = reviewed_repo();
    let md = repo.ok(&["review", "incidents..pm/INC-1", "--format", "md"]);
    assert!(md.starts_with("## Incident review\n"), "{md}");
    assert!(
        md.contains("1 incident(s), 2 file(s) changed` · ✅ check passed"),
        "{md}"
    );
    assert!(
        md.contains("### INC-1: Checkout API returns 500\n\nSEV2 · mitigated · postmortem draft"),
        "{md}"
    );
    assert!(!md.contains("INC-2"), "{md}");
    for row in [
        "| `status`          | investigating | mitigated                 |",
        "| `summary`         |               | Bad deploy                |",
        "| `labels`          |               | + db                      |",
        "| + | 2026-11-23 10:30 | status | Status investigating -> mitigated |          |",
        "| new | INC-1.A2 | Canary deploys | prevent | ben   | 2026-12-15 | open   |",
        "| INC-1.A1 | Alert on 500s | `owner` |        | ana   |",
    ] {
        assert!(md.contains(row), "missing {row:?} in\n{md}");
    }
    assert!(md.contains("**Check**\n\nNo findings."), "{md}");
}

#[test]
fn review_json_and_terminal_views() {
    let repo = reviewed_repo();
    let review = repo.json(&["review", "incidents..pm/INC-1"]);
    let incident = &review["incidents"][0];
    assert_eq!(incident["id"], "INC-1");
    assert_eq!(review["incidents"].as_array().map(Vec::len), Some(1));
    let files = incident["files"].as_array().expect("files");
    assert_eq!(files[0]["path"], incident_path(1));
    assert_eq!(files[0]["change"], "modified");
    assert!(files[0]["fields"].as_array().expect("fields").contains(
        &serde_json::json!({"field": "status", "old": "investigating", "new": "mitigated"})
    ));
    assert_eq!(files[0]["timeline"]["added"][0]["kind"], "status");
    let actions = &files[1]["actions"];
    assert_eq!(actions["added"][0]["id"], "INC-1.A2");
    assert_eq!(actions["added"][0]["due"], "2026-12-15");
    assert_eq!(
        actions["changed"],
        serde_json::json!([{"id": "INC-1.A1", "title": "Alert on 500s", "fields": [{"field": "owner", "new": "ana"}]}])
    );
    assert_eq!(
        (review["errors"].as_u64(), review["warnings"].as_u64()),
        (Some(0), Some(0))
    );

    let text = repo.ok(&["review", "incidents..pm/INC-1"]);
    assert!(text.contains("INC-1: Checkout API returns 500"), "{text}");
    assert!(
        text.contains("status: investigating -> mitigated"),
        "{text}"
    );
    assert!(
        text.contains("action + INC-1.A2 Canary deploys [prevent] owner ben due 2026-12-15 open"),
        "{text}"
    );
    // A lone NAME is what its pull request into the incident branch would show.
    let same = repo.json(&["review", "pm/INC-1"]);
    assert_eq!(same, review);
    // --ref picks which branch that is.
    let same = repo.json(&["--ref", "incidents", "review", "pm/INC-1"]);
    assert_eq!(same, review);
    let stderr = repo.fails(1, &["review", "incidents..nope"]);
    assert!(stderr.contains("unknown revision \"nope\""), "{stderr}");
}

#[test]
fn check_with_base_judges_only_files_the_branch_changed() {
    let repo = reviewed_repo();
    // A problem already on the base branch is not this pull request's to fix.
    let broken = repo
        .file(&incident_path(2))
        .replace("severity = \"SEV3\"", "severity = \"SEV9\"");
    commit_by_hand(&repo, "incidents", &incident_path(2), &broken);
    repo.git(&["branch", "pm/INC-2", "incidents"]);
    let stderr = repo.fails(1, &["check", "pm/INC-2"]);
    assert!(stderr.contains("1 error(s)"), "{stderr}");
    repo.ok(&["check", "pm/INC-1", "--base", "incidents"]);
    let findings = repo.json(&["check", "pm/INC-1", "--base", "incidents"]);
    assert_eq!(findings, serde_json::json!([]));
    // Changing config.toml re-judges every file, since each is checked against it.
    let config = repo.file("config.toml") + "\n# reviewed\n";
    commit_by_hand(&repo, "pm/INC-2", "config.toml", &config);
    let stderr = repo.fails(1, &["check", "pm/INC-2", "--base", "incidents"]);
    assert!(stderr.contains("1 error(s)"), "{stderr}");

    // An error the branch introduces fails the gate, naming only that file.
    let bad = repo
        .git(&["show", &format!("pm/INC-1:{}", incident_path(1))])
        .replace("status = \"mitigated\"", "status = \"fixed\"");
    commit_by_hand(&repo, "pm/INC-1", &incident_path(1), &bad);
    let output = repo.run(&["check", "pm/INC-1", "--base", "incidents"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("{}:", incident_path(1))),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let md = repo.ok(&["review", "incidents..pm/INC-1", "--format", "md"]);
    assert!(md.contains("❌ check: 1 error(s)"), "{md}");
    assert!(md.contains(&format!("- ❌ `{}:", incident_path(1))), "{md}");
}

/// Runs a shell command line in `repo` with the same isolation as the harness and the
/// built binary on PATH, so `git incident …` resolves as it does for users.
fn shell(repo: &TestRepo, line: &str, env: &[(&str, &str)]) -> std::process::Output {
    let template = repo.git_cmd(&[]);
    let mut command = std::process::Command::new("sh");
    command.env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    let binary = assert_cmd::cargo::cargo_bin("git-incident");
    let bin_dir = binary.parent().expect("binary has a directory");
    let path = std::env::var("PATH").unwrap_or_default();
    command
        .current_dir(repo.path())
        .env("PATH", format!("{}:{path}", bin_dir.display()))
        .envs(env.iter().copied())
        .args(["-c", line]);
    command.output().expect("sh runs")
}

/// The `git incident` lines of a CI example, as its shell would run them.
fn example_commands(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    let text = std::fs::read_to_string(path).expect("example exists");
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            line.find("git incident ")
                .map(|at| line[at..].trim().to_string())
        })
        .collect()
}

#[test]
fn the_ci_examples_gate_and_summarise_a_pull_request_end_to_end() {
    let team = crate::sync::Team::new();
    let alice = &team.alice;
    alice.ok(&["new", "Checkout API returns 500", "--severity", "SEV2"]);
    alice.ok(&["sync"]);
    // The postmortem owner works on a review branch and pushes it.
    let bob = team.clone();
    bob.ok(&["branch", "pm/INC-1"]);
    bob.tick(60);
    bob.ok(&["--ref", "pm/INC-1", "status", "INC-1", "resolved"]);
    // --ref makes sync publish the review branch instead of the incident branch.
    let report = bob.json(&["--ref", "pm/INC-1", "sync"]);
    assert_eq!(
        (&report["branch"], &report["outcome"]),
        (&serde_json::json!("pm/INC-1"), &serde_json::json!("pushed"))
    );
    // CI: a fresh clone checked out at the pull request's head.
    let ci = crate::sync::clone_only(&team);
    ci.git(&["checkout", "-q", "--detach", "origin/pm/INC-1"]);
    let github = example_commands("github-actions.yml");
    let gitlab = example_commands("gitlab-ci.yml");
    assert_eq!(github.len(), 2, "{github:?}");
    assert_eq!(gitlab.len(), 2, "{gitlab:?}");
    let env = [
        ("GITHUB_BASE_REF", "incidents"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "incidents"),
    ];
    for line in github.iter().chain(&gitlab) {
        let output = shell(&ci, line, &env);
        assert!(
            output.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let md = std::fs::read_to_string(ci.path().join("review.md")).expect("review.md written");
    assert!(
        md.contains("| `status`          | investigating | resolved"),
        "{md}"
    );
    // The gate fails once the branch carries an error.
    let file = ci.path().join(incident_path(1));
    let bad = std::fs::read_to_string(&file)
        .expect("checked out")
        .replace("severity = \"SEV2\"", "severity = \"SEV7\"");
    std::fs::write(&file, bad).expect("write");
    ci.git(&["commit", "-q", "-am", "Break the severity"]);
    let output = shell(&ci, &github[1], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("unknown severity \"SEV7\""));
}

/// A timeline fact whose kind was corrected is shown as its old and new versions.
#[test]
fn a_corrected_timeline_entry_shows_both_versions() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout API returns 500", "--severity", "SEV2"]);
    repo.ok(&["timeline", "INC-1", "add", "Rolled back", "--kind", "note"]);
    repo.ok(&["branch", "fix"]);
    let text = repo
        .file(&incident_path(1))
        .replace("kind = \"note\"", "kind = \"action\"");
    commit_by_hand(&repo, "fix", &incident_path(1), &text);
    let review = repo.json(&["review", "incidents..fix"]);
    let timeline = &review["incidents"][0]["files"][0]["timeline"];
    assert_eq!(timeline["removed"][0]["kind"], "note", "{review}");
    assert_eq!(timeline["added"][0]["kind"], "action", "{review}");
    assert_eq!(timeline["added"][0]["text"], "Rolled back");
}

const INCIDENT_BEFORE: &str = "schema_version = 1\nid = \"INC-1\"\nuid = \"u-1\"\n\
title = \"Checkout API returns 500\"\nseverity = \"SEV2\"\nstatus = \"investigating\"\n\
summary = \"Cards fail\"\ncustomer_impact = \"\"\nservices = [\"api\", \"db\"]\nteams = []\n\
labels = [\"a\", \"b\"]\n\n[times]\ndetected = 2026-11-23T10:00:00+09:00\n\n\
[[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"note\"\ntext = \"Paged\"\n\n\
[[timeline]]\nat = 2026-11-23T10:05:00+09:00\nkind = \"note\"\ntext = \"Rolled back\"\n";

const INCIDENT_AFTER: &str = "schema_version = 1\nid = \"INC-1\"\nuid = \"u-1\"\n\
title = \"Checkout API returns 500\"\nseverity = \"SEV2\"\nstatus = \"mitigated\"\n\
summary = \"\"\"\nCards fail\nfor EU customers\"\"\"\nservices = [\"db\", \"web\"]\nteams = []\n\
labels = [\"b\", \"a\"]\ncommander = \"kim\"\n\n[times]\ndetected = 2026-11-23T10:00:00+09:00\n\
mitigated = 2026-11-23T10:20:00+09:00\n\n\
[[timeline]]\nat = 2026-11-23T10:00:00+09:00\nkind = \"note\"\ntext = \"Paged\"\n\n\
[[timeline]]\nat = 2026-11-23T10:05:00+09:00\nkind = \"action\"\ntext = \"Rolled back\"\n\n\
[[timeline]]\nat = 2026-11-23T10:20:00+09:00\nkind = \"status\"\ntext = \"Mitigated\"\n";

const POSTMORTEM_BEFORE: &str = "schema_version = 1\nincident = \"INC-1\"\nstatus = \"draft\"\n\
summary = \"\"\nlessons = [\"Canaries help\"]\n\n[root_cause]\nwhys = [\"one\", \"two\"]\n\n\
[[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert on 500s\"\nkind = \"detect\"\nstatus = \"open\"\n\n\
[[action]]\nid = \"INC-1.A2\"\ntitle = \"Old idea\"\nkind = \"prevent\"\nstatus = \"open\"\n";

const POSTMORTEM_AFTER: &str = "schema_version = 1\nincident = \"INC-1\"\nstatus = \"in_review\"\n\
owner = \"ana\"\nsummary = \"\"\nlessons = [\"Canaries help\", \"Small deploys\"]\n\n\
[root_cause]\nwhys = [\"two\", \"one\"]\nstatement = \"No canary\"\n\n\
[[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert on 500s\"\nkind = \"detect\"\nowner = \"ana\"\nstatus = \"done\"\n\n\
[[action]]\nid = \"INC-1.A3\"\ntitle = \"Canary deploys\"\nkind = \"prevent\"\nstatus = \"open\"\n";

/// A JSON value as one line of text, as the review shows it.
fn as_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(", "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A timeline entry as its moment, kind and text.
fn fact(entry: &serde_json::Value) -> String {
    let at = chrono::DateTime::parse_from_rfc3339(entry["at"].as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp();
    format!(
        "{at} {} {}",
        as_text(&entry["kind"]),
        as_text(&entry["text"])
    )
}

fn op(old: &serde_json::Value, new: &serde_json::Value) -> &'static str {
    match (old.is_null(), new.is_null()) {
        (true, _) => "set",
        (_, true) => "unset",
        _ => "changed",
    }
}

/// (path, field, op, value) for each change a review shows, one per list item.
fn review_changes(review: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for file in review["incidents"][0]["files"].as_array().expect("files") {
        let path = as_text(&file["path"]);
        let mut push = |field: String, op: &str, value: String| {
            out.push((path.clone(), field, op.to_string(), value));
        };
        let fields = |list: &serde_json::Value| list.as_array().cloned().unwrap_or_default();
        let change_of = |prefix: &str,
                         change: &serde_json::Value,
                         push: &mut dyn FnMut(String, &str, String)| {
            let field = format!("{prefix}{}", as_text(&change["field"]));
            for (op, key) in [("removed", "removed"), ("added", "added")] {
                for item in fields(&change[key]) {
                    push(field.clone(), op, as_text(&item));
                }
            }
            if change["added"].is_null() && change["removed"].is_null() {
                let (old, new) = (&change["old"], &change["new"]);
                push(
                    field,
                    op(old, new),
                    format!("{} -> {}", as_text(old), as_text(new)),
                );
            }
        };
        for change in fields(&file["fields"]) {
            change_of("", &change, &mut push);
        }
        for (op, key) in [("removed", "removed"), ("added", "added")] {
            for entry in fields(&file["timeline"][key]) {
                push("timeline".into(), op, fact(&entry));
            }
            for action in fields(&file["actions"][key]) {
                push(
                    format!("action {}", as_text(&action["id"])),
                    op,
                    String::new(),
                );
            }
        }
        for action in fields(&file["actions"]["changed"]) {
            let prefix = format!("action {}.", as_text(&action["id"]));
            for change in fields(&action["fields"]) {
                change_of(&prefix, &change, &mut push);
            }
        }
    }
    out.sort();
    out
}

/// The same for the audit trail's events.
fn log_changes(events: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for event in events.as_array().expect("events") {
        for file in event["files"].as_array().expect("files") {
            for change in file["changes"].as_array().expect("changes") {
                let field = as_text(&change["field"]);
                let op = as_text(&change["op"]);
                let (old, new) = (&change["old"], &change["new"]);
                let value = match op.as_str() {
                    "added" | "removed" => {
                        let item = if op == "added" { new } else { old };
                        if field == "timeline" {
                            fact(item)
                        } else if field.starts_with("action ") {
                            String::new()
                        } else {
                            as_text(item)
                        }
                    }
                    _ => format!("{} -> {}", as_text(old), as_text(new)),
                };
                out.push((as_text(&file["path"]), field, op, value));
            }
        }
    }
    out.sort();
    out
}

/// `review` and `log` render one diff: for the commits of a review branch, the
/// review's field changes are the log's, item for item.
#[test]
fn review_and_log_show_the_same_changes_for_the_same_versions() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout API returns 500", "--severity", "SEV2"]);
    let postmortem = incident_path(1).replace("incident.toml", "postmortem.toml");
    commit_by_hand(&repo, "incidents", &incident_path(1), INCIDENT_BEFORE);
    commit_by_hand(&repo, "incidents", &postmortem, POSTMORTEM_BEFORE);
    repo.ok(&["branch", "pm/INC-1"]);
    repo.tick(60);
    commit_by_hand(&repo, "pm/INC-1", &incident_path(1), INCIDENT_AFTER);
    commit_by_hand(&repo, "pm/INC-1", &postmortem, POSTMORTEM_AFTER);

    let review = repo.json(&["review", "incidents..pm/INC-1"]);
    let events = repo.json(&["--ref", "pm/INC-1", "log", "INC-1", "-n", "2"]);
    assert_eq!(events.as_array().map(Vec::len), Some(2), "{events}");
    let from_review = review_changes(&review);
    assert_eq!(from_review, log_changes(&events), "{review}\n{events}");
    // What the rules decide, so agreeing on nothing would not pass.
    let fields: Vec<&str> = from_review.iter().map(|c| c.1.as_str()).collect();
    for field in [
        "status",
        "summary",
        "services",
        "commander",
        "times.mitigated",
        "timeline",
        "root_cause.whys",
        "root_cause.statement",
        "lessons",
        "action INC-1.A1.owner",
        "action INC-1.A1.status",
        "action INC-1.A2",
        "action INC-1.A3",
    ] {
        assert!(
            fields.contains(&field),
            "{field} missing from {from_review:?}"
        );
    }
    // A reordered set and a field empty on both sides are no change.
    for field in ["labels", "customer_impact"] {
        assert!(!fields.contains(&field), "{field} in {from_review:?}");
    }
    // The corrected timeline fact shows as its old and new versions, in both.
    assert_eq!(fields.iter().filter(|f| **f == "timeline").count(), 3);
    // And in the same order: the file's.
    for (at, file) in review["incidents"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .enumerate()
    {
        let named: Vec<String> = file["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| as_text(&f["field"]))
            .collect();
        let mut logged: Vec<String> = Vec::new();
        // The log is newest first: the postmortem's commit, then the incident's.
        for change in events[1 - at]["files"][0]["changes"]
            .as_array()
            .expect("changes")
        {
            let field = as_text(&change["field"]);
            if field != "timeline" && !field.starts_with("action ") && !logged.contains(&field) {
                logged.push(field);
            }
        }
        assert_eq!(named, logged);
    }
}
