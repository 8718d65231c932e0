//! A review of changes to the branch: Markdown for a pull-request comment, and a
//! compact view for the terminal.

use crate::check::{Finding, Level};
use crate::diff::FieldChange;
use crate::model::{Action, TimelineEntry, Zone};
use crate::ops::review::{
    ChangeKind, FileReview, IncidentReview, Review, field_name, show, show_item,
};
use crate::render::incident::{evidence_markdown, short_time};
use crate::render::{Palette, Table, fit, md, safe};

fn short(oid: &str) -> &str {
    oid.get(..7).unwrap_or(oid)
}

fn change_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Modified => "modified",
        ChangeKind::Deleted => "deleted",
    }
}

fn file_label(path: &str) -> &str {
    match path.rsplit('/').next() {
        Some("incident.toml") => "Incident",
        Some("postmortem.toml") => "Postmortem",
        _ => path,
    }
}

fn summary_line(review: &Review) -> String {
    let files: usize = review
        .incidents
        .iter()
        .map(|i| i.files.len())
        .sum::<usize>()
        + review.other_files.len();
    let range = format!(
        "{}..{}",
        review.base.as_deref().map(short).unwrap_or("(root)"),
        short(&review.head)
    );
    format!(
        "{range}: {} incident(s), {files} file(s) changed",
        review.incidents.len()
    )
}

fn check_line(review: &Review) -> String {
    if review.errors == 0 && review.warnings == 0 {
        "check passed".to_string()
    } else {
        format!(
            "check: {} error(s), {} warning(s)",
            review.errors, review.warnings
        )
    }
}

fn heading(incident: &IncidentReview) -> (String, String) {
    let title = match &incident.title {
        Some(title) => format!("{}: {title}", incident.id),
        None => incident.id.clone(),
    };
    let mut facts: Vec<String> = [&incident.severity, &incident.status]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if let Some(status) = &incident.postmortem_status {
        facts.push(format!("postmortem {status}"));
    }
    (title, facts.join(" · "))
}

/// Plain text, for the caller to escape.
fn before_after(change: &FieldChange) -> (String, String) {
    if !change.is_list() {
        (
            change.old.as_ref().map(show).unwrap_or_default(),
            change.new.as_ref().map(show).unwrap_or_default(),
        )
    } else {
        let item = |v| show_item(change, v);
        let mut after: Vec<String> = change
            .added
            .iter()
            .map(|a| format!("+ {}", item(a)))
            .collect();
        after.extend(change.removed.iter().map(|r| format!("− {}", item(r))));
        (String::new(), after.join(", "))
    }
}

/// Plain text, for the caller to escape.
fn action_row(action: &Action) -> [String; 6] {
    [
        action.id.clone(),
        action.title.clone(),
        action.kind.to_string(),
        action.owner.clone().unwrap_or_default(),
        action.due.map(|d| d.to_string()).unwrap_or_default(),
        action.status.to_string(),
    ]
}

fn timeline_row_markdown(entry: &TimelineEntry, zone: Zone) -> Vec<String> {
    vec![
        short_time(entry.at, zone),
        entry.kind.to_string(),
        md::cell(&entry.text),
        evidence_markdown(entry),
    ]
}

fn finding_md(finding: &Finding) -> String {
    let mark = match finding.level {
        Level::Error => "❌",
        Level::Warning => "⚠️",
    };
    let at = match finding.line {
        Some(line) => format!("{}:{line}", finding.path),
        None => finding.path.clone(),
    };
    format!(
        "- {mark} {} {}\n",
        md::code(&at),
        md::inline(&finding.message)
    )
}

fn file_markdown(file: &FileReview, zone: Zone, out: &mut String) {
    let label = file_label(&file.path);
    let title = if label == file.path {
        md::code(label)
    } else {
        format!("{label} ({})", md::code(&file.path))
    };
    out.push_str(&format!("\n#### {title}, {}\n\n", change_word(file.change)));
    if !file.fields.is_empty() {
        let mut table = Table::new(["Field", "Before", "After"]);
        for change in &file.fields {
            let (before, after) = before_after(change);
            table.row([
                md::code(&field_name(change)),
                md::cell(&before),
                md::cell(&after),
            ]);
        }
        out.push_str(&table.markdown());
    }
    if let Some(timeline) = &file.timeline {
        out.push_str("\n**Timeline**\n\n");
        let mut table = Table::new(["", "Time", "Kind", "What", "Evidence"]);
        for (mark, entries) in [("+", &timeline.added), ("−", &timeline.removed)] {
            for entry in entries {
                let mut row = vec![mark.to_string()];
                row.extend(timeline_row_markdown(entry, zone));
                table.row(row);
            }
        }
        out.push_str(&table.markdown());
    }
    if let Some(actions) = &file.actions {
        if !actions.added.is_empty() || !actions.removed.is_empty() {
            out.push_str("\n**Action items**\n\n");
            let mut table = Table::new(["", "ID", "Title", "Kind", "Owner", "Due", "Status"]);
            for (mark, list) in [("new", &actions.added), ("removed", &actions.removed)] {
                for action in list {
                    let mut row = vec![mark.to_string()];
                    row.extend(action_row(action).iter().map(|c| md::cell(c)));
                    table.row(row);
                }
            }
            out.push_str(&table.markdown());
        }
        if !actions.changed.is_empty() {
            out.push_str("\n**Changed action items**\n\n");
            let mut table = Table::new(["ID", "Title", "Field", "Before", "After"]);
            for action in &actions.changed {
                for change in &action.fields {
                    let (before, after) = before_after(change);
                    table.row([
                        md::cell(&action.id),
                        md::cell(&action.title),
                        md::code(&change.field),
                        md::cell(&before),
                        md::cell(&after),
                    ]);
                }
            }
            out.push_str(&table.markdown());
        }
    }
}

