//! The response flow for people: the steps `new` prints, and the checklist `task` shows,
//! one line a step with ids, titles and timings in aligned columns.

use crate::model::flow::TaskState;
use crate::model::time::format_duration;
use crate::model::{Incident, Step, Timestamp, Zone};
use crate::render::incident::short_time;
use crate::render::{Palette, fit, safe};

/// Where nothing says how wide: a classic terminal (the flow goes to stderr, whose
/// width `new` does not know when its output is captured).
const DEFAULT_WIDTH: usize = 80;
/// What a title keeps however narrow the screen.
const MIN_TITLE: usize = 12;

/// `(within 15m, then every 30m)`: when a step is due.
fn timing(step: &Step) -> String {
    match (&step.within, &step.every) {
        (Some(within), Some(every)) => format!("(within {within}, then every {every})"),
        (Some(within), None) => format!("(within {within})"),
        (None, Some(every)) => format!("(every {every})"),
        (None, None) => String::new(),
    }
}

/// `15m`, `45s`, `1h 05m`: how late or how soon, to the minute once past one.
pub fn span(seconds: i64) -> String {
    match seconds.abs() {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s => format_duration(s),
    }
}

/// Step lines `  [ ] T1  Title  (within 5m)`, columns aligned by display width (CJK
/// titles too) within `width`: a timing that does not fit beside its title goes on
/// the next line, under the title; only a title wider than the line itself is cut.
/// Each step comes with its box, already coloured.
fn step_lines(steps: &[(String, &Step)], width: usize) -> Vec<String> {
    let id_width = steps
        .iter()
        .map(|(_, s)| fit::width(&safe::line(&s.id)))
        .max()
        .unwrap_or(0);
    let lead = 2 + 3 + 1 + id_width + 2;
    let title_width = steps
        .iter()
        .map(|(_, s)| fit::width(&safe::line(&s.title)))
        .max()
        .unwrap_or(0)
        .min(width.saturating_sub(lead).max(MIN_TITLE));
    steps
        .iter()
        .map(|(mark, step)| {
            let id = safe::line(&step.id);
            let title = fit::cut(&safe::line(&step.title), title_width);
            let timing = timing(step);
            let mut line = format!(
                "  {mark} {id}{}  {title}",
                " ".repeat(id_width - fit::width(&id))
            );
            if timing.is_empty() {
                return line;
            }
            if lead + title_width + 2 + fit::width(&timing) <= width {
                line.push_str(&" ".repeat(title_width - fit::width(&title) + 2));
            } else {
                line.push('\n');
                line.push_str(&" ".repeat(lead));
            }
            line.push_str(&timing);
            line
        })
        .collect()
}

