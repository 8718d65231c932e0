//! Postmortems for people: the terminal view, the Markdown document for a wiki or a
//! pull request, and the action-item table. Empty sections are left out; headings
//! follow the team's language.

use crate::model::time::format_duration;
use crate::model::{Action, Config, Incident, Language, Postmortem, Times, Zone};
use crate::ops::action::Listed;
use crate::ops::template::due_date;
use crate::render::incident::{
    TIMELINE_COLUMNS, durations, full_time, timeline_markdown, timeline_table,
};
use crate::render::{Palette, Table, md, safe, table};

/// Headings and labels, in English and Japanese.
pub struct Words {
    pub postmortem: &'static str,
    pub field: &'static str,
    pub value: &'static str,
    pub incident: &'static str,
    pub severity: &'static str,
    pub status: &'static str,
    pub owner: &'static str,
    pub participants: &'static str,
    pub commander: &'static str,
    pub due: &'static str,
    pub published: &'static str,
    pub times: Times<&'static str>,
    pub durations: [&'static str; 4],
    pub summary: &'static str,
    pub impact: &'static str,
    pub trigger: &'static str,
    pub detection: &'static str,
    pub response: &'static str,
    pub timeline: &'static str,
    pub timeline_columns: [&'static str; 5],
    pub root_cause: &'static str,
    pub whys: &'static str,
    pub contributing_factors: &'static str,
    pub mental_models: &'static str,
    pub went_well: &'static str,
    pub went_wrong: &'static str,
    pub where_lucky: &'static str,
    pub kpt: &'static str,
    pub kpt_parts: [&'static str; 3],
    pub lessons: &'static str,
    pub actions: &'static str,
    pub action_columns: [&'static str; 7],
    pub links: &'static str,
}

/// The times' names in Japanese, as the postmortem document and its template say them.
pub const TIME_LABELS_JA: Times<&str> = Times {
    started: "影響開始",
    detected: "検知",
    acknowledged: "対応開始",
    mitigated: "影響の解消",
    resolved: "解決",
    closed: "クローズ",
};

const EN: Words = Words {
    postmortem: "Postmortem",
    field: "Field",
    value: "Value",
    incident: "Incident",
    severity: "Severity",
    status: "Postmortem status",
    owner: "Owner",
    participants: "Participants",
    commander: "Commander",
    due: "Postmortem due",
    published: "Published",
    times: Times {
        started: "Started",
        detected: "Detected",
        acknowledged: "Acknowledged",
        mitigated: "Mitigated",
        resolved: "Resolved",
        closed: "Closed",
    },
    durations: [
        "Time to detect",
        "Time to acknowledge",
        "Time to mitigate",
        "Time to resolve",
    ],
    summary: "Summary",
    impact: "Impact",
    trigger: "Trigger",
    detection: "Detection",
    response: "Response",
    timeline: "Timeline",
    timeline_columns: TIMELINE_COLUMNS,
    root_cause: "Root cause",
    whys: "5 Whys",
    contributing_factors: "Contributing factors",
    mental_models: "Mental models",
    went_well: "What went well",
    went_wrong: "What went wrong",
    where_lucky: "Where we got lucky",
    kpt: "Keep / Problem / Try",
    kpt_parts: ["Keep", "Problem", "Try"],
    lessons: "Lessons",
    actions: "Action items",
    action_columns: ["ID", "Kind", "Title", "Owner", "Due", "Status", "Link"],
    links: "Links",
};

const JA: Words = Words {
    postmortem: "ポストモーテム",
    field: "項目",
    value: "内容",
    incident: "インシデント",
    severity: "重大度",
    status: "ステータス",
    owner: "担当者",
    participants: "参加者",
    commander: "指揮者（IC）",
    due: "公開期限",
    published: "公開日時",
    times: TIME_LABELS_JA,
    durations: [
        "検知までの時間",
        "対応開始までの時間",
        "影響解消までの時間",
        "解決までの時間",
    ],
    summary: "概要",
    impact: "影響",
    trigger: "きっかけ",
    detection: "検知",
    response: "対応",
    timeline: "タイムライン",
    timeline_columns: ["時刻", "種別", "記録者", "内容", "根拠"],
    root_cause: "根本原因",
    whys: "なぜなぜ分析",
    contributing_factors: "寄与要因",
    mental_models: "メンタルモデル",
    went_well: "うまくいったこと",
    went_wrong: "うまくいかなかったこと",
    where_lucky: "運が良かったこと",
    kpt: "KPT",
    kpt_parts: ["Keep", "Problem", "Try"],
    lessons: "学び",
    actions: "アクションアイテム",
    action_columns: ["ID", "種別", "タイトル", "担当者", "期限", "状態", "リンク"],
    links: "関連リンク",
};

/// The labels in the team's language (the site's pages use them too).
pub fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Ja => &JA,
    }
}

fn filled(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The label/value facts at the top of both views.
fn facts(
    w: &Words,
    config: &Config,
    incident: &Incident,
    pm: &Postmortem,
    zone: Zone,
) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        (w.incident, format!("{}: {}", incident.id, incident.title)),
        (w.severity, incident.severity.clone()),
        (w.status, pm.status.to_string()),
    ];
    if let Some(owner) = filled(&pm.owner) {
        facts.push((w.owner, owner.to_string()));
    }
    if !pm.participants.is_empty() {
        facts.push((w.participants, pm.participants.join(", ")));
    }
    if let Some(commander) = filled(&incident.commander) {
        facts.push((w.commander, commander.to_string()));
    }
    for (key, t) in incident.times.known() {
        facts.push((w.times.get(key), full_time(t, zone)));
    }
    let labels = [
        "time to detect",
        "time to acknowledge",
        "time to mitigate",
        "time to resolve",
    ];
    for (name, from, to, seconds) in durations(incident) {
        let index = labels.iter().position(|l| *l == name).unwrap_or(0);
        facts.push((
            w.durations[index],
            format!("{} ({from} → {to})", format_duration(seconds)),
        ));
    }
    if let Some(due) = due_date(config, incident, zone) {
        facts.push((w.due, due.format("%Y-%m-%d").to_string()));
    }
    if let Some(at) = pm.published_at {
        facts.push((w.published, full_time(at, zone)));
    }
    facts
}

/// The text sections in reading order, with their headings.
fn prose<'p>(w: &Words, pm: &'p Postmortem) -> Vec<(&'static str, &'p str)> {
    [
        (w.summary, &pm.summary),
        (w.impact, &pm.impact),
        (w.trigger, &pm.trigger),
        (w.detection, &pm.detection),
        (w.response, &pm.response),
    ]
    .into_iter()
    .filter_map(|(label, text)| Some((label, filled(text)?)))
    .collect()
}

