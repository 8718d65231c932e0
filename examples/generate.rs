//! Writes a realistic incident branch for benchmarks and demos:
//!
//!     cargo run --release --example generate -- DIR N [CHANGES_PER_COMMIT]
//!
//! N incidents over ten years, about ten changes each (open, take command, timeline,
//! status changes, postmortems with action items, publication, follow-ups), interleaved
//! by time as on a real team's branch. Some changes are "hand edits" that change a
//! status without writing its time, so that time exists only in history.
//!
//! Each change is a commit, unless CHANGES_PER_COMMIT (default 1) groups that many
//! consecutive changes into one commit, as a team that syncs in batches would: every
//! commit rewrites its year tree, and at 100,000 incidents a year tree holds 10,000
//! entries, so a commit per change (about 1,000,000 commits of a 400 KB tree each)
//! takes `git fast-import` over two hours and gigabytes of pack.
//!
//! The repository is created with git2; the commits go through `git fast-import`,
//! which writes one delta-compressed pack. Written one by one as loose objects, 100,000
//! commits would leave millions of files (every commit rewrites a year tree).

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset};
use git_incident::model::Language;
use git_incident::model::schema;
use git_incident::ops::init::{InitOptions, config_text};

const TEN_YEARS: i64 = 10 * 365 * 86_400;
/// 2017-01-01T00:00:00+09:00
const START: i64 = 1_483_196_400;
const PEOPLE: [&str; 8] = ["Ana", "Ben", "Chika", "Dev", "Emi", "Femi", "Gus", "Haru"];
const SERVICES: [&str; 6] = ["checkout", "payments", "search", "auth", "api", "web"];
const TEAMS: [&str; 3] = ["platform", "web", "data"];

