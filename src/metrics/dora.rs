//! The four DORA figures (dora.dev): deployment frequency, change fail rate, failed
//! deployment recovery time and lead time for changes. The store says what each
//! deployment shipped and which deployment first shipped a causing commit; this is the
//! arithmetic.

use serde::Serialize;

use super::facts::{self, IncidentFacts, Nanos, Seconds};
use super::{Figure, Window, exactly_between};
use crate::model::TimeKey;

const WEEK: Seconds = 7 * 86_400;

/// One deployment as the figures need it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployFacts {
    /// Unix seconds.
    pub time: Seconds,
    /// The committer times of the commits it was the first deployment to contain; `None`
    /// when unknown (deployments outside the window are not walked, and the first
    /// deployment known has no earlier one to tell its changes from older history).
    pub shipped: Option<Vec<Seconds>>,
}

/// An incident in the window (canceled ones left out) with the deployments (indices, oldest first) that were the
/// first to contain one of its `caused_by` commits.
pub struct CausedBy<'a> {
    pub incident: &'a IncidentFacts,
    pub deployments: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dora {
    pub deployments: Deployments,
    /// Deployments in the window that were the first to contain a `caused_by` commit of
    /// an incident in the window.
    pub failed_deployments: usize,
    /// `failed_deployments / deployments.count`, from 0 to 1; null with no deployment.
    pub change_fail_rate: Option<f64>,
    /// Failed deployment -> resolved, over the incidents in the window with one.
    pub failed_deployment_recovery_time: Figure,
    /// Commit -> the first deployment containing it, over the commits deployed in the
    /// window.
    pub lead_time_for_changes: Figure,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployments {
    pub count: usize,
    /// `count` over the window's length in weeks.
    pub per_week: f64,
}

/// The figures over `window`. `deployments` are oldest first, as `causes` index them.
pub fn dora(deployments: &[DeployFacts], causes: &[CausedBy<'_>], window: &Window) -> Dora {
    let in_window: Vec<usize> = (0..deployments.len())
        .filter(|&i| window.contains(deployments[i].time))
        .collect();
    let count = in_window.len();
    let failed = in_window
        .iter()
        .filter(|&&i| causes.iter().any(|c| c.deployments.contains(&i)))
        .count();
    let recovery = causes
        .iter()
        .filter_map(|c| {
            // The failure shipped with the earliest deployment of any of its causes.
            let failed = deployments[*c.deployments.iter().min()?].time;
            exactly_between(Some(nanos(failed)), c.incident.exact(TimeKey::Resolved))
        })
        .collect();
    let lead_times = in_window
        .iter()
        .flat_map(|&i| {
            let deployed = deployments[i].time;
            deployments[i]
                .shipped
                .iter()
                .flatten()
                .filter(move |&&committed| committed <= deployed)
                .map(move |&committed| deployed - committed)
        })
        .collect();
    let length = (window.until - window.since).max(1);
    Dora {
        deployments: Deployments {
            count,
            per_week: count as f64 * WEEK as f64 / length as f64,
        },
        failed_deployments: failed,
        change_fail_rate: (count > 0).then(|| failed as f64 / count as f64),
        failed_deployment_recovery_time: Figure::of(recovery),
        lead_time_for_changes: Figure::of(lead_times),
    }
}

fn nanos(seconds: Seconds) -> Nanos {
    Nanos::from(seconds) * facts::NANOS_PER_SECOND
}
