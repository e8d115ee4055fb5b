//! Calendar arithmetic and the timestamp grammars that log lines use.
//!
//! Log timestamps come in three shapes: RFC 3339 (`2021-03-06T04:07:38.251122+00:00`, also
//! with a `+0100` offset as Suricata writes it), the RFC 3164 form with no year and no zone
//! (`Mar  6 04:07:28`), and the Snort/Suricata alert form (`MM/DD[/YY]-hh:mm:ss.uuuuuu`).
//! Times without a zone are read in the zone the caller sets (UTC by default), and times
//! without a year get one from [`YearResolver`].
//!
//! All arithmetic uses the proleptic Gregorian calendar on day counts since 1970-01-01, so
//! no clock and no time-zone database is read.

use crate::time::{Timestamp, NANOS_PER_SEC};
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::{char, one_of};
use nom::combinator::{map_res, opt};
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// Seconds in one day.
pub const SECS_PER_DAY: i64 = 86_400;

/// The year assumed for year-less timestamps when neither the caller nor a hint gives one.
///
/// The core never reads a clock, so "this year" is not available. 2000 is a leap year, so a
/// `Feb 29` line still gets a valid date, and it is far enough in the past that an analyst
/// can tell at once that the year is a placeholder.
pub const DEFAULT_YEAR: i32 = 2000;

/// Returns the number of days from 1970-01-01 to the given date (negative before 1970).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    // Shift the year to start in March, so the leap day is the last day of the shifted year.
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Returns the (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Returns true if and only if `year` is a Gregorian leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Returns the number of days in a month (0 for a month outside 1..=12).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Returns the month number (1..=12) of an English three-letter abbreviation, in any case.
pub fn month_from_abbrev(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let position = MONTHS.iter().position(|month| month.eq_ignore_ascii_case(name))?;
    Some(position as u32 + 1)
}

/// A wall-clock time as a log line writes it, possibly without a year or a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// The year, when the line carries one.
    pub year: Option<i32>,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=60 (60 only for a leap second, which is folded into the next minute).
    pub second: u32,
    /// Fraction of the second, in nanoseconds.
    pub nanos: u32,
    /// Offset from UTC in seconds, when the line carries one.
    pub offset_secs: Option<i32>,
}

impl LocalTime {
    /// Converts to UTC, with `year` and `offset_secs` used only where the line had none.
    ///
    /// Returns an error naming the date if it does not exist in that year (e.g. `Feb 29`
    /// in a year that is not a leap year).
    pub fn to_timestamp(&self, year: i32, offset_secs: i32) -> Result<Timestamp, String> {
        let year = self.year.unwrap_or(year);
        if self.month == 0 || self.day == 0 || self.day > days_in_month(year, self.month) {
            return Err(format!("invalid date {year:04}-{:02}-{:02}", self.month, self.day));
        }
        if self.hour > 23 || self.minute > 59 || self.second > 60 {
            return Err(format!("invalid time {:02}:{:02}:{:02}", self.hour, self.minute, self.second));
        }

        let days = days_from_civil(year, self.month, self.day);
        let secs =
            days * SECS_PER_DAY + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
                - i64::from(self.offset_secs.unwrap_or(offset_secs));
        Ok(Timestamp::from_parts(secs, i64::from(self.nanos)))
    }
}

/// Parses a zone as the `--tz` option takes it: `UTC`, `Z`, `+02:00`, `-0500` or `+02`.
///
/// TODO: named zones such as `Europe/Paris` need a time-zone database with its daylight-saving
/// rules; they are rejected until one is bundled.
pub fn parse_zone(text: &str) -> Result<i32, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("gmt") {
        return Ok(0);
    }
    match zone_offset(text) {
        Ok(("", offset)) => Ok(offset),
        _ => Err(format!(
            "invalid time zone {text:?}: expected UTC, Z or a fixed offset such as +02:00 or -0500 \
             (named zones such as Europe/Paris are not supported yet)"
        )),
    }
}

