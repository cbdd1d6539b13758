//! Beneficial-owner fields (docs/reference/atelio-api.md §2.7 BO1): validation of a create or update, the stored
//! owner, and its response form (addresses under `address` standalone, `addresses` when nested
//! in a business, docs/reference/atelio-api.md §6 item 15).
use serde_json::{Map, Value, json};

use super::address::{self, Profile};
use super::state::{Owner, mask_ssn, now_timestamp};
use super::validate::{self as v, Problems};

/// Checks a BO body; problems are named under `at` (`""` for a standalone body).
pub fn check(o: &Map<String, Value>, creating: bool, at: &str, p: &mut Problems) {
    let mut local = Problems::default();
    for (field, min, required) in [
        ("first_name", 1, creating),
        ("middle_name", 1, false),
        ("last_name", 2, creating),
    ] {
        if v::text(o, field, required, &mut local).is_some_and(|n| !v::name(n, min, 20)) {
            local.add(
                field,
                "Must be letters, spaces or apostrophes, starting with a letter (at most 20).",
            );
        }
    }
    if v::text(o, "dob", creating, &mut local).is_some_and(|d| !v::date(d)) {
        local.add("dob", "Not a valid date (YYYY-MM-DD).");
    }
    if creating || o.contains_key("addresses") {
        address::check_list(o, "addresses", Profile::Business, &mut local);
    }
    for (field, messages) in local.into_map() {
        let name = if at.is_empty() {
            field
        } else {
            format!("{at}.{field}")
        };
        for m in messages.as_array().into_iter().flatten() {
            p.add(&name, m.as_str().unwrap_or_default());
        }
    }
}

/// A new owner of `business_id` from a validated body.
pub fn create(business_id: &str, o: &Map<String, Value>) -> (String, Owner) {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_timestamp();
    let mut record = Map::new();
    record.insert("beneficial_owner_id".into(), json!(id));
    for key in ["middle_name", "ssn", "phone", "email"] {
        record.insert(key.into(), Value::Null);
    }
    record.insert("date_created".into(), json!(now));
    let mut owner = Owner {
        business_id: business_id.into(),
        record,
        addresses: Vec::new(),
        ssn: None,
    };
    apply(&mut owner, o, &now);
    (id, owner)
}

/// Copies the accepted fields of a validated body.
pub fn apply(owner: &mut Owner, o: &Map<String, Value>, now: &str) {
    for key in ["first_name", "middle_name", "last_name", "dob"] {
        if let Some(val) = o.get(key) {
            owner.record.insert(key.into(), val.clone());
        }
    }
    if let Some(Value::Array(list)) = o.get("addresses") {
        owner.addresses = list.iter().map(|a| address::stored(a, now)).collect();
    }
    owner.record.insert("date_updated".into(), json!(now));
}

/// Remembers the SSN given at KYC start (masked in responses).
pub fn set_ssn(owner: &mut Owner, digits: &str) {
    owner.ssn = Some(digits.to_string());
    owner.record.insert("ssn".into(), json!(mask_ssn(digits)));
}

/// The response form, addresses under `key`.
pub fn render(owner: &Owner, key: &str) -> Value {
    let mut out = owner.record.clone();
    out.insert(key.into(), Value::Array(owner.addresses.clone()));
    Value::Object(out)
}

/// Foreign: the primary (or first) address is outside the US.
pub fn foreign(owner: &Owner) -> bool {
    let primary = owner
        .addresses
        .iter()
        .find(|a| a["is_primary"] == json!(true))
        .or(owner.addresses.first());
    primary.is_some_and(|a| a["country"] != json!("US"))
}
