//! `git incident import slack`: an export (zip or directory) or the Web API (against a
//! fake server) into an incident's timeline, once.

use std::io::Write;
use std::path::{Path, PathBuf};

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
