//! Everyday use: output that fits the terminal, the attention view, and help.

use unicode_width::UnicodeWidthStr;

use crate::common::{TestRepo, assert_success};

const SERVICES: [&str; 11] = [
    "checkout-frontend",
    "payments-gateway",
    "card-vault",
    "fraud-scoring",
    "order-service",
    "inventory-sync",
    "notifications",
    "email-relay",
    "ledger-writer",
    "analytics-ingest",
    "customer-accounts",
];

const LONG_TITLE: &str = "Checkout API returns 500 for card payments when the retry budget of the payment gateway client is exhausted";
const JAPANESE_TITLE: &str =
    "決済確認メールが送信されない問題が発生し、一部の顧客から問い合わせが急増している";

/// Text without our colour sequences.
fn strip_colours(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A branch with a long English title carrying 11 services, a long Japanese title, a
/// long timeline entry and action items, one of them the caller's.
fn busy_repo() -> TestRepo {
    let repo = TestRepo::initialized();
    let mut new = vec![
        "new",
        LONG_TITLE,
        "--severity",
        "SEV2",
        "--commander",
        "aiko",
        "--detected",
        "2026-11-20 09:00",
    ];
    for service in SERVICES {
        new.extend(["--service", service]);
    }
    repo.ok(&new);
    repo.ok(&[
        "new",
        JAPANESE_TITLE,
        "--severity",
        "SEV3",
        "--commander",
        "田中",
        "--service",
        "通知サービス",
        "--detected",
        "2026-11-20 09:30",
    ]);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back deploy 4412 after the error rate on /charge climbed above 40 percent; the rollback took eleven minutes because the pipeline was queued behind a migration",
        "--at",
        "2026-11-20 09:10",
        "--link",
        "https://grafana.example/d/abcdef/payments-overview?from=now-6h&to=now",
    ]);
    repo.ok(&["status", "INC-1", "resolved", "--at", "2026-11-20 09:40"]);
    repo.ok(&["postmortem", "new", "INC-1", "--owner", "Pat Example"]);
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Idempotency keys on /charge so that retried requests never charge a card twice",
        "--kind",
        "prevent",
        "--owner",
        "Pat Example",
        "--due",
        "2026-11-21",
        "--link",
        "https://tracker.example/browse/PAY-12345-idempotency-keys",
    ]);
    repo.ok(&["postmortem", "status", "INC-1", "in_review"]);
    repo
}

