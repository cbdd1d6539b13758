//! Free-form text values and shared character-rule helpers.
//!
//! Used for business names, `website` and `number_of_employees` (B1), which the
//! upstream documents only as "freeform".

use std::fmt;

/// Upper bound used for `legal_business_name` / `dba_business_name` (not documented upstream).
pub const BUSINESS_NAME_MAX_CHARS: usize = 255;
/// Upper bound for `website`.
pub const WEBSITE_MAX_CHARS: usize = 255;
/// Upper bound for the `number_of_employees` range string (e.g. `0-50`).
pub const NUMBER_OF_EMPLOYEES_MAX_CHARS: usize = 32;

/// Number of Unicode scalar values in `raw` (the unit every length rule counts).
pub fn char_count(raw: &str) -> usize {
    raw.chars().count()
}

/// True when `raw` contains any control character (C0, DEL or C1).
pub fn has_control_chars(raw: &str) -> bool {
    raw.chars().any(char::is_control)
}

/// Checks `min <= chars <= max`; the error names the bounds, never the value.
pub fn check_length(raw: &str, min: usize, max: usize) -> Result<(), String> {
    let n = char_count(raw);
    if (min..=max).contains(&n) {
        return Ok(());
    }
    Err(if min <= 1 && n > max {
        format!("must be at most {max} characters")
    } else {
        format!("must be {min} to {max} characters")
    })
}

/// Non-blank text without control characters, stored trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeText(String);

impl FreeText {
    /// Trims `raw`; the rest must be non-empty, at most `max_chars` characters and free
    /// of control characters.
    pub fn parse(raw: &str, max_chars: usize) -> Result<FreeText, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be blank".to_owned());
        }
        if char_count(trimmed) > max_chars {
            return Err(format!("must be at most {max_chars} characters"));
        }
        if has_control_chars(trimmed) {
            return Err("must not contain control characters".to_owned());
        }
        Ok(FreeText(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for FreeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A business website as free text (e.g. `www.acme.com`): at most
/// [`WEBSITE_MAX_CHARS`] characters, no whitespace inside. Not checked as a URL
/// because the upstream accepts bare host names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Website(FreeText);

impl Website {
    pub fn parse(raw: &str) -> Result<Website, String> {
        let text = FreeText::parse(raw, WEBSITE_MAX_CHARS)?;
        if text.as_str().chars().any(char::is_whitespace) {
            return Err("must not contain spaces".to_owned());
        }
        Ok(Website(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_accepts_ordinary_text_and_trims_it() {
        let t = FreeText::parse("  Acme, Inc. ", BUSINESS_NAME_MAX_CHARS);
        assert_eq!(t.map(FreeText::into_string), Ok("Acme, Inc.".to_owned()));
    }

    #[test]
    fn free_text_rejects_blank_input() {
        assert_eq!(
            FreeText::parse("   ", 10),
            Err("must not be blank".to_owned())
        );
    }

    #[test]
    fn free_text_accepts_exactly_max_chars_counting_unicode_as_one() {
        assert!(FreeText::parse("Café", 4).is_ok());
    }

    #[test]
    fn free_text_rejects_more_than_max_chars() {
        let err = FreeText::parse("Cafés", 4);
        assert_eq!(err, Err("must be at most 4 characters".to_owned()));
    }

    #[test]
    fn free_text_rejects_control_characters() {
        assert!(FreeText::parse("Acme\u{7}", 10).is_err());
        assert!(FreeText::parse("Ac\nme", 10).is_err());
    }

    #[test]
    fn number_of_employees_accepts_a_range_string() {
        assert!(FreeText::parse("0-50", NUMBER_OF_EMPLOYEES_MAX_CHARS).is_ok());
        assert!(FreeText::parse(&"9".repeat(33), NUMBER_OF_EMPLOYEES_MAX_CHARS).is_err());
    }

    #[test]
    fn website_accepts_a_bare_host_name() {
        assert_eq!(
            Website::parse("www.acme.com").map(|w| w.to_string()),
            Ok("www.acme.com".into())
        );
    }

    #[test]
    fn website_rejects_inner_spaces_and_overlong_values() {
        assert!(Website::parse("www.acme .com").is_err());
        assert!(Website::parse(&"a".repeat(WEBSITE_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn check_length_describes_bounds_without_the_value() {
        assert_eq!(check_length("ab", 2, 5), Ok(()));
        assert_eq!(
            check_length("a", 2, 5),
            Err("must be 2 to 5 characters".into())
        );
        assert_eq!(
            check_length("abcdef", 0, 5),
            Err("must be at most 5 characters".into())
        );
    }
}
