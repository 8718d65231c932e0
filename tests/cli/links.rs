//! Incidents linked to the code around them: change links resolved to commits, `blame`
//! through merges, and action items closed (and reopened) by commit trailers.

use crate::common::{START, TestRepo};
use crate::postmortem::hand_edit;

const DAY: i64 = 86_400;

/// A code commit on the checked-out branch changing `file`, at the test clock's time.
pub fn code_commit(repo: &TestRepo, file: &str, paragraphs: &[&str]) -> String {
    std::fs::write(repo.path().join(file), format!("{paragraphs:?}\n")).expect("write");
    repo.git(&["add", file]);
    let mut args = vec!["commit", "-q"];
    for paragraph in paragraphs {
        args.extend(["-m", paragraph]);
    }
    repo.git(&args);
    rev(repo, "HEAD")
}

fn rev(repo: &TestRepo, name: &str) -> String {
    repo.git(&["rev-parse", name]).trim().to_string()
}

struct Code {
    repo: TestRepo,
    /// On a feature branch merged into main: the incident's cause.
    cause: String,
    /// The merge commit that brought `cause` (and `tweak`) into main.
    merge: String,
    /// The other commit of the feature branch.
    tweak: String,
    /// A commit on main before the merge.
    before: String,
    /// The fix, on main.
    fix: String,
}

/// A code history: `before` on main, a feature branch (`cause`, `tweak`) merged with
/// --no-ff, then `fix`; INC-1 (SEV2, started a day after the cause) with two action
/// items.
fn code_history() -> Code {
    let repo = TestRepo::initialized();
    repo.tick(-3 * DAY);
    let before = code_commit(&repo, "a.txt", &["Log charge attempts"]);
    repo.git(&["switch", "-q", "-c", "feature"]);
    repo.tick(3600);
    let cause = code_commit(&repo, "b.txt", &["Retry charges on timeout"]);
    repo.tick(3600);
    let tweak = code_commit(&repo, "c.txt", &["Tune the retry backoff"]);
    repo.git(&["switch", "-q", "main"]);
    repo.tick(3600);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
    let merge = rev(&repo, "HEAD");
    repo.now.set(START);
    repo.ok(&[
        "new",
        "Checkout charged some cards twice",
        "--severity",
        "SEV2",
        "--started",
        "2026-11-21 12:00",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Idempotency keys",
        "--kind",
        "prevent",
    ]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on duplicates",
        "--kind",
        "detect",
    ]);
    repo.tick(3600);
    let fix = code_commit(&repo, "d.txt", &["Stop retrying charges"]);
    Code {
        repo,
        cause,
        merge,
        tweak,
        before,
        fix,
    }
}

#[test]
fn change_links_are_stored_as_full_commits_and_shown_with_subject_author_and_lead() {
    let code = code_history();
    let repo = &code.repo;
    // `feature~1` is the cause: any revision git accepts, stored as the full id.
    repo.ok(&[
        "set",
        "INC-1",
        "changes.caused_by+=feature~1",
        "changes.fixed_by+=#12",
        "changes.fixed_by+=https://github.com/org/repo/pull/13",
    ]);
    let stored = repo.json(&["show", "INC-1"]);
    assert_eq!(stored["changes"]["caused_by"][0], code.cause.as_str());
    let caused = &stored["linked_changes"]["caused_by"][0];
    assert_eq!(caused["kind"], "commit");
    assert_eq!(caused["commit"]["subject"], "Retry charges on timeout");
    assert_eq!(caused["commit"]["author"], "Pat Example");
    // Started 2026-11-21 12:00 Tokyo; the cause was committed at START - 3 days + 1 h
    // (2026-11-20 11:00 Tokyo): 25 hours before.
    assert_eq!(caused["before_started"], 25 * 3600);
    // Without forge_url, #12 has no URL yet.
    assert_eq!(
        stored["linked_changes"]["fixed_by"][0]["url"],
        serde_json::Value::Null
    );

    let text = repo.ok(&["show", "INC-1"]);
    let short = &code.cause[..7];
    assert!(
        text.contains(&format!(
            "{short} \"Retry charges on timeout\" (Pat Example, 1 day before it started)"
        )),
        "{text}"
    );

    hand_edit(repo, "config.toml", |text| {
        format!("forge_url = \"https://gitlab.example.com/org/repo\"\n{text}")
    });
    let shown = repo.json(&["show", "INC-1"]);
    assert_eq!(
        shown["linked_changes"]["fixed_by"][0]["url"],
        "https://gitlab.example.com/org/repo/-/merge_requests/12"
    );
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    assert!(
        md.contains(r"[\#12](https://gitlab.example.com/org/repo/-/merge_requests/12)"),
        "{md}"
    );
}

