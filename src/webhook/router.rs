//! `POST /webhooks/atelio`: body limit → timeout → verify → parse → dedupe + durable append → 200.
//! Bad signatures answer 401 with a short reason and store nothing; a storage failure answers 503
//! so Atelio retries. Every outcome is counted and logged without payload values.
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tracing::Instrument;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;
use tower_http::timeout::TimeoutLayer;

use super::{parse, verify::Verifier};
use crate::events::{
    cursor,
    hub::Hub,
    log::Appended,
    model::{EventKind, Subject},
};

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
    /// Signature verification with the accepted secrets.
    pub verifier: Verifier,
    /// Durable append and fan-out.
    pub hub: Arc<Hub>,
    /// Outcome counters.
    pub counters: Arc<WebhookCounters>,
    /// Ids seen as beneficial owners (files owner events named under `customer_id`).
    pub owners: Arc<crate::events::owners::KnownOwners>,
}

/// The webhook router with its limits.
pub fn router(state: Arc<WebhookState>, max_body_bytes: usize, timeout: Duration) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

fn count(c: &AtomicU64, outcome: &str) {
    c.fetch_add(1, Ordering::Relaxed);
    crate::metrics::get()
        .webhooks
        .with_label_values(&[outcome])
        .inc();
}

/// One delivery, in a `webhook` span (child of a `traceparent` if the sender sent one).
async fn receive(State(st): State<Arc<WebhookState>>, headers: HeaderMap, body: Bytes) -> Response {
    let span = tracing::info_span!("webhook", trace_id = tracing::field::Empty);
    crate::telemetry::adopt_parent(&span, &headers);
    handle(st, headers, body).instrument(span).await
}

async fn handle(st: Arc<WebhookState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = headers.get("bond-signature").and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    let verified = match st.verifier.verify(header, body, now) {
        Ok(v) => v,
        Err(e) => {
            let (counter, outcome) = match e.reason() {
                "bad_signature" => (&st.counters.bad_signature, "bad_signature"),
                "stale" | "future" => (&st.counters.stale, "stale"),
                _ => (&st.counters.malformed, "malformed"),
            };
            count(counter, outcome);
            tracing::warn!(reason = e.reason(), "webhook rejected");
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": e.reason() })),
            )
                .into_response();
        }
    };
    if crate::upstream::lenient::parse_body(verified.body()).is_err() {
        count(&st.counters.unparseable, "unparseable");
        tracing::warn!(
            reason = "unparseable",
            "signed webhook is not JSON; not stored"
        );
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unparseable" })),
        )
            .into_response();
    }
    let mut event = parse::parse(&verified);
    event.subject = st
        .owners
        .file(std::mem::replace(&mut event.subject, Subject::None));
    let key = parse::dedupe_key(&event);
    let kind = event.kind;
    match st.hub.append(event, key).await {
        Ok(Appended::New(sequence)) => {
            if kind == EventKind::Unknown {
                count(&st.counters.unknown, "unknown");
            } else {
                count(&st.counters.accepted, "accepted");
            }
            tracing::info!(?kind, sequence, "webhook stored");
            (
                StatusCode::OK,
                Json(json!({ "status": "stored", "cursor": cursor::encode(sequence) })),
            )
                .into_response()
        }
        Ok(Appended::Duplicate(sequence)) => {
            count(&st.counters.duplicate, "duplicate");
            tracing::info!(?kind, sequence, "webhook re-delivery acknowledged");
            (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response()
        }
        Err(e) => {
            count(&st.counters.store_failed, "store_failed");
            tracing::error!(error = %e, "webhook could not be stored; Atelio will retry");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "storage_unavailable" })),
            )
                .into_response()
        }
    }
}
