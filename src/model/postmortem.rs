//! `postmortem.toml`: the blameless review of one incident and its action items.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::incident::string_enum;
use crate::model::time::{Day, Timestamp};

pub const SCHEMA_VERSION: u32 = 1;

/// A postmortem, as stored in incidents/<YYYY>/<ID>/postmortem.toml.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Postmortem {
    pub schema_version: u32,
    /// The incident this postmortem reviews, e.g. INC-42.
    pub incident: String,
    pub status: PostmortemStatus,
    #[serde(default)]
    pub owner: Option<String>,
    /// Everyone who took part, not only engineers.
    #[serde(default)]
    pub participants: Vec<String>,
    #[serde(default)]
    pub published_at: Option<Timestamp>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub trigger: Option<String>,
    #[serde(default)]
    pub detection: Option<String>,
    /// What was done to resolve it, and how well that went.
    #[serde(default)]
    pub response: Option<String>,
    #[serde(default)]
    pub root_cause: RootCause,
    #[serde(default)]
    pub contributing_factors: Vec<String>,
    /// What the responders believed at the time, and why it made sense then.
    #[serde(default)]
    pub mental_models: Vec<String>,
    #[serde(default)]
    pub went_well: Vec<String>,
    #[serde(default)]
    pub went_wrong: Vec<String>,
    #[serde(default)]
    pub where_lucky: Vec<String>,
    #[serde(default)]
    pub kpt: Kpt,
    #[serde(default)]
    pub lessons: Vec<String>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub action: Vec<Action>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootCause {
    /// The 5 Whys chain, from the symptom down to a system cause.
    #[serde(default)]
    pub whys: Vec<String>,
    #[serde(default)]
    pub statement: Option<String>,
}

/// Keep / Problem / Try.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Kpt {
    #[serde(default)]
    pub keep: Vec<String>,
    #[serde(default)]
    pub problem: Vec<String>,
    #[serde(default, rename = "try")]
    pub try_: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// e.g. INC-42.A3; never reused.
    pub id: String,
    pub title: String,
    pub kind: ActionKind,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub due: Option<Day>,
    pub status: ActionStatus,
    #[serde(default)]
    pub done_at: Option<Timestamp>,
    /// The code commit that did it: one whose message has the trailer
    /// `Incident-Action: <this ID>` (full commit id).
    #[serde(default)]
    pub done_by: Option<String>,
    /// URL of the issue in the team's tracker.
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

string_enum!(
    PostmortemStatus {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
    }
);

string_enum!(
    /// prevent: stop it happening again; detect / mitigate: notice or contain it faster.
    ActionKind {
        Prevent = "prevent",
        Detect = "detect",
        Mitigate = "mitigate",
        Process = "process",
    }
);

string_enum!(
    ActionStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        WontDo = "wont_do",
    }
);

impl ActionStatus {
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }

    /// Overdue: still open or in progress with a due date before `today` (an item due
    /// today is not overdue yet).
    pub fn is_overdue(self, due: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
        self.is_open() && due.is_some_and(|due| due < today)
    }
}

/// Top-level keys in the order of the contract, which the template follows.
pub const KEY_ORDER: [&str; 20] = [
    "schema_version",
    "incident",
    "status",
    "owner",
    "participants",
    "published_at",
    "summary",
    "impact",
    "trigger",
    "detection",
    "response",
    "root_cause",
    "contributing_factors",
    "mental_models",
    "went_well",
    "went_wrong",
    "where_lucky",
    "kpt",
    "lessons",
    "links",
];
