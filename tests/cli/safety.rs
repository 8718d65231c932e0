//! Output you can trust: user text holding terminal escapes never reaches a terminal
//! raw, and user text in Markdown cannot hide what a reviewer must see.

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::common::TestRepo;
use crate::postmortem::hand_edit;
use crate::sync::Team;

/// Every escape the terminal would obey: clear screen, window title, clipboard,
/// hyperlink, C1 CSI, backspaces, a bare CR, DEL, bidi override and isolate, and a
/// conceal that would hide the rest of the line.
const ESCAPES: &str = "\u{1b}[2J\u{1b}]0;title\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\
\u{1b}]8;;https://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{9b}31m\u{8}\u{8}over\rwrite\u{7f}\
\u{202e}desrever\u{202c}\u{2066}iso\u{2069}\u{1b}[8mhidden";

fn escapes(field: &str) -> String {
    format!("{field} {ESCAPES} end")
}

/// Markup that would open a comment, a fence, raw HTML, a table cell, a heading, a
/// quote, a list and an indented code block.
fn markup(field: &str) -> String {
    format!(
        "{field} <!-- ``` </details> <script>alert(1)</script> | *a* _b_ [c](https://x) \\\n\
         # {field} heading\n> {field} quote\n- {field} item\n```\n    {field} indented\n<!--"
    )
}

/// A TOML basic string holding `text` exactly.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A branch where every user field holds `text(field)`: a severity defined in
/// config.toml, a published incident INC-1 with a full postmortem and an overdue
/// action item, and INC-2 whose postmortem is in review. Returns the repository and
/// the tip before INC-1 was published.
fn hostile(text: &dyn Fn(&str) -> String) -> (TestRepo, String) {
    let repo = TestRepo::initialized();
    // Links are refused with blanks in them; anything else goes.
    let link =
        |base: &str, field: &str| format!("{base}{}", text(field).replace(char::is_whitespace, ""));
    let severity = text("severity");
    hand_edit(&repo, "config.toml", |config| {
        format!(
            "{config}\n[[severity]]\nname = {}\ndescription = {}\npostmortem = \"required\"\npostmortem_due_days = 5\n",
            toml_string(&severity),
            toml_string(&text("description"))
        )
    });
    for n in 1..=2 {
        repo.ok(&[
            "new",
            &text("title"),
            "--severity",
            &severity,
            "--service",
            &text("service"),
            "--team",
            &text("team"),
            "--commander",
            &text("commander"),
            "--summary",
            &text("summary"),
            "--started",
            "10m ago",
        ]);
        let id = format!("INC-{n}");
        repo.tick(60);
        repo.ok(&[
            "set",
            &id,
            &format!("customer_impact={}", text("customer_impact")),
            &format!("labels={}", text("label")),
            &format!("roles.comms={}", text("comms")),
            &format!("changes.caused_by={}", text("caused_by")),
        ]);
        repo.ok(&[
            "timeline",
            &id,
            "add",
            &text("timeline"),
            "--kind",
            "action",
            "--link",
            &link("https://evidence.example/", "link"),
        ]);
        // No evidence on a severity that requires a postmortem: a check finding.
        repo.ok(&["timeline", &id, "add", &text("bare")]);
        repo.tick(60);
        repo.ok(&["status", &id, "resolved"]);
        repo.ok(&["postmortem", "new", &id, "--owner", &text("owner")]);
    }
    let mut set: Vec<String> = ["postmortem", "set", "INC-1"].map(String::from).to_vec();
    for key in ["summary", "impact", "trigger", "detection", "response"] {
        set.push(format!("{key}={}", text(key)));
    }
    // Naming a participant: a finding that quotes user text.
    set.push(format!(
        "root_cause.statement={} {}",
        text("root_cause.statement"),
        text("participants")
    ));
    for key in [
        "root_cause.whys",
        "contributing_factors",
        "mental_models",
        "went_well",
        "went_wrong",
        "where_lucky",
        "kpt.keep",
        "kpt.problem",
        "kpt.try",
        "lessons",
        "participants",
    ] {
        set.push(format!("{key}+={}", text(key)));
    }
    set.push(format!("links+={}", link("https://wiki.example/", "links")));
    repo.ok(&set.iter().map(String::as_str).collect::<Vec<_>>());
    repo.ok(&[
        "action",
        "add",
        "INC-1",
        &text("action title"),
        "--kind",
        "detect",
        "--owner",
        &text("action owner"),
        "--due",
        "2026-11-20",
        "--link",
        &link("https://tracker.example/", "action_link"),
    ]);
    repo.ok(&[
        "action",
        "set",
        "INC-1.A1",
        &format!("notes={}", text("notes")),
    ]);
    for id in ["INC-1", "INC-2"] {
        repo.ok(&["postmortem", "status", id, "in_review"]);
    }
    let reviewing = repo.tip();
    repo.tick(60);
    repo.ok(&["postmortem", "status", "INC-1", "published"]);
    (repo, reviewing)
}

