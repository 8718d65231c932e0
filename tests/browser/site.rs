//! The site from `git incident site`, opened from disk: every incident renders, the URL
//! and the search box narrow the list, nothing is fetched from outside the site, the
//! console stays clean and a script in a title stays text. Screenshots at a desktop's
//! and a phone's width land in `target/site-screenshots/` for a person to look at.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::chromium::{Browser, Page, file_url};
use crate::common::TestRepo;
use crate::harness::png_width;

const SCRIPT_TITLE: &str = "<script>alert(1)</script>";
const JAPANESE_TITLE: &str = "決済が失敗する";
/// Newest first, by detection: INC-6 happened a year before the others.
const ALL: [&str; 6] = ["INC-5", "INC-4", "INC-3", "INC-2", "INC-1", "INC-6"];

/// Six incidents of every severity and status, one in Japanese, one whose title is a
/// script, one with a published postmortem; the site built from them, once per run.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let repo = TestRepo::initialized();
        let incident = |title: &str, severity: &str, service: &str, team: &str, at: &str| {
            repo.tick(60);
            repo.ok(&[
                "new",
                title,
                "--severity",
                severity,
                "--service",
                service,
                "--team",
                team,
                "--detected",
                at,
            ]);
        };
        let ack = |id: &str, at: &str| {
            repo.tick(60);
            repo.ok(&["ack", id, "--commander", "ana", "--at", at]);
        };
        let status = |id: &str, status: &str, at: &str| {
            repo.tick(60);
            repo.ok(&["status", id, status, "--at", at]);
        };

        incident(
            "Checkout charged cards twice",
            "SEV1",
            "checkout",
            "payments",
            "2026-08-10 09:00",
        );
        repo.ok(&[
            "timeline",
            "INC-1",
            "add",
            "Duplicate-charge alert fired",
            "--kind",
            "alert",
            "--at",
            "2026-08-10 09:00",
            "--link",
            "https://grafana.example.com/d/charges",
        ]);
        ack("INC-1", "2026-08-10 09:05");
        status("INC-1", "mitigated", "2026-08-10 10:10");
        status("INC-1", "resolved", "2026-08-10 12:00");
        repo.ok(&["postmortem", "new", "INC-1"]);
        repo.ok(&[
            "postmortem",
            "set",
            "INC-1",
            "owner=pat",
            "summary=Customers paying by card were charged twice for one order.",
            "root_cause.statement=Charges were not idempotent, so a retried request charged again.",
        ]);
        repo.ok(&[
            "action",
            "add",
            "INC-1",
            "Idempotency keys on /charge",
            "--kind",
            "prevent",
            "--owner",
            "carol",
            "--due",
            "2026-09-01",
        ]);
        repo.ok(&["postmortem", "status", "INC-1", "in_review"]);
        repo.ok(&["postmortem", "status", "INC-1", "published"]);

        incident(
            JAPANESE_TITLE,
            "SEV2",
            "payments",
            "payments",
            "2026-09-15 14:00",
        );
        repo.ok(&[
            "set",
            "INC-2",
            "summary=カード決済がタイムアウトし、注文が完了しない。",
        ]);
        ack("INC-2", "2026-09-15 14:12");
        status("INC-2", "mitigated", "2026-09-15 14:40");

        incident(SCRIPT_TITLE, "SEV3", "web", "web", "2026-10-02 11:00");
        ack("INC-3", "2026-10-02 11:30");

        incident(
            "Search results are slow",
            "SEV2",
            "search",
            "discovery",
            "2026-10-20 16:00",
        );
        ack("INC-4", "2026-10-20 16:20");
        status("INC-4", "resolved", "2026-10-20 18:30");
        status("INC-4", "closed", "2026-10-27 10:00");

        incident(
            "Checkout page shows an empty cart",
            "SEV3",
            "checkout",
            "web",
            "2026-11-05 10:00",
        );
        ack("INC-5", "2026-11-05 10:03");
        status("INC-5", "resolved", "2026-11-05 10:45");

        incident(
            "Single sign-on logins fail",
            "SEV1",
            "auth",
            "identity",
            "2025-12-20 15:00",
        );
        ack("INC-6", "2025-12-20 15:30");
        status("INC-6", "resolved", "2025-12-20 17:20");

        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-site");
        if out.exists() {
            std::fs::remove_dir_all(&out).expect("remove the previous site");
        }
        repo.ok(&["site", "--out", out.to_str().expect("UTF-8 path")]);
        out
    })
}