/// Deterministic, so that two runs give the same branch.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy)]
enum Step {
    Open,
    Ack { hand: bool },
    Note(&'static str),
    Status { to: &'static str, hand: bool },
    PmNew,
    PmWrite,
    ActionsAdd,
    PmReview,
    PmPublish { hand: bool },
    ActionDone { index: usize, hand: bool },
}

struct Event {
    at: i64,
    incident: usize,
    step: Step,
}

#[derive(Default)]
struct Action {
    id: String,
    title: String,
    kind: &'static str,
    owner: String,
    due: String,
    status: &'static str,
    done_at: Option<i64>,
}

#[derive(Default)]
struct Postmortem {
    status: &'static str,
    owner: String,
    published_at: Option<i64>,
    written: bool,
    actions: Vec<Action>,
}

struct Incident {
    id: String,
    dir: String,
    uid: String,
    title: String,
    severity: &'static str,
    status: &'static str,
    services: Vec<&'static str>,
    teams: Vec<&'static str>,
    commander: Option<&'static str>,
    drill: bool,
    /// started, detected, acknowledged, mitigated, resolved, closed
    times: [Option<i64>; 6],
    timeline: Vec<(i64, &'static str, String, &'static str)>,
    postmortem: Option<Postmortem>,
    person: &'static str,
}

fn time(t: i64) -> String {
    let offset = FixedOffset::east_opt(9 * 3600).expect("valid offset");
    DateTime::from_timestamp(t, 0)
        .expect("in range")
        .with_timezone(&offset)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

impl Incident {
    fn text(&self) -> String {
        let mut t = String::from("#:schema ../../../schema/incident.schema.json\n\n");
        t += &format!(
            "schema_version = 1\nid = {:?}\nuid = {:?}\ntitle = {:?}\nseverity = {:?}\nstatus = {:?}\n",
            self.id, self.uid, self.title, self.severity, self.status
        );
        t += &format!(
            "services = {}\nteams = {}\nlabels = []\n",
            list(&self.services),
            list(&self.teams)
        );
        if let Some(c) = self.commander {
            t += &format!("commander = {c:?}\n");
        }
        if self.drill {
            t += "drill = true\n";
        }
        t += "\n[times]\n";
        let names = [
            "started",
            "detected",
            "acknowledged",
            "mitigated",
            "resolved",
            "closed",
        ];
        for (name, value) in names.iter().zip(self.times) {
            if let Some(v) = value {
                t += &format!("{name} = {}\n", time(v));
            }
        }
        for (at, kind, text, author) in &self.timeline {
            t += &format!(
                "\n[[timeline]]\nat = {}\nkind = {kind:?}\ntext = {text:?}\nauthor = {author:?}\n",
                time(*at)
            );
        }
        t
    }

    fn postmortem_text(&self) -> Option<String> {
        let pm = self.postmortem.as_ref()?;
        let mut t = String::from("#:schema ../../../schema/postmortem.schema.json\n\n");
        t += &format!(
            "schema_version = 1\nincident = {:?}\nstatus = {:?}\nowner = {:?}\nparticipants = [{:?}, {:?}]\n",
            self.id, pm.status, pm.owner, pm.owner, self.person
        );
        if let Some(p) = pm.published_at {
            t += &format!("published_at = {}\n", time(p));
        }
        if pm.written {
            t += &format!(
                "summary = \"\"\"\n{} was unavailable for part of its users.\nA rollback restored service.\"\"\"\n",
                self.services.first().copied().unwrap_or("The service")
            );
            t += "impact = \"Some requests failed with 500 for the duration.\"\n";
            t += "trigger = \"A deploy changed a connection pool setting.\"\n";
            t += "\n[root_cause]\nwhys = [\"Requests failed\", \"The pool was exhausted\", \"Its size was lowered by a config change\", \"No check compares pool size with load\"]\n";
            t +=
                "statement = \"Pool size is not validated against expected load before deploy.\"\n";
        }
        for a in &pm.actions {
            t += &format!(
                "\n[[action]]\nid = {:?}\ntitle = {:?}\nkind = {:?}\nowner = {:?}\ndue = {}\nstatus = {:?}\n",
                a.id, a.title, a.kind, a.owner, a.due, a.status
            );
            if let Some(d) = a.done_at {
                t += &format!("done_at = {}\n", time(d));
            }
            t += &format!("link = \"https://tracker.example/{}\"\n", a.id);
        }
        Some(t)
    }
}

fn plan(n: usize, rng: &mut Rng) -> (Vec<Incident>, Vec<Event>) {
    let mut incidents = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n * 11);
    let spacing = TEN_YEARS / n.max(1) as i64;
    for i in 0..n {
        let detected = START + i as i64 * spacing + rng.below(spacing.max(1) as u64 / 2) as i64;
        let year = DateTime::from_timestamp(detected + 9 * 3600, 0)
            .expect("in range")
            .format("%Y")
            .to_string();
        let id = format!("INC-{}", i + 1);
        let severity =
            ["SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV3", "SEV4"][rng.below(7) as usize];
        let service = rng.pick(&SERVICES);
        let mut services = vec![service];
        if rng.chance(10) {
            services.push(rng.pick(&SERVICES));
            services.dedup();
        }
        let person = rng.pick(&PEOPLE);
        incidents.push(Incident {
            dir: format!("incidents/{year}/{id}"),
            uid: format!("{:016x}-{:016x}", rng.next(), rng.next()),
            title: format!("{service} errors after deploy #{}", rng.below(9000) + 1000),
            severity,
            status: "investigating",
            services,
            teams: vec![rng.pick(&TEAMS)],
            commander: None,
            drill: rng.chance(2),
            times: [None; 6],
            timeline: Vec::new(),
            postmortem: None,
            person,
            id,
        });
        let mut at = detected;
        let mut push = |at: i64, step: Step| {
            events.push(Event {
                at,
                incident: i,
                step,
            })
        };
        push(at, Step::Open);
        at += 60 + rng.below(20 * 60) as i64;
        push(
            at,
            Step::Ack {
                hand: rng.chance(10),
            },
        );
        at += 60 + rng.below(600) as i64;
        push(at, Step::Note("Rolled back the last deploy"));
        if rng.chance(3) {
            push(
                at + 600,
                Step::Status {
                    to: "canceled",
                    hand: false,
                },
            );
            continue;
        }
        at += 60 + rng.below(3000) as i64;
        push(
            at,
            Step::Status {
                to: "identified",
                hand: false,
            },
        );
        at += 60 + rng.below(3 * 3600) as i64;
        push(at, Step::Note("Error rate back to normal"));
        push(
            at + 30,
            Step::Status {
                to: "mitigated",
                hand: rng.chance(5),
            },
        );
        at += 600 + rng.below(86_400) as i64;
        // Some teams resolve by editing the file: the time then lives only in history.
        push(
            at,
            Step::Status {
                to: "resolved",
                hand: rng.chance(10),
            },
        );
        let resolved = at;
        if matches!(severity, "SEV1" | "SEV2") && rng.chance(85) {
            let mut t = resolved + 86_400 + rng.below(3 * 86_400) as i64;
            push(t, Step::PmNew);
            t += 3600 + rng.below(86_400) as i64;
            push(t, Step::PmWrite);
            t += 600;
            push(t, Step::ActionsAdd);
            if rng.chance(80) {
                t += 86_400 + rng.below(4 * 86_400) as i64;
                push(t, Step::PmReview);
                if rng.chance(85) {
                    t += 3600 + rng.below(3 * 86_400) as i64;
                    push(
                        t,
                        Step::PmPublish {
                            hand: rng.chance(15),
                        },
                    );
                }
            }
            for index in 0..3 {
                if rng.chance(60) {
                    let done = t + 86_400 + rng.below(40 * 86_400) as i64;
                    push(
                        done,
                        Step::ActionDone {
                            index,
                            hand: rng.chance(15),
                        },
                    );
                }
            }
        }
        if rng.chance(50) {
            push(
                resolved + 20 * 86_400 + rng.below(86_400) as i64,
                Step::Status {
                    to: "closed",
                    hand: false,
                },
            );
        }
    }
    events.sort_by_key(|e| (e.at, e.incident));
    (incidents, events)
}

/// Applies one step; returns the commit subject and who made it.
fn apply(inc: &mut Incident, step: Step, at: i64, rng: &mut Rng) -> Option<String> {
    let who = inc.person;
    Some(match step {
        Step::Open => {
            inc.times[1] = Some(at);
            if rng.chance(80) {
                inc.times[0] = Some(at - rng.below(1800) as i64);
            }
            format!("{}: open {} {:?}", inc.id, inc.severity, inc.title)
        }
        Step::Ack { hand } => {
            inc.commander = Some(who);
            if !hand {
                inc.times[2] = Some(at);
                inc.timeline
                    .push((at, "status", format!("{who} took command"), who));
            }
            format!("{}: acknowledged by {who}", inc.id)
        }
        Step::Note(text) => {
            inc.timeline.push((at, "action", text.to_string(), who));
            format!("{}: timeline + action {text:?}", inc.id)
        }
        Step::Status { to, hand } => {
            let old = inc.status;
            inc.status = to;
            if !hand {
                let slot = match to {
                    "mitigated" => Some(3),
                    "resolved" => Some(4),
                    "closed" => Some(5),
                    _ => None,
                };
                if let Some(slot) = slot {
                    inc.times[slot] = Some(at);
                }
                inc.timeline
                    .push((at, "status", format!("Status {old} -> {to}"), who));
                format!("{}: status {old} -> {to}", inc.id)
            } else {
                format!("Edit {} by hand: {to}", inc.id)
            }
        }
        Step::PmNew => {
            inc.postmortem = Some(Postmortem {
                status: "draft",
                owner: rng.pick(&PEOPLE).to_string(),
                ..Postmortem::default()
            });
            format!("{}: postmortem draft", inc.id)
        }
        Step::PmWrite => {
            inc.postmortem.as_mut()?.written = true;
            format!("{}: postmortem summary, root cause", inc.id)
        }
        Step::ActionsAdd => {
            let pm = inc.postmortem.as_mut()?;
            let kinds = ["prevent", "detect", "mitigate", "process"];
            for n in 1..=3 {
                let due = DateTime::from_timestamp(at + (14 + rng.below(60) as i64) * 86_400, 0)
                    .expect("in range")
                    .format("%Y-%m-%d")
                    .to_string();
                pm.actions.push(Action {
                    id: format!("{}.A{n}", inc.id),
                    title: format!("Follow-up {n} for {}", inc.id),
                    kind: kinds[rng.below(4) as usize],
                    owner: rng.pick(&PEOPLE).to_string(),
                    due,
                    status: if rng.chance(30) {
                        "in_progress"
                    } else {
                        "open"
                    },
                    done_at: None,
                });
            }
            format!("{}: action items", inc.id)
        }
        Step::PmReview => {
            inc.postmortem.as_mut()?.status = "in_review";
            format!("{}: postmortem in_review", inc.id)
        }
        Step::PmPublish { hand } => {
            let pm = inc.postmortem.as_mut()?;
            pm.status = "published";
            if !hand {
                pm.published_at = Some(at);
            }
            format!("{}: postmortem published", inc.id)
        }
        Step::ActionDone { index, hand } => {
            let action = inc.postmortem.as_mut()?.actions.get_mut(index)?;
            action.status = "done";
            if !hand {
                action.done_at = Some(at);
            }
            format!("{}: done", action.id)
        }
    })
}

fn data(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    writeln!(out, "data {}", bytes.len())?;
    out.write_all(bytes)?;
    writeln!(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(n), Some(per_commit)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
        args.get(3)
            .map_or(Some(1), |n| n.parse::<usize>().ok().filter(|&n| n > 0)),
    ) else {
        eprintln!("usage: generate DIR N [CHANGES_PER_COMMIT]");
        std::process::exit(2);
    };
    let repo = git2::Repository::init(dir)?;
    drop(repo);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut incidents, events) = plan(n, &mut rng);

    let mut child = Command::new("git")
        .args(["fast-import", "--quiet", "--force"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()?;
    let mut out = std::io::BufWriter::new(child.stdin.take().ok_or("no stdin")?);
    let first = START - 86_400;
    writeln!(out, "commit refs/heads/incidents")?;
    writeln!(out, "committer Ana <ana@example.com> {first} +0900")?;
    data(&mut out, b"Initialize incident branch\n")?;
    let config = config_text(&InitOptions {
        prefix: "INC".into(),
        timezone: Some("Asia/Tokyo".into()),
        language: Language::En,
    });
    writeln!(out, "M 100644 inline config.toml")?;
    data(&mut out, config.as_bytes())?;
    for (name, json) in schema::all() {
        writeln!(out, "M 100644 inline schema/{name}")?;
        data(&mut out, json.as_bytes())?;
    }
    writeln!(out)?;
    let mut commits = 1;
    for batch in events.chunks(per_commit) {
        // Each incident's files once per commit, as they stand after the batch.
        let mut subjects = Vec::new();
        let mut changed: Vec<usize> = Vec::new();
        for event in batch {
            let inc = &mut incidents[event.incident];
            if let Some(subject) = apply(inc, event.step, event.at, &mut rng) {
                subjects.push(subject);
                if !changed.contains(&event.incident) {
                    changed.push(event.incident);
                }
            }
        }
        let (Some(last), Some(first)) = (batch.last(), subjects.first()) else {
            continue;
        };
        let who = incidents[last.incident].person;
        let email = format!("{}@example.com", who.to_lowercase());
        let mut message = if subjects.len() == 1 {
            format!("{first}\n\n")
        } else {
            format!("{} changes\n\n{}\n\n", subjects.len(), subjects.join("\n"))
        };
        for &i in &changed {
            message += &format!("Incident: {}\n", incidents[i].id);
        }
        writeln!(out, "commit refs/heads/incidents")?;
        writeln!(out, "author {who} <{email}> {} +0900", last.at)?;
        writeln!(out, "committer {who} <{email}> {} +0900", last.at)?;
        data(&mut out, message.as_bytes())?;
        for &i in &changed {
            let inc = &incidents[i];
            writeln!(out, "M 100644 inline {}/incident.toml", inc.dir)?;
            data(&mut out, inc.text().as_bytes())?;
            if let Some(pm) = inc.postmortem_text() {
                writeln!(out, "M 100644 inline {}/postmortem.toml", inc.dir)?;
                data(&mut out, pm.as_bytes())?;
            }
        }
        writeln!(out)?;
        commits += 1;
    }
    out.flush()?;
    drop(out);
    if !child.wait()?.success() {
        return Err("git fast-import failed".into());
    }
    eprintln!("{dir}: {n} incidents, {commits} commits on refs/heads/incidents");
    Ok(())
}
