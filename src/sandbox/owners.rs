//! Beneficial owners, BO1–BO5 and their KYC BOK1–BOK2 (docs/reference/atelio-api.md §2.7): create (a stringified
//! dict `Message` on schema errors, as documented), list (paged), get, update, delete (with
//! `date_deleted`); KYC start answers `initialized`, a US owner must give ssn, phone and email,
//! and a foreign owner goes to manual review ("Foreign Beneficial Owner").
use std::collections::HashMap;
use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use serde_json::{Value, json};

use super::customers::parse;
use super::error::{ApiError, ApiResult};
use super::state::{Subject, now_timestamp};
use super::validate::{self as v, Problems};
use super::{Sandbox, businesses, owner_model, paging};

pub fn not_found() -> ApiError {
    ApiError::not_found("beneficial_owner_dne", "Beneficial owner does not exist")
}

/// BO schema errors carry the field map as a Python-style string (docs/reference/atelio-api.md §2.7, §6 item 36).
fn stringified(e: ApiError) -> ApiError {
    let text = e.message.to_string().replace('"', "'");
    ApiError {
        message: json!(text),
        ..e
    }
}

fn checked(body: &Bytes, creating: bool) -> Result<serde_json::Map<String, Value>, ApiError> {
    const CODE: &str = "create_beneficial_owner_schema";
    let body = parse(body, CODE)?;
    let o = v::object(&body, CODE)?.clone();
    let mut p = Problems::default();
    owner_model::check(&o, creating, "", &mut p);
    p.finish(CODE).map_err(stringified)?;
    Ok(o)
}

pub async fn create(
    State(sb): State<Arc<Sandbox>>,
    Path(b): Path<String>,
    body: Bytes,
) -> ApiResult {
    let o = checked(&body, true)?;
    let mut store = sb.lock();
    let business = store
        .businesses
        .get_mut(&b)
        .ok_or_else(businesses::not_found)?;
    let (id, owner) = owner_model::create(&b, &o);
    business.owners.push(id.clone());
    let out = owner_model::render(&owner, "address");
    store.owners.insert(id, owner);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Path(b): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = sb.lock();
    let business = store.businesses.get(&b).ok_or_else(businesses::not_found)?;
    let all = business
        .owners
        .iter()
        .filter_map(|id| store.owners.get(id))
        .map(|o| owner_model::render(o, "address"))
        .collect();
    Ok(Json(paging::envelope(all, &q, "page_size", 20)?).into_response())
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path((b, id)): Path<(String, String)>,
) -> ApiResult {
    let store = sb.lock();
    let o = store
        .owners
        .get(&id)
        .filter(|o| o.business_id == b)
        .ok_or_else(not_found)?;
    Ok(Json(owner_model::render(o, "address")).into_response())
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path((b, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let o = checked(&body, false)?;
    let mut store = sb.lock();
    let owner = store
        .owners
        .get_mut(&id)
        .filter(|o| o.business_id == b)
        .ok_or_else(not_found)?;
    owner_model::apply(owner, &o, &now_timestamp());
    Ok(Json(owner_model::render(owner, "address")).into_response())
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path((b, id)): Path<(String, String)>,
) -> ApiResult {
    let mut store = sb.lock();
    store
        .owners
        .get(&id)
        .filter(|o| o.business_id == b)
        .ok_or_else(not_found)?;
    let owner = store.owners.remove(&id).ok_or_else(not_found)?;
    if let Some(business) = store.businesses.get_mut(&b) {
        business.owners.retain(|o| *o != id);
    }
    let now = now_timestamp();
    let mut out = owner_model::render(&owner, "address");
    out["date_deleted"] = json!(now);
    for a in out["address"].as_array_mut().into_iter().flatten() {
        a["date_deleted"] = json!(now);
    }
    Ok(Json(out).into_response())
}

/// BOK1's body: the program, and the SSN (digits) when given; US owners must give contacts.
fn kyc_body(body: &Bytes, foreign: bool) -> Result<(String, Option<String>), ApiError> {
    const CODE: &str = "create_kyc_schema";
    let body = parse(body, CODE)?;
    let o = v::object(&body, CODE)?;
    let mut p = Problems::default();
    let program = v::text(o, "program_id", true, &mut p)
        .unwrap_or_default()
        .to_string();
    if !program.is_empty() && !v::uuid(&program) {
        p.add("program_id", "Not a valid UUID.");
    }
    let ssn = v::text(o, "ssn", !foreign, &mut p).and_then(|s| {
        let d = v::ssn(s);
        if d.is_none() {
            p.add("ssn", "Must be ###-##-#### or nine digits.");
        }
        d
    });
    for field in ["phone", "email"] {
        v::text(o, field, !foreign, &mut p);
    }
    v::contact(o, &mut p);
    p.finish(CODE)?;
    Ok((program, ssn))
}

pub async fn start_kyc(
    State(sb): State<Arc<Sandbox>>,
    Path((b, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let foreign = {
        let store = sb.lock();
        owner_model::foreign(
            store
                .owners
                .get(&id)
                .filter(|o| o.business_id == b)
                .ok_or_else(not_found)?,
        )
    };
    let (program, ssn) = kyc_body(&body, foreign)?;
    if let Some(digits) = &ssn
        && let Some(owner) = sb.lock().owners.get_mut(&id)
    {
        owner_model::set_ssn(owner, digits);
    }
    sb.start_attempt(Subject::Owner(id.clone()), program, ssn, foreign)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "beneficial_owner_id": id, "kyc_status": "initialized" })),
    )
        .into_response())
}

pub async fn kyc_status(
    State(sb): State<Arc<Sandbox>>,
    Path((b, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let Some(program) = q.get("program_id").filter(|p| v::uuid(p)) else {
        return Err(ApiError::bad_request(
            "get_kyc_schema",
            "program_id (a UUID) is required",
        ));
    };
    let store = sb.lock();
    store
        .owners
        .get(&id)
        .filter(|o| o.business_id == b)
        .ok_or_else(not_found)?;
    let a = store
        .kyc
        .get(&(Subject::Owner(id.clone()), program.clone()))
        .ok_or_else(|| {
            ApiError::not_found(
                "kyc_dne",
                "No KYC exists for this beneficial owner and program",
            )
        })?;
    let mut out = json!({ "beneficial_owner_id": id, "brand_id": super::customers::BRAND_ID, "kyc_status": a.status });
    super::kyc::describe(a, &mut out);
    Ok(Json(out).into_response())
}
