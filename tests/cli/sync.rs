//! `sync` between clones through a bare remote: publishing, merging by structure,
//! renumbering offline collisions, conflicts, a remote that moves, idempotence.

use crate::common::{TestRepo, incident_path};

/// A bare remote, and Alice who initialised the branch and published it.
pub struct Team {
    pub remote: TestRepo,
    pub alice: TestRepo,
}

impl Team {
    pub fn new() -> Team {
        let remote = TestRepo::bare_dir();
        remote.git(&["init", "-q", "--bare", "-b", "main"]);
        let alice = TestRepo::new();
        alice.git(&[
            "remote",
            "add",
            "origin",
            &remote.path().display().to_string(),
        ]);
        alice.git(&["push", "-q", "origin", "main"]);
        alice.ok(&["init"]);
        alice.ok(&["sync"]);
        Team { remote, alice }
    }

    /// Another developer's clone, synced.
    pub fn clone(&self) -> TestRepo {
        let repo = TestRepo::bare_dir();
        repo.git(&[
            "clone",
            "-q",
            &self.remote.path().display().to_string(),
            ".",
        ]);
        repo.ok(&["sync"]);
        repo
    }

    pub fn remote_tip(&self) -> String {
        self.remote
            .git(&["rev-parse", "refs/heads/incidents"])
            .trim()
            .to_string()
    }
}

/// A plain `git clone` of the remote, as CI makes one.
pub fn clone_only(team: &Team) -> TestRepo {
    let repo = TestRepo::bare_dir();
    repo.git(&[
        "clone",
        "-q",
        &team.remote.path().display().to_string(),
        ".",
    ]);
    repo
}

