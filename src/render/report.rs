//! Follow-up reports: overdue first, grouped by owner, as a terminal table, Markdown
//! (for the weekly meeting's page) or CSV.

use chrono::NaiveDate;

use crate::metrics::followup::{ActionRow, PostmortemRow};
use crate::metrics::{Seconds, day_of};
use crate::model::Zone;
use crate::render::csv::{self, Cell};
use crate::render::{Palette, Table, md, safe, table};

fn action_age(row: &ActionRow) -> String {
    if row.overdue {
        format!("{}d overdue", row.days_overdue)
    } else {
        row.days_open
            .map(|d| format!("{d}d open"))
            .unwrap_or_default()
    }
}

fn postmortem_age(row: &PostmortemRow) -> String {
    if row.overdue {
        format!("{}d overdue", row.days_overdue)
    } else {
        row.days_since_resolved
            .map(|d| format!("{d}d since resolved"))
            .unwrap_or_default()
    }
}

fn day(t: Option<Seconds>, zone: Zone) -> String {
    t.map(|t| day_of(t, zone).to_string()).unwrap_or_default()
}

fn due(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// (section title, rows) for the overdue part and the rest, each non-empty.
fn sections<'a, R>(
    rows: &'a [R],
    overdue: impl Fn(&R) -> bool,
    rest: &'static str,
) -> Vec<(&'static str, Vec<&'a R>)> {
    let (late, other): (Vec<&R>, Vec<&R>) = rows.iter().partition(|r| overdue(r));
    [("Overdue", late), (rest, other)]
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// Owner shown on the first row of each owner's group only, so groups stand out.
fn owner_cells<'a>(owners: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut last: Option<&str> = None;
    owners
        .map(|o| {
            let cell = if last == Some(o) { "" } else { o };
            last = Some(o);
            cell.to_string()
        })
        .collect()
}

pub fn actions_text(rows: &[ActionRow], as_of: NaiveDate, palette: Palette) -> String {
    let mut out = format!("{} as of {as_of}\n", palette.bold("Open action items"));
    if rows.is_empty() {
        out.push_str("\nnothing open\n");
    }
    for (title, rows) in sections(rows, |r| r.overdue, "Open") {
        out.push_str(&format!("\n{} ({})\n", palette.bold(title), rows.len()));
        let mut table = Table::new(["OWNER", "ACTION", "DUE", "AGE", "STATUS", "TITLE", "LINK"])
            .cut(5, table::TITLE)
            .cut(6, table::SHORT)
            .cut(0, table::SHORT)
            .fit(palette.width);
        let owners = owner_cells(rows.iter().map(|r| r.owner.as_str()));
        for (row, owner) in rows.iter().zip(owners) {
            let age = action_age(row);
            table.row([
                safe::line(&owner).into_owned(),
                palette.id(&row.id),
                due(row.due),
                if row.overdue {
                    palette.error(&age)
                } else {
                    age
                },
                palette.status(row.status.as_str()),
                safe::line(&row.title).into_owned(),
                safe::line(row.link.as_deref().unwrap_or_default()).into_owned(),
            ]);
        }
        out.push_str(&table.render(|h| palette.bold(h)));
    }
    out
}

pub fn actions_markdown(rows: &[ActionRow], as_of: NaiveDate) -> String {
    let mut out = format!("# Open action items as of {as_of}\n");
    if rows.is_empty() {
        out.push_str("\nNothing open.\n");
    }
    for (title, rows) in sections(rows, |r| r.overdue, "Open") {
        out.push_str(&format!("\n## {title} ({})\n", rows.len()));
        for chunk in rows.chunk_by(|a, b| a.owner == b.owner) {
            out.push_str(&format!("\n### {}\n\n", md::inline(&chunk[0].owner)));
            let mut table = Table::new(["Action", "Title", "Due", "Age", "Status", "Link"]);
            for row in chunk {
                table.row([
                    md::cell(&row.id),
                    md::cell(&row.title),
                    due(row.due),
                    action_age(row),
                    row.status.to_string(),
                    row.link
                        .as_ref()
                        .map(|l| md::link("link", l))
                        .unwrap_or_default(),
                ]);
            }
            out.push_str(&table.markdown());
        }
    }
    out
}