/// Runs `git incident ARGS` on a pseudo-terminal `columns` wide (as a person would,
/// through the pager) and returns what the pager was given.
fn on_terminal(repo: &TestRepo, columns: usize, args: &str, env: &[(&str, &str)]) -> String {
    let paged = repo.home.path().join("paged");
    let _ = std::fs::remove_file(&paged);
    let binary = assert_cmd::cargo::cargo_bin("git-incident");
    let mut command = std::process::Command::new("script");
    repo.isolate(&mut command);
    command
        .args([
            "-qec",
            &format!("stty cols {columns} rows 50; {} {args}", binary.display()),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .env("GIT_PAGER", format!("cat > {}", paged.display()));
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("script runs");
    assert_success(&output);
    std::fs::read_to_string(&paged).unwrap_or_else(|_| {
        // Short output is not paged by every command: take the terminal's copy.
        String::from_utf8_lossy(&output.stdout).replace('\r', "")
    })
}

fn assert_fits(text: &str, columns: usize, what: &str) {
    let text = strip_colours(text);
    for line in text.lines() {
        assert!(
            line.width() <= columns,
            "{what}: a line of {} columns at {columns}:\n{line}\n\n{text}",
            line.width()
        );
    }
}

#[test]
fn tables_fit_80_columns_and_cut_free_text_by_display_width() {
    let repo = busy_repo();
    let list = on_terminal(&repo, 80, "list", &[]);
    assert_fits(&list, 80, "list");
    let plain = strip_colours(&list);
    // A row never spans two lines: a header and one line per incident.
    assert_eq!(plain.lines().count(), 3, "{plain}");
    assert!(plain.contains('…'), "{plain}");
    let japanese = plain.lines().find(|l| l.contains("INC-2")).unwrap();
    let shown = japanese.rsplit("  ").next().unwrap().trim_end_matches('…');
    assert!(
        JAPANESE_TITLE.starts_with(shown) && !shown.is_empty(),
        "cut inside a wide character: {japanese}"
    );
    assert!(!plain.contains(&SERVICES.join(",")), "{plain}");
    for args in [
        "list --status open",
        "action list",
        "report actions --as-of 2026-11-30",
        "report postmortems --as-of 2026-11-30",
        "metrics --as-of 2026-11-30 --since 2026-01-01",
        "metrics --as-of 2026-11-30 --by service",
        "show INC-1",
        "show INC-2",
        "timeline INC-1",
        "log",
        "postmortem show INC-1",
        "review incidents~3..incidents",
        "search retry",
        "search 問い合わせ",
    ] {
        let out = on_terminal(&repo, 80, args, &[]);
        assert!(!out.trim().is_empty(), "{args}: no output");
        assert_fits(&out, 80, args);
    }
    // In every table the title is the last column to give way: `list` keeps 20 of its
    // columns; the nine-column postmortem report, where dates take most of the row,
    // cuts owner and link to a letter before the title.
    let list = strip_colours(&on_terminal(&repo, 80, "list", &[]));
    assert!(list.contains(&LONG_TITLE[..19]), "title cut short:\n{list}");
    let report = strip_colours(&on_terminal(
        &repo,
        80,
        "report postmortems --as-of 2026-11-30",
        &[],
    ));
    assert!(report.contains("Checko"), "title cut short:\n{report}");
    // show, timeline and log wrap instead of cutting: every word is still there.
    let show = strip_colours(&on_terminal(&repo, 80, "show INC-1", &[]));
    assert!(show.contains("customer-accounts") && show.contains("migration"));
    let hanging = show
        .lines()
        .skip_while(|l| !l.starts_with("services"))
        .nth(1)
        .unwrap();
    assert!(hanging.starts_with("           "), "hanging indent: {show}");
}

#[test]
fn columns_and_the_terminal_size_set_the_width() {
    let repo = busy_repo();
    assert_fits(
        &on_terminal(&repo, 200, "list", &[("COLUMNS", "60")]),
        60,
        "COLUMNS=60",
    );
    let wide = strip_colours(&on_terminal(&repo, 400, "list", &[]));
    assert!(wide.contains(LONG_TITLE), "room for everything: {wide}");
    assert!(wide.contains(JAPANESE_TITLE), "{wide}");
}

#[test]
fn piped_output_keeps_full_values() {
    let repo = busy_repo();
    let list = repo.ok(&["list"]);
    assert!(list.contains(LONG_TITLE), "{list}");
    assert!(list.contains(JAPANESE_TITLE), "{list}");
    assert!(list.contains(&SERVICES.join(",")), "{list}");
    assert!(!list.contains('…'));
    let show = repo.ok(&["show", "INC-1"]);
    assert!(show.contains(&SERVICES.join(", ")), "{show}");
    let actions = repo.ok(&["action", "list"]);
    assert!(actions.contains("never charge a card twice"), "{actions}");
    // COLUMNS alone does not cut what goes into a pipe.
    let piped = repo.cmd(&["list"]).env("COLUMNS", "40").output().unwrap();
    assert!(String::from_utf8_lossy(&piped.stdout).contains(LONG_TITLE));
}

/// A bare `git incident`: open incidents, the caller's open action items, postmortems
/// late, nearly due or in review; usage moved to `--help`.
#[test]
fn a_bare_call_shows_what_needs_attention() {
    let repo = busy_repo();
    // Someone else's item is not the caller's.
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        "Alert on duplicates",
        "--kind",
        "detect",
        "--owner",
        "dave",
    ]);
    // A SEV1 resolved three days ago (by the real clock, which the view reads): its
    // postmortem (due 5 days after) falls due in two.
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    repo.now.set(real_now - 3 * 86_400);
    repo.ok(&["new", "Database failover", "--severity", "SEV1"]);
    repo.ok(&["status", "INC-3", "resolved"]);

    let view = repo.ok(&[]);
    assert!(!view.contains("Usage:"), "{view}");
    let section = |title: &str| -> String {
        view.split("\n\n")
            .find(|part| part.trim_start().starts_with(title))
            .unwrap_or_else(|| panic!("no {title} section:\n{view}"))
            .to_string()
    };
    let incidents = section("Open incidents");
    assert!(
        incidents.contains("INC-2") && incidents.contains("田中"),
        "{incidents}"
    );
    assert!(!incidents.contains("INC-1") && !incidents.contains("INC-3"));
    let actions = section("Your open action items (Pat Example)");
    assert!(
        actions.contains("INC-1.A1") && actions.contains("overdue"),
        "{actions}"
    );
    assert!(!actions.contains("INC-1.A2"), "dave's item: {actions}");
    let postmortems = section("Postmortems");
    assert!(postmortems.contains("INC-1"), "in review: {postmortems}");
    assert!(
        postmortems.contains("INC-3"),
        "due within 3 days: {postmortems}"
    );

    // --json: the same objects as list, action list and report postmortems print.
    let json = repo.json(&[]);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["actions", "incidents", "postmortems", "tasks"]);
    assert_eq!(json["incidents"], repo.json(&["list", "--status", "open"]));
    assert_eq!(
        json["actions"],
        repo.json(&["action", "list", "--open", "--owner", "Pat Example"])
    );
    let report = repo.json(&["report", "postmortems"]);
    assert_eq!(json["postmortems"][0], report["postmortems"][0]);
    assert_eq!(json["postmortems"].as_array().unwrap().len(), 2);
    assert_eq!(json["postmortems"][1]["incident"], "INC-3");

    // One screen at 80 columns.
    let screen = on_terminal(&repo, 80, "", &[]);
    assert_fits(&screen, 80, "attention view");
    assert!(strip_colours(&screen).lines().count() < 25, "{screen}");
}

