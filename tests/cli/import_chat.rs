//! `git incident import slack`: an export (zip or directory) or the Web API (against a
//! fake server) into an incident's timeline, once.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::TestRepo;
use crate::history::hand_commit;

fn export_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/slack")
}

/// INC-1 detected at 10:00 and resolved at 11:00 (2026-11-23, +09:00), with ana in
/// `[[person]]` by her email.
fn incident_repo() -> TestRepo {
    let repo = TestRepo::initialized();
    hand_commit(&repo, "Add the team", |dir| {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let person = "\n[[person]]\nhandle = \"ana\"\nemails = [\"ana@example.com\"]\n";
        std::fs::write(path, text + person).unwrap();
    });
    repo.ok(&["new", "Checkout errors", "-s", "SEV2"]);
    repo.tick(3600);
    repo.ok(&["status", "INC-1", "resolved"]);
    repo
}

fn chat(repo: &TestRepo) -> Vec<Value> {
    let shown = repo.json(&["show", "INC-1"]);
    shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .cloned()
        .collect()
}

/// The export zipped as Slack does, under one more folder as a re-zip by hand adds.
fn zip_of(dir: &Path, to: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let inner = path.strip_prefix(dir).unwrap().to_string_lossy();
            zip.start_file(format!("Acme Slack export/{inner}"), options)
                .unwrap();
            zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
        }
    }
    zip.finish().unwrap();
}

#[test]
fn an_export_directory_becomes_timeline_entries_once() {
    let repo = incident_repo();
    let dir = export_dir();
    let before = repo.tip();
    let args = [
        "import",
        "slack",
        dir.to_str().unwrap(),
        "--channel",
        "inc-checkout",
        "--incident",
        "INC-1",
    ];
    repo.ok(&args);
    assert_eq!(
        repo.git(&["rev-list", "--count", &format!("{before}..incidents")])
            .trim(),
        "1",
        "one commit for the timeline additions"
    );
    let entries = chat(&repo);
    // Before the start, joins, bots and after the resolution are left out.
    assert_eq!(entries.len(), 3, "{entries:#?}");
    assert_eq!(entries[0]["at"], "2026-11-23T10:02:00+09:00");
    assert_eq!(entries[0]["author"], "ana", "matched by email");
    assert_eq!(
        entries[0]["text"],
        "@here checkout 5xx up, see checkout board & logs <500s>"
    );
    assert_eq!(
        entries[0]["links"],
        json!(["https://grafana.example.com/d/checkout?from=now-1h&to=now"])
    );
    assert_eq!(entries[1]["author"], "ben", "no person: the display name");
    assert_eq!(
        entries[1]["text"],
        "Rolling back https://github.com/acme/shop/pull/42 per @ana, heads up in #general"
    );
    assert_eq!(
        entries[1]["links"],
        json!(["https://github.com/acme/shop/pull/42"])
    );
    assert_eq!(
        entries[2]["text"], "Rollback done, errors dropping",
        "a thread reply"
    );
    let toml = repo.file("incidents/2026/INC-1/incident.toml");
    assert!(
        toml.contains("source = \"slack C0INC1 1795395960.000300\""),
        "{toml}"
    );

    let tip = repo.tip();
    repo.ok(&args);
    assert_eq!(repo.tip(), tip, "a re-import commits nothing");
    repo.ok(&["check"]);

    // An imported message deleted by hand stays deleted on the next import.
    hand_commit(&repo, "Drop a chat line", |dir| {
        let path = dir.join("incidents/2026/INC-1/incident.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .split("\n[[timeline]]\n")
            .filter(|t| !t.contains("1795395960.000300"))
            .collect();
        std::fs::write(path, kept.join("\n[[timeline]]\n")).unwrap();
    });
    assert_eq!(chat(&repo).len(), 2);
    let tip = repo.tip();
    repo.ok(&args);
    assert_eq!(repo.tip(), tip, "the deleted message is not added back");
}

#[test]
fn a_zip_with_a_wider_range_and_only_marked_messages() {
    let repo = incident_repo();
    let zip = repo.home.path().join("export.zip");
    zip_of(&export_dir(), &zip);
    let zip = zip.to_str().unwrap();
    let base = [
        "import",
        "slack",
        zip,
        "--channel",
        "#inc-checkout",
        "--incident",
        "INC-1",
    ];

    let pinned: Vec<&str> = base.iter().copied().chain(["--pinned"]).collect();
    repo.ok(&pinned);
    let entries = chat(&repo);
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["author"], "ben");

    let marked: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--reaction", "pushpin"])
        .collect();
    repo.ok(&marked);
    assert_eq!(
        chat(&repo).len(),
        2,
        "the pushpin reaction adds one; the pin is there"
    );

    let wide: Vec<&str> = base
        .iter()
        .copied()
        .chain([
            "--since",
            "2026-11-23T09:00:00+09:00",
            "--until",
            "2026-11-23T12:00:00+09:00",
        ])
        .collect();
    repo.ok(&wide);
    let texts: Vec<String> = chat(&repo)
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 5, "{texts:#?}");
    assert!(texts.contains(&"anyone seeing checkout errors?".to_string()));
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("joined") || t.contains("rolled back to"))
    );
}

