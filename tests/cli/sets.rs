//! Everyday use: lists are sets, kept drafts can be discarded, `--ref` and `review`
//! take the names git takes, and links are checked.

use crate::common::{TestRepo, incident_path};
use crate::postmortem::hand_edit;

const PM: &str = "incidents/2026/INC-1/postmortem.toml";

fn repo_with_incident() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Search latency above 2s",
        "--severity",
        "SEV3",
        "--service",
        "search",
    ]);
    repo
}

#[test]
fn adding_a_value_a_list_already_has_changes_nothing_and_says_so() {
    let repo = repo_with_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&["set", "INC-1", "changes.caused_by+=#123"]);
    repo.ok(&["postmortem", "set", "INC-1", "participants+=ana"]);
    let tip = repo.tip();
    for (args, note) in [
        (
            vec!["set", "INC-1", "services+=search"],
            "INC-1: services already has \"search\"",
        ),
        (
            vec!["set", "INC-1", "changes.caused_by+=#123"],
            "INC-1: changes.caused_by already has \"#123\"",
        ),
        (
            vec!["postmortem", "set", "INC-1", "participants+=ana"],
            "INC-1: participants already has \"ana\"",
        ),
    ] {
        let output = repo.run(&args);
        crate::common::assert_success(&output);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(note), "{args:?}: {stderr}");
        assert_eq!(repo.tip(), tip, "{args:?} made a commit");
    }
    // Within one command too, and the other changes still land.
    let stderr = String::from_utf8_lossy(
        &repo
            .run(&[
                "set",
                "INC-1",
                "labels+=db",
                "labels+=db",
                "services+=search",
            ])
            .stderr,
    )
    .into_owned();
    assert!(stderr.contains("labels already has \"db\""), "{stderr}");
    let incident = repo.json(&["show", "INC-1"]);
    assert_eq!(incident["services"], serde_json::json!(["search"]));
    assert_eq!(incident["labels"], serde_json::json!(["db"]));
    assert_eq!(
        incident["changes"]["caused_by"],
        serde_json::json!(["#123"])
    );
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["participants"], serde_json::json!(["ana"]));
}

#[test]
fn check_warns_on_a_value_listed_twice() {
    let repo = repo_with_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    hand_edit(&repo, &incident_path(1), |text| {
        text.replace(
            "services = [\"search\"]",
            "services = [\"search\", \"api\", \"search\"]",
        )
        .replace("labels = []", "labels = [\"x\", \"x\", \"x\"]")
    });
    hand_edit(&repo, PM, |text| {
        text.replacen(
            "lessons = [",
            "lessons = [\"Canaries help\", \"Canaries help\",",
            1,
        )
    });
    let output = repo.run(&["check"]);
    crate::common::assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let incident = repo.file(&incident_path(1));
    let line = |file: &str, needle: &str| {
        file.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{needle} not in {file}"))
    };
    for expected in [
        format!(
            "{}:{}: warning: services lists \"search\" twice",
            incident_path(1),
            line(&incident, "services =")
        ),
        format!(
            "{}:{}: warning: labels lists \"x\" 3 times",
            incident_path(1),
            line(&incident, "labels =")
        ),
        format!(
            "{PM}:{}: warning: lessons lists \"Canaries help\" twice",
            line(&repo.file(PM), "Canaries help")
        ),
    ] {
        assert!(stdout.contains(&expected), "missing {expected}\n{stdout}");
    }
}

#[test]
fn related_incidents_must_exist_on_the_branch() {
    let repo = repo_with_incident();
    let tip = repo.tip();
    let stderr = repo.fails(1, &["set", "INC-1", "related+=INC-999"]);
    assert!(
        stderr
            .contains("error: cannot relate INC-1 to INC-999: there is no INC-999 on this branch"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
    repo.ok(&["new", "Search down again", "--severity", "SEV3"]);
    repo.ok(&["set", "INC-1", "related+=INC-2"]);
    // Removing a reference to an incident that is gone is always allowed.
    repo.ok(&["set", "INC-1", "related-=INC-2"]);
    let editor = repo.script(
        "relate",
        "sed -i 's/^related = .*/related = [\"INC-9\"]/' \"$1\"",
    );
    let refused = repo.edit(&["INC-1"], &editor);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("error: related incident INC-9 is not on this branch"),
        "{stderr}"
    );
    repo.ok(&["edit", "INC-1", "--abort"]);
    hand_edit(&repo, &incident_path(1), |text| {
        text.replace(
            "related = []",
            "related = [\"INC-2\", \"INC-999\", \"bogus\"]",
        )
    });
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("error: related incident INC-999 is not on this branch"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: related \"bogus\" is not an incident ID like INC-1"),
        "{stdout}"
    );
    assert!(!stdout.contains("INC-2 is not"), "{stdout}");
}

