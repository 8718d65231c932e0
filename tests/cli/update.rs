//! Stakeholder updates (`update`), webhooks and change notifications, against a
//! stand-in webhook on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{TestRepo, incident_path};
use crate::history::hand_commit;

/// What the stand-in webhook does with a request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Reads the request and never answers.
    Silence,
}

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    body: String,
}

/// A webhook on 127.0.0.1 answering each request with the next scripted reply (the
/// last one repeats), keeping every request it got.
struct Webhook {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Webhook {
    fn start(replies: &[Reply]) -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let mut replies = replies.to_vec();
        std::thread::spawn(move || {
            // Silent connections stay open (a closed one would fail fast, not time out).
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                seen.lock().unwrap().push(request);
                let reply = if replies.len() > 1 {
                    replies.remove(0)
                } else {
                    replies[0]
                };
                match reply {
                    Reply::Silence => held.push(stream),
                    Reply::Status(code) => answer(stream, code),
                }
            }
        });
        Webhook { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    fn bodies(&self) -> Vec<Value> {
        self.requests()
            .iter()
            .map(|r| serde_json::from_str(&r.body).expect("a JSON body"))
            .collect()
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        body: String::from_utf8(body).ok()?,
    })
}

fn answer(mut stream: TcpStream, code: u16) {
    let body = if code == 200 { "ok" } else { "no_service" };
    let _ = write!(
        stream,
        "HTTP/1.1 {code} Scripted\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

const NOTIFY: &str = r#"
[[notify]]
audience = "cs"
url_env = "CS_WEBHOOK"

[[notify]]
audience = "customers"
url_env = "STATUS_WEBHOOK"
format = "json"
"#;

/// A Tokyo team with the two webhooks above, and INC-1 (SEV1, payments) opened at the
/// pinned time with the tasks a flow gives it: T3 is the update to customer success.
fn team(language: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.ok(&["init", "--timezone", "Asia/Tokyo", "--language", language]);
    configure(&repo, NOTIFY);
    repo.ok(&[
        "new",
        "Payments failing",
        "--severity",
        "SEV1",
        "--service",
        "payments",
        "--service",
        "checkout",
    ]);
    hand_commit(&repo, "Tasks of our own", |dir| {
        let path = dir.join(incident_path(1));
        let text = std::fs::read_to_string(&path).unwrap();
        // The tasks `new` copied from init's default flow give way to these.
        let text = match text.find("\n[[task]]") {
            Some(start) => text[..start].to_string(),
            None => text,
        };
        let tasks = "\n[[task]]\nid = \"T1\"\ntitle = \"Name a commander\"\nwithin = \"5m\"\n\n[[task]]\nid = \"T2\"\ntitle = \"Internal update\"\nevery = \"1h\"\naudience = \"internal\"\n\n[[task]]\nid = \"T3\"\ntitle = \"Tell customer success\"\nwithin = \"15m\"\nevery = \"30m\"\naudience = \"cs\"\n";
        std::fs::write(path, text + tasks).unwrap();
    });
    repo
}

/// Runs `git incident ARGS` typed in New York, with the webhooks' variables as given.
fn run(repo: &TestRepo, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = repo.cmd(args);
    command.env("TZ", "America/New_York");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("binary runs")
}

/// `update INC-1 --audience cs --yes --post`, the webhook's URL in CS_WEBHOOK.
fn post_to_cs(repo: &TestRepo, hook: &Webhook, env: &[(&str, &str)]) -> Output {
    let mut env = env.to_vec();
    env.push(("CS_WEBHOOK", &hook.url));
    run(
        repo,
        &env,
        &["update", "INC-1", "--audience", "cs", "--yes", "--post"],
    )
}

/// Appends `extra` to config.toml on the branch, by hand.
fn configure(repo: &TestRepo, extra: &str) {
    hand_commit(repo, "Configure", |dir| {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text + extra).unwrap();
    });
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn communications(repo: &TestRepo) -> Vec<Value> {
    let timeline = repo.json(&["timeline", "INC-1"]);
    timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "communication")
        .cloned()
        .collect()
}

#[test]
fn a_draft_says_the_incidents_facts_in_the_teams_zone_and_records_nothing() {
    let repo = team("en");
    repo.ok(&[
        "set",
        "INC-1",
        "title=Payments \u{1b}[2Jfailing",
        "customer_impact=Card payments fail for 30% of customers",
    ]);
    let tip = repo.tip();
    let output = run(
        &repo,
        &[],
        &["update", "INC-1", "--audience", "cs", "--yes"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "[SEV1] Payments \\e[2Jfailing: investigating\n\n\
         Since: 2026-11-23 10:00 JST\n\
         Affected: payments, checkout\n\
         Customer impact: Card payments fail for 30% of customers\n\n\
         Next update: 2026-11-23 10:30 JST\n",
        "T3's every (30m) after now, in the team's zone, though typed in New York"
    );
    assert_eq!(repo.tip(), tip, "a draft alone records nothing");
    let shown = repo.json(&["update", "INC-1", "--audience", "cs", "--yes"]);
    assert_eq!(shown["recorded"], false);
    assert_eq!(shown["posted"], Value::Null);
    assert_eq!(
        shown["text"].as_str().unwrap(),
        text(&output.stdout).trim_end(),
        "values went in escaped: what is sent is what was shown"
    );

    // Internal updates follow their own task's `every`; without facts, the words say so.
    repo.ok(&["set", "INC-1", "customer_impact=", "services="]);
    let internal = repo.ok(&["update", "INC-1", "--audience", "internal", "--yes"]);
    assert!(internal.contains("Services: not yet known"), "{internal}");
    assert!(
        internal.contains("Customer impact: being assessed"),
        "{internal}"
    );
    assert!(
        internal.contains("Next update: 2026-11-23 11:00 JST"),
        "{internal}"
    );
    repo.ok(&["status", "INC-1", "resolved"]);
    let last = repo.ok(&["update", "INC-1", "--audience", "customers", "--yes"]);
    assert!(
        last.contains("Next update: none planned: this is the last update"),
        "{last}"
    );
}

#[test]
fn a_draft_in_japanese_uses_the_teams_words() {
    let repo = team("ja");
    let draft = repo.ok(&["update", "INC-1", "--audience", "customers", "--yes"]);
    assert_eq!(
        draft,
        "Payments failing\n\n状況: 調査中\n発生: 2026-11-23 10:00 JST\n影響のあるサービス: payments、checkout\n影響: 確認中\n\n\
         ご迷惑をおかけしており、誠に申し訳ございません。次回のお知らせ: 2026-11-23 10:30 JST\n",
        "no task for customers: the shortest every (T3's 30m)"
    );
}

#[test]
fn a_template_on_the_branch_replaces_ours_and_unknown_placeholders_are_kept() {
    let repo = team("en");
    hand_commit(&repo, "Our own update template", |dir| {
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(
            dir.join("templates/update-cs.en.md"),
            ":rotating_light: {{ title }} ({{severity}}) since {{since}}. ETA {{eta}}, really {{eta}}.\n",
        )
        .unwrap();
    });
    let output = run(&repo, &[], &["update", "INC-1", "--audience", "cs", "-y"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        ":rotating_light: Payments failing (SEV1) since 2026-11-23 10:00 JST. ETA {{eta}}, really {{eta}}.\n"
    );
    let stderr = text(&output.stderr);
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("templates/update-cs.en.md: unknown placeholder {{eta}}"),
        "{stderr}"
    );
    // Other audiences still use ours.
    let customers = repo.ok(&["update", "INC-1", "--audience", "customers", "-y"]);
    assert!(customers.starts_with("Payments failing\n"), "{customers}");
}

#[test]
fn posting_to_slack_sends_the_text_and_records_the_update_as_its_task() {
    let repo = team("en");
    let hook = Webhook::start(&[Reply::Status(200)]);
    let output = post_to_cs(&repo, &hook, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let draft = text(&output.stdout);
    assert!(
        text(&output.stderr).contains("INC-1: posted to cs (HTTP 200)"),
        "{}",
        text(&output.stderr)
    );
    let requests = hook.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/hook");
    assert_eq!(
        hook.bodies()[0],
        serde_json::json!({ "text": draft.trim_end() })
    );
    let entries = communications(&repo);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["audience"], "cs");
    assert_eq!(entries[0]["posted"], true);
    assert_eq!(entries[0]["task"], "T3");
    assert_eq!(entries[0]["text"], draft.trim_end());
    assert_eq!(entries[0]["at"], "2026-11-23T10:00:00+09:00");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s", "incidents"]).trim(),
        "INC-1: update posted to cs"
    );
}

#[test]
fn a_json_webhook_gets_the_updates_fields_and_json_says_what_happened() {
    let repo = team("en");
    let hook = Webhook::start(&[Reply::Status(200)]);
    let output = run(
        &repo,
        &[("STATUS_WEBHOOK", &hook.url)],
        &[
            "--json",
            "update",
            "INC-1",
            "--audience",
            "customers",
            "--yes",
            "--post",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["incident"], "INC-1");
    assert_eq!(shown["audience"], "customers");
    assert_eq!(shown["recorded"], true);
    assert_eq!(shown["posted"], true);
    assert_eq!(shown["http_status"], 200);
    assert_eq!(shown["attempts"], 1);
    assert_eq!(shown["task"], Value::Null, "no task is for customers");
    let body = &hook.bodies()[0];
    assert_eq!(body["incident"], "INC-1");
    assert_eq!(body["event"], "update");
    assert_eq!(body["title"], "Payments failing");
    assert_eq!(body["severity"], "SEV1");
    assert_eq!(body["status"], "investigating");
    assert_eq!(body["audience"], "customers");
    assert_eq!(body["text"], shown["text"]);
}

#[test]
fn a_500_is_tried_again_and_the_update_recorded_once() {
    let repo = team("en");
    let hook = Webhook::start(&[Reply::Status(500), Reply::Status(200)]);
    let output = post_to_cs(&repo, &hook, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("HTTP 500"),
        "the retry is said"
    );
    assert_eq!(hook.requests().len(), 2);
    let entries = communications(&repo);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["posted"], true);
}

#[test]
fn a_webhook_that_never_answers_times_out_and_the_update_is_kept_as_drafted() {
    let repo = team("en");
    let hook = Webhook::start(&[Reply::Silence]);
    let started = Instant::now();
    let output = post_to_cs(&repo, &hook, &[("GIT_INCIDENT_HTTP_TIMEOUT", "300ms")]);
    assert!(started.elapsed() < Duration::from_secs(6), "took too long");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: posting to cs failed after 4 attempts: no answer within 300ms; the update is recorded in the timeline as drafted"),
        "{stderr}"
    );
    assert_eq!(hook.requests().len(), 4);
    let entries = communications(&repo);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["posted"], false);
    assert_eq!(
        entries[0]["task"],
        Value::Null,
        "nobody got it: the task is not done"
    );
}