/// Every read command with a human view, as arguments.
fn reads(reviewing: &str) -> Vec<Vec<String>> {
    let range = format!("{reviewing}..incidents");
    let as_of = ["--as-of", "2026-12-01"];
    let mut all: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["show", "INC-1"],
        vec!["show", "INC-1", "--format", "md"],
        vec!["timeline", "INC-1"],
        vec!["log"],
        vec!["log", "INC-1"],
        vec!["postmortem", "show", "INC-1"],
        vec!["postmortem", "show", "INC-1", "--format", "md"],
        vec!["check"],
        vec!["review", &range],
        vec!["review", &range, "--format", "md"],
        vec!["action", "list"],
        vec!["search", "end"],
    ];
    for by in [None, Some("severity"), Some("service"), Some("team")] {
        for format in [None, Some("md")] {
            let mut args = vec!["metrics"];
            args.extend(as_of);
            args.extend(by.iter().flat_map(|b| ["--by", b]));
            args.extend(format.iter().flat_map(|f| ["--format", f]));
            all.push(args);
        }
    }
    for report in ["actions", "postmortems"] {
        all.push([&["report", report][..], &as_of].concat());
        all.push([&["report", report, "--format", "md"][..], &as_of].concat());
    }
    all.into_iter()
        .map(|args| args.into_iter().map(String::from).collect())
        .collect()
}

