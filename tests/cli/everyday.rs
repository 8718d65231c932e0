//! Everyday use: acknowledgement targets, people and `me`, what each write says, and
//! git's auto-maintenance after writes.

use crate::common::TestRepo;

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
    repo.git(&["config", "gc.auto", "50"]);
    repo.ok(&["new", "Queue backlog", "-s", "SEV3"]);
    let writes = 120;
    for n in 0..writes {
        repo.ok(&["set", "INC-1", &format!("labels+=l{n}")]);
    }
    // About six objects a write; the maintenance runs in the background, so give the
    // last one a moment to finish.
    let bound = 200;
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
        "{count} loose objects after {writes} writes with gc.auto = 50"
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
