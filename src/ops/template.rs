//! The postmortem skeleton: a TOML file whose comments teach how to write a blameless
//! postmortem while it is filled in, in the team's language, pre-filled with what the
//! incident already knows.

use chrono::NaiveDate;
use toml_edit::Value;

use crate::model::{Config, Incident, Language, Times, Zone};
use crate::render::incident::short_time;
use crate::render::safe;
use crate::store::layout;

/// The guidance for each section, in one language.
struct Guide {
    title: &'static str,
    blameless: &'static str,
    facts: &'static str,
    severity: &'static str,
    commander: &'static str,
    times: Times<&'static str>,
    due: &'static str,
    due_pending: &'static str,
    timeline: &'static str,
    how: &'static str,
    status: &'static str,
    owner: &'static str,
    participants: &'static str,
    summary: &'static str,
    impact: &'static str,
    trigger: &'static str,
    detection: &'static str,
    response: &'static str,
    whys: &'static str,
    statement: &'static str,
    contributing_factors: &'static str,
    mental_models: &'static str,
    went_well: &'static str,
    went_wrong: &'static str,
    where_lucky: &'static str,
    kpt: &'static str,
    lessons: &'static str,
    links: &'static str,
    actions: &'static str,
}

const EN: Guide = Guide {
    title: "Postmortem of",
    blameless: "\
This postmortem is blameless: it looks for what in our systems and processes let
this happen, not for who made a mistake. Everyone acted on what they knew at the
time, so for each decision ask what made it look reasonable then. Write about
systems, not people, and leave names out of the root cause.",
    facts: "What the incident recorded (incident.toml stays the source of truth):",
    severity: "severity",
    commander: "commander",
    times: Times {
        started: "started",
        detected: "detected",
        acknowledged: "acknowledged",
        mitigated: "mitigated",
        resolved: "resolved",
        closed: "closed",
    },
    due: "publish by",
    due_pending: "publish within {days} days of resolution ({severity})",
    timeline: "Timeline, for reference while you write:",
    how: "\
Fill it in with `git incident postmortem set {id} KEY=VALUE`, or edit the whole
file with `git incident edit {id} --postmortem`. Then:
  git incident postmortem status {id} in_review   (and open a pull request)
  git incident postmortem status {id} published   (runs the `git incident check` rules)",
    status: "draft -> in_review -> published. Publishing needs an owner, a summary, a root cause\nstatement and at least one action item.",
    owner: "Who drives this postmortem to publication (not who caused anything).",
    participants: "Everyone who took part: responders, support, whoever joined the call.",
    summary: "Summary: what happened, the impact and how it ended, in two or three sentences\nthat someone outside the team understands.",
    impact: "Impact: who was affected, how and for how long. Numbers when you have them\n(failed requests, customers, support tickets, revenue).",
    trigger: "Trigger: the change or event that set it off (a deploy, a config change, a traffic\nspike). A trigger is not the root cause: it met a weakness that was already there.",
    detection: "Detection: how we found out (an alert, a customer, a colleague) and how long it took.\nCould we have known sooner?",
    response: "Response: what was done to mitigate and resolve it, and how well that went.",
    whys: "Root cause, by 5 Whys: start from the symptom and keep asking \"why?\" until you\nreach a cause in the system (a missing safeguard, a gap in a process), not in a\nperson. \"Someone made a mistake\" is never the last why: ask why the system let the\nmistake through. One answer per entry, usually about five.",
    statement: "The root cause in one sentence, taken from the last why.",
    contributing_factors: "Contributing factors: other conditions that made it possible, bigger or longer.",
    mental_models: "Mental models: what the responders believed at each turn, and why it made sense\nat the time. Where that belief and reality differed is what to improve.",
    went_well: "What went well: keep doing these.",
    went_wrong: "What went wrong: in the response, the tooling, the communication.",
    where_lucky: "Where we got lucky: what could easily have made it much worse.",
    kpt: "Keep / Problem / Try (KPT): a short retrospective of the response itself.\nKeep: what to keep doing. Problem: what got in the way. Try: what to try next time.",
    lessons: "Lessons: what we learned that other teams should know.",
    links: "Links: dashboards, chat threads, pull requests, related documents.",
    actions: "\
Action items. Add them with
  git incident action add {id} \"TITLE\" --kind prevent|detect|mitigate|process --owner WHO --due YYYY-MM-DD
Have both kinds: `prevent` items stop a recurrence; `detect` and `mitigate` items make
the next occurrence noticed sooner and contained faster, because something will go
wrong again. Give each item one owner and a due date, and prefer a few concrete items
that will get done over a long list that will not.",
};