#[test]
fn a_value_that_is_no_revision_url_or_number_is_refused_and_nothing_is_written() {
    let code = code_history();
    let repo = &code.repo;
    let tip = repo.tip();
    for bad in ["no-such-branch", "#12a", "ftp://x/y"] {
        let err = repo.fails(1, &["set", "INC-1", &format!("changes.caused_by+={bad}")]);
        assert!(err.starts_with("error: invalid changes.caused_by"), "{err}");
    }
    assert_eq!(repo.tip(), tip);
    // A full commit id not fetched here yet is kept as it is: `check` warns about it.
    let unfetched = "0123456789ABCDEF0123456789abcdef01234567";
    repo.ok(&["set", "INC-1", &format!("changes.caused_by+={unfetched}")]);
    assert_eq!(
        repo.json(&["show", "INC-1"])["changes"]["caused_by"],
        serde_json::json!([unfetched.to_ascii_lowercase()])
    );
    repo.ok(&["set", "INC-1", &format!("changes.caused_by-={unfetched}")]);
    // A stored value can be removed as it was typed.
    repo.ok(&["set", "INC-1", "changes.fixed_by+=main"]);
    repo.ok(&["set", "INC-1", "changes.fixed_by-=main"]);
    assert_eq!(
        repo.json(&["show", "INC-1"])["changes"]["fixed_by"],
        serde_json::json!([])
    );
}

#[test]
fn check_errors_on_a_malformed_link_and_warns_on_a_commit_not_fetched() {
    let code = code_history();
    let repo = &code.repo;
    let missing = "0123456789abcdef0123456789abcdef01234567";
    hand_edit(repo, "incidents/2026/INC-1/incident.toml", |text| {
        format!(
            "{text}\n[changes]\ncaused_by = [\"{}\", \"{missing}\", \"HEAD~2\"]\n",
            code.cause
        )
    });
    let output = repo.run(&["check"]);
    assert_eq!(output.status.code(), Some(1));
    let out = String::from_utf8_lossy(&output.stdout);
    let path = "incidents/2026/INC-1/incident.toml";
    let line = repo
        .file(path)
        .lines()
        .position(|l| l.starts_with("caused_by = "))
        .expect("caused_by is there")
        + 1;
    assert!(
        out.contains(&format!(
            "{path}:{line}: warning: commit {missing} is not in this repository"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{path}:{line}: error: invalid changes.caused_by \"HEAD~2\""
        )),
        "{out}"
    );
    assert!(!out.contains(&code.cause), "{out}");
}

#[test]
fn blame_finds_incidents_directly_and_through_merge_ranges_both_ways() {
    let code = code_history();
    let repo = &code.repo;
    repo.ok(&["new", "Slow search", "--severity", "SEV3"]);
    repo.ok(&[
        "set",
        "INC-1",
        &format!("changes.caused_by+={}", code.cause),
    ]);
    repo.ok(&["set", "INC-1", &format!("changes.fixed_by+={}", code.fix)]);
    // INC-2 names the merge: the commits it brought in are blamed too.
    repo.ok(&[
        "set",
        "INC-2",
        &format!("changes.caused_by+={}", code.merge),
    ]);
    let blamed = |rev: &str| -> Vec<(String, String, String)> {
        repo.json(&["blame", rev])
            .as_array()
            .expect("array")
            .iter()
            .map(|b| {
                let s = |k: &str| b[k].as_str().expect("text").to_string();
                (s("incident"), s("field"), s("relation"))
            })
            .collect()
    };
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        blamed(&code.cause[..10]),
        [
            t("INC-1", "caused_by", "direct"),
            t("INC-2", "caused_by", "merged_by")
        ]
    );
    assert_eq!(blamed("feature"), [t("INC-2", "caused_by", "merged_by")]);
    assert_eq!(
        blamed(&code.merge),
        [
            t("INC-1", "caused_by", "in_merge"),
            t("INC-2", "caused_by", "direct")
        ]
    );
    assert_eq!(blamed("HEAD"), [t("INC-1", "fixed_by", "direct")]);
    assert!(blamed(&code.before).is_empty());
    let text = repo.ok(&["blame", &code.tweak]);
    assert!(
        text.contains("INC-2") && text.contains("merged by"),
        "{text}"
    );
    let err = repo.fails(1, &["blame", "nope"]);
    assert!(err.contains("unknown revision \"nope\""), "{err}");
}