/// Formats a timestamp as RFC 3339 in UTC with nanoseconds, e.g. `2017-01-30T15:12:26.985026000Z`.
pub fn format_rfc3339(ts: Timestamp) -> String {
    let secs = ts.secs();
    let nanos = ts.0 - secs * NANOS_PER_SEC;
    let (year, month, day) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let second_of_day = secs.rem_euclid(SECS_PER_DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Returns the year of a timestamp, in UTC.
pub fn year_of(ts: Timestamp) -> i32 {
    civil_from_days(ts.secs().div_euclid(SECS_PER_DAY)).0 as i32
}

// ---- nom grammars ----

/// Parses exactly `n` ASCII digits as a number.
pub fn digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |input| map_res(take_while_m_n(n, n, |c: char| c.is_ascii_digit()), str::parse::<u32>).parse(input)
}

/// Parses one or two digits (a day or hour that may be written without padding).
fn one_or_two_digits(input: &str) -> IResult<&str, u32> {
    map_res(take_while_m_n(1, 2, |c: char| c.is_ascii_digit()), str::parse::<u32>).parse(input)
}

/// Parses a fraction of a second after its dot (1 to 9 digits; further digits are dropped).
pub fn fraction(input: &str) -> IResult<&str, u32> {
    let (rest, digits) = preceded(char('.'), take_while_m_n(1, 18, |c: char| c.is_ascii_digit())).parse(input)?;
    let mut nanos: u32 = 0;
    for (index, digit) in digits.bytes().take(9).enumerate() {
        nanos += u32::from(digit - b'0') * 10u32.pow(8 - index as u32);
    }
    Ok((rest, nanos))
}

/// Parses `hh:mm:ss` with an optional fraction.
pub fn clock(input: &str) -> IResult<&str, (u32, u32, u32, u32)> {
    let (input, hour) = one_or_two_digits(input)?;
    let (input, minute) = preceded(char(':'), digits(2)).parse(input)?;
    let (input, second) = preceded(char(':'), digits(2)).parse(input)?;
    let (input, nanos) = opt(fraction).parse(input)?;
    Ok((input, (hour, minute, second, nanos.unwrap_or(0))))
}

/// Parses a zone offset: `Z`, `+hh:mm`, `+hhmm` or `+hh`.
pub fn zone_offset(input: &str) -> IResult<&str, i32> {
    if let Ok((rest, _)) = one_of::<_, _, nom::error::Error<&str>>("Zz").parse(input) {
        return Ok((rest, 0));
    }
    let (input, sign) = one_of("+-").parse(input)?;
    let (input, hours) = digits(2)(input)?;
    let (input, minutes) = opt(preceded(opt(char(':')), digits(2))).parse(input)?;
    let offset = (hours * 3600 + minutes.unwrap_or(0) * 60) as i32;
    Ok((input, if sign == '-' { -offset } else { offset }))
}

/// Parses an RFC 3339 timestamp (`T` or a space between date and time, zone optional).
pub fn rfc3339(input: &str) -> IResult<&str, LocalTime> {
    let (input, year) = digits(4)(input)?;
    let (input, month) = preceded(char('-'), digits(2)).parse(input)?;
    let (input, day) = preceded(char('-'), digits(2)).parse(input)?;
    let (input, _) = one_of("Tt ").parse(input)?;
    let (input, (hour, minute, second, nanos)) = clock(input)?;
    let (input, offset_secs) = opt(zone_offset).parse(input)?;
    let time = LocalTime { year: Some(year as i32), month, day, hour, minute, second, nanos, offset_secs };
    Ok((input, time))
}

/// Parses the RFC 3164 timestamp `Mmm dd hh:mm:ss`, as rsyslog's lenient parser accepts it:
/// the day padded with a space or not, an optional year after the day (`Mar  7 2008 19:06:53`),
/// an optional fraction, and an optional colon after the time.
pub fn rfc3164_time(input: &str) -> IResult<&str, LocalTime> {
    let (input, month) = map_res(take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic()), |name: &str| {
        month_from_abbrev(name).ok_or(())
    })
    .parse(input)?;
    let (input, _) = take_while_m_n(1, 2, |c| c == ' ').parse(input)?;
    let (input, day) = one_or_two_digits(input)?;
    let (input, _) = char(' ').parse(input)?;
    let (input, year) = opt((digits(4), take_while_m_n(1, 2, |c| c == ' '))).parse(input)?;
    let (input, (hour, minute, second, nanos)) = clock(input)?;
    let (input, _) = opt(tag(":")).parse(input)?;
    let year = year.map(|(year, _)| year as i32);
    let time = LocalTime { year, month, day, hour, minute, second, nanos, offset_secs: None };
    Ok((input, time))
}

