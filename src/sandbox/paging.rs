//! The `{page_info: {page, page_size, pages}, data}` envelope of the business-address, BO,
//! BO-address and KYB-history lists (docs/reference/atelio-api.md §2.2.6, §5.5): 1-based pages.
use std::collections::HashMap;

use serde_json::{Value, json};

use super::error::ApiError;

/// Pages `items` by `page` and `size_param` (default `default_size`).
pub fn envelope(
    items: Vec<Value>,
    q: &HashMap<String, String>,
    size_param: &str,
    default_size: usize,
) -> Result<Value, ApiError> {
    let number = |k: &str, d: usize| {
        q.get(k)
            .map_or(Some(d), |v| v.parse().ok())
            .filter(|n| *n >= 1)
    };
    let (Some(page), Some(size)) = (number("page", 1), number(size_param, default_size)) else {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("page and {size_param} must be positive integers"),
        ));
    };
    let pages = items.len().div_ceil(size).max(1);
    let data: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    Ok(
        json!({ "page_info": { "page": page, "page_size": data.len(), "pages": pages }, "data": data }),
    )
}
