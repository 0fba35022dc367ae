//! Calendar arithmetic for the timestamps OSS uses, over Unix seconds supplied by the caller.
//!
//! The core never reads a clock: adapters pass `now` in. These helpers only convert between
//! Unix seconds and the text forms OSS expects: `20231114T221320Z` (V4 `x-oss-date`, spec §5.4),
//! `2023-11-15T00:00:00.000Z` (policy `expiration`, spec §5.2) and RFC 1123 HTTP dates (spec §2.1).

/// A UTC calendar date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcDateTime {
    /// Proleptic Gregorian year.
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
    /// Second, 0–59.
    pub second: u32,
}

/// A timestamp text did not have the expected shape or named an impossible date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTimestamp {
    /// What was expected, e.g. `yyyymmddTHHMMSSZ`.
    pub expected: &'static str,
}

impl core::fmt::Display for InvalidTimestamp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "invalid timestamp: expected {}", self.expected)
    }
}

impl std::error::Error for InvalidTimestamp {}

// Howard Hinnant's days-from-civil / civil-from-days algorithms.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl UtcDateTime {
    /// The calendar form of `unix_seconds`.
    pub fn from_unix(unix_seconds: i64) -> Self {
        let days = unix_seconds.div_euclid(86_400);
        let secs = unix_seconds.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }

    /// Unix seconds of this date and time; `None` if a field is out of range.
    pub fn to_unix(&self) -> Option<i64> {
        let valid = (1..=12).contains(&self.month)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        valid.then(|| {
            days_from_civil(self.year, self.month, self.day) * 86_400
                + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
        })
    }
}

