//! The six times of an incident: [`TimeKey`] names one, [`Times`] holds a value for each.
//! The file's `[times]` table, what history derives and what metrics read share this
//! shape, so a time is never looked up by its name outside parsing and serialising.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Status;

/// One of the incident's times, in the order an incident lives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeKey {
    Started,
    Detected,
    Acknowledged,
    Mitigated,
    Resolved,
    Closed,
}

impl TimeKey {
    pub const ALL: [TimeKey; 6] = [
        TimeKey::Started,
        TimeKey::Detected,
        TimeKey::Acknowledged,
        TimeKey::Mitigated,
        TimeKey::Resolved,
        TimeKey::Closed,
    ];

    /// The keys of the `[times]` table, in the order of `ALL`.
    pub const NAMES: [&'static str; 6] = {
        let mut names = [""; 6];
        let mut i = 0;
        while i < names.len() {
            names[i] = TimeKey::ALL[i].as_str();
            i += 1;
        }
        names
    };

    /// The key in the `[times]` table (and in `set times.<key>`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeKey::Started => "started",
            TimeKey::Detected => "detected",
            TimeKey::Acknowledged => "acknowledged",
            TimeKey::Mitigated => "mitigated",
            TimeKey::Resolved => "resolved",
            TimeKey::Closed => "closed",
        }
    }

    /// The state whose reaching stamps this time, if any (see [`Status::time_key`]).
    pub fn state(self) -> Option<Status> {
        Status::ALL
            .iter()
            .copied()
            .find(|state| state.time_key() == Some(self))
    }

    /// Pairs that must be in order: (earlier, later).
    pub const ORDER: [(TimeKey, TimeKey); 7] = [
        (TimeKey::Started, TimeKey::Detected),
        (TimeKey::Started, TimeKey::Mitigated),
        (TimeKey::Detected, TimeKey::Acknowledged),
        (TimeKey::Started, TimeKey::Resolved),
        (TimeKey::Mitigated, TimeKey::Resolved),
        (TimeKey::Resolved, TimeKey::Closed),
        (TimeKey::Detected, TimeKey::Resolved),
    ];
}

impl std::fmt::Display for TimeKey {
    /// The key, padded as asked (`{:<12}` lines times up).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for TimeKey {
    type Err = crate::error::Error;

    /// Exactly a `[times]` key: no trimming, since the name lands in the file as given.
    fn from_str(s: &str) -> Result<TimeKey, Self::Err> {
        TimeKey::ALL
            .into_iter()
            .find(|key| key.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = TimeKey::ALL.map(TimeKey::as_str).to_vec();
                crate::error::Error::invalid(format!(
                    "unknown time {s:?}: expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

// A value for each time: `Option<Timestamp>` in incident.toml, whole seconds in
// metrics, labels in the views. Serialised as a table of the six keys in order. (A
// plain comment: a doc comment would become the schema's description.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Times", bound = "T: JsonSchema + Default + Serialize")]
pub struct Times<T> {
    /// Impact began.
    #[serde(default)]
    pub started: T,
    #[serde(default)]
    pub detected: T,
    /// A commander took the incident.
    #[serde(default)]
    pub acknowledged: T,
    /// Impact ended.
    #[serde(default)]
    pub mitigated: T,
    #[serde(default)]
    pub resolved: T,
    #[serde(default)]
    pub closed: T,
}

impl<T> Times<T> {
    /// Each time's value from its key.
    pub fn from_fn(mut value: impl FnMut(TimeKey) -> T) -> Times<T> {
        Times {
            started: value(TimeKey::Started),
            detected: value(TimeKey::Detected),
            acknowledged: value(TimeKey::Acknowledged),
            mitigated: value(TimeKey::Mitigated),
            resolved: value(TimeKey::Resolved),
            closed: value(TimeKey::Closed),
        }
    }

    pub fn slot(&self, key: TimeKey) -> &T {
        match key {
            TimeKey::Started => &self.started,
            TimeKey::Detected => &self.detected,
            TimeKey::Acknowledged => &self.acknowledged,
            TimeKey::Mitigated => &self.mitigated,
            TimeKey::Resolved => &self.resolved,
            TimeKey::Closed => &self.closed,
        }
    }

    pub fn slot_mut(&mut self, key: TimeKey) -> &mut T {
        match key {
            TimeKey::Started => &mut self.started,
            TimeKey::Detected => &mut self.detected,
            TimeKey::Acknowledged => &mut self.acknowledged,
            TimeKey::Mitigated => &mut self.mitigated,
            TimeKey::Resolved => &mut self.resolved,
            TimeKey::Closed => &mut self.closed,
        }
    }

    /// The same times with each value mapped.
    pub fn map<U>(&self, mut f: impl FnMut(TimeKey, &T) -> U) -> Times<U> {
        Times::from_fn(|key| f(key, self.slot(key)))
    }
}

impl<T: Copy> Times<T> {
    pub fn get(&self, key: TimeKey) -> T {
        *self.slot(key)
    }

    /// Every key with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (TimeKey, T)> + '_ {
        TimeKey::ALL.into_iter().map(|key| (key, self.get(key)))
    }
}

impl<V: Copy + Ord> Times<Option<V>> {
    /// The times that are set, in order.
    pub fn known(&self) -> impl Iterator<Item = (TimeKey, V)> + '_ {
        self.iter().filter_map(|(key, value)| Some((key, value?)))
    }

    /// Every pair out of order, as (earlier key, later key).
    pub fn out_of_order(&self) -> Vec<(TimeKey, TimeKey)> {
        TimeKey::ORDER
            .into_iter()
            .filter(|(a, b)| matches!((self.get(*a), self.get(*b)), (Some(x), Some(y)) if y < x))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_follow_the_fields() {
        for key in TimeKey::ALL {
            assert_eq!(key.as_str().parse::<TimeKey>().unwrap(), key);
        }
        assert!(" started".parse::<TimeKey>().is_err());
        assert!("Started".parse::<TimeKey>().is_err());
        let names = Times::from_fn(TimeKey::as_str);
        let json = serde_json::to_value(names).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        let mut expected: Vec<&str> = TimeKey::ALL.map(TimeKey::as_str).to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(names.iter().count(), 6);
        assert!(names.iter().all(|(k, v)| k.as_str() == v));
    }

    #[test]
    fn states_and_their_times_agree() {
        for state in Status::ALL.iter().copied() {
            if let Some(key) = state.time_key() {
                assert_eq!(key.state(), Some(state));
                assert_eq!(key.as_str(), state.as_str());
            }
        }
        let stamped: Vec<TimeKey> = TimeKey::ALL
            .into_iter()
            .filter(|k| k.state().is_some())
            .collect();
        assert_eq!(
            stamped,
            [TimeKey::Mitigated, TimeKey::Resolved, TimeKey::Closed]
        );
    }
}