#[test]
fn a_bad_export_or_channel_is_an_error_and_nothing_is_written() {
    let repo = incident_repo();
    let tip = repo.tip();
    let empty = repo.home.path().join("empty");
    std::fs::create_dir_all(empty.join("inc-checkout")).unwrap();
    let zip = repo.home.path().join("no-channels.zip");
    zip_of(&empty, &zip);
    std::fs::write(empty.join("users.json"), "[]").unwrap();
    let stderr = repo.fails(
        1,
        &[
            "import",
            "slack",
            zip.to_str().unwrap(),
            "--channel",
            "x",
            "--incident",
            "INC-1",
        ],
    );
    assert!(
        stderr.contains("error:") && stderr.contains("no-channels.zip"),
        "{stderr}"
    );
    assert!(stderr.contains("no channels.json"), "{stderr}");

    let dir = export_dir();
    let stderr = repo.fails(
        1,
        &[
            "import",
            "slack",
            dir.to_str().unwrap(),
            "--channel",
            "inc-payments",
            "--incident",
            "INC-1",
        ],
    );
    assert!(stderr.contains("no channel \"inc-payments\""), "{stderr}");
    assert!(
        stderr.contains("inc-checkout"),
        "names the channels there: {stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

/// A fake web API on 127.0.0.1: `answer(path with query)` gives the status, extra
/// headers and body; every request line and Authorization header is recorded.
pub fn fake_api(
    answer: impl Fn(&str) -> (u16, &'static str, String) + Send + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let mut auth = String::new();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if header.to_ascii_lowercase().starts_with("authorization:") {
                    auth = header.trim().to_string();
                }
            }
            log.lock().unwrap().push(format!("{path} {auth}"));
            let (status, extra, body) = answer(&path);
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    (url, seen)
}

fn message(ts: &str, user: &str, text: &str, extra: Value) -> Value {
    let mut m = json!({"type": "message", "ts": ts, "user": user, "text": text});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

#[test]
fn the_web_api_is_paged_threads_are_read_and_rate_limits_waited_out() {
    let repo = incident_repo();
    let limited = Arc::new(Mutex::new(false));
    let (url, seen) = fake_api(move |path| {
        let ok = |v: Value| (200, "", v.to_string());
        if path.contains("conversations.history") {
            let mut first = limited.lock().unwrap();
            if !*first {
                *first = true;
                return (429, "Retry-After: 1\r\n", String::new());
            }
            if !path.contains("cursor=") {
                return ok(json!({"ok": true, "has_more": true,
                    "messages": [
                        message("1795395900.000200", "U02BEN", "Rolling back <@U01ANA>",
                            json!({"thread_ts": "1795395900.000200", "reply_count": 1})),
                        message("1795395720.000100", "U01ANA", "5xx up &amp; rising", json!({})),
                    ],
                    "response_metadata": {"next_cursor": "bmV4dA=="}}));
            }
            return ok(json!({"ok": true, "has_more": false,
                "messages": [
                    message("1795395700.000100", "U02BEN", "<@U02BEN> has joined the channel",
                        json!({"subtype": "channel_join"})),
                    message("1795395660.000100", "U02BEN", "paged", json!({})),
                ],
                "response_metadata": {"next_cursor": ""}}));
        }
        if path.contains("conversations.replies") {
            return ok(json!({"ok": true, "messages": [
                message("1795395900.000200", "U02BEN", "Rolling back <@U01ANA>",
                    json!({"thread_ts": "1795395900.000200"})),
                message("1795395960.000300", "U01ANA", "done",
                    json!({"thread_ts": "1795395900.000200"})),
            ]}));
        }
        if path.contains("users.info?user=U01ANA") {
            return ok(json!({"ok": true, "user": {"id": "U01ANA", "name": "ana",
                "profile": {"real_name": "Ana Lima", "display_name": "ana.l", "email": "ana@example.com"}}}));
        }
        if path.contains("users.info?user=U02BEN") {
            return ok(
                json!({"ok": true, "user": {"id": "U02BEN", "name": "ben.okafor",
                "profile": {"real_name": "Ben Okafor", "display_name": "ben"}}}),
            );
        }
        ok(json!({"ok": false, "error": "unknown_method"}))
    });
    let args = [
        "import",
        "slack",
        "--token",
        "xoxb-test",
        "--channel",
        "C0INC1",
        "--incident",
        "INC-1",
        "--api-url",
        &url,
    ];
    repo.ok(&args);
    let entries = chat(&repo);
    let texts: Vec<&str> = entries
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["paged", "5xx up & rising", "Rolling back @ana", "done"],
        "in time order, the thread reply included, the join left out"
    );
    assert_eq!(entries[2]["author"], "ben");
    assert_eq!(entries[3]["author"], "ana");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|r| r.ends_with("Bearer xoxb-test")),
        "{seen:#?}"
    );
    let history: Vec<&String> = seen.iter().filter(|r| r.contains("history")).collect();
    assert_eq!(history.len(), 3, "a 429, then two pages: {seen:#?}");
    assert!(history[2].contains("cursor=bmV4dA%3D%3D"), "{seen:#?}");

    let tip = repo.tip();
    repo.ok(&args);
    assert_eq!(repo.tip(), tip, "a re-import commits nothing");
}

#[test]
fn the_web_api_saying_not_ok_is_a_clear_error() {
    let repo = incident_repo();
    let tip = repo.tip();
    let (url, _) = fake_api(|_| {
        (
            200,
            "",
            json!({"ok": false, "error": "channel_not_found"}).to_string(),
        )
    });
    let stderr = repo.fails(
        1,
        &[
            "import",
            "slack",
            "--token",
            "t",
            "--channel",
            "C404",
            "--incident",
            "INC-1",
            "--api-url",
            &url,
        ],
    );
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(
        stderr.contains("channel_not_found") && stderr.contains("--channel"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn a_dry_run_says_what_would_be_added_and_writes_nothing() {
    let repo = incident_repo();
    let tip = repo.tip();
    let dir = export_dir();
    let report = repo.json(&[
        "import",
        "--dry-run",
        "slack",
        dir.to_str().unwrap(),
        "--channel",
        "inc-checkout",
        "--incident",
        "INC-1",
    ]);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["messages"], 3);
    assert_eq!(report["added"].as_array().unwrap().len(), 3);
    assert_eq!(
        report["added"][0]["source"],
        "slack C0INC1 1795395720.000100"
    );
    assert_eq!(repo.tip(), tip);
}
