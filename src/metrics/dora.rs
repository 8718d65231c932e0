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
    /// for the first deployment known, which has no earlier one to tell its changes from
    /// older history.
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
    /// `count` over the window's length in weeks, to two decimals.
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
            // Hundredths: the window's extra second (`until` is exclusive) is noise.
            per_week: (count as f64 * WEEK as f64 / length as f64 * 100.0).round() / 100.0,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tests::incident;

    const H: Seconds = 3600;

    fn deployed(time: Seconds, shipped: &[Seconds]) -> DeployFacts {
        DeployFacts {
            time,
            shipped: Some(shipped.to_vec()),
        }
    }

    #[test]
    fn recovery_counts_from_the_earliest_failed_deployment_and_skips_what_is_out_of_order() {
        let window = Window::new(100 * H, Some(0), None);
        let deployments = [
            deployed(10 * H, &[9 * H]),
            // A commit dated after the deployment (a skewed clock) is left out.
            deployed(20 * H, &[19 * H, 21 * H]),
            deployed(30 * H, &[]),
        ];
        let mut two_causes = incident("INC-1", "SEV2", 25 * H);
        two_causes.times.resolved = Some(26 * H);
        // Resolved before its failed deployment: out of order, left out.
        let mut early = incident("INC-2", "SEV2", 31 * H);
        early.times.resolved = Some(29 * H);
        let causes = [
            CausedBy {
                incident: &two_causes,
                deployments: vec![2, 1],
            },
            CausedBy {
                incident: &early,
                deployments: vec![2],
            },
        ];
        let d = dora(&deployments, &causes, &window);
        assert_eq!(d.deployments.count, 3);
        // Deployments 1 and 2 failed: 2 of 3.
        assert_eq!(d.failed_deployments, 2);
        assert_eq!(d.change_fail_rate, Some(2.0 / 3.0));
        // INC-1 from deployment 1 (20h, the earlier of its two) to 26h: 6h.
        assert_eq!(d.failed_deployment_recovery_time, Figure::of(vec![6 * H]));
        // 10h - 9h and 20h - 19h.
        assert_eq!(d.lead_time_for_changes, Figure::of(vec![H, H]));
    }
}
