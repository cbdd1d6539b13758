//! `POST /webhooks/atelio`: timeout → header precheck (signature header shape, `t` window; before
//! the body is read) → body limit → verify → parse → dedupe + durable append → 200.
//! Bad signatures answer 401 with a short reason and store nothing; a storage failure answers 503
//! so Atelio retries. Every outcome is counted and logged without payload values (`answer`).
use std::{
    sync::{Arc, atomic::AtomicU64},
    time::Duration,
};
use tracing::Instrument;

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::{self, Next},
    response::Response,
    routing::post,
};
use tower_http::timeout::TimeoutLayer;

use super::answer::{Stored, WebhookError};
use super::verify::VerifyError;
use super::{parse, secrets::Secrets};
use crate::events::{hub::Hub, model::Subject};

/// Where Atelio posts.
pub const WEBHOOK_PATH: &str = "/webhooks/atelio";

/// Outcome counters (exported as metrics by the admin listener).
#[derive(Debug, Default)]
pub struct WebhookCounters {
    /// Stored new events.
    pub accepted: AtomicU64,
    /// Re-deliveries acknowledged without a second append.
    pub duplicate: AtomicU64,
    /// Signed events stored raw because their family or shape is unknown.
    pub unknown: AtomicU64,
    /// Missing or malformed `Bond-Signature`.
    pub malformed: AtomicU64,
    /// Signature mismatch.
    pub bad_signature: AtomicU64,
    /// Timestamp outside the tolerance (stale or future).
    pub stale: AtomicU64,
    /// Correctly signed but not JSON (answered 400, not stored).
    pub unparseable: AtomicU64,
    /// The log could not store the event (answered 503).
    pub store_failed: AtomicU64,
}

/// What the handler needs.
pub struct WebhookState {
    /// Signature verification with the accepted secrets (reloadable).
    pub secrets: Arc<Secrets>,
    /// Durable append and fan-out.
    pub hub: Arc<Hub>,
    /// Outcome counters.
    pub counters: Arc<WebhookCounters>,
    /// Ids seen as beneficial owners (files owner events named under `customer_id`).
    pub owners: Arc<crate::events::owners::KnownOwners>,
    /// The verification mirror: dedupes late copies of reconciled transitions, adds context.
    pub mirror: Option<Arc<crate::mirror::Mirror>>,
    /// Told of every bad signature (the managed subscription re-reads its secret).
    pub bad_signature: Option<Arc<tokio::sync::Notify>>,
}

/// The webhook router with its limits.
pub fn router(state: Arc<WebhookState>, max_body_bytes: usize, timeout: Duration) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .route_layer(middleware::from_fn_with_state(state.clone(), precheck))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

fn signature(headers: &HeaderMap) -> Option<&str> {
    headers.get("bond-signature").and_then(|v| v.to_str().ok())
}

/// Refuses, before its body is read, a delivery whose signature header is missing or malformed
/// or whose `t` is outside the window; the connection is then closed rather than drained.
async fn precheck(State(st): State<Arc<WebhookState>>, request: Request, next: Next) -> Response {
    let now = chrono::Utc::now().timestamp();
    match st
        .secrets
        .current()
        .precheck(signature(request.headers()), now)
    {
        Ok(()) => next.run(request).await,
        Err(e) => WebhookError::from(e).respond(&st.counters),
    }
}

/// One delivery, in a `webhook` span (child of a `traceparent` if the sender sent one).
async fn receive(State(st): State<Arc<WebhookState>>, headers: HeaderMap, body: Bytes) -> Response {
    let span = tracing::info_span!("webhook", trace_id = tracing::field::Empty);
    crate::telemetry::adopt_parent(&span, &headers);
    match ingest(&st, &headers, body).instrument(span.clone()).await {
        Ok(stored) => span.in_scope(|| stored.respond(&st.counters)),
        Err(e) => span.in_scope(|| e.respond(&st.counters)),
    }
}

/// Verify → parse → file under its subject → dedupe (also against a reconciled copy of its
/// transition) + durable append, through the mirror.
async fn ingest(
    st: &WebhookState,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Stored, WebhookError> {
    let now = chrono::Utc::now().timestamp();
    let verified = st.secrets.current().verify(signature(headers), body, now);
    if let (Err(VerifyError::BadSignature), Some(n)) = (&verified, &st.bad_signature) {
        n.notify_one();
    }
    let verified = verified?;
    let mut event = parse::parse(&verified)?;
    event.subject = st
        .owners
        .file(std::mem::replace(&mut event.subject, Subject::None));
    let key = parse::dedupe_key(&event);
    let kind = event.kind;
    let appended = crate::mirror::relay::webhook(st.mirror.as_deref(), &st.hub, event, key).await?;
    Ok(Stored { kind, appended })
}
