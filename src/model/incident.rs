//! `incident.toml`: one incident, its times and its timeline.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::time::Timestamp;
use crate::model::times::{TimeKey, Times};

pub const SCHEMA_VERSION: u32 = 1;

/// An incident, as stored in incidents/<YYYY>/<ID>/incident.toml.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub schema_version: u32,
    /// The incident ID, e.g. INC-42; must match its directory.
    pub id: String,
    /// Immutable random identity, used to tell apart two incidents created offline with one ID.
    pub uid: String,
    pub title: String,
    /// One of the severities in config.toml.
    pub severity: String,
    pub status: Status,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub customer_impact: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub teams: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// The incident commander.
    #[serde(default)]
    pub commander: Option<String>,
    /// Other roles, e.g. comms = "ana", scribe = "ben".
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// How the incident was found.
    #[serde(default)]
    pub detection: Option<Detection>,
    /// Game days and exercises: kept, but out of every metric.
    #[serde(default)]
    pub drill: bool,
    /// IDs of related incidents.
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub changes: Changes,
    #[serde(default)]
    pub times: Times<Option<Timestamp>>,
    /// The response flow's steps, copied from config.toml when the incident was opened
    /// or its severity raised; timeline entries naming a task record its doing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task: Vec<crate::model::config::Step>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Where an imported incident came from; absent on incidents opened here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// The system an imported incident came from and its identity there, so that importing
/// the same data again finds the incident instead of opening a second one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The system, e.g. statuspage or csv.
    pub system: String,
    /// The incident's ID in that system.
    pub id: String,
    /// The incident's page there (for Statuspage, its shortlink).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Incident {
    /// The incident with its timeline in time order. Entries are appended as they are
    /// recorded, often late; equal times keep the order they were recorded in.
    pub fn chronological(mut self) -> Incident {
        self.timeline.sort_by_key(|entry| entry.at);
        self
    }

    /// The timeline in time order, borrowed.
    pub fn timeline_in_order(&self) -> Vec<&TimelineEntry> {
        let mut entries: Vec<&TimelineEntry> = self.timeline.iter().collect();
        entries.sort_by_key(|entry| entry.at);
        entries
    }
}

/// Changes in the code repository that caused or fixed the incident.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    /// Changes that caused it: full commit ids of the code repository (`git incident
    /// set` resolves any revision to one), pull/merge request URLs, or #123.
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// Changes that fixed it, written as `caused_by` is.
    #[serde(default)]
    pub fixed_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: TimelineKind,
    pub text: String,
    #[serde(default)]
    pub author: Option<String>,
    /// Evidence: dashboards, logs, chat threads.
    #[serde(default)]
    pub links: Vec<String>,
    /// Where an imported entry came from, e.g. `slack C0123 1700000000.000100`: a
    /// re-import adds only the entries not already here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The task (response-flow step, e.g. T3) this entry did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// A hand-off: the role that changed hands, e.g. commander or comms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A hand-off: who held the role before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A hand-off: who holds the role from `at` on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A communication: who it was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<crate::model::config::Audience>,
    /// A communication `git incident update --post` sent: whether the webhook took it
    /// (false: drafted and recorded, but not delivered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted: Option<bool>,
}

impl TimelineEntry {
    /// An entry with no hand-off, task or audience.
    pub fn new(at: Timestamp, kind: TimelineKind, text: String) -> TimelineEntry {
        TimelineEntry {
            at,
            kind,
            text,
            author: None,
            links: Vec::new(),
            source: None,
            task: None,
            role: None,
            from: None,
            to: None,
            audience: None,
            posted: None,
        }
    }

    /// A communication that reached customer success or customers: sent by hand (no
    /// `posted`) or accepted by the webhook.
    pub fn updates_customers(&self) -> bool {
        self.kind == TimelineKind::Communication
            && self.audience.is_some_and(|a| a.faces_customers())
            && self.posted != Some(false)
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn names() -> String {
                Self::NAMES.join(", ")
            }
        }

        // Lets the command line offer and complete the values.
        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> Result<Self, $crate::error::Error> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::Error::invalid(format!(
                        "unknown {} {other:?}: expected one of {}",
                        stringify!($name).to_lowercase(),
                        $name::names()
                    ))),
                }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Incident status, in order; `canceled` stands aside.
    Status {
        Investigating = "investigating",
        Identified = "identified",
        Mitigated = "mitigated",
        Resolved = "resolved",
        Closed = "closed",
        Canceled = "canceled",
    }
);

impl Status {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Investigating | Status::Identified | Status::Mitigated
        )
    }

    /// Whether being in `self` means having reached `state` (reaching a later state counts).
    pub fn has_reached(self, state: Status) -> bool {
        self != Status::Canceled && state != Status::Canceled && self >= state
    }

    /// The time stamped when this state is reached.
    pub fn time_key(self) -> Option<TimeKey> {
        match self {
            Status::Mitigated => Some(TimeKey::Mitigated),
            Status::Resolved => Some(TimeKey::Resolved),
            Status::Closed => Some(TimeKey::Closed),
            _ => None,
        }
    }

    /// The states that stamp a time, in order, each with its time.
    pub fn with_times() -> impl Iterator<Item = (Status, TimeKey)> {
        Status::ALL
            .iter()
            .filter_map(|state| Some((*state, state.time_key()?)))
    }
}

string_enum!(
    /// What kind of fact a timeline entry records.
    TimelineKind {
        Alert = "alert",
        Action = "action",
        Decision = "decision",
        Communication = "communication",
        Status = "status",
        Note = "note",
    }
);

string_enum!(
    /// How the incident was found.
    Detection {
        Alert = "alert",
        Customer = "customer",
        Internal = "internal",
        Other = "other",
    }
);
