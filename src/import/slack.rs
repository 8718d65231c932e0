//! Slack: a channel's conversation into an incident's timeline, from a workspace
//! export (a zip or its unpacked directory) or the Web API. Each entry keeps its
//! message's `ts` in its `source`, so a re-import adds only new messages.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::Deserialize;

use super::query;
use crate::error::{Error, Result};
use crate::model::{Config, IncidentId, TimeKey, TimelineEntry, TimelineKind, Timestamp, Zone};
use crate::store::{Change, Store, edit, layout};

pub const SYSTEM: &str = "slack";

/// The Web API's base URL, overridable (`--api-url`).
pub const API_URL: &str = "https://slack.com/api";

/// How often a rate-limited call is retried, and the longest wait honoured.
const RETRIES: usize = 5;
const MAX_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize)]
struct Channel {
    id: String,
    name: String,
    #[serde(default)]
    pins: Vec<Pin>,
}

#[derive(Debug, Deserialize)]
struct Pin {
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    profile: Profile,
    #[serde(default)]
    is_bot: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Profile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Message {
    ts: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    reactions: Vec<Reaction>,
    #[serde(default)]
    pinned_to: Vec<String>,
    #[serde(default)]
    bot_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Reaction {
    name: String,
}

/// Which messages to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only pinned messages.
    pub pinned: bool,
    /// Only messages with this reaction (`pushpin`, without colons).
    pub reaction: Option<String>,
}

/// A channel's messages and who wrote them, however they were read.
struct Conversation {
    channel_id: String,
    channel_names: HashMap<String, String>,
    pins: Vec<String>,
    users: HashMap<String, User>,
    messages: Vec<Message>,
}

/// Reads the channel named `channel` from an export: a zip or a directory.
fn from_export(path: &Path, channel: &str) -> Result<Conversation> {
    let name = path.display().to_string();
    let files = match path.is_dir() {
        true => read_dir(path)?,
        false => read_zip(path)?,
    };
    let read = |file: &str| files.get(file);
    let Some(channels) = read("channels.json") else {
        return Err(Error::invalid(format!(
            "{name}: no channels.json: not a Slack workspace export"
        )));
    };
    let channels: Vec<Channel> = serde_json::from_str(channels)
        .map_err(|e| Error::invalid(format!("{name}: channels.json: {e}")))?;
    let wanted = channel.trim_start_matches('#');
    let Some(found) = channels.iter().find(|c| c.name == wanted || c.id == wanted) else {
        let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::invalid(format!(
            "{name}: no channel {wanted:?} in the export (it has {})",
            names.join(", ")
        )));
    };
    let users: Vec<User> = match read("users.json") {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("{name}: users.json: {e}")))?,
        None => Vec::new(),
    };
    let prefix = format!("{}/", found.name);
    let mut days: Vec<(&String, &String)> = files
        .iter()
        .filter(|(file, _)| file.starts_with(&prefix) && file.ends_with(".json"))
        .collect();
    days.sort();
    let mut messages = Vec::new();
    for (file, text) in days {
        let day: Vec<Message> = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("{name}: {file}: not Slack messages: {e}")))?;
        messages.extend(day);
    }
    Ok(Conversation {
        channel_id: found.id.clone(),
        channel_names: channels
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
        pins: found.pins.iter().map(|p| p.id.clone()).collect(),
        users: users.into_iter().map(|u| (u.id.clone(), u)).collect(),
        messages,
    })
}

/// The export's JSON files by their path inside it.
fn read_dir(root: &Path) -> Result<HashMap<String, String>> {
    let name = root.display();
    let mut files = HashMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::invalid(format!("could not read {}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry
                .map_err(|e| Error::invalid(format!("could not read {name}: {e}")))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Error::invalid(format!("could not read {}: {e}", path.display()))
                })?;
                let relative = path.strip_prefix(root).unwrap_or(&path);
                files.insert(relative.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    Ok(files)
}

/// The zip's JSON files by their path, relative to the folder holding channels.json
/// (an export zipped again by hand has one more folder on top).
fn read_zip(path: &Path) -> Result<HashMap<String, String>> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::invalid(format!("could not read {name}: {e}")))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| Error::invalid(format!("{name}: not a zip file: {e}")))?;
    let mut files = HashMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| Error::invalid(format!("{name}: {e}")))?;
        let inner = entry
            .name()
            .map_err(|e| Error::invalid(format!("{name}: {e}")))?
            .to_string();
        if !entry.is_file() || !inner.ends_with(".json") {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| Error::invalid(format!("{name}: {inner}: {e}")))?;
        files.insert(inner, text);
    }
    let top = files
        .keys()
        .filter(|f| f.ends_with("channels.json"))
        .min_by_key(|f| f.len())
        .map(|f| f.trim_end_matches("channels.json").to_string());
    Ok(match top {
        Some(top) if !top.is_empty() => files
            .into_iter()
            .filter_map(|(f, t)| f.strip_prefix(&top).map(|f| (f.to_string(), t)))
            .collect(),
        _ => files,
    })
}