/// Runs `sync` and returns its stderr (the human report).
fn sync(repo: &TestRepo) -> String {
    let output = repo.run(&["sync"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "sync failed: {stderr}");
    stderr
}

/// Commits a hand-written file on `branch` through a temporary worktree, as a user would.
pub fn commit_by_hand(repo: &TestRepo, branch: &str, path: &str, text: &str) {
    let worktree = repo.home.path().join("hand-edit");
    let worktree_arg = worktree.display().to_string();
    repo.git(&["worktree", "add", "-q", &worktree_arg, branch]);
    let file = worktree.join(path);
    std::fs::create_dir_all(file.parent().expect("a file has a directory")).expect("mkdir");
    std::fs::write(&file, text).expect("write file");
    repo.git(&["-C", &worktree_arg, "add", "-A"]);
    repo.git(&[
        "-C",
        &worktree_arg,
        "commit",
        "-q",
        "-m",
        &format!("Edit {path} by hand"),
    ]);
    repo.git(&["worktree", "remove", "--force", &worktree_arg]);
}

fn new_incident(repo: &TestRepo, title: &str) -> String {
    repo.tick(60);
    repo.ok(&["new", title, "--severity", "SEV2"])
        .trim()
        .to_string()
}

fn titles(repo: &TestRepo) -> Vec<(String, String)> {
    let list = repo.json(&["list"]);
    let mut out: Vec<(String, String)> = list
        .as_array()
        .expect("list is an array")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or_default().to_string(),
                i["title"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn sync_publishes_creates_the_branch_in_a_clone_and_repeats_as_no_ops() {
    let team = Team::new();
    assert_eq!(team.remote_tip(), team.alice.tip());
    let bob = team.clone();
    assert_eq!(bob.tip(), team.alice.tip());
    let remote_before = team.remote_tip();
    for repo in [&team.alice, &bob, &team.alice] {
        repo.tick(60);
        let stderr = sync(repo);
        assert!(
            stderr.contains("already up to date with origin/incidents"),
            "{stderr}"
        );
    }
    assert_eq!(team.remote_tip(), remote_before);
    assert_eq!(bob.tip(), remote_before);
    // Only one way to reach the remote: git's own; the default remote is git's choice.
    let report = bob.json(&["sync"]);
    assert_eq!(report["outcome"], "up_to_date");
    assert_eq!(report["remote"], "origin");

    // A second remote: named explicitly, or made the branch's remote in git config.
    let mirror = TestRepo::bare_dir();
    mirror.git(&["init", "-q", "--bare"]);
    bob.git(&[
        "remote",
        "add",
        "upstream",
        &mirror.path().display().to_string(),
    ]);
    let stderr = bob.fails(1, &["sync", "nowhere"]);
    assert!(stderr.contains("no remote named \"nowhere\""), "{stderr}");
    assert!(sync(&bob).contains("origin/incidents"));
    let stderr = bob.run(&["sync", "upstream"]).stderr;
    assert!(String::from_utf8_lossy(&stderr).contains("pushed to upstream/incidents"));
    bob.git(&["config", "branch.incidents.remote", "upstream"]);
    assert_eq!(bob.json(&["sync"])["remote"], "upstream");
    assert_eq!(
        mirror.git(&["rev-parse", "refs/heads/incidents"]).trim(),
        remote_before
    );
}

#[test]
fn offline_incidents_with_one_id_are_renumbered_with_their_actions_and_references() {
    let team = Team::new();
    let bob = team.clone();
    let alice = &team.alice;
    assert_eq!(new_incident(alice, "Alice: checkout down"), "INC-1");
    assert_eq!(new_incident(alice, "Alice: search slow"), "INC-2");
    sync(alice);

    assert_eq!(new_incident(&bob, "Bob: login loop"), "INC-1");
    assert_eq!(new_incident(&bob, "Bob: login loop again"), "INC-2");
    bob.ok(&["set", "INC-2", "related=INC-1"]);
    let postmortem = "schema_version = 1\nincident = \"INC-1\"\nstatus = \"draft\"\n\n\
        [[action]]\nid = \"INC-1.A1\"\ntitle = \"Alert on login loops\"\nkind = \"detect\"\nstatus = \"open\"\n";
    commit_by_hand(
        &bob,
        "incidents",
        "incidents/2026/INC-1/postmortem.toml",
        postmortem,
    );

    bob.tick(60);
    let stderr = sync(&bob);
    assert!(stderr.contains("renumbered INC-1 -> INC-3"), "{stderr}");
    assert!(stderr.contains("renumbered INC-2 -> INC-4"), "{stderr}");
    assert_eq!(
        titles(&bob),
        [
            ("INC-1".to_string(), "Alice: checkout down".to_string()),
            ("INC-2".to_string(), "Alice: search slow".to_string()),
            ("INC-3".to_string(), "Bob: login loop".to_string()),
            ("INC-4".to_string(), "Bob: login loop again".to_string()),
        ]
    );
    let moved = bob.file("incidents/2026/INC-3/postmortem.toml");
    assert!(moved.contains("incident = \"INC-3\""), "{moved}");
    assert!(moved.contains("id = \"INC-3.A1\""), "{moved}");
    let again = bob.json(&["show", "INC-4"]);
    assert_eq!(again["related"], serde_json::json!(["INC-3"]));
    bob.ok(&["check"]);

    // Alice only fast-forwards: her incidents kept their numbers.
    sync(alice);
    assert_eq!(alice.tip(), bob.tip());
    assert_eq!(titles(alice).len(), 4);
    // The merge keeps both sides as parents.
    let parents = bob.git(&["log", "-1", "--format=%P", "incidents"]);
    assert_eq!(parents.split_whitespace().count(), 2);
}

#[test]
fn different_fields_and_interleaved_timelines_merge_without_conflicts() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();

    // Past the times the timeline entries below record (incident times are never future).
    alice.tick(20 * 60);
    alice.ok(&[
        "set",
        "INC-1",
        "title=Checkout API returns 500",
        "services=checkout",
    ]);
    alice.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Alice: paged DB team",
        "--at",
        "2026-11-23 10:05",
    ]);
    alice.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Alice: failover done",
        "--at",
        "2026-11-23 10:20",
    ]);
    sync(alice);

    bob.tick(30 * 60);
    bob.ok(&[
        "set",
        "INC-1",
        "customer_impact=Card payments failed",
        "services=payments",
    ]);
    bob.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Bob: rollback started",
        "--at",
        "2026-11-23 10:10",
    ]);
    bob.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Bob: error rate normal",
        "--at",
        "2026-11-23 10:30",
    ]);
    let stderr = sync(&bob);
    assert!(!stderr.contains("conflict"), "{stderr}");
    assert!(
        stderr.contains("merged with origin/incidents and pushed"),
        "{stderr}"
    );

    let incident = bob.json(&["show", "INC-1"]);
    assert_eq!(incident["title"], "Checkout API returns 500");
    assert_eq!(incident["customer_impact"], "Card payments failed");
    assert_eq!(
        incident["services"],
        serde_json::json!(["payments", "checkout"])
    );
    let texts: Vec<&str> = incident["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        [
            "Alice: paged DB team",
            "Bob: rollback started",
            "Alice: failover done",
            "Bob: error rate normal"
        ]
    );
    sync(alice);
    assert_eq!(alice.json(&["show", "INC-1"]), incident);
    // Nothing new on either side: no new commits anywhere.
    let tip = team.remote_tip();
    sync(&bob);
    sync(alice);
    assert_eq!(
        (team.remote_tip(), bob.tip(), alice.tip()),
        (tip.clone(), tip.clone(), tip)
    );
}

