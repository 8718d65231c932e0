//! Points in time as stored (TOML offset datetimes and local dates) and as typed
//! on the command line (`now`, `15m ago`, `2026-11-23 10:02`, RFC 3339, …).

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime,
    NaiveTime, Offset, TimeZone, Utc,
};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// The years TOML and RFC 3339 can write (four digits). chrono reaches much further,
/// so every time that may be written is checked against them first.
pub const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// What to say about a time outside [`YEARS`].
pub fn out_of_range(what: &str) -> Error {
    Error::invalid(format!(
        "{what} is out of range: incident files hold times in the years 0000 to 9999"
    ))
}

/// An offset datetime. In TOML it is a native datetime; in JSON an RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<FixedOffset>);

impl Timestamp {
    /// The wall clock's now: what overdue steps and ages are judged against.
    pub fn wall_clock() -> Timestamp {
        Timestamp(Utc::now().fixed_offset())
    }

    /// `time`, if a file can hold it (its year, as written in its own offset, in [`YEARS`]).
    /// TOML offsets are whole minutes, but zones before standard time had local mean
    /// time (Tokyo: +09:18:59), so the offset is rounded and the instant kept exactly.
    pub fn new(time: DateTime<FixedOffset>) -> Option<Timestamp> {
        let seconds = time.offset().local_minus_utc();
        let minutes = (seconds + 30).div_euclid(60);
        let time = time.with_timezone(&FixedOffset::east_opt(minutes * 60)?);
        YEARS.contains(&time.year()).then_some(Timestamp(time))
    }

    pub fn to_toml(self) -> toml::value::Datetime {
        self.0
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
            .parse()
            .expect("RFC 3339 output is a valid TOML datetime")
    }

    pub fn from_toml(value: &toml::value::Datetime) -> std::result::Result<Self, String> {
        if value.date.is_none() || value.time.is_none() || value.offset.is_none() {
            return Err(format!(
                "expected an offset datetime like 2026-11-23T10:02:00+09:00, found {value}"
            ));
        }
        DateTime::parse_from_rfc3339(&value.to_string())
            .map(Timestamp)
            .map_err(|e| format!("invalid datetime {value}: {e}"))
    }

    pub fn timestamp(self) -> i64 {
        self.0.timestamp()
    }

    /// Nanoseconds since the Unix epoch: the time exactly (a leap second's extra
    /// nanoseconds folded into its last one).
    pub fn nanos(self) -> i128 {
        i128::from(self.0.timestamp()) * 1_000_000_000
            + i128::from(self.0.timestamp_subsec_nanos().min(999_999_999))
    }

    /// Seconds from `self` to `later` (negative when out of order), computed from the
    /// exact times and rounded half up: 1.5 s is 2 s, -1.5 s is -1 s.
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        let rounded = (later.nanos() - self.nanos() + 500_000_000).div_euclid(1_000_000_000);
        i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = toml::value::Datetime::deserialize(deserializer)?;
        Timestamp::from_toml(&value).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An offset datetime, e.g. 2026-11-23T10:02:00+09:00"
        })
    }
}

/// A calendar date (action-item due dates): a TOML local date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl Day {
    pub fn to_toml(self) -> toml::value::Datetime {
        self.0
            .format("%Y-%m-%d")
            .to_string()
            .parse()
            .expect("a formatted date is a valid TOML date")
    }
    pub fn parse(input: &str) -> Result<Day> {
        let date = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid(format!("invalid date {input:?}: expected YYYY-MM-DD")))?;
        if !YEARS.contains(&date.year()) {
            return Err(out_of_range(&format!("date {input:?}")));
        }
        Ok(Day(date))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = toml::value::Datetime::deserialize(deserializer)?;
        match (value.date, value.time) {
            (Some(date), None) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
            .map(Day)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid date {value}"))),
            _ => Err(serde::de::Error::custom(format!(
                "expected a date like 2026-12-01, found {value}"
            ))),
        }
    }
}

impl JsonSchema for Day {
    fn schema_name() -> Cow<'static, str> {
        "Day".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "description": "A date, e.g. 2026-12-01"
        })
    }
}

