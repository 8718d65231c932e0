//! The read index: every listing read answers as a cold parse of the branch would, after
//! hand commits, sync, force-pushes and config changes (a stale answer is a bug).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common::{TestRepo, incident_path};
use crate::sync::{Team, commit_by_hand};

/// Every read served by the index, with what it prints on both streams and its code.
const READS: [&[&str]; 14] = [
    &["list"],
    &["list", "--status", "open"],
    &["--json", "list"],
    &["--json", "list", "--severity", "SEV1"],
    &["action", "list", "--as-of", "2026-11-30"],
    &[
        "--json",
        "action",
        "list",
        "--open",
        "--as-of",
        "2026-11-30",
    ],
    &["--json", "report", "actions", "--as-of", "2026-11-30"],
    &["--json", "report", "postmortems", "--as-of", "2026-11-30"],
    &["--json", "metrics", "--as-of", "2026-11-30"],
    &["--json"],
    &["check"],
    &["--json", "check"],
    &["search", "it"],
    &["--json", "search", "o"],
];

/// One incident's log: served from the index's commit lists once history is walked.
const LOG_READS: [&[&str]; 2] = [&["log", "INC-1"], &["--json", "log", "INC-2"]];

fn reads(repo: &TestRepo) -> Vec<String> {
    let mut all = run_all(repo, &READS);
    all.extend(run_all(repo, &LOG_READS));
    all
}

