//! The webhook listener's answers, decided in one place: every way a delivery ends (stored, a
//! re-delivery, or a [`WebhookError`]) maps here, in one `match` each, to its HTTP status and
//! body, its counter label (metric `atelio_gateway_webhooks_total{outcome}`) and its log line.
//! Bodies and logs carry a short reason, never payload values.
use std::sync::atomic::{AtomicU64, Ordering};

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{WebhookCounters, parse::Unparseable, verify::VerifyError};
use crate::events::{cursor, log::Appended, log::LogError, model::EventKind};

/// Why a delivery was not stored.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The `Bond-Signature` check failed: 401, nothing stored.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Correctly signed, but not JSON: 400, nothing stored.
    #[error(transparent)]
    Unparseable(#[from] Unparseable),
    /// The event log could not store it: 503, so Atelio retries.
    #[error(transparent)]
    Store(#[from] LogError),
}

/// A stored delivery: what it was and where it went.
pub struct Stored {
    /// The event's kind (`Unknown` events are counted apart).
    pub kind: EventKind,
    /// New (with its sequence) or a re-delivery.
    pub appended: Appended,
}

fn count(c: &AtomicU64, outcome: &str) {
    c.fetch_add(1, Ordering::Relaxed);
    crate::metrics::get()
        .webhooks
        .with_label_values(&[outcome])
        .inc();
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

impl WebhookError {
    /// Counts, logs (the reason and, for a store failure, its cause) and answers.
    pub fn respond(self, c: &WebhookCounters) -> Response {
        match &self {
            WebhookError::Verify(e) => {
                let counter = match e {
                    VerifyError::BadSignature => (&c.bad_signature, "bad_signature"),
                    VerifyError::Stale | VerifyError::Future => (&c.stale, "stale"),
                    VerifyError::MissingHeader | VerifyError::MalformedHeader => {
                        (&c.malformed, "malformed")
                    }
                };
                count(counter.0, counter.1);
                tracing::warn!(reason = e.reason(), "webhook rejected");
                answer(StatusCode::UNAUTHORIZED, json!({ "error": e.reason() }))
            }
            WebhookError::Unparseable(_) => {
                count(&c.unparseable, "unparseable");
                tracing::warn!(
                    reason = "unparseable",
                    "signed webhook is not JSON; not stored"
                );
                answer(StatusCode::BAD_REQUEST, json!({ "error": "unparseable" }))
            }
            WebhookError::Store(e) => {
                count(&c.store_failed, "store_failed");
                tracing::error!(error.cause_chain = ?e, "webhook could not be stored; Atelio will retry");
                answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({ "error": "storage_unavailable" }),
                )
            }
        }
    }
}

impl Stored {
    /// Counts, logs and answers 200 (with the cursor of a new event).
    pub fn respond(self, c: &WebhookCounters) -> Response {
        let kind = self.kind;
        match self.appended {
            Appended::New(sequence) => {
                if kind == EventKind::Unknown {
                    count(&c.unknown, "unknown");
                } else {
                    count(&c.accepted, "accepted");
                }
                tracing::info!(?kind, sequence, "webhook stored");
                let cursor = cursor::encode(sequence);
                answer(
                    StatusCode::OK,
                    json!({ "status": "stored", "cursor": cursor }),
                )
            }
            Appended::Duplicate(sequence) => {
                count(&c.duplicate, "duplicate");
                tracing::info!(?kind, sequence, "webhook re-delivery acknowledged");
                answer(StatusCode::OK, json!({ "status": "duplicate" }))
            }
        }
    }
}