#[test]
fn the_same_field_changed_on_both_sides_keeps_the_remote_value_and_both_in_history() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();
    alice.tick(60);
    alice.ok(&["set", "INC-1", "summary=A bad deploy"]);
    sync(alice);
    bob.tick(120);
    bob.ok(&["set", "INC-1", "summary=A full disk"]);

    let output = bob.run(&["--json", "sync"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "conflict: INC-1 summary: kept remote value \"A bad deploy\", local had \"A full disk\""
        ),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["outcome"], "merged");
    assert_eq!(
        report["conflicts"],
        serde_json::json!([{
            "path": incident_path(1),
            "incident": "INC-1",
            "field": "summary",
            "ours": "A full disk",
            "theirs": "A bad deploy",
            "kept": "theirs"
        }])
    );
    assert_eq!(bob.json(&["show", "INC-1"])["summary"], "A bad deploy");
    // The losing value is one parent away, and the merge commit names the conflict.
    let losing = bob.git(&["show", &format!("incidents^1:{}", incident_path(1))]);
    assert!(losing.contains("summary = \"A full disk\""), "{losing}");
    let message = bob.git(&["log", "-1", "--format=%B", "incidents"]);
    assert!(
        message.contains(
            "conflict INC-1 summary: kept \"A bad deploy\" (remote), other side had \"A full disk\""
        ),
        "{message}"
    );
    assert!(
        message.trim_end().ends_with("\n\nIncident: INC-1"),
        "{message}"
    );
}

#[test]
fn a_remote_that_moves_during_sync_is_fetched_and_merged_again() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();
    let carol = team.clone();
    carol.tick(30);
    carol.ok(&["set", "INC-1", "labels=carol"]);
    bob.tick(60);
    bob.ok(&["set", "INC-1", "summary=Bob's summary"]);
    // Carol pushes while Bob's push is under way: his first push is refused.
    let marker = bob.home.path().join("carol-pushed");
    let hook = bob.path().join(".git/hooks/pre-push");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ ! -e '{marker}' ]; then\n  touch '{marker}'\n  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n  git -C '{carol}' push -q origin incidents\nfi\n",
            marker = marker.display(),
            carol = carol.path().display()
        ),
    )
    .expect("write hook");
    let mut perms = std::fs::metadata(&hook).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).expect("chmod");

    let report = bob.json(&["sync"]);
    assert!(marker.exists(), "the hook ran");
    assert_eq!(report["rounds"], 2, "{report}");
    assert_eq!(report["outcome"], "merged");
    assert_eq!(team.remote_tip(), bob.tip());
    let incident = bob.json(&["show", "INC-1"]);
    assert_eq!(incident["summary"], "Bob's summary");
    assert_eq!(incident["labels"], serde_json::json!(["carol"]));
}

