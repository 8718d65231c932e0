//! `site`: the pages, their escaping, the feed, a rebuild that changes nothing, the
//! incremental build, and metrics.html held to `metrics --json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::common::{TestRepo, incident_path};
use crate::history::{hand_commit, replace};

/// Three incidents in two years' worth of branch: INC-1 (SEV1, checkout) resolved with
/// a published postmortem and two action items (one done), INC-2 (SEV3, search) open,
/// INC-3 whose title is a script.
fn branch(language: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.ok(&["init", "--language", language]);
    repo.ok(&[
        "new",
        "Checkout down",
        "-s",
        "SEV1",
        "--service",
        "checkout",
        "--team",
        "web",
        "--started",
        "2026-11-23 09:50",
        "--summary",
        "決済がタイムアウトした",
    ]);
    repo.tick(120);
    repo.ok(&["ack", "INC-1", "--commander", "ana"]);
    repo.ok(&[
        "timeline",
        "INC-1",
        "add",
        "Rolled back the deploy",
        "--link",
        "https://ci.example/deploys/1",
    ]);
    repo.tick(600);
    repo.ok(&["status", "INC-1", "mitigated"]);
    repo.tick(600);
    repo.ok(&["status", "INC-1", "resolved"]);
    repo.ok(&["postmortem", "new", "INC-1"]);
    repo.ok(&[
        "postmortem",
        "set",
        "INC-1",
        "owner=pat",
        "summary=Cards were charged twice.",
        "root_cause.statement=Charges were not idempotent.",
    ]);
    for (title, due) in [
        ("Idempotency keys", "2026-11-25"),
        ("Timeout alert", "2026-12-20"),
    ] {
        repo.ok(&[
            "action", "add", "INC-1", title, "--kind", "prevent", "--owner", "carol", "--due", due,
        ]);
    }
    repo.tick(3600);
    repo.ok(&["action", "done", "INC-1.A2"]);
    repo.ok(&["postmortem", "status", "INC-1", "published"]);
    repo.tick(86_400);
    repo.ok(&["new", "Search slow", "-s", "SEV3", "--service", "search"]);
    repo.tick(60);
    repo.ok(&["new", "<script>alert(1)</script>", "-s", "SEV2"]);
    repo.tick(7 * 86_400);
    // A week later, a timeline link that is no web URL, written by hand.
    hand_commit(&repo, "evidence by hand", |dir| {
        let path = dir.join(incident_path(3));
        let mut text = std::fs::read_to_string(&path).expect("incident.toml");
        text.push_str(
            "\n[[timeline]]\nat = 2026-11-24T12:00:00+09:00\nkind = \"note\"\ntext = \"</td><b>bold</b>\"\nlinks = [\"javascript:alert(2)\"]\n",
        );
        std::fs::write(path, text).expect("write");
    });
    repo
}

fn out(repo: &TestRepo) -> PathBuf {
    repo.home.path().join("public")
}

fn site(repo: &TestRepo, extra: &[&str]) -> PathBuf {
    let dir = out(repo);
    let dir_text = dir.to_str().expect("utf-8 path").to_string();
    let mut args = vec!["site", "--out", dir_text.as_str()];
    args.extend_from_slice(extra);
    repo.ok(&args);
    dir
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every file under `dir`, by relative path, with its bytes and modification time.
fn files(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    let mut found = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(next) = todo.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                let meta = std::fs::metadata(&path).expect("stat");
                found.insert(
                    relative,
                    (
                        std::fs::read(&path).expect("read"),
                        meta.modified().expect("mtime"),
                    ),
                );
            }
        }
    }
    found
}

