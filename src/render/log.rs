//! The audit trail for people: one block per commit, like `git log`, with what changed
//! in each incident file, field by field.

use serde_json::Value;

use crate::history::audit::{ChangeLine, Event};
use crate::model::Zone;
use crate::render::{Palette, fit, safe};

fn short(value: &Value, zone: Zone) -> String {
    match value {
        Value::String(s) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                zone.convert(t).format("%Y-%m-%d %H:%M").to_string()
            } else if s.is_empty() || s.contains(char::is_whitespace) {
                safe::quoted(s)
            } else {
                safe::line(s).into_owned()
            }
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| short(v, zone))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => safe::line(&other.to_string()).into_owned(),
    }
}

/// `+ 10:02 action "Rolled back"` for timeline entries, `+ "title" (prevent, owner ana)`
/// for action items, the value itself otherwise.
fn item(field: &str, value: &Value, zone: Zone) -> String {
    if field == "timeline" && value.is_object() {
        let at = value["at"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| zone.convert(t).format("%H:%M").to_string())
            .unwrap_or_default();
        let kind = safe::line(value["kind"].as_str().unwrap_or(""));
        let text = safe::quoted(value["text"].as_str().unwrap_or(""));
        return format!("{at} {kind} {text}");
    }
    if field.starts_with("action ") && value.is_object() {
        let mut details = Vec::new();
        for key in ["kind", "owner", "due", "status"] {
            if let Some(v) = value[key].as_str() {
                let v = safe::line(v);
                details.push(if key == "kind" || key == "status" {
                    v.into_owned()
                } else {
                    format!("{key} {v}")
                });
            }
        }
        let title = safe::quoted(value["title"].as_str().unwrap_or(""));
        return format!("{title} ({})", details.join(", "));
    }
    short(value, zone)
}

fn change_lines(change: &ChangeLine, zone: Zone, palette: Palette) -> Vec<String> {
    if let Some(diff) = &change.diff {
        let mut lines = vec![format!("{}:", safe::line(&change.field))];
        for line in diff.lines() {
            let painted = match line.chars().next() {
                Some('-') => palette.error(line),
                Some('+') => palette.good(line),
                _ => safe::line(line).into_owned(),
            };
            lines.push(format!("  {painted}"));
        }
        return lines;
    }
    let old = change.old.as_ref().map(|v| item(&change.field, v, zone));
    let new = change.new.as_ref().map(|v| item(&change.field, v, zone));
    let text = match (change.op, old, new) {
        ("changed", Some(old), Some(new)) => format!("{old} -> {new}"),
        (_, None, Some(new)) => palette.good(&format!("+ {new}")),
        (_, Some(old), None) => palette.error(&format!("- {old}")),
        (_, old, new) => format!("{} -> {}", old.unwrap_or_default(), new.unwrap_or_default()),
    };
    vec![format!("{}: {text}", safe::line(&change.field))]
}

/// One commit of the audit trail, as `git log` shows a commit: header, then the files
/// and their field-level changes.
pub fn event_text(event: &Event, zone: Zone, palette: Palette) -> String {
    let mut out = format!(
        "{} {}\n",
        palette.id(&format!(
            "commit {}",
            &event.commit[..event.commit.len().min(12)]
        )),
        safe::line(&event.subject)
    );
    match &event.handle {
        Some(handle) => out.push_str(&format!(
            "Author: {} ({} <{}>)\n",
            safe::line(handle),
            safe::line(&event.author),
            safe::line(&event.email)
        )),
        None => out.push_str(&format!(
            "Author: {} <{}>\n",
            safe::line(&event.author),
            safe::line(&event.email)
        )),
    }
    out.push_str(&format!(
        "Date:   {}\n",
        zone.convert(event.date.0).format("%Y-%m-%d %H:%M:%S %:z")
    ));
    for file in &event.files {
        out.push_str(&format!(
            "\n    {} {}\n",
            palette.bold(&file.path),
            palette.dim(&format!("({})", file.op))
        ));
        for change in &file.lines() {
            for line in change_lines(change, zone, palette) {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    fit::block(&out, palette.width, 2)
}
