//! Businesses, B1–B5 (docs/reference/atelio-api.md §2.5): create (with addresses and optional nested beneficial
//! owners), list (an array; `kyb_status` filter, normalised), get, update, delete (204).
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
use super::customers::parse;
use super::error::{ApiError, ApiResult};
use super::owner_model;
use super::state::{Business, Store, now_timestamp};
use super::validate::{self as v, Problems};

const INDUSTRIES: [&str; 7] = [
    "Technology",
    "Finance, Banking, and Insurance",
    "E-Commerce and Retail",
    "Transportation",
    "Real Estate and Construction",
    "Other",
    "Financial",
];
const TYPES: [&str; 7] = [
    "cooperative",
    "corporation",
    "limited_liability_company",
    "limited_partnership",
    "nonprofit_organization",
    "partnership",
    "sole_proprietorship",
];
const FIELDS: [&str; 10] = [
    "ein",
    "legal_business_name",
    "dba_business_name",
    "business_type",
    "industry_type",
    "date_established",
    "phone",
    "email",
    "website",
    "number_of_employees",
];

pub fn not_found() -> ApiError {
    ApiError::not_found("business_dne", "Business does not exist")
}

fn check(o: &Map<String, Value>, creating: bool, p: &mut Problems) {
    if v::text(o, "ein", creating, p).is_some_and(|e| !v::ein(e)) {
        p.add("ein", "Must look like 12-1234567.");
    }
    v::text(o, "legal_business_name", creating, p);
    if v::text(o, "industry_type", creating, p).is_some_and(|i| !INDUSTRIES.contains(&i)) {
        p.add("industry_type", "Not a documented industry type.");
    }
    if v::text(o, "business_type", false, p).is_some_and(|t| !TYPES.contains(&t)) {
        p.add("business_type", "Not a documented business type.");
    }
    if v::text(o, "date_established", false, p).is_some_and(|d| !v::date(d.get(..10).unwrap_or(d)))
    {
        p.add("date_established", "Not a valid date.");
    }
    if v::text(o, "email", false, p).is_some_and(|e| !v::email(e)) {
        p.add("email", "Not a valid email address.");
    }
    for key in [
        "dba_business_name",
        "phone",
        "website",
        "number_of_employees",
    ] {
        v::text(o, key, false, p);
    }
    if creating {
        address::check_list(o, "addresses", Profile::Business, p);
    }
    match o.get("beneficial_owners") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            list.iter()
                .enumerate()
                .for_each(|(i, bo)| match bo.as_object() {
                    Some(bo) => owner_model::check(bo, true, &format!("beneficial_owners.{i}"), p),
                    None => p.add(&format!("beneficial_owners.{i}"), "Not a valid object."),
                })
        }
        Some(_) => p.add("beneficial_owners", "Not a valid list."),
    }
}

/// The response form: fields, addresses, owners (addresses under `addresses`) and KYB status.
pub fn render(store: &Store, b: &Business) -> Value {
    let mut out = b.record.clone();
    out.insert("addresses".into(), Value::Array(b.addresses.clone()));
    let owners: Vec<Value> = b
        .owners
        .iter()
        .filter_map(|id| store.owners.get(id))
        .map(|o| owner_model::render(o, "addresses"))
        .collect();
    out.insert("beneficial_owners".into(), Value::Array(owners));
    out.insert(
        "kyb_status".into(),
        b.kyb.as_ref().map_or(Value::Null, |k| json!(k.status)),
    );
    Value::Object(out)
}

pub async fn create(State(sb): State<Arc<Sandbox>>, body: Bytes) -> ApiResult {
    const CODE: &str = "create_business_schema";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    check(o, true, &mut p);
    p.finish(CODE)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_timestamp();
    let mut record = Map::new();
    record.insert("business_id".into(), json!(id));
    for key in FIELDS {
        record.insert(key.into(), o.get(key).cloned().unwrap_or(Value::Null));
    }
    record.insert("date_created".into(), json!(now));
    record.insert("date_updated".into(), json!(now));
    let addresses = o["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| address::stored(a, &now))
        .collect();
    let mut business = Business {
        record,
        addresses,
        owners: Vec::new(),
        kyb: None,
    };
    let mut store = sb.lock();
    for bo in o
        .get("beneficial_owners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let (owner_id, owner) = owner_model::create(&id, bo);
        business.owners.push(owner_id.clone());
        store.owners.insert(owner_id, owner);
    }
    let out = render(&store, &business);
    store.businesses.insert(id.clone(), business);
    store.business_order.push(id);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `under+review`, `Under Review` and `under_review` are one status.
fn normalise(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['+', '_'], " ")
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let wanted = q.get("kyb_status").map(|s| normalise(s));
    let store = sb.lock();
    let all: Vec<Value> = store
        .business_order
        .iter()
        .filter_map(|id| store.businesses.get(id))
        .filter(|b| {
            wanted
                .as_ref()
                .is_none_or(|w| b.kyb.as_ref().is_some_and(|k| normalise(k.status) == *w))
        })
        .map(|b| render(&store, b))
        .collect();
    Ok(Json(Value::Array(page_of(all, &q)?)).into_response())
}

/// B2 pages like C2 ([I]): `page` (1-based) and `per_page` (1..=100, default 20); a request with
/// neither gets every business.
fn page_of(all: Vec<Value>, q: &HashMap<String, String>) -> Result<Vec<Value>, ApiError> {
    if !q.contains_key("page") && !q.contains_key("per_page") {
        return Ok(all);
    }
    let number = |k: &str, d: usize| q.get(k).map_or(Some(d), |v| v.parse().ok());
    let (Some(page @ 1..), Some(size @ 1..=100)) = (number("page", 1), number("per_page", 20))
    else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "page must be ≥ 1 and per_page 1..100",
        ));
    };
    Ok(all.into_iter().skip((page - 1) * size).take(size).collect())
}

pub async fn get(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let store = sb.lock();
    let b = store.businesses.get(&id).ok_or_else(not_found)?;
    Ok(Json(render(&store, b)).into_response())
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const CODE: &str = "edit_business_schema";
    let body = parse(&body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    check(o, false, &mut p);
    p.finish(CODE)?;
    let mut store = sb.lock();
    let b = store.businesses.get_mut(&id).ok_or_else(not_found)?;
    for key in FIELDS.iter().filter(|k| o.contains_key(**k)) {
        b.record.insert((*key).into(), o[*key].clone());
    }
    b.record
        .insert("date_updated".into(), json!(now_timestamp()));
    let store = &*store;
    let out = render(store, &store.businesses[&id]);
    Ok(Json(out).into_response())
}

pub async fn delete(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let mut store = sb.lock();
    let b = store.businesses.remove(&id).ok_or_else(not_found)?;
    store.business_order.retain(|x| *x != id);
    for owner in b.owners {
        store.owners.remove(&owner);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
