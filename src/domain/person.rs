//! Personal names and SSNs.
//!
//! Rules from the catalogue: customers (C1) use 2–50 characters for every name part;
//! beneficial owners (BO1) use 1–20 (first, middle) and 2–20 (last). A name starts with
//! an ASCII letter and contains only ASCII letters, spaces and apostrophes. Both types
//! are PII: `Debug` is redacted. The date of birth lives in [`super::dates::Dob`].

use super::redact::redacted_debug;
use super::text::check_length;

pub use super::dates::Dob;

/// Length bounds (in characters, inclusive) for one name part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameRule {
    pub min: usize,
    pub max: usize,
}

impl NameRule {
    /// Customer first, middle and last name (C1, C4).
    pub const CUSTOMER: NameRule = NameRule { min: 2, max: 50 };
    /// Beneficial-owner first name (BO1, BO4).
    pub const BO_FIRST: NameRule = NameRule { min: 1, max: 20 };
    /// Beneficial-owner middle name (BO1, BO4).
    pub const BO_MIDDLE: NameRule = NameRule { min: 1, max: 20 };
    /// Beneficial-owner last name (BO1, BO4).
    pub const BO_LAST: NameRule = NameRule { min: 2, max: 20 };
}

const NAME_CHARSET_RULE: &str =
    "must start with a letter and contain only letters, spaces and apostrophes";

/// One validated name part (first, middle or last). PII.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

redacted_debug!(PersonName);

impl PersonName {
    pub fn parse(raw: &str, rule: NameRule) -> Result<PersonName, String> {
        check_length(raw, rule.min, rule.max)?;
        let mut chars = raw.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        let rest_ok = chars.all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'');
        if !(starts_with_letter && rest_ok) {
            return Err(NAME_CHARSET_RULE.to_owned());
        }
        Ok(PersonName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A US social security number, `###-##-####` or `#########`, kept as given. PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Ssn(String);

redacted_debug!(Ssn);

impl Ssn {
    pub fn parse(raw: &str) -> Result<Ssn, String> {
        let bytes = raw.as_bytes();
        let ok = match bytes.len() {
            9 => bytes.iter().all(u8::is_ascii_digit),
            11 => bytes.iter().enumerate().all(|(i, b)| match i {
                3 | 6 => *b == b'-',
                _ => b.is_ascii_digit(),
            }),
            _ => false,
        };
        if !ok {
            return Err("must be 9 digits written as ###-##-#### or #########".to_owned());
        }
        Ok(Ssn(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nine digits without dashes.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_name_accepts_letters_spaces_and_apostrophes() {
        for raw in ["Jo", "Mary Ann", "O'Neil", &"a".repeat(50)] {
            assert!(PersonName::parse(raw, NameRule::CUSTOMER).is_ok(), "{raw}");
        }
    }

    #[test]
    fn customer_name_rejects_fewer_than_two_or_more_than_fifty_chars() {
        let too_short = PersonName::parse("J", NameRule::CUSTOMER);
        assert_eq!(too_short, Err("must be 2 to 50 characters".to_owned()));
        assert!(PersonName::parse(&"a".repeat(51), NameRule::CUSTOMER).is_err());
    }

    #[test]
    fn name_rejects_a_leading_space_or_apostrophe() {
        let err = Err(NAME_CHARSET_RULE.to_owned());
        assert_eq!(PersonName::parse(" Jo", NameRule::CUSTOMER), err);
        assert_eq!(PersonName::parse("'Jo", NameRule::CUSTOMER), err);
    }

    #[test]
    fn name_rejects_digits_hyphens_and_non_ascii_letters() {
        for raw in ["Jo3", "Jean-Luc", "José", "Jo\tX"] {
            assert!(PersonName::parse(raw, NameRule::CUSTOMER).is_err(), "{raw}");
        }
    }

    #[test]
    fn bo_first_and_middle_names_accept_one_to_twenty_chars() {
        assert!(PersonName::parse("J", NameRule::BO_FIRST).is_ok());
        assert!(PersonName::parse(&"b".repeat(20), NameRule::BO_MIDDLE).is_ok());
        assert!(PersonName::parse(&"b".repeat(21), NameRule::BO_FIRST).is_err());
        assert!(PersonName::parse(&"b".repeat(21), NameRule::BO_MIDDLE).is_err());
    }

    #[test]
    fn bo_last_name_requires_two_to_twenty_chars() {
        assert!(PersonName::parse("Li", NameRule::BO_LAST).is_ok());
        assert!(PersonName::parse("L", NameRule::BO_LAST).is_err());
        assert!(PersonName::parse(&"L".repeat(21), NameRule::BO_LAST).is_err());
    }

    #[test]
    fn name_debug_does_not_reveal_the_name() {
        let name = PersonName::parse("Zebulon", NameRule::CUSTOMER).expect("valid");
        assert!(!format!("{name:?}").contains("Zebulon"));
        assert_eq!(name.as_str(), "Zebulon");
    }

    #[test]
    fn ssn_accepts_dashed_and_bare_forms_as_given() {
        let dashed = Ssn::parse("123-45-6789").expect("valid");
        assert_eq!(dashed.as_str(), "123-45-6789");
        assert_eq!(dashed.digits(), "123456789");
        assert_eq!(
            Ssn::parse("123456789").map(|s| s.as_str().to_owned()),
            Ok("123456789".into())
        );
    }

    #[test]
    fn ssn_rejects_other_shapes() {
        for raw in [
            "12-345-6789",
            "12345678",
            "1234567890",
            "123-45-678a",
            "123 45 6789",
            "123-456789",
        ] {
            assert!(Ssn::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn ssn_error_and_debug_do_not_reveal_the_number() {
        let err = Ssn::parse("123-45-678").err().unwrap_or_default();
        assert!(!err.contains("678"), "{err}");
        let ssn = Ssn::parse("987-65-4321").expect("valid");
        assert!(!format!("{ssn:?}").contains("4321"));
    }
}