fn listed(repo: &TestRepo) -> Vec<(String, String, Option<String>, Option<String>)> {
    repo.json(&["action", "list"])
        .as_array()
        .expect("array")
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().map(str::to_string);
            (
                s("id").unwrap(),
                s("status").unwrap(),
                s("done_at"),
                s("done_by"),
            )
        })
        .collect()
}

#[test]
fn trailers_close_items_at_read_time_reverts_reopen_them_and_sync_writes_it_down() {
    let code = code_history();
    let repo = &code.repo;
    let tip = repo.tip();
    repo.tick(DAY);
    let keys = code_commit(
        repo,
        "keys.txt",
        &[
            "Add idempotency keys",
            "Signed-off-by: Pat <pat@example.com>\nincident-action: INC-1.A1",
        ],
    );
    let closed_at = "2026-11-24T11:00:00+09:00";
    // A branch is enough: every local branch and tag is read.
    repo.git(&["switch", "-q", "-c", "alerts"]);
    repo.tick(3600);
    let alert = code_commit(
        repo,
        "alert.txt",
        &["Alert on duplicates", "Incident-Action: INC-1.A2"],
    );
    repo.git(&["switch", "-q", "main"]);
    assert_eq!(
        listed(repo),
        [
            (
                "INC-1.A1".into(),
                "done".into(),
                Some(closed_at.into()),
                Some(keys.clone())
            ),
            (
                "INC-1.A2".into(),
                "done".into(),
                Some("2026-11-24T12:00:00+09:00".into()),
                Some(alert.clone())
            ),
        ]
    );
    // Read, never written: the branch did not move.
    assert_eq!(repo.tip(), tip);
    assert!(repo.ok(&["action", "list", "--open"]).trim().is_empty());
    let table = repo.ok(&["action", "list"]);
    assert!(
        table.contains(&format!("done by {}, 2026-11-24", &keys[..7])),
        "{table}"
    );
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["action"][0]["done_by"], keys.as_str());
    let metrics = repo.json(&["metrics", "--as-of", "2026-11-30"]);
    assert_eq!(metrics["actions"]["done"], 2, "{metrics}");

    // Written down: one commit, then nothing more to write.
    repo.tick(60);
    repo.ok(&["action", "sync"]);
    assert_eq!(
        repo.git(&["rev-list", "--count", &format!("{tip}..incidents")])
            .trim(),
        "1"
    );
    let file = repo.file("incidents/2026/INC-1/postmortem.toml");
    assert!(file.contains(&format!("done_by = \"{keys}\"")), "{file}");
    assert!(file.contains(&format!("done_at = {closed_at}")), "{file}");
    let synced = repo.tip();
    repo.ok(&["action", "sync"]);
    assert_eq!(repo.tip(), synced);

    // Reverting the alert (on the branch the commit is on) reopens its item, even
    // after it was written down; syncing writes that too.
    repo.git(&["switch", "-q", "alerts"]);
    repo.tick(60);
    repo.git(&["revert", "--no-edit", "HEAD"]);
    repo.git(&["switch", "-q", "main"]);
    assert_eq!(
        listed(repo)[1],
        ("INC-1.A2".into(), "open".into(), None, None)
    );
    let report = repo.json(&["report", "actions", "--as-of", "2026-11-30"]);
    let ids: Vec<&str> = report["actions"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["INC-1.A2"]);
    assert_eq!(
        repo.json(&["metrics", "--as-of", "2026-11-30"])["actions"]["done"],
        1
    );
    repo.ok(&["action", "sync"]);
    let file = repo.file("incidents/2026/INC-1/postmortem.toml");
    assert!(!file.contains(&alert), "{file}");
    assert_eq!(listed(repo)[1].1, "open");
    // A revert of the revert closes it again.
    repo.git(&["switch", "-q", "alerts"]);
    repo.git(&["revert", "--no-edit", "HEAD"]);
    assert_eq!(listed(repo)[1].3.as_deref(), Some(alert.as_str()));
}

