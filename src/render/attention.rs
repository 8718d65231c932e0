//! The attention view for people: one screen of what is open and whose move it is.

use crate::metrics::day_of;
use crate::model::time::format_duration;
use crate::ops::attention::{Attention, age};
use crate::render::incident::severity_rank;
use crate::render::{Palette, Table, fit, safe, table};

fn heading(out: &mut String, palette: Palette, title: &str, count: usize) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("{} ({count})\n", palette.bold(title)));
}

pub fn text(view: &Attention, palette: Palette) -> String {
    let mut out = String::new();
    let now = view.time.now();
    let zone = view.time.zone;

    heading(&mut out, palette, "Open incidents", view.incidents.len());
    if view.incidents.is_empty() {
        out.push_str("none\n");
    } else {
        let mut rows = Table::new(["ID", "SEV", "STATUS", "AGE", "COMMANDER", "TITLE"])
            .cut(5, table::TITLE)
            .cut(4, table::SHORT)
            .fit(palette.width);
        for incident in &view.incidents {
            rows.row([
                palette.id(&incident.id),
                palette.severity(
                    &incident.severity,
                    severity_rank(&view.config, &incident.severity),
                ),
                palette.status(incident.status.as_str()),
                age(incident, now).map(format_duration).unwrap_or_default(),
                safe::line(incident.commander.as_deref().unwrap_or("-")).into_owned(),
                safe::line(&incident.title).into_owned(),
            ]);
        }
        out.push_str(&rows.render(|h| palette.bold(h)));
    }

    // Shown only when something is late: an on-call screen stays short.
    if !view.tasks.is_empty() {
        heading(&mut out, palette, "Overdue tasks", view.tasks.len());
        let mut rows = Table::new(["INCIDENT", "TASK", "OVERDUE", "ROLE", "TITLE"])
            .cut(4, table::TITLE)
            .cut(3, table::SHORT)
            .fit(palette.width);
        for task in &view.tasks {
            rows.row([
                palette.id(&task.incident),
                safe::line(&task.id).into_owned(),
                palette.error(&crate::render::flow::span(task.due.seconds_until(now))),
                safe::line(task.role.as_deref().unwrap_or("-")).into_owned(),
                safe::line(&task.title).into_owned(),
            ]);
        }
        out.push_str(&rows.render(|h| palette.bold(h)));
    }

    let mine = match &view.me {
        Some(me) => format!("Your open action items ({})", safe::line(me)),
        None => "Your open action items".to_string(),
    };
    heading(&mut out, palette, &mine, view.actions.len());
    if view.me.is_none() {
        out.push_str("git does not know your name: set it with `git config user.name`\n");
    } else if view.actions.is_empty() {
        out.push_str("none\n");
    } else {
        let mut rows = Table::new(["ID", "KIND", "STATUS", "DUE", "TITLE"])
            .cut(4, table::TITLE)
            .fit(palette.width);
        for item in &view.actions {
            let a = &item.action;
            let due = a.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
            rows.row([
                palette.id(&a.id),
                a.kind.to_string(),
                palette.status(a.status.as_str()),
                if item.overdue {
                    format!("{due} {}", palette.error("overdue"))
                } else {
                    due
                },
                safe::line(&a.title).into_owned(),
            ]);
        }
        out.push_str(&rows.render(|h| palette.bold(h)));
    }

    heading(
        &mut out,
        palette,
        "Postmortems overdue, due soon or in review",
        view.postmortems.len(),
    );
    if view.postmortems.is_empty() {
        out.push_str("none\n");
    } else {
        let mut rows = Table::new(["INCIDENT", "SEV", "STATUS", "DUE", "OWNER", "TITLE"])
            .cut(5, table::TITLE)
            .cut(4, table::SHORT)
            .fit(palette.width);
        for row in &view.postmortems {
            let due = row
                .due
                .map(|d| day_of(d, zone).to_string())
                .unwrap_or_else(|| "-".into());
            rows.row([
                palette.id(&row.incident),
                palette.severity(&row.severity, severity_rank(&view.config, &row.severity)),
                palette.status(&row.status),
                if row.overdue {
                    format!("{due} {}", palette.error("overdue"))
                } else {
                    due
                },
                safe::line(&row.owner).into_owned(),
                safe::line(&row.title).into_owned(),
            ]);
        }
        out.push_str(&rows.render(|h| palette.bold(h)));
    }
    out.push('\n');
    out.push_str(&fit::block(
        &format!(
            "{}\n",
            palette.dim(
                "Commands: git incident --help; everything open: git incident list --status open"
            )
        ),
        palette.width,
        2,
    ));
    out
}
