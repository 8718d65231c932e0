//! The static site: plain HTML, CSS and a little JavaScript built from the branch, for
//! readers who will never run the CLI. A pure function of the branch: "now" (the
//! 90-day window, overdue items, ages) is the tip commit's committer time, so an
//! unchanged branch builds the same bytes. Incident pages depend only on their
//! incident and config.toml, and a re-run rebuilds only those whose incident changed.

mod actions;
mod charts;
mod feed;
mod figures;
pub mod html;
pub(crate) mod i18n;
mod incident;
mod layout;
mod list;
mod markdown;
mod output;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;

use crate::error::{Error, FileError, Result};
use crate::history::{Index, Progress, Want};
use crate::metrics::followup;
use crate::metrics::{Context, IncidentFacts, Window};
use crate::model::Timestamp;
use crate::model::link::is_web_url;
use crate::search::Document;
use crate::search::matching::fold;
use crate::store::Store;

pub use output::MANIFEST;

/// Bump whenever a page's content or layout changes: every page is built again (as it
/// is by any other version of the tool).
const FORMAT: u32 = 3;

const CSS: &str = include_str!("assets/site.css");
const JS: &str = include_str!("assets/site.js");

pub struct SiteRequest<'a> {
    pub out: &'a Path,
    pub base_url: Option<&'a str>,
}

/// What a build did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Built {
    pub incidents: usize,
    /// Files whose bytes changed.
    pub written: usize,
    /// Files rendered again with the same bytes (left untouched).
    pub unchanged: usize,
    /// Incident pages not rendered at all: their incident did not change.
    pub skipped: usize,
    /// Pages of incidents that no longer exist, removed.
    pub removed: usize,
    /// Files that do not parse: their incidents are left out.
    #[serde(skip)]
    pub broken: Vec<FileError>,
}