/// Ready to post as a pull-request comment.
pub fn markdown(review: &Review, zone: Zone) -> String {
    let mut out = String::from("## Incident review\n\n");
    let verdict = if review.errors > 0 { "❌" } else { "✅" };
    out.push_str(&format!(
        "`{}` · {verdict} {}\n",
        summary_line(review),
        check_line(review)
    ));
    if review.incidents.is_empty() && review.other_files.is_empty() {
        out.push_str("\nNo changes.\n");
    }
    for incident in &review.incidents {
        let (title, facts) = heading(incident);
        out.push_str(&format!("\n### {}\n\n", md::inline(&title)));
        if !facts.is_empty() {
            out.push_str(&format!("{}\n", md::inline(&facts)));
        }
        for file in &incident.files {
            file_markdown(file, zone, &mut out);
        }
        out.push_str("\n**Check**\n\n");
        if incident.findings.is_empty() {
            out.push_str("No findings.\n");
        }
        for finding in &incident.findings {
            out.push_str(&finding_md(finding));
        }
    }
    if !review.other_files.is_empty() {
        out.push_str("\n### Other files\n");
        for file in &review.other_files {
            file_markdown(file, zone, &mut out);
        }
        for finding in &review.findings {
            out.push_str(&finding_md(finding));
        }
    }
    out
}

fn field_text(change: &FieldChange, palette: Palette) -> String {
    let field = field_name(change);
    if !change.is_list() {
        let value = |v: Option<&toml::Value>| v.map(show).unwrap_or_else(|| "(none)".into());
        format!(
            "{}: {} -> {}",
            safe::line(&field),
            palette.dim(&value(change.old.as_ref())),
            safe::line(&value(change.new.as_ref()))
        )
    } else {
        let item = |v| show_item(change, v);
        let mut parts: Vec<String> = change
            .added
            .iter()
            .map(|a| palette.good(&format!("+{}", item(a))))
            .collect();
        parts.extend(
            change
                .removed
                .iter()
                .map(|r| palette.error(&format!("-{}", item(r)))),
        );
        format!("{}: {}", safe::line(&field), parts.join("  "))
    }
}

fn file_text(file: &FileReview, zone: Zone, palette: Palette, out: &mut String) {
    out.push_str(&format!(
        "  {} ({})\n",
        safe::line(file.path.rsplit('/').next().unwrap_or(&file.path)),
        change_word(file.change)
    ));
    for change in &file.fields {
        out.push_str(&format!("    {}\n", field_text(change, palette)));
    }
    if let Some(timeline) = &file.timeline {
        for (mark, entries) in [("+", &timeline.added), ("-", &timeline.removed)] {
            for entry in entries {
                let line = format!(
                    "timeline {mark} {} {} {}",
                    short_time(entry.at, zone),
                    entry.kind,
                    entry.text
                );
                let line = if mark == "+" {
                    palette.good(&line)
                } else {
                    palette.error(&line)
                };
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    if let Some(actions) = &file.actions {
        for (mark, list) in [("+", &actions.added), ("-", &actions.removed)] {
            for action in list {
                let row = action_row(action).map(|c| safe::line(&c).into_owned());
                out.push_str(&format!(
                    "    action {mark} {} {} [{}] owner {} due {} {}\n",
                    row[0],
                    row[1],
                    row[2],
                    if row[3].is_empty() { "-" } else { &row[3] },
                    if row[4].is_empty() { "-" } else { &row[4] },
                    row[5]
                ));
            }
        }
        for action in &actions.changed {
            for change in &action.fields {
                out.push_str(&format!(
                    "    action {} {}\n",
                    palette.id(&action.id),
                    field_text(change, palette)
                ));
            }
        }
    }
}

fn finding_text(finding: &Finding, palette: Palette) -> String {
    let text = finding.to_string();
    match finding.level {
        Level::Error => palette.error(&text),
        Level::Warning => palette.warning(&text),
    }
}

/// The terminal view.
pub fn text(review: &Review, zone: Zone, palette: Palette) -> String {
    let mut out = format!("{} · {}\n", summary_line(review), check_line(review));
    for incident in &review.incidents {
        let (title, facts) = heading(incident);
        out.push_str(&format!(
            "\n{}  {}\n",
            palette.bold(&title),
            palette.dim(&facts)
        ));
        for file in &incident.files {
            file_text(file, zone, palette, &mut out);
        }
        for finding in &incident.findings {
            out.push_str(&format!("  {}\n", finding_text(finding, palette)));
        }
    }
    for file in &review.other_files {
        out.push('\n');
        file_text(file, zone, palette, &mut out);
    }
    for finding in &review.findings {
        out.push_str(&format!("  {}\n", finding_text(finding, palette)));
    }
    fit::block(&out, palette.width, 2)
}
