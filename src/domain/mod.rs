//! Validated domain values: proto→domain conversion calls these at the edge; no IO,
//! no tonic, no reqwest.
//!
//! Every value type has a `parse` that returns `Result<T, String>`, where the error is a
//! description that never echoes the input (it may be PII). A conversion collects all
//! problems of one request in a [`Violations`] and finishes with
//! [`Violations::finish`]:
//!
//! ```text
//! let mut v = Violations::new();
//! let first = v.required("first_name", &req.first_name, |s| PersonName::parse(s, NameRule::CUSTOMER));
//! let middle = v.optional("middle_name", &req.middle_name, |s| PersonName::parse(s, NameRule::CUSTOMER));
//! let addresses = parse_addresses(&inputs, AddressProfile::Customer, "addresses", true, &mut v);
//! match (first, middle, addresses) {
//!     (Some(first), Some(middle), Some(addresses)) => v.finish(NewCustomer { first, middle, addresses }),
//!     _ => Err(v),
//! }
//! ```
//!
//! PII types (names, SSN, date of birth, email, phone, IP, EIN, addresses) print
//! `TypeName(<redacted>)` under `Debug` and expose their text only via `as_str()`.

mod redact;

pub mod address;
pub mod commands;
pub mod contact;
pub mod dates;
pub mod ids;
pub mod person;
pub mod region;
pub mod text;
pub mod violations;

pub use address::{Address, AddressInput, AddressProfile, AddressType, parse_addresses};
pub use commands::{Change, PageRequest};
pub use contact::{Email, Ipv4, Phone, PhoneCountryCode};
pub use dates::{Date, Dob, parse_iso_date};
pub use ids::{Ein, ResourceId};
pub use person::{NameRule, PersonName, Ssn};
pub use region::{
    ISO_3166_ALPHA2, US_STATE_CODES, country_code, is_iso_country_code, is_us_state_code,
};
pub use text::{
    BUSINESS_NAME_MAX_CHARS, FreeText, NUMBER_OF_EMPLOYEES_MAX_CHARS, WEBSITE_MAX_CHARS, Website,
    char_count, check_length, has_control_chars,
};
pub use violations::{FieldViolation, Violations, field_path, index_path};