/// `yyyymmddTHHMMSSZ`, the V4 `x-oss-date` form.
pub fn format_oss_date(unix_seconds: i64) -> String {
    let t = UtcDateTime::from_unix(unix_seconds);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `yyyymmdd`, the date in a V4 credential scope.
pub fn format_oss_day(unix_seconds: i64) -> String {
    let t = UtcDateTime::from_unix(unix_seconds);
    format!("{:04}{:02}{:02}", t.year, t.month, t.day)
}

/// `yyyy-mm-ddTHH:MM:SS.000Z`, the policy `expiration` form the official V4 samples use.
pub fn format_iso8601_millis(unix_seconds: i64) -> String {
    let t = UtcDateTime::from_unix(unix_seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `yyyy-mm-ddTHH:MM:SSZ` (RFC 3339, UTC, whole seconds).
pub fn format_rfc3339(unix_seconds: i64) -> String {
    let t = UtcDateTime::from_unix(unix_seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// RFC 1123 HTTP date, e.g. `Sun, 02 Jun 2019 15:13:06 GMT`.
pub fn format_http_date(unix_seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = UtcDateTime::from_unix(unix_seconds);
    let weekday = DAYS[unix_seconds.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{weekday}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        t.day,
        MONTHS[(t.month - 1) as usize],
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

fn digits(text: &[u8], expected: &'static str) -> Result<u32, InvalidTimestamp> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(InvalidTimestamp { expected });
    }
    Ok(text
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Parses `yyyymmddTHHMMSSZ` into Unix seconds.
pub fn parse_oss_date(text: &str) -> Result<i64, InvalidTimestamp> {
    const EXPECTED: &str = "yyyymmddTHHMMSSZ";
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(InvalidTimestamp { expected: EXPECTED });
    }
    let t = UtcDateTime {
        year: i64::from(digits(&b[0..4], EXPECTED)?),
        month: digits(&b[4..6], EXPECTED)?,
        day: digits(&b[6..8], EXPECTED)?,
        hour: digits(&b[9..11], EXPECTED)?,
        minute: digits(&b[11..13], EXPECTED)?,
        second: digits(&b[13..15], EXPECTED)?,
    };
    t.to_unix().ok_or(InvalidTimestamp { expected: EXPECTED })
}

/// Parses an ISO 8601 UTC timestamp `yyyy-mm-ddTHH:MM:SS[.fff]Z` (the policy `expiration`,
/// spec §5.2) into Unix seconds; fractional seconds are truncated.
pub fn parse_iso8601(text: &str) -> Result<i64, InvalidTimestamp> {
    const EXPECTED: &str = "yyyy-mm-ddTHH:MM:SS[.fff]Z";
    let b = text.as_bytes();
    let shape_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if !shape_ok {
        return Err(InvalidTimestamp { expected: EXPECTED });
    }
    let fraction = &b[19..b.len() - 1];
    if !fraction.is_empty() && (fraction[0] != b'.' || digits(&fraction[1..], EXPECTED).is_err()) {
        return Err(InvalidTimestamp { expected: EXPECTED });
    }
    let t = UtcDateTime {
        year: i64::from(digits(&b[0..4], EXPECTED)?),
        month: digits(&b[5..7], EXPECTED)?,
        day: digits(&b[8..10], EXPECTED)?,
        hour: digits(&b[11..13], EXPECTED)?,
        minute: digits(&b[14..16], EXPECTED)?,
        second: digits(&b[17..19], EXPECTED)?,
    };
    t.to_unix().ok_or(InvalidTimestamp { expected: EXPECTED })
}

/// Parses an RFC 1123 HTTP date, `Sun, 02 Jun 2019 15:13:06 GMT` (the `Last-Modified` OSS
/// sends, spec §2.1), into Unix seconds. Strict: the weekday must be the date's own, the zone
/// `GMT`; the obsolete RFC 850 and asctime forms are refused (OSS never sends them).
pub fn parse_http_date(text: &str) -> Result<i64, InvalidTimestamp> {
    const EXPECTED: &str = "an RFC 1123 date such as Sun, 02 Jun 2019 15:13:06 GMT";
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let invalid = InvalidTimestamp { expected: EXPECTED };
    let b = text.as_bytes();
    let shape_ok = b.len() == 29
        && &b[3..5] == b", "
        && b[7] == b' '
        && b[11] == b' '
        && b[16] == b' '
        && b[19] == b':'
        && b[22] == b':'
        && &b[25..] == b" GMT";
    if !shape_ok {
        return Err(invalid);
    }
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes() == &b[8..11])
        .ok_or(invalid.clone())?;
    let t = UtcDateTime {
        year: i64::from(digits(&b[12..16], EXPECTED)?),
        month: month as u32 + 1,
        day: digits(&b[5..7], EXPECTED)?,
        hour: digits(&b[17..19], EXPECTED)?,
        minute: digits(&b[20..22], EXPECTED)?,
        second: digits(&b[23..25], EXPECTED)?,
    };
    let unix = t.to_unix().ok_or(invalid.clone())?;
    let weekday = DAYS[unix.div_euclid(86_400).rem_euclid(7) as usize];
    if weekday.as_bytes() != &b[0..3] {
        return Err(invalid);
    }
    Ok(unix)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn known_dates_round_trip() {
        // 2023-11-14T22:13:20Z is the signing time of the SDK vectors (spec §5.4).
        let t = 1_700_000_000;
        assert_eq!(format_oss_date(t), "20231114T221320Z");
        assert_eq!(format_oss_day(t), "20231114");
        assert_eq!(format_iso8601_millis(t), "2023-11-14T22:13:20.000Z");
        assert_eq!(
            format_http_date(1_559_488_386),
            "Sun, 02 Jun 2019 15:13:06 GMT"
        );
        assert_eq!(parse_oss_date("20231114T221320Z"), Ok(t));
        assert_eq!(parse_iso8601("2023-11-14T22:13:20.000Z"), Ok(t));
        assert_eq!(parse_iso8601("2023-11-14T22:13:20Z"), Ok(t));
        assert_eq!(
            parse_http_date("Sun, 02 Jun 2019 15:13:06 GMT"),
            Ok(1_559_488_386)
        );
    }

    #[test]
    fn http_dates_round_trip_and_reject_what_oss_never_sends() {
        let mut t = -2_208_988_800; // 1900-01-01
        while t < 7_258_118_400 {
            assert_eq!(parse_http_date(&format_http_date(t)), Ok(t));
            t += 86_400 * 5 + 7_261;
        }
        for bad in [
            "Mon, 02 Jun 2019 15:13:06 GMT", // 2 June 2019 was a Sunday
            "Sun, 02 Jun 2019 15:13:06 UTC",
            "Sun, 2 Jun 2019 15:13:06 GMT",
            "Sunday, 02-Jun-19 15:13:06 GMT",
            "Sun Jun  2 15:13:06 2019",
            "Sun, 02 Jux 2019 15:13:06 GMT",
            "Sun, 31 Jun 2019 15:13:06 GMT",
            "Sun, 02 Jun 2019 24:13:06 GMT",
            "Sun, 02 Jun 2019 15:13:06 GMT ",
            "Sün, 02 Jun 2019 15:13:06 GMT",
            "",
        ] {
            assert!(parse_http_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_day_for_centuries_round_trips() {
        let mut t = -2_208_988_800; // 1900-01-01
        while t < 7_258_118_400 {
            assert_eq!(UtcDateTime::from_unix(t).to_unix(), Some(t));
            t += 86_400 * 7 + 3_661;
        }
    }

    #[test]
    fn rejects_malformed_and_impossible() {
        for bad in [
            "2023111T221320Z",
            "20231114T221320",
            "20230230T000000Z",
            "2023111xT221320Z",
        ] {
            assert!(parse_oss_date(bad).is_err(), "{bad}");
        }
        for bad in [
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20.Z",
            "2023-13-01T00:00:00Z",
        ] {
            assert!(parse_iso8601(bad).is_err(), "{bad}");
        }
    }
}
