//! Beneficial-owner responses (docs/reference/atelio-api.md §2.2.5) → `BeneficialOwner`.
use serde_json::Value;

use super::{addresses, object, s, ts, unwrap};
use crate::proto::v1 as pb;
use crate::upstream::UpstreamError;

/// A beneficial-owner object (addresses under `address` or `addresses`).
pub fn owner(v: &Value) -> Result<pb::BeneficialOwner, UpstreamError> {
    let o = object(unwrap(v, "beneficial_owner"), "a beneficial owner")?;
    Ok(pb::BeneficialOwner {
        beneficial_owner_id: s(o, "beneficial_owner_id"),
        dob: s(o, "dob"),
        first_name: s(o, "first_name"),
        middle_name: s(o, "middle_name"),
        last_name: s(o, "last_name"),
        addresses: addresses(o),
        ssn: s(o, "ssn"),
        phone: s(o, "phone"),
        email: s(o, "email"),
        create_time: ts(o, "date_created"),
        update_time: ts(o, "date_updated"),
        delete_time: ts(o, "date_deleted"),
    })
}