/// What `new` (and a raised severity) prints after the ID: `heading`, then the steps.
pub fn flow(heading: &str, steps: &[(bool, &Step)], palette: Palette) -> String {
    let marked: Vec<(String, &Step)> = steps
        .iter()
        .map(|(done, step)| (if *done { "[x]" } else { "[ ]" }.to_string(), *step))
        .collect();
    let mut out = format!("{}\n", safe::line(heading));
    for line in step_lines(&marked, palette.width.unwrap_or(DEFAULT_WIDTH)) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `task ID`: each task with its box (`[x]` done, `[ ]` open, `[!]` overdue), then
/// what was done, by whom and when, and when it is due next.
pub fn checklist(
    incident: &Incident,
    tasks: &[TaskState<'_>],
    zone: Zone,
    now: Timestamp,
    palette: Palette,
) -> String {
    let width = palette.width.unwrap_or(DEFAULT_WIDTH);
    let overdue = tasks.iter().filter(|t| t.overdue).count();
    let done = crate::model::flow::done_count(tasks);
    let mut out = format!(
        "{}  {}\n",
        palette.id(&incident.id),
        safe::line(&incident.title)
    );
    let mut facts = vec![
        safe::line(&incident.severity).into_owned(),
        incident.status.to_string(),
    ];
    if let Some(start) = crate::model::flow::clock_start(incident) {
        let what = match incident.times.detected {
            Some(_) => "detected",
            None => "started",
        };
        facts.push(format!("{what} {}", short_time(start, zone)));
    }
    facts.push(format!("{done} of {} done", tasks.len()));
    if overdue > 0 {
        facts.push(palette.error(&format!("{overdue} overdue")));
    }
    out.push_str(&facts.join(", "));
    out.push('\n');

    let marked: Vec<(String, &Step)> = tasks
        .iter()
        .map(|t| {
            let mark = if t.overdue {
                palette.error("[!]")
            } else if t.done.is_empty() {
                "[ ]".to_string()
            } else {
                "[x]".to_string()
            };
            (mark, t.step)
        })
        .collect();
    let id_width = tasks
        .iter()
        .map(|t| fit::width(&safe::line(&t.step.id)))
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(2 + 3 + 1 + id_width + 2);
    let open = incident.status.is_open();
    let mut body = String::new();
    for (line, task) in step_lines(&marked, width).into_iter().zip(tasks) {
        body.push_str(&line);
        body.push('\n');
        let mut details: Vec<String> = task
            .done
            .iter()
            .map(|done| {
                let mut said = format!("done {}", short_time(done.at, zone));
                if let Some(by) = &done.by {
                    said.push_str(&format!(" by {}", safe::line(by)));
                }
                if let Some(note) = &done.note {
                    said.push_str(&format!(": {}", safe::line(note)));
                }
                said
            })
            .collect();
        let next = match task.due {
            _ if !open && !task.done.is_empty() => None,
            // What was never done stays visible after the incident.
            Some(due) if !open => {
                Some(palette.dim(&format!("not done (was due {})", short_time(due, zone))))
            }
            None if !open => Some(palette.dim("not done")),
            None => None,
            Some(due) if task.overdue => {
                let late = span(due.seconds_until(now));
                let when = short_time(due, zone);
                Some(format!(
                    "due {when}, {}",
                    palette.error(&format!("overdue {late}"))
                ))
            }
            Some(due) => {
                let next = if task.done.is_empty() {
                    "due"
                } else {
                    "next due"
                };
                let left = span(now.seconds_until(due));
                Some(format!("{next} {}, in {left}", short_time(due, zone)))
            }
        };
        details.extend(next);
        if let Some(role) = &task.step.role {
            let role = safe::line(role);
            match details.first_mut() {
                Some(first) => *first = format!("{role} · {first}"),
                None => details.push(role.into_owned()),
            }
        }
        for detail in details {
            body.push_str(&format!("{indent}{detail}\n"));
        }
    }
    out.push_str(&fit::block(&body, Some(width), 2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TimelineEntry, TimelineKind};

    fn at(minute: i64) -> Timestamp {
        let base = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00+09:00").unwrap();
        Timestamp(base + chrono::Duration::minutes(minute))
    }

    fn step(id: &str, title: &str, within: Option<&str>, every: Option<&str>) -> Step {
        Step {
            within: within.map(Into::into),
            every: every.map(Into::into),
            role: Some("comms".into()).filter(|_| every.is_some()),
            ..Step::new(id, title.into())
        }
    }

    fn incident() -> Incident {
        let text = "schema_version = 1\nid = \"INC-12\"\nuid = \"u\"\ntitle = \"決済が失敗する\"\nseverity = \"SEV1\"\nstatus = \"investigating\"\n[times]\ndetected = 2026-12-02T10:00:00+09:00\n";
        let mut incident: Incident = toml::from_str(text).unwrap();
        incident.task = vec![
            step("T1", "インシデントコマンダーを決める", Some("5m"), None),
            step("T2", "Open the status page incident", Some("15m"), None),
            step(
                "T3",
                "Tell customer success in #cs-alerts",
                Some("15m"),
                Some("30m"),
            ),
            step("T5", "Name the postmortem owner", None, None),
        ];
        incident.timeline = vec![TimelineEntry {
            task: Some("T3".into()),
            author: Some("ana".into()),
            ..TimelineEntry::new(
                at(12),
                TimelineKind::Action,
                "T3 Tell customer success in #cs-alerts: posted in #cs-alerts".into(),
            )
        }];
        incident
    }

    #[test]
    fn the_flow_aligns_wide_titles_and_moves_a_timing_that_does_not_fit() {
        let incident = incident();
        let steps: Vec<(bool, &Step)> = incident.task.iter().map(|s| (false, s)).collect();
        let heading = "Response flow for SEV1 (from config.toml):";
        insta::assert_snapshot!(flow(heading, &steps, Palette::plain()));
        insta::assert_snapshot!(flow(heading, &steps, Palette::plain().within(Some(60))));
    }

    #[test]
    fn the_checklist_says_what_was_done_and_what_is_late() {
        let incident = incident();
        let tasks = crate::model::flow::tasks(&incident, at(20));
        let tokyo = Zone::Named(chrono_tz::Asia::Tokyo);
        insta::assert_snapshot!(checklist(
            &incident,
            &tasks,
            tokyo,
            at(20),
            Palette::plain()
        ));
    }
}
