//! What metrics and follow-up reports are computed from: each incident as its files
//! say it, with every time already resolved (file first, then history). Plain data, so
//! it can be cached and tested without git.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{ActionKind, ActionStatus, PostmortemStatus, Status, TimeKey, Times};

/// Unix seconds.
pub type Seconds = i64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFacts {
    pub id: String,
    /// `incidents/<YYYY>/<ID>` on the branch.
    pub dir: String,
    pub title: String,
    pub severity: String,
    pub status: Status,
    pub services: Vec<String>,
    pub teams: Vec<String>,
    pub drill: bool,
    pub commander: Option<String>,
    pub times: Times<Option<Seconds>>,
    /// The fraction of a second past each time, in nanoseconds: a file may say
    /// `10:00:00.5` (commits never do), and durations are computed from the exact times.
    #[serde(default)]
    pub subsec: Times<u32>,
    pub postmortem: Option<PostmortemFacts>,
    /// `changes.caused_by` as written: the DORA figures read the full commit ids in it.
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// When customer success or customers were updated (timeline entries for which
    /// `TimelineEntry::updates_customers` holds), exactly, in time order.
    #[serde(default)]
    pub updates: Vec<Nanos>,
    /// How often they should be: the smallest `every` among the incident's tasks whose
    /// audience faces customers, in seconds.
    #[serde(default)]
    pub update_every: Option<Seconds>,
}

/// Nanoseconds since the Unix epoch: a time exactly.
pub type Nanos = i128;

pub const NANOS_PER_SECOND: Nanos = 1_000_000_000;

/// Whole seconds from `from` to `to`, rounded half up (1.5 s is 2 s).
pub fn whole_seconds(from: Nanos, to: Nanos) -> Seconds {
    let rounded = (to - from + NANOS_PER_SECOND / 2).div_euclid(NANOS_PER_SECOND);
    Seconds::try_from(rounded).unwrap_or(if rounded < 0 {
        Seconds::MIN
    } else {
        Seconds::MAX
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostmortemFacts {
    pub status: PostmortemStatus,
    pub owner: Option<String>,
    pub published_at: Option<Seconds>,
    pub actions: Vec<ActionFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionFacts {
    pub id: String,
    pub title: String,
    pub kind: ActionKind,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub status: ActionStatus,
    /// The commit that added it.
    pub created: Option<Seconds>,
    pub done_at: Option<Seconds>,
    /// The fraction of a second past `done_at`, in nanoseconds, and its UTC offset in
    /// seconds, as the file writes them: the item is listed as filed.
    pub done_at_subsec: u32,
    pub done_at_offset: i32,
    /// The code commit that closed it, as the file says.
    #[serde(default)]
    pub done_by: Option<String>,
    pub link: Option<String>,
    pub notes: Option<String>,
}

impl IncidentFacts {
    /// The incident's number, for a stable order (INC-9 before INC-10).
    pub fn number(&self) -> u64 {
        self.id
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// A time, exactly.
    pub fn exact(&self, key: TimeKey) -> Option<Nanos> {
        let seconds = self.times.get(key)?;
        Some(Nanos::from(seconds) * NANOS_PER_SECOND + Nanos::from(self.subsec.get(key)))
    }

    pub fn is_canceled(&self) -> bool {
        self.status == Status::Canceled
    }
}