const JA: Guide = Guide {
    title: "ポストモーテム:",
    blameless: "\
このポストモーテムはブレームレス（非難しない）で書きます。目的は「誰が間違えたか」ではなく、
「仕組みやプロセスの何がそれを起こりうるものにしていたか」を見つけて改善することです。
当事者はその時点で知っていた情報をもとに判断しています。判断ごとに
「なぜその時はそれが妥当に見えたのか」を問い、人ではなく仕組みを主語にして書いてください。
根本原因には個人名を書きません。",
    facts: "インシデントの記録（正は incident.toml です）:",
    severity: "重大度",
    commander: "指揮者（IC）",
    times: crate::render::postmortem::TIME_LABELS_JA,
    due: "公開期限",
    due_pending: "解決から {days} 日以内に公開（{severity}）",
    timeline: "タイムライン（記入時の参考に）:",
    how: "\
記入は `git incident postmortem set {id} KEY=VALUE` で項目ごとに、または
`git incident edit {id} --postmortem` でファイル全体を編集します。その後:
  git incident postmortem status {id} in_review   （プルリクエストでレビューを依頼）
  git incident postmortem status {id} published   （`git incident check` のルールを満たせば公開）",
    status: "draft（下書き）→ in_review（レビュー中）→ published（公開）。公開には owner、summary、\n根本原因（statement）、アクションアイテム1件以上が必要です。",
    owner: "このポストモーテムを公開まで進める担当者です（原因を作った人ではありません）。",
    participants: "対応に関わった全員: 対応者、カスタマーサポート、途中から参加した人も含めます。",
    summary: "概要: 何が起き、どんな影響があり、どう収束したかを、チーム外の人にも分かるように\n2〜3文で書きます。",
    impact: "影響: 誰に、どのような影響が、どのくらいの時間あったか。数字があれば書きます\n（失敗したリクエスト数、影響を受けた顧客数、問い合わせ件数など）。",
    trigger: "きっかけ: 引き金になった変更や出来事（デプロイ、設定変更、アクセス急増など）。\nきっかけは根本原因ではありません。もともとあった弱点にそれが当たった、と考えます。",
    detection: "検知: どうやって気づいたか（アラート、顧客からの問い合わせ、社内の誰か）と、\n気づくまでにかかった時間。もっと早く気づけなかったか。",
    response: "対応: 影響を抑えて解決するために何をしたか。その対応はうまく機能したか。",
    whys: "根本原因（なぜなぜ分析）: 症状から始めて「なぜ？」を繰り返し、人ではなく仕組みの\n原因（欠けていた安全策、プロセスの抜け）にたどり着くまで掘り下げます。\n「誰かがミスをした」で止めず、「なぜ仕組みがそのミスを防げなかったのか」を問います。\n1つの「なぜ」に1項目、目安は5段です。",
    statement: "根本原因を一文で（最後の「なぜ」の答えから）。",
    contributing_factors: "寄与要因: 発生を可能にした、または影響を大きく・長くした他の条件。",
    mental_models: "メンタルモデル: 対応者がその時々に何を前提にしていたか、なぜその時はそれが妥当に\n思えたのか。認識と実態のずれこそが改善すべき点です。",
    went_well: "うまくいったこと（今後も続けたいこと）。",
    went_wrong: "うまくいかなかったこと（対応、ツール、コミュニケーション）。",
    where_lucky: "運が良かったこと: 一歩間違えばもっと大きな事態になっていた点。",
    kpt: "KPT（Keep / Problem / Try）: 対応そのものの振り返りです。\nKeep は続けたいこと、Problem は困ったこと、Try は次に試すこと。",
    lessons: "学び: 他のチームにも共有したいこと。",
    links: "関連リンク: ダッシュボード、チャットのスレッド、プルリクエスト、関連ドキュメント。",
    actions: "\
アクションアイテムは次のコマンドで追加します:
  git incident action add {id} \"タイトル\" --kind prevent|detect|mitigate|process --owner 担当者 --due YYYY-MM-DD
再発防止（prevent）だけでなく、検知・影響の抑制（detect / mitigate）も必ず入れてください。
障害はまた起きるものなので、次はより早く気づき、より小さく抑えられるようにします。
各項目に担当者を1人と期限を決めます。多すぎて終わらない一覧より、確実に終わる
具体的な少数の項目を選びます。",
};