fn lists<'p>(w: &Words, pm: &'p Postmortem) -> Vec<(&'static str, &'p [String])> {
    [
        (w.contributing_factors, &pm.contributing_factors),
        (w.mental_models, &pm.mental_models),
        (w.went_well, &pm.went_well),
        (w.went_wrong, &pm.went_wrong),
        (w.where_lucky, &pm.where_lucky),
    ]
    .into_iter()
    .filter(|(_, items)| !items.is_empty())
    .map(|(label, items)| (label, items.as_slice()))
    .collect()
}

/// An action item's cells as plain text, for the caller to escape.
fn action_cells(action: &Action) -> [String; 7] {
    [
        action.id.clone(),
        action.kind.to_string(),
        action.title.clone(),
        action.owner.clone().unwrap_or_default(),
        action.due.map(|d| d.to_string()).unwrap_or_default(),
        action.status.to_string(),
        action.link.clone().unwrap_or_default(),
    ]
}

/// The postmortem as a Markdown document, ready for a wiki page or a pull request.
pub fn markdown(config: &Config, incident: &Incident, pm: &Postmortem, zone: Zone) -> String {
    let w = words(config.language);
    let incident = &incident.clone().chronological();
    let mut out = format!(
        "# {}: {}\n\n",
        w.postmortem,
        md::inline(&format!("{} {}", incident.id, incident.title))
    );
    let mut table = Table::new([w.field, w.value]);
    for (label, value) in facts(w, config, incident, pm, zone) {
        table.row([label.to_string(), md::cell(&value)]);
    }
    out.push_str(&table.markdown());
    for (label, text) in prose(w, pm) {
        out.push_str(&format!("\n## {label}\n\n{}", md::paragraphs(text)));
    }
    if !incident.timeline.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w.timeline));
        out.push_str(&timeline_markdown(incident, zone, w.timeline_columns));
    }
    let cause = &pm.root_cause;
    let statement = filled(&cause.statement);
    if statement.is_some() || !cause.whys.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w.root_cause));
        if let Some(statement) = statement {
            out.push_str(&md::quote(statement));
        }
        if !cause.whys.is_empty() {
            if statement.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("### {}\n\n", w.whys));
            for (i, why) in cause.whys.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", i + 1, md::inline(why)));
            }
        }
    }
    for (label, items) in lists(w, pm) {
        out.push_str(&format!("\n## {label}\n\n"));
        out.push_str(&md_bullets(items));
    }
    let kpt = [&pm.kpt.keep, &pm.kpt.problem, &pm.kpt.try_];
    if kpt.iter().any(|items| !items.is_empty()) {
        out.push_str(&format!("\n## {}\n", w.kpt));
        for (label, items) in w.kpt_parts.iter().zip(kpt) {
            if !items.is_empty() {
                out.push_str(&format!("\n### {label}\n\n{}", md_bullets(items)));
            }
        }
    }
    if !pm.lessons.is_empty() {
        out.push_str(&format!(
            "\n## {}\n\n{}",
            w.lessons,
            md_bullets(&pm.lessons)
        ));
    }
    if !pm.action.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w.actions));
        let mut table = Table::new(w.action_columns);
        for action in &pm.action {
            let mut cells = action_cells(action).map(|c| md::cell(&c));
            if let Some(link) = &action.link {
                cells[6] = md::autolink(link);
            }
            table.row(cells);
        }
        out.push_str(&table.markdown());
    }
    if !pm.links.is_empty() {
        let links: String = pm
            .links
            .iter()
            .map(|l| format!("- {}\n", md::autolink(l)))
            .collect();
        out.push_str(&format!("\n## {}\n\n{links}", w.links));
    }
    out
}