/// Where and how to reach the Web API.
pub struct Api {
    pub base_url: String,
    pub token: String,
    pub channel: String,
}

/// Reads the channel's history from the Web API, with its threads and their authors.
fn from_api(api: &Api, filter: &Filter) -> Result<Conversation> {
    let base = api.base_url.trim_end_matches('/');
    let mut range = String::new();
    if let Some(since) = filter.since {
        range.push_str(&format!("&oldest={}", since.0.timestamp()));
    }
    if let Some(until) = filter.until {
        range.push_str(&format!("&latest={}", until.0.timestamp()));
    }
    let mut messages: Vec<Message> = Vec::new();
    let mut cursor = String::new();
    loop {
        let url = format!(
            "{base}/conversations.history?channel={}&limit=200{range}{cursor}",
            api.channel
        );
        let page: Page = call(&url, &api.token)?;
        messages.extend(page.messages);
        match page.response_metadata.and_then(|m| m.next_cursor) {
            Some(next) if !next.is_empty() => cursor = format!("&cursor={}", query(&next)),
            _ => break,
        }
    }
    let mut replies = Vec::new();
    for parent in messages.iter().filter(|m| m.reply_count.unwrap_or(0) > 0) {
        let mut cursor = String::new();
        loop {
            let url = format!(
                "{base}/conversations.replies?channel={}&ts={}&limit=200{cursor}",
                api.channel, parent.ts
            );
            let page: Page = call(&url, &api.token)?;
            // The thread's first message is its parent, already listed.
            replies.extend(page.messages.into_iter().filter(|m| m.ts != parent.ts));
            match page.response_metadata.and_then(|m| m.next_cursor) {
                Some(next) if !next.is_empty() => cursor = format!("&cursor={}", query(&next)),
                _ => break,
            }
        }
    }
    messages.extend(replies);
    let mut users = HashMap::new();
    let mut ids: Vec<String> = messages.iter().filter_map(|m| m.user.clone()).collect();
    for message in &messages {
        ids.extend(mentions(&message.text));
    }
    ids.sort();
    ids.dedup();
    for id in ids {
        let url = format!("{base}/users.info?user={}", query(&id));
        let info: UserInfo = call(&url, &api.token)?;
        users.insert(id, info.user);
    }
    Ok(Conversation {
        channel_id: api.channel.clone(),
        channel_names: HashMap::new(),
        pins: Vec::new(),
        users,
        messages,
    })
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    user: User,
}

/// The user IDs mentioned as `<@U123>` in a message.
fn mentions(text: &str) -> Vec<String> {
    text.split("<@")
        .skip(1)
        .filter_map(|rest| rest.split(['>', '|']).next())
        .map(str::to_string)
        .collect()
}

/// One Web API call: waits as told on HTTP 429 (a few times, each wait bounded), and
/// turns `"ok": false` into an error naming Slack's reason.
fn call<T: serde::de::DeserializeOwned>(url: &str, token: &str) -> Result<T> {
    // The URL without its query: the token is not in it, but cursors are noise.
    let method = url.split('?').next().unwrap_or(url);
    for _ in 0..=RETRIES {
        let response = ureq::get(url)
            .header("Authorization", &format!("Bearer {token}"))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .map_err(|e| Error::invalid(format!("{method}: {e}")))?;
        let status = response.status().as_u16();
        if status == 429 {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::from_secs(1), Duration::from_secs);
            std::thread::sleep(wait.min(MAX_WAIT));
            continue;
        }
        let mut response = response;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| Error::invalid(format!("{method}: could not read the answer: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(Error::invalid(format!("{method}: HTTP {status}")));
        }
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::invalid(format!("{method}: not JSON: {e}")))?;
        if json.get("ok") != Some(&serde_json::Value::Bool(true)) {
            let reason = json
                .get("error")
                .and_then(|e| e.as_str())
                .unwrap_or("no reason given");
            let hint = match reason {
                "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
                    ": check --token"
                }
                "channel_not_found" | "not_in_channel" => {
                    ": check --channel (an ID like C0123) and that the app is in the channel"
                }
                "missing_scope" => ": the token needs channels:history and users:read",
                _ => "",
            };
            return Err(Error::invalid(format!(
                "{method}: Slack said {reason}{hint}"
            )));
        }
        return serde_json::from_value(json)
            .map_err(|e| Error::invalid(format!("{method}: not what Slack returns: {e}")));
    }
    Err(Error::invalid(format!(
        "{method}: still rate-limited after {RETRIES} retries: try again later"
    )))
}