fn run_all(repo: &TestRepo, reads: &[&[&str]]) -> Vec<String> {
    reads
        .iter()
        .map(|args| {
            let output = repo.run(args);
            format!(
                "git incident {args:?}: exit {:?}\n{}\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
        .collect()
}

/// What the reads print with the index as it is, which must be what they print from
/// nothing; returns the reads.
fn assert_fresh(repo: &TestRepo) -> Vec<String> {
    let warm = reads(repo);
    let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
    let cold = reads(repo);
    for (warm, cold) in warm.iter().zip(&cold) {
        assert_eq!(
            warm, cold,
            "the index answered differently from a cold parse"
        );
    }
    // And the index just rebuilt answers the same again.
    assert_eq!(reads(repo), cold);
    cold
}

/// Two incidents, a postmortem with an action item.
fn some_incidents(repo: &TestRepo) {
    repo.ok(&["new", "Checkout down", "--severity", "SEV1"]);
    repo.tick(600);
    repo.ok(&["new", "Search slow", "--severity", "SEV3"]);
    repo.tick(600);
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Fix it",
        "--kind",
        "prevent",
        "--owner",
        "me",
        "--due",
        "2026-11-25",
    ]);
    repo.tick(600);
}

#[test]
fn a_hand_commit_is_seen_by_every_read() {
    let repo = TestRepo::initialized();
    some_incidents(&repo);
    let before = assert_fresh(&repo);
    assert!(before[1].contains("INC-1"), "{}", before[1]);
    let text = repo
        .file(&incident_path(1))
        .replace("status = \"investigating\"", "status = \"resolved\"");
    commit_by_hand(&repo, "incidents", &incident_path(1), &text);
    let after = assert_fresh(&repo);
    assert!(!after[1].contains("INC-1"), "{}", after[1]);
    // A file broken by hand is reported by the reads that look at it, and mended.
    let pm = "incidents/2026/INC-1/postmortem.toml";
    commit_by_hand(&repo, "incidents", pm, "status = [");
    let broken = assert_fresh(&repo);
    assert!(broken[4].contains("postmortem.toml:1"), "{}", broken[4]);
    assert!(!broken[0].contains("postmortem.toml"), "{}", broken[0]);
    let good = repo.git(&["show", &format!("incidents~1:{pm}")]);
    commit_by_hand(&repo, "incidents", pm, &good);
    assert_eq!(assert_fresh(&repo)[..READS.len()], after[..READS.len()]);
}

#[test]
fn a_sync_is_seen_by_every_read() {
    let team = Team::new();
    let alice = &team.alice;
    let bob = team.clone();
    some_incidents(alice);
    alice.ok(&["sync"]);
    assert_fresh(&bob);
    bob.ok(&["sync"]);
    let after = assert_fresh(&bob);
    assert!(after[0].contains("Checkout down"), "{}", after[0]);
    assert!(after[4].contains("INC-1.A1"), "{}", after[4]);
    alice.tick(60);
    alice.ok(&["status", "INC-2", "resolved"]);
    alice.ok(&["sync"]);
    bob.ok(&["sync"]);
    let later = assert_fresh(&bob);
    assert!(!later[1].contains("INC-2"), "{}", later[1]);
    // Both change the same incident: the sync merges, interleaving the two sides.
    alice.tick(60);
    alice.ok(&["status", "INC-1", "mitigated"]);
    alice.ok(&["sync"]);
    bob.tick(30);
    bob.ok(&["set", "INC-1", "labels=db"]);
    assert_fresh(&bob);
    bob.tick(60);
    bob.ok(&["sync"]);
    let merges = bob.git(&["rev-list", "--merges", "--count", "refs/heads/incidents"]);
    assert_ne!(merges.trim(), "0", "sync merged");
    let merged = assert_fresh(&bob);
    let log = &merged[READS.len()];
    assert!(log.contains("mitigated") && log.contains("db"), "{log}");
    // A line of commits on top of the merge.
    bob.tick(60);
    bob.ok(&["set", "INC-1", "labels=web"]);
    assert_fresh(&bob);
}

#[test]
fn a_force_push_is_seen_by_every_read() {
    let repo = TestRepo::initialized();
    some_incidents(&repo);
    let old = repo.tip();
    repo.ok(&["status", "INC-2", "mitigated"]);
    repo.tick(60);
    repo.ok(&["new", "Payments flaky", "--severity", "SEV1"]);
    assert!(assert_fresh(&repo)[0].contains("INC-3"));
    // Rewound, then rewritten: the index's tip is no longer an ancestor.
    repo.git(&["update-ref", "refs/heads/incidents", &old]);
    repo.tick(60);
    let text = repo
        .file(&incident_path(2))
        .replace("status = \"investigating\"", "status = \"closed\"");
    commit_by_hand(&repo, "incidents", &incident_path(2), &text);
    let after = assert_fresh(&repo);
    assert!(!after[0].contains("INC-3"), "{}", after[0]);
    assert!(after[0].contains("closed"), "{}", after[0]);
}

#[test]
fn a_config_change_is_seen_by_every_read() {
    let repo = TestRepo::initialized();
    some_incidents(&repo);
    let before = assert_fresh(&repo);
    assert!(before[0].contains("2026-11-23 10:00"), "{}", before[0]);
    let config = repo
        .file("config.toml")
        .replace("# timezone = \"Asia/Tokyo\"", "timezone = \"UTC\"");
    assert!(config.contains("timezone = \"UTC\""), "{config}");
    commit_by_hand(&repo, "incidents", "config.toml", &config);
    let after = assert_fresh(&repo);
    assert!(after[0].contains("2026-11-23 01:00"), "{}", after[0]);
    // A severity the config does not know is an error, until the config learns it.
    let text = repo
        .file(&incident_path(2))
        .replace("severity = \"SEV3\"", "severity = \"SEV9\"");
    commit_by_hand(&repo, "incidents", &incident_path(2), &text);
    let unknown = assert_fresh(&repo);
    assert!(unknown[10].contains("SEV9"), "{}", unknown[10]);
    let config = format!(
        "{}\n[[severity]]\nname = \"SEV9\"\ndescription = \"Drill\"\npostmortem = \"optional\"\n",
        repo.file("config.toml")
    );
    commit_by_hand(&repo, "incidents", "config.toml", &config);
    let known = assert_fresh(&repo);
    assert!(!known[10].contains("SEV9"), "{}", known[10]);
}

#[test]
fn check_sees_a_related_incident_arrive() {
    let repo = TestRepo::initialized();
    some_incidents(&repo);
    let text = repo
        .file(&incident_path(1))
        .replace("status = ", "related = [\"INC-3\"]\nstatus = ");
    commit_by_hand(&repo, "incidents", &incident_path(1), &text);
    let before = assert_fresh(&repo);
    assert!(
        before[10].contains("related incident INC-3 is not on this branch"),
        "{}",
        before[10]
    );
    repo.ok(&["new", "Payments flaky", "--severity", "SEV1"]);
    let after = assert_fresh(&repo);
    assert!(!after[10].contains("INC-3 is not"), "{}", after[10]);
}

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    New(u8),
    SetStatus(u8, u8),
    AddAction(u8),
    HandStatus(u8, u8),
    /// A communication added by hand: to cs, customers, internal, or a failed post.
    HandUpdate(u8, u8),
    Rewind(u8),
}

