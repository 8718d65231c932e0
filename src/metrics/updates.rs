//! How customer-facing people were kept informed: how soon the first update reached
//! customer success or customers, and which incidents let the updates lapse for longer
//! than their response flow's `every`.

use serde::Serialize;

use super::facts::{NANOS_PER_SECOND, Nanos, whole_seconds};
use super::{Figure, IncidentFacts, Seconds, exactly_between};
use crate::model::TimeKey;

/// `time_to_first_update`: detected -> the first update to customer success or
/// customers, and how many incidents had none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FirstUpdate {
    #[serde(flatten)]
    pub figure: Figure,
    /// Incidents with no update to customer success or customers at all.
    pub without_update: usize,
}

/// `update_gaps`: the incidents whose updates were further apart than their cadence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateGaps {
    pub count: usize,
    /// Incidents with a cadence (a customer-facing task with `every`).
    pub of: usize,
    pub incidents: Vec<UpdateGap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateGap {
    pub id: String,
    /// The cadence, in seconds.
    pub every: Seconds,
    /// The longest stretch without an update, in whole seconds.
    pub longest_gap: Seconds,
}

pub fn first_update(counted: &[&IncidentFacts]) -> FirstUpdate {
    let mut took = Vec::new();
    let mut without_update = 0;
    for incident in counted {
        match incident.updates.first() {
            None => without_update += 1,
            Some(&first) => took.extend(exactly_between(
                incident.exact(TimeKey::Detected),
                Some(first),
            )),
        }
    }
    FirstUpdate {
        figure: Figure::of(took),
        without_update,
    }
}

pub fn update_gaps(counted: &[&IncidentFacts], as_of: Seconds) -> UpdateGaps {
    let mut of = 0;
    let mut incidents = Vec::new();
    for incident in counted {
        let Some(every) = incident.update_every else {
            continue;
        };
        of += 1;
        let every_exactly = Nanos::from(every) * NANOS_PER_SECOND;
        if let Some(longest) = longest_gap(incident, as_of).filter(|&gap| gap > every_exactly) {
            incidents.push(UpdateGap {
                id: incident.id.clone(),
                every,
                longest_gap: whole_seconds(0, longest),
            });
        }
    }
    UpdateGaps {
        count: incidents.len(),
        of,
        incidents,
    }
}

/// The longest stretch while the impact lasted from one customer-facing update to the
/// next, and from the last to the end of impact: mitigated, else resolved, else (for an
/// open incident) `as_of`. Nothing before the first update counts: that is
/// `time_to_first_update`'s.
fn longest_gap(incident: &IncidentFacts, as_of: Seconds) -> Option<Nanos> {
    let end = incident
        .exact(TimeKey::Mitigated)
        .or_else(|| incident.exact(TimeKey::Resolved))
        .or_else(|| {
            incident
                .status
                .is_open()
                .then(|| Nanos::from(as_of) * NANOS_PER_SECOND)
        });
    let mut points: Vec<Nanos> = incident
        .updates
        .iter()
        .copied()
        .filter(|&update| end.is_none_or(|end| update <= end))
        .collect();
    if points.is_empty() {
        return None;
    }
    points.extend(end);
    points.windows(2).map(|pair| pair[1] - pair[0]).max()
}
