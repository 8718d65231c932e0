//! Webhooks: stakeholder updates and change notifications posted to the URLs that
//! `[[notify]]` names through environment variables (a URL is a secret, so it never
//! enters the branch, and no message here ever shows it).

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::config::{Notify, NotifyEvent, NotifyFormat};
use crate::model::{Audience, Config, Incident};

/// Overrides the per-attempt timeout, e.g. `2s` or `300ms` (CI, slow links, tests).
pub const TIMEOUT_ENV: &str = "GIT_INCIDENT_HTTP_TIMEOUT";

const UPDATE_TIMEOUT: Duration = Duration::from_secs(10);
/// Waits before the second, third and fourth attempts of an update.
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];
/// All a change notification may add to the write it follows.
pub const NOTIFICATION_BUDGET: Duration = Duration::from_secs(2);

/// Where to post for one `[[notify]]`, with its URL read from the environment.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub audience: Audience,
    pub format: NotifyFormat,
    url: String,
}

impl Webhook {
    /// The webhook of `notify`, or why it cannot be used (with the variable to set).
    pub fn of(notify: &Notify) -> Result<Webhook> {
        let name = notify.url_env.trim();
        let url = std::env::var(name)
            .ok()
            .map(|url| url.trim().to_string())
            .filter(|url| !url.is_empty())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the {} webhook's URL is not set: the environment variable {name} is empty or unset",
                    notify.audience
                ))
                .with_hint(format!(
                    "export {name}=https://hooks.example.com/… (the URL stays out of the branch)"
                ))
            })?;
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(Error::invalid(format!(
                "{name} does not hold an http(s) URL"
            )));
        }
        Ok(Webhook {
            audience: notify.audience,
            format: notify.format,
            url,
        })
    }

    /// The webhook updates for `audience` are posted to, or an error with the config to add.
    pub fn for_audience(config: &Config, audience: Audience) -> Result<Webhook> {
        let notify = config.notify_for(audience).ok_or_else(|| {
            let variable = format!("INCIDENT_{}_WEBHOOK", audience.as_str().to_uppercase());
            Error::invalid(format!(
                "no webhook for audience {audience}: config.toml has no [[notify]] for it"
            ))
            .with_hint(format!(
                "add to config.toml on the incident branch:\n  [[notify]]\n  audience = \"{audience}\"\n  url_env = \"{variable}\"   # the variable holding the URL\n  format = \"slack\"   # or \"json\"\nthen `export {variable}=https://hooks.slack.com/services/…`"
            ))
        })?;
        Webhook::of(notify)
    }
}

/// What is posted: the fields a `json` webhook receives; a `slack` one gets `text` only.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Message<'a> {
    pub incident: &'a str,
    /// `update`, or the change: `new`, `status`, `severity`.
    pub event: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    pub text: &'a str,
    /// A game day or exercise: the people reading the channel must not take it for an
    /// outage, so a slack message starts with `[drill]`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drill: bool,
}

impl<'a> Message<'a> {
    pub fn about(incident: &'a Incident, event: &'a str, text: &'a str) -> Message<'a> {
        Message {
            incident: &incident.id,
            event,
            title: &incident.title,
            severity: &incident.severity,
            status: incident.status.as_str(),
            audience: None,
            text,
            drill: incident.drill,
        }
    }

    fn body(&self, format: NotifyFormat) -> String {
        let value = match format {
            NotifyFormat::Slack if self.drill => {
                serde_json::json!({ "text": format!("[drill] {}", self.text) })
            }
            NotifyFormat::Slack => serde_json::json!({ "text": self.text }),
            NotifyFormat::Json => serde_json::to_value(self).expect("a message serializes"),
        };
        value.to_string()
    }
}

/// How hard to try: attempts, and how long each may take.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    attempts: usize,
    timeout: Duration,
    /// No attempt starts or runs past this moment.
    deadline: Option<Instant>,
}

impl Policy {
    /// An update someone is waiting on: four attempts, 10 s each unless overridden.
    pub fn update() -> Result<Policy> {
        Ok(Policy {
            attempts: BACKOFF.len() + 1,
            timeout: timeout_override()?.unwrap_or(UPDATE_TIMEOUT),
            deadline: None,
        })
    }

    /// A notification after a write: one attempt, within what is left of `deadline`.
    pub fn notification(deadline: Instant) -> Policy {
        let timeout = timeout_override()
            .ok()
            .flatten()
            .map_or(NOTIFICATION_BUDGET, |t| t.min(NOTIFICATION_BUDGET));
        Policy {
            attempts: 1,
            timeout,
            deadline: Some(deadline),
        }
    }
}

