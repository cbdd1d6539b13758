//! Webhook subscriptions, W1–W3 (docs/reference/atelio-api.md §2.10): list, create, update.
use reqwest::Method;
use serde_json::Value;

use super::seg;
use crate::upstream::UpstreamRequest;

/// W2 `GET /webhooks`.
pub fn list() -> UpstreamRequest {
    UpstreamRequest::new("webhooks.list", Method::GET, "/webhooks".into())
}

/// W1 `POST /webhooks` with `body` (`url`, `description`, `events`, `status`), under `key`.
pub fn create(body: Value, key: String) -> UpstreamRequest {
    let mut req = UpstreamRequest::new("webhooks.create", Method::POST, "/webhooks".into());
    req.idempotency_key = Some(key);
    req.json(body)
}

/// W3 `PATCH /webhooks/{id}` with `body` (its `events` replace the stored list).
pub fn update(id: &str, body: Value) -> UpstreamRequest {
    let path = format!("/webhooks/{}", seg(id));
    UpstreamRequest::new("webhooks.update", Method::PATCH, path).json(body)
}
