//! Beneficial-owner, owner-address and owner-KYC calls (docs/reference/atelio-api.md §2.7: BO1–BO5, BOA1–BOA5,
//! BOK1–BOK2).
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{address_json, paged, patch, put, seg};
use crate::domain::{
    ResourceId,
    commands::{NewOwner, OwnerPatch, PageRequest, StartKyc},
};
use crate::upstream::UpstreamRequest;

/// `/businesses/{business_id}/beneficial_owners`.
fn collection(business: &ResourceId) -> String {
    format!("/businesses/{}/beneficial_owners", seg(business.as_str()))
}

/// `/businesses/{business_id}/beneficial_owners/{owner_id}`: also the owner of its addresses.
pub fn owner_path(business: &ResourceId, owner: &ResourceId) -> String {
    format!("{}/{}", collection(business), seg(owner.as_str()))
}

/// A beneficial owner in Atelio's request form (also nested in business creation).
pub(crate) fn owner_json(o: &NewOwner) -> Value {
    let mut m = Map::new();
    m.insert("dob".into(), json!(o.dob.as_str()));
    m.insert("first_name".into(), json!(o.first_name.as_str()));
    put(
        &mut m,
        "middle_name",
        o.middle_name.as_ref().map(|v| v.as_str()),
    );
    m.insert("last_name".into(), json!(o.last_name.as_str()));
    m.insert(
        "addresses".into(),
        o.addresses.iter().map(address_json).collect(),
    );
    Value::Object(m)
}

/// BO1 `POST .../beneficial_owners`.
pub fn create(business: &ResourceId, o: &NewOwner, key: String) -> UpstreamRequest {
    UpstreamRequest::new("owners.create", Method::POST, collection(business))
        .json(owner_json(o))
        .idempotency_key(key)
}

/// BO3 `GET`, BO5 `DELETE` `.../beneficial_owners/{id}`.
pub fn at(
    route: &'static str,
    method: Method,
    business: &ResourceId,
    owner: &ResourceId,
) -> UpstreamRequest {
    UpstreamRequest::new(route, method, owner_path(business, owner))
}

/// BO2 `GET .../beneficial_owners?page=&page_size=`.
pub fn list(business: &ResourceId, p: PageRequest) -> UpstreamRequest {
    paged(
        UpstreamRequest::new("owners.list", Method::GET, collection(business)),
        p,
        "page_size",
    )
}

/// BO4 `PATCH .../beneficial_owners/{id}`.
pub fn update(business: &ResourceId, owner: &ResourceId, o: &OwnerPatch) -> UpstreamRequest {
    let mut m = Map::new();
    patch(&mut m, "dob", &o.dob, |v| json!(v.as_str()));
    patch(&mut m, "first_name", &o.first_name, |v| json!(v.as_str()));
    patch(&mut m, "middle_name", &o.middle_name, |v| json!(v.as_str()));
    patch(&mut m, "last_name", &o.last_name, |v| json!(v.as_str()));
    at("owners.update", Method::PATCH, business, owner).json(Value::Object(m))
}

/// BOK1 `POST .../beneficial_owners/{id}/verification-kyc`.
pub fn start_kyc(
    business: &ResourceId,
    owner: &ResourceId,
    k: &StartKyc,
    key: String,
) -> UpstreamRequest {
    let path = format!("{}/verification-kyc", owner_path(business, owner));
    UpstreamRequest::new("owners.kyc.start", Method::POST, path)
        .json(super::customer::kyc_body(k))
        .idempotency_key(key)
}

/// BOK2 `GET .../beneficial_owners/{id}/verification-kyc?program_id=` (the BO path [I]; the
/// documentation's example wrongly shows the customer path).
pub fn kyc_status(
    business: &ResourceId,
    owner: &ResourceId,
    program: &ResourceId,
) -> UpstreamRequest {
    let path = format!("{}/verification-kyc", owner_path(business, owner));
    UpstreamRequest::new("owners.kyc.status", Method::GET, path)
        .query("program_id", program.as_str())
}
