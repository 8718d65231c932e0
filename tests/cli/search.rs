//! `search`: ranking, filters, `--json`, Japanese text, terminal safety, and answers
//! from the read index that are never stale.

use crate::common::{TestRepo, incident_path};
use crate::sync::commit_by_hand;

/// Three incidents a search tells apart: the word in a title, in a postmortem's root
/// cause and action item, and only in the newest incident's timeline.
fn three_incidents() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Idempotency keys missing on checkout",
        "--severity",
        "SEV1",
        "--service",
        "checkout",
        "--summary",
        "決済APIがタイムアウトした",
    ]);
    repo.tick(86_400);
    repo.ok(&[
        "new",
        "Double charges",
        "--severity",
        "SEV2",
        "--service",
        "payments",
    ]);
    repo.ok(&["status", "INC-2", "resolved"]);
    repo.ok(&["postmortem", "new", "INC-2"]);
    repo.ok(&[
        "postmortem",
        "set",
        "INC-2",
        "root_cause.statement=Retries were sent without an idempotency key",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-2",
        "Require idempotency keys on payments",
        "--kind",
        "prevent",
    ]);
    repo.tick(86_400);
    repo.ok(&["new", "Search slow", "--severity", "SEV3"]);
    repo.ok(&[
        "timeline",
        "INC-3",
        "add",
        "Looked at the idempotency dashboard, nothing there",
    ]);
    repo
}

fn ids(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn results_are_ranked_title_and_root_cause_above_the_timeline() {
    let repo = three_incidents();
    let found = repo.json(&["search", "IDEMPOTENCY"]);
    assert_eq!(ids(&found), ["INC-1", "INC-2", "INC-3"], "{found:#}");
    // Every word must occur somewhere in the incident, in any order.
    assert_eq!(ids(&repo.json(&["search", "payments", "key"])), ["INC-2"]);
    assert_eq!(
        ids(&repo.json(&["search", "checkout idempotency"])),
        ["INC-1"]
    );
    // A phrase in quotes is one word.
    assert_eq!(ids(&repo.json(&["search", "\"keys missing\""])), ["INC-1"]);
    assert_eq!(ids(&repo.json(&["search", "\"missing keys\""])).len(), 0);
    let text = repo.ok(&["search", "idempotency"]);
    let heads: Vec<&str> = text.lines().filter(|l| l.starts_with("INC-")).collect();
    assert_eq!(
        heads,
        [
            "INC-1  SEV1  investigating  Idempotency keys missing on checkout",
            "INC-2  SEV2  resolved  Double charges",
            "INC-3  SEV3  investigating  Search slow",
        ],
        "{text}"
    );
    assert!(
        text.contains(
            "    postmortem.root_cause.statement: Retries were sent without an idempotency key\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    action INC-2.A1: Require idempotency keys on payments\n"),
        "{text}"
    );
    assert!(
        text.contains("    timeline: Looked at the idempotency dashboard, nothing there\n"),
        "{text}"
    );
}

#[test]
fn json_is_an_array_of_incidents_with_their_matching_lines() {
    let repo = three_incidents();
    let found = repo.json(&["search", "idempotency", "payments"]);
    assert_eq!(
        found,
        serde_json::json!([{
            "id": "INC-2",
            "title": "Double charges",
            "severity": "SEV2",
            "status": "resolved",
            "matches": [
                {
                    "field": "postmortem.root_cause.statement",
                    "text": "Retries were sent without an idempotency key"
                },
                {
                    "field": "action INC-2.A1",
                    "text": "Require idempotency keys on payments"
                }
            ]
        }])
    );
}

#[test]
fn each_filter_narrows_the_results() {
    let repo = three_incidents();
    let search = |extra: &[&str]| {
        let mut args = vec!["search", "idempotency"];
        args.extend_from_slice(extra);
        ids(&repo.json(&args))
    };
    assert_eq!(search(&["--severity", "sev2"]), ["INC-2"]);
    assert_eq!(search(&["--status", "open"]), ["INC-1", "INC-3"]);
    assert_eq!(search(&["--status", "resolved"]), ["INC-2"]);
    assert_eq!(search(&["--service", "checkout"]), ["INC-1"]);
    // INC-1 was detected on 2026-11-23 10:00 (+09:00), the others a day apart.
    assert_eq!(search(&["--since", "2026-11-24"]), ["INC-2", "INC-3"]);
    assert_eq!(search(&["--until", "2026-11-24"]), ["INC-1"]);
    assert_eq!(
        search(&["--since", "2026-11-24", "--until", "2026-11-25"]),
        ["INC-2"]
    );
    repo.fails(2, &["search", "x", "--status", "bogus"]);
}

#[test]
fn japanese_text_is_found_by_substring() {
    let repo = three_incidents();
    let found = repo.json(&["search", "タイムアウト", "--severity", "SEV1"]);
    assert_eq!(ids(&found), ["INC-1"]);
    assert_eq!(found[0]["matches"][0]["field"], "summary");
    assert_eq!(found[0]["matches"][0]["text"], "決済APIがタイムアウトした");
    assert_eq!(ids(&repo.json(&["search", "決済"])), ["INC-1"]);
    let text = repo.ok(&["search", "決済"]);
    assert!(
        text.contains("    summary: 決済APIがタイムアウトした"),
        "{text}"
    );
}

#[test]
fn no_match_prints_nothing_and_succeeds() {
    let repo = three_incidents();
    let output = repo.run(&["search", "nowhere"]);
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "no matches\n");
    assert_eq!(repo.json(&["search", "nowhere"]), serde_json::json!([]));
    repo.fails(2, &["search", "\"\""]);
    repo.fails(2, &["search"]);
}

