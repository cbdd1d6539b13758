//! Business, business-address and KYB calls (docs/reference/atelio-api.md §2.5, §2.6, §2.8: B1–B5, BA1–BA5,
//! KB1–KB3). Address calls are shared with beneficial owners through `address_*`.
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{address_json, paged, patch, put, seg};
use crate::domain::{
    ResourceId,
    commands::{AddressPatch, BusinessPatch, NewBusiness, PageRequest},
};
use crate::upstream::UpstreamRequest;

fn base(id: &ResourceId) -> String {
    format!("/businesses/{}", seg(id.as_str()))
}

/// B1 `POST /businesses`, with nested addresses and beneficial owners.
pub fn create(b: &NewBusiness, key: String) -> UpstreamRequest {
    let mut m = Map::new();
    m.insert("ein".into(), json!(b.ein.as_str()));
    m.insert(
        "legal_business_name".into(),
        json!(b.legal_business_name.as_str()),
    );
    m.insert("industry_type".into(), json!(b.industry_type));
    put(
        &mut m,
        "dba_business_name",
        b.dba_business_name.as_ref().map(|v| v.as_str()),
    );
    put(&mut m, "business_type", b.business_type);
    put(
        &mut m,
        "date_established",
        b.date_established.as_ref().map(|v| v.to_string()),
    );
    put(&mut m, "phone", b.phone.as_ref().map(|v| v.as_str()));
    put(&mut m, "email", b.email.as_ref().map(|v| v.as_str()));
    put(&mut m, "website", b.website.as_ref().map(|v| v.as_str()));
    put(
        &mut m,
        "number_of_employees",
        b.number_of_employees.as_ref().map(|v| v.as_str()),
    );
    put(
        &mut m,
        "brand_business_id",
        b.brand_business_id.as_ref().map(|v| v.as_str()),
    );
    m.insert(
        "addresses".into(),
        b.addresses.iter().map(address_json).collect(),
    );
    if !b.beneficial_owners.is_empty() {
        let owners = b
            .beneficial_owners
            .iter()
            .map(super::owner::owner_json)
            .collect();
        m.insert("beneficial_owners".into(), owners);
    }
    UpstreamRequest::new("businesses.create", Method::POST, "/businesses".into())
        .json(Value::Object(m))
        .idempotency_key(key)
}

/// B3 `GET /businesses/{id}`.
pub fn get(id: &ResourceId) -> UpstreamRequest {
    UpstreamRequest::new("businesses.get", Method::GET, base(id))
}

/// B2 `GET /businesses?kyb_status=&page=&per_page=` (paging parameters [I], as for customers).
pub fn list(p: PageRequest, kyb_status: Option<&str>) -> UpstreamRequest {
    let mut r = UpstreamRequest::new("businesses.list", Method::GET, "/businesses".into());
    if let Some(s) = kyb_status {
        r = r.query("kyb_status", s);
    }
    paged(r, p, "per_page")
}

/// B4 `PATCH /businesses/{id}`.
pub fn update(id: &ResourceId, b: &BusinessPatch) -> UpstreamRequest {
    let mut m = Map::new();
    patch(&mut m, "ein", &b.ein, |v| json!(v.as_str()));
    patch(&mut m, "legal_business_name", &b.legal_business_name, |v| {
        json!(v.as_str())
    });
    patch(&mut m, "dba_business_name", &b.dba_business_name, |v| {
        json!(v.as_str())
    });
    patch(&mut m, "business_type", &b.business_type, |v| json!(v));
    patch(&mut m, "date_established", &b.date_established, |v| {
        json!(v.to_string())
    });
    patch(&mut m, "phone", &b.phone, |v| json!(v.as_str()));
    patch(&mut m, "email", &b.email, |v| json!(v.as_str()));
    patch(&mut m, "website", &b.website, |v| json!(v.as_str()));
    patch(&mut m, "industry_type", &b.industry_type, |v| json!(v));
    patch(&mut m, "number_of_employees", &b.number_of_employees, |v| {
        json!(v.as_str())
    });
    UpstreamRequest::new("businesses.update", Method::PATCH, base(id)).json(Value::Object(m))
}

