//! Postal addresses (docs/reference/atelio-api.md §2.2.1).
//!
//! Two documented validation profiles: [`AddressProfile::Customer`] (C1/C4) and
//! [`AddressProfile::BusinessOrOwner`] (B1, BA*, BO1, BOA*). Addresses are PII, so
//! [`Address`] and [`AddressInput`] have a redacted `Debug`.

mod fields;

use std::fmt;

use super::redact::redacted_debug;
use super::violations::{Violations, field_path, index_path};

/// Which documented set of length limits applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressProfile {
    Customer,
    BusinessOrOwner,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressType {
    Mailing,
    Physical,
}

impl AddressType {
    /// Upstream wire value: `MAILING` or `PHYSICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressType::Mailing => "MAILING",
            AddressType::Physical => "PHYSICAL",
        }
    }

    /// Parses the upstream wire value (upper case only).
    pub fn parse(raw: &str) -> Result<AddressType, String> {
        match raw {
            "MAILING" => Ok(AddressType::Mailing),
            "PHYSICAL" => Ok(AddressType::Physical),
            _ => Err("must be MAILING or PHYSICAL".to_owned()),
        }
    }
}

impl fmt::Display for AddressType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raw input as it arrives from the wire (proto strings; empty = absent).
#[derive(Clone, Default)]
pub struct AddressInput {
    pub address_type: Option<AddressType>,
    pub street: String,
    pub street2: String,
    pub city: String,
    pub state: String,
    pub zip_code: String,
    pub country: String,
    pub is_primary: bool,
}

/// A validated address; strings are kept as given.
#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    pub address_type: AddressType,
    pub street: String,
    pub street2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip_code: String,
    pub country: String,
    pub is_primary: bool,
}

redacted_debug!(AddressInput, Address);

impl Address {
    /// Validates every field, recording each violation under `{prefix}.{field}` (e.g.
    /// "customer.addresses[0].street"); returns None if any.
    ///
    /// `state` and `zip_code` use the US rules when `country` is exactly `US`. A blank
    /// `street2` counts as absent.
    pub fn parse(
        input: &AddressInput,
        profile: AddressProfile,
        prefix: &str,
        v: &mut Violations,
    ) -> Option<Address> {
        let path = |field: &str| field_path(prefix, field);
        if input.address_type.is_none() {
            v.add(path("address_type"), "is required");
        }
        let street = v.required(&path("street"), &input.street, |s| {
            fields::street(s, profile)
        });
        let street2 = v.optional(&path("street2"), absent_if_blank(&input.street2), |s| {
            fields::street2(s, profile)
        });
        let city = v.required(&path("city"), &input.city, |s| fields::city(s, profile));
        let is_us = input.country == "US";
        let state = v.required(&path("state"), &input.state, |s| fields::state(s, is_us));
        let zip_code = v.required(&path("zip_code"), &input.zip_code, |s| {
            fields::zip_code(s, is_us)
        });
        let country = v.required(&path("country"), &input.country, fields::country);
        Some(Address {
            address_type: input.address_type?,
            street: street?,
            street2: street2?,
            city: city?,
            state: state?,
            zip_code: zip_code?,
            country: country?,
            is_primary: input.is_primary,
        })
    }

    pub fn is_us(&self) -> bool {
        self.country == "US"
    }
}

/// Treats a blank optional value (only whitespace) like an absent one.
fn absent_if_blank(raw: &str) -> &str {
    if raw.trim().is_empty() { "" } else { raw }
}

/// Validates a list: at least one item; when `require_primary`, at least one `is_primary`
/// (violation on `{prefix}`). Items are reported under `{prefix}[i].{field}`.
pub fn parse_addresses(
    inputs: &[AddressInput],
    profile: AddressProfile,
    prefix: &str,
    require_primary: bool,
    v: &mut Violations,
) -> Option<Vec<Address>> {
    if inputs.is_empty() {
        v.add(prefix, "must contain at least one address");
        return None;
    }
    let before = v.len();
    let parsed: Vec<Option<Address>> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| Address::parse(input, profile, &index_path(prefix, i), v))
        .collect();
    if require_primary && !inputs.iter().any(|a| a.is_primary) {
        v.add(prefix, "must include at least one primary address");
    }
    if v.len() > before {
        return None;
    }
    parsed.into_iter().collect()
}

#[cfg(test)]
mod tests;