fn guide(language: Language) -> &'static Guide {
    match language {
        Language::En => &EN,
        Language::Ja => &JA,
    }
}

/// The date a postmortem should be published by, in the team's zone: the day the
/// deadline metrics use (`Config::postmortem_due`) falls on. `None` until the incident is resolved or when no deadline is set.
pub fn due_date(config: &Config, incident: &Incident, zone: Zone) -> Option<NaiveDate> {
    let due = config.postmortem_due(&incident.severity, incident.times.resolved?.timestamp())?;
    let due = chrono::DateTime::from_timestamp(due, 0)?.fixed_offset();
    Some(zone.convert(due).date_naive())
}

/// `text` as comment lines, each safe whatever it holds: a TOML comment ends at a
/// newline and may hold no other control character.
fn comment(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "#\n".to_string()
            } else {
                format!("# {}\n", safe::line(line))
            }
        })
        .collect()
}

/// People the incident names: the commander, the roles and whoever wrote the timeline.
fn known_participants(incident: &Incident) -> Vec<String> {
    let mut people: Vec<String> = Vec::new();
    let names = incident
        .commander
        .iter()
        .chain(incident.roles.values())
        .chain(incident.timeline.iter().filter_map(|e| e.author.as_ref()));
    for name in names {
        let name = name.trim();
        if !name.is_empty() && !people.iter().any(|p| p == name) {
            people.push(name.to_string());
        }
    }
    people
}