fn timeout_override() -> Result<Option<Duration>> {
    let Ok(text) = std::env::var(TIMEOUT_ENV) else {
        return Ok(None);
    };
    let text = text.trim();
    let parsed = match text.strip_suffix("ms") {
        Some(ms) => ms.trim().parse::<u64>().ok().map(Duration::from_millis),
        None => crate::model::time::parse_duration(text)
            .ok()
            .and_then(|d| d.to_std().ok()),
    };
    parsed.filter(|d| !d.is_zero()).map(Some).ok_or_else(|| {
        Error::invalid(format!(
            "{TIMEOUT_ENV}={text:?} is not a timeout like 10s or 500ms"
        ))
    })
}

/// How a post went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The status of the last answer, when there was one.
    pub http_status: Option<u16>,
    pub attempts: usize,
    /// Why the last attempt failed; `None` when the webhook took it (2xx).
    pub failure: Option<String>,
}

impl Delivery {
    pub fn delivered(&self) -> bool {
        self.failure.is_none()
    }
}

/// One attempt's outcome: taken, worth another try, or refused for good.
enum Attempt {
    Taken(u16),
    Retry(Option<u16>, String),
    Refused(u16, String),
}

/// Posts `message` to `webhook`, retrying network errors, timeouts, 429 and 5xx with
/// backoff; `on_retry` hears why each retry happens.
pub fn deliver(
    webhook: &Webhook,
    message: &Message<'_>,
    policy: Policy,
    on_retry: &mut dyn FnMut(&str),
) -> Delivery {
    let body = message.body(webhook.format);
    let mut attempts = 0;
    loop {
        let timeout = match policy.deadline {
            Some(deadline) => policy
                .timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => policy.timeout,
        };
        if timeout.is_zero() {
            return Delivery {
                http_status: None,
                attempts,
                failure: Some("no time left to try".to_string()),
            };
        }
        attempts += 1;
        let (http_status, failure) = match attempt(webhook, &body, timeout) {
            Attempt::Taken(status) => {
                return Delivery {
                    http_status: Some(status),
                    attempts,
                    failure: None,
                };
            }
            Attempt::Refused(status, why) => {
                return Delivery {
                    http_status: Some(status),
                    attempts,
                    failure: Some(format!("{why} (not retried)")),
                };
            }
            Attempt::Retry(status, why) => (status, why),
        };
        if attempts >= policy.attempts {
            return Delivery {
                http_status,
                attempts,
                failure: Some(failure),
            };
        }
        // A short timeout asks for a quick answer: no wait is longer than an attempt may be.
        let wait = BACKOFF[(attempts - 1).min(BACKOFF.len() - 1)].min(policy.timeout);
        on_retry(&format!(
            "{failure}; trying again in {}",
            describe_duration(wait)
        ));
        std::thread::sleep(wait);
    }
}

fn attempt(webhook: &Webhook, body: &str, timeout: Duration) -> Attempt {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .post(&webhook.url)
        .header("Content-Type", "application/json")
        .header(
            "User-Agent",
            concat!("git-incident/", env!("CARGO_PKG_VERSION")),
        )
        .send(body);
    let mut response = match response {
        Ok(response) => response,
        Err(ureq::Error::Timeout(_)) => {
            return Attempt::Retry(
                None,
                format!("no answer within {}", describe_duration(timeout)),
            );
        }
        Err(e) => return Attempt::Retry(None, network_error(&e)),
    };
    let status = response.status();
    let code = status.as_u16();
    if status.is_success() {
        return Attempt::Taken(code);
    }
    // Slack says why in the body (`invalid_payload`, `no_service`): worth showing.
    let said = response
        .body_mut()
        .read_to_string()
        .ok()
        .map(|text| crate::ops::incident::short(text.trim(), 120))
        .filter(|text| !text.is_empty())
        .map(|text| format!(": {text}"))
        .unwrap_or_default();
    let why = format!(
        "HTTP {code} {}{said}",
        status.canonical_reason().unwrap_or_default()
    );
    if code == 429 || status.is_server_error() {
        Attempt::Retry(Some(code), why)
    } else {
        Attempt::Refused(code, why)
    }
}

/// A network error without the URL (which may hold a token).
fn network_error(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) => format!("network error: {}", e.kind()),
        ureq::Error::HostNotFound => "network error: host not found".to_string(),
        ureq::Error::ConnectionFailed => "network error: could not connect".to_string(),
        ureq::Error::BadUri(_) => "the URL is not valid".to_string(),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => format!("TLS error: {error}"),
        _ => error.to_string(),
    }
}