/// The zone wall-clock times are read or shown in: a named IANA zone or the machine's.
#[derive(Debug, Clone, Copy)]
pub enum Zone {
    Named(chrono_tz::Tz),
    Local,
}

impl Zone {
    pub fn from_config(timezone: Option<&str>) -> Result<Zone> {
        match timezone {
            None => Ok(Zone::Local),
            Some(name) => name.parse().map(Zone::Named).map_err(|_| {
                Error::invalid(format!(
                    "unknown timezone {name:?} in config.toml: use an IANA name like Asia/Tokyo"
                ))
            }),
        }
    }

    /// The zone of the person typing: `setting` (`git config incident.timezone`), else
    /// `TZ`, else the machine's. A `TZ` that names an IANA zone is kept by name, so
    /// messages can say which zone a time was read in.
    pub fn typist(setting: Option<&str>) -> Result<Zone> {
        if let Some(name) = setting.map(str::trim).filter(|s| !s.is_empty()) {
            return name.parse().map(Zone::Named).map_err(|_| {
                Error::invalid(format!(
                    "unknown timezone {name:?} in git config incident.timezone: use an IANA name like Asia/Tokyo"
                ))
            });
        }
        let from_env = std::env::var("TZ").ok().and_then(|tz| {
            let name = tz.trim().trim_start_matches(':').to_string();
            name.parse().ok()
        });
        Ok(from_env.map_or(Zone::Local, Zone::Named))
    }

    /// How messages name the zone: `Asia/Tokyo`, or `local time` for the machine's.
    pub fn name(self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_string(),
            Zone::Local => "local time".to_string(),
        }
    }

    pub fn localize(self, naive: NaiveDateTime) -> Result<DateTime<FixedOffset>> {
        let resolved = match self {
            Zone::Named(tz) => map_local(tz.from_local_datetime(&naive)),
            Zone::Local => map_local(Local.from_local_datetime(&naive)),
        };
        resolved.ok_or_else(|| {
            Error::invalid(format!(
                "{naive} does not exist in {} (a clock change)",
                self.name()
            ))
        })
    }

    pub fn convert(self, instant: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match self {
            Zone::Named(tz) => instant.with_timezone(&tz).fixed_offset(),
            Zone::Local => instant.with_timezone(&Local).fixed_offset(),
        }
    }

    /// `2026-12-02 06:00 JST`: an instant as a wall clock in this zone, with the zone's
    /// abbreviation (or its offset where the zone has none).
    pub fn wall(self, instant: DateTime<FixedOffset>) -> String {
        let format = "%Y-%m-%d %H:%M %Z";
        match self {
            Zone::Named(tz) => instant.with_timezone(&tz).format(format).to_string(),
            Zone::Local => instant.with_timezone(&Local).format(format).to_string(),
        }
    }
}

fn map_local<Tz: TimeZone>(result: LocalResult<DateTime<Tz>>) -> Option<DateTime<FixedOffset>> {
    // In a repeated hour (clocks going back) the earlier instant is the natural reading.
    result
        .earliest()
        .map(|dt| dt.with_timezone(&dt.offset().fix()))
}

/// How far ahead of "now" an incident time may be (clocks differ a little).
pub const FUTURE_SLACK_SECONDS: i64 = 5 * 60;

/// A wall-clock time as typed (no offset) and how it was read.
#[derive(Debug, Clone, Copy)]
struct Wall {
    local: NaiveDateTime,
    /// `today` or `yesterday` when the day was not typed.
    day: Option<&'static str>,
}

/// What "now" and "today" mean for one command (for writes, the commit's committer
/// time), the team's zone (`zone`: stored and shown times) and the typist's (`input`:
/// wall-clock times typed without an offset are read in it).
#[derive(Debug, Clone)]
pub struct TimeContext {
    pub now: DateTime<FixedOffset>,
    pub zone: Zone,
    pub input: Zone,
    /// How typed times were read, for the writer to say (see [`TimeContext::take_notes`]).
    notes: RefCell<Vec<String>>,
}

