//! Builds a realistic incident branch in a temporary repository and prints `list`,
//! `show`, the response flow's checklist, a postmortem and its action items, running the same entry point as the `git-incident` binary.
//!
//!     cargo run --example demo            # prints the demo, removes the repository
//!     cargo run --example demo -- --keep  # keeps it and prints its path to explore

use std::process::Command;

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .expect("git is installed");
    assert!(status.success(), "git {args:?} failed");
}

/// Runs one `git incident` command; stops the demo if it fails.
fn incident(dir: &std::path::Path, args: &[&str]) {
    let mut argv = vec![
        "git-incident".into(),
        "-C".into(),
        dir.as_os_str().to_owned(),
    ];
    argv.extend(args.iter().map(Into::into));
    let code = git_incident::cli::run(argv);
    assert_eq!(code, 0, "git incident {args:?} exited with {code}");
}

fn main() {
    let keep = std::env::args().any(|a| a == "--keep");
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = temp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    // A demo identity local to this throwaway repository.
    git(dir, &["config", "user.name", "Aiko Tanaka"]);
    git(dir, &["config", "user.email", "aiko@example.com"]);
    // The times below are typed as a Tokyo team member would, whatever this machine's zone.
    git(dir, &["config", "incident.timezone", "Asia/Tokyo"]);
    git(
        dir,
        &["commit", "-q", "--allow-empty", "-m", "Initial commit"],
    );

    println!("$ git incident init --timezone Asia/Tokyo");
    incident(dir, &["init", "--timezone", "Asia/Tokyo"]);
    let script: &[&[&str]] = &[
        &[
            "new",
            "Checkout API returns 500 for card payments",
            "--severity",
            "SEV2",
            "--service",
            "checkout",
            "--service",
            "payments",
            "--team",
            "web",
            "--started",
            "2026-11-20 14:02",
            "--detected",
            "2026-11-20 14:09",
        ],
        &[
            "ack",
            "INC-1",
            "--commander",
            "aiko",
            "--at",
            "2026-11-20 14:12",
        ],
        &[
            "handoff",
            "INC-1",
            "--role",
            "comms",
            "--to",
            "ken",
            "--at",
            "2026-11-20 14:13",
        ],
        &[
            "task",
            "INC-1",
            "done",
            "T2",
            "--note",
            "Status page incident opened",
            "--at",
            "2026-11-20 14:14",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "Told customer success in #cs-alerts: card payments failing, rollback under way",
            "--audience",
            "cs",
            "--at",
            "2026-11-20 14:16",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "PagerDuty alert: checkout 5xx rate above 5%",
            "--kind",
            "alert",
            "--at",
            "2026-11-20 14:09",
            "--link",
            "https://grafana.example/d/checkout?from=1763614800000",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "Deploy 4412 (payment client retry change) went out at 14:00",
            "--kind",
            "note",
            "--at",
            "2026-11-20 14:15",
            "--link",
            "https://ci.example/deploys/4412",
        ],
        &[
            "status",
            "INC-1",
            "identified",
            "--at",
            "2026-11-20 14:18",
            "--note",
            "Errors began with deploy 4412",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "Decided to roll back rather than fix forward",
            "--kind",
            "decision",
            "--at",
            "2026-11-20 14:19",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "Rolled back deploy 4412",
            "--kind",
            "action",
            "--at",
            "2026-11-20 14:21",
            "--link",
            "https://ci.example/deploys/4413",
        ],
        &[
            "timeline",
            "INC-1",
            "add",
            "Status page updated: card payments failing",
            "--audience",
            "customers",
            "--at",
            "2026-11-20 14:22",
            "--link",
            "https://status.example/incidents/88",
        ],
        &["status", "INC-1", "mitigated", "--at", "2026-11-20 14:24"],
        &[
            "set",
            "INC-1",
            "customer_impact=Card payments failed for 15 minutes; about 1,200 checkouts affected",
            "detection=alert",
            "changes.caused_by=https://git.example/shop/pull/4412",
        ],
        &[
            "status",
            "INC-1",
            "resolved",
            "--at",
            "2026-11-20 16:40",
            "--note",
            "Duplicate charges refunded",
        ],
        &[
            "new",
            "決済確認メールが送信されない",
            "--severity",
            "SEV3",
            "--service",
            "notifications",
            "--detected",
            "2026-11-22 09:30",
        ],
        &[
            "ack",
            "INC-2",
            "--commander",
            "kenji",
            "--at",
            "2026-11-22 09:34",
        ],
        &[
            "timeline",
            "INC-2",
            "add",
            "メール送信キューが 3,000 件滞留",
            "--kind",
            "alert",
            "--at",
            "2026-11-22 09:30",
            "--link",
            "https://grafana.example/d/mailq",
        ],
        &[
            "status",
            "INC-2",
            "mitigated",
            "--at",
            "2026-11-22 10:05",
            "--note",
            "ワーカーを再起動",
        ],
        &[
            "new",
            "Search latency above 2s",
            "--severity",
            "SEV3",
            "--service",
            "search",
            "--detected",
            "2026-11-23 11:00",
        ],
        &[
            "new",
            "Game day: primary database failover",
            "--severity",
            "SEV2",
            "--service",
            "db",
            "--drill",
            "--detected",
            "2026-11-18 15:00",
        ],
        &["status", "INC-4", "resolved", "--at", "2026-11-18 15:40"],
        &["postmortem", "new", "INC-1", "--owner", "aiko"],
        &[
            "task",
            "INC-1",
            "done",
            "T5",
            "--note",
            "aiko owns the postmortem",
            "--at",
            "2026-11-20 16:45",
        ],
        &[
            "postmortem",
            "set",
            "INC-1",
            "summary=For 15 minutes card payments failed after deploy 4412; retries charged some cards twice.",
            "impact=About 1,200 checkouts failed; 37 customers were charged twice and refunded the same day.",
            "trigger=Deploy 4412 changed the payment client's retry policy.",
        ],
        &[
            "postmortem",
            "set",
            "INC-1",
            "root_cause.whys=Why did payments fail? The payment client retried timed-out calls in a tight loop.",
            "root_cause.whys=Why did retries charge twice? /charge had no idempotency key, so a retry was a new charge.",
            "root_cause.whys=Why was that not caught? Tests mock the gateway and never time out.",
            "root_cause.statement=Charges were not idempotent and nothing in testing exercised gateway timeouts.",
        ],
        &[
            "postmortem",
            "set",
            "INC-1",
            "went_well=The 5xx alert fired within 7 minutes",
            "went_wrong=The retry change was reviewed without a payments owner",
            "kpt.try=Run a game day on gateway timeouts each quarter",
        ],
        &[
            "action",
            "add",
            "INC-1",
            "Idempotency keys on /charge",
            "--kind",
            "prevent",
            "--owner",
            "carol",
            "--due",
            "2026-12-01",
            "--link",
            "https://tracker.example/PAY-311",
        ],
        &[
            "action",
            "add",
            "INC-1",
            "Alert on duplicate charges per card",
            "--kind",
            "detect",
            "--owner",
            "dave",
            "--due",
            "2026-11-30",
        ],
        &["action", "done", "INC-1.A2"],
    ];
    for args in script {
        incident(dir, args);
    }
    println!("\n$ git incident list");
    incident(dir, &["list"]);
    println!("\n$ git incident show INC-1");
    incident(dir, &["show", "INC-1"]);
    println!("\n$ git incident task INC-1");
    incident(dir, &["task", "INC-1"]);
    println!("\n$ git incident postmortem show INC-1 --format md");
    incident(dir, &["postmortem", "show", "INC-1", "--format", "md"]);
    println!("\n$ git incident action list");
    incident(dir, &["action", "list"]);
    println!("\n$ git log --oneline incidents");
    git(dir, &["log", "--oneline", "incidents"]);
    if keep {
        let path = temp.keep();
        println!("\nThe demo repository is kept at {}", path.display());
    }
}
