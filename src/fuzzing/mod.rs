//! Entry points for the fuzz targets in `fuzz/` and for the bounded run on random inputs
//! inside `cargo test`: each takes raw bytes, goes through the code the commands use, and
//! panics only when an invariant is broken. Not a stable API.

#[cfg(test)]
mod stable;

use chrono::DateTime;

use crate::check::{self, Finding};
use crate::merge::toml::merge_toml;
use crate::model::time::{Day, TimeContext, Zone, format_duration, parse_duration};
use crate::model::{Config, IncidentId};
use crate::store::{IncidentEntry, layout, parse_config};

/// The three files a person edits by hand on the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Incident,
    Postmortem,
    Config,
}

/// Reads `data` as the file `kind` the way `check` and the readers do (UTF-8, then TOML
/// into the model with `PATH:LINE` errors, then the rules). Every finding must point at
/// a line of the file. Returns whether the file got past parsing to the rules.
pub fn read_and_check(kind: FileKind, data: &[u8]) -> bool {
    // The store refuses a file that is not UTF-8 before parsing it.
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let entry = fuzz_entry();
    let (parsed, findings): (bool, Vec<Finding>) = match kind {
        FileKind::Incident => {
            let (incident, findings) = check::check_incident(&fuzz_config(), &entry, text);
            (incident.is_some(), findings)
        }
        FileKind::Postmortem => {
            let (postmortem, findings) = check::postmortem::check_postmortem(&entry, text);
            (postmortem.is_some(), findings)
        }
        FileKind::Config => match parse_config(text) {
            Ok(config) => {
                // What the commands do next with a valid config.
                let _ = config.zone().expect("validate accepted the timezone");
                for severity in &config.severity {
                    let _ = config.postmortem_due(&severity.name, i64::MAX);
                }
                (true, Vec::new())
            }
            // Parsed, but a setting is invalid: `validate` ran.
            Err(e) => (toml::from_str::<Config>(text).is_ok(), vec![e]),
        },
    };
    let last_line = text.matches('\n').count() + 1;
    for finding in &findings {
        if let Some(line) = finding.line {
            assert!(
                (1..=last_line).contains(&line),
                "finding points past the file ({last_line} lines): {finding}"
            );
        }
        let _ = finding.to_string();
    }
    parsed
}

/// `INC-1` in 2026: the directory every fuzzed incident and postmortem lives in.
fn fuzz_entry() -> IncidentEntry {
    let id = IncidentId::new("INC", 1);
    IncidentEntry {
        dir: layout::incident_dir(2026, &id),
        id,
        year: 2026,
        tree: crate::store::Oid::ZERO_SHA1,
    }
}

/// The default config with allow-lists, so the service and team rules run too.
fn fuzz_config() -> Config {
    Config {
        services: Some(vec!["checkout".into(), "payments".into()]),
        teams: Some(vec!["web".into()]),
        ..Config::default()
    }
}

/// Splits `data` into up to three texts at NUL bytes (never valid in TOML):
/// `base\0ours\0theirs`; a missing part repeats the one before, an empty base means
/// both sides added the file.
pub fn split_merge_input(data: &[u8]) -> (Option<String>, String, String) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let base = parts.next().unwrap_or_default().to_string();
    let ours = parts.next().map_or_else(|| base.clone(), str::to_string);
    let theirs = parts.next().map_or_else(|| ours.clone(), str::to_string);
    ((!base.is_empty()).then_some(base), ours, theirs)
}

