//! Incident and action-item identifiers. Both end up in paths, so parsing is strict.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// `<prefix>-<n>`, e.g. `INC-42`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId {
    pub prefix: String,
    pub number: u32,
}

/// A prefix is letters, digits and `_`, starting with a letter: nothing that could form a path.
pub fn validate_prefix(prefix: &str) -> Result<()> {
    let mut chars = prefix.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && prefix.len() <= 16;
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid id prefix {prefix:?}: use 1-16 letters, digits or '_', starting with a letter"
        )))
    }
}

impl IncidentId {
    pub fn new(prefix: &str, number: u32) -> Self {
        IncidentId {
            prefix: prefix.to_string(),
            number,
        }
    }

    /// The ID after this one. Numbers never wrap around (that would reuse one), so the
    /// highest has none.
    pub fn next(&self) -> Result<Self> {
        let number = self.number.checked_add(1).ok_or_else(|| {
            Error::invalid(format!(
                "no incident number after {self} is left: numbers stop at {}; start a new series with another id_prefix in config.toml",
                u32::MAX
            ))
        })?;
        Ok(IncidentId::new(&self.prefix, number))
    }

    /// Parses user input; a bare number takes the configured prefix, and the prefix is
    /// matched case-insensitively so `inc-4` finds `INC-4`.
    pub fn parse_with_prefix(input: &str, prefix: &str) -> Result<Self> {
        let input = input.trim();
        if !input.is_empty() && input.bytes().all(|b| b.is_ascii_digit()) {
            return Self::from_str(&format!("{prefix}-{input}"));
        }
        let mut id = Self::from_str(input)?;
        if id.prefix.eq_ignore_ascii_case(prefix) {
            id.prefix = prefix.to_string();
        }
        Ok(id)
    }
}

impl FromStr for IncidentId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(format!(
                "invalid incident ID {s:?}: expected PREFIX-NUMBER, like INC-42, the number from 1 to {} without leading zeros",
                u32::MAX
            ))
        };
        let (prefix, number) = s.rsplit_once('-').ok_or_else(bad)?;
        validate_prefix(prefix).map_err(|_| bad())?;
        if number.is_empty()
            || number.starts_with('0')
            || !number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let number: u32 = number.parse().map_err(|_| bad())?;
        Ok(IncidentId::new(prefix, number))
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.number)
    }
}

/// `<incident-id>.A<n>`, e.g. `INC-42.A3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId {
    pub incident: IncidentId,
    pub number: u32,
}

/// The action number after `<incident>.A<number>`; like incident numbers, they never wrap.
pub fn next_action_number(incident: &str, number: u32) -> Result<u32> {
    number.checked_add(1).ok_or_else(|| {
        Error::invalid(format!(
            "no action number after {incident}.A{number} is left: numbers stop at {}",
            u32::MAX
        ))
    })
}

impl ActionId {
    pub fn parse_with_prefix(input: &str, prefix: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(format!(
                "invalid action ID {input:?}: expected INCIDENT.A<n>, like INC-42.A3, n from 1 to {} without leading zeros",
                u32::MAX
            ))
        };
        let (incident, action) = input.trim().rsplit_once('.').ok_or_else(bad)?;
        let incident = IncidentId::parse_with_prefix(incident, prefix).map_err(|_| bad())?;
        let number = action
            .strip_prefix('A')
            .or_else(|| action.strip_prefix('a'))
            .filter(|n| {
                !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|n| n.parse().ok())
            .ok_or_else(bad)?;
        Ok(ActionId { incident, number })
    }
}

impl FromStr for ActionId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let prefix = s.split('-').next().unwrap_or_default();
        Self::parse_with_prefix(s, prefix)
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.A{}", self.incident, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_round_trip_and_reject_paths() {
        assert_eq!("INC-42".parse::<IncidentId>().unwrap().number, 42);
        assert_eq!(
            IncidentId::parse_with_prefix("7", "OPS")
                .unwrap()
                .to_string(),
            "OPS-7"
        );
        assert_eq!(
            IncidentId::parse_with_prefix("inc-3", "INC")
                .unwrap()
                .to_string(),
            "INC-3"
        );
        for bad in [
            "../x",
            "INC-",
            "INC-0",
            "INC-01",
            "-3",
            "INC/../3",
            "INC-3/..",
            "",
            "INC-99999999999",
            "1NC-3",
        ] {
            assert!(
                bad.parse::<IncidentId>().is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn action_ids() {
        let id = ActionId::parse_with_prefix("INC-4.A2", "INC").unwrap();
        assert_eq!((id.incident.number, id.number), (4, 2));
        assert_eq!(id.to_string(), "INC-4.A2");
        for bad in ["INC-4", "INC-4.B2", "INC-4.A", "INC-4.A0", "../INC-4.A1"] {
            assert!(ActionId::parse_with_prefix(bad, "INC").is_err(), "{bad}");
        }
    }
}
