//! Figures on small hand-made sets; every expected value is worked out in a comment.

use super::*;
use crate::metrics::followup::{action_rows, postmortem_rows};
use crate::model::{Config, Status, Times};

const H: Seconds = 3600;
/// 2026-03-01T00:00:00Z
const MAR1: Seconds = 1_772_323_200;

pub(super) fn incident(id: &str, severity: &str, detected: Seconds) -> IncidentFacts {
    IncidentFacts {
        id: id.to_string(),
        dir: format!("incidents/2026/{id}"),
        title: format!("title of {id}"),
        severity: severity.to_string(),
        status: Status::Resolved,
        services: vec![],
        teams: vec![],
        drill: false,
        commander: None,
        times: Times {
            detected: Some(detected),
            ..Times::default()
        },
        subsec: Times::default(),
        postmortem: None,
        caused_by: vec![],
        updates: vec![],
        update_every: None,
    }
}

fn ctx(config: &Config, as_of: Seconds) -> Context<'_> {
    Context {
        config,
        window: Window::new(as_of, Some(MAR1), None),
        zone: Zone::Named(chrono_tz::UTC),
    }
}

#[test]
fn nearest_rank_median_p90_and_half_up_mean() {
    // n = 5: median at ceil(2.5) = 3rd, p90 at ceil(4.5) = 5th; mean 1100 / 5 = 220.
    let f = Figure::of(vec![1000, 10, 30, 20, 40]);
    assert_eq!(
        (f.count, f.median, f.p90, f.mean),
        (5, Some(30), Some(1000), Some(220))
    );
    // n = 2: median at ceil(1) = 1st, p90 at ceil(1.8) = 2nd; mean 1.5 rounds up to 2.
    let f = Figure::of(vec![2, 1]);
    assert_eq!((f.median, f.p90, f.mean), (Some(1), Some(2), Some(2)));
    // n = 10: median at 5th, p90 at ceil(9) = 9th; mean 5.5 -> 6.
    let f = Figure::of((1..=10).collect());
    assert_eq!((f.median, f.p90, f.mean), (Some(5), Some(9), Some(6)));
    // n = 4: mean (1+2+3+4)/4 = 2.5 -> 3 (half up); n = 3: 4/3 = 1.33 -> 1.
    assert_eq!(Figure::of(vec![1, 2, 3, 4]).mean, Some(3));
    assert_eq!(Figure::of(vec![1, 1, 2]).mean, Some(1));
    let empty = Figure::of(vec![]);
    assert_eq!(
        (empty.count, empty.median, empty.p90, empty.mean),
        (0, None, None, None)
    );
}

#[test]
fn durations_follow_their_formulas_and_drills_and_canceled_stay_out() {
    let config = Config::default();
    let d = MAR1 + 10 * H;
    let mut a = incident("INC-1", "SEV2", d);
    // started 10 min before detection, acked 5 min after, mitigated 1 h, resolved 3 h after start.
    a.times.started = Some(d - 600);
    a.times.acknowledged = Some(d + 300);
    a.times.mitigated = Some(d - 600 + H);
    a.times.resolved = Some(d - 600 + 3 * H);
    let mut b = incident("INC-2", "SEV3", d + 24 * H);
    // No start recorded: no time to detect, resolved 1 h after detection; never acked.
    b.times.resolved = Some(d + 25 * H);
    let mut drill = incident("INC-3", "SEV1", d);
    drill.drill = true;
    drill.times.resolved = Some(d + 100 * H);
    let mut canceled = incident("INC-4", "SEV1", d);
    canceled.status = Status::Canceled;
    canceled.times.resolved = Some(d + 100 * H);
    let all = vec![a, b, drill, canceled];
    let c = ctx(&config, MAR1 + 30 * 24 * H);
    let s = summarize(&in_window(&all, &c.window), &c);
    // total: INC-1, INC-2 (the drill is out entirely; INC-4 only counts as canceled).
    assert_eq!((s.incidents.total, s.incidents.canceled), (2, 1));
    assert_eq!(s.incidents.by_severity.get("SEV2"), Some(&1));
    assert_eq!(s.incidents.by_severity.get("SEV1"), None);
    // detect: INC-1 only (INC-2's start is unknown, not 0 s before detection).
    assert_eq!(
        (
            s.time_to_detect.count,
            s.time_to_detect.median,
            s.time_to_detect.mean
        ),
        (1, Some(600), Some(600))
    );
    // acknowledge: INC-1 only, 300.
    assert_eq!(
        (s.time_to_acknowledge.count, s.time_to_acknowledge.median),
        (1, Some(300))
    );
    // mitigate: INC-1 only, 1 h.
    assert_eq!(
        (s.time_to_mitigate.count, s.time_to_mitigate.mean),
        (1, Some(H))
    );
    // resolve: [1 h (INC-2), 3 h (INC-1)] -> median 1 h, p90 3 h, mean 2 h.
    assert_eq!(
        (
            s.time_to_resolve.median,
            s.time_to_resolve.p90,
            s.time_to_resolve.mean
        ),
        (Some(H), Some(3 * H), Some(2 * H))
    );
}