#[test]
fn sync_errors_are_clean() {
    let repo = TestRepo::initialized();
    let stderr = repo.fails(1, &["sync"]);
    assert!(
        stderr.starts_with("error: no remote to sync with"),
        "{stderr}"
    );
    let stderr = repo.fails(1, &["sync", "upstream"]);
    assert!(stderr.contains("no remote named \"upstream\""), "{stderr}");
    let remote = TestRepo::bare_dir();
    remote.git(&["init", "-q", "--bare"]);
    let fresh = TestRepo::new();
    fresh.git(&[
        "remote",
        "add",
        "upstream",
        &remote.path().display().to_string(),
    ]);
    let stderr = fresh.fails(1, &["sync"]);
    assert!(stderr.contains("git incident init"), "{stderr}");
}

/// History follows an incident across a renumbering: each clone's action item keeps
/// the time it was really added, and neither inherits the other's.
#[test]
fn renumbered_incidents_keep_their_own_history() {
    const DAY: i64 = 86_400;
    let team = Team::new();
    let bob = team.clone();
    // Day 0: Alice, offline, opens INC-1 with an action item.
    team.alice
        .ok(&["new", "Alice's outage", "--severity", "SEV2"]);
    team.alice.ok(&[
        "action",
        "add",
        "INC-1",
        "Alice's item",
        "--kind",
        "detect",
        "--owner",
        "ana",
        "--due",
        "2026-12-30",
    ]);
    // Day 5: Bob, offline too, opens his own INC-1 and publishes first.
    bob.tick(5 * DAY);
    bob.ok(&["new", "Bob's outage", "--severity", "SEV2"]);
    bob.ok(&[
        "action",
        "add",
        "INC-1",
        "Bob's item",
        "--kind",
        "detect",
        "--owner",
        "bo",
        "--due",
        "2026-12-30",
    ]);
    sync(&bob);
    // Day 10: Alice syncs; her incident is renumbered to INC-2.
    team.alice.tick(10 * DAY);
    assert!(sync(&team.alice).contains("renumbered INC-1 -> INC-2"));
    let report = team
        .alice
        .json(&["report", "actions", "--as-of", "2026-12-03T10:00:00+09:00"]);
    let days_open = |title: &str| -> i64 {
        report["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"] == title)
            .unwrap()["days_open"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        days_open("Alice's item"),
        10,
        "added on day 0, not at the merge: {report}"
    );
    assert_eq!(
        days_open("Bob's item"),
        5,
        "added on day 5, not Alice's day 0: {report}"
    );
}

/// Every list field of a postmortem, appended to on both sides offline: the union lands,
/// whatever layout `postmortem set` left the list in, and nothing is reported as a
/// conflict.
#[test]
fn items_appended_on_both_sides_to_every_postmortem_list_are_all_kept() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    alice.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    sync(alice);
    let bob = team.clone();
    let lists = [
        "participants",
        "root_cause.whys",
        "contributing_factors",
        "mental_models",
        "went_well",
        "went_wrong",
        "where_lucky",
        "kpt.keep",
        "kpt.problem",
        "kpt.try",
        "lessons",
        "links",
    ];
    for (who, repo) in [("alice", alice), ("bob", &bob)] {
        for field in lists {
            repo.tick(10);
            let value = if field == "links" {
                format!("https://{who}.example/{field}")
            } else {
                format!("{who}'s {field}")
            };
            repo.ok(&["postmortem", "set", "INC-1", &format!("{field}+={value}")]);
        }
    }
    sync(alice);
    let stderr = sync(&bob);
    assert!(!stderr.contains("conflict"), "{stderr}");
    sync(alice);
    assert_eq!(alice.tip(), bob.tip());
    let postmortem = bob.json(&["postmortem", "show", "INC-1"]);
    for field in lists {
        let value = field
            .split('.')
            .fold(&postmortem, |value, key| &value[key])
            .clone();
        let items: Vec<&str> = value
            .as_array()
            .unwrap_or_else(|| panic!("{field} is a list: {postmortem}"))
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for who in ["alice", "bob"] {
            assert!(
                items.iter().any(|item| item.contains(who)),
                "{field} lost {who}'s item: {items:?}"
            );
        }
    }
}