pub fn actions_csv(rows: &[ActionRow]) -> String {
    let mut out = csv::row([
        "overdue",
        "owner",
        "action",
        "incident",
        "title",
        "kind",
        "status",
        "due",
        "days_overdue",
        "days_open",
        "link",
    ]);
    for row in rows {
        out.push_str(&csv::row([
            Cell::from(row.overdue),
            Cell::from(&row.owner),
            Cell::from(&row.id),
            Cell::from(&row.incident),
            Cell::from(&row.title),
            Cell::from(row.kind.to_string()),
            Cell::from(row.status.to_string()),
            Cell::from(due(row.due)),
            Cell::from(row.days_overdue),
            Cell::from(row.days_open),
            Cell::from(row.link.as_ref()),
        ]));
    }
    out
}

pub fn postmortems_text(
    rows: &[PostmortemRow],
    as_of: NaiveDate,
    zone: Zone,
    palette: Palette,
) -> String {
    let mut out = format!(
        "{} as of {as_of}\n",
        palette.bold("Postmortems to follow up")
    );
    if rows.is_empty() {
        out.push_str("\nnone overdue or in review\n");
    }
    for (title, rows) in sections(rows, |r| r.overdue, "In review") {
        out.push_str(&format!("\n{} ({})\n", palette.bold(title), rows.len()));
        let mut table = Table::new([
            "OWNER", "INCIDENT", "SEV", "STATUS", "RESOLVED", "DUE", "AGE", "TITLE", "LINK",
        ])
        .cut(7, table::TITLE)
        .cut(8, table::SHORT)
        .cut(0, table::SHORT)
        .fit(palette.width);
        let owners = owner_cells(rows.iter().map(|r| r.owner.as_str()));
        for (row, owner) in rows.iter().zip(owners) {
            let age = postmortem_age(row);
            table.row([
                safe::line(&owner).into_owned(),
                palette.id(&row.incident),
                safe::line(&row.severity).into_owned(),
                palette.status(&row.status),
                day(row.resolved, zone),
                day(row.due, zone),
                if row.overdue {
                    palette.error(&age)
                } else {
                    age
                },
                safe::line(&row.title).into_owned(),
                safe::line(&row.link).into_owned(),
            ]);
        }
        out.push_str(&table.render(|h| palette.bold(h)));
    }
    out
}

pub fn postmortems_markdown(rows: &[PostmortemRow], as_of: NaiveDate, zone: Zone) -> String {
    let mut out = format!("# Postmortems to follow up as of {as_of}\n");
    if rows.is_empty() {
        out.push_str("\nNone overdue or in review.\n");
    }
    for (title, rows) in sections(rows, |r| r.overdue, "In review") {
        out.push_str(&format!("\n## {title} ({})\n", rows.len()));
        for chunk in rows.chunk_by(|a, b| a.owner == b.owner) {
            out.push_str(&format!("\n### {}\n\n", md::inline(&chunk[0].owner)));
            let mut table = Table::new([
                "Incident", "Severity", "Status", "Resolved", "Due", "Age", "Title", "File",
            ]);
            for row in chunk {
                table.row([
                    md::cell(&row.incident),
                    md::cell(&row.severity),
                    md::cell(&row.status),
                    day(row.resolved, zone),
                    day(row.due, zone),
                    postmortem_age(row),
                    md::cell(&row.title),
                    md::code(&row.link),
                ]);
            }
            out.push_str(&table.markdown());
        }
    }
    out
}

pub fn postmortems_csv(rows: &[PostmortemRow], zone: Zone) -> String {
    let mut out = csv::row([
        "overdue",
        "owner",
        "incident",
        "severity",
        "status",
        "resolved",
        "due",
        "days_overdue",
        "days_since_resolved",
        "title",
        "link",
    ]);
    for row in rows {
        out.push_str(&csv::row([
            Cell::from(row.overdue),
            Cell::from(&row.owner),
            Cell::from(&row.incident),
            Cell::from(&row.severity),
            Cell::from(&row.status),
            Cell::from(day(row.resolved, zone)),
            Cell::from(day(row.due, zone)),
            Cell::from(row.days_overdue),
            Cell::from(row.days_since_resolved),
            Cell::from(&row.title),
            Cell::from(&row.link),
        ]));
    }
    out
}