#[test]
fn piped_or_no_color_output_has_no_escapes_and_a_terminal_gets_highlights() {
    let repo = three_incidents();
    let piped = repo.ok(&["search", "idempotency"]);
    assert!(!piped.contains('\u{1b}'), "{piped:?}");
    let no_color = repo
        .cmd(&["search", "idempotency"])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\u{1b}'));
    let coloured = repo.ok(&["--color", "always", "search", "idempotency"]);
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[33midempotency\u{1b}[0m"),
        "{coloured:?}"
    );
}

#[test]
fn control_characters_in_a_title_are_shown_escaped() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Outage \u{1b}[2J\u{1b}]0;owned\u{7} here",
        "--severity",
        "SEV2",
    ]);
    for colour in ["never", "always"] {
        let out = repo.ok(&["--color", colour, "search", "outage"]);
        assert!(
            out.contains("Outage \\e[2J\\e]0;owned\\x07 here"),
            "{out:?}"
        );
        assert!(
            !out.contains("\u{1b}[2J") && !out.contains('\u{7}'),
            "{out:?}"
        );
    }
    // Scripts get the exact text.
    let found = repo.json(&["search", "outage"]);
    assert_eq!(
        found[0]["title"],
        "Outage \u{1b}[2J\u{1b}]0;owned\u{7} here"
    );
}

#[test]
fn a_long_line_shows_a_window_around_the_hit() {
    let repo = TestRepo::initialized();
    let summary = format!("{} needle {}", "a".repeat(5000), "b".repeat(5000));
    repo.ok(&[
        "new",
        "Big paste",
        "--severity",
        "SEV2",
        "--summary",
        &summary,
    ]);
    let found = repo.json(&["search", "needle"]);
    let text = found[0]["matches"][0]["text"].as_str().expect("text");
    assert!(
        text.contains(" needle ") && text.chars().count() <= 160,
        "{text}"
    );
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    // On an 80-column terminal the line fits.
    let out = repo
        .cmd(&["search", "needle"])
        .env("GIT_PAGER_IN_USE", "1")
        .env("COLUMNS", "80")
        .output()
        .expect("runs");
    let out = String::from_utf8(out.stdout).expect("utf-8");
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    assert!(out.contains("needle"), "{out}");
}

/// What `search` prints with the index as it is must be what it prints from nothing.
fn assert_fresh(repo: &TestRepo, query: &str) -> String {
    let warm = repo.ok(&["--json", "search", query]);
    let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
    let cold = repo.ok(&["--json", "search", query]);
    assert_eq!(
        warm, cold,
        "the index answered differently from a cold parse"
    );
    warm
}

#[test]
fn a_write_and_a_hand_commit_are_seen_by_search() {
    let repo = three_incidents();
    assert!(assert_fresh(&repo, "slow").contains("INC-3"));
    repo.ok(&["set", "INC-3", "title=Search latency above 2s"]);
    let after_write = repo.json(&["search", "slow"]);
    assert_eq!(ids(&after_write), Vec::<String>::new());
    assert_eq!(ids(&repo.json(&["search", "latency"])), ["INC-3"]);
    assert_fresh(&repo, "latency");
    let text = repo
        .file(&incident_path(3))
        .replace("Search latency above 2s", "Index rebuild stuck");
    commit_by_hand(&repo, "incidents", &incident_path(3), &text);
    assert_eq!(
        ids(&repo.json(&["search", "latency"])),
        Vec::<String>::new()
    );
    assert_eq!(ids(&repo.json(&["search", "rebuild"])), ["INC-3"]);
    assert_fresh(&repo, "rebuild");
    // A postmortem broken by hand is named, the rest still found, and the exit says so.
    let pm = "incidents/2026/INC-2/postmortem.toml";
    commit_by_hand(&repo, "incidents", pm, "status = [");
    let output = repo.run(&["--json", "search", "idempotency"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("postmortem.toml:1"));
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(ids(&found), ["INC-1", "INC-3"]);
}

#[test]
fn a_force_push_is_seen_by_search() {
    let repo = three_incidents();
    let old = repo.tip();
    repo.ok(&["new", "Payments flaky", "--severity", "SEV1"]);
    assert_eq!(ids(&repo.json(&["search", "flaky"])), ["INC-4"]);
    repo.git(&["update-ref", "refs/heads/incidents", &old]);
    assert_eq!(ids(&repo.json(&["search", "flaky"])), Vec::<String>::new());
    assert_fresh(&repo, "idempotency");
}
