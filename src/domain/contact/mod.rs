//! Contact details (email, phone, dialling code, IPv4).
//!
//! Used by C1/C4 (customers), K1/BOK1 (KYC start) and B1 (businesses). Email, phone
//! and IP are PII with redacted `Debug`; values are kept exactly as given. Phone
//! numbers live in `contact/phone.rs`, IPv4 addresses in `contact/ip.rs`.

mod ip;
mod phone;

pub use ip::Ipv4;
pub use phone::{Phone, PhoneCountryCode};

use super::redact::redacted_debug;
use super::text::{char_count, has_control_chars};

/// An email address (pragmatic check, not full RFC 5322). PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

redacted_debug!(Email);

impl Email {
    pub const MAX_CHARS: usize = 254;
    pub const MAX_LOCAL_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Email, String> {
        if char_count(raw) > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let Some((local, domain)) = raw.split_once('@').filter(|(_, d)| !d.contains('@')) else {
            return Err("must contain exactly one @".to_owned());
        };
        check_local_part(local)?;
        check_domain(domain)?;
        Ok(Email(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_local_part(local: &str) -> Result<(), String> {
    let len = char_count(local);
    let bad_char = local.chars().any(char::is_whitespace) || has_control_chars(local);
    if len == 0 || len > Email::MAX_LOCAL_CHARS || bad_char {
        return Err(format!(
            "must have a part before @ of 1 to {} characters without spaces",
            Email::MAX_LOCAL_CHARS
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(
            "must have a domain of dot-separated labels of letters, digits and inner hyphens"
                .to_owned(),
        );
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err("must end in a top-level domain of at least 2 letters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_common_addresses() {
        for raw in [
            "a@b.co",
            "first.last+tag@mail.example.com",
            "x_y@sub-domain.io",
        ] {
            assert_eq!(
                Email::parse(raw).map(|e| e.as_str().to_owned()),
                Ok(raw.to_owned())
            );
        }
    }

    #[test]
    fn email_rejects_missing_or_repeated_at() {
        assert!(Email::parse("ab.example.com").is_err());
        assert!(Email::parse("a@b@example.com").is_err());
    }

    #[test]
    fn email_rejects_bad_local_parts() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        for raw in [
            "@example.com",
            "a b@example.com",
            "a\u{1}@example.com",
            long_local.as_str(),
        ] {
            assert!(Email::parse(raw).is_err(), "{raw}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
    }

    #[test]
    fn email_rejects_bad_domains() {
        for raw in [
            "a@localhost",
            "a@-x.com",
            "a@x-.com",
            "a@x..com",
            "a@x_y.com",
            "a@x.c",
            "a@x.c0m",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn email_rejects_more_than_254_chars() {
        let raw = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert!(raw.len() > 254);
        assert_eq!(
            Email::parse(&raw),
            Err("must be at most 254 characters".to_owned())
        );
    }

    #[test]
    fn email_debug_and_errors_do_not_reveal_the_address() {
        let email = Email::parse("secret@example.com").expect("valid");
        assert!(!format!("{email:?}").contains("secret"));
        let err = Email::parse("secret@nowhere").err().unwrap_or_default();
        assert!(!err.contains("secret") && !err.contains("nowhere"), "{err}");
    }
}
