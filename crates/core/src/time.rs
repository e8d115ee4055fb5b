//! Timestamps as packet captures and logs carry them.
//!
//! A [`Timestamp`] is a count of nanoseconds since the Unix epoch (1970-01-01T00:00:00Z). It
//! is signed, so times before 1970 from damaged files stay representable, and 64 bits cover
//! the years 1677 to 2262, which includes every timestamp a 32-bit pcap header can hold.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Nanoseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;

impl Timestamp {
    /// Builds a timestamp from whole seconds and a fraction expressed in nanoseconds.
    pub fn from_parts(secs: i64, nanos: i64) -> Timestamp {
        Timestamp(secs.saturating_mul(NANOS_PER_SEC).saturating_add(nanos))
    }

    /// Builds a timestamp from whole seconds.
    pub fn from_secs(secs: i64) -> Timestamp {
        Timestamp::from_parts(secs, 0)
    }

    /// Returns the whole seconds, rounded toward negative infinity.
    pub fn secs(self) -> i64 {
        self.0.div_euclid(NANOS_PER_SEC)
    }

    /// Returns the time as fractional seconds (for charts and JSON).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Returns the duration from `earlier` to `self` in nanoseconds (negative if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Adds a number of nanoseconds.
    pub fn plus_nanos(self, nanos: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(nanos))
    }
}

/// Writes seconds with six decimals, the way Zeek writes `ts` and `duration` in conn.log.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_micros(f, self.0)
    }
}

/// Writes a nanosecond count as seconds with six decimals, rounded to the nearest microsecond.
pub fn write_micros(f: &mut impl fmt::Write, nanos: i64) -> fmt::Result {
    let micros = (nanos as i128 + if nanos >= 0 { 500 } else { -500 }) / 1000;
    let sign = if micros < 0 { "-" } else { "" };
    let micros = micros.unsigned_abs();
    write!(f, "{sign}{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Formats a nanosecond count as seconds with six decimals.
pub fn format_micros(nanos: i64) -> String {
    let mut out = String::new();
    let _ = write_micros(&mut out, nanos);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_rounds_to_micros() {
        assert_eq!(Timestamp(1_234_567_890_123_456_789).to_string(), "1234567890.123457");
        assert_eq!(Timestamp(0).to_string(), "0.000000");
        assert_eq!(format_micros(-1_500), "-0.000002");
    }

    #[test]
    fn secs_floor_for_negative() {
        assert_eq!(Timestamp(-1).secs(), -1);
        assert_eq!(Timestamp::from_secs(5).secs(), 5);
    }
}
