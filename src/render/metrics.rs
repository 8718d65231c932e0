//! Metrics for people (medians first, each formula stated), for spreadsheets (CSV),
//! for wikis (Markdown) and for scripts (JSON).

use serde_json::{Value, json};

use crate::metrics::dora::Dora;
use crate::metrics::{DURATIONS, Figure, Group, Summary, Window};
use crate::model::time::format_duration;
use crate::model::{Timestamp, Zone};
use crate::render::csv::{self, Cell};
use crate::render::incident::compact_duration;
use crate::render::{Palette, Table, fit, md, safe, table};

/// Below this many incidents a median says little; the output says so.
pub const FEW: usize = 5;

/// Every duration row: (label, JSON key, formula).
fn duration_rows(summary: &Summary) -> Vec<(&'static str, &'static str, String, Figure)> {
    let mut rows: Vec<_> = DURATIONS
        .iter()
        .map(|(key, from, to)| {
            let label = match *key {
                "time_to_detect" => "time to detect",
                "time_to_acknowledge" => "time to acknowledge",
                "time_to_mitigate" => "time to mitigate",
                _ => "time to resolve",
            };
            let figure = *summary.figure(key).expect("every duration has a figure");
            (label, *key, format!("{from} -> {to}"), figure)
        })
        .collect();
    rows.push((
        "postmortem lead time",
        "postmortems.lead_time",
        "resolved -> published".to_string(),
        summary.postmortems.lead_time,
    ));
    rows.push((
        "action time to done",
        "actions.time_to_done",
        "created -> done".to_string(),
        summary.actions.time_to_done,
    ));
    rows
}

/// The first-update row, shown after the time to resolve (and, in CSV, appended last so
/// that older columns keep their places).
fn first_update_row(summary: &Summary) -> (&'static str, &'static str, String, Figure) {
    (
        "time to first update",
        "time_to_first_update",
        "detected -> first update to cs/customers".to_string(),
        summary.time_to_first_update.figure,
    )
}

/// Every duration row in the order people read them.
fn shown_duration_rows(summary: &Summary) -> Vec<(&'static str, &'static str, String, Figure)> {
    let mut rows = duration_rows(summary);
    rows.insert(DURATIONS.len(), first_update_row(summary));
    rows
}

/// Incidents listed by name in the update-gaps line; `--json` lists them all.
const GAPS_LISTED: usize = 10;

/// Who was left without news: incidents with no update to cs or customers, and those
/// whose updates lapsed for longer than their cadence.
fn update_lines(summary: &Summary) -> Vec<String> {
    let without = summary.time_to_first_update.without_update;
    let gaps = &summary.update_gaps;
    let mut lines = vec![format!(
        "no update to cs or customers: {without} of {} incident{}",
        summary.incidents.total,
        if summary.incidents.total == 1 {
            ""
        } else {
            "s"
        }
    )];
    if gaps.of == 0 {
        lines.push("update gaps: - (no incident has an update cadence)".to_string());
        return lines;
    }
    let mut line = format!(
        "update gaps: {} of {} incident{} with a cadence went longer without an update",
        gaps.count,
        gaps.of,
        if gaps.of == 1 { "" } else { "s" }
    );
    let listed: Vec<String> = gaps
        .incidents
        .iter()
        .take(GAPS_LISTED)
        .map(|gap| {
            format!(
                "{} ({} apart, every {})",
                gap.id,
                compact_duration(gap.longest_gap),
                compact_duration(gap.every)
            )
        })
        .collect();
    if !listed.is_empty() {
        line.push_str(&format!(": {}", listed.join(", ")));
    }
    if gaps.count > GAPS_LISTED {
        line.push_str(&format!(" and {} more", gaps.count - GAPS_LISTED));
    }
    lines.push(line);
    lines
}

fn seconds(value: Option<i64>) -> String {
    value
        .map(format_duration)
        .unwrap_or_else(|| "-".to_string())
}

fn time_text(t: i64, zone: Zone) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|utc| Timestamp(zone.convert(utc.fixed_offset())).to_string())
        .unwrap_or_default()
}

fn day_text(t: i64, zone: Zone) -> String {
    crate::metrics::day_of(t, zone).to_string()
}

pub fn window_json(window: &Window, zone: Zone) -> Value {
    json!({
        "since": time_text(window.since, zone),
        "until": time_text(window.until, zone),
        "as_of": time_text(window.as_of, zone),
    })
}