#[test]
fn code_refs_can_be_narrowed_and_the_cache_follows_new_commits_and_rewrites() {
    let code = code_history();
    let repo = &code.repo;
    repo.git(&["switch", "-q", "-c", "experiment"]);
    let experiment = code_commit(repo, "x.txt", &["Try keys", "Incident-Action: INC-1.A1"]);
    repo.git(&["switch", "-q", "main"]);
    assert_eq!(listed(repo)[0].3.as_deref(), Some(experiment.as_str()));
    repo.git(&["config", "--add", "incident.codeRefs", "refs/heads/main"]);
    repo.git(&["config", "--add", "incident.codeRefs", "tags/v*"]);
    assert_eq!(listed(repo)[0].1, "open");
    // A new commit on a read ref is seen (only it is walked: the cache holds the rest).
    let on_main = code_commit(repo, "y.txt", &["Keys", "Incident-Action: INC-1.A1"]);
    assert_eq!(listed(repo)[0].3.as_deref(), Some(on_main.as_str()));
    // Rewritten away, it no longer counts.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(listed(repo)[0].1, "open");
    repo.git(&["tag", "v1", &experiment]);
    assert_eq!(listed(repo)[0].3.as_deref(), Some(experiment.as_str()));
}

#[test]
fn check_trailers_names_the_commit_and_line_of_an_unknown_action_id() {
    let code = code_history();
    let repo = &code.repo;
    let base = rev(repo, "HEAD");
    code_commit(repo, "ok.txt", &["Keys", "Incident-Action: INC-1.A1"]);
    let typo = code_commit(
        repo,
        "typo.txt",
        &["Alert", "Body.", "Refs: #3\nIncident-Action: INC-1.A9"],
    );
    let other = code_commit(
        repo,
        "other.txt",
        &["More", "Incident-Action: INC-7.A1, bogus"],
    );
    let output = repo.run(&["check", &format!("--trailers={base}..{typo}")]);
    assert_eq!(output.status.code(), Some(1));
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        out.trim(),
        format!(
            "{typo}:6: error: Incident-Action INC-1.A9: INC-1 has no action item INC-1.A9 (see `git incident action list`) (commit \"Alert\")"
        )
    );
    let output = repo.run(&["--json", "check", "--trailers"]);
    assert_eq!(output.status.code(), Some(1));
    let all: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let found: Vec<(&str, u64, &str)> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{all}");
    assert!(
        found
            .iter()
            .any(|(c, l, m)| *c == other && *l == 3 && m.contains("there is no incident INC-7"))
    );
    assert!(
        found
            .iter()
            .any(|(c, _, m)| *c == other && m.contains("\"bogus\" is not an action item ID"))
    );
    // Commits before BASE are not judged.
    repo.ok(&["check", &format!("--trailers={base}..{base}")]);
}