/// Parses the Snort/Suricata alert timestamp: `MM/DD-hh:mm:ss.uuuuuu` (Snort without `-y`),
/// `MM/DD/YY-` (Snort with `-y`, pfSense), or `MM/DD/YYYY-` (Suricata fast.log).
///
/// A two-digit first field above 12 cannot be a month, so `21/12/28-` is read as YY/MM/DD.
pub fn alert_time(input: &str) -> IResult<&str, LocalTime> {
    let (input, first) = digits(2)(input)?;
    let (input, second_field) = preceded(char('/'), digits(2)).parse(input)?;
    let (input, third) = opt(preceded(char('/'), take_while_m_n(2, 4, |c: char| c.is_ascii_digit()))).parse(input)?;
    let (input, _) = char('-').parse(input)?;
    let (input, (hour, minute, second, nanos)) = clock(input)?;
    let (year, month, day) = match third {
        None => (None, first, second_field),
        Some(text) if text.len() == 4 => (text.parse::<i32>().ok(), first, second_field),
        Some(text) => alert_date_with_short_year(first, second_field, text),
    };
    let time = LocalTime { year, month, day, hour, minute, second, nanos, offset_secs: None };
    Ok((input, time))
}

/// Orders the fields of a `NN/NN/NN` alert date: `MM/DD/YY` as Snort `-y` and pfSense write
/// it, unless the first field cannot be a month (then `YY/MM/DD`).
///
/// NOTE: plaso's Suricata sample opens with `10/05/10-`, which plaso reads as YY/MM/DD
/// (2010-05-10). Only later lines of that file show the order, and a streaming reader cannot
/// look ahead, so that line reads as 2010-10-05 here.
fn alert_date_with_short_year(first: u32, second: u32, third: &str) -> (Option<i32>, u32, u32) {
    let third: u32 = third.parse().unwrap_or(0);
    if first > 12 {
        return (Some(2000 + first as i32), second, third);
    }
    (Some(2000 + third as i32), first, second)
}

/// Assigns years to year-less timestamps in one file, in file order.
///
/// The first year-less line gets the base year: the caller's year if set, else the year the
/// hint puts it in, else [`DEFAULT_YEAR`]. After that, a month more than six months before the
/// previous year-less line's month (December to January, or November to February) starts the
/// next year. Smaller steps back are out-of-order lines and keep the year.
#[derive(Clone, Debug)]
pub struct YearResolver {
    base: Option<i32>,
    previous_month: Option<u32>,
    rollovers: i32,
}

impl YearResolver {
    /// Creates a resolver; `fixed_year` is the caller's year for the first line, if any.
    pub fn new(fixed_year: Option<i32>) -> YearResolver {
        YearResolver { base: fixed_year, previous_month: None, rollovers: 0 }
    }

    /// Returns the year of the first year-less line, once one has been seen or fixed.
    pub fn base_year(&self) -> Option<i32> {
        self.base
    }

    /// Returns the number of year roll-overs seen so far.
    pub fn rollovers(&self) -> i32 {
        self.rollovers
    }