/// Both clones start the postmortem of one incident offline and fill it in: it is
/// merged field by field, and neither side's lessons, whys or action items are lost.
#[test]
fn a_postmortem_started_on_both_sides_merges_field_by_field() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();
    for (who, repo) in [("alice", alice), ("bob", &bob)] {
        repo.tick(30);
        repo.ok(&["postmortem", "new", "INC-1", "--owner", who]);
        repo.ok(&[
            "postmortem",
            "set",
            "INC-1",
            &format!("lessons+={who} learned"),
            &format!("root_cause.whys+=Why, asks {who}"),
        ]);
        repo.ok(&[
            "action",
            "add",
            "INC-1",
            &format!("{who}'s follow-up"),
            "--kind",
            "detect",
        ]);
    }
    sync(alice);
    let stderr = sync(&bob);
    // Both set the owner: a reported conflict, the remote's value kept.
    assert!(stderr.contains("owner"), "{stderr}");
    sync(alice);
    let postmortem = alice.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(postmortem["owner"], "alice");
    assert_eq!(
        postmortem["lessons"],
        serde_json::json!(["bob learned", "alice learned"])
    );
    assert_eq!(
        postmortem["root_cause"]["whys"],
        serde_json::json!(["Why, asks bob", "Why, asks alice"])
    );
    let mut actions: Vec<(String, String)> = postmortem["action"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_string(),
                a["title"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("INC-1.A1".to_string(), "alice's follow-up".to_string()),
            ("INC-1.A2".to_string(), "bob's follow-up".to_string()),
        ]
    );
    alice.ok(&["check"]);
}

/// A list a person laid out one value per line keeps both sides' additions, and stays
/// one value per line.
#[test]
fn one_per_line_lists_keep_additions_from_both_sides() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    let text = alice.file(&incident_path(1)).replace(
        "services = []",
        "services = [\n    \"checkout\",\n    \"payments\",\n]",
    );
    assert!(text.contains("\"payments\",\n]"), "{text}");
    commit_by_hand(alice, "incidents", &incident_path(1), &text);
    sync(alice);
    let bob = team.clone();
    alice.tick(10);
    alice.ok(&["set", "INC-1", "services+=search"]);
    bob.tick(20);
    bob.ok(&["set", "INC-1", "services+=web"]);
    sync(alice);
    let stderr = sync(&bob);
    assert!(!stderr.contains("conflict"), "{stderr}");
    let services = bob.json(&["show", "INC-1"])["services"].clone();
    assert_eq!(
        services,
        serde_json::json!(["checkout", "payments", "web", "search"])
    );
    let merged = bob.file(&incident_path(1));
    assert!(
        merged.contains(
            "services = [\n    \"checkout\",\n    \"payments\",\n    \"web\",\n    \"search\",\n]"
        ),
        "{merged}"
    );
}

/// A small deterministic generator, so a failing round can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// What the clones wrote, by where it must end up.
#[derive(Default)]
struct Written {
    titles: Vec<String>,
    timeline: Vec<String>,
    labels: Vec<String>,
    lessons: Vec<String>,
    whys: Vec<String>,
    actions: Vec<String>,
}

