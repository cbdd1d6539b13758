//! What every call passes before a handler: the API key check (`Identity` + `Authorization`,
//! 401 `auth_err`), the account-wide limit of calls per minute (429 `rate_limited` with
//! `Retry-After`, both invented: Atelio documents neither) and `Idempotency-Key` on POST (a key
//! that succeeded within 24 h → 409 `idempotency_key_exists`; a failed call frees its key so a
//! retry can run).
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{Sandbox, error::ApiError};

const KEY_TTL: Duration = Duration::from_secs(24 * 3600);
const MINUTE: Duration = Duration::from_secs(60);

/// A fixed one-minute window of calls.
#[derive(Default)]
pub struct Window {
    started: Option<Instant>,
    calls: u32,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn authorized(sb: &Sandbox, h: &HeaderMap) -> bool {
    let auth = header(h, "authorization").map(|a| a.strip_prefix("Bearer ").unwrap_or(a));
    let same = |a: &str, b: &str| {
        a.len() == b.len() && subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()).into()
    };
    header(h, "identity").is_some_and(|i| same(i, &sb.cfg.identity))
        && auth.is_some_and(|a| same(a, &sb.cfg.authorization))
}

/// Counts the call; Err with the seconds to wait when the minute's budget is spent.
fn admit(sb: &Sandbox) -> Result<(), u64> {
    let limit = sb.cfg.rate_limit_per_min;
    if limit == 0 {
        return Ok(());
    }
    let mut w = sb.window.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let started = *w.started.get_or_insert(now);
    if now.duration_since(started) >= MINUTE {
        *w = Window {
            started: Some(now),
            calls: 0,
        };
    }
    if w.calls >= limit {
        let left = MINUTE.saturating_sub(now.duration_since(w.started.unwrap_or(now)));
        return Err(left.as_secs_f64().ceil() as u64);
    }
    w.calls += 1;
    Ok(())
}

/// Reserves `key` for `identity`; false when it was used (successfully) within 24 h.
fn reserve(sb: &Sandbox, identity: &str, key: &str) -> bool {
    let mut store = sb.lock();
    let id = (identity.to_string(), key.to_string());
    let now = Instant::now();
    store
        .idempotency
        .retain(|_, at| now.duration_since(*at) < KEY_TTL);
    if store.idempotency.contains_key(&id) {
        return false;
    }
    store.idempotency.insert(id, now);
    true
}

fn release(sb: &Sandbox, identity: &str, key: &str) {
    sb.lock()
        .idempotency
        .remove(&(identity.to_string(), key.to_string()));
}

pub async fn guard(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    if !authorized(&sb, req.headers()) {
        return ApiError::unauthorized().into_response();
    }
    if let Err(wait) = admit(&sb) {
        return ApiError::rate_limited(sb.cfg.rate_limit_per_min, wait).into_response();
    }
    let key = (req.method() == Method::POST)
        .then(|| header(req.headers(), "idempotency-key").map(str::to_string))
        .flatten();
    let identity = sb.cfg.identity.clone();
    if let Some(key) = &key
        && !reserve(&sb, &identity, key)
    {
        let message = "A request was made with this idempotency key in the past 24 hours";
        return ApiError::conflict("idempotency_key_exists", message).into_response();
    }
    let resp = next.run(req).await;
    if let Some(key) = &key
        && !resp.status().is_success()
    {
        release(&sb, &identity, key);
    }
    resp
}
