//! `metrics --deploys`: the DORA figures on a code history built here, worked out by
//! hand, from release tags, from `incident.deploys` and from a deploy log file.

use serde_json::{Value, json};

use crate::common::TestRepo;

/// 2026-10-01T00:00:00+09:00: hour 0 of the fixture.
const T0: i64 = 1_790_780_400;
const H: i64 = 3600;
/// The window: two weeks from hour 0.
const WINDOW: [&str; 4] = [
    "--since",
    "2026-10-01T00:00:00+09:00",
    "--until",
    "2026-10-15T00:00:00+09:00",
];

/// RFC 3339 of fixture hour `h`.
fn at(h: i64) -> String {
    chrono::DateTime::from_timestamp(T0 + h * H, 0)
        .expect("in range")
        .with_timezone(&chrono::FixedOffset::east_opt(9 * H as i32).expect("+09:00"))
        .to_rfc3339()
}

/// A commit on the checked-out branch at hour `h`; its id.
fn commit(repo: &TestRepo, h: i64, subject: &str) -> String {
    repo.now.set(T0 + h * H);
    repo.git(&["commit", "-q", "--allow-empty", "-m", subject]);
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// An annotated tag on HEAD whose tagger date is hour `h`.
fn release(repo: &TestRepo, h: i64, name: &str) {
    repo.now.set(T0 + h * H);
    repo.git(&["tag", "-a", name, "-m", name]);
}

/// The code history (hours from T0; a lightweight tag deploys at its commit's time):
///
/// | tag | deployed | first shipped (lead time) |
/// |---|---|---|
/// | v0.9 light | -48 (before the window) | base: the first deployment known |
/// | v1.0 annotated | 4 | a1 @1 (3h), a2 @2 (2h) |
/// | v1.1 light | 25 | b1 @25 (0h) |
/// | v1.2 annotated | 52 | c1 @49 (3h), c2 @50 (2h) |
/// | v1.3 annotated | 80 | d1 @73 (7h) |
/// | v1.4 annotated | 98 | f1 @20 on a branch (78h), the merge @97 (1h) |
/// | v1.5 light | 121 | e1 @121 (0h) |
/// | v1.6 annotated | 150 | g1 @145 (5h), g2 @146 (4h) |
/// | v1.7 annotated | 170 | h1 @169 (1h) |
/// | v1.8 annotated | 200 | i1 @193 (7h) |
/// | v1.9 annotated | 218 | j1 @217 (1h) |
/// | v2.0 light | 337 (after the window) | k1 @337 |
///
/// u1 @30, on a branch from v1.0, is never deployed.
///
/// Returns the commit ids by name.
fn code_history(repo: &TestRepo) -> std::collections::HashMap<&'static str, String> {
    let mut ids = std::collections::HashMap::new();
    repo.git(&["init", "-q", "-b", "main"]);
    ids.insert("base", commit(repo, -48, "base"));
    repo.git(&["tag", "v0.9"]);
    ids.insert("a1", commit(repo, 1, "a1"));
    ids.insert("a2", commit(repo, 2, "a2"));
    release(repo, 4, "v1.0");
    repo.git(&["switch", "-q", "-c", "feature"]);
    ids.insert("f1", commit(repo, 20, "f1"));
    repo.git(&["switch", "-q", "main"]);
    ids.insert("b1", commit(repo, 25, "b1"));
    repo.git(&["tag", "v1.1"]);
    ids.insert("c1", commit(repo, 49, "c1"));
    ids.insert("c2", commit(repo, 50, "c2"));
    release(repo, 52, "v1.2");
    ids.insert("d1", commit(repo, 73, "d1"));
    release(repo, 80, "v1.3");
    repo.now.set(T0 + 97 * H);
    repo.git(&["merge", "-q", "--no-ff", "feature", "-m", "Merge feature"]);
    release(repo, 98, "v1.4");
    ids.insert("e1", commit(repo, 121, "e1"));
    repo.git(&["tag", "v1.5"]);
    ids.insert("g1", commit(repo, 145, "g1"));
    ids.insert("g2", commit(repo, 146, "g2"));
    release(repo, 150, "v1.6");
    ids.insert("h1", commit(repo, 169, "h1"));
    release(repo, 170, "v1.7");
    ids.insert("i1", commit(repo, 193, "i1"));
    release(repo, 200, "v1.8");
    ids.insert("j1", commit(repo, 217, "j1"));
    release(repo, 218, "v1.9");
    ids.insert("k1", commit(repo, 337, "k1"));
    repo.git(&["tag", "v2.0"]);
    repo.git(&["switch", "-q", "-c", "unmerged", "v1.0"]);
    ids.insert("u1", commit(repo, 30, "u1"));
    repo.git(&["switch", "-q", "main"]);
    ids
}

