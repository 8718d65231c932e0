//! `metrics`: the figures over a window of incidents, overall or per group.

use crate::error::{Error, FileError, Result};
use crate::history::{self, Progress};
use crate::metrics::dora::{CausedBy, DeployFacts, Dora};
use crate::metrics::{self, Context, Group, GroupBy, IncidentFacts, Summary, Window};
use crate::model::{Config, TimeContext, Zone};
use crate::store::Store;

pub struct MetricsRequest<'a> {
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub as_of: Option<&'a str>,
    pub by: Option<GroupBy>,
    /// Where deployments are read from for the DORA figures: a ref pattern or a deploy
    /// log file.
    pub deploys: Option<&'a str>,
}

pub struct MetricsResult {
    pub config: Config,
    pub zone: Zone,
    pub window: Window,
    pub overall: Summary,
    /// With `--by`: one summary per group.
    pub groups: Option<Vec<Group>>,
    /// Incidents per month over the window.
    pub trend: Vec<(String, usize)>,
    /// With deployments given: the DORA figures over the window.
    pub dora: Option<Dora>,
    /// Files that did not parse: named on stderr, left out of the figures.
    pub broken: Vec<FileError>,
}

/// The window's ends from the command line: `--as-of` (default now), then 90 days back
/// unless `--since` / `--until` say otherwise.
pub fn window(
    time: &TimeContext,
    since: Option<&str>,
    until: Option<&str>,
    as_of: Option<&str>,
) -> Result<Window> {
    let parse = |s: Option<&str>| s.map(|s| time.parse(s).map(|t| t.timestamp())).transpose();
    let as_of = parse(as_of)?.unwrap_or_else(|| time.now().timestamp());
    let window = Window::new(as_of, parse(since)?, parse(until)?);
    if window.since >= window.until {
        return Err(Error::invalid(
            "the window is empty: --since must be before --until (or --as-of)",
        ));
    }
    Ok(window)
}

pub fn metrics(
    store: &Store,
    request: &MetricsRequest<'_>,
    progress: Progress<'_>,
) -> Result<MetricsResult> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let zone = config.zone()?;
    let time = TimeContext::wall_clock(zone, crate::store::typist_zone()?);
    let window = window(&time, request.since, request.until, request.as_of)?;
    let loaded = history::load(store, &snapshot, progress)?;
    let chosen = metrics::in_window(&loaded.incidents, &window);
    let ctx = Context {
        config: &config,
        window,
        zone,
    };
    let overall = metrics::summarize(&chosen, &ctx);
    let groups = request.by.map(|by| metrics::grouped(&chosen, by, &ctx));
    let trend = metrics::monthly_counts(&chosen, &ctx);
    let dora = request
        .deploys
        .map(|source| dora(store, source, &chosen, &window))
        .transpose()?;
    Ok(MetricsResult {
        dora,
        window,
        overall,
        groups,
        trend,
        broken: loaded.broken,
        zone,
        config,
    })
}

/// The DORA figures: what the store says about the deployments `source` names and the
/// causing commits of the incidents in the window, put through the arithmetic.
fn dora(store: &Store, source: &str, chosen: &[&IncidentFacts], window: &Window) -> Result<Dora> {
    let mut deployments = store.deployments(source)?;
    // Later ones are outside the window, and after every incident in it was detected.
    deployments.retain(|d| d.time < window.until);
    let mut shipped = store.shipped(&deployments)?;
    let facts: Vec<DeployFacts> = deployments
        .iter()
        .zip(std::mem::take(&mut shipped.times))
        .enumerate()
        .map(|(i, (deployment, times))| DeployFacts {
            time: deployment.time,
            shipped: (i > 0).then_some(times),
        })
        .collect();
    let causes = chosen
        .iter()
        .filter(|incident| !incident.is_canceled())
        .map(|&incident| {
            let mut first = Vec::new();
            for value in &incident.caused_by {
                first.extend(store.first_containing(&shipped, value)?);
            }
            Ok(CausedBy {
                incident,
                deployments: first,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(metrics::dora::dora(&facts, &causes, window))
}
