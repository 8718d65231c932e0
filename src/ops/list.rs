//! Listing incidents from the read index: filtered, newest first.

use std::io::{self, Write};

use crate::error::{Error, Result};
use crate::history::Index;
use crate::history::index::{ListedJson, Listing};
use crate::metrics::IncidentFacts;
use crate::model::{Status, Timestamp};

/// The incidents `filter` keeps, as their files say them, newest first (by detection
/// time, then by number).
pub fn matching<'i>(index: &'i Index, filter: &Filter) -> Vec<&'i IncidentFacts> {
    index
        .incidents_newest_first()
        .into_iter()
        .filter_map(|dir| dir.facts.as_ref())
        .filter(|f| filter.matches(f))
        .collect()
}

/// The JSON array `list --json` prints, of these texts (each as it prints one incident).
pub fn json_array<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut out = Vec::new();
    array(texts, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("the texts are JSON")
}

/// The JSON array `list --json` prints: the incidents `filter` keeps, newest first (by
/// detection time, then by number), written to `out` piece by piece: at 100,000
/// incidents it is 190 MB, too much to hold as one string next to the texts it is made of.
pub fn write_json(listing: &Listing<'_>, filter: &Filter, out: &mut impl Write) -> io::Result<()> {
    let mut kept: Vec<&ListedJson<'_>> = listing
        .incidents
        .values()
        .filter(|l| filter.matches_fields(l.status, &l.severity, &l.services, l.detected))
        .collect();
    kept.sort_by_key(|l| std::cmp::Reverse((l.detected, l.number)));
    array(kept.into_iter().map(|l| l.text.as_ref()), out)
}

/// Exactly what `serde_json::to_string_pretty` prints for an array of these values.
fn array<'a>(items: impl Iterator<Item = &'a str>, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"[")?;
    let mut any = false;
    for item in items {
        out.write_all(if any { b",\n" } else { b"\n" })?;
        any = true;
        for (i, line) in item.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"  ")?;
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(if any { b"\n]" } else { b"]" })
}

#[derive(Default)]
pub struct Filter {
    /// A status, or `open` for any open one.
    pub status: Option<String>,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl Filter {
    pub fn validate(&self) -> Result<()> {
        if let Some(status) = &self.status
            && status != "open"
        {
            status.parse::<Status>().map_err(|_| {
                Error::invalid(format!(
                    "unknown status {status:?}: expected open or one of {}",
                    Status::names()
                ))
            })?;
        }
        Ok(())
    }

    pub fn matches(&self, incident: &IncidentFacts) -> bool {
        self.matches_fields(
            incident.status,
            &incident.severity,
            &incident.services,
            incident.times.detected,
        )
    }

    /// The same test on just the fields it looks at (`detected` in Unix seconds).
    pub fn matches_fields(
        &self,
        status: Status,
        severity: &str,
        services: &[String],
        detected: Option<i64>,
    ) -> bool {
        let status_ok = match self.status.as_deref() {
            None => true,
            Some("open") => status.is_open(),
            Some(s) => status.as_str() == s,
        };
        status_ok
            && self
                .severity
                .as_ref()
                .is_none_or(|s| severity.eq_ignore_ascii_case(s))
            && self.service.as_ref().is_none_or(|s| services.contains(s))
            && self
                .since
                .is_none_or(|since| detected.is_some_and(|d| d >= since.timestamp()))
            && self
                .until
                .is_none_or(|until| detected.is_some_and(|d| d < until.timestamp()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_array_matches_serde_json_pretty_output() {
        let values = [
            serde_json::json!({"a": [1, 2], "b": {"c": "x\ny"}}),
            serde_json::json!(3),
        ];
        let items: Vec<String> = values
            .iter()
            .map(|v| serde_json::to_string_pretty(v).unwrap())
            .collect();
        let array = |items: &[String]| {
            let mut out = Vec::new();
            super::array(items.iter().map(String::as_str), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            array(&items),
            serde_json::to_string_pretty(&values).unwrap()
        );
        assert_eq!(array(&[]), "[]");
    }
}
