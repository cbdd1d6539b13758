//! Parsing Atelio's many timestamp spellings (docs/reference/atelio-api.md §5.6, §6 items 20 and 39) into UTC
//! instants; used by `atelio_json` (`Obj::timestamp`) when decoding responses and
//! webhook payloads. Unparseable values give `None` so callers can keep the raw string.
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses every documented timestamp form into UTC; zone-less values are UTC. None when
/// unparseable (callers keep the raw string).
///
/// Accepted: RFC 3339 with `T`, a space or a hyphen (`2021-02-02-00:50:58…`) between date and
/// time; optional fractional seconds; zone `Z`, `±HH:MM`, `±HHMM`, `±HH` or none; a bare
/// `YYYY-MM-DD` (midnight UTC); and Unix seconds written as exactly 10 digits.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        return DateTime::from_timestamp(secs, 0);
    }
    let date = parse_date(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    let time_and_zone = rest.strip_prefix(['T', 't', ' ', '-'])?;
    let (time_text, offset) = split_zone(time_and_zone)?;
    let time = parse_time(time_text)?;
    let local = NaiveDateTime::new(date, time);
    let fixed = offset.from_local_datetime(&local).single()?;
    Some(fixed.with_timezone(&Utc))
}

/// Exactly `YYYY-MM-DD` with a valid calendar date.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let year = s[..4].parse().ok()?;
    let month = s[5..7].parse().ok()?;
    let day = s[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `HH:MM:SS` with an optional `.fraction` (1–9 digits).
fn parse_time(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    let shape_ok = b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let fraction = &s[8..];
    if !fraction.is_empty() {
        let digits = fraction.strip_prefix('.')?;
        let digits_ok =
            (1..=9).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit());
        if !digits_ok {
            return None;
        }
    }
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()
}

/// Splits `time[zone]` into the time text and its offset (UTC when there is no zone).
fn split_zone(s: &str) -> Option<(&str, FixedOffset)> {
    if let Some(time) = s.strip_suffix(['Z', 'z']) {
        return Some((time, FixedOffset::east_opt(0)?));
    }
    match s.rfind(['+', '-']) {
        Some(at) => Some((&s[..at], parse_offset(&s[at..])?)),
        None => Some((s, FixedOffset::east_opt(0)?)),
    }
}

/// `±HH`, `±HHMM` or `±HH:MM`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    if !body.is_ascii() {
        // The slicing below is by bytes: anything but ASCII is no offset (and must not panic).
        return None;
    }
    let (hours, minutes) = match body.len() {
        2 => (body, "00"),
        4 => (&body[..2], &body[2..]),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    if !(hours.bytes().chain(minutes.bytes())).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests;