#[test]
fn a_404_is_not_tried_again() {
    let repo = team("en");
    let hook = Webhook::start(&[Reply::Status(404), Reply::Status(200)]);
    let output = post_to_cs(&repo, &hook, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("posting to cs failed: HTTP 404 Not Found: no_service (not retried)"),
        "{stderr}"
    );
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(communications(&repo)[0]["posted"], false);
}

#[test]
fn without_its_webhook_or_variable_a_post_sends_and_writes_nothing() {
    let repo = team("en");
    let tip = repo.tip();
    let output = run(
        &repo,
        &[],
        &["update", "INC-1", "--audience", "cs", "--yes", "--post"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("CS_WEBHOOK is empty or unset"), "{stderr}");
    assert!(stderr.contains("hint: export CS_WEBHOOK="), "{stderr}");

    let output = run(
        &repo,
        &[],
        &[
            "update",
            "INC-1",
            "--audience",
            "internal",
            "--yes",
            "--post",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("config.toml has no [[notify]] for it"),
        "{stderr}"
    );
    assert!(stderr.contains("audience = \"internal\""), "{stderr}");
    assert!(stderr.contains("url_env = "), "{stderr}");
    assert_eq!(repo.tip(), tip);
}

#[test]
fn record_keeps_an_update_sent_by_hand() {
    let repo = team("en");
    let output = run(
        &repo,
        &[],
        &["update", "INC-1", "--audience", "cs", "--yes", "--record"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("INC-1: timeline + communication to cs (task T3)"),
        "{}",
        text(&output.stderr)
    );
    let entries = communications(&repo);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["task"], "T3");
    assert_eq!(entries[0].get("posted"), None, "sent by hand");
    assert_eq!(entries[0]["text"], text(&output.stdout).trim_end());
}

#[test]
fn the_editor_shapes_the_draft_and_an_emptied_one_aborts() {
    let repo = team("en");
    let tip = repo.tip();
    let emptier = repo.script("empty", ": > \"$1\"");
    let output = repo
        .cmd(&["update", "INC-1", "--audience", "cs", "--record"])
        .env("GIT_EDITOR", &emptier)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("the update is empty: aborted, nothing recorded or sent"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(repo.tip(), tip);

    let appender = repo.script(
        "append",
        "printf 'Workaround: pay by invoice.\\n' >> \"$1\"",
    );
    let output = repo
        .cmd(&["update", "INC-1", "--audience", "cs", "--record"])
        .env("GIT_EDITOR", &appender)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let recorded = communications(&repo)[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        recorded.ends_with("JST\nWorkaround: pay by invoice."),
        "{recorded}"
    );

    // No editor and no --yes: say how to go on.
    let output = repo
        .cmd(&["update", "INC-1", "--audience", "cs"])
        .env("GIT_EDITOR", "")
        .env("TERM", "dumb")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("hint: pass --yes"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn timeline_add_records_an_update_sent_elsewhere() {
    let repo = team("en");
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Posted in #cs-alerts",
        "--audience",
        "cs",
        "--at",
        "2026-11-23 09:58",
        "--link",
        "https://chat.example/p1",
    ]);
    let entries = communications(&repo);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["audience"], "cs");
    assert_eq!(entries[0]["task"], "T3");
    assert_eq!(entries[0]["links"][0], "https://chat.example/p1");
    let stderr = repo.fails(
        2,
        &[
            "timeline",
            "INC-1",
            "add",
            "x",
            "--kind",
            "note",
            "--audience",
            "cs",
        ],
    );
    assert!(
        stderr.contains("--audience is for communications"),
        "{stderr}"
    );
}

#[test]
fn changes_post_one_line_to_the_webhooks_that_listen() {
    let repo = TestRepo::new();
    repo.ok(&["init"]);
    let hook = Webhook::start(&[Reply::Status(200)]);
    let notify = "\n[[notify]]\naudience = \"cs\"\nurl_env = \"CS_WEBHOOK\"\non = [\"new\", \"status\", \"severity\"]\n\n[[notify]]\naudience = \"internal\"\nurl_env = \"INTERNAL_WEBHOOK\"\nformat = \"json\"\non = [\"status\"]\n";
    configure(&repo, notify);
    let env = [
        ("CS_WEBHOOK", hook.url.as_str()),
        ("INTERNAL_WEBHOOK", hook.url.as_str()),
    ];
    for args in [
        &["new", "Payments failing", "--severity", "SEV1"][..],
        &["status", "INC-1", "mitigated"],
        &["set", "INC-1", "severity=SEV2"],
        &["set", "INC-1", "title=Card payments failing"],
    ] {
        let output = run(&repo, &env, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(!text(&output.stderr).contains("warning"), "{args:?}");
    }
    let bodies = hook.bodies();
    assert_eq!(
        bodies,
        [
            serde_json::json!({ "text": "INC-1 opened: SEV1 \"Payments failing\"" }),
            serde_json::json!({ "text": "INC-1 investigating -> mitigated" }),
            serde_json::json!({
                "incident": "INC-1", "event": "status", "title": "Payments failing",
                "severity": "SEV1", "status": "mitigated",
                "text": "INC-1 investigating -> mitigated"
            }),
            serde_json::json!({ "text": "INC-1 severity SEV1 -> SEV2" }),
        ]
    );
}

#[test]
fn a_dead_webhook_only_warns_and_the_write_stands() {
    let repo = TestRepo::new();
    repo.ok(&["init"]);
    let hook = Webhook::start(&[Reply::Silence]);
    let notify =
        "\n[[notify]]\naudience = \"cs\"\nurl_env = \"CS_WEBHOOK\"\non = [\"new\", \"status\"]\n";
    configure(&repo, notify);
    let started = Instant::now();
    let output = run(
        &repo,
        &[("CS_WEBHOOK", &hook.url)],
        &["new", "Payments failing", "--severity", "SEV1"],
    );
    let took = started.elapsed();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "INC-1\n");
    assert!(
        text(&output.stderr)
            .contains("warning: could not notify the cs webhook: no answer within 2s"),
        "{}",
        text(&output.stderr)
    );
    assert!(took < Duration::from_millis(3500), "blocked for {took:?}");
    assert_eq!(hook.requests().len(), 1);

    // Unset: a warning too, and the status is changed.
    let output = run(&repo, &[], &["status", "INC-1", "mitigated"]);
    assert!(output.status.success());
    assert!(
        text(&output.stderr).contains("warning: the cs webhook's URL is not set"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(repo.json(&["show", "INC-1"])["status"], "mitigated");
}
