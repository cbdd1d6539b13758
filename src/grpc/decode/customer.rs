//! Customer responses (docs/reference/atelio-api.md §2.2.3) → `Customer`.
use serde_json::Value;

use super::{addresses, object, s, ts, unwrap};
use crate::proto::v1 as pb;
use crate::upstream::UpstreamError;

/// A customer object.
pub fn customer(v: &Value) -> Result<pb::Customer, UpstreamError> {
    let o = object(unwrap(v, "customer"), "a customer")?;
    let holder = match o
        .str("account_holder_type")
        .map(|t| t.to_ascii_lowercase())
        .as_deref()
    {
        Some("primary") => pb::AccountHolderType::Primary,
        Some("secondary") => pb::AccountHolderType::Secondary,
        _ => pb::AccountHolderType::Unspecified,
    };
    Ok(pb::Customer {
        customer_id: s(o, "customer_id"),
        dob: s(o, "dob"),
        first_name: s(o, "first_name"),
        middle_name: s(o, "middle_name"),
        last_name: s(o, "last_name"),
        ssn: s(o, "ssn"),
        phone: s(o, "phone"),
        phone_country_code: s(o, "phone_country_code"),
        email: s(o, "email"),
        addresses: addresses(o),
        brand_person_id: s(o, "brand_person_id"),
        account_holder_type: holder as i32,
        primary_id: s(o, "primary_id"),
        brand_id: o
            .str_any(&["bond_brand_id", "atelio_brand_id", "brand_id"])
            .unwrap_or_default(),
        business_id: s(o, "business_id"),
        kyc_requests_available: o.i64("kyc_requests_available").unwrap_or_default() as i32,
        create_time: ts(o, "date_created"),
        id_type: s(o, "id_type"),
    })
}