#[test]
fn a_bare_call_without_a_branch_or_a_repository_says_what_to_do() {
    let repo = TestRepo::new();
    let stderr = repo.fails(1, &[]);
    assert!(stderr.contains("git incident init"), "{stderr}");
    assert!(stderr.contains("git incident --help"), "{stderr}");
    let outside = TestRepo::bare_dir();
    let stderr = outside.fails(1, &[]);
    assert!(stderr.contains("not a git repository"), "{stderr}");
    assert!(stderr.contains("git incident --help"), "{stderr}");
}

/// Every argument and option of every command, with the commands leading to it.
fn undocumented() -> Vec<String> {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut command = git_incident::cli::Cli::command();
    command.build();
    let mut missing = Vec::new();
    walk(&command, "git incident", &mut missing);
    missing
}

#[test]
fn help_reads_git_incident_and_describes_every_argument() {
    assert_eq!(undocumented(), Vec::<String>::new());
    let repo = TestRepo::new();
    let help = repo.ok(&["--help"]);
    assert!(help.contains("Usage: git incident [OPTIONS]"), "{help}");
    assert!(!help.contains("git-incident "), "{help}");
    let short = repo.ok(&["-h"]);
    assert!(short.contains("git incident man --install"), "{short}");
    let action = repo.ok(&["action", "add", "--help"]);
    assert!(
        action.contains("Usage: git incident action add"),
        "{action}"
    );
    let usage = repo.fails(2, &["show"]);
    assert!(usage.contains("Usage: git incident show"), "{usage}");
}