#[test]
fn links_must_be_absolute_web_urls() {
    let repo = repo_with_incident();
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on latency",
        "--kind",
        "detect",
    ]);
    let tip = repo.tip();
    for (args, message) in [
        (
            vec![
                "timeline",
                "INC-1",
                "add",
                "Rolled back",
                "--link",
                "notaurl",
            ],
            "invalid evidence link \"notaurl\"",
        ),
        (
            vec![
                "action", "add", "INC-1", "Canary", "--kind", "prevent", "--link", "notaurl",
            ],
            "invalid --link: \"notaurl\" is not an absolute http(s) URL",
        ),
        (
            vec!["action", "set", "INC-1.A1", "link=tracker/12"],
            "invalid link: \"tracker/12\" is not an absolute http(s) URL",
        ),
        (
            vec!["postmortem", "set", "INC-1", "links+=ftp://files.example/x"],
            "invalid link: \"ftp://files.example/x\" is not an absolute http(s) URL",
        ),
    ] {
        let stderr = repo.fails(1, &args);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(repo.tip(), tip, "{args:?} wrote");
    }
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back",
        "--link",
        "https://grafana.example/d/abc",
    ]);
    repo.ok(&[
        "action",
        "set",
        "INC-1.A1",
        "link=https://tracker.example/12",
    ]);
    repo.ok(&["check"]);

    // Hand edits are check errors, at the link's line.
    hand_edit(&repo, &incident_path(1), |text| {
        text.replace("https://grafana.example/d/abc", "grafana/d/abc")
    });
    hand_edit(&repo, PM, |text| {
        text.replace("https://tracker.example/12", "PAY-12")
            .replacen("links = [", "links = [\"wiki page\",", 1)
    });
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let incident = repo.file(&incident_path(1));
    let line = incident
        .lines()
        .position(|l| l.contains("grafana/d/abc"))
        .expect("link")
        + 1;
    for expected in [
        format!(
            "{}:{line}: error: invalid evidence link in timeline entry \"Rolled back\": \"grafana/d/abc\" is not an absolute http(s) URL",
            incident_path(1)
        ),
        "error: invalid link of action INC-1.A1: \"PAY-12\" is not an absolute http(s) URL"
            .to_string(),
        "error: invalid link: \"wiki page\" is not an absolute http(s) URL".to_string(),
    ] {
        assert!(stdout.contains(&expected), "missing {expected}\n{stdout}");
    }
}

#[test]
fn a_kept_draft_can_be_discarded_with_abort() {
    let repo = repo_with_incident();
    repo.ok(&["postmortem", "new", "INC-1"]);
    let broken = repo.script(
        "broken",
        "sed -i 's/^severity = .*/severity = SEV2 oops/; s/^status = .*/status = nope/' \"$1\"",
    );
    for (args, abort) in [
        (vec!["INC-1"], "git incident edit INC-1 --abort"),
        (
            vec!["INC-1", "--postmortem"],
            "git incident edit INC-1 --postmortem --abort",
        ),
    ] {
        let refused = repo.edit(&args, &broken);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("kept in") && stderr.contains(&format!("`{abort}` to discard it")),
            "{stderr}"
        );
        // Resuming names the way out too.
        let resumed = repo.edit(&args, "false");
        let stderr = String::from_utf8_lossy(&resumed.stderr);
        assert!(
            stderr.contains("resuming your earlier edit") && stderr.contains(abort),
            "{stderr}"
        );
    }
    let drafts = repo.path().join(".git/incident/edit");
    assert_eq!(std::fs::read_dir(&drafts).expect("drafts").count(), 4);

    let output = repo.edit(&["INC-1", "--abort"], "false");
    crate::common::assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("discarded your kept edit of INC-1's incident.toml"),
        "{stderr}"
    );
    // Only that file's draft went; the postmortem's is still kept.
    assert_eq!(std::fs::read_dir(&drafts).expect("drafts").count(), 2);
    let stderr = repo.fails(1, &["edit", "INC-1", "--abort"]);
    assert!(
        stderr.contains("error: no kept edit of INC-1's incident.toml to discard"),
        "{stderr}"
    );
    // The next edit starts from the branch again.
    let fresh = repo.script(
        "fresh",
        "grep -q 'severity = \"SEV3\"' \"$1\" && sed -i 's/^severity = .*/severity = \"SEV2\"/' \"$1\"",
    );
    crate::common::assert_success(&repo.edit(&["INC-1"], &fresh));
    assert_eq!(repo.json(&["show", "INC-1"])["severity"], "SEV2");

    repo.ok(&["edit", "INC-1", "--postmortem", "--abort"]);
    assert_eq!(std::fs::read_dir(&drafts).expect("drafts").count(), 0);
}

