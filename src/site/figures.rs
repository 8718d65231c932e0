//! `metrics.html`: the figures of `metrics` for the last 90 days, the last 365 days and
//! all time, as of the tip commit's time. The page embeds, for each window, exactly the
//! object `metrics --json` prints for it (`<script id="metrics-data">`), and every
//! figure shown carries `data-metric` and `data-value`, so a test can hold the page to
//! the command. Charts break the window down by month.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::metrics::{
    self, Context, DURATIONS, Figure, GroupBy, IncidentFacts, Seconds, Summary, Window, month_key,
};
use crate::model::time::format_duration;
use crate::model::{ActionStatus, Config, Zone};
use crate::render::metrics::json;
use crate::render::postmortem::words;
use crate::site::actions::as_of_line;
use crate::site::charts::{self, Kind, Series};
use crate::site::html::{esc, script_json};
use crate::site::i18n::{self, Chrome};
use crate::site::layout::{Frame, Nav};

const DAY: Seconds = 86_400;

/// One window's figures and their breakdown by month.
pub struct WindowFigures {
    /// The key in the embedded JSON and the section's `data-window`.
    pub key: &'static str,
    pub summary: Summary,
    /// `metrics --json` for this window.
    pub json: Value,
    months: Vec<String>,
    by_month: BTreeMap<String, Summary>,
    opened: BTreeMap<String, usize>,
    done: BTreeMap<String, usize>,
}

/// The three windows as of `now`; "all time" starts at the first detected incident.
pub fn windows(
    incidents: &[IncidentFacts],
    config: &Config,
    zone: Zone,
    now: Seconds,
) -> Vec<WindowFigures> {
    let first = incidents
        .iter()
        .filter(|i| !i.drill)
        .filter_map(|i| i.times.detected)
        .min()
        .unwrap_or(now)
        .min(now);
    [
        ("last_90_days", Window::new(now, None, None)),
        (
            "last_365_days",
            Window::new(now, Some(now - 365 * DAY), None),
        ),
        ("all_time", Window::new(now, Some(first), None)),
    ]
    .into_iter()
    .map(|(key, window)| figures(key, incidents, config, zone, window))
    .collect()
}

fn figures(
    key: &'static str,
    incidents: &[IncidentFacts],
    config: &Config,
    zone: Zone,
    window: Window,
) -> WindowFigures {
    let ctx = Context {
        config,
        window,
        zone,
    };
    let chosen = metrics::in_window(incidents, &window);
    let summary = metrics::summarize(&chosen, &ctx);
    let months: Vec<String> = metrics::monthly_counts(&chosen, &ctx)
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let by_month = metrics::grouped(&chosen, GroupBy::Month, &ctx)
        .into_iter()
        .map(|g| (g.key, g.summary))
        .collect();
    // Action items by the month they were added and the month they were done, over
    // the incidents metrics count.
    let mut opened = BTreeMap::new();
    let mut done = BTreeMap::new();
    let counted = incidents.iter().filter(|i| !i.drill && !i.is_canceled());
    for action in counted
        .filter_map(|i| i.postmortem.as_ref())
        .flat_map(|p| &p.actions)
    {
        if let Some(created) = action.created.filter(|t| window.contains(*t)) {
            *opened.entry(month_key(created, zone)).or_insert(0) += 1;
        }
        if action.status == ActionStatus::Done
            && let Some(at) = action.done_at.filter(|t| window.contains(*t))
        {
            *done.entry(month_key(at, zone)).or_insert(0) += 1;
        }
    }
    WindowFigures {
        key,
        json: json(&window, zone, &summary, None, None),
        summary,
        months,
        by_month,
        opened,
        done,
    }
}

fn seconds_cell(metric: &str, value: Option<Seconds>) -> String {
    match value {
        Some(v) => format!(
            "<td data-metric=\"{metric}\" data-value=\"{v}\">{}</td>",
            esc(&format_duration(v))
        ),
        None => format!("<td data-metric=\"{metric}\" data-value=\"\">-</td>"),
    }
}

fn count_cell(metric: &str, value: usize) -> String {
    format!("<td data-metric=\"{metric}\" data-value=\"{value}\">{value}</td>")
}