#[test]
fn the_window_is_by_detection_time_half_open() {
    let config = Config::default();
    let inside = incident("INC-1", "SEV3", MAR1);
    let before = incident("INC-2", "SEV3", MAR1 - 1);
    let at_end = incident("INC-3", "SEV3", MAR1 + 10 * 24 * H);
    let all = vec![inside, before, at_end];
    let window = Window::new(MAR1 + 20 * 24 * H, Some(MAR1), Some(MAR1 + 10 * 24 * H));
    let ids: Vec<&str> = in_window(&all, &window)
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, ["INC-1"]);
    // Default: the 90 days up to and including as_of.
    let w = Window::new(MAR1, None, None);
    assert!(
        w.contains(MAR1) && w.contains(MAR1 - 90 * 24 * H) && !w.contains(MAR1 - 90 * 24 * H - 1)
    );
    let _ = config;
}

fn action(id: &str, status: ActionStatus, due: Option<&str>) -> ActionFacts {
    ActionFacts {
        id: id.to_string(),
        title: format!("do {id}"),
        kind: ActionKind::Detect,
        owner: Some("ana".to_string()),
        due: due.map(|d| d.parse().unwrap()),
        status,
        created: Some(MAR1),
        done_at: None,
        done_at_subsec: 0,
        done_at_offset: 0,
        done_by: None,
        link: None,
        notes: None,
    }
}

#[test]
fn postmortem_and_action_follow_up() {
    let config = Config::default(); // SEV1/SEV2 require a postmortem; SEV2 due in 7 days.
    let d = MAR1 + H;
    let mut published = incident("INC-1", "SEV2", d);
    published.times.resolved = Some(d + H);
    let mut done = action("INC-1.A1", ActionStatus::Done, Some("2026-03-10"));
    done.done_at = Some(MAR1 + 2 * 24 * H); // created MAR1 -> done 2 days later
    published.postmortem = Some(PostmortemFacts {
        status: PostmortemStatus::Published,
        owner: Some("ana".into()),
        published_at: Some(d + H + 50 * H), // 50 h after resolution
        actions: vec![
            done,
            action("INC-1.A2", ActionStatus::Open, Some("2026-03-05")),
            action("INC-1.A3", ActionStatus::InProgress, Some("2026-03-20")),
            action("INC-1.A4", ActionStatus::WontDo, Some("2026-03-01")),
        ],
    });
    let mut late = incident("INC-2", "SEV2", d);
    late.times.resolved = Some(d); // due d + 7 days = March 8, 01:00
    let mut fresh = incident("INC-3", "SEV1", d + 9 * 24 * H);
    fresh.times.resolved = Some(d + 9 * 24 * H); // SEV1 due 5 days later: not yet
    let minor = incident("INC-4", "SEV3", d); // no postmortem required
    let all = vec![published, late, fresh, minor];
    // as of March 10 00:00 UTC.
    let c = ctx(&config, MAR1 + 9 * 24 * H);
    let s = summarize(&in_window(&all, &c.window), &c);
    // INC-3 was detected after as_of, so outside the window: INC-1, INC-2, INC-4 count.
    assert_eq!(s.incidents.total, 3);
    assert_eq!((s.postmortems.required, s.postmortems.published), (2, 1));
    assert_eq!(s.postmortems.lead_time.median, Some(50 * H));
    // INC-2: resolved March 1 01:00 + 7 days = March 8 01:00 < March 10: overdue.
    assert_eq!(s.postmortems.overdue, 1);
    // Actions: 4 in all; open = open + in_progress = 2; overdue = A2 (due March 5 < March 10).
    let a = &s.actions;
    assert_eq!(
        (a.total, a.open, a.done, a.wont_do, a.overdue),
        (4, 2, 1, 1, 1)
    );
    assert_eq!(a.time_to_done.median, Some(2 * 24 * H));
    assert_eq!(a.by_kind.get("detect"), Some(&4));
    assert_eq!(a.by_kind.get("prevent"), Some(&0));

    // The reports look at everything still open, overdue first.
    let rows = action_rows(&all, &c);
    let ids: Vec<(&str, bool, i64)> = rows
        .iter()
        .map(|r| (r.id.as_str(), r.overdue, r.days_overdue))
        .collect();
    // A2: due March 5, as of March 10: 5 days overdue. A3 not due yet.
    assert_eq!(ids, [("INC-1.A2", true, 5), ("INC-1.A3", false, 0)]);
    assert_eq!(rows[1].days_open, Some(9));
    let pms = postmortem_rows(&all, &c);
    // INC-2 is 1 day 23 h past due: 1 whole day.
    assert_eq!(pms.len(), 1);
    assert_eq!(
        (
            pms[0].incident.as_str(),
            pms[0].status.as_str(),
            pms[0].days_overdue
        ),
        ("INC-2", "missing", 1)
    );
}

