//! Every error has a kind; the kind alone decides the exit code, and with `--json` the
//! error is one object on stderr that a script can read.

use crate::common::TestRepo;
use crate::sync::Team;

/// The `{"error": {...}}` object a failing `--json` command leaves on stderr.
fn json_error(repo: &TestRepo, code: i32, args: &[&str]) -> serde_json::Value {
    let mut with_json = vec!["--json"];
    with_json.extend_from_slice(args);
    let stderr = repo.fails(code, &with_json);
    let value: serde_json::Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {stderr}"));
    let error = &value["error"];
    assert!(error["message"].is_string(), "{value}");
    assert!(
        error["hint"].is_null() || error["hint"].is_string(),
        "{value}"
    );
    assert_eq!(error.as_object().map(|o| o.len()), Some(3), "{value}");
    error.clone()
}

fn lock_the_branch(repo: &TestRepo) -> std::path::PathBuf {
    let lock = repo.path().join(".git/refs/heads/incidents.lock");
    std::fs::write(&lock, "").expect("leave a lock behind");
    lock
}

#[test]
fn usage_errors_exit_2() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "--severity", "SEV2", "Checkout is slow"]);
    repo.fails(2, &["list", "--no-such-flag"]);
    let stderr = repo.fails(2, &["set", "INC-1"]);
    assert!(stderr.contains("KEY=VALUE"), "{stderr}");
    let error = json_error(&repo, 2, &["list", "--no-such-flag"]);
    assert_eq!(error["kind"], "usage");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("--no-such-flag")),
        "{error}"
    );
}

#[test]
fn not_found_and_invalid_exit_1() {
    let repo = TestRepo::initialized();
    let stderr = repo.fails(1, &["show", "INC-9"]);
    assert!(stderr.starts_with("error: no incident INC-9"), "{stderr}");
    assert_eq!(
        json_error(&repo, 1, &["show", "INC-9"])["kind"],
        "not_found"
    );
    repo.fails(1, &["show", "not-an-id"]);
    assert_eq!(
        json_error(&repo, 1, &["show", "not-an-id"])["kind"],
        "invalid"
    );
}

#[test]
fn io_and_git_errors_exit_1() {
    let repo = TestRepo::initialized();
    let missing = repo.path().join("no-such-dir");
    let error = json_error(&repo, 1, &["-C", missing.to_str().expect("utf-8"), "list"]);
    assert_eq!(error["kind"], "io");
    std::fs::write(
        repo.path().join(".git/refs/heads/incidents"),
        "1111111111111111111111111111111111111111\n",
    )
    .expect("point the branch at nothing");
    assert_eq!(json_error(&repo, 1, &["list"])["kind"], "git");
}

#[test]
fn a_leftover_ref_lock_is_a_conflict_worth_retrying() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "--severity", "SEV2", "Checkout is slow"]);
    let lock = lock_the_branch(&repo);
    let stderr = repo.fails(75, &["set", "INC-1", "title=Checkout is down"]);
    let mut lines = stderr.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("error: could not update")),
        "{stderr}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("hint: Another git process")),
        "{stderr}"
    );
    let error = json_error(&repo, 75, &["set", "INC-1", "title=Checkout is down"]);
    assert_eq!(error["kind"], "conflict");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains(&lock.display().to_string())),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .is_some_and(|h| h.contains("remove the file")),
        "{error}"
    );
    // Once the other writer is gone, the same command succeeds.
    std::fs::remove_file(&lock).expect("remove the lock");
    repo.ok(&["set", "INC-1", "title=Checkout is down"]);
}

#[test]
fn a_hint_is_its_own_line_and_field() {
    let repo = TestRepo::new();
    let stderr = repo.fails(1, &[]);
    assert!(stderr.starts_with("error: no incident branch"), "{stderr}");
    assert!(
        stderr.contains("\nhint: `git incident --help` lists the commands"),
        "{stderr}"
    );
    let error = json_error(&repo, 1, &[]);
    assert_eq!(error["kind"], "not_found");
    assert_eq!(error["hint"], "`git incident --help` lists the commands");
}

#[test]
fn a_remote_that_keeps_moving_is_a_conflict_worth_retrying() {
    let team = Team::new();
    let alice = &team.alice;
    alice.ok(&["new", "--severity", "SEV2", "Checkout is slow"]);
    alice.ok(&["sync"]);
    let bob = team.clone();
    let carol = team.clone();
    bob.ok(&["set", "INC-1", "summary=Bob's summary"]);
    // Before each of Bob's pushes, Carol pushes a commit of her own: his never lands.
    let hook = bob.script(
        "pre-push-carol",
        &format!(
            "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n\
             cd '{carol}' || exit 1\n\
             next=$(git commit-tree -p incidents -m carol 'incidents^{{tree}}') || exit 1\n\
             git update-ref refs/heads/incidents \"$next\" && git push -q origin incidents",
            carol = carol.path().display()
        ),
    );
    std::fs::copy(&hook, bob.path().join(".git/hooks/pre-push")).expect("install the hook");
    let error = json_error(&bob, 75, &["sync"]);
    assert_eq!(error["kind"], "conflict");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("kept moving")),
        "{error}"
    );
    // When the others stop, the same command succeeds.
    std::fs::remove_file(bob.path().join(".git/hooks/pre-push")).expect("remove the hook");
    bob.ok(&["sync"]);
    assert_eq!(team.remote_tip(), bob.tip());
}