const STATUSES: [&str; 4] = ["investigating", "mitigated", "resolved", "closed"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..3).prop_map(Step::New),
        (0u8..4, 0u8..4).prop_map(|(i, s)| Step::SetStatus(i, s)),
        (0u8..4).prop_map(Step::AddAction),
        (0u8..4, 0u8..4).prop_map(|(i, s)| Step::HandStatus(i, s)),
        (0u8..4, 0u8..4).prop_map(|(i, a)| Step::HandUpdate(i, a)),
        (1u8..3).prop_map(Step::Rewind),
    ]
}

fn apply(repo: &TestRepo, step: &Step) {
    let count = repo.json(&["list"]).as_array().map_or(0, |a| a.len() as u8);
    let which = |i: u8| format!("INC-{}", 1 + i % count.max(1));
    repo.tick(300);
    match step {
        Step::New(sev) => {
            let severity = format!("SEV{}", 1 + sev);
            repo.ok(&["new", "Something broke", "--severity", &severity]);
        }
        _ if count == 0 => {}
        Step::SetStatus(i, s) => {
            let _ = repo.run(&["status", &which(*i), STATUSES[usize::from(*s)]]);
        }
        Step::AddAction(i) => {
            let _ = repo.run(&["action", "add", &which(*i), "Do it", "--kind", "fix"]);
        }
        Step::HandStatus(i, s) => {
            let id = which(*i);
            let path = format!("incidents/2026/{id}/incident.toml");
            let text = repo.file(&path);
            let status = text
                .lines()
                .find(|l| l.starts_with("status = "))
                .map(str::to_string);
            let new = format!("status = \"{}\"", STATUSES[usize::from(*s)]);
            if let Some(line) = status.filter(|line| *line != new) {
                commit_by_hand(repo, "incidents", &path, &text.replace(&line, &new));
            }
        }
        Step::HandUpdate(i, a) => {
            let path = format!("incidents/2026/{}/incident.toml", which(*i));
            let mut text = repo.file(&path);
            // The first update brings the cadence it is measured against.
            if !text.contains("[[task]]") {
                text.push_str(
                    "\n[[task]]\nid = \"T1\"\ntitle = \"Tell cs\"\nevery = \"10m\"\naudience = \"cs\"\n",
                );
            }
            let at = chrono::DateTime::from_timestamp(repo.now.get(), 0)
                .expect("a time")
                .to_rfc3339();
            let (audience, posted) = [
                ("cs", ""),
                ("customers", ""),
                ("internal", ""),
                ("cs", "posted = false\n"),
            ][usize::from(*a)];
            text.push_str(&format!(
                "\n[[timeline]]\nat = {at}\nkind = \"communication\"\ntext = \"Update\"\naudience = \"{audience}\"\n{posted}"
            ));
            commit_by_hand(repo, "incidents", &path, &text);
        }
        Step::Rewind(n) => {
            let target = format!("refs/heads/incidents~{n}");
            let ok = repo
                .git_cmd(&["rev-parse", "--verify", "-q", &target])
                .output();
            if ok.is_ok_and(|o| o.status.success()) {
                let old = repo.git(&["rev-parse", &target]);
                repo.git(&["update-ref", "refs/heads/incidents", old.trim()]);
            }
        }
    }
}

/// The index equals a cold parse after any sequence of writes, hand commits and
/// force-pushes (a few cases with a fixed seed: each step runs the binary).
#[test]
fn the_index_equals_a_cold_parse_after_random_histories() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 3,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    runner
        .run(&proptest::collection::vec(step(), 4..8), |steps| {
            let repo = TestRepo::initialized();
            for step in &steps {
                apply(&repo, step);
                let warm = reads(&repo);
                let _ = std::fs::remove_dir_all(repo.path().join(".git/incident"));
                let walked = run_all(&repo, &LOG_READS);
                let cold = reads(&repo);
                prop_assert_eq!(&warm, &cold, "after {:?}", step);
                prop_assert_eq!(&walked[..], &cold[READS.len()..], "after {:?}", step);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
