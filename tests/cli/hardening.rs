//! Adversarial input: numbers at their limit, caches gone stale, locks left behind,
//! absurd times, odd names and repositories. Each is a clear `error: …`, never a panic,
//! and changes nothing on the branch.

use crate::common::{TestRepo, incident_path};
use crate::sync::{Team, commit_by_hand};

const LAST: u32 = u32::MAX;

/// Asserts a refusal: exit `code`, `error: …` mentioning `expected`, no panic, and the
/// branch where it was.
fn refused(repo: &TestRepo, code: i32, args: &[&str], expected: &str) -> String {
    let tip = repo.tip();
    let stderr = repo.fails(code, args);
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(repo.tip(), tip, "{args:?} changed the branch");
    stderr
}

/// INC-1 as the tool wrote it, committed by hand under another number.
fn hand_committed_copy(repo: &TestRepo, number: u32) {
    let text = repo
        .file(&incident_path(1))
        .replace("\"INC-1\"", &format!("\"INC-{number}\""))
        .replace("uid = \"", "uid = \"f");
    commit_by_hand(repo, "incidents", &incident_path(number), &text);
}

#[test]
fn incident_numbers_stop_at_the_last_instead_of_wrapping() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    hand_committed_copy(&repo, LAST);
    refused(
        &repo,
        1,
        &["new", "After the last", "--severity", "SEV3"],
        &format!("no incident number after INC-{LAST} is left"),
    );
    assert!(
        !repo
            .git(&["ls-tree", "-r", "--name-only", "incidents"])
            .contains("INC-0/")
    );
}

#[test]
fn action_numbers_stop_at_the_last_instead_of_wrapping() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&["action", "add", "INC-1", "One", "--kind", "prevent"]);
    let path = "incidents/2026/INC-1/postmortem.toml";
    let text = repo
        .file(path)
        .replace("\"INC-1.A1\"", &format!("\"INC-1.A{LAST}\""));
    commit_by_hand(&repo, "incidents", path, &text);
    refused(
        &repo,
        1,
        &["action", "add", "INC-1", "Two", "--kind", "detect"],
        &format!("no action number after INC-1.A{LAST} is left"),
    );
}

#[test]
fn ids_out_of_range_or_malformed_are_refused_clearly() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    for id in [
        "INC-0",
        "INC-01",
        "0",
        "007",
        "INC-4294967296",
        "99999999999999999999",
    ] {
        refused(&repo, 1, &["show", id], "invalid incident ID");
        refused(&repo, 1, &["set", id, "title=x"], "invalid incident ID");
    }
    repo.ok(&["postmortem", "new", "INC-1"]);
    for id in ["INC-1.A0", "INC-1.A01", "INC-1.A4294967296", "INC-0.A1"] {
        refused(&repo, 1, &["action", "done", id], "invalid ");
    }
}

#[test]
fn sync_renumbering_at_the_last_number_is_refused() {
    let team = Team::new();
    let bob = team.clone();
    let alice = &team.alice;
    alice.ok(&["new", "Alice's", "--severity", "SEV3"]);
    hand_committed_copy(alice, LAST);
    alice.ok(&["sync"]);
    bob.tick(60);
    bob.ok(&["new", "Bob's", "--severity", "SEV3"]);
    let stderr = refused(
        &bob,
        1,
        &["sync"],
        &format!("no incident number after INC-{LAST} is left"),
    );
    assert!(!stderr.contains("INC-0"), "{stderr}");
}

#[test]
fn sync_renumbering_of_actions_at_the_last_number_is_refused() {
    let team = Team::new();
    let alice = &team.alice;
    alice.ok(&["new", "Shared", "--severity", "SEV3"]);
    alice.ok(&["postmortem", "new", "INC-1"]);
    alice.ok(&["sync"]);
    let bob = team.clone();
    let path = "incidents/2026/INC-1/postmortem.toml";
    for (repo, title) in [(alice, "Alice's"), (&bob, "Bob's")] {
        repo.tick(60);
        repo.ok(&["action", "add", "INC-1", title, "--kind", "prevent"]);
        let text = repo
            .file(path)
            .replace("\"INC-1.A1\"", &format!("\"INC-1.A{LAST}\""));
        commit_by_hand(repo, "incidents", path, &text);
    }
    alice.ok(&["sync"]);
    // A file that cannot be merged keeps the remote's version and reports the conflict;
    // the local version stays in the merge's history. No number wraps to A0.
    bob.tick(60);
    let output = bob.run(&["sync"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("no action number after INC-1.A{LAST} is left")),
        "{stderr}"
    );
    let merged = bob.file(path);
    assert!(
        merged.contains("Alice's") && !merged.contains(".A0\""),
        "{merged}"
    );
}