fn md_bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("- {}\n", md::inline(item)))
        .collect()
}

fn one_line(text: &str) -> String {
    safe::line(text.trim()).into_owned()
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("- {}\n", one_line(item)))
        .collect()
}

fn indent(text: &str) -> String {
    text.trim().lines().map(|l| format!("  {l}\n")).collect()
}

/// The terminal view.
pub fn show(
    config: &Config,
    incident: &Incident,
    pm: &Postmortem,
    zone: Zone,
    palette: Palette,
) -> String {
    let w = words(config.language);
    let incident = &incident.clone().chronological();
    let mut out = format!(
        "{}  {}\n",
        palette.id(&incident.id),
        palette.bold(&format!("{}: {}", w.postmortem, incident.title))
    );
    let facts = facts(w, config, incident, pm, zone);
    let width = facts
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(*k))
        .max()
        .unwrap_or(0);
    for (label, value) in facts.iter().skip(1) {
        let pad = " ".repeat(width - unicode_width::UnicodeWidthStr::width(*label));
        out.push_str(&format!(
            "{}{pad}  {}\n",
            palette.dim(label),
            safe::line(value)
        ));
    }
    let heading = |label: &str| format!("\n{}\n", palette.bold(label));
    for (label, text) in prose(w, pm) {
        out.push_str(&heading(label));
        out.push_str(&indent(&safe::block(text)));
    }
    if !incident.timeline.is_empty() {
        out.push_str(&heading(w.timeline));
        let inner = palette.within(palette.width.map(|w| w.saturating_sub(2)));
        out.push_str(&indent(&timeline_table(incident, zone, inner)));
    }
    let cause = &pm.root_cause;
    if let Some(statement) = filled(&cause.statement) {
        out.push_str(&heading(w.root_cause));
        out.push_str(&indent(&safe::block(statement)));
    }
    if !cause.whys.is_empty() {
        out.push_str(&heading(w.whys));
        for (i, why) in cause.whys.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, one_line(why)));
        }
    }
    let kpt = [&pm.kpt.keep, &pm.kpt.problem, &pm.kpt.try_];
    let mut sections = lists(w, pm);
    for (label, items) in w.kpt_parts.iter().zip(kpt) {
        if !items.is_empty() {
            sections.push((label, items.as_slice()));
        }
    }
    if !pm.lessons.is_empty() {
        sections.push((w.lessons, &pm.lessons));
    }
    if !pm.links.is_empty() {
        sections.push((w.links, &pm.links));
    }
    for (label, items) in sections {
        out.push_str(&heading(label));
        out.push_str(&indent(&bullets(items)));
    }
    if !pm.action.is_empty() {
        out.push_str(&heading(w.actions));
        let mut table = Table::new(w.action_columns.map(str::to_uppercase))
            .cut(2, table::TITLE)
            .cut(6, table::SHORT)
            .cut(3, table::SHORT)
            .fit(palette.width.map(|w| w.saturating_sub(2)));
        for action in &pm.action {
            table.row(action_cells(action).map(|c| safe::line(&c).into_owned()));
        }
        out.push_str(&indent(&table.render(|h| palette.bold(h))));
    }
    crate::render::fit::block(&out, palette.width, 2)
}

