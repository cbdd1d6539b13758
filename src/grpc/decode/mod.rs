//! Atelio JSON → proto messages: the response half of the translation. Decoding is lenient
//! (docs/reference/atelio-api.md §6): alias keys, `"null"` strings, every timestamp form, status strings with
//! spaces or `+`, and unknown enum values kept verbatim in the `*_raw` fields.
pub mod business;
pub mod customer;
pub mod owner;

use std::collections::HashMap;

use serde_json::Value;

use crate::atelio_json::{Obj, normalize_token};
use crate::proto::v1 as pb;
use crate::upstream::UpstreamError;

/// The body as an object, or a decode error naming what was expected.
pub fn object<'a>(v: &'a Value, what: &str) -> Result<Obj<'a>, UpstreamError> {
    Obj::from_value(v)
        .ok_or_else(|| UpstreamError::Decode(format!("expected a JSON object for {what}")))
}

/// An object possibly wrapped once under `key` (e.g. `{"customer": {...}}`).
pub fn unwrap<'a>(v: &'a Value, key: &str) -> &'a Value {
    match v.get(key) {
        Some(inner @ Value::Object(_)) => inner,
        _ => v,
    }
}

/// A timestamp field as `google.protobuf.Timestamp`, None when absent or unparseable.
pub fn ts(o: Obj<'_>, key: &str) -> Option<prost_types::Timestamp> {
    o.timestamp(key).map(|t| prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    })
}

/// A string field, "" when absent.
pub fn s(o: Obj<'_>, key: &str) -> String {
    o.str(key).unwrap_or_default()
}

/// An address in any response form.
pub fn address(v: &Value) -> pb::Address {
    let Some(o) = Obj::from_value(v) else {
        return pb::Address::default();
    };
    let raw_type = s(o, "address_type");
    let address_type = match raw_type.to_ascii_uppercase().as_str() {
        "MAILING" => pb::AddressType::Mailing,
        "PHYSICAL" => pb::AddressType::Physical,
        _ => pb::AddressType::Unspecified,
    };
    pb::Address {
        address_id: s(o, "address_id"),
        address_type: address_type as i32,
        address_type_raw: raw_type,
        street: s(o, "street"),
        street2: s(o, "street2"),
        city: s(o, "city"),
        state: s(o, "state"),
        zip_code: s(o, "zip_code"),
        country: s(o, "country"),
        is_primary: o.bool("is_primary").unwrap_or(false),
        deliverability: s(o, "deliverability"),
        create_time: ts(o, "date_created"),
        update_time: ts(o, "date_updated"),
        delete_time: ts(o, "date_deleted"),
    }
}

/// The address list under `addresses` or `address` (docs/reference/atelio-api.md §6 item 15).
pub fn addresses(o: Obj<'_>) -> Vec<pb::Address> {
    o.array_any(&["addresses", "address"])
        .into_iter()
        .map(address)
        .collect()
}

/// A KYC status string → enum, keeping the raw text.
pub fn kyc_status(raw: Option<String>) -> (i32, String) {
    let raw = raw.unwrap_or_default();
    let status = match normalize_token(&raw).as_str() {
        "submitted" => pb::KycStatus::Submitted,
        "initialized" | "initialised" => pb::KycStatus::Initialized,
        "passed" | "success" => pb::KycStatus::Passed,
        "failed" | "failure" => pb::KycStatus::Failed,
        "document_required" | "documents_required" => pb::KycStatus::DocumentRequired,
        "under_review" => pb::KycStatus::UnderReview,
        "error" => pb::KycStatus::Error,
        "expired" | "timeout" => pb::KycStatus::Expired,
        _ => pb::KycStatus::Unspecified,
    };
    (status as i32, raw)
}

/// A KYB status string → enum, keeping the raw text.
pub fn kyb_status(raw: Option<String>) -> (i32, String) {
    let raw = raw.unwrap_or_default();
    (kyb_status_enum(&raw) as i32, raw)
}

/// A KYB status string → enum (also used to build the list filter).
pub fn kyb_status_enum(raw: &str) -> pb::KybStatus {
    match normalize_token(raw).as_str() {
        "initiated" => pb::KybStatus::Initiated,
        "approved" => pb::KybStatus::Approved,
        "rejected" => pb::KybStatus::Rejected,
        "warning" => pb::KybStatus::Warning,
        "error" => pb::KybStatus::Error,
        "under_review" => pb::KybStatus::UnderReview,
        _ => pb::KybStatus::Unspecified,
    }
}

/// A KYC status read (K2/BOK2) → `KycVerification`.
pub fn kyc_verification(
    v: &Value,
    subject_keys: &[&str],
) -> Result<pb::KycVerification, UpstreamError> {
    let o = object(v, "a KYC status")?;
    let (kyc_status, kyc_status_raw) = kyc_status(o.str("kyc_status"));
    let documents = o
        .array_any(&["documents"])
        .into_iter()
        .filter_map(Obj::from_value)
        .map(|d| pb::KycDocument {
            document_type: s(d, "document_type"),
            upload_link: s(d, "upload_link"),
            status: s(d, "status"),
            expire_time: None,
        });
    Ok(pb::KycVerification {
        subject_id: o.str_any(subject_keys).unwrap_or_default(),
        brand_id: o
            .str_any(&["brand_id", "bond_brand_id", "atelio_brand_id"])
            .unwrap_or_default(),
        kyc_status,
        kyc_status_raw,
        results: string_map(o.raw("results")),
        health: string_map(o.raw("health")),
        info: o.raw("info").filter(|i| i.is_object()).map(to_struct),
        documents: documents.collect(),
    })
}

/// A flat JSON object of scalars → string map (nested values are rendered as JSON).
pub fn string_map(v: Option<&Value>) -> HashMap<String, String> {
    let Some(Value::Object(m)) = v else {
        return HashMap::new();
    };
    m.iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// Any JSON object → `google.protobuf.Struct`.
pub fn to_struct(v: &Value) -> prost_types::Struct {
    let fields = match v {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), to_value(v))).collect(),
        _ => Default::default(),
    };
    prost_types::Struct { fields }
}

fn to_value(v: &Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(a) => Kind::ListValue(prost_types::ListValue {
            values: a.iter().map(to_value).collect(),
        }),
        Value::Object(_) => Kind::StructValue(to_struct(v)),
    };
    prost_types::Value { kind: Some(kind) }
}

#[cfg(test)]
mod props_tests;