/// One random write on `repo`, recorded in `written`. Returns whether it was made.
fn random_write(repo: &TestRepo, rng: &mut Rng, token: &str, written: &mut Written) {
    repo.tick(30);
    let incidents: Vec<String> = repo
        .json(&["list"])
        .as_array()
        .expect("list is an array")
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    if incidents.is_empty() || rng.below(6) == 0 {
        repo.ok(&["new", token, "--severity", "SEV2"]);
        written.titles.push(token.to_string());
        return;
    }
    let id = &incidents[rng.below(incidents.len())];
    let has_postmortem = repo.run(&["postmortem", "show", id]).status.success();
    match rng.below(5) {
        0 => {
            repo.ok(&["timeline", id, "add", token]);
            written.timeline.push(token.to_string());
        }
        1 => {
            repo.ok(&["set", id, &format!("labels+={token}")]);
            written.labels.push(token.to_string());
        }
        _ if !has_postmortem => {
            repo.ok(&["postmortem", "new", id]);
        }
        2 => {
            repo.ok(&["postmortem", "set", id, &format!("lessons+={token}")]);
            written.lessons.push(token.to_string());
        }
        3 => {
            repo.ok(&[
                "postmortem",
                "set",
                id,
                &format!("root_cause.whys+={token}"),
            ]);
            written.whys.push(token.to_string());
        }
        _ => {
            repo.ok(&["action", "add", id, token, "--kind", "detect"]);
            written.actions.push(token.to_string());
        }
    }
}

