//! Points in time as stored (TOML offset datetimes and local dates) and as typed
//! on the command line (`now`, `15m ago`, `2026-11-23 10:02`, RFC 3339, …).

use std::borrow::Cow;
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

    /// Seconds from `self` to `later` (negative when out of order).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.0.timestamp() - self.0.timestamp()
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

/// The zone wall-clock input is read in: the team's `timezone` or the machine's.
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

    pub fn localize(self, naive: NaiveDateTime) -> Result<DateTime<FixedOffset>> {
        let resolved = match self {
            Zone::Named(tz) => map_local(tz.from_local_datetime(&naive)),
            Zone::Local => map_local(Local.from_local_datetime(&naive)),
        };
        resolved.ok_or_else(|| {
            Error::invalid(format!(
                "{naive} does not exist in this timezone (a clock change)"
            ))
        })
    }

    pub fn convert(self, instant: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match self {
            Zone::Named(tz) => instant.with_timezone(&tz).fixed_offset(),
            Zone::Local => instant.with_timezone(&Local).fixed_offset(),
        }
    }
}

fn map_local<Tz: TimeZone>(result: LocalResult<DateTime<Tz>>) -> Option<DateTime<FixedOffset>> {
    // In a repeated hour (clocks going back) the earlier instant is the natural reading.
    result
        .earliest()
        .map(|dt| dt.with_timezone(&dt.offset().fix()))
}

/// What "now" and "today" mean for one command: for writes, the commit's committer time.
#[derive(Debug, Clone, Copy)]
pub struct TimeContext {
    pub now: DateTime<FixedOffset>,
    pub zone: Zone,
}

impl TimeContext {
    /// Fails when "now" (a commit time git accepted, say) is outside [`YEARS`] in `zone`.
    pub fn new(now: DateTime<FixedOffset>, zone: Zone) -> Result<Self> {
        Timestamp::new(zone.convert(now))
            .ok_or_else(|| out_of_range(&format!("the commit time {}", now.to_rfc3339())))?;
        Ok(TimeContext { now, zone })
    }

    pub fn wall_clock(zone: Zone) -> Self {
        TimeContext {
            now: zone.convert(Utc::now().fixed_offset()),
            zone,
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::new(self.zone.convert(self.now)).expect("checked by TimeContext::new")
    }

    pub fn today(&self) -> NaiveDate {
        self.zone.convert(self.now).date_naive()
    }

    /// Parses every time format the contract lists; a time a file cannot hold is refused.
    pub fn parse(&self, input: &str) -> Result<Timestamp> {
        let instant = self.parse_instant(input)?;
        Timestamp::new(instant).ok_or_else(|| out_of_range(&format!("time {input:?}")))
    }

    fn parse_instant(&self, input: &str) -> Result<DateTime<FixedOffset>> {
        let text = input.trim();
        let bad = || {
            Error::invalid(format!(
                "invalid time {input:?}: use RFC 3339, 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD', 'HH:MM', 'now' or '15m ago'"
            ))
        };
        if text.eq_ignore_ascii_case("now") {
            return Ok(self.now().0);
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
            return Ok(self.zone.convert(instant));
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Ok(dt);
        }
        for format in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
                return self.zone.localize(naive);
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return self.zone.localize(date.and_time(NaiveTime::MIN));
        }
        for format in ["%H:%M", "%H:%M:%S"] {
            if let Ok(time) = NaiveTime::parse_from_str(text, format) {
                return self.zone.localize(self.today().and_time(time));
            }
        }
        Err(bad())
    }
}

/// `15m`, `2h`, `3d`, `1w`, `90s`, and combinations like `1h30m`.
pub fn parse_duration(input: &str) -> Result<Duration> {
    let bad = || {
        Error::invalid(format!(
            "invalid duration {input:?}: use a number and a unit, like 15m, 2h, 3d or 1h30m"
        ))
    };
    let mut total = Duration::zero();
    let mut digits = String::new();
    let mut any = false;
    for c in input.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if c == ' ' {
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let unit = match c {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&unit).ok_or_else(bad)?;
        any = true;
    }
    if !digits.is_empty() || !any {
        return Err(bad());
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
        TimeContext::new(now, Zone::Named(chrono_tz::Asia::Tokyo)).unwrap()
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
        for bad in ["yesterday", "25:00", "2026-13-01", "15x ago", "", "ago"] {
            assert!(c.parse(bad).is_err(), "{bad}");
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
        assert!(TimeContext::new(late, Zone::Named(chrono_tz::Asia::Tokyo)).is_err());
        assert!(TimeContext::new(late, Zone::Named(chrono_tz::UTC)).is_ok());
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
                let c = TimeContext::new(ctx().now, Zone::Named(chrono_tz::UTC)).unwrap();
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
    fn durations() {
        assert_eq!(parse_duration("1h30m").unwrap().num_minutes(), 90);
        assert!(parse_duration("15").is_err());
        assert_eq!(format_duration(3_900), "1h 05m");
        assert_eq!(format_duration(42), "42s");
    }
}