/// `300ms`, `2s`, `1.5s`: a budget's remainder (1999ms) reads as the budget (2s).
fn describe_duration(d: Duration) -> String {
    let tenths = (d.as_millis() + 50) / 100;
    match tenths {
        0..10 => format!("{}ms", d.as_millis()),
        _ if tenths.is_multiple_of(10) => format!("{}s", tenths / 10),
        _ => format!("{}.{}s", tenths / 10, tenths % 10),
    }
}

/// The one-line message a change posts: `INC-12 opened: SEV1 "Payments failing"`,
/// `INC-12 investigating -> mitigated`, `INC-12 severity SEV2 -> SEV1`; `None` when
/// the change did not happen (a `set` that left the severity alone).
pub fn change_line(
    event: NotifyEvent,
    before: Option<&Incident>,
    after: &Incident,
) -> Option<String> {
    let id = &after.id;
    match (event, before) {
        (NotifyEvent::New, _) => Some(format!("{id} opened: {} {:?}", after.severity, after.title)),
        (NotifyEvent::Status, Some(before)) if before.status != after.status => {
            Some(format!("{id} {} -> {}", before.status, after.status))
        }
        (NotifyEvent::Severity, Some(before)) if before.severity != after.severity => Some(
            format!("{id} severity {} -> {}", before.severity, after.severity),
        ),
        _ => None,
    }
}

/// Posts `line` to every webhook whose `on` names `event`, within
/// [`NOTIFICATION_BUDGET`] in all; what did not get through, as warnings.
pub fn announce(config: &Config, event: NotifyEvent, after: &Incident, line: &str) -> Vec<String> {
    let deadline = Instant::now() + NOTIFICATION_BUDGET;
    let message = Message::about(after, event.as_str(), line);
    config
        .notify
        .iter()
        .filter(|notify| notify.on.contains(&event))
        .filter_map(|notify| {
            let webhook = match Webhook::of(notify) {
                Ok(webhook) => webhook,
                Err(e) => return Some(format!("{e}; not notified")),
            };
            let delivery = deliver(
                &webhook,
                &message,
                Policy::notification(deadline),
                &mut |_| {},
            );
            delivery
                .failure
                .map(|why| format!("could not notify the {} webhook: {why}", notify.audience))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_line_says_what_changed_and_nothing_when_it_did_not() {
        let before: Incident = toml::from_str(
            "schema_version = 1\nid = \"INC-12\"\nuid = \"u\"\ntitle = \"Payments failing\"\nseverity = \"SEV2\"\nstatus = \"investigating\"\n",
        )
        .unwrap();
        let mut after = before.clone();
        assert_eq!(
            change_line(NotifyEvent::New, None, &after).as_deref(),
            Some("INC-12 opened: SEV2 \"Payments failing\"")
        );
        assert_eq!(
            change_line(NotifyEvent::Status, Some(&before), &after),
            None
        );
        after.severity = "SEV1".into();
        after.status = crate::model::Status::Mitigated;
        assert_eq!(
            change_line(NotifyEvent::Severity, Some(&before), &after).as_deref(),
            Some("INC-12 severity SEV2 -> SEV1")
        );
        assert_eq!(
            change_line(NotifyEvent::Status, Some(&before), &after).as_deref(),
            Some("INC-12 investigating -> mitigated")
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(describe_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(describe_duration(Duration::from_millis(1999)), "2s");
        assert_eq!(describe_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn a_slack_body_is_the_text_and_a_json_body_every_field() {
        let message = Message {
            incident: "INC-1",
            event: "update",
            title: "Payments \"failing\"",
            severity: "SEV1",
            status: "investigating",
            audience: Some(Audience::Cs),
            text: "line 1\nline 2",
            drill: false,
        };
        assert_eq!(
            message.body(NotifyFormat::Slack),
            r#"{"text":"line 1\nline 2"}"#
        );
        let json: serde_json::Value =
            serde_json::from_str(&message.body(NotifyFormat::Json)).unwrap();
        assert_eq!(json["audience"], "cs");
        assert_eq!(json["title"], "Payments \"failing\"");
        assert_eq!(json["event"], "update");
        assert!(json.get("drill").is_none());
        let drill = Message {
            drill: true,
            ..message
        };
        assert_eq!(
            drill.body(NotifyFormat::Slack),
            r#"{"text":"[drill] line 1\nline 2"}"#
        );
        let json: serde_json::Value =
            serde_json::from_str(&drill.body(NotifyFormat::Json)).unwrap();
        assert_eq!(json["drill"], true);
    }
}