/// Every page a generated man page names is one `man --install` writes.
#[test]
fn man_pages_name_only_pages_that_exist() {
    let repo = TestRepo::new();
    let dir = repo.home.path().join("share/man/man1");
    repo.ok(&["man", "--install", "--dir", dir.to_str().unwrap()]);
    let installed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(installed.contains(&"git-incident-action-add.1".to_string()));
    assert!(
        !installed.iter().any(|p| p.contains("help")),
        "{installed:?}"
    );
    let mut named = 0;
    for page in &installed {
        let text = std::fs::read_to_string(dir.join(page))
            .unwrap()
            .replace("\\-", "-");
        assert!(
            text.contains("git incident"),
            "{page}: usage reads `git incident`"
        );
        for (at, _) in text.match_indices("(1)") {
            let start = text[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .map_or(0, |i| i + 1);
            let name = &text[start..at];
            if name.starts_with("git-incident") {
                named += 1;
                assert!(
                    installed.contains(&format!("{name}.1")),
                    "{page} names {name}(1), which is not installed"
                );
            }
        }
    }
    assert!(named > 20, "{named} references");
}

/// On a terminal `man` shows the page; into a pipe it is roff, for `man -l -` or a file.
#[test]
fn man_on_a_terminal_goes_through_man() {
    let repo = TestRepo::new();
    let bin = repo.home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let called = repo.home.path().join("man-called");
    let fake = repo.script(
        "man",
        &format!("echo \"$@\" > {0}; cat >> {0}", called.display()),
    );
    std::fs::rename(fake, bin.join("man")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let shown = on_terminal(&repo, 80, "man", &[("PATH", &path)]);
    assert!(!shown.contains(".TH"), "roff on the terminal: {shown}");
    let given = std::fs::read_to_string(&called).expect("man was run");
    assert!(given.starts_with("-l -\n") && given.contains(".TH git-incident 1"));
    assert!(
        repo.ok(&["man"]).contains(".TH git-incident 1"),
        "piped: roff"
    );
}

/// Completions offer what only the branch knows: incident and action IDs, severities.
#[test]
fn completions_offer_ids_and_severities_from_the_branch() {
    let repo = busy_repo();
    let helper = |words: &[&str]| -> Vec<String> {
        let mut args = vec!["__complete", "--"];
        args.extend_from_slice(words);
        repo.ok(&args).lines().map(str::to_string).collect()
    };
    assert_eq!(helper(&["show", ""]), ["INC-2", "INC-1"]);
    assert_eq!(helper(&["-C", ".", "timeline", "INC-"]), ["INC-2", "INC-1"]);
    assert_eq!(helper(&["action", "done", ""]), ["INC-1.A1"]);
    assert_eq!(
        helper(&["new", "Title", "--severity", ""]),
        ["SEV1", "SEV2", "SEV3", "SEV4"]
    );
    assert!(helper(&["status", "INC-1", ""]).contains(&"mitigated".to_string()));
    assert!(helper(&["list", "--status", ""]).contains(&"open".to_string()));
    assert!(helper(&["new", ""]).is_empty(), "a title is free text");
    // Outside a repository: no candidates, no error.
    let outside = TestRepo::bare_dir();
    let output = outside.run(&["__complete", "--", "show", ""]);
    assert_success(&output);
    assert!(output.stdout.is_empty() && output.stderr.is_empty());

    // bash, through git's completion (`_git_incident`) and as `git-incident`.
    let script = repo.home.path().join("completion.bash");
    std::fs::write(&script, repo.ok(&["completions", "bash"])).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("git-incident");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let complete = |function: &str, words: &str| -> String {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             {function} \"${{COMP_WORDS[0]}}\" \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[*]}}\"",
            script.display()
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &program])
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert_success(&output);
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    assert_eq!(
        complete("_git_incident", "git incident show INC-"),
        "INC-2 INC-1"
    );
    assert_eq!(
        complete("_git_incident", "git incident action done I"),
        "INC-1.A1"
    );
    assert_eq!(
        complete("_git_incident", "git incident new x --severity SEV"),
        "SEV1 SEV2 SEV3 SEV4"
    );
    assert_eq!(complete("_git_incident", "git incident sta"), "status");
    assert_eq!(
        complete("_git_incident_direct", "git-incident log INC-1"),
        "INC-1"
    );
    assert_eq!(
        complete("_git_incident_direct", "git-incident st"),
        "status"
    );
    // zsh asks the same helper before its generated completion.
    let zsh = repo.ok(&["completions", "zsh"]);
    assert!(zsh.contains("git-incident __complete --") && zsh.contains("_git-incident_generated"));
}
