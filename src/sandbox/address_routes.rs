//! Business addresses BA1–BA5 and beneficial-owner addresses BOA1–BOA5 (docs/reference/atelio-api.md §2.6–§2.7):
//! create, list (paged envelope), get, update (a full address) and delete (returns the address
//! with `date_deleted`; the last or the primary address cannot go: `business_address_del_err`).
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

use super::address::{self, Profile};
use super::customers::parse;
use super::error::{ApiError, ApiResult};
use super::paging;
use super::state::now_timestamp;
use super::validate::Problems;
use super::{Sandbox, businesses};

/// Whose addresses.
enum Target {
    Business(String),
    Owner(String, String),
}

fn address_dne() -> ApiError {
    ApiError::not_found("address_dne", "Address does not exist")
}

impl Sandbox {
    fn with_addresses<R>(
        &self,
        t: &Target,
        f: impl FnOnce(&mut Vec<Value>) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut store = self.lock();
        match t {
            Target::Business(b) => f(&mut store
                .businesses
                .get_mut(b)
                .ok_or_else(businesses::not_found)?
                .addresses),
            Target::Owner(b, o) => {
                let owner = store
                    .owners
                    .get_mut(o)
                    .filter(|x| x.business_id == *b)
                    .ok_or_else(super::owners::not_found)?;
                f(&mut owner.addresses)
            }
        }
    }
}

fn validated(body: &Bytes) -> Result<Value, ApiError> {
    const CODE: &str = "input_error";
    let a = parse(body, CODE)?;
    let mut p = Problems::default();
    address::check(&a, Profile::Business, "address", &mut p);
    p.finish(CODE)?;
    Ok(a)
}

async fn create(sb: Arc<Sandbox>, t: Target, body: Bytes) -> ApiResult {
    let stored = address::stored(&validated(&body)?, &now_timestamp());
    let out = stored.clone();
    sb.with_addresses(&t, move |list| {
        list.push(stored);
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn list(sb: Arc<Sandbox>, t: Target, q: HashMap<String, String>) -> ApiResult {
    let all = sb.with_addresses(&t, |list| Ok(list.clone()))?;
    Ok(Json(paging::envelope(all, &q, "page_size", 20)?).into_response())
}

fn position(list: &[Value], id: &str) -> Result<usize, ApiError> {
    list.iter()
        .position(|a| a["address_id"] == json!(id))
        .ok_or_else(address_dne)
}

async fn get(sb: Arc<Sandbox>, t: Target, id: String) -> ApiResult {
    let a = sb.with_addresses(&t, |list| Ok(list[position(list, &id)?].clone()))?;
    Ok(Json(a).into_response())
}

async fn update(sb: Arc<Sandbox>, t: Target, id: String, body: Bytes) -> ApiResult {
    let new = validated(&body)?;
    let a = sb.with_addresses(&t, |list| {
        let at = position(list, &id)?;
        let mut stored = address::stored(&new, &now_timestamp());
        stored["address_id"] = json!(id);
        stored["date_created"] = list[at]["date_created"].clone();
        list[at] = stored.clone();
        Ok(stored)
    })?;
    Ok(Json(a).into_response())
}

async fn delete(sb: Arc<Sandbox>, t: Target, id: String) -> ApiResult {
    let a = sb.with_addresses(&t, |list| {
        let at = position(list, &id)?;
        if list.len() == 1 || list[at]["is_primary"] == json!(true) {
            return Err(ApiError::bad_request(
                "business_address_del_err",
                "A business must have atleast one active address",
            ));
        }
        let mut gone = list.remove(at);
        gone["date_deleted"] = json!(now_timestamp());
        Ok(gone)
    })?;
    Ok(Json(a).into_response())
}

type Sb = State<Arc<Sandbox>>;
type Q = Query<HashMap<String, String>>;

pub async fn business_create(State(sb): Sb, Path(b): Path<String>, body: Bytes) -> ApiResult {
    create(sb, Target::Business(b), body).await
}
pub async fn business_list(State(sb): Sb, Path(b): Path<String>, Query(q): Q) -> ApiResult {
    list(sb, Target::Business(b), q).await
}
pub async fn business_get(State(sb): Sb, Path((b, a)): Path<(String, String)>) -> ApiResult {
    get(sb, Target::Business(b), a).await
}
pub async fn business_update(
    State(sb): Sb,
    Path((b, a)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    update(sb, Target::Business(b), a, body).await
}
pub async fn business_delete(State(sb): Sb, Path((b, a)): Path<(String, String)>) -> ApiResult {
    delete(sb, Target::Business(b), a).await
}
pub async fn owner_create(
    State(sb): Sb,
    Path((b, o)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    create(sb, Target::Owner(b, o), body).await
}
pub async fn owner_list(
    State(sb): Sb,
    Path((b, o)): Path<(String, String)>,
    Query(q): Q,
) -> ApiResult {
    list(sb, Target::Owner(b, o), q).await
}
pub async fn owner_get(
    State(sb): Sb,
    Path((b, o, a)): Path<(String, String, String)>,
) -> ApiResult {
    get(sb, Target::Owner(b, o), a).await
}
pub async fn owner_update(
    State(sb): Sb,
    Path((b, o, a)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    update(sb, Target::Owner(b, o), a, body).await
}
pub async fn owner_delete(
    State(sb): Sb,
    Path((b, o, a)): Path<(String, String, String)>,
) -> ApiResult {
    delete(sb, Target::Owner(b, o), a).await
}