/// The text of a new postmortem.toml for `incident`.
pub fn postmortem_template(
    config: &Config,
    incident: &Incident,
    owner: Option<&str>,
    zone: Zone,
) -> String {
    let g = guide(config.language);
    let id = incident.id.as_str();
    let fill = |text: &str| text.replace("{id}", id);
    let mut out = layout::schema_directive(layout::POSTMORTEM_FILE);
    // User text lands in comments: one line each, without the control characters a
    // TOML comment cannot hold.
    out.push_str(&comment(&format!(
        "{} {id}: {}",
        g.title,
        safe::line(&incident.title)
    )));
    out.push_str("#\n");
    out.push_str(&comment(g.blameless));
    out.push_str("#\n");
    out.push_str(&comment(g.facts));
    let mut facts: Vec<(&str, String)> =
        vec![(g.severity, safe::line(&incident.severity).into_owned())];
    if let Some(commander) = &incident.commander {
        facts.push((g.commander, safe::line(commander).into_owned()));
    }
    for (key, t) in incident.times.known() {
        facts.push((g.times.get(key), short_time(t, zone)));
    }
    match due_date(config, incident, zone) {
        Some(due) => facts.push((g.due, due.format("%Y-%m-%d").to_string())),
        None => {
            if let Some(days) = config
                .severity(&incident.severity)
                .and_then(|s| s.postmortem_due_days)
            {
                let text = g
                    .due_pending
                    .replace("{days}", &days.to_string())
                    .replace("{severity}", &safe::line(&incident.severity));
                facts.push((g.due, text));
            }
        }
    }
    let width = facts
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(*k))
        .max()
        .unwrap_or(0);
    for (label, value) in &facts {
        let pad = width - unicode_width::UnicodeWidthStr::width(*label);
        out.push_str(&format!(
            "#   {label}{}  {}\n",
            " ".repeat(pad),
            safe::line(value)
        ));
    }
    if !incident.timeline.is_empty() {
        out.push_str("#\n");
        out.push_str(&comment(g.timeline));
        let mut timeline: Vec<_> = incident.timeline.iter().collect();
        timeline.sort_by_key(|entry| entry.at);
        for entry in timeline {
            let text = safe::line(&entry.text);
            out.push_str(&format!(
                "#   {}  {:<13} {text}\n",
                short_time(entry.at, zone),
                entry.kind.as_str()
            ));
        }
    }
    out.push_str("#\n");
    out.push_str(&comment(&fill(g.how)));
    out.push('\n');
    out.push_str(&format!(
        "schema_version = {}\n",
        crate::model::postmortem::SCHEMA_VERSION
    ));
    out.push_str(&format!("incident = {}\n", Value::from(id)));
    out.push_str(&comment(g.status));
    out.push_str("status = \"draft\"\n\n");
    out.push_str(&comment(g.owner));
    match owner.map(str::trim).filter(|o| !o.is_empty()) {
        Some(owner) => out.push_str(&format!("owner = {}\n", Value::from(owner))),
        None => out.push_str("# owner = \"\"\n"),
    }
    out.push_str(&comment(g.participants));
    let participants = known_participants(incident);
    out.push_str(&format!(
        "participants = {}\n",
        crate::store::edit::string_array(&participants)
    ));
    let sections: [(&str, &str, &str); 17] = [
        (g.summary, "summary", "\"\""),
        (g.impact, "impact", "\"\""),
        (g.trigger, "trigger", "\"\""),
        (g.detection, "detection", "\"\""),
        (g.response, "response", "\"\""),
        (g.whys, "root_cause.whys", "[]"),
        (g.statement, "root_cause.statement", "\"\""),
        (g.contributing_factors, "contributing_factors", "[]"),
        (g.mental_models, "mental_models", "[]"),
        (g.went_well, "went_well", "[]"),
        (g.went_wrong, "went_wrong", "[]"),
        (g.where_lucky, "where_lucky", "[]"),
        (g.kpt, "kpt.keep", "[]"),
        ("", "kpt.problem", "[]"),
        ("", "kpt.try", "[]"),
        (g.lessons, "lessons", "[]"),
        (g.links, "links", "[]"),
    ];
    for (guidance, key, empty) in sections {
        // Keys of one group (root_cause.*, kpt.*) stay together under one comment.
        if !guidance.is_empty() && !key.ends_with(".statement") {
            out.push('\n');
        }
        out.push_str(&comment(guidance));
        out.push_str(&format!("{key} = {empty}\n"));
    }
    out.push('\n');
    out.push_str(&comment(&fill(g.actions)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Postmortem;

    fn incident() -> Incident {
        toml::from_str(
            r#"
schema_version = 1
id = "INC-7"
uid = "u"
title = "Checkout returns 500"
severity = "SEV2"
status = "resolved"
commander = "ana"
[times]
started = 2026-11-20T09:50:00+09:00
resolved = 2026-11-20T11:00:00+09:00
[[timeline]]
at = 2026-11-20T10:00:00+09:00
kind = "alert"
text = "5xx alert fired"
author = "ben"
"#,
        )
        .unwrap()
    }

    #[test]
    fn both_languages_parse_and_prefill() {
        let zone = Zone::Named(chrono_tz::Asia::Tokyo);
        for (language, word) in [(Language::En, "5 Whys"), (Language::Ja, "なぜなぜ分析")] {
            let config = Config {
                language,
                ..Config::default()
            };
            let text = postmortem_template(&config, &incident(), Some("pat"), zone);
            let pm: Postmortem = toml::from_str(&text).unwrap();
            assert_eq!(pm.incident, "INC-7");
            assert_eq!(pm.owner.as_deref(), Some("pat"));
            assert_eq!(pm.participants, ["ana", "ben"]);
            assert!(text.starts_with("#:schema ../../../schema/postmortem.schema.json\n"));
            assert!(text.contains(word), "{text}");
            assert!(text.contains("2026-11-27"), "due date: {text}");
            assert!(text.contains("5xx alert fired"));
        }
    }

    #[test]
    fn due_date_is_resolution_plus_the_severity_days() {
        let zone = Zone::Named(chrono_tz::Asia::Tokyo);
        let due = due_date(&Config::default(), &incident(), zone).unwrap();
        assert_eq!(due.to_string(), "2026-11-27");
        let mut open = incident();
        open.times.resolved = None;
        assert_eq!(due_date(&Config::default(), &open, zone), None);
    }
}
