//! Identifiers (resource UUIDs, EINs).
//!
//! Every Atelio id (`customer_id`, `business_id`, `beneficial_owner_id`, `address_id`,
//! `program_id`, ...) is a hyphenated UUID. The EIN is a business tax id; it is treated
//! as sensitive and has a redacted `Debug`.

use std::fmt;

use uuid::Uuid;

use super::redact::redacted_debug;

/// A hyphenated UUID (any version, either case), kept exactly as given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceId(String);

impl ResourceId {
    pub fn parse(raw: &str) -> Result<ResourceId, String> {
        let bytes = raw.as_bytes();
        let ok = bytes.len() == 36
            && bytes.iter().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if !ok {
            return Err(
                "must be a UUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".to_owned(),
            );
        }
        Ok(ResourceId(raw.to_owned()))
    }

    /// A fresh random (v4) id in lower case, e.g. for a fake upstream.
    pub fn new_random() -> ResourceId {
        ResourceId(Uuid::new_v4().hyphenated().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a `Uuid`; `None` cannot happen for a parsed id.
    pub fn to_uuid(&self) -> Option<Uuid> {
        Uuid::try_parse(&self.0).ok()
    }

    /// Case-insensitive comparison (the upstream may echo ids in another case).
    pub fn same_as(&self, other: &ResourceId) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A US employer identification number, `##-#######`. Sensitive: redacted `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Ein(String);

redacted_debug!(Ein);

impl Ein {
    pub fn parse(raw: &str) -> Result<Ein, String> {
        let bytes = raw.as_bytes();
        let ok = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                2 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !ok {
            return Err("must be 2 digits, a dash and 7 digits (##-#######)".to_owned());
        }
        Ok(Ein(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    #[test]
    fn resource_id_accepts_a_hyphenated_uuid_of_any_version_and_case() {
        let upper = "3FA85F64-5717-1562-B3FC-2C963F66AFA6";
        assert_eq!(
            ResourceId::parse(ID).map(|r| r.to_string()),
            Ok(ID.to_owned())
        );
        assert_eq!(
            ResourceId::parse(upper).map(|r| r.as_str().to_owned()),
            Ok(upper.to_owned())
        );
        assert!(ResourceId::parse("00000000-0000-0000-0000-000000000000").is_ok());
    }

    #[test]
    fn resource_id_rejects_other_uuid_forms_and_non_hex() {
        let bad = [
            "3fa85f6457174562b3fc2c963f66afa6",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
            "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "3fa85f64-5717-4562-b3fc-2c963f66afag",
            "3fa85f645-717-4562-b3fc-2c963f66afa6",
            "",
        ];
        for raw in bad {
            assert!(ResourceId::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn resource_id_converts_to_uuid_and_compares_ignoring_case() {
        let lower = ResourceId::parse(ID).expect("valid");
        let upper = ResourceId::parse(&ID.to_uppercase()).expect("valid");
        assert!(lower.same_as(&upper));
        assert_ne!(lower, upper);
        assert_eq!(lower.to_uuid(), upper.to_uuid());
        assert!(lower.to_uuid().is_some());
    }

    #[test]
    fn new_random_ids_parse_and_differ() {
        let a = ResourceId::new_random();
        assert!(ResourceId::parse(a.as_str()).is_ok());
        assert_ne!(a, ResourceId::new_random());
    }

    #[test]
    fn ein_accepts_two_digits_dash_seven_digits() {
        assert_eq!(
            Ein::parse("12-1234567").map(|e| e.as_str().to_owned()),
            Ok("12-1234567".into())
        );
    }

    #[test]
    fn ein_rejects_other_shapes() {
        for raw in [
            "121234567",
            "123-123456",
            "12-123456",
            "12-12345678",
            "ab-1234567",
            "12 1234567",
        ] {
            assert!(Ein::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn ein_debug_does_not_reveal_the_number() {
        let ein = Ein::parse("98-7654321").expect("valid");
        assert!(!format!("{ein:?}").contains("7654321"));
    }
}