fn url(page: &str) -> String {
    format!("{}/{page}", file_url(site()))
}

/// IDs of the incident rows a reader sees: laid out, whatever their attributes say.
fn visible(page: &mut Page) -> Vec<String> {
    let ids = page
        .eval(
            "[...document.querySelectorAll('tr.incident')]
                .filter(r => r.getClientRects().length > 0)
                .map(r => r.dataset.id)",
        )
        .expect("visible rows");
    serde_json::from_value(ids).expect("a list of IDs")
}

fn count(page: &mut Page) -> String {
    page.eval("document.getElementById('count').textContent.trim()")
        .expect("#count")
        .as_str()
        .expect("text")
        .to_string()
}

/// The page's record holds no error, no dialog and no request outside the site.
fn assert_clean(page: &mut Page) {
    page.settle().expect("events arrive");
    let record = &page.record;
    assert!(record.errors.is_empty(), "console: {:#?}", record.errors);
    assert!(record.dialogs.is_empty(), "dialogs: {:?}", record.dialogs);
    let inside = format!("{}/", file_url(site()));
    let outside: Vec<&String> = record
        .requests
        .iter()
        .filter(|url| !url.starts_with(&inside))
        .collect();
    assert!(outside.is_empty(), "requests outside {inside}: {outside:?}");
}

/// Waits for the search index the page loads on the first query, then for the list.
fn wait_for_search(page: &mut Page) {
    page.wait_for("window.gitIncidentSearch !== undefined")
        .expect("the search index loads");
    page.settle().expect("the list is filtered again");
}

#[test]
fn every_incident_renders_from_disk() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let mut page = browser.page(1280).expect("new page");
    page.goto(&url("index.html")).expect("index loads");
    assert_eq!(visible(&mut page), ALL);
    assert_eq!(count(&mut page), ALL.len().to_string());
    let japanese = page
        .eval("document.querySelector('tr[data-id=\"INC-2\"] td.title').textContent")
        .expect("title cell");
    assert_eq!(japanese, JAPANESE_TITLE);
    assert_clean(&mut page);
}

#[test]
fn the_url_narrows_the_list() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    // A phone lays rows out as cards: hidden ones must stay hidden there too.
    for width in [1280, 390] {
        let mut page = browser.page(width).expect("new page");
        for (query, expected) in [
            ("severity=SEV1", &["INC-1", "INC-6"][..]),
            ("status=resolved", &["INC-5", "INC-1", "INC-6"]),
            ("service=checkout", &["INC-5", "INC-1"]),
            ("team=web", &["INC-5", "INC-3"]),
            ("year=2025", &["INC-6"]),
            ("q=checkout", &["INC-5", "INC-1"]),
            ("q=checkout&severity=SEV1", &["INC-1"]),
            ("q=CART%20empty", &["INC-5"]),
            ("q=nothing-matches-this", &[]),
        ] {
            page.goto(&url(&format!("index.html?{query}")))
                .expect("index loads");
            if query.contains("q=") {
                wait_for_search(&mut page);
            }
            assert_eq!(visible(&mut page), expected, "?{query} at {width}px");
            assert_eq!(count(&mut page), expected.len().to_string(), "?{query}");
        }
        assert_clean(&mut page);
    }
}

