//! Per-field address rules (docs/reference/atelio-api.md §2.2.1).
//!
//! Each function checks one present (non-empty) value and returns it unchanged, or a
//! description that never echoes the value. Presence is decided by the caller.

use super::AddressProfile;
use crate::domain::region::{is_iso_country_code, is_us_state_code};
use crate::domain::text::{check_length, has_control_chars};

const STREET_CHARSET_RULE: &str = "must contain only letters, digits, spaces and . , _ - #";

impl AddressProfile {
    /// Inclusive character bounds of `street`.
    pub fn street_len(self) -> (usize, usize) {
        match self {
            AddressProfile::Customer => (1, 40),
            AddressProfile::BusinessOrOwner => (8, 30),
        }
    }

    /// Inclusive character bounds of `street2` when present.
    pub fn street2_len(self) -> (usize, usize) {
        match self {
            AddressProfile::Customer => (1, 40),
            AddressProfile::BusinessOrOwner => (3, 20),
        }
    }

    /// Inclusive character bounds of `city`.
    pub fn city_len(self) -> (usize, usize) {
        match self {
            AddressProfile::Customer => (2, 40),
            AddressProfile::BusinessOrOwner => (1, 20),
        }
    }
}

fn street_line(raw: &str, (min, max): (usize, usize)) -> Result<String, String> {
    check_length(raw, min, max)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || " .,_-#".contains(c);
    if !raw.chars().all(allowed) {
        return Err(STREET_CHARSET_RULE.to_owned());
    }
    Ok(raw.to_owned())
}

/// Text of bounded length without control characters.
fn plain_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    check_length(raw, min, max)?;
    if has_control_chars(raw) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(raw.to_owned())
}

pub(super) fn street(raw: &str, profile: AddressProfile) -> Result<String, String> {
    street_line(raw, profile.street_len())
}

pub(super) fn street2(raw: &str, profile: AddressProfile) -> Result<String, String> {
    street_line(raw, profile.street2_len())
}

pub(super) fn city(raw: &str, profile: AddressProfile) -> Result<String, String> {
    let (min, max) = profile.city_len();
    plain_text(raw, min, max)
}

pub(super) fn country(raw: &str) -> Result<String, String> {
    if !is_iso_country_code(raw) {
        return Err("must be an ISO 3166-1 alpha-2 country code in upper case".to_owned());
    }
    Ok(raw.to_owned())
}

pub(super) fn state(raw: &str, is_us: bool) -> Result<String, String> {
    if !is_us {
        return plain_text(raw, 1, 20);
    }
    if !is_us_state_code(raw) {
        return Err(
            "must be a 2-letter US state, territory or military code in upper case".to_owned(),
        );
    }
    Ok(raw.to_owned())
}

pub(super) fn zip_code(raw: &str, is_us: bool) -> Result<String, String> {
    if !is_us {
        return plain_text(raw, 2, 20);
    }
    let bytes = raw.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let ok = match bytes.len() {
        5 => digits(0..5),
        10 => digits(0..5) && bytes[5] == b'-' && digits(6..10),
        _ => false,
    };
    if !ok {
        return Err(
            "must be a US ZIP code: 5 digits, optionally a dash and 4 more digits".to_owned(),
        );
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AddressProfile::{BusinessOrOwner as B, Customer as C};

    #[test]
    fn customer_street_accepts_one_to_forty_allowed_chars() {
        assert!(street("1", C).is_ok());
        assert!(street("#12, Main St. - Unit_4", C).is_ok());
        assert!(street(&"a".repeat(40), C).is_ok());
        assert_eq!(
            street(&"a".repeat(41), C),
            Err("must be at most 40 characters".into())
        );
    }

    #[test]
    fn business_street_requires_eight_to_thirty_chars() {
        assert!(street("1 Main St", B).is_ok());
        assert_eq!(
            street("1 Main", B),
            Err("must be 8 to 30 characters".into())
        );
        assert!(street(&"a".repeat(31), B).is_err());
    }

    #[test]
    fn street_rejects_characters_outside_the_charset() {
        for raw in ["12 Main St/4", "Straße 12", "12 Main St\t", "1 O'Hara Ave"] {
            assert_eq!(street(raw, C), Err(STREET_CHARSET_RULE.into()), "{raw}");
        }
    }

    #[test]
    fn street2_follows_profile_bounds_and_charset() {
        assert!(street2(&"a".repeat(40), C).is_ok());
        assert!(street2(&"a".repeat(41), C).is_err());
        assert!(street2("Apt", B).is_ok());
        assert!(street2("#4", B).is_err());
        assert!(street2(&"a".repeat(21), B).is_err());
        assert!(street2("Apt/4", C).is_err());
    }

    #[test]
    fn city_follows_profile_bounds() {
        assert!(city("Oz", C).is_ok());
        assert!(city("O", C).is_err());
        assert!(city("O", B).is_ok());
        assert!(city(&"a".repeat(21), B).is_err());
        assert!(city(&"a".repeat(40), C).is_ok());
        assert!(city(&"a".repeat(41), C).is_err());
    }

    #[test]
    fn city_rejects_control_characters() {
        assert!(city("São Paulo", C).is_ok());
        assert!(city("San\u{0}Jose", C).is_err());
    }

    #[test]
    fn country_accepts_upper_case_iso_codes_only() {
        assert!(country("US").is_ok());
        assert!(country("DE").is_ok());
        for raw in ["us", "UK", "USA", "XX"] {
            assert!(country(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn us_state_must_be_a_listed_upper_case_code() {
        assert!(state("CA", true).is_ok());
        assert!(state("AE", true).is_ok());
        for raw in ["ca", "California", "XX", "C"] {
            assert!(state(raw, true).is_err(), "{raw}");
        }
    }

    #[test]
    fn non_us_state_is_one_to_twenty_chars() {
        assert!(state("Bavaria", false).is_ok());
        assert!(state("B", false).is_ok());
        assert!(state(&"a".repeat(21), false).is_err());
        assert!(state("Ba\nvaria", false).is_err());
    }

    #[test]
    fn us_zip_is_five_digits_with_optional_plus_four() {
        assert!(zip_code("94105", true).is_ok());
        assert!(zip_code("94105-1234", true).is_ok());
        for raw in [
            "9410",
            "941051",
            "94105-123",
            "94105 1234",
            "941051234",
            "9410a",
        ] {
            assert!(zip_code(raw, true).is_err(), "{raw}");
        }
    }

    #[test]
    fn non_us_zip_is_two_to_twenty_chars() {
        assert!(zip_code("SW1A 1AA", false).is_ok());
        assert!(zip_code("1", false).is_err());
        assert!(zip_code(&"1".repeat(21), false).is_err());
    }
}
