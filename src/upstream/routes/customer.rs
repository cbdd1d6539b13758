//! Customer, customer-KYC and KYC-document calls (docs/reference/atelio-api.md §2.3, §2.4: C1–C5, K1–K3).
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{address_json, patch, put, seg};
use crate::domain::{
    ResourceId,
    commands::{
        AccountHolder, CustomerPatch, DocumentFile, KycContact, KycDocuments, NewCustomer,
        PageRequest, StartKyc,
    },
};
use crate::upstream::UpstreamRequest;

/// C1 `POST /customers/`.
pub fn create(c: &NewCustomer, key: String) -> UpstreamRequest {
    let mut m = Map::new();
    m.insert("dob".into(), json!(c.dob.as_str()));
    m.insert("first_name".into(), json!(c.first_name.as_str()));
    put(
        &mut m,
        "middle_name",
        c.middle_name.as_ref().map(|v| v.as_str()),
    );
    m.insert("last_name".into(), json!(c.last_name.as_str()));
    put(&mut m, "ssn", c.ssn.as_ref().map(|v| v.as_str()));
    put(&mut m, "phone", c.phone.as_ref().map(|v| v.as_str()));
    put(
        &mut m,
        "phone_country_code",
        c.phone_country_code.as_ref().map(|v| v.as_str()),
    );
    put(&mut m, "email", c.email.as_ref().map(|v| v.as_str()));
    m.insert(
        "addresses".into(),
        c.addresses.iter().map(address_json).collect(),
    );
    put(
        &mut m,
        "brand_person_id",
        c.brand_person_id.as_ref().map(|v| v.as_str()),
    );
    match &c.account_holder {
        Some(AccountHolder::Primary) => {
            m.insert("account_holder_type".into(), json!("primary"));
        }
        Some(AccountHolder::Secondary(primary)) => {
            m.insert("account_holder_type".into(), json!("secondary"));
            m.insert("primary_id".into(), json!(primary.as_str()));
        }
        None => {}
    }
    UpstreamRequest::new("customers.create", Method::POST, "/customers/".into())
        .json(Value::Object(m))
        .idempotency_key(key)
}

/// C3 `GET /customers/{id}`.
pub fn get(id: &ResourceId) -> UpstreamRequest {
    UpstreamRequest::new(
        "customers.get",
        Method::GET,
        format!("/customers/{}", seg(id.as_str())),
    )
}

/// C2 `GET /customers?page=&per_page=`.
pub fn list(p: PageRequest) -> UpstreamRequest {
    UpstreamRequest::new("customers.list", Method::GET, "/customers".into())
        .query("page", p.page.to_string())
        .query("per_page", p.size.to_string())
}

/// C4 `PATCH /customers/{id}` with only the changed fields.
pub fn update(id: &ResourceId, c: &CustomerPatch) -> UpstreamRequest {
    let mut m = Map::new();
    patch(&mut m, "dob", &c.dob, |v| json!(v.as_str()));
    patch(&mut m, "first_name", &c.first_name, |v| json!(v.as_str()));
    patch(&mut m, "middle_name", &c.middle_name, |v| json!(v.as_str()));
    patch(&mut m, "last_name", &c.last_name, |v| json!(v.as_str()));
    patch(&mut m, "ssn", &c.ssn, |v| json!(v.as_str()));
    patch(&mut m, "phone", &c.phone, |v| json!(v.as_str()));
    patch(&mut m, "phone_country_code", &c.phone_country_code, |v| {
        json!(v.as_str())
    });
    patch(&mut m, "email", &c.email, |v| json!(v.as_str()));
    patch(&mut m, "addresses", &c.addresses, |v| {
        v.iter().map(address_json).collect()
    });
    UpstreamRequest::new(
        "customers.update",
        Method::PATCH,
        format!("/customers/{}", seg(id.as_str())),
    )
    .json(Value::Object(m))
}

/// C5 `DELETE /customers/{id}`.
pub fn delete(id: &ResourceId) -> UpstreamRequest {
    UpstreamRequest::new(
        "customers.delete",
        Method::DELETE,
        format!("/customers/{}", seg(id.as_str())),
    )
}

/// The KYC start body shared by customers (K1) and beneficial owners (BOK1).
pub(crate) fn kyc_body(k: &StartKyc) -> Value {
    let mut m = Map::new();
    m.insert("program_id".into(), json!(k.program_id.as_str()));
    contact_fields(&mut m, &k.contact);
    if let Some(retry) = k.retry_request {
        m.insert("kyc_retry_request".into(), json!(retry));
    }
    Value::Object(m)
}

fn contact_fields(m: &mut Map<String, Value>, c: &KycContact) {
    put(m, "ssn", c.ssn.as_ref().map(|v| v.as_str()));
    put(m, "phone", c.phone.as_ref().map(|v| v.as_str()));
    put(
        m,
        "phone_country_code",
        c.phone_country_code.as_ref().map(|v| v.as_str()),
    );
    put(m, "email", c.email.as_ref().map(|v| v.as_str()));
    put(m, "ip", c.ip.as_ref().map(|v| v.as_str()));
}

/// K1 `POST /customers/{id}/verification-kyc`.
pub fn start_kyc(id: &ResourceId, k: &StartKyc, key: String) -> UpstreamRequest {
    let path = format!("/customers/{}/verification-kyc", seg(id.as_str()));
    UpstreamRequest::new("customers.kyc.start", Method::POST, path)
        .json(kyc_body(k))
        .idempotency_key(key)
}

/// K2 `GET /customers/{id}/verification-kyc?program_id=`.
pub fn kyc_status(id: &ResourceId, program: &ResourceId) -> UpstreamRequest {
    let path = format!("/customers/{}/verification-kyc", seg(id.as_str()));
    UpstreamRequest::new("customers.kyc.status", Method::GET, path)
        .query("program_id", program.as_str())
}

fn file_json(f: &DocumentFile) -> Value {
    json!({ "file_name": f.file_name, "image": B64.encode(&f.bytes) })
}

/// K3 `POST /customers/{id}/verification-kyc/documents` (path from the Bond v0 reference).
pub fn submit_documents(id: &ResourceId, d: &KycDocuments, key: String) -> UpstreamRequest {
    let mut m = Map::new();
    if let Some(g) = &d.government_id {
        let mut gm = Map::new();
        gm.insert("type".into(), json!(g.kind));
        gm.insert("country".into(), json!(g.country));
        gm.insert("front_image".into(), file_json(&g.front));
        if let Some(back) = &g.back {
            gm.insert("back_image".into(), file_json(back));
        }
        m.insert("government_id".into(), Value::Object(gm));
    }
    if let Some(p) = &d.proof_of_address {
        let f = &p.file;
        m.insert(
            "proof_of_address".into(),
            json!({ "type": p.kind, "file_name": f.file_name, "image": B64.encode(&f.bytes) }),
        );
    }
    if let Some(s) = &d.social_security_card {
        m.insert("social_security_card".into(), file_json(s));
    }
    let path = format!("/customers/{}/verification-kyc/documents", seg(id.as_str()));
    UpstreamRequest::new("customers.kyc.documents", Method::POST, path)
        .json(Value::Object(m))
        .idempotency_key(key)
}
