//! Calendar dates (`YYYY-MM-DD`) and dates of birth.
//!
//! [`Date`] is a plain date (e.g. `date_established`, B1); [`Dob`] is a date of birth
//! (C1, BO1), which is PII and so has a redacted `Debug`. Callers pass `today` so that
//! the rules stay pure and testable.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::redact::redacted_debug;

const FORMAT_RULE: &str = "must be a date in YYYY-MM-DD format";

/// Parses exactly `YYYY-MM-DD` (10 ASCII characters) into a valid calendar date.
pub fn parse_iso_date(raw: &str) -> Result<NaiveDate, String> {
    let bytes = raw.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(FORMAT_RULE.to_owned());
    }
    let number = |range: std::ops::Range<usize>| raw[range].parse::<u32>().map_err(|_| FORMAT_RULE);
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let year = i32::try_from(year).map_err(|_| FORMAT_RULE.to_owned())?;
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| "must be a valid calendar date".to_owned())
}

/// A plain calendar date, year 1800 to 2200 inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    pub const MIN_YEAR: i32 = 1800;
    pub const MAX_YEAR: i32 = 2200;

    pub fn parse(raw: &str) -> Result<Date, String> {
        let date = parse_iso_date(raw)?;
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&date.year()) {
            return Err(format!(
                "year must be {} to {}",
                Self::MIN_YEAR,
                Self::MAX_YEAR
            ));
        }
        Ok(Date(date))
    }

    pub fn naive(&self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Date {
    /// Formats as `YYYY-MM-DD`, the upstream wire form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A date of birth: `YYYY-MM-DD`, year 1900 or later, not after `today`. PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Dob {
    raw: String,
    date: NaiveDate,
}

redacted_debug!(Dob);

impl Dob {
    pub const MIN_YEAR: i32 = 1900;

    pub fn parse(raw: &str, today: NaiveDate) -> Result<Dob, String> {
        let date = parse_iso_date(raw)?;
        if date.year() < Self::MIN_YEAR {
            return Err("must not be before 1900-01-01".to_owned());
        }
        if date > today {
            return Err("must not be in the future".to_owned());
        }
        Ok(Dob {
            raw: raw.to_owned(),
            date,
        })
    }

    /// The date as sent upstream (`YYYY-MM-DD`).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn naive(&self) -> NaiveDate {
        self.date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn today() -> NaiveDate {
        day(2024, 6, 15)
    }

    #[test]
    fn iso_date_accepts_a_leap_day() {
        assert_eq!(parse_iso_date("2024-02-29"), Ok(day(2024, 2, 29)));
    }

    #[test]
    fn iso_date_rejects_impossible_calendar_dates() {
        let err = Err("must be a valid calendar date".to_owned());
        assert_eq!(parse_iso_date("2023-02-29"), err);
        assert_eq!(parse_iso_date("2023-13-01"), err);
        assert_eq!(parse_iso_date("2023-04-31"), err);
    }

    #[test]
    fn iso_date_rejects_other_shapes() {
        for raw in [
            "2023-1-01",
            "20230101",
            "2023/01/01",
            "2023-01-01T00:00:00Z",
            "+023-01-01",
            "２023-01-01",
        ] {
            assert_eq!(parse_iso_date(raw), Err(FORMAT_RULE.to_owned()), "{raw}");
        }
    }

    #[test]
    fn date_accepts_years_in_range_and_displays_as_iso() {
        assert_eq!(
            Date::parse("1800-01-01").map(|d| d.to_string()),
            Ok("1800-01-01".into())
        );
        assert!(Date::parse("2200-12-31").is_ok());
    }

    #[test]
    fn date_rejects_years_out_of_range() {
        assert!(Date::parse("1799-12-31").is_err());
        assert!(Date::parse("2201-01-01").is_err());
    }

    #[test]
    fn dob_accepts_a_past_date_and_today() {
        assert_eq!(
            Dob::parse("1990-05-01", today()).map(|d| d.naive()),
            Ok(day(1990, 5, 1))
        );
        assert!(Dob::parse("2024-06-15", today()).is_ok());
    }

    #[test]
    fn dob_rejects_future_dates() {
        let err = Dob::parse("2024-06-16", today());
        assert_eq!(err, Err("must not be in the future".to_owned()));
    }

    #[test]
    fn dob_accepts_1900_and_rejects_earlier_years() {
        assert!(Dob::parse("1900-01-01", today()).is_ok());
        assert!(Dob::parse("1899-12-31", today()).is_err());
    }

    #[test]
    fn dob_keeps_the_string_as_given() {
        let dob = Dob::parse("1985-11-30", today()).expect("valid");
        assert_eq!(dob.as_str(), "1985-11-30");
    }

    #[test]
    fn dob_debug_does_not_reveal_the_date() {
        let dob = Dob::parse("1985-11-30", today()).expect("valid");
        let shown = format!("{dob:?}");
        assert!(!shown.contains("1985"), "{shown}");
        assert_eq!(shown, "Dob(<redacted>)");
    }
}