/// Where the messages come from.
pub enum Input<'a> {
    Export { path: &'a Path, channel: &'a str },
    Api(&'a Api),
}

/// What an import into a timeline did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub id: String,
    pub dry_run: bool,
    /// Messages in range that passed the filter.
    pub messages: usize,
    /// The entries appended: the messages not already on the timeline.
    pub added: Vec<TimelineEntry>,
}

/// Adds the channel's messages to incident `id`'s timeline in one commit.
pub fn import(
    store: &Store,
    id: &str,
    input: Input<'_>,
    filter: &Filter,
    dry_run: bool,
) -> Result<Outcome> {
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let zone = config.zone()?;
    let id = IncidentId::parse_with_prefix(id, &config.id_prefix)?;
    let entry = snapshot.require(&id)?;
    let incident = snapshot.incident(&entry)?.value;
    // The incident's own span unless told otherwise; still open: until now.
    let mut filter = filter.clone();
    if filter.since.is_none() {
        filter.since = incident
            .times
            .get(TimeKey::Started)
            .or(incident.times.get(TimeKey::Detected));
    }
    let conversation = match input {
        Input::Export { path, channel } => from_export(path, channel)?,
        Input::Api(api) => from_api(api, &filter)?,
    };
    let entries = entries(
        &conversation,
        &filter,
        &config,
        zone,
        incident.times.get(TimeKey::Resolved),
    );
    let mut known: std::collections::HashSet<String> = incident
        .timeline
        .iter()
        .filter_map(|e| e.source.clone())
        .collect();
    let is_new = |e: &TimelineEntry, known: &std::collections::HashSet<String>| {
        !e.source.as_ref().is_some_and(|s| known.contains(s))
    };
    if entries.iter().any(|e| is_new(e, &known)) {
        // An entry an earlier import wrote and someone deleted by hand stays deleted.
        known.extend(imported_before(
            store,
            &entry.incident_path(),
            &conversation.channel_id,
        )?);
    }
    let messages = entries.len();
    let added: Vec<TimelineEntry> = entries.into_iter().filter(|e| is_new(e, &known)).collect();
    let outcome = Outcome {
        id: id.to_string(),
        dry_run,
        messages,
        added,
    };
    if dry_run || outcome.added.is_empty() {
        return Ok(outcome);
    }
    let path = entry.incident_path();
    store.write(|snapshot, _| {
        let config = snapshot.config()?;
        let located = snapshot.require(&id)?;
        let before = snapshot
            .read_in(&located, layout::INCIDENT_FILE)?
            .ok_or_else(|| Error::not_found(format!("{path} is missing")))?;
        let mut doc = edit::parse_mut(&path, &before)?;
        for entry in &outcome.added {
            edit::push_array_table(
                &mut doc,
                "timeline",
                crate::ops::incident::timeline_table(entry),
            )?;
        }
        let text = doc.to_string();
        crate::check::refuse_new_errors(
            "incident",
            || crate::check::incident_errors(&config, &located, &before),
            &crate::check::incident_errors(&config, &located, &text),
        )?;
        let change = Change::new(format!(
            "import: slack {} into {id} (+{} timeline entries)",
            conversation.channel_id,
            outcome.added.len()
        ))
        .put(path.clone(), text)
        .trailer("Incident", id.to_string())
        .trailer(
            super::TRAILER,
            format!("{SYSTEM} {}", conversation.channel_id),
        );
        Ok((change, ()))
    })?;
    Ok(outcome)
}

/// The timeline entries for the messages that pass `filter`, oldest first.
fn entries(
    conversation: &Conversation,
    filter: &Filter,
    config: &Config,
    zone: Zone,
    resolved: Option<Timestamp>,
) -> Vec<TimelineEntry> {
    let until = filter.until.or(resolved);
    let mut entries: Vec<TimelineEntry> = conversation
        .messages
        .iter()
        .filter(|m| keep(conversation, m, filter))
        .filter_map(|m| {
            let at = time_of(&m.ts, zone)?;
            if filter.since.is_some_and(|s| at < s) || until.is_some_and(|u| at > u) {
                return None;
            }
            let (text, links) = decode(&m.text, conversation, config);
            let author = m
                .user
                .as_ref()
                .map(|u| handle(conversation.users.get(u), u, config));
            Some(TimelineEntry {
                author,
                links,
                source: Some(format!("{SYSTEM} {} {}", conversation.channel_id, m.ts)),
                ..TimelineEntry::new(at, TimelineKind::Note, text)
            })
        })
        .collect();
    // A thread reply also sent to the channel is listed twice: kept once.
    entries.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.source.cmp(&b.source)));
    entries.dedup_by(|a, b| a.source == b.source);
    entries
}

