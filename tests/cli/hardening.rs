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

/// Every read that keeps a cache, with what it prints.
const CACHED_READS: [&[&str]; 7] = [
    &["--json", "metrics", "--as-of", "2026-11-30"],
    &["metrics", "--as-of", "2026-11-30"],
    &["--json", "report", "actions", "--as-of", "2026-11-30"],
    &["--json", "report", "postmortems", "--as-of", "2026-11-30"],
    &["--json", "list"],
    &["--json", "action", "list", "--as-of", "2026-11-30"],
    // Resolved by hand: `show` fills the time in from history, through the cache.
    &["show", "INC-1"],
];

fn cached_reads(repo: &TestRepo) -> Vec<String> {
    CACHED_READS.iter().map(|args| repo.ok(args)).collect()
}

/// A branch with an incident resolved by hand, a postmortem and an action item.
fn branch_for_caches() -> TestRepo {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "Checkout down", "--severity", "SEV2"]);
    repo.tick(600);
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "pat"]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Fix it",
        "--kind",
        "prevent",
        "--due",
        "2026-11-25",
    ]);
    repo.tick(600);
    let text = repo
        .file(&incident_path(1))
        .replace("status = \"investigating\"", "status = \"resolved\"");
    commit_by_hand(&repo, "incidents", &incident_path(1), &text);
    repo
}