/// B5 `DELETE /businesses/{id}`.
pub fn delete(id: &ResourceId) -> UpstreamRequest {
    UpstreamRequest::new("businesses.delete", Method::DELETE, base(id))
}

/// BA1/BOA1 `POST {owner}/addresses`.
pub fn address_create(
    route: &'static str,
    owner_path: &str,
    a: &crate::domain::Address,
    key: String,
) -> UpstreamRequest {
    UpstreamRequest::new(route, Method::POST, format!("{owner_path}/addresses"))
        .json(address_json(a))
        .idempotency_key(key)
}

/// BA3/BOA3 `GET`, BA5/BOA5 `DELETE` `{owner}/addresses/{address_id}`.
pub fn address_at(
    route: &'static str,
    method: Method,
    owner_path: &str,
    address: &ResourceId,
) -> UpstreamRequest {
    UpstreamRequest::new(
        route,
        method,
        format!("{owner_path}/addresses/{}", seg(address.as_str())),
    )
}

/// BA2/BOA2 `GET {owner}/addresses?page=&page_size=`.
pub fn address_list(route: &'static str, owner_path: &str, p: PageRequest) -> UpstreamRequest {
    paged(
        UpstreamRequest::new(route, Method::GET, format!("{owner_path}/addresses")),
        p,
        "page_size",
    )
}

/// BA4/BOA4 `PATCH {owner}/addresses/{address_id}` with a whole address (Atelio requires every
/// field): the `current` address as Atelio holds it, with the masked fields taken from the patch.
pub fn address_update(
    route: &'static str,
    owner_path: &str,
    address: &ResourceId,
    p: &AddressPatch,
    current: &Value,
) -> UpstreamRequest {
    let wanted = address_json(&p.address);
    let mut m = Map::new();
    for (field, value) in wanted.as_object().into_iter().flatten() {
        let masked = p.fields.contains(&field.as_str());
        let held = current.get(field).filter(|v| !v.is_null());
        let v = match held {
            Some(h) if !masked => h.clone(),
            _ => value.clone(),
        };
        m.insert(field.clone(), v);
    }
    address_at(route, Method::PATCH, owner_path, address).json(Value::Object(m))
}

pub fn owner_path(id: &ResourceId) -> String {
    base(id)
}

/// KB1 `POST /businesses/{id}/verification-kyb` with `program_id` in the body (docs/reference/atelio-api.md §2.8
/// choice: the documented `Program ID:` header is not a valid header name).
pub fn start_kyb(id: &ResourceId, program: &ResourceId, key: String) -> UpstreamRequest {
    UpstreamRequest::new(
        "businesses.kyb.start",
        Method::POST,
        format!("{}/verification-kyb", base(id)),
    )
    .json(json!({ "business_id": id.as_str(), "program_id": program.as_str() }))
    .idempotency_key(key)
}

/// KB2 `GET /businesses/{id}/verification-kyb[?program_id=]`.
pub fn kyb_status(id: &ResourceId, program: Option<&ResourceId>) -> UpstreamRequest {
    let r = UpstreamRequest::new(
        "businesses.kyb.status",
        Method::GET,
        format!("{}/verification-kyb", base(id)),
    );
    match program {
        Some(p) => r.query("program_id", p.as_str()),
        None => r,
    }
}

/// KB3 `GET /businesses/{id}/kyb-history?page=&count=`.
pub fn kyb_history(id: &ResourceId, p: PageRequest) -> UpstreamRequest {
    paged(
        UpstreamRequest::new(
            "businesses.kyb.history",
            Method::GET,
            format!("{}/kyb-history", base(id)),
        ),
        p,
        "count",
    )
}