/// `action list`: one aligned row per item across incidents; overdue due dates stand out.
pub fn action_table(listed: &[Listed], palette: Palette) -> String {
    let mut table = Table::new(["ID", "KIND", "STATUS", "OWNER", "DUE", "TITLE"])
        .cut(5, table::TITLE)
        .cut(3, table::SHORT)
        .fit(palette.width);
    for item in listed {
        let a = &item.action;
        let due = a.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        // The commit that closed it, and when: the evidence a reader checks first.
        let status = match &a.done_by {
            None => palette.status(a.status.as_str()),
            Some(commit) => format!(
                "{} by {}{}",
                palette.status(a.status.as_str()),
                commit.get(..7).unwrap_or(commit),
                a.done_at
                    .map(|t| format!(", {}", t.0.date_naive()))
                    .unwrap_or_default()
            ),
        };
        table.row([
            palette.id(&a.id),
            a.kind.to_string(),
            status,
            safe::line(a.owner.as_deref().unwrap_or("-")).into_owned(),
            if item.overdue {
                format!("{due} {}", palette.error("overdue"))
            } else {
                due
            },
            safe::line(&a.title).into_owned(),
        ]);
    }
    table.render(|h| palette.bold(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCIDENT: &str = r#"
schema_version = 1
id = "INC-7"
uid = "4f1c"
title = "Checkout charged some cards twice"
severity = "SEV2"
status = "resolved"
commander = "ana"
[times]
started = 2026-11-20T09:50:00+09:00
detected = 2026-11-20T10:00:00+09:00
acknowledged = 2026-11-20T10:04:00+09:00
mitigated = 2026-11-20T10:40:00+09:00
resolved = 2026-11-20T11:30:00+09:00
[[timeline]]
at = 2026-11-20T10:20:00+09:00
kind = "action"
text = "Disabled automatic retries | behind flag"
author = "ben"
links = ["https://grafana.example/d/pay"]
[[timeline]]
at = 2026-11-20T10:00:00+09:00
kind = "alert"
text = "Duplicate-charge alert fired"
author = "ana"
links = ["https://alerts.example/1", "https://chat.example/t/9"]
"#;

    const POSTMORTEM: &str = r#"
schema_version = 1
incident = "INC-7"
status = "published"
owner = "ana"
participants = ["ana", "ben"]
published_at = 2026-11-25T18:00:00+09:00
summary = "For 50 minutes, retried payment requests charged 212 cards twice."
impact = "212 customers were charged twice; all were refunded the same day."
trigger = "A deploy lowered the payment client's timeout from 10s to 2s."
response = """
Retries were disabled behind a flag, which stopped new duplicates.
Refunds were scripted from the payment log."""
root_cause.whys = [
    "Why were cards charged twice? The client retried charges that had succeeded.",
    "Why did it retry? The shorter timeout expired before the provider answered.",
    "Why did a retry charge again? The charge endpoint had no idempotency key.",
]
root_cause.statement = "Charge requests were not idempotent, so any retry could charge again."
contributing_factors = ["The timeout change was reviewed as a config tweak."]
mental_models = ["Responders believed retries were safe because the client library claimed so."]
went_well = ["The duplicate-charge alert fired within 10 minutes."]
where_lucky = ["It happened on a quiet morning."]
kpt.keep = ["Paging the payments on-call first"]
kpt.try = ["A game day on retry storms"]
lessons = ["A retry is only safe when the operation is idempotent."]
links = ["https://wiki.example/payments"]

[[action]]
id = "INC-7.A1"
title = "Idempotency keys on /charge"
kind = "prevent"
owner = "carol"
due = 2026-12-01
status = "in_progress"
link = "https://tracker.example/123"

[[action]]
id = "INC-7.A2"
title = "Alert on duplicate charges per merchant"
kind = "detect"
owner = "dave"
due = 2026-11-30
status = "done"
done_at = 2026-11-28T15:00:00+09:00
"#;

    fn fixture(language: Language) -> (Config, Incident, Postmortem) {
        let config = Config {
            language,
            ..Config::default()
        };
        (
            config,
            toml::from_str(INCIDENT).expect("fixture incident"),
            toml::from_str(POSTMORTEM).expect("fixture postmortem"),
        )
    }

    fn tokyo() -> Zone {
        Zone::Named(chrono_tz::Asia::Tokyo)
    }

    #[test]
    fn markdown_document() {
        let (config, incident, pm) = fixture(Language::En);
        insta::assert_snapshot!(markdown(&config, &incident, &pm, tokyo()));
    }

    #[test]
    fn markdown_document_in_japanese() {
        let (config, incident, pm) = fixture(Language::Ja);
        insta::assert_snapshot!(markdown(&config, &incident, &pm, tokyo()));
    }

    #[test]
    fn empty_sections_are_left_out() {
        let (config, incident, _) = fixture(Language::En);
        let draft: Postmortem = toml::from_str(
            "schema_version = 1\nincident = \"INC-7\"\nstatus = \"draft\"\nsummary = \"\"\nroot_cause.whys = []\n",
        )
        .expect("draft");
        let md = markdown(&config, &incident, &draft, tokyo());
        for absent in [
            "## Summary",
            "## Root cause",
            "## Action items",
            "## Lessons",
        ] {
            assert!(!md.contains(absent), "{absent} in {md}");
        }
        assert!(md.contains("## Timeline"), "{md}");
    }

    #[test]
    fn terminal_view() {
        let (config, incident, pm) = fixture(Language::En);
        insta::assert_snapshot!(show(&config, &incident, &pm, tokyo(), Palette::plain()));
    }
}
