//! `config.toml`: the team's settings, shared by everyone on the branch.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::time::{Zone, parse_duration};

pub const DEFAULT_PREFIX: &str = "INC";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
/// Team settings for git-incident.
pub struct Config {
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Prefix of incident IDs, e.g. INC for INC-42.
    #[serde(default = "default_prefix")]
    pub id_prefix: String,
    /// The team's IANA timezone, e.g. Asia/Tokyo: times are stored and shown in it, and
    /// reports count days in it. Typed times are read in the typist's own zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Language of the guidance written into new postmortems.
    #[serde(default)]
    pub language: Language,
    /// Severity levels, most severe first, as agreed with customer-facing staff.
    #[serde(default)]
    pub severity: Vec<Severity>,
    /// Allow-list of service names (any name is accepted when absent).
    #[serde(default)]
    pub services: Option<Vec<String>>,
    /// Allow-list of team names (any name is accepted when absent).
    #[serde(default)]
    pub teams: Option<Vec<String>>,
    /// The people on the team: their handles, used for commanders, owners and
    /// participants, and the git identities that are theirs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub person: Vec<Person>,
    /// The code repository's web address, e.g. https://github.com/org/repo: `#123` in
    /// `changes` links to its pull request (`/pull/123`; on GitLab hosts
    /// `/-/merge_requests/123`). A URL with `{number}` is used as a template instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge_url: Option<String>,
    /// How `git incident import` maps other systems' values onto this branch's.
    #[serde(default, skip_serializing_if = "ImportConfig::is_empty")]
    pub import: ImportConfig,
    /// Webhooks that stakeholder updates are posted to, one per audience.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<Notify>,
}

/// `[[notify]]`: where updates for one audience are posted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Who reads what is posted there.
    pub audience: Audience,
    /// The name of the environment variable holding the webhook's URL: the URL is a
    /// secret and is never stored in the branch.
    pub url_env: String,
    /// `slack` (an incoming webhook: `{"text": …}`) or `json` (a generic POST of the
    /// update's fields).
    #[serde(default)]
    pub format: NotifyFormat,
    /// Changes that also post a one-line message here: `new`, `status`, `severity`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<NotifyEvent>,
}

crate::model::incident::string_enum!(
    /// Who a stakeholder update is for.
    Audience {
        Cs = "cs",
        Customers = "customers",
        Internal = "internal",
    }
);

impl Audience {
    /// Customer success and customers: the people whose first update is measured.
    pub fn faces_customers(self) -> bool {
        matches!(self, Audience::Cs | Audience::Customers)
    }
}

crate::model::incident::string_enum!(
    /// The body a webhook expects.
    NotifyFormat {
        Slack = "slack",
        Json = "json",
    }
);

// `string_enum!` takes no attributes on variants, so `#[default]` cannot be derived.
#[allow(clippy::derivable_impls)]
impl Default for NotifyFormat {
    fn default() -> Self {
        NotifyFormat::Slack
    }
}

crate::model::incident::string_enum!(
    /// A change that posts a one-line notification.
    NotifyEvent {
        New = "new",
        Status = "status",
        Severity = "severity",
    }
);

/// A step of the response flow for one severity (`[[severity.step]]`); an incident
/// keeps a copy of each as a task (`[[task]]`), so a later change of the flow does not
/// rewrite what was expected during a past incident.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Short and unique within the flow, e.g. T1.
    pub id: String,
    pub title: String,
    /// How soon after detection it should be done, e.g. "15m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// For a repeating step: how often, e.g. "30m" for an update every half hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// Who is expected to do it, e.g. commander or comms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// An update posted to this audience (`git incident update`) does the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// What else does the step: `ack`, someone taking command (`ack`, `new --commander`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<StepEvent>,
}

crate::model::incident::string_enum!(
    /// A change that does a step of the response flow by itself.
    StepEvent {
        Ack = "ack",
    }
);

impl Step {
    /// A step with no timing, role, audience or event.
    pub fn new(id: &str, title: String) -> Step {
        Step {
            id: id.to_string(),
            title,
            within: None,
            every: None,
            role: None,
            audience: None,
            done_on: None,
        }
    }

    /// `within` in seconds, when set and valid (`check` reports one that is not).
    pub fn within_seconds(&self) -> Option<i64> {
        seconds(self.within.as_deref())
    }

    /// `every` in seconds, when set, valid and positive.
    pub fn every_seconds(&self) -> Option<i64> {
        seconds(self.every.as_deref()).filter(|&s| s > 0)
    }
}

fn seconds(duration: Option<&str>) -> Option<i64> {
    parse_duration(duration?).ok().map(|d| d.num_seconds())
}

/// `[import.<system>]` tables: one per system that needs a mapping.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    #[serde(default)]
    pub statuspage: StatuspageMapping,
    #[serde(default)]
    pub pagerduty: PagerdutyMapping,
    #[serde(default)]
    pub opsgenie: OpsgenieMapping,
}