/// Control characters a terminal would act on, and invisible bidi controls.
fn is_raw_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `text` without SGR colour sequences (`ESC [ digits ; … m`), the only ones we emit.
fn without_colour(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[len..].starts_with('m') {
            rest = &after[len + 1..];
        } else {
            out.push_str(&rest[at..at + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn assert_no_raw_control(what: &str, text: &str) {
    if let Some((at, c)) = text.char_indices().find(|(_, c)| is_raw_control(*c)) {
        let from = (0..=at.saturating_sub(60))
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        let context: String = text[from..].chars().take(100).collect();
        panic!("{what}: raw {c:?} at byte {at}: {context:?}");
    }
}

fn run(repo: &TestRepo, args: &[String]) -> (String, String) {
    let output = repo
        .cmd(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .output()
        .expect("binary runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {:?}",
        output.status
    );
    (
        String::from_utf8(output.stdout).expect("utf-8 stdout"),
        String::from_utf8(output.stderr).expect("utf-8 stderr"),
    )
}

#[test]
fn terminal_escapes_in_user_text_are_shown_escaped_by_every_read() {
    let (repo, reviewing) = hostile(&escapes);
    for args in reads(&reviewing) {
        let plain = [vec!["--color".to_string(), "never".into()], args.clone()].concat();
        let (out, err) = run(&repo, &plain);
        assert_no_raw_control(&format!("{args:?} stdout"), &out);
        assert_no_raw_control(&format!("{args:?} stderr"), &err);
        // The text is there, escaped (Markdown doubles the backslash).
        assert!(
            out.contains("\\e[2J") || out.contains("\\\\e\\[2J"),
            "{args:?} shows no user text:\n{out}"
        );
        let coloured = [vec!["--color".to_string(), "always".into()], args.clone()].concat();
        let (out, err) = run(&repo, &coloured);
        for (stream, text) in [("stdout", out), ("stderr", err)] {
            assert_no_raw_control(
                &format!("{args:?} --color always {stream}"),
                &without_colour(&text),
            );
            assert!(!text.contains("\u{1b}[8m"), "{args:?}: user SGR passed");
        }
    }
}

#[test]
fn colour_still_works_around_escaped_user_text() {
    let (repo, _) = hostile(&escapes);
    let out = repo.ok(&["--color", "always", "list"]);
    assert!(out.contains("\u{1b}[33mINC-1\u{1b}[0m"), "{out:?}");
    assert!(out.contains("\\e[2J\\e]0;title\\x07"), "{out:?}");
}

#[test]
fn escaped_table_cells_keep_columns_aligned() {
    let (repo, _) = hostile(&escapes);
    let out = repo.ok(&["--color", "never", "list"]);
    let mut lines = out.lines();
    let header = lines.next().expect("header");
    // Everything before these cells is ASCII once escaped: byte offsets are columns.
    for line in lines {
        for (column, cell) in [
            ("COMMANDER", "commander "),
            ("SERVICES", "service "),
            ("TITLE", "title "),
        ] {
            assert_eq!(line.find(cell), header.find(column), "{column}:\n{out}");
        }
    }
}

#[test]
fn multi_line_text_stays_readable_but_carries_no_carriage_return() {
    let repo = TestRepo::initialized();
    repo.ok(&[
        "new",
        "Title",
        "--severity",
        "SEV3",
        "--summary",
        "first line\r\nsecond\tline\rthird",
    ]);
    let out = repo.ok(&["show", "INC-1"]);
    assert!(
        out.contains("  first line\n  second\tline\\rthird\n"),
        "{out:?}"
    );
}

#[test]
fn json_keeps_the_exact_text() {
    let (repo, _) = hostile(&escapes);
    let incident = repo.json(&["show", "INC-1"]);
    for (key, field) in [
        ("title", "title"),
        ("summary", "summary"),
        ("customer_impact", "customer_impact"),
        ("commander", "commander"),
        ("severity", "severity"),
    ] {
        assert_eq!(incident[key], escapes(field), "{key}");
    }
    assert_eq!(incident["services"][0], escapes("service"));
    assert_eq!(incident["roles"]["comms"], escapes("comms"));
    assert_eq!(incident["timeline"][0]["text"], escapes("timeline"));
    let pm = repo.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(pm["owner"], escapes("owner"));
    assert_eq!(
        pm["root_cause"]["statement"],
        format!(
            "{} {}",
            escapes("root_cause.statement"),
            escapes("participants")
        )
    );
    assert_eq!(pm["action"][0]["title"], escapes("action title"));
    assert_eq!(pm["action"][0]["notes"], escapes("notes"));
    let actions = repo.json(&["action", "list"]);
    assert_eq!(actions[0]["owner"], escapes("action owner"));
}

#[test]
fn sync_reports_conflicting_values_escaped() {
    let team = Team::new();
    let alice = &team.alice;
    alice.ok(&["new", &escapes("title"), "--severity", "SEV2"]);
    alice.ok(&["sync"]);
    let bob = team.clone();
    alice.tick(60);
    alice.ok(&["set", "INC-1", &format!("summary={}", escapes("remote"))]);
    alice.ok(&["sync"]);
    bob.tick(120);
    bob.ok(&["set", "INC-1", &format!("summary={}", escapes("local"))]);
    let output = bob.run(&["--json", "sync"]);
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_no_raw_control("sync stderr", &stderr);
    assert!(stderr.contains("conflict: INC-1 summary"), "{stderr}");
    assert!(stderr.contains("\"remote \\e[2J"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["conflicts"][0]["theirs"], escapes("remote"));
}

// Markdown.

fn events(markdown: &str) -> Vec<Event<'_>> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .collect()
}

/// No raw HTML (bar our `<br>`), no code block, no injected heading, quote or list
/// item: the user's markup is all text.
fn assert_all_text(what: &str, markdown: &str) {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events(markdown).into_iter());
    for raw in ["<!--", "<script", "</details>", "<pre>"] {
        assert!(!html.contains(raw), "{what}: {raw} in\n{html}");
    }
    let events = events(markdown);
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Html(h) | Event::InlineHtml(h) if h.as_ref() != "<br>" => {
                panic!("{what}: raw HTML {h:?} in\n{markdown}")
            }
            Event::Start(Tag::CodeBlock(_)) => panic!("{what}: a code block in\n{markdown}"),
            Event::Start(Tag::Heading { .. } | Tag::Item | Tag::BlockQuote(_)) => {
                let text = text_until_end(&events[i + 1..]);
                for injected in ["heading", " item", " quote"] {
                    assert!(
                        !text.trim_start().starts_with('#') && !text.ends_with(injected),
                        "{what}: injected structure {text:?} in\n{markdown}"
                    );
                }
            }
            _ => {}
        }
    }
}

/// The text up to the end of the element just opened (`<br>` as a line break).
fn text_until_end(events: &[Event<'_>]) -> String {
    let mut depth = 0;
    let mut out = String::new();
    for event in events {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::InlineHtml(h) if h.as_ref() == "<br>" => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Each table's rows as cell texts.
fn tables(markdown: &str) -> Vec<Vec<Vec<String>>> {
    let events = events(markdown);
    let mut tables = Vec::new();
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                tables.last_mut().expect("in a table").push(Vec::new())
            }
            Event::Start(Tag::TableCell) => tables
                .last_mut()
                .and_then(|t: &mut Vec<Vec<String>>| t.last_mut())
                .expect("in a row")
                .push(text_until_end(&events[i + 1..])),
            _ => {}
        }
    }
    tables
}

/// What a table cell shows of `text`: each line without blanks at its ends.
fn cell_text(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join("\n")
}

fn visible(markdown: &str) -> String {
    let events = events(markdown);
    text_until_end(&events)
}

fn row<'t>(tables: &'t [Vec<Vec<String>>], first: &str) -> &'t [String] {
    tables
        .iter()
        .flatten()
        .find(|row| row.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("no row {first:?} in {tables:?}"))
}