impl TimeContext {
    /// Fails when "now" (a commit time git accepted, say) is outside [`YEARS`] in `zone`.
    pub fn new(now: DateTime<FixedOffset>, zone: Zone, input: Zone) -> Result<Self> {
        Timestamp::new(zone.convert(now))
            .ok_or_else(|| out_of_range(&format!("the commit time {}", now.to_rfc3339())))?;
        Ok(TimeContext {
            now,
            zone,
            input,
            notes: RefCell::default(),
        })
    }

    pub fn wall_clock(zone: Zone, input: Zone) -> Self {
        TimeContext {
            now: zone.convert(Utc::now().fixed_offset()),
            zone,
            input,
            notes: RefCell::default(),
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::new(self.zone.convert(self.now)).expect("checked by TimeContext::new")
    }

    /// Today in the team's zone (report days, overdue action items).
    pub fn today(&self) -> NaiveDate {
        self.zone.convert(self.now).date_naive()
    }

    /// Today in the typist's zone (what `09:41` and `yesterday` count from).
    fn typist_today(&self) -> NaiveDate {
        self.input.convert(self.now).date_naive()
    }

    /// Parses every time format the contract lists; a time a file cannot hold is refused.
    pub fn parse(&self, input: &str) -> Result<Timestamp> {
        self.parse_read(input).map(|(t, _)| t)
    }

    /// Parses a time a write stores as `what`, noting how a wall-clock time was read
    /// when the typist's zone shows it differently from the team's, or when `HH:MM`
    /// was taken as yesterday.
    pub fn parse_as(&self, what: &str, input: &str) -> Result<Timestamp> {
        let (time, wall) = self.parse_read(input)?;
        if let Some(wall) = wall {
            let team = self.zone.convert(time.0).naive_local();
            let shown_differently = team != wall.local;
            if shown_differently || wall.day == Some("yesterday") {
                let mut note = format!("{what} {}", self.typed(wall));
                if shown_differently {
                    note.push_str(&format!(" = {}", self.zone.wall(time.0)));
                }
                self.notes.borrow_mut().push(note);
            }
        }
        Ok(time)
    }

    /// Like [`parse_as`](Self::parse_as) for a time of the incident itself: one more
    /// than five minutes after now is refused, saying how it was read.
    pub fn parse_incident_time(&self, what: &str, input: &str) -> Result<Timestamp> {
        let (time, wall) = self.parse_read(input)?;
        if time.timestamp() - self.now.timestamp() > FUTURE_SLACK_SECONDS {
            let reading = match wall {
                Some(wall) => format!(
                    "{} ({}{})",
                    wall.local.format("%Y-%m-%d %H:%M"),
                    wall.day
                        .map(|d| format!("read as {d}, "))
                        .unwrap_or_default(),
                    self.input.name()
                ),
                None => input.trim().to_string(),
            };
            return Err(Error::invalid(format!(
                "{what} {reading} is in the future (it is now {})",
                self.input.wall(self.now)
            )));
        }
        self.parse_as(what, input)
    }

    /// What the writes of this command noted about the times typed, once each.
    pub fn take_notes(&self) -> Vec<String> {
        let mut notes = std::mem::take(&mut *self.notes.borrow_mut());
        let mut seen = std::collections::HashSet::new();
        notes.retain(|n| seen.insert(n.clone()));
        notes
    }

    /// `2026-12-01 16:00 America/New_York`, `(read as yesterday)` when the day was not typed.
    fn typed(&self, wall: Wall) -> String {
        let mut text = format!(
            "{} {}",
            wall.local.format("%Y-%m-%d %H:%M"),
            self.input.name()
        );
        if let Some(day) = wall.day {
            text.push_str(&format!(" (read as {day})"));
        }
        text
    }

    /// A calendar date (action-item due dates): `YYYY-MM-DD`, `+7d` / `+2w` from today,
    /// or any time format, taken as its day in the typist's zone.
    pub fn parse_day(&self, input: &str) -> Result<Day> {
        let text = input.trim();
        if let Some(ahead) = text.strip_prefix('+').filter(|rest| !rest.contains('-')) {
            let days = parse_duration(ahead)
                .ok()
                .filter(|d| *d >= Duration::zero() && d.num_seconds() % 86_400 == 0)
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "invalid date {input:?}: use YYYY-MM-DD, or days or weeks ahead like +7d or +2w"
                    ))
                })?;
            let day = self
                .typist_today()
                .checked_add_signed(days)
                .filter(|d| YEARS.contains(&d.year()))
                .ok_or_else(|| out_of_range(&format!("date {input:?}")))?;
            return Ok(Day(day));
        }
        if let Ok(day) = Day::parse(text) {
            return Ok(day);
        }
        let time = self.parse(text).map_err(|e| match e {
            Error::Invalid(message) if message.starts_with("invalid time") => {
                Error::invalid(format!(
                    "invalid date {input:?}: use YYYY-MM-DD, +7d / +2w, or a time like 'yesterday'"
                ))
            }
            other => other,
        })?;
        Ok(Day(self.input.convert(time.0).date_naive()))
    }

    fn parse_read(&self, input: &str) -> Result<(Timestamp, Option<Wall>)> {
        let (instant, wall) = self.parse_instant(input)?;
        let time =
            Timestamp::new(instant).ok_or_else(|| out_of_range(&format!("time {input:?}")))?;
        Ok((time, wall))
    }

    fn parse_instant(&self, input: &str) -> Result<(DateTime<FixedOffset>, Option<Wall>)> {
        let text = input.trim();
        let bad = || {
            Error::invalid(format!(
                "invalid time {input:?}: use RFC 3339, 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD', 'HH:MM', 'now', '15m ago', '1 week ago', 'yesterday' or 'yesterday HH:MM'"
            ))
        };
        if text.eq_ignore_ascii_case("now") {
            return Ok((self.now().0, None));
        }
        if let Some(amount) = text
            .strip_suffix(" ago")
            .or_else(|| text.strip_suffix("ago"))
        {
            let ago = parse_duration(amount.trim()).map_err(|_| bad())?;
            // Past what chrono can count at all, it is out of range like any other year.
            let instant = self
                .now
                .checked_sub_signed(ago)
                .ok_or_else(|| out_of_range(&format!("time {input:?}")))?;
            return Ok((self.zone.convert(instant), None));
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Ok((dt, None));
        }
        let wall = |local: NaiveDateTime, day: Option<&'static str>| -> Result<_> {
            let instant = self.input.localize(local)?;
            Ok((self.zone.convert(instant), Some(Wall { local, day })))
        };
        for format in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
                return wall(naive, None);
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return wall(date.and_time(NaiveTime::MIN), None);
        }
        let yesterday = || self.typist_today().pred_opt().ok_or_else(bad);
        let lower = text.to_ascii_lowercase();
        if lower == "yesterday" {
            return wall(yesterday()?.and_time(NaiveTime::MIN), Some("yesterday"));
        }
        if let Some(clock) = lower.strip_prefix("yesterday ") {
            let time = parse_clock(clock.trim()).ok_or_else(bad)?;
            return wall(yesterday()?.and_time(time), Some("yesterday"));
        }
        if let Some(time) = parse_clock(text) {
            // A time of day later than now means yesterday: at 00:10, 23:50 was 20
            // minutes ago, not in the future.
            let today = self.typist_today().and_time(time);
            if self.input.localize(today)? <= self.now {
                return wall(today, Some("today"));
            }
            return wall(yesterday()?.and_time(time), Some("yesterday"));
        }
        Err(bad())
    }
}

