//! proto → validated commands: the edge where wire values become domain values (architecture
//! §2 step 2). Every rule failure is collected with its field path, so one `INVALID_ARGUMENT`
//! lists them all and nothing is sent upstream.
pub mod address;
pub mod business;
pub mod customer;
pub mod documents;
pub mod enums;
pub mod kyc;
pub mod owner;

use prost_types::FieldMask;

use crate::domain::{AddressInput, AddressType, ResourceId, Violations, commands::Change};
use crate::proto::v1 as pb;

/// A required id field.
pub fn id(v: &mut Violations, field: &str, raw: &str) -> Option<ResourceId> {
    v.required(field, raw, ResourceId::parse)
}

/// `program_id`, falling back to the configured default program.
pub fn program(
    v: &mut Violations,
    field: &str,
    raw: &str,
    default: Option<&str>,
) -> Option<ResourceId> {
    let raw = if raw.is_empty() {
        default.unwrap_or("")
    } else {
        raw
    };
    id(v, field, raw)
}

/// Wire address → raw domain input (an unknown enum number counts as unset).
pub fn address_input(a: &pb::Address) -> AddressInput {
    let address_type = match pb::AddressType::try_from(a.address_type) {
        Ok(pb::AddressType::Mailing) => Some(AddressType::Mailing),
        Ok(pb::AddressType::Physical) => Some(AddressType::Physical),
        _ => None,
    };
    AddressInput {
        address_type,
        street: a.street.clone(),
        street2: a.street2.clone(),
        city: a.city.clone(),
        state: a.state.clone(),
        zip_code: a.zip_code.clone(),
        country: a.country.clone(),
        is_primary: a.is_primary,
    }
}

/// The paths to update: the mask's, each checked against `allowed`; with no mask, every allowed
/// path that `populated` says carries a value (AIP-134).
pub fn mask_paths(
    v: &mut Violations,
    mask: Option<&FieldMask>,
    allowed: &[&'static str],
    populated: impl Fn(&str) -> bool,
) -> Vec<&'static str> {
    let asked: Vec<String> = mask.map(|m| m.paths.clone()).unwrap_or_default();
    if asked.is_empty() {
        let paths: Vec<_> = allowed.iter().copied().filter(|p| populated(p)).collect();
        if paths.is_empty() {
            v.add(
                "update_mask",
                "names no field to update and the request sets none",
            );
        }
        return paths;
    }
    let mut paths = Vec::new();
    for p in &asked {
        match allowed.iter().find(|a| **a == p.as_str()) {
            Some(a) if !paths.contains(a) => paths.push(*a),
            Some(_) => {}
            None => v.add(
                "update_mask",
                format!(
                    "path `{p}` cannot be updated (allowed: {})",
                    allowed.join(", ")
                ),
            ),
        }
    }
    paths
}

/// A masked string field: empty means `Clear` when `clearable`, else "is required".
pub fn change<T>(
    v: &mut Violations,
    field: &str,
    in_mask: bool,
    raw: &str,
    clearable: bool,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Change<T> {
    if !in_mask {
        return Change::Keep;
    }
    if raw.is_empty() {
        if !clearable {
            v.add(field, "is required");
        }
        return Change::Clear;
    }
    v.check(field, parse(raw)).map_or(Change::Keep, Change::Set)
}

/// Today's date (UTC), for date-of-birth checks.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