/// The trailers found are the ones `git interpret-trailers --parse` finds.
#[test]
fn trailers_are_read_as_git_interpret_trailers_reads_them() {
    let repo = TestRepo::new();
    let messages = [
        "T\n\nIncident-Action: INC-7.A1\nincident-action : INC-7.A2,\n  INC-8.A1\nSigned-off-by: A <a@x>\n",
        "T\n\nprose\nprose\nIncident-Action: X\n(cherry picked from commit abc)\n",
        "T\n\nprose\nIncident-Action: X\n",
        "Incident-Action: X\n",
        "T\nIncident-Action: X\n",
        "T\n\nIncident-Action: X\n\n# a comment\n",
        "T\n\nIncident-Action: X\n---\nstat: y\n",
        "T\n\nKey with space: v\nIncident-Action: X\n",
        "T\n\nBody: one.\n\nReviewed-by: B\nIncident-Action:INC-1.A1\n\n\n",
        "T\n\n  Incident-Action: X\n",
    ];
    for message in messages {
        let mut git = repo.git_cmd(&["interpret-trailers", "--parse"]);
        git.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = git.spawn().expect("git runs");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), message.as_bytes()).unwrap();
        let output = child.wait_with_output().expect("git runs");
        let theirs: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let ours: Vec<String> = git_incident::model::trailer::trailers(message)
            .into_iter()
            .map(|t| format!("{}: {}", t.key, t.value))
            .collect();
        assert_eq!(ours, theirs, "{message:?}");
    }
}

/// Makes the trailer cache say something no commit says: a commit naming an unknown item
/// (`INC-1.A9`) is read into the cache, which is then edited to name `INC-1.A2` (the same
/// length, so the file still reads). It shows only while the cache is trusted.
fn plant_in_trailer_cache(repo: &TestRepo) -> String {
    let commit = code_commit(repo, "p.txt", &["Probe", "Incident-Action: INC-1.A9"]);
    assert_eq!(listed(repo)[1].1, "open");
    let path = repo
        .path()
        .join(".git/incident/trailers-refs%2Fheads%2Fincidents.bin");
    let bytes = std::fs::read(&path).expect("a trailer cache");
    let (old, new) = (b"INC-1.A9", b"INC-1.A2");
    let at = bytes
        .windows(old.len())
        .position(|w| w == old)
        .expect("the cache holds the trailer");
    let planted = [&bytes[..at], new, &bytes[at + old.len()..]].concat();
    std::fs::write(&path, planted).expect("write cache");
    commit
}

#[test]
fn a_second_read_walks_only_the_new_commits_and_a_rewrite_reads_everything_again() {
    let code = code_history();
    let repo = &code.repo;
    assert_eq!(listed(repo)[1].1, "open");
    let planted = Some(plant_in_trailer_cache(repo));
    assert_eq!(listed(repo)[1].3, planted, "unchanged refs: nothing walked");
    // New commits on main and a new branch: walked, the rest taken from the cache.
    let keys = code_commit(repo, "k.txt", &["Keys", "Incident-Action: INC-1.A1"]);
    repo.git(&["branch", "later"]);
    let items = listed(repo);
    assert_eq!(items[0].3.as_deref(), Some(keys.as_str()));
    assert_eq!(items[1].3, planted, "only the new commits were walked");
    // main rewound past what was read: everything is read again.
    repo.git(&["branch", "-q", "-D", "later"]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let items = listed(repo);
    assert_eq!(items[0].1, "open");
    assert_eq!(items[1].1, "open", "a full read drops what no ref has");
}

#[test]
fn a_revision_typed_in_edit_is_stored_as_its_full_commit_id() {
    let code = code_history();
    let repo = &code.repo;
    // The editor appends a [changes] table naming the cause by a revision, commented.
    let editor = repo.script(
        "link",
        "printf '\\n[changes]\\ncaused_by = [\"feature~1\"]  # the retry change\\nfixed_by = [\"#12\"]\\n' >> \"$1\"",
    );
    crate::common::assert_success(&repo.edit(&["INC-1"], &editor));
    let file = repo.file("incidents/2026/INC-1/incident.toml");
    assert!(
        file.contains(&format!(
            "caused_by = [\"{}\"]  # the retry change\nfixed_by = [\"#12\"]\n",
            code.cause
        )),
        "{file}"
    );
    // Something that is no revision is still refused, with the draft kept.
    let bad = repo.script(
        "bad",
        "sed -i 's/^fixed_by = .*/fixed_by = [\"no-such-branch\"]/' \"$1\"",
    );
    let refused = repo.edit(&["INC-1"], &bad);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("invalid changes.fixed_by \"no-such-branch\""),
        "{stderr}"
    );
}
