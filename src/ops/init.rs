//! `init`: create the incident branch with a commented `config.toml` and the schemas.

use crate::error::{Error, Result};
use crate::model::{
    Audience, Config, Language, Step, StepEvent, id::validate_prefix, schema, time::Zone,
};
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
        text.push_str(&flow_text(&severity.name, options.language));
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

/// The default response flow of a severity, in `language`: SEV1 tight, SEV2 looser, the
/// others none (a team adds one where it wants it).
fn default_flow(severity: &str, language: Language) -> Vec<Step> {
    let ja = language == Language::Ja;
    let title = |en: &str, japanese: &str| if ja { japanese } else { en }.to_string();
    let (first, page, cs_within, cs_every, customers_every) = match severity {
        "SEV1" => ("5m", "15m", "15m", "30m", "30m"),
        "SEV2" => ("15m", "30m", "30m", "1h", "1h"),
        _ => return Vec::new(),
    };
    let step = Step::new;
    let comms = Some("comms".to_string());
    vec![
        Step {
            within: Some(first.into()),
            done_on: Some(StepEvent::Ack),
            ..step(
                "T1",
                title("Name a commander", "インシデントコマンダーを決める"),
            )
        },
        Step {
            within: Some(page.into()),
            role: comms.clone(),
            ..step(
                "T2",
                title(
                    "Open the status page incident",
                    "ステータスページに障害を掲載する",
                ),
            )
        },
        Step {
            within: Some(cs_within.into()),
            every: Some(cs_every.into()),
            role: comms.clone(),
            audience: Some(Audience::Cs),
            ..step(
                "T3",
                title(
                    "Tell customer success in #cs-alerts",
                    "カスタマーサクセスへ #cs-alerts で連絡",
                ),
            )
        },
        Step {
            every: Some(customers_every.into()),
            role: comms,
            audience: Some(Audience::Customers),
            ..step(
                "T4",
                title(
                    "Update customers on the status page",
                    "ステータスページでお客様に続報を出す",
                ),
            )
        },
        Step {
            role: Some("commander".into()),
            ..step(
                "T5",
                title(
                    "Name the postmortem owner",
                    "解決までにポストモーテムの担当者を決める",
                ),
            )
        },
    ]
}

/// The `[[severity.step]]` tables of a severity's default flow; the first severity
/// with one also explains the keys.
fn flow_text(severity: &str, language: Language) -> String {
    let steps = default_flow(severity, language);
    if steps.is_empty() {
        return String::new();
    }
    let mut text = String::new();
    if severity == "SEV1" {
        text.push_str(
            "\n# The response flow: what to do during an incident of this level, and by when.\n\
             # `new` copies the steps into the incident as its tasks and prints them;\n\
             # `git incident task ID` is the checklist, `task ID done STEP` ticks a step.\n\
             #   within:   due this long after detection (\"5m\", \"1h\"); check and the\n\
             #             attention view flag it once late, while the incident is open\n\
             #   every:    a repeating step, due again this long after it was last done\n\
             #   role:     who is expected to do it (commander, comms, …)\n\
             #   audience: \"cs\" or \"customers\": an update posted with\n\
             #             `git incident update --audience …` does the step\n\
             #   done_on:  \"ack\": taking command (`git incident ack`) does the step\n\
             # Rename, reorder, drop or add steps: ids only need to be unique per level.\n",
        );
    }
    for step in &steps {
        let mut table = crate::ops::incident::task_table(step);
        table.decor_mut().set_prefix("");
        let mut doc = toml_edit::DocumentMut::new();
        let mut steps = toml_edit::ArrayOfTables::new();
        steps.push(table);
        let mut severity = toml_edit::Table::new();
        severity.set_implicit(true);
        severity.insert("step", toml_edit::Item::ArrayOfTables(steps));
        doc.insert("severity", toml_edit::Item::Table(severity));
        text.push('\n');
        text.push_str(&doc.to_string());
    }
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
        let without_flow: Vec<_> = config
            .severity
            .iter()
            .map(|s| crate::model::Severity {
                step: Vec::new(),
                ..s.clone()
            })
            .collect();
        assert_eq!(without_flow, Config::default().severity);
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

    #[test]
    fn the_default_flow_covers_the_severe_levels_in_each_language() {
        for language in [Language::En, Language::Ja] {
            let options = InitOptions {
                prefix: "INC".into(),
                timezone: None,
                language,
            };
            let config: Config = toml::from_str(&config_text(&options)).unwrap();
            assert!(config.validate().is_empty());
            let ids = |name: &str| -> Vec<String> {
                let steps = &config.severity(name).unwrap().step;
                steps.iter().map(|s| s.id.clone()).collect()
            };
            assert_eq!(ids("SEV1"), ["T1", "T2", "T3", "T4", "T5"]);
            assert_eq!(ids("SEV2"), ids("SEV1"));
            assert!(ids("SEV3").is_empty());
            let sev1 = &config.severity("SEV1").unwrap().step;
            assert_eq!(sev1[0].within_seconds(), Some(300));
            assert_eq!(sev1[2].every_seconds(), Some(1800));
            assert_eq!(sev1[2].audience, Some(crate::model::Audience::Cs));
            let sev2 = &config.severity("SEV2").unwrap().step;
            assert!(sev2[0].within_seconds() > sev1[0].within_seconds());
            let japanese = !sev1[0].title.is_ascii();
            assert_eq!(japanese, language == Language::Ja, "{}", sev1[0].title);
        }
    }
}