pub fn json(
    window: &Window,
    zone: Zone,
    overall: &Summary,
    groups: Option<&[Group]>,
    dora: Option<&Dora>,
) -> Value {
    let mut value = match groups {
        Some(groups) => json!({ "groups": groups }),
        None => serde_json::to_value(overall).expect("summaries serialize"),
    };
    if let Some(dora) = dora {
        value["dora"] = serde_json::to_value(dora).expect("DORA figures serialize");
    }
    value["window"] = window_json(window, zone);
    value
}

/// The DORA durations: (label, formula, figure).
fn dora_rows(dora: &Dora) -> [(&'static str, &'static str, Figure); 2] {
    [
        (
            "failed deployment recovery time",
            "deployment -> resolved",
            dora.failed_deployment_recovery_time,
        ),
        (
            "lead time for changes",
            "commit -> deployment",
            dora.lead_time_for_changes,
        ),
    ]
}

/// `10 (1.00 per week)` and `30% (3 of 10)`: the counts behind the rate.
fn dora_lines(dora: &Dora) -> [(&'static str, String); 2] {
    let count = dora.deployments.count;
    let rate = match count {
        0 => "- (no deployment)".to_string(),
        _ => format!(
            "{}% ({} of {count} {} first shipped an incident's cause)",
            (200 * dora.failed_deployments + count) / (2 * count),
            dora.failed_deployments,
            if count == 1 {
                "deployment"
            } else {
                "deployments"
            }
        ),
    };
    [
        (
            "deployments",
            format!("{count} ({:.2} per week)", dora.deployments.per_week),
        ),
        ("change fail rate", rate),
    ]
}

fn dora_block(dora: &Dora, palette: Palette) -> String {
    let mut out = format!(
        "{}
",
        palette.bold("DORA figures")
    );
    for (label, text) in dora_lines(dora) {
        out.push_str(&fit::block(
            &format!("  {label:<18}{text}\n"),
            palette.width,
            2,
        ));
    }
    out.push('\n');
    out.push_str(&duration_table(
        dora_rows(dora)
            .into_iter()
            .map(|(label, formula, figure)| (label, formula.to_string(), figure)),
        palette,
    ));
    out
}

/// The durations as a table indented under its heading: count, median, p90, mean and
/// what each measures from and to.
fn duration_table(
    rows: impl Iterator<Item = (&'static str, String, Figure)>,
    palette: Palette,
) -> String {
    let mut table = Table::new(["", "COUNT", "MEDIAN", "P90", "MEAN", "FROM -> TO"])
        .align_right(1)
        .align_right(2)
        .align_right(3)
        .align_right(4)
        .cut(0, table::TITLE)
        .cut(5, table::SHORT)
        .fit(palette.width.map(|w| w.saturating_sub(2)));
    for (label, formula, figure) in rows {
        table.row([
            label.to_string(),
            figure.count.to_string(),
            seconds(figure.median),
            seconds(figure.p90),
            seconds(figure.mean),
            formula,
        ]);
    }
    let mut out = String::new();
    for line in table.render(|h| palette.bold(h)).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

fn counts_line(summary: &Summary) -> String {
    let severities = summary
        .incidents
        .by_severity
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut line = format!(
        "{} incident{}",
        summary.incidents.total,
        if summary.incidents.total == 1 {
            ""
        } else {
            "s"
        }
    );
    if !severities.is_empty() {
        line.push_str(&format!(" ({severities})"));
    }
    line.push_str(&format!(", {} canceled", summary.incidents.canceled));
    line
}

/// `ack target met  3/4 (75%)`, with `sep` between the label and the figure.
fn ack_target_line(summary: &Summary, sep: &str) -> String {
    let a = &summary.ack_target;
    match a.percent() {
        Some(percent) => format!("ack target met{sep}{}/{} ({percent}%)", a.met, a.count),
        None => format!("ack target met{sep}- (no acknowledged incident with a target)"),
    }
}

fn follow_up_lines(summary: &Summary) -> Vec<String> {
    let p = &summary.postmortems;
    let a = &summary.actions;
    let kinds = a
        .by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        format!(
            "postmortems: {} required, {} published, {} overdue",
            p.required, p.published, p.overdue
        ),
        format!(
            "action items: {} total, {} open ({} overdue), {} done, {} won't do; {kinds}",
            a.total, a.open, a.overdue, a.done, a.wont_do
        ),
    ]
}

fn summary_block(summary: &Summary, palette: Palette) -> String {
    let mut out = String::new();
    out.push_str(&fit::block(
        &format!("{}\n", safe::line(&counts_line(summary))),
        palette.width,
        2,
    ));
    if summary.incidents.total < FEW {
        out.push_str(&format!(
            "{} only {} incident{}: too few for a median to mean much\n",
            palette.warning("warning:"),
            summary.incidents.total,
            if summary.incidents.total == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    out.push('\n');
    out.push_str(&duration_table(
        shown_duration_rows(summary)
            .into_iter()
            .map(|(label, _, formula, figure)| (label, formula, figure)),
        palette,
    ));
    out.push_str(&format!("  {}\n", ack_target_line(summary, "  ")));
    for line in update_lines(summary) {
        out.push_str(&fit::block(&format!("  {line}\n"), palette.width, 4));
    }
    out.push('\n');
    for line in follow_up_lines(summary) {
        out.push_str(&fit::block(&format!("{line}\n"), palette.width, 2));
    }
    out
}

/// A bar of `value` out of `max`, `width` cells wide, in eighths of a cell.
pub fn bar(value: usize, max: usize, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    if max == 0 {
        return String::new();
    }
    let eighths = value * width * 8 / max;
    let mut out = "█".repeat(eighths / 8);
    out.push_str(PARTS[eighths % 8]);
    if out.is_empty() && value > 0 {
        out.push('▏');
    }
    out
}

/// Months shown in the terminal chart: a long window would otherwise print a row
/// for every month back to its start.
const TREND_MONTHS: usize = 24;

fn trend_block(trend: &[(String, usize)]) -> String {
    let cut = trend.len() > TREND_MONTHS;
    let trend = &trend[trend.len().saturating_sub(TREND_MONTHS)..];
    let max = trend.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let mut out = String::from(if cut {
        "incidents per month (the last 24 of the window)\n"
    } else {
        "incidents per month\n"
    });
    for (month, n) in trend {
        let line = format!("  {month}  {:>4}  {}", n, bar(*n, max, 30));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn human(
    window: &Window,
    zone: Zone,
    overall: &Summary,
    groups: Option<&[Group]>,
    dora: Option<&Dora>,
    trend: &[(String, usize)],
    palette: Palette,
) -> String {
    let mut out = fit::block(
        &format!(
            "{} {} to {}; drills and canceled incidents left out\n\n",
            palette.bold("Incidents detected"),
            day_text(window.since, zone),
            day_text(window.until - 1, zone),
        ),
        palette.width,
        2,
    );
    match groups {
        None => out.push_str(&summary_block(overall, palette)),
        Some(groups) => {
            if groups.is_empty() {
                out.push_str("no incidents in this window\n");
            }
            for group in groups {
                out.push_str(&format!(
                    "{}\n",
                    palette.bold(&format!("== {} ==", group.key))
                ));
                out.push_str(&summary_block(&group.summary, palette));
                out.push('\n');
            }
        }
    }
    out.push('\n');
    if let Some(dora) = dora {
        out.push_str(&dora_block(dora, palette));
        out.push('\n');
    }
    out.push_str(&trend_block(trend));
    out
}

pub fn markdown(
    window: &Window,
    zone: Zone,
    overall: &Summary,
    groups: Option<&[Group]>,
    dora: Option<&Dora>,
) -> String {
    let mut out = format!(
        "# Incident metrics, {} to {}\n\nIncidents by detection time; drills and canceled incidents are left out. Durations: median, 90th percentile (nearest rank) and mean.\n",
        day_text(window.since, zone),
        day_text(window.until - 1, zone)
    );
    let sections: Vec<(Option<&str>, &Summary)> = match groups {
        None => vec![(None, overall)],
        Some(groups) => groups
            .iter()
            .map(|g| (Some(g.key.as_str()), &g.summary))
            .collect(),
    };
    for (key, summary) in sections {
        out.push('\n');
        if let Some(key) = key {
            out.push_str(&format!("## {}\n\n", md::inline(key)));
        }
        out.push_str(&format!("{}\n\n", md::inline(&counts_line(summary))));
        if summary.incidents.total < FEW {
            out.push_str("> Too few incidents for a median to mean much.\n\n");
        }
        let mut table = Table::new(["Metric", "From -> to", "Count", "Median", "P90", "Mean"]);
        for (label, _, formula, figure) in shown_duration_rows(summary) {
            table.row([
                label.to_string(),
                formula,
                figure.count.to_string(),
                seconds(figure.median),
                seconds(figure.p90),
                seconds(figure.mean),
            ]);
        }
        out.push_str(&table.markdown());
        out.push('\n');
        out.push_str(&format!("- {}\n", ack_target_line(summary, ": ")));
        for line in update_lines(summary)
            .iter()
            .chain(&follow_up_lines(summary))
        {
            out.push_str(&format!("- {line}\n"));
        }
    }
    if let Some(dora) = dora {
        out.push_str("\n## DORA figures\n\n");
        for (label, text) in dora_lines(dora) {
            out.push_str(&format!("- {label}: {}\n", md::inline(&text)));
        }
        out.push('\n');
        let mut table = Table::new(["Metric", "From -> to", "Count", "Median", "P90", "Mean"]);
        for (label, formula, figure) in dora_rows(dora) {
            table.row([
                label.to_string(),
                formula.to_string(),
                figure.count.to_string(),
                seconds(figure.median),
                seconds(figure.p90),
                seconds(figure.mean),
            ]);
        }
        out.push_str(&table.markdown());
    }
    out
}

pub fn csv(overall: &Summary, groups: Option<&[Group]>) -> String {
    let mut header = vec!["group".to_string(), "incidents".into(), "canceled".into()];
    let keys: Vec<&str> = duration_rows(overall).iter().map(|r| r.1).collect();
    for key in &keys {
        let name = key.replace('.', "_");
        for part in ["count", "median", "p90", "mean"] {
            header.push(format!("{name}_{part}"));
        }
    }
    header.extend(
        [
            "postmortems_required",
            "postmortems_published",
            "postmortems_overdue",
            "actions_total",
            "actions_open",
            "actions_done",
            "actions_wont_do",
            "actions_overdue",
            "ack_target_count",
            "ack_target_met",
            "time_to_first_update_count",
            "time_to_first_update_median",
            "time_to_first_update_p90",
            "time_to_first_update_mean",
            "time_to_first_update_without_update",
            "update_gaps_count",
            "update_gaps_of",
        ]
        .map(String::from),
    );
    let mut out = csv::row(&header);
    let rows: Vec<(&str, &Summary)> = match groups {
        None => vec![("all", overall)],
        Some(groups) => groups
            .iter()
            .map(|g| (g.key.as_str(), &g.summary))
            .collect(),
    };
    for (key, summary) in rows {
        let mut fields = vec![
            Cell::from(key),
            Cell::from(summary.incidents.total),
            Cell::from(summary.incidents.canceled),
        ];
        for (_, _, _, figure) in duration_rows(summary) {
            fields.push(Cell::from(figure.count));
            fields.push(Cell::from(figure.median));
            fields.push(Cell::from(figure.p90));
            fields.push(Cell::from(figure.mean));
        }
        let (p, a) = (&summary.postmortems, &summary.actions);
        fields.extend(
            [
                p.required,
                p.published,
                p.overdue,
                a.total,
                a.open,
                a.done,
                a.wont_do,
                a.overdue,
                summary.ack_target.count,
                summary.ack_target.met,
            ]
            .map(Cell::from),
        );
        let first = &summary.time_to_first_update;
        fields.extend([
            Cell::from(first.figure.count),
            Cell::from(first.figure.median),
            Cell::from(first.figure.p90),
            Cell::from(first.figure.mean),
            Cell::from(first.without_update),
            Cell::from(summary.update_gaps.count),
            Cell::from(summary.update_gaps.of),
        ]);
        out.push_str(&csv::row(fields));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_trend_chart_shows_at_most_two_years() {
        let trend: Vec<(String, usize)> = (0..30).map(|m| (format!("m{m:02}"), m)).collect();
        let chart = super::trend_block(&trend);
        assert_eq!(chart.lines().count(), 1 + 24);
        assert!(chart.starts_with("incidents per month (the last 24 of the window)"));
        assert!(chart.contains("m29") && !chart.contains("m05"));
        assert_eq!(super::trend_block(&trend[..3]).lines().count(), 4);
    }

    #[test]
    fn the_change_fail_rate_counts_its_deployments_in_words() {
        let dora = |count, failed| crate::metrics::dora::Dora {
            deployments: crate::metrics::dora::Deployments {
                count,
                per_week: 1.0,
            },
            failed_deployments: failed,
            change_fail_rate: None,
            failed_deployment_recovery_time: crate::metrics::Figure::of(Vec::new()),
            lead_time_for_changes: crate::metrics::Figure::of(Vec::new()),
        };
        let rate = |count, failed| super::dora_lines(&dora(count, failed))[1].1.clone();
        assert_eq!(rate(0, 0), "- (no deployment)");
        assert_eq!(
            rate(1, 0),
            "0% (0 of 1 deployment first shipped an incident's cause)"
        );
        assert_eq!(
            rate(3, 1),
            "33% (1 of 3 deployments first shipped an incident's cause)"
        );
    }
}