/// Every value of one kind found on the branch, read through the tool.
fn everything(repo: &TestRepo) -> Written {
    let mut found = Written::default();
    let strings = |value: &serde_json::Value, key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for incident in repo.json(&["list"]).as_array().expect("list").iter() {
        let id = incident["id"].as_str().expect("an id");
        let shown = repo.json(&["show", id]);
        found
            .titles
            .push(shown["title"].as_str().unwrap_or_default().to_string());
        found.labels.extend(strings(&shown, "labels"));
        for entry in shown["timeline"].as_array().into_iter().flatten() {
            found
                .timeline
                .push(entry["text"].as_str().unwrap_or_default().to_string());
        }
        if repo.run(&["postmortem", "show", id]).status.success() {
            let postmortem = repo.json(&["postmortem", "show", id]);
            found.lessons.extend(strings(&postmortem, "lessons"));
            found
                .whys
                .extend(strings(&postmortem["root_cause"], "whys"));
            for action in postmortem["action"].as_array().into_iter().flatten() {
                found
                    .actions
                    .push(action["title"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    found
}

/// Three clones write at random and sync in random order; in the end they agree on one
/// tree, every value any of them wrote is on it (incidents may have been renumbered),
/// and `check` finds no error.
#[test]
fn three_clones_syncing_in_random_order_converge_and_keep_every_write() {
    for seed in [4_u64, 7] {
        let team = Team::new();
        let clones = [team.clone(), team.clone(), team.clone()];
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut written = Written::default();
        for round in 0..20 {
            for (n, clone) in clones.iter().enumerate() {
                for write in 0..rng.below(3) {
                    let token = format!("s{seed}-r{round}-c{n}-w{write}");
                    random_write(clone, &mut rng, &token, &mut written);
                }
            }
            // Some clones sync this round, in random order.
            for _ in 0..rng.below(3) {
                let clone = &clones[rng.below(3)];
                clone.tick(5);
                sync(clone);
            }
        }
        for clone in clones.iter().chain(&clones) {
            clone.tick(5);
            sync(clone);
        }
        let tips: Vec<String> = clones.iter().map(TestRepo::tip).collect();
        assert!(
            tips.iter().all(|tip| *tip == team.remote_tip()),
            "seed {seed}: clones disagree: {tips:?}"
        );
        for clone in &clones {
            clone.ok(&["check"]);
        }
        let found = everything(&clones[0]);
        for (kind, wrote, have) in [
            ("title", &written.titles, &found.titles),
            ("timeline entry", &written.timeline, &found.timeline),
            ("label", &written.labels, &found.labels),
            ("lesson", &written.lessons, &found.lessons),
            ("why", &written.whys, &found.whys),
            ("action item", &written.actions, &found.actions),
        ] {
            for value in wrote {
                assert!(
                    have.contains(value),
                    "seed {seed}: lost {kind} {value:?}; the branch has {have:?}"
                );
            }
        }
        let total = written.titles.len()
            + written.timeline.len()
            + written.labels.len()
            + written.lessons.len()
            + written.whys.len()
            + written.actions.len();
        assert!(
            total > 40,
            "seed {seed}: only {total} writes: the run proves little"
        );
    }
}

/// Local writers moving the branch while sync merges make it merge again, as often as
/// it takes while the remote is still; every write lands.
#[test]
fn local_writers_during_sync_are_merged_again_not_blamed_on_the_remote() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();
    alice.tick(30);
    alice.ok(&["set", "INC-1", "labels+=alice"]);
    sync(alice);
    bob.tick(60);
    bob.ok(&["set", "INC-1", "labels+=bob"]);
    let texts: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let writes: Vec<(String, std::process::Command)> = (0..12)
                    .map(|n| {
                        let text = format!("writer {writer} note {n}");
                        let command = bob.cmd(&["timeline", "INC-1", "add", &text]);
                        (text, command)
                    })
                    .collect();
                scope.spawn(move || {
                    writes
                        .into_iter()
                        .map(|(text, mut command)| {
                            let output = command.output().expect("writer runs");
                            assert!(output.status.success(), "{output:?}");
                            text
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let output = bob.run(&["--json", "sync"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "sync gave up: {stderr}");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("sync --json");
        assert_eq!(report["rounds"], 1, "the remote never moved: {report}");
        writers
            .into_iter()
            .flat_map(|w| w.join().expect("writer"))
            .collect()
    });
    sync(&bob);
    sync(alice);
    let incident = alice.json(&["show", "INC-1"]);
    assert_eq!(incident["labels"], serde_json::json!(["bob", "alice"]));
    let timeline = incident["timeline"].to_string();
    for text in texts {
        assert!(timeline.contains(&text), "lost {text:?}: {timeline}");
    }
}

#[test]
fn a_response_run_from_two_laptops_keeps_every_step_hand_off_and_update() {
    let team = Team::new();
    let alice = &team.alice;
    new_incident(alice, "Checkout down");
    sync(alice);
    let bob = team.clone();

    // Alice raises it to SEV1 (its timings replace SEV2's), takes command and ticks T2.
    alice.tick(60);
    alice.ok(&["set", "INC-1", "severity=SEV1"]);
    alice.ok(&["ack", "INC-1", "--commander", "alice"]);
    alice.ok(&["task", "INC-1", "done", "T2", "--note", "status page up"]);
    // Bob, offline meanwhile, tells customer success and takes the comms role.
    bob.tick(90);
    bob.ok(&[
        "task",
        "INC-1",
        "done",
        "T3",
        "--note",
        "posted in #cs-alerts",
    ]);
    bob.ok(&[
        "update",
        "INC-1",
        "--audience",
        "customers",
        "--yes",
        "--record",
    ]);
    bob.ok(&["handoff", "INC-1", "--role", "comms", "--to", "bob"]);
    sync(alice);
    sync(&bob);
    sync(alice);

    for repo in [alice, &bob] {
        let tasks = repo.json(&["task", "INC-1"]);
        let task = |id: &str| {
            tasks
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == id)
                .unwrap_or_else(|| panic!("no {id} in {tasks}"))
                .clone()
        };
        assert_eq!(tasks.as_array().map(Vec::len), Some(5), "{tasks}");
        assert_eq!(task("T1")["within"], "5m", "SEV1's timing");
        assert_eq!(task("T1")["done"][0]["by"], "alice");
        assert_eq!(task("T2")["done"][0]["note"], "status page up");
        assert_eq!(task("T3")["done"][0]["note"], "posted in #cs-alerts");
        assert_eq!(task("T4")["done"].as_array().map(Vec::len), Some(1));
        let shown = repo.json(&["show", "INC-1"]);
        assert_eq!(shown["commander"], "alice");
        assert_eq!(shown["roles"]["comms"], "bob");
        assert_eq!(shown["severity"], "SEV1");
    }
    assert_eq!(alice.tip(), bob.tip(), "both clones converge");
}
