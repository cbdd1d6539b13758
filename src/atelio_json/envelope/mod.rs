//! List envelopes (docs/reference/atelio-api.md §5.5, §6 item 25): bare arrays (customers), `{page_info, data}`
//! in either key order (owners, addresses, KYB history), a single object where a list was
//! expected (the business-list example), `{data}` alone and one-array wrappers such as
//! `{"webhook_subscriptions": [...]}`. Used by the list decoders and `grpc/paging.rs`.
use serde_json::{Map, Value};

use super::Obj;

/// Atelio's `page_info`: current page (1-based), items per page, total pages. A member missing
/// from the body is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// Current page, 1-based.
    pub page: i64,
    /// Items per page (`page_size`; `per_page`/`count` accepted as aliases).
    pub page_size: i64,
    /// Total number of pages.
    pub pages: i64,
}

/// Keys that may sit next to the list in a wrapper object without making it an item.
const META_KEYS: [&str; 10] = [
    "page_info",
    "page",
    "pages",
    "page_size",
    "per_page",
    "count",
    "next_page",
    "total",
    "total_count",
    "has_more",
];

/// A list response in any of the documented envelopes: a bare array;
/// `{page_info:{page,page_size,pages}, data:[...]}` in either key order; a single object where a
/// list was expected (one item); `{data:[...]}` without page_info; an object whose only
/// array-valued key is the list and whose other keys are paging metadata (e.g.
/// `{"businesses":[...]}`). Returns the items and the page info if present. `{}`, null and
/// scalars give no items.
pub fn list_items(v: &Value) -> (Vec<&Value>, Option<PageInfo>) {
    match v {
        Value::Array(items) => (items.iter().collect(), None),
        Value::Object(map) if !map.is_empty() => object_items(v, Obj(map)),
        _ => (Vec::new(), None),
    }
}

fn object_items<'a>(whole: &'a Value, o: Obj<'a>) -> (Vec<&'a Value>, Option<PageInfo>) {
    let info = page_info(o);
    match o.raw("data") {
        Some(Value::Array(items)) => return (items.iter().collect(), info.or(top_level_info(o))),
        Some(data) if info.is_some() || data.is_null() => return (single_or_none(data), info),
        _ => {}
    }
    if let Some(items) = sole_list(o.0) {
        return (items.iter().collect(), info.or(top_level_info(o)));
    }
    (vec![whole], None)
}

/// `data` that is not an array (null, or an object inside a `page_info` envelope).
fn single_or_none(data: &Value) -> Vec<&Value> {
    if data.is_object() {
        vec![data]
    } else {
        Vec::new()
    }
}

/// The one array-valued entry of an object whose other keys are all paging metadata.
fn sole_list(map: &Map<String, Value>) -> Option<&Vec<Value>> {
    let mut list = None;
    for (key, value) in map {
        match value {
            Value::Array(items) if list.is_none() => list = Some(items),
            Value::Array(_) => return None,
            _ if META_KEYS.iter().any(|m| m.eq_ignore_ascii_case(key)) => {}
            _ => return None,
        }
    }
    list
}

fn page_info(o: Obj<'_>) -> Option<PageInfo> {
    o.obj("page_info").map(read_info)
}

/// The statements-style envelope keeps `page`/`pages` next to `data`.
fn top_level_info(o: Obj<'_>) -> Option<PageInfo> {
    (o.i64("page").is_some() && o.i64("pages").is_some()).then(|| read_info(o))
}

fn read_info(o: Obj<'_>) -> PageInfo {
    PageInfo {
        page: o.i64("page").unwrap_or(0),
        page_size: ["page_size", "per_page", "count"]
            .iter()
            .find_map(|k| o.i64(k))
            .unwrap_or(0),
        pages: o.i64("pages").unwrap_or(0),
    }
}

#[cfg(test)]
mod tests;