/// Chooses `value` in the filter `name`, as a reader does with the select.
fn choose(page: &mut Page, name: &str, value: &str) {
    let found = page
        .eval(&format!(
            "(() => {{
                const select = document.getElementById('filter-{name}');
                if (![...select.options].some(o => o.value === '{value}')) return false;
                select.value = '{value}';
                select.dispatchEvent(new Event('change', {{ bubbles: true }}));
                return true;
            }})()"
        ))
        .expect("select");
    assert_eq!(found, true, "#filter-{name} offers {value}");
}

#[test]
fn choosing_filters_narrows_the_list_and_keeps_them_in_the_url() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let mut page = browser.page(1280).expect("new page");
    page.goto(&url("index.html")).expect("index loads");
    let services = page
        .eval("[...document.getElementById('filter-service').options].map(o => o.value)")
        .expect("options");
    assert_eq!(
        services,
        serde_json::json!(["", "auth", "checkout", "payments", "search", "web"])
    );

    choose(&mut page, "status", "open");
    assert_eq!(visible(&mut page), ["INC-3", "INC-2"]);
    choose(&mut page, "status", "resolved");
    assert_eq!(visible(&mut page), ["INC-5", "INC-1", "INC-6"]);
    choose(&mut page, "severity", "SEV1");
    assert_eq!(visible(&mut page), ["INC-1", "INC-6"]);
    assert_eq!(count(&mut page), "2");

    // The address now holds the filters: opening it again shows the same list.
    let href = page.eval("location.href").expect("location");
    let href = href.as_str().expect("a URL").to_string();
    assert!(
        href.ends_with("index.html?status=resolved&severity=SEV1"),
        "{href}"
    );
    page.goto(&href).expect("the shared link loads");
    assert_eq!(visible(&mut page), ["INC-1", "INC-6"]);
    let chosen = page
        .eval("[document.getElementById('filter-status').value, document.getElementById('filter-severity').value]")
        .expect("selects");
    assert_eq!(chosen, serde_json::json!(["resolved", "SEV1"]));
    assert_clean(&mut page);
}

#[test]
fn the_search_box_finds_japanese_and_postmortem_text() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let mut page = browser.page(1280).expect("new page");
    page.goto(&url("index.html")).expect("index loads");
    page.type_into("#q", "決済").expect("type");
    wait_for_search(&mut page);
    assert_eq!(visible(&mut page), ["INC-2"]);
    assert_eq!(count(&mut page), "1");

    // Only the published root cause says "idempotent": found through the index.
    page.eval("document.getElementById('q').value = ''")
        .expect("clear");
    page.type_into("#q", "idempotent").expect("type");
    page.settle().expect("filtered");
    assert_eq!(visible(&mut page), ["INC-1"]);

    // The query is kept in the URL, so the filtered list can be shared.
    let search = page.eval("location.search").expect("location");
    assert_eq!(search, "?q=idempotent");
    assert_clean(&mut page);
}

#[test]
fn a_script_in_a_title_shows_as_text_and_runs_nothing() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let mut page = browser.page(1280).expect("new page");
    // Every script on a page must be one of the site's own files.
    let only_own_scripts = "[...document.scripts].every(s => s.src !== '')";

    page.goto(&url("index.html")).expect("index loads");
    let cell = page
        .eval("document.querySelector('tr[data-id=\"INC-3\"] td.title').textContent")
        .expect("title cell");
    assert_eq!(cell, SCRIPT_TITLE);
    assert_eq!(page.eval(only_own_scripts).expect("scripts"), true);
    page.type_into("#q", "<script>").expect("type");
    wait_for_search(&mut page);
    assert_eq!(visible(&mut page), ["INC-3"]);
    assert_clean(&mut page);

    page.goto(&url("incidents/INC-3.html"))
        .expect("incident page loads");
    let heading = page
        .eval("document.querySelector('h1').textContent")
        .expect("heading");
    assert!(
        heading.as_str().is_some_and(|h| h.contains(SCRIPT_TITLE)),
        "{heading}"
    );
    let title = page.eval("document.title").expect("title");
    assert!(
        title.as_str().is_some_and(|t| t.contains(SCRIPT_TITLE)),
        "{title}"
    );
    assert_eq!(page.eval(only_own_scripts).expect("scripts"), true);
    assert_clean(&mut page);
}

