//! Customers, C1–C5 (docs/reference/atelio-api.md §2.3): create, list (bare array, `page` + `per_page`), get,
//! update (only contact fields once KYC passed: `kyc_customer`), delete.
use std::collections::HashMap;
use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::{Map, Value, json};

use super::Sandbox;
use super::address::{self, Profile};
use super::error::{ApiError, ApiResult};
use super::state::{Customer, mask_ssn, now_timestamp};
use super::validate::{self as v, Problems};

/// The brand every sandbox customer belongs to.
pub const BRAND_ID: &str = "5e5a2e5e-8f3c-4c1a-9b7e-6a9d2c1f0b11";
const CONTACT: [&str; 3] = ["email", "phone", "phone_country_code"];

pub fn parse(body: &Bytes, code: &'static str) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request(code, "The request body is not valid JSON"))
}

/// Checks the person fields present in `o`; `creating` makes dob, names and addresses required.
fn check_person(o: &Map<String, Value>, creating: bool, p: &mut Problems) -> Option<String> {
    for (field, required) in [
        ("first_name", creating),
        ("middle_name", false),
        ("last_name", creating),
    ] {
        if v::text(o, field, required, p).is_some_and(|n| !v::name(n, 2, 50)) {
            p.add(
                field,
                "Must be 2 to 50 letters, spaces or apostrophes, starting with a letter.",
            );
        }
    }
    if v::text(o, "dob", creating, p).is_some_and(|d| !v::date(d)) {
        p.add("dob", "Not a valid date (YYYY-MM-DD).");
    }
    let ssn = v::text(o, "ssn", false, p).and_then(|s| {
        let digits = v::ssn(s);
        if digits.is_none() {
            p.add("ssn", "Must be ###-##-#### or nine digits.");
        }
        digits
    });
    v::contact(o, p);
    if creating || o.contains_key("addresses") {
        address::check_list(o, "addresses", Profile::Customer, p);
    }
    ssn
}

fn check_holder(o: &Map<String, Value>, p: &mut Problems) {
    let kind = v::text(o, "account_holder_type", false, p);
    if kind.is_some_and(|k| k != "primary" && k != "secondary") {
        p.add("account_holder_type", "Must be one of: primary, secondary.");
    }
    let primary = v::text(o, "primary_id", kind == Some("secondary"), p);
    if primary.is_some_and(|id| !v::uuid(id)) {
        p.add("primary_id", "Not a valid UUID.");
    }
}

/// Copies the accepted request fields into the stored record.
fn apply(record: &mut Map<String, Value>, o: &Map<String, Value>, ssn: Option<&str>, now: &str) {
    for key in [
        "first_name",
        "middle_name",
        "last_name",
        "dob",
        "email",
        "phone",
        "phone_country_code",
        "brand_person_id",
    ] {
        if let Some(val) = o.get(key) {
            record.insert(key.into(), val.clone());
        }
    }
    if let Some(digits) = ssn {
        record.insert("ssn".into(), json!(mask_ssn(digits)));
    }
    if let Some(Value::Array(list)) = o.get("addresses") {
        let stored: Vec<Value> = list.iter().map(|a| address::stored(a, now)).collect();
        record.insert("addresses".into(), Value::Array(stored));
    }
}

pub async fn create(State(sb): State<Arc<Sandbox>>, body: Bytes) -> ApiResult {
    const CODE: &str = "create_customer_schema";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let ssn = check_person(o, true, &mut p);
    check_holder(o, &mut p);
    p.finish(CODE)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_timestamp();
    let mut record = Map::new();
    for (key, val) in [
        ("customer_id", json!(id)),
        ("bond_brand_id", json!(BRAND_ID)),
        ("brand_person_id", Value::Null),
        ("business_id", Value::Null),
        ("date_created", json!(now)),
        ("middle_name", Value::Null),
        ("ssn", Value::Null),
        ("kyc_requests_available", json!(3)),
    ] {
        record.insert(key.into(), val);
    }
    apply(&mut record, o, ssn.as_deref(), &now);
    let out = Value::Object(record.clone());
    let mut store = sb.lock();
    store.customers.insert(id.clone(), Customer { record, ssn });
    store.customer_order.push(id);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let page: usize = q.get("page").map_or(Ok(1), |p| p.parse()).unwrap_or(0);
    let per_page: usize = q.get("per_page").map_or(Ok(10), |p| p.parse()).unwrap_or(0);
    if page == 0 || ![1, 2, 5, 10, 20, 50].contains(&per_page) {
        return Err(ApiError::bad_request(
            "get_customer_schema",
            "page must be ≥ 1; per_page one of 1, 2, 5, 10, 20, 50",
        ));
    }
    let store = sb.lock();
    let items: Vec<Value> = store
        .customer_order
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .filter_map(|id| store.customers.get(id))
        .map(|c| Value::Object(c.record.clone()))
        .collect();
    Ok(Json(Value::Array(items)).into_response())
}

pub fn not_found() -> ApiError {
    ApiError::not_found("customer_dne", "Customer does not exist")
}

pub async fn get(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let store = sb.lock();
    let c = store.customers.get(&id).ok_or_else(not_found)?;
    Ok(Json(Value::Object(c.record.clone())).into_response())
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const CODE: &str = "edit_customer_schema";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let ssn = check_person(o, false, &mut p);
    p.finish(CODE)?;
    let mut store = sb.lock();
    let passed = store
        .kyc
        .values()
        .any(|a| a.subject.id() == id && a.status == "passed");
    let c = store.customers.get_mut(&id).ok_or_else(not_found)?;
    if passed && o.keys().any(|k| !CONTACT.contains(&k.as_str())) {
        return Err(ApiError::bad_request(
            "kyc_customer",
            "A KYC'd customer may not have their information changed",
        ));
    }
    apply(&mut c.record, o, ssn.as_deref(), &now_timestamp());
    if ssn.is_some() {
        c.ssn = ssn;
    }
    let record = Value::Object(c.record.clone());
    store.customer_updated(&id);
    Ok(Json(record).into_response())
}

pub async fn delete(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let mut store = sb.lock();
    store.customers.remove(&id).ok_or_else(not_found)?;
    store.customer_order.retain(|c| *c != id);
    Ok((StatusCode::OK, "Customer resource deleted").into_response())
}
