//! The translation table: each validated command becomes the REST call Atelio documents
//! (method, path, query, JSON body, Idempotency-Key). One file per resource family; the JSON
//! bodies use Atelio's field names exactly (docs/reference/atelio-api.md §2).
pub mod business;
pub mod customer;
pub mod owner;
pub mod webhooks;

use serde_json::{Map, Value, json};

use crate::domain::{
    Address,
    commands::{Change, PageRequest},
};

/// Percent-encodes one path segment (ids are validated UUIDs, so this is belt and braces).
pub(crate) fn seg(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// An address in Atelio's request form.
pub(crate) fn address_json(a: &Address) -> Value {
    let mut m = Map::new();
    m.insert("address_type".into(), json!(a.address_type.as_str()));
    m.insert("street".into(), json!(a.street));
    if let Some(s2) = &a.street2 {
        m.insert("street2".into(), json!(s2));
    }
    m.insert("city".into(), json!(a.city));
    m.insert("state".into(), json!(a.state));
    m.insert("zip_code".into(), json!(a.zip_code));
    m.insert("country".into(), json!(a.country));
    m.insert("is_primary".into(), json!(a.is_primary));
    Value::Object(m)
}

/// Inserts `key` when the value is present.
pub(crate) fn put<T: AsRef<str>>(m: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v.as_ref()));
    }
}

/// Inserts a patched field: `Set` → value, `Clear` → null, `Keep` → nothing.
pub(crate) fn patch<T>(
    m: &mut Map<String, Value>,
    key: &str,
    c: &Change<T>,
    f: impl Fn(&T) -> Value,
) {
    match c {
        Change::Keep => {}
        Change::Clear => {
            m.insert(key.into(), Value::Null);
        }
        Change::Set(v) => {
            m.insert(key.into(), f(v));
        }
    }
}

/// `page`/`page_size` query parameters ([I]: undocumented for `page_info` lists).
pub(crate) fn paged(
    req: crate::upstream::UpstreamRequest,
    p: PageRequest,
    size_key: &'static str,
) -> crate::upstream::UpstreamRequest {
    req.query("page", p.page.to_string())
        .query(size_key, p.size.to_string())
}