/// `09:41` or `09:41:30`.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(text, format).ok())
}

/// `15m`, `2h`, `3d`, `1w`, `90s`, combinations like `1h30m`, and words: `10 min`,
/// `1 week`, `2 hours`.
pub fn parse_duration(input: &str) -> Result<Duration> {
    let bad = || {
        Error::invalid(format!(
            "invalid duration {input:?}: use a number and a unit, like 15m, 2h, 3d, 1h30m or 10 min"
        ))
    };
    let mut total = Duration::zero();
    let mut rest = input.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = rest[digits..].trim_start();
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = match rest[..letters].to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => Duration::try_seconds(n),
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::try_minutes(n),
            "h" | "hr" | "hrs" | "hour" | "hours" => Duration::try_hours(n),
            "d" | "day" | "days" => Duration::try_days(n),
            "w" | "wk" | "wks" | "week" | "weeks" => Duration::try_weeks(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        rest = rest[letters..].trim_start();
        total = total.checked_add(&unit).ok_or_else(bad)?;
    }
    Ok(total)
}

/// `1h 05m`, `3d 2h`, `42s`: durations as people read them in tables.
pub fn format_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let body = if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeContext {
        let now = DateTime::parse_from_rfc3339("2026-11-23T10:30:00+09:00").unwrap();
        let tokyo = Zone::Named(chrono_tz::Asia::Tokyo);
        TimeContext::new(now, tokyo, tokyo).unwrap()
    }

    /// A team in Tokyo, a typist in New York, at 00:10 on 2026-12-02 in Tokyo.
    fn abroad() -> TimeContext {
        let now = DateTime::parse_from_rfc3339("2026-12-02T00:10:00+09:00").unwrap();
        TimeContext::new(
            now,
            Zone::Named(chrono_tz::Asia::Tokyo),
            Zone::Named(chrono_tz::America::New_York),
        )
        .unwrap()
    }

    #[test]
    fn parses_every_contract_format() {
        let c = ctx();
        let p = |s: &str| c.parse(s).unwrap().to_string();
        assert_eq!(p("now"), "2026-11-23T10:30:00+09:00");
        assert_eq!(p("15m ago"), "2026-11-23T10:15:00+09:00");
        assert_eq!(p("2h ago"), "2026-11-23T08:30:00+09:00");
        assert_eq!(p("3d ago"), "2026-11-20T10:30:00+09:00");
        assert_eq!(p("2026-11-22 23:05"), "2026-11-22T23:05:00+09:00");
        assert_eq!(p("2026-11-22"), "2026-11-22T00:00:00+09:00");
        assert_eq!(p("09:41"), "2026-11-23T09:41:00+09:00");
        assert_eq!(p("2026-11-22T14:00:00Z"), "2026-11-22T14:00:00+00:00");
        assert_eq!(p("10 min ago"), "2026-11-23T10:20:00+09:00");
        assert_eq!(p("1 week ago"), "2026-11-16T10:30:00+09:00");
        assert_eq!(p("2 hours 30 mins ago"), "2026-11-23T08:00:00+09:00");
        assert_eq!(p("yesterday"), "2026-11-22T00:00:00+09:00");
        assert_eq!(p("Yesterday 23:50"), "2026-11-22T23:50:00+09:00");
        // A time of day later than now is yesterday's.
        assert_eq!(p("23:50"), "2026-11-22T23:50:00+09:00");
        assert_eq!(p("10:30"), "2026-11-23T10:30:00+09:00");
        for bad in [
            "tomorrow",
            "yesterday 25:00",
            "25:00",
            "2026-13-01",
            "15x ago",
            "",
            "ago",
            "10 lightyears ago",
        ] {
            assert!(c.parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wall_clock_times_are_read_in_the_typists_zone_and_stored_in_the_teams() {
        let c = abroad();
        // 16:00 in New York is 06:00 the next day in Tokyo.
        let t = c.parse_as("started", "2026-12-01 16:00").unwrap();
        assert_eq!(t.to_string(), "2026-12-02T06:00:00+09:00");
        assert_eq!(
            c.take_notes(),
            ["started 2026-12-01 16:00 America/New_York = 2026-12-02 06:00 JST"]
        );
        // "Today" is the typist's: 2026-12-01 in New York.
        assert_eq!(
            c.parse("09:00").unwrap().to_string(),
            "2026-12-01T23:00:00+09:00"
        );
        assert_eq!(
            c.parse("yesterday").unwrap().to_string(),
            "2026-11-30T14:00:00+09:00"
        );
        // Instants say nothing: there is nothing to misread.
        c.parse_as("started", "2026-12-01T16:00:00+09:00").unwrap();
        c.parse_as("started", "10m ago").unwrap();
        assert!(c.take_notes().is_empty());
    }

    #[test]
    fn a_time_of_day_later_than_now_is_yesterday_and_says_so() {
        let tokyo = Zone::Named(chrono_tz::Asia::Tokyo);
        let now = DateTime::parse_from_rfc3339("2026-12-02T00:10:00+09:00").unwrap();
        let c = TimeContext::new(now, tokyo, tokyo).unwrap();
        let t = c.parse_incident_time("started", "23:50").unwrap();
        assert_eq!(t.to_string(), "2026-12-01T23:50:00+09:00");
        assert_eq!(
            c.take_notes(),
            ["started 2026-12-01 23:50 Asia/Tokyo (read as yesterday)"]
        );
        // Same zone, today: nothing to say.
        c.parse_as("started", "00:05").unwrap();
        assert!(c.take_notes().is_empty());
    }

    #[test]
    fn incident_times_in_the_future_are_refused_with_the_reading() {
        let c = ctx();
        let e = c
            .parse_incident_time("started", "2026-11-23 23:50")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("started 2026-11-23 23:50 (Asia/Tokyo) is in the future"),
            "{e}"
        );
        // Five minutes of clock difference are tolerated.
        c.parse_incident_time("started", "2026-11-23 10:35")
            .unwrap();
        assert!(
            c.parse_incident_time("started", "2026-11-23 10:36")
                .is_err()
        );
        // Other times (a window's end, say) may be anywhere.
        c.parse("2027-01-01").unwrap();
    }

    #[test]
    fn due_dates() {
        let c = ctx();
        let d = |s: &str| c.parse_day(s).unwrap().to_string();
        assert_eq!(d("2026-12-01"), "2026-12-01");
        assert_eq!(d("+7d"), "2026-11-30");
        assert_eq!(d("+2w"), "2026-12-07");
        assert_eq!(d("yesterday"), "2026-11-22");
        for bad in ["+3h", "+", "+x", "next week", "+-1d"] {
            assert!(c.parse_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_a_file_cannot_hold_are_errors() {
        let c = ctx();
        for input in [
            "3000000d ago",
            "999999999h ago",
            "5000000d ago",
            "+10000-01-01 00:00",
            "-0001-12-31",
        ] {
            let e = c.parse(input).unwrap_err().to_string();
            assert!(e.contains("out of range"), "{input}: {e}");
        }
        for input in ["99999999999999999999w ago", "9223372036854775807s ago"] {
            assert!(c.parse(input).is_err(), "{input}");
        }
        assert_eq!(
            c.parse("0000-01-01T00:00:00+00:00").unwrap().to_string(),
            "0000-01-01T00:00:00+00:00"
        );
        assert_eq!(c.parse("9999-12-31T23:59:59-23:59").unwrap().0.year(), 9999);
        assert!(Day::parse("+10000-01-01").is_err());
        // Local mean time, before Tokyo had standard time: +09:18:59, held to the second.
        let lmt = c.parse("1800-01-01").unwrap();
        assert_eq!(lmt.to_string(), "1800-01-01T00:00:01+09:19");
        assert_eq!(Timestamp::from_toml(&lmt.to_toml()), Ok(lmt));
        // "Now" past year 9999 in the team's zone, though not in UTC.
        let late = DateTime::parse_from_rfc3339("9999-12-31T23:00:00+00:00").unwrap();
        let (tokyo, utc) = (
            Zone::Named(chrono_tz::Asia::Tokyo),
            Zone::Named(chrono_tz::UTC),
        );
        assert!(TimeContext::new(late, tokyo, utc).is_err());
        assert!(TimeContext::new(late, utc, utc).is_ok());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Offsets up to a day either way, as RFC 3339 allows.
        const MAX_OFFSET: i32 = 86_399;

        fn timestamp() -> impl Strategy<Value = Timestamp> {
            let first = NaiveDate::from_ymd_opt(0, 1, 2)
                .unwrap()
                .and_time(NaiveTime::MIN);
            let last = NaiveDate::from_ymd_opt(9999, 12, 30)
                .unwrap()
                .and_time(NaiveTime::MIN);
            (
                first.and_utc().timestamp()..last.and_utc().timestamp(),
                -MAX_OFFSET / 60..=MAX_OFFSET / 60,
            )
                .prop_map(|(seconds, minutes)| {
                    let offset = FixedOffset::east_opt(minutes * 60).unwrap();
                    Timestamp(
                        DateTime::from_timestamp(seconds, 0)
                            .unwrap()
                            .with_timezone(&offset),
                    )
                })
        }

        /// Inputs near the parser's formats, with numbers of any size.
        fn near_miss() -> impl Strategy<Value = String> {
            prop_oneof![
                "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}([ T][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
                "[0-9]{1,25} ?(s|m|h|d|w|min|x)( ?[0-9]{1,25}[smhdw])* ?ago",
                "[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?",
                "(now|ago|yesterday|today)[ a-z0-9:]{0,8}",
            ]
        }

        proptest! {
            #[test]
            fn never_panics_and_what_it_accepts_a_file_can_hold(
                input in prop_oneof![any::<String>(), near_miss()]
            ) {
                if let Ok(t) = ctx().parse(&input) {
                    prop_assert!(YEARS.contains(&t.0.year()));
                    prop_assert_eq!(Timestamp::from_toml(&t.to_toml()), Ok(t));
                }
                let _ = Day::parse(&input);
                if let Ok(day) = ctx().parse_day(&input) {
                    prop_assert!(YEARS.contains(&day.0.year()));
                }
                let _ = parse_duration(&input);
            }

            #[test]
            fn rfc3339_round_trips(t in timestamp()) {
                let parsed = ctx().parse(&t.to_string()).unwrap();
                prop_assert_eq!(parsed, t);
                prop_assert_eq!(parsed.0.offset(), t.0.offset());
                prop_assert_eq!(Timestamp::from_toml(&t.to_toml()), Ok(t));
            }

            #[test]
            fn wall_clock_formats_round_trip(t in timestamp()) {
                let utc = Zone::Named(chrono_tz::UTC);
                let c = TimeContext::new(ctx().now, utc, utc).unwrap();
                let utc = t.0.naive_utc();
                for (format, input) in [
                    ("%Y-%m-%d %H:%M:%S", utc.format("%Y-%m-%d %H:%M:%S").to_string()),
                    ("%Y-%m-%dT%H:%M", utc.format("%Y-%m-%dT%H:%M").to_string()),
                    ("%Y-%m-%d", utc.format("%Y-%m-%d").to_string()),
                ] {
                    let parsed = c.parse(&input).unwrap();
                    prop_assert_eq!(parsed.0.naive_utc().format(format).to_string(), input);
                }
            }

            #[test]
            fn ago_is_exact(minutes in 0i64..5_000_000, unit in prop::sample::select(vec![("m", 60i64), ("h", 3600), ("d", 86_400)])) {
                let (suffix, seconds) = unit;
                let amount = minutes / (seconds / 60);
                let parsed = ctx().parse(&format!("{amount}{suffix} ago")).unwrap();
                prop_assert_eq!(ctx().now.timestamp() - parsed.timestamp(), amount * seconds);
            }
        }
    }

    #[test]
    fn durations_between_times_are_exact_and_rounded_half_up() {
        let t = |s: &str| Timestamp(DateTime::parse_from_rfc3339(s).unwrap());
        let start = t("2026-11-23T10:00:00.5+09:00");
        assert_eq!(start.seconds_until(t("2026-11-23T10:00:02+09:00")), 2); // 1.5 s
        assert_eq!(start.seconds_until(t("2026-11-23T10:00:01.9+09:00")), 1); // 1.4 s
        assert_eq!(start.seconds_until(t("2026-11-23T01:00:01+00:00")), 1); // 0.5 s
        assert_eq!(t("2026-11-23T10:00:00+09:00").seconds_until(start), 1);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m").unwrap().num_minutes(), 90);
        assert!(parse_duration("15").is_err());
        assert_eq!(format_duration(3_900), "1h 05m");
        assert_eq!(format_duration(42), "42s");
    }
}