/// `--base-url` as links need it: an http(s) URL ending with `/`.
fn base_url(url: &str) -> Result<String> {
    if !is_web_url(url) {
        return Err(Error::usage(format!(
            "--base-url {url:?} is not an absolute http(s) URL (like https://example.github.io/incidents/)"
        )));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

/// The directory name of an incident: its validated ID, and so its page's name.
fn page_id(facts: &IncidentFacts) -> &str {
    facts.dir.rsplit('/').next().unwrap_or(&facts.id)
}

fn incident_page(facts: &IncidentFacts) -> String {
    format!("incidents/{}.html", page_id(facts))
}

/// What an incident page is built from: its directory's tree and its times as history
/// fills them in (a hash: the manifest only compares it).
fn page_key(tree: &str, facts: &IncidentFacts) -> String {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(facts)
        .expect("facts serialize")
        .hash(&mut hasher);
    format!("{tree}:{:016x}", hasher.finish())
}

/// A page's key with the linked commits it could not show, because this repository did
/// not have them yet: a later fetch of one makes the page stale although the branch did
/// not change (` missing:<id>,<id>`).
fn with_missing(key: String, changes: &crate::model::change::LinkedChanges) -> String {
    let missing: Vec<&str> = changes
        .caused_by
        .iter()
        .chain(&changes.fixed_by)
        .filter(|change| change.kind == "commit" && change.commit.is_none())
        .map(|change| change.value.as_str())
        .collect();
    match missing.is_empty() {
        true => key,
        false => format!("{key}{MISSING}{}", missing.join(",")),
    }
}

const MISSING: &str = " missing:";

/// Whether the page built under `old_key` is still what `key` asks for: the same key,
/// and none of the commits it lacked has been fetched since.
fn still_current(store: &Store, old_key: &str, key: &str) -> Result<bool> {
    let (built_for, missing) = old_key.split_once(MISSING).unwrap_or((old_key, ""));
    if built_for != key {
        return Ok(false);
    }
    for id in missing.split(',').filter(|id| !id.is_empty()) {
        if store.code_commit(id)?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The search box's index: each incident's searchable text (the fields `search` reads),
/// folded as `search` folds it, by page name. A script that assigns a global, because
/// browsers refuse to `fetch()` a JSON file from `file://`.
fn search_index(documents: &[Document]) -> String {
    let texts: BTreeMap<&str, String> = documents
        .iter()
        .map(|d| {
            let page = d.dir.rsplit('/').next().unwrap_or(&d.id);
            let text: Vec<&str> = d.fields.iter().map(|f| f.text.as_str()).collect();
            (page, fold(&text.join("\n")))
        })
        .collect();
    format!(
        "window.gitIncidentSearch = {};\n",
        html::script_json(&texts)
    )
}

pub fn build(store: &Store, request: &SiteRequest<'_>, progress: Progress<'_>) -> Result<Built> {
    let base = request.base_url.map(base_url).transpose()?;
    let base = base.as_deref();
    let mut out = output::Output::open(request.out)?;
    let snapshot = store.snapshot()?;
    let config = snapshot.config()?;
    let zone = config.zone()?;
    let now = snapshot
        .committed_at()?
        .ok_or_else(|| Error::not_found("the incident branch has no commits yet"))?;
    let index = Index::load(store, &snapshot, Want::History(progress))?;
    let trees: HashMap<String, String> = index
        .dirs()
        .map(|d| {
            (
                d.facts.as_ref().map_or("", |f| f.dir.as_str()).to_string(),
                d.tree.clone(),
            )
        })
        .collect();
    let mut history = index.into_history();
    // In a stable order whatever the index's, so that the same branch gives the same bytes.
    history
        .incidents
        .sort_by(|a, b| (a.number(), &a.dir).cmp(&(b.number(), &b.dir)));
    let old = out.manifest();
    let site = format!(
        "{FORMAT}:{}:{}:{}",
        env!("CARGO_PKG_VERSION"),
        snapshot
            .config_id()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        base.unwrap_or_default()
    );
    let mut manifest = output::Manifest {
        site: site.clone(),
        pages: BTreeMap::new(),
    };
    let mut built = Built {
        incidents: history.incidents.len(),
        broken: history.broken.clone(),
        ..Built::default()
    };
    let entries: HashMap<String, crate::store::IncidentEntry> = snapshot
        .incident_entries()?
        .0
        .into_iter()
        .map(|e| (e.dir.clone(), e))
        .collect();
    for facts in &history.incidents {
        let path = incident_page(facts);
        if manifest.pages.contains_key(&path) {
            // The same ID in two years' directories (`check` reports it): one page, the
            // first one's.
            continue;
        }
        let key = page_key(trees.get(&facts.dir).map_or("", String::as_str), facts);
        let fresh = match old.pages.get(&path) {
            Some(old_key) if old.site == site && out.exists(&path) => {
                still_current(store, old_key, &key)?
            }
            _ => false,
        };
        if fresh {
            manifest
                .pages
                .insert(path.clone(), old.pages[&path].clone());
            built.skipped += 1;
            continue;
        }
        manifest.pages.insert(path.clone(), key.clone());
        let Some(entry) = entries.get(&facts.dir) else {
            continue;
        };
        let incident = snapshot.incident(entry)?.value;
        let (postmortem, postmortem_error) = match snapshot.postmortem(entry) {
            Ok(loaded) => (loaded.map(|l| l.value), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let changes = crate::ops::code::linked_changes(store, &config, &incident)?;
        manifest
            .pages
            .insert(path.clone(), with_missing(key, &changes));
        let html = incident::render(&incident::IncidentPage {
            config: &config,
            zone,
            changes,
            incident,
            postmortem,
            postmortem_error,
            facts,
            base_url: base,
        });
        out.put(&path, html.as_bytes())?;
    }
    let as_of = chrono::DateTime::from_timestamp(now, 0)
        .map(|utc| crate::render::incident::full_time(Timestamp(utc.fixed_offset()), zone))
        .unwrap_or_default();
    let mut newest_first: Vec<&IncidentFacts> = history.incidents.iter().collect();
    newest_first.sort_by_key(|i| std::cmp::Reverse((i.times.detected, i.number())));
    let ctx = Context {
        config: &config,
        // Open items of every incident, whenever it happened.
        window: Window::new(now, Some(i64::MIN / 2), Some(i64::MAX / 2)),
        zone,
    };
    let action_rows = followup::action_rows(&history.incidents, &ctx);
    let windows = figures::windows(&history.incidents, &config, zone, now);
    let searchable = crate::history::text::documents(store, &snapshot)?;
    let pages: [(&str, String); 7] = [
        (
            "index.html",
            list::render(&config, zone, &newest_first, base),
        ),
        (
            "actions.html",
            actions::render(&config, &action_rows, &as_of, base),
        ),
        (
            "metrics.html",
            figures::render(&config, &windows, &as_of, base),
        ),
        (
            "feed.xml",
            feed::render(&config, &history.incidents, now, base, &incident_page),
        ),
        ("search-index.js", search_index(&searchable.documents)),
        ("assets/site.css", CSS.to_string()),
        ("assets/site.js", JS.to_string()),
    ];
    for (path, text) in pages {
        out.put(path, text.as_bytes())?;
        manifest.pages.insert(path.to_string(), String::new());
    }
    built.removed = out.remove_stale(&old, &manifest)?;
    out.save(&manifest)?;
    built.written = out.written;
    built.unchanged = out.unchanged;
    Ok(built)
}