/// `3 / 4`, each figure with its metric: (metric, value) of the part and of the whole.
fn fraction_cell(part: (&str, usize), whole: (&str, usize)) -> String {
    let span = |(metric, value): (&str, usize)| {
        format!("<span data-metric=\"{metric}\" data-value=\"{value}\">{value}</span>")
    };
    format!("<td>{} / {}</td>", span(part), span(whole))
}

fn label(c: &Chrome, key: &str) -> &'static str {
    match key {
        "last_90_days" => c.last_90_days,
        "last_365_days" => c.last_year,
        _ => c.all_time,
    }
}

pub fn render(
    config: &Config,
    windows: &[WindowFigures],
    as_of: &str,
    base_url: Option<&str>,
) -> String {
    let c = i18n::chrome(config.language);
    let mut body = format!("<h1>{}</h1>\n", esc(c.metrics));
    body.push_str(&as_of_line(c, as_of));
    body.push_str("<nav class=\"windows\">");
    for w in windows {
        body.push_str(&format!(
            "<a href=\"#{}\">{}</a> ",
            w.key,
            esc(label(c, w.key))
        ));
    }
    body.push_str("</nav>\n");
    for w in windows {
        body.push_str(&section(config, c, w));
    }
    let data: BTreeMap<&str, &Value> = windows.iter().map(|w| (w.key, &w.json)).collect();
    body.push_str(&format!(
        "<script type=\"application/json\" id=\"metrics-data\">{}</script>\n",
        script_json(&data)
    ));
    Frame {
        chrome: c,
        nav: Nav::Metrics,
        path: "metrics.html",
        base_url,
        title: c.metrics,
        script: None,
    }
    .page(&body)
}

/// `2026-08-25 10:19 – 2026-11-23 10:19 (+09:00)`: the JSON's times (in the team's zone
/// already) to the minute, the offset said once unless daylight saving changed it; the
/// exact times stay in `datetime`.
fn window_range(since: &str, until: &str) -> String {
    let parsed = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let (from, to) = (parsed(since), parsed(until));
    let one_offset = matches!((from, to), (Some(a), Some(b)) if a.offset() == b.offset());
    let time = |raw: &str, t: Option<chrono::DateTime<chrono::FixedOffset>>, offset: bool| {
        let shown = t.map_or_else(
            || raw.to_string(),
            |d| {
                d.format(if offset {
                    "%Y-%m-%d %H:%M (%:z)"
                } else {
                    "%Y-%m-%d %H:%M"
                })
                .to_string()
            },
        );
        format!("<time datetime=\"{}\">{}</time>", esc(raw), esc(&shown))
    };
    if one_offset {
        let offset = to.map(|d| d.format("%:z").to_string()).unwrap_or_default();
        format!(
            "{} – {} <small>({offset})</small>",
            time(since, from, false),
            time(until, to, false)
        )
    } else {
        format!("{} – {}", time(since, from, true), time(until, to, true))
    }
}