#[test]
fn every_incident_has_a_page_and_user_text_is_escaped() {
    let repo = branch("en");
    let dir = site(&repo, &[]);
    for page in [
        "index.html",
        "actions.html",
        "metrics.html",
        "feed.xml",
        "search-index.js",
        "assets/site.css",
        "assets/site.js",
    ] {
        assert!(dir.join(page).is_file(), "{page}");
    }
    for n in 1..=3 {
        let page = read(&dir, &format!("incidents/INC-{n}.html"));
        assert!(page.contains(&format!("<h1>INC-{n}: ")), "INC-{n}");
        assert!(
            page.contains("href=\"../assets/site.css\""),
            "relative links"
        );
    }
    let index = read(&dir, "index.html");
    for n in 1..=3 {
        assert!(
            index.contains(&format!("<tr class=\"incident\" data-id=\"INC-{n}\"")),
            "row {n}"
        );
    }
    // Newest first.
    let position = |id: &str| index.find(&format!("data-id=\"{id}\"")).expect("row");
    assert!(position("INC-3") < position("INC-2") && position("INC-2") < position("INC-1"));
    assert!(index.contains("data-severity=\"SEV1\" data-status=\"resolved\" data-services=\"checkout\" data-team=\"web\" data-year=\"2026\""), "{index}");
    for id in [
        "q\" type=\"search\"",
        "filter-status",
        "filter-severity",
        "filter-service",
        "filter-team",
        "filter-year",
        "id=\"count\"",
    ] {
        assert!(index.contains(id), "{id}");
    }
    for (name, page) in [
        ("index", &index),
        ("INC-3", &read(&dir, "incidents/INC-3.html")),
        ("feed", &read(&dir, "feed.xml")),
    ] {
        assert!(!page.contains("<script>alert"), "{name} runs the title");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{name} shows the title"
        );
    }
    let page = read(&dir, "incidents/INC-3.html");
    assert!(!page.contains("href=\"javascript:"), "{page}");
    assert!(
        page.contains("javascript:alert(2)"),
        "the link is shown as text"
    );
    assert!(
        page.contains("&lt;/td&gt;&lt;b&gt;bold&lt;/b&gt;"),
        "{page}"
    );
    let page = read(&dir, "incidents/INC-1.html");
    assert!(
        page.contains("<a href=\"https://ci.example/deploys/1\""),
        "evidence links"
    );
    assert!(
        page.contains("Charges were not idempotent."),
        "the postmortem"
    );
    assert!(page.contains("Idempotency keys"), "its action items");
    assert!(
        !page.contains("rel=\"canonical\""),
        "no canonical link without --base-url"
    );
    // The search index is a script, its JSON escaped against `</script>`.
    let index = read(&dir, "search-index.js");
    assert!(index.starts_with("window.gitIncidentSearch = {"), "{index}");
    assert!(
        index.contains("決済がタイムアウトした") && !index.contains("</"),
        "{index}"
    );
    let actions = read(&dir, "actions.html");
    assert!(
        actions.contains("INC-1.A1") && !actions.contains("INC-1.A2"),
        "open items only"
    );
    assert!(
        actions.contains("Overdue") && actions.contains("carol"),
        "{actions}"
    );
}

#[test]
fn the_feed_is_atom_with_absolute_links_from_the_base_url() {
    let repo = branch("en");
    let dir = site(
        &repo,
        &["--base-url", "https://example.github.io/incidents"],
    );
    let feed = read(&dir, "feed.xml");
    let mut reader = quick_xml::Reader::from_str(&feed);
    let (mut entries, mut depth) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                entries += usize::from(e.name().as_ref() == "entry");
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    // Three incidents and one published postmortem.
    assert_eq!(entries, 4, "{feed}");
    assert!(
        feed.contains("href=\"https://example.github.io/incidents/incidents/INC-1.html\""),
        "{feed}"
    );
    assert!(
        feed.contains(
            "href=\"https://example.github.io/incidents/incidents/INC-1.html#postmortem\""
        ),
        "{feed}"
    );
    let page = read(&dir, "incidents/INC-2.html");
    assert!(page.contains("<link rel=\"canonical\" href=\"https://example.github.io/incidents/incidents/INC-2.html\">"), "{page}");

    let dir_text = dir.to_str().expect("utf-8").to_string();
    let err = repo.fails(
        2,
        &[
            "site",
            "--out",
            &dir_text,
            "--base-url",
            "javascript:alert(1)",
        ],
    );
    assert!(err.starts_with("error: --base-url"), "{err}");
    let file = dir.join("index.html");
    let err = repo.fails(2, &["site", "--out", file.to_str().expect("utf-8")]);
    assert!(
        err.starts_with("error: --out") && err.contains("not a directory"),
        "{err}"
    );
}