impl ImportConfig {
    fn is_empty(&self) -> bool {
        self == &ImportConfig::default()
    }
}

/// `[import.statuspage]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StatuspageMapping {
    /// Impact -> severity, e.g. { critical = "SEV1", major = "SEV2" }. Impacts not
    /// named here map by rank: critical, major, minor, none to the severities in order.
    #[serde(default)]
    pub impact: std::collections::BTreeMap<String, String>,
    /// Component name -> service, for components named differently from the services
    /// in config.toml (or renamed since).
    #[serde(default)]
    pub components: std::collections::BTreeMap<String, String>,
}

/// `[import.pagerduty]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PagerdutyMapping {
    /// Priority -> severity, e.g. { P1 = "SEV1", P2 = "SEV2" }. Priorities not named
    /// here map by rank: P1, P2, … to the severities in order.
    #[serde(default)]
    pub priority: std::collections::BTreeMap<String, String>,
    /// Urgency -> severity for incidents without a priority, e.g. { high = "SEV2" }.
    /// Urgencies not named here map by rank: high to the first severity, low to the next.
    #[serde(default)]
    pub urgency: std::collections::BTreeMap<String, String>,
}

/// `[import.opsgenie]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieMapping {
    /// Priority -> severity, e.g. { P1 = "SEV1", P2 = "SEV1" }. Priorities not named
    /// here map by rank: P1, P2, … to the severities in order.
    #[serde(default)]
    pub priority: std::collections::BTreeMap<String, String>,
}

/// A person on the team.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The short name used in incidents and postmortems, e.g. "ana".
    pub handle: String,
    /// The full name, as in git's user.name.
    #[serde(default)]
    pub name: Option<String>,
    /// The email addresses of the person's git identities.
    #[serde(default)]
    pub emails: Vec<String>,
}