fn cache_files(repo: &TestRepo) -> Vec<std::path::PathBuf> {
    let dir = repo.path().join(".git/incident");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("a cache directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        // Remembered by tree id, it names no tip; a wrong one is the store's unit test.
        .filter(|p| !p.ends_with("year-ranges.bin"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_cache_naming_a_vanished_commit_or_corrupt_is_rebuilt_never_fatal() {
    let repo = branch_for_caches();
    let expected = cached_reads(&repo);
    assert!(expected[6].contains("(from history)"), "{}", expected[6]);
    let files = cache_files(&repo);
    assert!(!files.is_empty(), "{files:?}");
    let tip = repo.tip();
    let tree = repo
        .git(&["rev-parse", "incidents^{tree}"])
        .trim()
        .to_string();
    // The trailer cache names the code's tips instead (main's here).
    let code_tip = repo.git(&["rev-parse", "main"]).trim().to_string();
    let code_tree = repo.git(&["rev-parse", "main^{tree}"]).trim().to_string();
    // The same length, so that the rest of the file still reads.
    let replace = |bytes: &[u8], new_tip: &str, new_code_tip: &str| -> Vec<u8> {
        let find = |old: &str| bytes.windows(old.len()).position(|w| w == old.as_bytes());
        let (at, old, new) = match find(&tip) {
            Some(at) => (at, &tip, new_tip),
            None => (
                find(&code_tip).expect("the cache names a tip"),
                &code_tip,
                new_code_tip,
            ),
        };
        [&bytes[..at], new.as_bytes(), &bytes[at + old.len()..]].concat()
    };
    let missing = "0123456789abcdef0123456789abcdef01234567";
    type Spoil<'a> = Box<dyn Fn(&[u8]) -> Vec<u8> + 'a>;
    let spoils: [(&str, Spoil); 6] = [
        (
            "naming a commit that does not exist",
            Box::new(|bytes| replace(bytes, missing, missing)),
        ),
        (
            "naming a tree",
            Box::new(|bytes| replace(bytes, &tree, &code_tree)),
        ),
        (
            "truncated",
            Box::new(|bytes| bytes[..bytes.len() / 2].to_vec()),
        ),
        ("empty", Box::new(|_| Vec::new())),
        ("garbage", Box::new(|_| b"\x00\xffgarbage".to_vec())),
        (
            "JSON",
            Box::new(|_| b"{\"format\": \"x\", \"tip\": []}".to_vec()),
        ),
    ];
    for (what, spoil) in spoils {
        for file in &files {
            let bytes = std::fs::read(file).expect("cache bytes");
            std::fs::write(file, spoil(&bytes)).expect("write cache");
        }
        assert_eq!(cached_reads(&repo), expected, "cache {what}");
        // Rebuilt: the next read is served from a good cache again.
        assert_eq!(cached_reads(&repo), expected, "after a cache {what}");
    }
}

#[test]
fn a_force_push_then_gc_under_the_cache_is_read_from_the_branch() {
    let repo = branch_for_caches();
    let before_hand_edit = repo.git(&["rev-parse", "incidents~1"]).trim().to_string();
    cached_reads(&repo); // the cache names the tip about to vanish
    repo.git(&["update-ref", "refs/heads/incidents", &before_hand_edit]);
    repo.tick(600);
    let text = repo
        .file(&incident_path(1))
        .replace("status = \"investigating\"", "status = \"mitigated\"");
    commit_by_hand(&repo, "incidents", &incident_path(1), &text);
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    let warm = cached_reads(&repo);
    std::fs::remove_dir_all(repo.path().join(".git/incident")).expect("remove the cache");
    let cold = cached_reads(&repo);
    assert_eq!(warm, cold);
    assert!(warm[0].contains("\"time_to_mitigate\""), "{}", warm[0]);
}

/// What git says about a lock left behind, and how quickly it is said.
fn refused_for_the_lock(repo: &TestRepo, args: &[&str]) {
    let lock = repo.path().join(".git/refs/heads/incidents.lock");
    let started = std::time::Instant::now();
    let stderr = refused(repo, 75, args, &lock.display().to_string());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{args:?} spun"
    );
    assert!(stderr.contains("Another git process"), "{stderr}");
    assert!(stderr.contains("remove the file"), "{stderr}");
    assert!(!stderr.contains("kept moving"), "{stderr}");
}

#[test]
fn a_lock_left_by_a_killed_writer_is_named_not_retried_as_a_race() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    let lock = repo.path().join(".git/refs/heads/incidents.lock");
    std::fs::write(&lock, "").expect("create the lock");
    refused_for_the_lock(&repo, &["new", "Second", "--severity", "SEV3"]);
    refused_for_the_lock(&repo, &["status", "INC-1", "mitigated"]);
    std::fs::remove_file(&lock).expect("remove the lock");
    assert_eq!(
        repo.ok(&["new", "Second", "--severity", "SEV3"]).trim(),
        "INC-2"
    );
}

#[test]
fn sync_names_a_lock_left_behind() {
    let team = Team::new();
    let bob = team.clone();
    team.alice.ok(&["new", "Alice's", "--severity", "SEV3"]);
    team.alice.ok(&["sync"]);
    std::fs::write(bob.path().join(".git/refs/heads/incidents.lock"), "").expect("lock");
    refused_for_the_lock(&bob, &["sync"]);
}

#[test]
fn times_out_of_range_are_errors_not_panics() {
    let repo = TestRepo::initialized();
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&["action", "add", "INC-1", "One", "--kind", "prevent"]);
    let range = "out of range";
    refused(
        &repo,
        1,
        &["timeline", "INC-1", "add", "t", "--at", "3000000d ago"],
        range,
    );
    refused(
        &repo,
        1,
        &[
            "new",
            "t",
            "--severity",
            "SEV3",
            "--started",
            "999999999h ago",
        ],
        range,
    );
    refused(
        &repo,
        1,
        &["set", "INC-1", "times.started=5000000d ago"],
        range,
    );
    refused(
        &repo,
        1,
        &["ack", "INC-1", "--at", "+10000-01-01 00:00"],
        range,
    );
    refused(
        &repo,
        1,
        &["status", "INC-1", "resolved", "--at=-0001-12-31"],
        range,
    );
    refused(
        &repo,
        1,
        &["action", "set", "INC-1.A1", "due=+10000-01-01"],
        range,
    );
    refused(
        &repo,
        1,
        &[
            "action",
            "add",
            "INC-1",
            "t",
            "--kind",
            "detect",
            "--due",
            "+99999999w",
        ],
        "out of range",
    );
    for args in [
        &[
            "timeline",
            "INC-1",
            "add",
            "t",
            "--at",
            "99999999999999999999w ago",
        ][..],
        &["set", "INC-1", "times.started=9223372036854775807s ago"],
        &[
            "new",
            "t",
            "--severity",
            "SEV3",
            "--started",
            "yesterday 25:00",
        ],
    ] {
        refused(&repo, 1, args, "invalid time");
    }
    // Reads refuse the same times rather than compute with them.
    for args in [
        &["metrics", "--as-of", "3000000d ago"][..],
        &["list", "--since", "+10000-01-01"],
        &["action", "list", "--as-of", "5000000d ago"],
        &["report", "actions", "--as-of", "5000000d ago"],
    ] {
        refused(&repo, 1, args, range);
    }
    // The edges themselves are fine.
    repo.ok(&["set", "INC-1", "times.started=0000-01-01T00:00:00+00:00"]);
    repo.ok(&["action", "set", "INC-1.A1", "due=9999-12-31"]);
}

#[test]
fn a_commit_date_past_year_9999_is_refused_by_every_write() {
    let repo = TestRepo::new();
    repo.ok(&["init", "--timezone", "Asia/Tokyo"]);
    repo.ok(&["new", "First", "--severity", "SEV3"]);
    let writes: [&[&str]; 4] = [
        &["new", "t", "--severity", "SEV3"],
        &["status", "INC-1", "mitigated"],
        &["set", "INC-1", "title=Renamed"],
        &["postmortem", "new", "INC-1"],
    ];
    // git accepts year 10000; and 9999-12-31 23:00 UTC is year 10000 in the team's zone,
    // refused by the writes that record the time.
    for (date, writes) in [
        ("@253402300800 +0000", &writes[..]),
        ("@253402297200 +0000", &writes[..2]),
    ] {
        for args in writes {
            let tip = repo.tip();
            let output = repo
                .cmd(args)
                .env("GIT_COMMITTER_DATE", date)
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{args:?} {date}: {stderr}");
            assert!(stderr.starts_with("error: "), "{stderr}");
            assert!(stderr.contains("out of range"), "{stderr}");
            assert_eq!(repo.tip(), tip);
        }
    }
}

#[test]
fn branch_names_git_refuses_are_refused() {
    let repo = TestRepo::new();
    let refs = || repo.git(&["for-each-ref", "--format=%(refname)"]);
    let before = refs();
    for name in [
        "HEAD",
        "@",
        "refs/heads/HEAD",
        "refs/heads/@",
        "-x",
        "a..b",
        "x@{1}",
        "x.lock",
        "x/",
        "x//y",
        ".x",
        "a b",
        "bell\u{7}",
        "new\nline",
        "",
    ] {
        let output = repo.run(&[&format!("--ref={name}"), "init"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name:?}: {stderr}");
        assert!(
            stderr.starts_with("error: invalid ref name"),
            "{name:?}: {stderr}"
        );
    }
    assert_eq!(refs(), before);
    repo.git(&["config", "incident.ref", "HEAD"]);
    let stderr = repo.fails(1, &["list"]);
    assert!(
        stderr.starts_with("error: invalid ref name \"HEAD\""),
        "{stderr}"
    );
    repo.git(&["config", "--unset", "incident.ref"]);
    // Names git accepts still work, and HEAD stays unambiguous.
    repo.ok(&["--ref", "team/incidents", "init"]);
    repo.git(&["rev-parse", "--verify", "-q", "HEAD"]);
}

#[test]
fn control_characters_in_titles_and_names_leave_the_template_valid() {
    let repo = TestRepo::initialized();
    let titles = [
        "Bell \u{7} rings",
        "Two\nlines",
        "Carriage\rreturn",
        "Escape \u{1b}[31m red",
        "Delete\u{7f}",
    ];
    for (n, title) in titles.iter().enumerate() {
        let id = format!("INC-{}", n + 1);
        assert_eq!(repo.ok(&["new", title, "--severity", "SEV2"]).trim(), id);
        repo.ok(&["ack", &id, "--commander", "Pat\rExample\u{7}"]);
        repo.ok(&["timeline", &id, "add", "Paged\u{7} the\r\nteam"]);
        repo.ok(&["postmortem", "new", &id]);
        let text = repo.file(&format!("incidents/2026/{id}/postmortem.toml"));
        let heading = text.lines().nth(1).expect("a heading");
        assert!(
            heading.starts_with(&format!("# Postmortem of {id}: ")),
            "{heading}"
        );
        assert!(!heading.chars().any(|c| c.is_control()), "{heading:?}");
        assert!(
            text.chars().all(|c| !c.is_control() || c == '\n'),
            "{text:?}"
        );
        repo.ok(&["postmortem", "show", &id]);
    }
    let text = repo.file("incidents/2026/INC-2/postmortem.toml");
    assert!(
        text.contains("# Postmortem of INC-2: Two lines\n"),
        "{text}"
    );
    repo.ok(&["check"]);
}

/// A repository made by `git init ARGS`, with one commit, or `None` when no git here
/// can make one.
fn repository_made_with(args: &[&str]) -> Option<TestRepo> {
    let repo = TestRepo::bare_dir();
    let mut all = vec!["init", "-q"];
    all.extend_from_slice(args);
    if !repo
        .git_cmd(&all)
        .output()
        .expect("git runs")
        .status
        .success()
    {
        return None;
    }
    repo.git(&["commit", "-q", "--allow-empty", "-m", "root"]);
    Some(repo)
}

#[test]
fn sha256_and_reftable_repositories_are_named_not_called_missing() {
    let cases = [
        ("--object-format=sha256", "the sha256 object format"),
        ("--ref-format=reftable", "the reftable ref storage format"),
    ];
    for (flag, format) in cases {
        let Some(repo) = repository_made_with(&[flag]) else {
            println!("note: git here cannot run `git init {flag}`; not tested");
            continue;
        };
        for args in [
            &["init"][..],
            &["list"],
            &["new", "t", "--severity", "SEV2"],
        ] {
            let stderr = repo.fails(1, args);
            assert_eq!(
                stderr.trim_end(),
                format!(
                    "error: this repository uses {format}, which git-incident does not support yet"
                ),
                "{flag} {args:?}"
            );
        }
        std::fs::create_dir(repo.path().join("sub")).expect("mkdir");
        let stderr = repo.fails(1, &["-C", "sub", "list"]);
        assert!(stderr.contains(format), "{stderr}");
    }
}