    /// Returns the year for a year-less line; `choose_base` picks the base year from the
    /// first such line when the caller fixed none.
    pub fn resolve(&mut self, time: &LocalTime, choose_base: impl FnOnce(&LocalTime) -> i32) -> i32 {
        let base = *self.base.get_or_insert_with(|| choose_base(time));
        if let Some(previous) = self.previous_month {
            if previous > time.month + 6 {
                self.rollovers += 1;
            }
        }
        self.previous_month = Some(time.month);
        base.saturating_add(self.rollovers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_957, 11_016, 19_000, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year as i32, month, day), days, "day {days}");
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn rfc3339_with_compact_offset() {
        let (rest, time) = rfc3339("2017-01-30T16:12:26.985026+0100 x").unwrap();
        assert_eq!(rest, " x");
        assert_eq!(time.offset_secs, Some(3600));
        let ts = time.to_timestamp(0, 0).unwrap();
        assert_eq!(format_rfc3339(ts), "2017-01-30T15:12:26.985026000Z");
    }

    #[test]
    fn rfc3164_time_variants() {
        let (_, padded) = rfc3164_time("Mar  6 04:07:28 host").unwrap();
        assert_eq!((padded.month, padded.day, padded.year), (3, 6, None));
        let (_, with_year) = rfc3164_time("Mar 7 2008 19:06:53: example").unwrap();
        assert_eq!(with_year.year, Some(2008));
        let (_, upper) = rfc3164_time("AUG 10 22:18:24 host").unwrap();
        assert_eq!(upper.month, 8);
        assert!(rfc3164_time("MMM 22 07:54:32 host").is_err());
    }

    #[test]
    fn alert_time_forms() {
        let (_, short) = alert_time("05/30-19:09:10.917356 ").unwrap();
        assert_eq!((short.year, short.month, short.day, short.nanos), (None, 5, 30, 917_356_000));
        let (_, suricata) = alert_time("07/13/2016-22:42:07.573103").unwrap();
        assert_eq!((suricata.year, suricata.month, suricata.day), (Some(2016), 7, 13));
        let (_, pfsense) = alert_time("09/03/21-12:37:16.428952").unwrap();
        assert_eq!((pfsense.year, pfsense.month, pfsense.day), (Some(2021), 9, 3));
        let (_, year_first) = alert_time("21/12/28-12:55:38.765402").unwrap();
        assert_eq!((year_first.year, year_first.month, year_first.day), (Some(2021), 12, 28));
        let (_, ambiguous) = alert_time("10/05/10-10:08:59.667372").unwrap();
        assert_eq!((ambiguous.year, ambiguous.month, ambiguous.day), (Some(2010), 10, 5));
    }

    #[test]
    fn zone_option_forms() {
        assert_eq!(parse_zone("UTC"), Ok(0));
        assert_eq!(parse_zone("Z"), Ok(0));
        assert_eq!(parse_zone("+02:00"), Ok(7200));
        assert_eq!(parse_zone("-0500"), Ok(-18_000));
        let error = parse_zone("Europe/Paris").unwrap_err();
        assert!(error.contains("not supported yet"), "{error}");
    }

    #[test]
    fn leap_day_rejected_in_common_year() {
        let (_, time) = rfc3164_time("Feb 29 01:15:43 host").unwrap();
        assert!(time.to_timestamp(2012, 0).is_ok());
        assert_eq!(time.to_timestamp(2013, 0).unwrap_err(), "invalid date 2013-02-29");
    }

    #[test]
    fn year_resolver_rolls_over_december() {
        let mut resolver = YearResolver::new(Some(2024));
        let dec =
            LocalTime { year: None, month: 12, day: 31, hour: 0, minute: 0, second: 0, nanos: 0, offset_secs: None };
        let jan = LocalTime { month: 1, day: 1, ..dec };
        assert_eq!(resolver.resolve(&dec, |_| 0), 2024);
        assert_eq!(resolver.resolve(&jan, |_| 0), 2025);
        assert_eq!(resolver.resolve(&jan, |_| 0), 2025);
    }
}