/// The three-way TOML merge `sync` runs on a file both sides changed. It never panics;
/// when all three texts parse, so does the result; and a side that changed nothing
/// takes the other's content: merge(b, o, b) = o and merge(b, b, t) = t, compared as
/// parsed values (layout and comments may differ). Returns whether all three parsed, so
/// that the laws were checked.
pub fn merge(data: &[u8]) -> bool {
    let (base, ours, theirs) = split_merge_input(data);
    let base = base.as_deref();
    let merged = merge_toml("f.toml", base, &ours, &theirs);
    let base_parses = base.is_none_or(|text| parse_toml(text).is_some());
    let (true, Some(o), Some(t)) = (base_parses, parse_toml(&ours), parse_toml(&theirs)) else {
        return false;
    };
    let merged = merged.unwrap_or_else(|e| panic!("three valid files did not merge: {e}"));
    assert!(
        parse_toml(&merged.text).is_some(),
        "the merge of three valid files does not parse:\n{}",
        merged.text
    );
    // Without a base, the side that changed nothing is an empty file.
    let unchanged = base.unwrap_or_default();
    let only_ours = merge_toml("f.toml", base, &ours, unchanged).expect("valid files merge");
    assert_same(&o, &only_ours.text, "merge(base, ours, base) is not ours");
    let only_theirs = merge_toml("f.toml", base, unchanged, &theirs).expect("valid files merge");
    assert_same(
        &t,
        &only_theirs.text,
        "merge(base, base, theirs) is not theirs",
    );
    true
}

fn parse_toml(text: &str) -> Option<toml::Table> {
    toml::from_str(text).ok()
}

fn assert_same(expected: &toml::Table, merged: &str, law: &str) {
    let merged_value =
        parse_toml(merged).unwrap_or_else(|| panic!("{law}: does not parse:\n{merged}"));
    assert!(
        same_table(expected, &merged_value),
        "{law}:\nexpected {expected:?}\nmerged   {merged_value:?}\n{merged}"
    );
}

fn same_table(a: &toml::Table, b: &toml::Table) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| same_value(v, w)))
}

/// Equality of parsed values in which NaN equals NaN (a file may hold `nan`).
fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    use toml::Value::*;
    match (a, b) {
        (Float(x), Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Array(x), Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w))
        }
        (Table(x), Table(y)) => same_table(x, y),
        _ => a == b,
    }
}

/// Times as typed on the command line (`--at`, `--started`, `--due`, `ack_target`),
/// parsed and then stored the way the commands store them. The first byte picks the
/// timezone; the rest is the input. Returns whether the input was accepted as a time, a
/// date or a zone.
pub fn parse_time(data: &[u8]) -> bool {
    let Some((time, input)) = time_input(data) else {
        return false;
    };
    let at = time.parse(&input);
    if let Ok(at) = at {
        let _ = at.to_toml();
        let _ = (at.to_string(), at.timestamp(), at.seconds_until(time.now()));
    }
    let due = Day::parse(&input);
    if let Ok(due) = due {
        let _ = (due.to_toml(), due.to_string());
    }
    if let Ok(duration) = parse_duration(&input) {
        let _ = format_duration(duration.num_seconds());
    }
    let zone = Zone::from_config(Some(&input));
    at.is_ok() || due.is_ok() || zone.is_ok()
}

/// A deploy log (`metrics --deploys FILE`) read line by line as the store reads it,
/// before revisions are looked up: each line is skipped, read or refused with a
/// message, and a line read names a revision it contains. Returns whether any line was
/// read.
pub fn read_deploy_log(data: &[u8]) -> bool {
    // The store refuses a file that is not UTF-8 before reading its lines.
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut read = false;
    for line in text.lines() {
        if let Ok(Some((_, rev))) = crate::store::deploys::parse_line(line) {
            assert!(line.contains(rev), "{rev:?} is not in {line:?}");
            read = true;
        }
    }
    read
}

/// The context (a fixed "now", a zone picked by the first byte) and the text of a
/// `parse_time` input.
fn time_input(data: &[u8]) -> Option<(TimeContext, String)> {
    let (&zone, rest) = data.split_first()?;
    let zone = match zone % 4 {
        0 => Zone::Named(chrono_tz::Asia::Tokyo),
        1 => Zone::Named(chrono_tz::UTC),
        // Clock changes: wall-clock times that are skipped or repeated.
        2 => Zone::Named(chrono_tz::America::New_York),
        _ => Zone::Named(chrono_tz::Australia::Lord_Howe),
    };
    let now = DateTime::parse_from_rfc3339("2026-11-23T10:30:00+09:00").expect("a valid time");
    let input = String::from_utf8_lossy(rest).into_owned();
    let time = TimeContext::new(now, zone, zone).expect("2026 is in range in every zone");
    Some((time, input))
}