/// Bob pushed a review branch pm/INC-1 that Alice has fetched but never checked out.
fn fetched_review_branch() -> crate::sync::Team {
    let team = crate::sync::Team::new();
    let alice = &team.alice;
    alice.ok(&["new", "Checkout API returns 500", "--severity", "SEV2"]);
    alice.ok(&["sync"]);
    let bob = team.clone();
    bob.ok(&["branch", "pm/INC-1"]);
    bob.tick(60);
    bob.ok(&["--ref", "pm/INC-1", "set", "INC-1", "summary=Bad deploy"]);
    bob.ok(&["--ref", "pm/INC-1", "sync"]);
    alice.git(&["fetch", "-q", "origin"]);
    team
}

#[test]
fn ref_reads_remote_tracking_branches_and_refuses_to_write_them() {
    let team = fetched_review_branch();
    let alice = &team.alice;
    for name in ["origin/pm/INC-1", "refs/remotes/origin/pm/INC-1"] {
        let incident = alice.json(&["--ref", name, "show", "INC-1"]);
        assert_eq!(incident["summary"], "Bad deploy", "{name}");
        let list = alice.ok(&["--ref", name, "list"]);
        assert!(list.contains("INC-1"), "{name}: {list}");
    }
    let tip = alice.git(&["rev-parse", "origin/pm/INC-1"]);
    for args in [
        vec!["--ref", "origin/pm/INC-1", "set", "INC-1", "summary=Mine"],
        vec![
            "--ref",
            "refs/remotes/origin/pm/INC-1",
            "status",
            "INC-1",
            "resolved",
        ],
        vec!["--ref", "origin/pm/INC-1", "sync"],
    ] {
        let stderr = alice.fails(1, &args);
        assert!(
            stderr.contains(
                "error: origin/pm/INC-1 is a remote-tracking branch: check it out as a local branch with `git incident branch pm/INC-1` or `git branch pm/INC-1 origin/pm/INC-1`"
            ),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(alice.git(&["rev-parse", "origin/pm/INC-1"]), tip);
    let stderr = alice.fails(1, &["--ref", "refs/tags/v1", "set", "INC-1", "summary=x"]);
    assert!(stderr.contains("refs/tags/v1 is not a branch"), "{stderr}");

    // `branch NAME` checks the teammate's branch out, as `git switch` would.
    let out = alice.ok(&["branch", "pm/INC-1"]);
    assert!(out.contains("from 'origin/pm/INC-1'"), "{out}");
    assert_eq!(alice.git(&["rev-parse", "pm/INC-1"]), tip);
    assert_eq!(
        alice.git(&["config", "branch.pm/INC-1.remote"]).trim(),
        "origin"
    );
    alice.tick(60);
    alice.ok(&["--ref", "pm/INC-1", "set", "INC-1", "labels+=db"]);
    let report = alice.json(&["--ref", "pm/INC-1", "sync"]);
    assert_eq!(report["outcome"], "pushed", "{report}");
}

#[test]
fn the_init_hint_is_only_for_a_repository_without_incidents() {
    let repo = TestRepo::new();
    let stderr = repo.fails(1, &["--ref", "pm/INC-1", "list"]);
    assert!(stderr.contains("run `git incident init`"), "{stderr}");
    repo.ok(&["init"]);
    let stderr = repo.fails(1, &["--ref", "pm/INC-1", "list"]);
    assert!(!stderr.contains("git incident init"), "{stderr}");
    assert!(
        stderr.contains("no branch pm/INC-1 in this repository: `git incident branch pm/INC-1` creates it from incidents"),
        "{stderr}"
    );
}

#[test]
fn review_of_one_name_is_what_its_pull_request_would_show() {
    let team = fetched_review_branch();
    let alice = &team.alice;
    // The incident branch moves on meanwhile; that is not the review branch's work.
    alice.tick(60);
    alice.ok(&["new", "Search is slow", "--severity", "SEV3"]);
    let full = alice.json(&["review", "incidents..origin/pm/INC-1"]);
    assert_eq!(
        full["incidents"].as_array().map(Vec::len),
        Some(1),
        "{full}"
    );
    for name in ["origin/pm/INC-1", "refs/remotes/origin/pm/INC-1"] {
        assert_eq!(alice.json(&["review", name]), full, "{name}");
    }
    alice.ok(&["branch", "pm/INC-1"]);
    assert_eq!(alice.json(&["review", "pm/INC-1"]), full);
    let text = alice.ok(&["review", "pm/INC-1"]);
    assert!(text.contains("1 incident(s), 1 file(s) changed"), "{text}");
    assert!(text.contains("summary:"), "{text}");
}

#[test]
fn a_review_lists_fields_in_template_order_without_untouched_ones() {
    let repo = repo_with_incident();
    repo.ok(&["branch", "pm/INC-1"]);
    repo.ok(&[
        "--ref",
        "pm/INC-1",
        "postmortem",
        "new",
        "INC-1",
        "--owner",
        "ana",
    ]);
    repo.ok(&[
        "--ref",
        "pm/INC-1",
        "postmortem",
        "set",
        "INC-1",
        "where_lucky+=It was a Tuesday",
        "trigger=A config push",
        "summary=Search was slow",
        "root_cause.statement=No cache",
        "impact=Slow search for an hour",
    ]);
    repo.ok(&[
        "--ref",
        "pm/INC-1",
        "set",
        "INC-1",
        "times.resolved=2026-11-23 10:00",
        "commander=kim",
        "services+=api",
        "customer_impact=Slow",
        "title=Search slow",
    ]);
    let review = repo.json(&["review", "pm/INC-1"]);
    let fields = |file: usize| -> Vec<String> {
        review["incidents"][0]["files"][file]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().expect("name").to_string())
            .collect()
    };
    assert_eq!(
        fields(0),
        [
            "title",
            "customer_impact",
            "services",
            "commander",
            "times.resolved"
        ],
        "{review}"
    );
    assert_eq!(
        fields(1),
        [
            "status",
            "owner",
            "summary",
            "impact",
            "trigger",
            "root_cause.statement",
            "where_lucky",
        ],
        "{review}"
    );
}

#[test]
fn a_draft_kept_on_one_branch_is_not_resumed_on_another() {
    let repo = repo_with_incident();
    repo.git(&["branch", "rehearsal", "incidents"]);
    let broken = repo.script("broken", "sed -i 's/^status = .*/status = nope/' \"$1\"");
    assert_eq!(repo.edit(&["INC-1"], &broken).status.code(), Some(1));
    // The other branch starts from its own file, and its edit commits there.
    let fresh = repo.script(
        "fresh",
        "grep -q '^status = \"investigating\"' \"$1\" && sed -i 's/^severity = .*/severity = \"SEV2\"/' \"$1\"",
    );
    let output = repo.edit(&["INC-1", "--ref", "rehearsal"], &fresh);
    crate::common::assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("resuming"), "{stderr}");
    assert_eq!(
        repo.json(&["show", "INC-1", "--ref", "rehearsal"])["severity"],
        "SEV2"
    );
    // The default branch's draft is still there to resume.
    let resumed = repo.edit(&["INC-1"], "false");
    assert!(
        String::from_utf8_lossy(&resumed.stderr).contains("resuming your earlier edit"),
        "{resumed:?}"
    );
}