/// Whether a message is part of the conversation: not a join or leave, not a bot's,
/// and marked when only marked ones are wanted.
fn keep(conversation: &Conversation, message: &Message, filter: &Filter) -> bool {
    let noise = matches!(
        message.subtype.as_deref(),
        Some(
            "channel_join" | "channel_leave" | "bot_message" | "channel_topic" | "channel_purpose"
        )
    );
    let bot = message.bot_id.is_some()
        || message
            .user
            .as_ref()
            .and_then(|u| conversation.users.get(u))
            .is_some_and(|u| u.is_bot);
    if noise || bot || message.text.trim().is_empty() {
        return false;
    }
    if filter.pinned
        && !message.pinned_to.contains(&conversation.channel_id)
        && !conversation.pins.contains(&message.ts)
    {
        return false;
    }
    if let Some(reaction) = &filter.reaction {
        let reaction = reaction.trim_matches(':');
        let marked = message.reactions.iter().any(|r| r.name == reaction)
            || (reaction == "pushpin" && message.pinned_to.contains(&conversation.channel_id));
        if !marked {
            return false;
        }
    }
    true
}

/// A message's `ts` (`1700000000.000100`) as a time; to the second, as timelines are.
fn time_of(ts: &str, zone: Zone) -> Option<Timestamp> {
    let seconds: i64 = ts.split('.').next()?.parse().ok()?;
    let utc = Utc.timestamp_opt(seconds, 0).single()?;
    let at: DateTime<FixedOffset> = utc.fixed_offset();
    Timestamp::new(zone.convert(at))
}

/// A user's handle: the `[[person]]` with their email or name, else their display name.
fn handle(user: Option<&User>, id: &str, config: &Config) -> String {
    let Some(user) = user else {
        return id.to_string();
    };
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let real = nonempty(&user.profile.real_name).or(nonempty(&user.real_name));
    let email = user.profile.email.clone().unwrap_or_default();
    if let Some(handle) = config.handle_of(real.as_deref().unwrap_or(""), &email) {
        return handle.to_string();
    }
    nonempty(&user.profile.display_name)
        .or(real)
        .or(nonempty(&user.name))
        .unwrap_or_else(|| id.to_string())
}

/// Slack's markup as plain text, and the links it holds: `<@U1>` -> `@name`,
/// `<https://x|label>` -> `label`, `<#C1|chan>` -> `#chan`, entities decoded.
fn decode(text: &str, conversation: &Conversation, config: &Config) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&entities(&rest[..open]));
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&entities(&rest[open..]));
            rest = "";
            break;
        };
        let inner = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let (target, label) = match inner.split_once('|') {
            Some((target, label)) => (target, Some(label)),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            let name = match conversation.users.get(user) {
                Some(u) => handle(Some(u), user, config),
                None => label.map_or(user.to_string(), str::to_string),
            };
            out.push('@');
            out.push_str(name.trim_start_matches('@'));
        } else if let Some(channel) = target.strip_prefix('#') {
            let name = label
                .map(str::to_string)
                .or_else(|| conversation.channel_names.get(channel).cloned())
                .unwrap_or_else(|| channel.to_string());
            out.push('#');
            out.push_str(&name);
        } else if let Some(special) = target.strip_prefix('!') {
            // `<!here>`, `<!subteam^S1|@oncall>`, `<!date^…|fallback>`.
            match label {
                Some(label) => out.push_str(label),
                None => {
                    out.push('@');
                    out.push_str(special);
                }
            }
        } else {
            let url = entities(target);
            out.push_str(&label.map_or_else(|| url.clone(), entities));
            links.push(url);
        }
    }
    out.push_str(&entities(rest));
    (out.trim().to_string(), links)
}

/// Slack escapes only these three.
fn entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The messages earlier imports from `channel` wrote into the incident at `path`: the
/// `source` of every timeline entry in the versions those imports committed.
fn imported_before(store: &Store, path: &str, channel: &str) -> Result<Vec<String>> {
    let versions = store.marked_versions(path, super::TRAILER, &format!("{SYSTEM} {channel}"))?;
    let mut sources = Vec::new();
    for text in versions.into_iter().filter_map(|(_, text)| text) {
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        let entries = doc.get("timeline").and_then(toml::Value::as_array);
        sources.extend(
            entries
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("source")?.as_str().map(str::to_string)),
        );
    }
    Ok(sources)
}