#[test]
fn groups_count_an_incident_in_each_of_its_services() {
    let config = Config::default();
    let mut both = incident("INC-1", "SEV2", MAR1 + H);
    both.services = vec!["api".into(), "web".into()];
    let mut web = incident("INC-2", "SEV1", MAR1 + 40 * 24 * H);
    web.services = vec!["web".into()];
    let none = incident("INC-3", "SEV3", MAR1 + 2 * H);
    let all = vec![both, web, none];
    let c = ctx(&config, MAR1 + 60 * 24 * H);
    let chosen = in_window(&all, &c.window);
    let keyed = |by| -> Vec<(String, usize)> {
        grouped(&chosen, by, &c)
            .into_iter()
            .map(|g| (g.key, g.summary.incidents.total))
            .collect()
    };
    let pairs = |v: &[(&str, usize)]| {
        v.iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keyed(GroupBy::Service),
        pairs(&[("api", 1), ("web", 2), ("(none)", 1)])
    );
    // Severities in config order.
    assert_eq!(
        keyed(GroupBy::Severity),
        pairs(&[("SEV1", 1), ("SEV2", 1), ("SEV3", 1)])
    );
    assert_eq!(
        keyed(GroupBy::Month),
        pairs(&[("2026-03", 2), ("2026-04", 1)])
    );
    // 2026-03-01 is a Sunday: ISO week 9; April 10 is in week 15.
    assert_eq!(
        keyed(GroupBy::Week),
        pairs(&[("2026-W09", 2), ("2026-W15", 1)])
    );
    let trend = monthly_counts(&chosen, &c);
    assert_eq!(trend, pairs(&[("2026-03", 2), ("2026-04", 1)]));
}

#[test]
fn durations_come_from_the_exact_times_rounded_half_up() {
    let config = Config::default();
    let d = MAR1 + 10 * H;
    let mut a = incident("INC-1", "SEV2", d);
    // started 1.1 s before detection (at d - 2 + 0.9 s): 1 s, where whole seconds
    // taken first would say 2.
    a.times.started = Some(d - 2);
    a.subsec.started = 900_000_000;
    // acknowledged 1.5 s after detection: 2 s (half up), where whole seconds would say 1.
    a.times.acknowledged = Some(d + 1);
    a.subsec.acknowledged = 500_000_000;
    let all = vec![a];
    let c = ctx(&config, MAR1 + 30 * 24 * H);
    let s = summarize(&in_window(&all, &c.window), &c);
    assert_eq!(s.time_to_detect.median, Some(1));
    assert_eq!(s.time_to_acknowledge.median, Some(2));
}

#[test]
fn update_gaps_count_only_while_the_impact_lasted() {
    const M: Seconds = 60;
    let at = |s: Seconds| facts::Nanos::from(s) * facts::NANOS_PER_SECOND;
    let d = MAR1 + 10 * H;
    let with = |id: &str, status: Status, updates: &[Seconds], end: Option<Seconds>| {
        let mut i = incident(id, "SEV2", d);
        i.status = status;
        i.times.mitigated = end;
        i.update_every = Some(30 * M);
        i.updates = updates.iter().map(|&s| at(d + s)).collect();
        i
    };
    let mut all = vec![
        // Exactly 30m apart, then 30m to mitigation: never longer than the cadence.
        with("INC-1", Status::Resolved, &[0, 30 * M], Some(d + 60 * M)),
        // An update 2h after mitigation is not a gap in the impact's updates.
        with(
            "INC-2",
            Status::Resolved,
            &[10 * M, 3 * H],
            Some(d + 20 * M),
        ),
        // The only update came after mitigation: no gap checked.
        with("INC-3", Status::Resolved, &[2 * H], Some(d + H)),
        // Still open at as_of (d + 2h): 1h 30m since its last update.
        with("INC-4", Status::Investigating, &[30 * M], None),
        // Closed with no end of impact known: only between updates (45m).
        with("INC-5", Status::Closed, &[0, 45 * M], None),
        // Mitigated 30m 00.6s after its update: over the cadence, 30m 01s rounded.
        with("INC-6", Status::Resolved, &[0], Some(d + 30 * M)),
    ];
    all[5].subsec.mitigated = 600_000_000;
    let config = Config::default();
    let c = ctx(&config, d + 2 * H);
    let s = summarize(&in_window(&all, &c.window), &c);
    let listed: Vec<(&str, Seconds)> = s
        .update_gaps
        .incidents
        .iter()
        .map(|g| (g.id.as_str(), g.longest_gap))
        .collect();
    assert_eq!(
        listed,
        [("INC-4", 90 * M), ("INC-5", 45 * M), ("INC-6", 30 * M + 1)]
    );
    assert_eq!((s.update_gaps.count, s.update_gaps.of), (3, 6));
    // First updates: 0, 10m, 2h, 30m, 0, 0; none without.
    assert_eq!(s.time_to_first_update.figure.median, Some(0));
    assert_eq!(s.time_to_first_update.without_update, 0);
}