#[test]
fn an_unchanged_branch_builds_the_same_bytes_and_touches_nothing() {
    let repo = branch("en");
    let dir = site(&repo, &[]);
    let before = files(&dir);
    // Hours later by the wall clock: the site takes "now" from the tip commit.
    repo.tick(5 * 3600);
    site(&repo, &[]);
    assert_eq!(files(&dir), before, "same bytes, same modification times");
    // A fresh directory gets the same bytes.
    std::fs::rename(&dir, repo.home.path().join("old")).expect("move");
    site(&repo, &[]);
    let again: BTreeMap<String, Vec<u8>> =
        files(&dir).into_iter().map(|(p, (b, _))| (p, b)).collect();
    let before: BTreeMap<String, Vec<u8>> = before.into_iter().map(|(p, (b, _))| (p, b)).collect();
    assert_eq!(again, before);
}

#[test]
fn a_rebuild_rewrites_only_what_changed_and_removes_only_its_own_pages() {
    let repo = branch("en");
    let dir = site(&repo, &[]);
    std::fs::write(dir.join("CNAME"), "incidents.example\n").expect("a file of the user's");
    let before = files(&dir);
    repo.tick(60);
    repo.ok(&["set", "INC-2", "title=Search very slow"]);
    site(&repo, &[]);
    let after = files(&dir);
    assert_ne!(
        after["incidents/INC-2.html"],
        before["incidents/INC-2.html"]
    );
    assert!(String::from_utf8_lossy(&after["incidents/INC-2.html"].0).contains("Search very slow"));
    for untouched in [
        "incidents/INC-1.html",
        "incidents/INC-3.html",
        "assets/site.css",
        "CNAME",
    ] {
        assert_eq!(
            after[untouched], before[untouched],
            "{untouched} was rewritten"
        );
    }
    assert_ne!(after["index.html"], before["index.html"]);

    repo.tick(60);
    hand_commit(&repo, "INC-2 was a duplicate", |dir| {
        std::fs::remove_dir_all(dir.join("incidents/2026/INC-2")).expect("remove");
    });
    let dir_text = dir.to_str().expect("utf-8").to_string();
    let output = repo.run(&["site", "--out", &dir_text]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("1 removed"),
        "{output:?}"
    );
    assert!(
        !dir.join("incidents/INC-2.html").exists(),
        "the removed incident's page"
    );
    assert!(dir.join("incidents/INC-1.html").exists() && dir.join("CNAME").exists());
    assert!(!read(&dir, "index.html").contains("data-id=\"INC-2\""));
}

/// Every `data-metric="NAME" data-value="V">TEXT<` in `html`.
fn shown_figures(html: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("data-metric=\"") {
        rest = &rest[start + 13..];
        let name_end = rest.find('"').expect("closing quote");
        let name = rest[..name_end].to_string();
        let value_start = rest.find("data-value=\"").expect("data-value") + 12;
        let value_end = value_start + rest[value_start..].find('"').expect("closing quote");
        let value = rest[value_start..value_end].to_string();
        let text_start = value_end + rest[value_end..].find('>').expect("tag end") + 1;
        let text_end = text_start + rest[text_start..].find('<').expect("next tag");
        found.push((name, value, rest[text_start..text_end].to_string()));
        rest = &rest[text_end..];
    }
    found
}

fn lookup<'v>(json: &'v Value, dotted: &str) -> &'v Value {
    // Keys of by_severity and by_kind hold no dots.
    dotted.split('.').fold(json, |v, key| &v[key])
}