/// An incident detected at hour `detected`, resolved at `resolved`, caused by `causes`.
fn incident(repo: &TestRepo, detected: i64, resolved: i64, causes: &[&str]) -> String {
    let id = repo
        .ok(&["new", "Outage", "-s", "SEV2", "--detected", &at(detected)])
        .trim()
        .to_string();
    for cause in causes {
        repo.ok(&["set", &id, &format!("changes.caused_by+={cause}")]);
    }
    repo.ok(&["status", &id, "resolved", "--at", &at(resolved)]);
    id
}

/// The fixture's incidents:
///
/// - INC-1 caused by c2 (first shipped by v1.2 @52), resolved @56: recovery 4h.
/// - INC-2 caused by f1 (committed @20 on a branch, first shipped by v1.4 @98 through
///   the merge), resolved @104: recovery 6h.
/// - INC-3 caused by g1 (v1.6 @150), a pull request URL and a commit id this repository
///   does not have (both ignored), resolved @151: recovery 1h.
/// - INC-4 caused by c1 (v1.2 again: one failed deployment, two incidents), resolved
///   @60: recovery 60 - 52 = 8h.
/// - INC-5 caused by h1 (v1.7) but canceled: left out.
/// - INC-6 caused by d1 (v1.3) but detected after the window: left out.
/// - INC-7 caused by base (first shipped by v0.9 @-48, before the window: no failed
///   deployment in the window) and u1 (never deployed), resolved @32: recovery 80h.
fn fixture() -> TestRepo {
    let repo = TestRepo::bare_dir();
    let ids = code_history(&repo);
    repo.now.set(T0 + 400 * H);
    repo.ok(&["init"]);
    incident(&repo, 54, 56, &[&ids["c2"]]);
    incident(&repo, 100, 104, &[&ids["f1"]]);
    incident(
        &repo,
        150,
        151,
        &[
            &ids["g1"],
            "https://example.com/pr/7",
            "0123456789abcdef0123456789abcdef01234567",
        ],
    );
    incident(&repo, 55, 60, &[&ids["c1"]]);
    let canceled = incident(&repo, 171, 172, &[&ids["h1"]]);
    repo.ok(&["status", &canceled, "canceled"]);
    incident(&repo, 350, 351, &[&ids["d1"]]);
    incident(&repo, 30, 32, &[&ids["base"], &ids["u1"]]);
    repo
}

fn figure(count: u64, median: i64, p90: i64, mean: i64) -> Value {
    json!({"count": count, "median": median, "p90": p90, "mean": mean})
}

/// The figures every form of `--deploys` must give for the fixture.
fn expected() -> Value {
    json!({
        // v1.0 .. v1.9: 10 in a window of 2 weeks, 5 a week.
        "deployments": {"count": 10, "per_week": 5.0},
        // v1.2 (INC-1, INC-4), v1.4 (INC-2), v1.6 (INC-3): 3 of 10.
        "failed_deployments": 3,
        "change_fail_rate": 0.3,
        // Recovery, sorted: 1h, 4h, 6h, 8h, 80h = 3600, 14400, 21600, 28800, 288000.
        // median: rank ceil(0.5 * 5) = 3 -> 21600; p90: rank ceil(4.5) = 5 -> 288000;
        // mean: 356400 / 5 = 71280.
        "failed_deployment_recovery_time": figure(5, 21_600, 288_000, 71_280),
        // Lead times, sorted (hours): 0 0 1 1 1 2 2 3 3 4 5 7 7 78 (v0.9's base and
        // v2.0's k1 are outside). median: rank 7 -> 2h = 7200; p90: rank
        // ceil(12.6) = 13 -> 7h = 25200; mean: 114h / 14 = 29314.29 s -> 29314.
        "lead_time_for_changes": figure(14, 7_200, 25_200, 29_314),
    })
}

