//! Who held each role of an incident, and when: read from the timeline entries that
//! record a hand-off (`role` and `to`, written by `ack` and `handoff`), completed by
//! the current `commander` and `[roles]` for incidents whose changes left no entry
//! (`new --commander`, `set`, hand edits).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Incident, Timestamp};

/// The role the `commander` field holds; every other role is a key of `[roles]`.
pub const COMMANDER: &str = "commander";

/// One person holding one role for a stretch of the incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleHeld {
    pub role: String,
    pub who: String,
    /// When they took it; `None` when nothing recorded it.
    pub from: Option<Timestamp>,
    /// When they handed it on; `None` while they hold it, or when nothing recorded it.
    pub until: Option<Timestamp>,
}

/// A role name as `[roles]` keys it: `comms`, `scribe`, `ops_lead`.
pub fn check_role_name(role: &str) -> Result<()> {
    let mut chars = role.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid role {role:?}: a role is a lowercase name like commander, comms or scribe (letters, digits, _ and -, starting with a letter)"
        )))
    }
}

/// Who holds `role` now, as the file says.
pub fn holder<'i>(incident: &'i Incident, role: &str) -> Option<&'i str> {
    match role {
        COMMANDER => incident.commander.as_deref(),
        _ => incident.roles.get(role).map(String::as_str),
    }
    .filter(|who| !who.trim().is_empty())
}

/// Every role's holders, the commander first, then the other roles by name, each in
/// time order.
pub fn roles_held(incident: &Incident) -> Vec<RoleHeld> {
    let mut roles: BTreeSet<&str> = incident.roles.keys().map(String::as_str).collect();
    roles.extend(incident.timeline.iter().filter_map(|e| e.role.as_deref()));
    roles.remove(COMMANDER);
    std::iter::once(COMMANDER)
        .chain(roles)
        .flat_map(|role| holders(incident, role))
        .collect()
}

fn holders(incident: &Incident, role: &str) -> Vec<RoleHeld> {
    let held = |who: &str, from, until| RoleHeld {
        role: role.to_string(),
        who: who.to_string(),
        from,
        until,
    };
    // Only the commander's start is known without an entry: `acknowledged` is when the
    // first commander took command.
    let first_since = match role {
        COMMANDER => incident.times.acknowledged,
        _ => None,
    };
    let changes: Vec<(Timestamp, &str, Option<&str>)> = incident
        .timeline_in_order()
        .into_iter()
        .filter(|e| e.role.as_deref() == Some(role))
        .filter_map(|e| Some((e.at, e.to.as_deref()?, e.from.as_deref())))
        .collect();
    let current = holder(incident, role);
    let Some(&(first_at, _, first_from)) = changes.first() else {
        return current
            .map(|who| vec![held(who, first_since, None)])
            .unwrap_or_default();
    };
    let mut out = Vec::new();
    if let Some(before) = first_from {
        out.push(held(before, first_since, Some(first_at)));
    }
    for (i, &(at, to, _)) in changes.iter().enumerate() {
        let until = changes.get(i + 1).map(|next| next.0);
        out.push(held(to, Some(at), until));
    }
    // Changed since the last entry without one (`set`, a hand edit): held from an
    // unknown time.
    let last = changes.last().map(|c| c.1);
    if let Some(who) = current.filter(|who| Some(*who) != last) {
        out.push(held(who, None, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TimelineEntry, TimelineKind};

    fn at(hhmm: &str) -> Timestamp {
        Timestamp(
            chrono::DateTime::parse_from_rfc3339(&format!("2026-11-23T{hhmm}:00+09:00"))
                .expect("a time"),
        )
    }

    fn incident(commander: Option<&str>, acknowledged: Option<&str>) -> Incident {
        let text = format!(
            "schema_version = 1\nid = \"INC-1\"\nuid = \"u\"\ntitle = \"t\"\nseverity = \"SEV1\"\nstatus = \"investigating\"\n{}[times]\n{}",
            commander.map_or(String::new(), |c| format!("commander = \"{c}\"\n")),
            acknowledged.map_or(String::new(), |a| format!(
                "acknowledged = 2026-11-23T{a}:00+09:00\n"
            )),
        );
        toml::from_str(&text).expect("an incident")
    }

    fn hand_off(role: &str, hhmm: &str, from: Option<&str>, to: &str) -> TimelineEntry {
        TimelineEntry {
            role: Some(role.into()),
            from: from.map(Into::into),
            to: Some(to.into()),
            ..TimelineEntry::new(at(hhmm), TimelineKind::Status, "hand-off".into())
        }
    }

    fn summary(held: &[RoleHeld]) -> Vec<String> {
        let time = |t: Option<Timestamp>| t.map_or("?".into(), |t| t.0.format("%H:%M").to_string());
        held.iter()
            .map(|h| format!("{} {} {}-{}", h.role, h.who, time(h.from), time(h.until)))
            .collect()
    }

    #[test]
    fn hand_offs_in_time_order_give_each_holder_a_stretch() {
        let mut i = incident(Some("kenji"), Some("10:02"));
        i.roles.insert("comms".into(), "ben".into());
        // Recorded out of order: the later entry first.
        i.timeline
            .push(hand_off(COMMANDER, "11:30", Some("ana"), "kenji"));
        i.timeline.push(hand_off(COMMANDER, "10:02", None, "ana"));
        i.timeline.push(hand_off("comms", "10:20", None, "ben"));
        assert_eq!(
            summary(&roles_held(&i)),
            [
                "commander ana 10:02-11:30",
                "commander kenji 11:30-?",
                "comms ben 10:20-?",
            ]
        );
    }

    #[test]
    fn without_entries_the_current_holders_stand_alone() {
        let mut i = incident(Some("ana"), Some("10:05"));
        i.roles.insert("scribe".into(), "carol".into());
        assert_eq!(
            summary(&roles_held(&i)),
            ["commander ana 10:05-?", "scribe carol ?-?"]
        );
        assert!(roles_held(&incident(None, None)).is_empty());
    }

    #[test]
    fn the_holder_before_the_first_entry_held_it_since_acknowledged() {
        let mut i = incident(Some("kenji"), Some("10:02"));
        i.timeline
            .push(hand_off(COMMANDER, "11:00", Some("ana"), "kenji"));
        assert_eq!(
            summary(&roles_held(&i)),
            ["commander ana 10:02-11:00", "commander kenji 11:00-?"]
        );
        // A comms lead before the first entry: since an unknown time.
        let mut i = incident(None, None);
        i.roles.insert("comms".into(), "dan".into());
        i.timeline
            .push(hand_off("comms", "11:00", Some("ben"), "dan"));
        assert_eq!(
            summary(&roles_held(&i)),
            ["comms ben ?-11:00", "comms dan 11:00-?"]
        );
    }

    #[test]
    fn a_holder_set_without_an_entry_follows_the_last_one() {
        let mut i = incident(Some("zoe"), Some("10:02"));
        i.timeline.push(hand_off(COMMANDER, "10:02", None, "ana"));
        assert_eq!(
            summary(&roles_held(&i)),
            ["commander ana 10:02-?", "commander zoe ?-?"]
        );
    }

    #[test]
    fn role_names_are_lowercase_words() {
        for good in ["comms", "scribe", "ops_lead", "tech-lead2"] {
            assert!(check_role_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Comms", "2nd", "a.b", "roles comms", "-x", "通信"] {
            assert!(check_role_name(bad).is_err(), "{bad}");
        }
    }
}
