//! Phone numbers and dialling codes (C1, K1, BOK1, B1).

use std::fmt;

use crate::domain::redact::redacted_debug;

/// A phone number: optional leading `+`, digit groups joined by single dashes,
/// 7 to 15 digits in total. Kept as given. PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

redacted_debug!(Phone);

impl Phone {
    pub const MIN_DIGITS: usize = 7;
    pub const MAX_DIGITS: usize = 15;

    pub fn parse(raw: &str) -> Result<Phone, String> {
        let body = raw.strip_prefix('+').unwrap_or(raw);
        let groups_ok = body
            .split('-')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
        if !groups_ok {
            return Err(
                "must contain only digits, optionally with a leading + and single dashes between digit groups"
                    .to_owned(),
            );
        }
        let digits = body.bytes().filter(u8::is_ascii_digit).count();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits) {
            return Err(format!(
                "must have {} to {} digits",
                Self::MIN_DIGITS,
                Self::MAX_DIGITS
            ));
        }
        Ok(Phone(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An international dialling code without `+`: 1 to 3 digits (e.g. `1`, `44`). Not PII.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneCountryCode(String);

impl PhoneCountryCode {
    pub fn parse(raw: &str) -> Result<PhoneCountryCode, String> {
        if !(1..=3).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 1 to 3 digits".to_owned());
        }
        Ok(PhoneCountryCode(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneCountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_accepts_documented_examples() {
        for raw in [
            "555-111-2222",
            "4155551234",
            "+14157485052",
            "+1408-555-7788",
            "01-324-5556684",
        ] {
            assert_eq!(
                Phone::parse(raw).map(|p| p.as_str().to_owned()),
                Ok(raw.to_owned())
            );
        }
    }

    #[test]
    fn phone_rejects_letters_spaces_and_misplaced_dashes() {
        for raw in [
            "555-CALL-NOW",
            "555 111 2222",
            "555--1112222",
            "5551112222-",
            "-5551112222",
            "+-5551112222",
            "++5551112222",
            "",
        ] {
            assert!(Phone::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn phone_requires_seven_to_fifteen_digits() {
        assert!(Phone::parse("555-1234").is_ok());
        assert!(Phone::parse("555-123").is_err());
        assert!(Phone::parse("+123456789012345").is_ok());
        assert!(Phone::parse("+1234567890123456").is_err());
    }

    #[test]
    fn phone_debug_does_not_reveal_the_number() {
        let phone = Phone::parse("4155551234").expect("valid");
        assert!(!format!("{phone:?}").contains("4155551234"));
    }

    #[test]
    fn phone_country_code_accepts_one_to_three_digits() {
        assert!(PhoneCountryCode::parse("1").is_ok());
        assert_eq!(
            PhoneCountryCode::parse("358").map(|c| c.to_string()),
            Ok("358".into())
        );
    }

    #[test]
    fn phone_country_code_rejects_plus_letters_and_four_digits() {
        for raw in ["+1", "1a", "1234", " 1"] {
            assert!(PhoneCountryCode::parse(raw).is_err(), "{raw}");
        }
    }
}