#[test]
fn review_markdown_cannot_hide_findings_or_the_publishing_row() {
    let (repo, reviewing) = hostile(&markup);
    let md = repo.ok(&[
        "review",
        &format!("{reviewing}..incidents"),
        "--format",
        "md",
    ]);
    assert_all_text("review", &md);
    let tables = tables(&md);
    assert_eq!(row(&tables, "status"), ["status", "in_review", "published"]);
    for table in &tables {
        assert!(
            table.iter().all(|row| row.len() == table[0].len()),
            "{table:?}"
        );
    }
    let text = visible(&md);
    for finding in [
        "Check",
        "the root cause names participants <!-- ``` </details> <script>",
        "keep it blameless",
        "the 5 Whys chain has 1 step(s)",
    ] {
        assert!(text.contains(finding), "{finding} hidden in\n{md}");
    }
}

#[test]
fn postmortem_markdown_cannot_hide_action_items() {
    let (repo, _) = hostile(&markup);
    let md = repo.ok(&["postmortem", "show", "INC-1", "--format", "md"]);
    assert_all_text("postmortem show", &md);
    let tables = tables(&md);
    let action = row(&tables, "INC-1.A1");
    assert_eq!(action.len(), 7, "{action:?}");
    assert_eq!(action[2], cell_text(&markup("action title")));
    assert_eq!(action[3], cell_text(&markup("action owner")));
    assert!(
        action[6].starts_with("https://tracker.example/"),
        "{action:?}"
    );
    // Paragraph text keeps its lines, each shown as text.
    let text = visible(&md);
    assert!(
        text.contains("# response heading\n> response quote\n- response item"),
        "{text}"
    );
    assert!(text.contains("Action items"), "{md}");
}

#[test]
fn every_markdown_output_keeps_user_markup_as_text() {
    let (repo, reviewing) = hostile(&markup);
    for args in reads(&reviewing) {
        if args.last().is_some_and(|a| a == "md") || args.contains(&"md".to_string()) {
            let (out, _) = run(&repo, &args);
            assert_all_text(&format!("{args:?}"), &out);
            let tables = tables(&out);
            for table in &tables {
                assert!(
                    table.iter().all(|row| row.len() == table[0].len()),
                    "{args:?}: {table:?}"
                );
            }
            assert!(
                visible(&out).contains(
                    "<!-- ``` </details> <script>alert(1)</script> | *a* _b_ [c](https://x) \\"
                ),
                "{args:?} hides user text:\n{out}"
            );
        }
    }
    let md = repo.ok(&["show", "INC-1", "--format", "md"]);
    let tables = tables(&md);
    let timeline = tables.last().expect("timeline table");
    assert_eq!(timeline[1].len(), 5);
    assert_eq!(timeline[1][3], cell_text(&markup("timeline")));
}