fn default_prefix() -> String {
    DEFAULT_PREFIX.to_string()
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Ja,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Severity {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub postmortem: PostmortemPolicy,
    /// Days after resolution by which the postmortem should be published.
    #[serde(default)]
    pub postmortem_due_days: Option<u32>,
    /// How soon someone should take command, e.g. "15m".
    #[serde(default)]
    pub ack_target: Option<String>,
    /// The response flow: what to do, and by when, during an incident of this severity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PostmortemPolicy {
    Required,
    #[default]
    Optional,
}

impl Default for Config {
    fn default() -> Self {
        let sev = |name: &str, description: &str, required: bool, due: u32, ack: &str| Severity {
            name: name.to_string(),
            description: description.to_string(),
            postmortem: if required {
                PostmortemPolicy::Required
            } else {
                PostmortemPolicy::Optional
            },
            postmortem_due_days: Some(due),
            ack_target: Some(ack.to_string()),
            step: Vec::new(),
        };
        Config {
            schema_version: Some(1),
            id_prefix: default_prefix(),
            timezone: None,
            language: Language::En,
            severity: vec![
                sev(
                    "SEV1",
                    "Critical: the service is down or data is at risk for many customers",
                    true,
                    5,
                    "5m",
                ),
                sev(
                    "SEV2",
                    "Major: a core feature is broken or badly degraded for many customers",
                    true,
                    7,
                    "15m",
                ),
                sev(
                    "SEV3",
                    "Minor: a limited feature or a few customers affected, workaround exists",
                    false,
                    14,
                    "1h",
                ),
                sev(
                    "SEV4",
                    "Low: cosmetic or internal impact, no customer-visible harm",
                    false,
                    30,
                    "1d",
                ),
            ],
            services: None,
            teams: None,
            person: Vec::new(),
            forge_url: None,
            import: ImportConfig::default(),
            notify: Vec::new(),
        }
    }
}

impl Config {
    pub fn severity(&self, name: &str) -> Option<&Severity> {
        self.severity.iter().find(|s| s.name == name)
    }

    /// When a postmortem for an incident of `severity` resolved at `resolved` (Unix
    /// seconds) falls due: `postmortem_due_days` after resolution; `None` without a deadline.
    pub fn postmortem_due(&self, severity: &str, resolved: i64) -> Option<i64> {
        let days = self.severity(severity)?.postmortem_due_days?;
        resolved.checked_add(i64::from(days) * 86_400)
    }

    /// How soon an incident of `severity` should be acknowledged, in seconds: its
    /// `ack_target`, when set and valid (`check` reports one that is not).
    pub fn ack_target(&self, severity: &str) -> Option<i64> {
        let target = self.severity(severity)?.ack_target.as_deref()?;
        parse_duration(target).ok().map(|d| d.num_seconds())
    }

    /// Where updates for `audience` are posted, when configured.
    pub fn notify_for(&self, audience: Audience) -> Option<&Notify> {
        self.notify.iter().find(|n| n.audience == audience)
    }

    /// The handle of the git identity `name <email>`: the person with that email, else
    /// the one with that name.
    pub fn handle_of(&self, name: &str, email: &str) -> Option<&str> {
        let email = email.trim();
        self.person
            .iter()
            .find(|p| {
                !email.is_empty()
                    && p.emails
                        .iter()
                        .any(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .or_else(|| {
                self.person
                    .iter()
                    .find(|p| p.name.as_deref().is_some_and(|n| n.trim() == name.trim()))
            })
            .map(|p| p.handle.as_str())
    }

    /// Who `me` is for the git identity `name <email>`: its handle, else git's name.
    pub fn me(&self, name: &str, email: &str) -> String {
        self.handle_of(name, email).unwrap_or(name).to_string()
    }

    /// A person as typed (`--owner WHO`): `me` is the current identity's handle.
    pub fn who(&self, typed: &str, name: &str, email: &str) -> String {
        if typed.trim() == "me" {
            self.me(name, email)
        } else {
            typed.trim().to_string()
        }
    }

    /// How to show `who` (a handle, a name or an email, as stored): the handle when
    /// a person matches, else as it is.
    pub fn display_person<'a>(&'a self, who: &'a str) -> &'a str {
        if self.is_handle(who) {
            return who;
        }
        let email = if who.contains('@') { who } else { "" };
        self.handle_of(who, email).unwrap_or(who)
    }

    pub fn is_handle(&self, who: &str) -> bool {
        self.person.iter().any(|p| p.handle == who.trim())
    }

    pub fn handles(&self) -> String {
        self.person
            .iter()
            .map(|p| p.handle.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn zone(&self) -> Result<Zone> {
        Zone::from_config(self.timezone.as_deref())
    }

    pub fn severity_names(&self) -> String {
        self.severity
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The name as configured (case-insensitive match), or an error listing the choices.
    pub fn require_severity(&self, name: &str) -> Result<&Severity> {
        self.severity
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown severity {name:?}: config.toml defines {}",
                    self.severity_names()
                ))
            })
    }

    pub fn require_service(&self, name: &str) -> Result<()> {
        allow_listed("service", name, self.services.as_deref())
    }

    pub fn require_team(&self, name: &str) -> Result<()> {
        allow_listed("team", name, self.teams.as_deref())
    }

    /// Problems a person must fix in config.toml itself, each with where it is.
    pub fn validate(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let at = |key: &'static str, severity: Option<usize>, message: String| ConfigProblem {
            key,
            severity,
            message,
        };
        if let Some(problem) = self
            .schema_version
            .and_then(|v| crate::model::schema::version_problem(i64::from(v)))
        {
            problems.push(at("schema_version", None, problem));
        }
        if let Err(e) = crate::model::id::validate_prefix(&self.id_prefix) {
            problems.push(at("id_prefix", None, e.to_string()));
        }
        if let Err(e) = self.zone() {
            problems.push(at("timezone", None, e.to_string()));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, severity) in self.severity.iter().enumerate() {
            if !seen.insert(severity.name.as_str()) {
                problems.push(at(
                    "name",
                    Some(index),
                    format!("severity {:?} is defined twice", severity.name),
                ));
            }
            if let Some(target) = &severity.ack_target
                && parse_duration(target).is_err()
            {
                problems.push(at(
                    "ack_target",
                    Some(index),
                    format!(
                        "severity {}: ack_target {target:?} is not a duration like \"15m\"",
                        severity.name
                    ),
                ));
            }
            let mut step_ids = std::collections::HashSet::new();
            for step in &severity.step {
                if !step_ids.insert(step.id.as_str()) {
                    problems.push(at(
                        "step",
                        Some(index),
                        format!(
                            "severity {}: step {:?} is defined twice",
                            severity.name, step.id
                        ),
                    ));
                }
                for (key, value) in [("within", &step.within), ("every", &step.every)] {
                    if let Some(value) = value
                        && parse_duration(value).is_err()
                    {
                        problems.push(at(
                            key,
                            Some(index),
                            format!(
                                "severity {}: step {}: {key} {value:?} is not a duration like \"15m\"",
                                severity.name, step.id
                            ),
                        ));
                    }
                }
            }
        }
        let mut audiences = std::collections::HashSet::new();
        for notify in &self.notify {
            if !audiences.insert(notify.audience) {
                problems.push(at(
                    "notify",
                    None,
                    format!(
                        "[[notify]] for audience {} is defined twice",
                        notify.audience
                    ),
                ));
            }
        }
        if self.severity.is_empty() {
            problems.push(at(
                "severity",
                None,
                "no [[severity]] levels are defined".to_string(),
            ));
        }
        problems
    }
}

/// A problem in config.toml: the key, inside the `index`th `[[severity]]` when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: &'static str,
    pub severity: Option<usize>,
    pub message: String,
}

fn allow_listed(what: &str, name: &str, allowed: Option<&[String]>) -> Result<()> {
    match allowed {
        Some(list) if !list.iter().any(|s| s == name) => Err(Error::invalid(format!(
            "unknown {what} {name:?}: config.toml allows {}",
            list.join(", ")
        ))),
        _ => Ok(()),
    }
}
