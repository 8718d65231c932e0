//! `init`: create the incident branch with a commented `config.toml` and the schemas.

use crate::error::{Error, Result};
use crate::model::{Config, Language, id::validate_prefix, schema, time::Zone};
use crate::store::{Change, Store, layout};

pub struct InitOptions {
    pub prefix: String,
    pub timezone: Option<String>,
    pub language: Language,
}

pub fn init(store: &Store, options: &InitOptions) -> Result<bool> {
    validate_prefix(&options.prefix)?;
    Zone::from_config(options.timezone.as_deref())?;
    let written = store.write(|snapshot, _| {
        if snapshot.read(layout::CONFIG)?.is_some() {
            return Err(Error::invalid(format!(
                "the incident branch '{}' already exists; edit config.toml on it to change settings",
                store.branch_name()
            )));
        }
        let mut change = Change::new("Initialize incident branch")
            .put(layout::CONFIG, config_text(options));
        for (name, json) in schema::all() {
            change = change.put(format!("{}/{name}", layout::SCHEMA_DIR), json);
        }
        Ok((change, ()))
    })?;
    Ok(written.commit.is_some())
}

/// A commented default that teaches the settings; parsed back by a test.
pub fn config_text(options: &InitOptions) -> String {
    let defaults = Config::default();
    let mut text = layout::schema_directive(layout::CONFIG);
    text.push_str(
        "# Team settings for git incident. Edit freely: comments and layout are kept.\n\
         schema_version = 1\n\n\
         # Incident IDs are <id_prefix>-<n>, e.g. INC-42.\n",
    );
    text.push_str(&format!(
        "id_prefix = {}\n",
        toml_edit::Value::from(options.prefix.as_str())
    ));
    text.push_str("\n# The team's IANA timezone: times are stored and shown in it, report days counted in it\n# (the machine's when unset). Typed times are read in the typist's zone: git config\n# incident.timezone, else TZ, else the machine's.\n");
    match &options.timezone {
        Some(tz) => text.push_str(&format!(
            "timezone = {}\n",
            toml_edit::Value::from(tz.as_str())
        )),
        None => text.push_str("# timezone = \"Asia/Tokyo\"\n"),
    }
    let language = match options.language {
        Language::En => "en",
        Language::Ja => "ja",
    };
    text.push_str(&format!(
        "\n# Language of the guidance in new postmortems: \"en\" or \"ja\".\nlanguage = \"{language}\"\n"
    ));
    text.push_str(
        "\n# Optional allow-lists; any name is accepted while they are commented out.\n\
         # services = [\"checkout\", \"payments\"]\n\
         # teams = [\"platform\", \"web\"]\n\n\
         # Severity levels, most severe first. Agree on them with the people who talk to\n\
         # customers, so everyone means the same thing by \"SEV2\".\n",
    );
    for severity in &defaults.severity {
        text.push_str(&format!(
            "\n[[severity]]\nname = \"{}\"\ndescription = {}\npostmortem = \"{}\"\npostmortem_due_days = {}\n",
            severity.name,
            toml_edit::Value::from(severity.description.as_str()),
            match severity.postmortem {
                crate::model::PostmortemPolicy::Required => "required",
                crate::model::PostmortemPolicy::Optional => "optional",
            },
            severity.postmortem_due_days.unwrap_or(7),
        ));
        if let Some(ack) = &severity.ack_target {
            text.push_str(&format!("ack_target = \"{ack}\"\n"));
        }
    }
    text.push_str(
        "\n# The people on the team (optional). Logs, timelines and postmortems show their\n\
         # handles; `me` (as in --owner me) is the handle of your git identity, matched by\n\
         # email, else by name; and `check` warns about a commander or owner not listed.\n\
         # [[person]]\n\
         # handle = \"ana\"\n\
         # name = \"Ana Lima\"\n\
         # emails = [\"ana@example.com\", \"ana.lima@users.noreply.github.com\"]\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_text_parses_back_to_the_defaults() {
        let options = InitOptions {
            prefix: "INC".into(),
            timezone: Some("Asia/Tokyo".into()),
            language: Language::Ja,
        };
        let config: Config = toml::from_str(&config_text(&options)).unwrap();
        assert_eq!(config.severity, Config::default().severity);
        assert_eq!(config.timezone.as_deref(), Some("Asia/Tokyo"));
        assert_eq!(config.language, Language::Ja);
        assert!(config.validate().is_empty());
        // Uncommenting the example gives a valid person.
        let uncommented: String = config_text(&options)
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(code) if code.starts_with("[[person]]") || code.contains(" = ") => {
                    format!("{code}\n")
                }
                _ => format!("{line}\n"),
            })
            .collect();
        let config: Config = toml::from_str(&uncommented).unwrap();
        assert_eq!(config.person[0].handle, "ana");
        assert_eq!(config.handle_of("Someone", "ANA@example.com"), Some("ana"));
    }
}