fn section(config: &Config, c: &Chrome, w: &WindowFigures) -> String {
    let s = &w.summary;
    let pw = words(config.language);
    let since = w.json["window"]["since"].as_str().unwrap_or_default();
    let until = w.json["window"]["until"].as_str().unwrap_or_default();
    let mut out = format!(
        "<section class=\"window\" id=\"{key}\" data-window=\"{key}\">\n<h2>{}</h2>\n<p class=\"window-range\">{}: {}</p>\n",
        esc(label(c, w.key)),
        esc(c.window),
        window_range(since, until),
        key = w.key
    );
    // Counts, in three tables: incidents, postmortems, action items.
    let table = |out: &mut String, heading: &str, rows: Vec<(String, String)>| {
        out.push_str(&format!(
            "<div class=\"scroll\"><table class=\"figures counts\">\n<caption>{}</caption>\n<tbody>\n",
            esc(heading)
        ));
        for (label, cell) in rows {
            out.push_str(&format!(
                "<tr><th scope=\"row\">{}</th>{cell}</tr>\n",
                esc(&label)
            ));
        }
        out.push_str("</tbody>\n</table></div>\n");
    };
    out.push_str("<div class=\"counts-row\">\n");
    let mut incidents = vec![
        (
            c.all.to_string(),
            count_cell("incidents.total", s.incidents.total),
        ),
        (
            c.canceled.to_string(),
            count_cell("incidents.canceled", s.incidents.canceled),
        ),
    ];
    for (severity, n) in &s.incidents.by_severity {
        incidents.push((
            severity.clone(),
            count_cell(&format!("incidents.by_severity.{}", esc(severity)), *n),
        ));
    }
    let a = &s.ack_target;
    incidents.push((
        c.ack_target_met.to_string(),
        fraction_cell(("ack_target.met", a.met), ("ack_target.count", a.count)),
    ));
    incidents.push((
        c.without_update.to_string(),
        count_cell(
            "time_to_first_update.without_update",
            s.time_to_first_update.without_update,
        ),
    ));
    let gaps = &s.update_gaps;
    incidents.push((
        c.update_gaps.to_string(),
        fraction_cell(
            ("update_gaps.count", gaps.count),
            ("update_gaps.of", gaps.of),
        ),
    ));
    table(&mut out, c.total, incidents);
    let p = &s.postmortems;
    table(
        &mut out,
        c.postmortems,
        vec![
            (
                c.required.to_string(),
                count_cell("postmortems.required", p.required),
            ),
            (
                c.published_title.to_string(),
                count_cell("postmortems.published", p.published),
            ),
            (
                c.overdue.to_string(),
                count_cell("postmortems.overdue", p.overdue),
            ),
        ],
    );
    let ac = &s.actions;
    let mut actions = vec![
        (c.all.to_string(), count_cell("actions.total", ac.total)),
        (
            c.open_items.to_string(),
            count_cell("actions.open", ac.open),
        ),
        (c.done.to_string(), count_cell("actions.done", ac.done)),
        (
            c.wont_do.to_string(),
            count_cell("actions.wont_do", ac.wont_do),
        ),
        (
            c.overdue.to_string(),
            count_cell("actions.overdue", ac.overdue),
        ),
    ];
    for (kind, n) in &ac.by_kind {
        actions.push((
            format!("{}: {kind}", pw.action_columns[1]),
            count_cell(&format!("actions.by_kind.{kind}"), *n),
        ));
    }
    table(&mut out, pw.actions, actions);
    out.push_str("</div>\n");
    // Durations: the formula next to each, as the command states it.
    out.push_str("<div class=\"scroll\"><table class=\"figures durations\">\n<thead><tr>");
    for (i, column) in [c.figure, c.formula, c.count, c.median, c.p90, c.mean]
        .into_iter()
        .enumerate()
    {
        let class = if i == 1 { " class=\"formula\"" } else { "" };
        out.push_str(&format!("<th scope=\"col\"{class}>{}</th>", esc(column)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut rows: Vec<(&str, String, String, Figure)> = DURATIONS
        .iter()
        .enumerate()
        .map(|(i, (key, from, to))| {
            (
                pw.durations[i],
                key.to_string(),
                format!("{} → {}", pw.times.get(*from), pw.times.get(*to)),
                *s.figure(key).expect("every duration has a figure"),
            )
        })
        .collect();
    rows.push((
        c.time_to_first_update,
        "time_to_first_update".into(),
        format!("{} → {}", pw.times.detected, c.first_update),
        s.time_to_first_update.figure,
    ));
    rows.push((
        c.lead_time,
        "postmortems.lead_time".into(),
        format!("{} → {}", pw.times.resolved, pw.published),
        p.lead_time,
    ));
    rows.push((
        c.time_to_done,
        "actions.time_to_done".into(),
        format!("{} → {}", c.opened, c.done),
        ac.time_to_done,
    ));
    for (text, key, formula, figure) in rows {
        let formula = esc(&formula);
        out.push_str(&format!(
            // A phone shows the formula under the figure's name instead of in a column.
            "<tr><th scope=\"row\">{}<small class=\"formula\" aria-hidden=\"true\">{formula}</small></th><td class=\"formula\">{formula}</td>{}{}{}{}</tr>\n",
            esc(text),
            count_cell(&format!("{key}.count"), figure.count),
            seconds_cell(&format!("{key}.median"), figure.median),
            seconds_cell(&format!("{key}.p90"), figure.p90),
            seconds_cell(&format!("{key}.mean"), figure.mean),
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    out.push_str(&charts_of(config, c, w));
    out.push_str("</section>\n");
    out
}

fn charts_of(config: &Config, c: &Chrome, w: &WindowFigures) -> String {
    let pw = words(config.language);
    let months = &w.months;
    let month = |m: &String| w.by_month.get(m);
    // Severities in config.toml's order, then any other that occurs.
    let mut severities: Vec<String> = config.severity.iter().map(|s| s.name.clone()).collect();
    for s in w
        .by_month
        .values()
        .flat_map(|s| s.incidents.by_severity.keys())
    {
        if !severities.contains(s) {
            severities.push(s.clone());
        }
    }
    let stacked: Vec<Series<usize>> = severities
        .iter()
        .map(|sev| Series {
            name: sev.clone(),
            values: months
                .iter()
                .map(|m| {
                    month(m)
                        .and_then(|s| s.incidents.by_severity.get(sev))
                        .copied()
                        .unwrap_or(0)
                })
                .collect(),
        })
        .collect();
    let id = |name: &str| format!("{}-{name}", w.key);
    let mut out = charts::bars(
        &id("incidents"),
        c.incidents_per_month,
        c.month,
        c.no_data,
        months,
        &stacked,
        Kind::Stacked,
    );
    let label = |v: i64| format_duration(v);
    for (i, key) in ["time_to_acknowledge", "time_to_mitigate", "time_to_resolve"]
        .iter()
        .enumerate()
    {
        let pick = |f: &Figure, median: bool| if median { f.median } else { f.p90 };
        let series: Vec<Series<Option<i64>>> = [(c.median, true), (c.p90, false)]
            .into_iter()
            .map(|(name, median)| Series {
                name: name.to_string(),
                values: months
                    .iter()
                    .map(|m| {
                        month(m)
                            .and_then(|s| s.figure(key))
                            .and_then(|f| pick(f, median))
                    })
                    .collect(),
            })
            .collect();
        out.push_str(&charts::lines(
            &id(key),
            pw.durations[i + 1],
            c.month,
            c.no_data,
            months,
            &series,
            &label,
        ));
    }
    let lead: Vec<Series<Option<i64>>> = [(c.median, true), (c.p90, false)]
        .into_iter()
        .map(|(name, median)| Series {
            name: name.to_string(),
            values: months
                .iter()
                .map(|m| {
                    month(m).and_then(|s| {
                        let f = s.postmortems.lead_time;
                        if median { f.median } else { f.p90 }
                    })
                })
                .collect(),
        })
        .collect();
    out.push_str(&charts::lines(
        &id("lead-time"),
        c.lead_time,
        c.month,
        c.no_data,
        months,
        &lead,
        &label,
    ));
    let actions = [(c.opened, &w.opened), (c.done, &w.done)]
        .into_iter()
        .map(|(name, counts)| Series {
            name: name.to_string(),
            values: months
                .iter()
                .map(|m| counts.get(m).copied().unwrap_or(0))
                .collect(),
        })
        .collect::<Vec<_>>();
    out.push_str(&charts::bars(
        &id("actions"),
        c.actions_per_month,
        c.month,
        c.no_data,
        months,
        &actions,
        Kind::Grouped,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::window_range;

    #[test]
    fn a_window_reads_as_dates_and_times_in_the_team_zone() {
        assert_eq!(
            window_range("2026-08-25T10:19:00+09:00", "2026-11-23T10:19:01+09:00"),
            "<time datetime=\"2026-08-25T10:19:00+09:00\">2026-08-25 10:19</time> – <time datetime=\"2026-11-23T10:19:01+09:00\">2026-11-23 10:19</time> <small>(+09:00)</small>"
        );
        assert!(
            window_range("2026-03-01T00:00:00+00:00", "2026-05-01T00:00:00+01:00")
                .contains("2026-05-01 00:00 (+01:00)")
        );
    }
}
