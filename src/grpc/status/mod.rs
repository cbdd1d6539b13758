//! The one place where failures become gRPC statuses (docs/reference/architecture.md §3 "Errors"). Every status
//! carries `google.rpc.ErrorInfo`; validation failures carry `BadRequest` field violations;
//! retryable ones carry `RetryInfo`. Messages never contain request values.
use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::events::log::LogError;
use crate::idempotency::StoreError;
use crate::{domain::Violations, upstream::UpstreamError};
mod upstream;

pub use crate::status_info::GATEWAY_DOMAIN;
use crate::status_info::gateway;
/// ErrorInfo domain of errors reported by Atelio.
pub const ATELIO_DOMAIN: &str = "atelio.com";

/// Everything an RPC can fail with: the error type of the gRPC boundary. Internal causes
/// (store, event log) keep their typed source: `grpc::handle` logs the chain once, and
/// [`to_status`] never sends it.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request broke a documented rule; nothing was sent upstream.
    #[error("invalid request")]
    Invalid(Violations),
    /// The upstream call failed.
    #[error(transparent)]
    Upstream(UpstreamError),
    /// The same `request_id` was used before with a different request.
    #[error("request_id reused for a different request")]
    IdempotencyKeyReused,
    /// The same `request_id` is still in flight and did not finish within this call's deadline.
    #[error("the same request_id is still in flight")]
    InProgress,
    /// A stored outcome replayed as it was first answered.
    #[error("replayed a stored rejection")]
    Replayed(Status),
    /// The idempotency store cannot be reached.
    #[error("idempotency store")]
    Store(#[source] StoreError),
    /// A cursor older than the retained events; resume from the oldest cursor (or reconcile).
    #[error("cursor expired")]
    CursorExpired {
        /// The oldest retained cursor.
        oldest: String,
    },
    /// The event log cannot be reached.
    #[error("event log")]
    Events(#[source] LogError),
    /// The verification mirror cannot be read.
    #[error("verification mirror")]
    Mirror(#[source] crate::mirror::store::MirrorError),
    /// The gateway is shutting down; streams end so subscribers resume elsewhere.
    #[error("shutting down")]
    ShuttingDown,
    /// The named thing does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// An earlier attempt may have taken effect at Atelio, its answer was lost and the gateway
    /// could not find what it did. Not stored: a retry with the same `request_id` tries again.
    #[error("the outcome of an earlier attempt is unknown")]
    OutcomeUnknown,
}

impl GatewayError {
    /// Whether this is the gateway's own fault (a store or log down): logged with its cause.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            GatewayError::Store(_) | GatewayError::Events(_) | GatewayError::Mirror(_)
        )
    }
}

impl From<Violations> for GatewayError {
    fn from(v: Violations) -> Self {
        GatewayError::Invalid(v)
    }
}

impl From<UpstreamError> for GatewayError {
    fn from(e: UpstreamError) -> Self {
        GatewayError::Upstream(e)
    }
}

impl From<GatewayError> for Status {
    fn from(e: GatewayError) -> Self {
        to_status(e)
    }
}

/// Maps a failure to its gRPC status with rich details.
pub fn to_status(e: GatewayError) -> Status {
    match e {
        GatewayError::Invalid(v) => invalid(v),
        GatewayError::Upstream(u) => upstream::to_status(u),
        GatewayError::Replayed(s) => s,
        GatewayError::IdempotencyKeyReused => gateway(
            Code::InvalidArgument,
            "IDEMPOTENCY_KEY_REUSED",
            "request_id was already used for a different request",
            None,
        ),
        GatewayError::InProgress => gateway(
            Code::Aborted,
            "REQUEST_IN_PROGRESS",
            "the same request_id is still being processed; retry later",
            Some(Duration::from_secs(1)),
        ),
        GatewayError::CursorExpired { oldest } => {
            let mut d = ErrorDetails::new();
            d.set_error_info(
                "CURSOR_EXPIRED",
                GATEWAY_DOMAIN,
                HashMap::from([("oldest_cursor".to_string(), oldest.clone())]),
            );
            let msg = format!(
                "the cursor is older than the retained events; the oldest available cursor is {oldest}"
            );
            Status::with_error_details(Code::OutOfRange, msg, d)
        }
        GatewayError::Events(_) => gateway(
            Code::Unavailable,
            "EVENT_LOG_UNAVAILABLE",
            "the event log is unavailable",
            Some(Duration::from_secs(1)),
        ),
        GatewayError::Mirror(_) => gateway(
            Code::Unavailable,
            "MIRROR_UNAVAILABLE",
            "the verification mirror is unavailable",
            Some(Duration::from_secs(1)),
        ),
        GatewayError::NotFound(what) => gateway(Code::NotFound, "NOT_FOUND", what, None),
        GatewayError::OutcomeUnknown => outcome_unknown(),
        GatewayError::ShuttingDown => gateway(
            Code::Unavailable,
            "SHUTTING_DOWN",
            "the gateway is shutting down; resume elsewhere with your last cursor",
            Some(Duration::from_secs(1)),
        ),
        GatewayError::Store(_) => gateway(
            Code::Unavailable,
            "IDEMPOTENCY_STORE_UNAVAILABLE",
            "the idempotency store is unavailable",
            Some(Duration::from_secs(1)),
        ),
    }
}

/// UNAVAILABLE `UPSTREAM_OUTCOME_UNKNOWN` with RetryInfo: retry with the same `request_id`.
pub fn outcome_unknown() -> Status {
    gateway(
        Code::Unavailable,
        "UPSTREAM_OUTCOME_UNKNOWN",
        "an earlier attempt may have taken effect upstream and its result is not known yet; \
         retry with the same request_id",
        Some(Duration::from_secs(1)),
    )
}

fn invalid(v: Violations) -> Status {
    let mut d = ErrorDetails::new();
    let fields: Vec<String> = v.iter().map(|f| f.field.clone()).collect();
    for f in v.iter() {
        d.add_bad_request_violation(f.field.clone(), f.description.clone());
    }
    d.set_error_info("INVALID_REQUEST", GATEWAY_DOMAIN, HashMap::new());
    let msg = format!("invalid request: {}", fields.join(", "));
    Status::with_error_details(Code::InvalidArgument, msg, d)
}

#[cfg(test)]
mod tests;