#[test]
fn metrics_page_shows_exactly_what_metrics_json_says() {
    let repo = branch("en");
    let dir = site(&repo, &[]);
    let page = read(&dir, "metrics.html");
    let marker = "<script type=\"application/json\" id=\"metrics-data\">";
    let start = page.find(marker).expect("embedded JSON") + marker.len();
    let end = start + page[start..].find("</script>").expect("end");
    let embedded: Value = serde_json::from_str(&page[start..end]).expect("JSON");
    let windows = ["last_90_days", "last_365_days", "all_time"];
    for key in windows {
        let window = &embedded[key]["window"];
        let since = window["since"].as_str().expect("since");
        let as_of = window["as_of"].as_str().expect("as_of");
        let from_command = repo.json(&["metrics", "--since", since, "--as-of", as_of]);
        assert_eq!(embedded[key], from_command, "{key}");
    }
    // The tip commit's time is "now", and the default window is the last 90 days.
    let as_of = embedded["last_90_days"]["window"]["as_of"]
        .as_str()
        .expect("as_of");
    assert_eq!(
        embedded["last_90_days"],
        repo.json(&["metrics", "--as-of", as_of])
    );
    assert_eq!(embedded["all_time"]["incidents"]["total"], 3);
    assert_eq!(embedded["all_time"]["postmortems"]["published"], 1);
    // Each figure shown is the JSON's, as text and as data.
    let mut checked = 0;
    for (i, key) in windows.iter().enumerate() {
        let from = page
            .find(&format!("data-window=\"{key}\""))
            .expect("section");
        let to = windows.get(i + 1).map_or(page.len(), |next| {
            page.find(&format!("data-window=\"{next}\"")).expect("next")
        });
        for (name, value, text) in shown_figures(&page[from..to]) {
            let expected = lookup(&embedded[*key], &name);
            match expected {
                Value::Null => {
                    assert_eq!((value.as_str(), text.as_str()), ("", "-"), "{key} {name}")
                }
                Value::Number(n) => {
                    assert_eq!(value, n.to_string(), "{key} {name}");
                    let seconds = ["median", "p90", "mean"].iter().any(|s| name.ends_with(s));
                    let shown = if seconds {
                        git_incident::model::time::format_duration(n.as_i64().expect("seconds"))
                    } else {
                        n.to_string()
                    };
                    assert_eq!(text, shown, "{key} {name}");
                }
                other => panic!("{key} {name}: {other}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} figures checked");
    // Each chart has its numbers as a table.
    assert_eq!(
        page.matches("<svg class=\"chart\"").count(),
        page.matches("<details class=\"chart-data\">").count()
    );
    assert!(
        page.contains("As of") && page.contains(as_of.get(..10).expect("date")),
        "the moment is stated"
    );
}

#[test]
fn the_page_chrome_follows_the_team_language() {
    let repo = branch("ja");
    let dir = site(&repo, &[]);
    let index = read(&dir, "index.html");
    assert!(index.contains("<html lang=\"ja\">"), "{index}");
    assert!(
        index.contains("インシデント一覧") && index.contains("重大度"),
        "{index}"
    );
    let page = read(&dir, "incidents/INC-1.html");
    assert!(
        page.contains("影響開始") && page.contains("タイムライン"),
        "{page}"
    );
    assert!(page.contains("Checkout down"), "user text as written");
    assert!(read(&dir, "metrics.html").contains("直近90日"));
    assert!(read(&dir, "actions.html").contains("期限切れ"));
}

#[test]
fn a_changed_config_rebuilds_every_page() {
    let repo = branch("en");
    let dir = site(&repo, &[]);
    repo.tick(60);
    hand_commit(&repo, "Japanese pages", |dir| {
        replace(dir, "config.toml", "language = \"en\"", "language = \"ja\"");
    });
    site(&repo, &[]);
    assert!(read(&dir, "incidents/INC-2.html").contains("<html lang=\"ja\">"));
}

#[test]
fn an_incident_page_names_the_commits_that_caused_and_fixed_it() {
    let repo = branch("en");
    // The code's own main branch: the commit the repository started with.
    let root = repo.git(&["rev-parse", "main"]).trim().to_string();
    repo.ok(&[
        "set",
        "INC-1",
        "changes.caused_by+=main",
        "changes.fixed_by+=https://git.example/shop/pull/9",
    ]);
    let dir = site(&repo, &[]);
    let page = read(&dir, "incidents/INC-1.html");
    assert!(
        page.contains(&format!("{} &quot;root&quot; (", &root[..7])),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://git.example/shop/pull/9\""),
        "{page}"
    );
}

#[test]
fn a_page_naming_a_commit_not_fetched_yet_is_rebuilt_once_it_is() {
    let repo = branch("en");
    // The fix was made in a clone whose commits this repository has not fetched yet.
    let other = TestRepo::new();
    other.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Make charges idempotent",
    ]);
    let fix = other.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.ok(&["set", "INC-1", &format!("changes.fixed_by+={fix}")]);
    let dir = site(&repo, &[]);
    let page = read(&dir, "incidents/INC-1.html");
    assert!(!page.contains("Make charges idempotent"), "{page}");
    // The branch is unchanged, and so is the page, until the commit is fetched.
    site(&repo, &[]);
    assert_eq!(read(&dir, "incidents/INC-1.html"), page);
    let from = other.path().display().to_string();
    repo.git(&["fetch", "-q", &from, "HEAD:refs/remotes/other/main"]);
    site(&repo, &[]);
    let page = read(&dir, "incidents/INC-1.html");
    assert!(
        page.contains(&format!(
            "{} &quot;Make charges idempotent&quot;",
            &fix[..7]
        )),
        "{page}"
    );
}