#[test]
fn no_page_fetches_from_outside_the_site_or_logs_an_error() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let mut page = browser.page(1280).expect("new page");
    let mut pages = vec!["index.html".to_string()];
    pages.extend(ALL.iter().map(|id| format!("incidents/{id}.html")));
    pages.extend(["actions.html".to_string(), "metrics.html".to_string()]);
    for path in &pages {
        page.goto(&url(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        // The site's stylesheet applied (it takes the body's margin away): a broken
        // relative link would leave the page bare.
        let styled = page
            .eval("getComputedStyle(document.body).marginTop === '0px'")
            .expect("stylesheets");
        assert_eq!(styled, true, "{path} has no stylesheet");
    }
    assert!(
        page.record.requests.len() > pages.len(),
        "pages and their assets were all recorded: {:?}",
        page.record.requests
    );
    assert_clean(&mut page);
}

/// Cells of the incident list other than the title that wrap onto a second line
/// ("INC-" over "5"): on a wide screen the title should give way first.
const BROKEN_SHORT_CELLS: &str = "[...document.querySelectorAll('tr.incident td:not(.title)')]
    .filter(td => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
    })
    .map(td => td.closest('tr').dataset.id + ': ' + td.textContent)";

/// Pairs of texts in one chart (axis labels, say) whose boxes intersect.
const OVERLAPPING_CHART_LABELS: &str = "[...document.querySelectorAll('svg.chart')].flatMap(svg => {
        const boxes = [...svg.querySelectorAll('text')]
            .map(t => [t.textContent, t.getBoundingClientRect()]);
        return boxes.flatMap(([a, p], i) => boxes.slice(i + 1)
            .filter(([, q]) => p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
            .map(([b]) => a + ' / ' + b));
    })";

/// Where screenshots go: next to the build, for a person to look at.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .join("site-screenshots")
}

#[test]
fn screenshots_at_desktop_and_phone_widths_without_sideways_scrolling() {
    let Some(mut browser) = Browser::start_or_skip() else {
        return;
    };
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    // Every picture is taken before any assertion, so a failure leaves them all to see.
    let mut problems = Vec::new();
    for width in [1280, 390] {
        let mut page = browser.page(width).expect("new page");
        for (name, path) in [
            ("index", "index.html"),
            ("incident", "incidents/INC-1.html"),
            ("metrics", "metrics.html"),
        ] {
            page.goto(&url(path)).expect("page loads");
            let png = page.screenshot().expect("screenshot");
            let file = dir.join(format!("{name}-{width}.png"));
            std::fs::write(&file, &png).expect("write screenshot");
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("screenshot: {}\n", file.display()).as_bytes(),
            );
            if png_width(&png) != width {
                problems.push(format!(
                    "{path} at {width}px: a {}px wide picture",
                    png_width(&png)
                ));
            }
            let overflow = page
                .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                .expect("widths");
            if overflow != 0 {
                problems.push(format!(
                    "{path} at {width}px scrolls sideways by {overflow}px"
                ));
            }
            let overlapping = page.eval(OVERLAPPING_CHART_LABELS).expect("labels");
            if overlapping != serde_json::json!([]) {
                problems.push(format!(
                    "{path} at {width}px: chart labels overlap: {overlapping}"
                ));
            }
            if name == "index" && width == 1280 {
                let broken = page.eval(BROKEN_SHORT_CELLS).expect("cells");
                if broken != serde_json::json!([]) {
                    problems.push(format!("{path} at {width}px breaks short cells: {broken}"));
                }
            }
            assert_clean(&mut page);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