#[test]
fn release_tags_give_the_figures_worked_out_by_hand() {
    let repo = fixture();
    let mut args = vec!["metrics", "--deploys", "refs/tags/v*"];
    args.extend(WINDOW);
    let m = repo.json(&args);
    assert_eq!(m["dora"], expected());
    // The incident figures are unchanged beside them: INC-1..4 and INC-7 in the window.
    assert_eq!(m["incidents"]["total"], 5);

    // Without --deploys or incident.deploys there is no dora object.
    let mut plain = vec!["metrics"];
    plain.extend(WINDOW);
    assert!(repo.json(&plain).get("dora").is_none());

    // `git config incident.deploys` stands in for --deploys.
    repo.git(&["config", "incident.deploys", "refs/tags/v*"]);
    assert_eq!(repo.json(&plain)["dora"], expected());

    // The terminal states each formula and the counts behind the rate.
    let text = repo.ok(&plain);
    assert!(
        text.contains("deployments       10 (5.00 per week)"),
        "{text}"
    );
    assert!(
        text.contains("change fail rate  30% (3 of 10 deployments"),
        "{text}"
    );
    assert!(text.contains("deployment -> resolved"), "{text}");
    assert!(text.contains("commit -> deployment"), "{text}");
    let mut md = plain.clone();
    md.extend(["--format", "md"]);
    assert!(repo.ok(&md).contains("## DORA figures"));
    let mut csv = plain.clone();
    csv.extend(["--format", "csv"]);
    let output = repo.run(&csv);
    assert!(String::from_utf8_lossy(&output.stderr).contains("not in the CSV"));
}

#[test]
fn a_deploy_log_file_gives_the_same_figures() {
    let repo = fixture();
    // The same deployments, by tag name and commit id, with an environment column,
    // comments, blank lines and other offsets.
    let k1 = repo.git(&["rev-parse", "v2.0"]);
    let mut log = String::from("# deployments to production\n\n");
    for (h, rev) in [
        (-48, "v0.9"),
        (4, "v1.0"),
        (25, "v1.1"),
        (52, "v1.2"),
        (80, "v1.3"),
        (98, "v1.4"),
        (121, "v1.5"),
        (150, "v1.6"),
        (170, "v1.7"),
        (200, "v1.8"),
        (218, "v1.9"),
    ] {
        log.push_str(&format!("{} {rev} production\n", at(h)));
    }
    log.push_str(&format!("2026-10-15T04:00:00+05:00 {}\n", k1.trim()));
    let path = repo.home.path().join("deploys.log");
    std::fs::write(&path, &log).expect("write the log");
    let mut args = vec!["metrics", "--deploys", path.to_str().expect("utf-8")];
    args.extend(WINDOW);
    assert_eq!(repo.json(&args)["dora"], expected());

    // In incident.deploys, a relative path is from the top of the working tree,
    // wherever the command runs.
    std::fs::create_dir(repo.path().join("ops")).expect("mkdir");
    std::fs::write(repo.path().join("ops/deploys.log"), &log).expect("write the log");
    repo.git(&["config", "incident.deploys", "ops/deploys.log"]);
    let mut args = vec!["-C", "ops", "metrics"];
    args.extend(WINDOW);
    assert_eq!(repo.json(&args)["dora"], expected());
}

#[test]
fn a_malformed_deploy_log_line_is_named_with_its_line() {
    let repo = fixture();
    let path = repo.home.path().join("deploys.log");
    let path_text = path.to_str().expect("utf-8");
    let cases = [
        (
            "2026-10-01T04:00:00+09:00\n",
            "expected TIMESTAMP REV [ENV]",
        ),
        ("2026-10-01 v1.0\n", "is not an RFC 3339 time"),
        (
            "2026-10-01T04:00:00+09:00 v1.0 production extra\n",
            "expected TIMESTAMP REV [ENV]",
        ),
        (
            "2026-10-01T04:00:00+09:00 no-such-rev\n",
            "\"no-such-rev\" is not a commit in this repository",
        ),
    ];
    for (line, message) in cases {
        std::fs::write(
            &path,
            format!("# ok\n2026-10-01T04:00:00+09:00 v1.0\n{line}"),
        )
        .expect("write the log");
        let stderr = repo.fails(1, &["metrics", "--deploys", path_text]);
        assert!(
            stderr.starts_with(&format!("error: {path_text}:3: ")) && stderr.contains(message),
            "{line:?}: {stderr}"
        );
    }
}

#[test]
fn a_pattern_that_matches_no_ref_is_an_error_not_zero_deployments() {
    let repo = fixture();
    let stderr = repo.fails(1, &["metrics", "--deploys", "refs/tags/release-*"]);
    assert!(stderr.contains("no ref matches"), "{stderr}");
}

#[test]
fn a_window_without_deployments_has_no_rate() {
    let repo = fixture();
    let d = &repo.json(&[
        "metrics",
        "--deploys",
        "refs/tags/v*",
        "--since",
        "2026-09-01",
        "--until",
        "2026-09-15",
    ])["dora"];
    assert_eq!(d["deployments"], json!({"count": 0, "per_week": 0.0}));
    assert_eq!(d["change_fail_rate"], Value::Null);
    assert_eq!(d["lead_time_for_changes"]["count"], 0);
}
