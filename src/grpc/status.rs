//! The one place where failures become gRPC statuses (architecture §3 "Errors"). Every status
//! carries `google.rpc.ErrorInfo`; validation failures carry `BadRequest` field violations;
//! retryable ones carry `RetryInfo`. Messages never contain request values.
use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::{domain::Violations, upstream::UpstreamError};

/// ErrorInfo domain of errors raised by the gateway itself.
pub const GATEWAY_DOMAIN: &str = "atelio-gateway";
/// ErrorInfo domain of errors reported by Atelio.
pub const ATELIO_DOMAIN: &str = "atelio.com";

/// Everything an RPC can fail with: the error type of the gRPC boundary.
#[derive(Debug)]
pub enum GatewayError {
    /// The request broke a documented rule; nothing was sent upstream.
    Invalid(Violations),
    /// The upstream call failed.
    Upstream(UpstreamError),
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
        GatewayError::Upstream(u) => upstream(u),
    }
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

/// What the gateway says for one upstream outcome: code, ErrorInfo reason, retry hint.
struct Mapped {
    code: Code,
    reason: String,
    retry: Option<Duration>,
}

fn upstream(e: UpstreamError) -> Status {
    let mut d = ErrorDetails::new();
    let (mapped, meta, message) = match &e {
        UpstreamError::Rejected {
            status,
            error,
            retry_after,
        } => {
            let mut meta = HashMap::from([("http_status".to_string(), status.to_string())]);
            if let Some(c) = &error.code {
                meta.insert("atelio_code".into(), c.clone());
            }
            if let Some(t) = &error.error_type {
                meta.insert("atelio_type".into(), t.clone());
            }
            for (field, msg) in &error.field_violations {
                d.add_bad_request_violation(field.clone(), msg.clone());
            }
            let m = map_http(*status, error.code.as_deref(), *retry_after);
            let text = atelio_message(*status, error.message.as_deref());
            (m, meta, text)
        }
        other => (map_transport(other), HashMap::new(), other.to_string()),
    };
    let domain = if e.status().is_some() {
        ATELIO_DOMAIN
    } else {
        GATEWAY_DOMAIN
    };
    d.set_error_info(mapped.reason, domain, meta);
    if mapped.retry.is_some() {
        d.set_retry_info(mapped.retry);
    }
    Status::with_error_details(mapped.code, message, d)
}

fn atelio_message(status: u16, message: Option<&str>) -> String {
    let mut text = format!("Atelio answered HTTP {status}");
    if let Some(m) = message {
        text.push_str(": ");
        text.extend(m.chars().take(200));
    }
    text
}

/// Reason from Atelio's `Code` (`customer_dne` → `CUSTOMER_DNE`), else from the HTTP status.
fn reason_from(code: Option<&str>, status: u16) -> String {
    match code {
        Some(c) if !c.is_empty() => c
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() {
                    ch.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .take(63)
            .collect(),
        _ => format!("ATELIO_HTTP_{status}"),
    }
}

/// Atelio codes whose 409 means "this already exists" rather than "not in the right state".
const CONFLICT_EXISTS: &[&str] = &[
    "person_id_dup",
    "resource_conflict",
    "idempotency_key_exists",
];

fn map_http(status: u16, code: Option<&str>, retry_after: Option<Duration>) -> Mapped {
    let reason = reason_from(code, status);
    let retry_hint = Some(retry_after.unwrap_or(Duration::from_secs(1)));
    let (code, reason, retry) = match status {
        400 | 422 => (Code::InvalidArgument, reason, None),
        401 | 403 => (
            Code::Internal,
            "UPSTREAM_CREDENTIALS_REJECTED".to_string(),
            None,
        ),
        404 => (Code::NotFound, reason, None),
        409 if code.is_some_and(|c| CONFLICT_EXISTS.contains(&c)) => {
            (Code::AlreadyExists, reason, None)
        }
        409 | 424 => (Code::FailedPrecondition, reason, None),
        429 => (Code::ResourceExhausted, reason, retry_hint),
        501 => (Code::Unimplemented, reason, None),
        502 | 503 => (Code::Unavailable, reason, retry_hint),
        504 => (Code::DeadlineExceeded, reason, None),
        400..=499 => (Code::FailedPrecondition, reason, None),
        _ => (Code::Internal, reason, None),
    };
    Mapped {
        code,
        reason,
        retry,
    }
}

fn map_transport(e: &UpstreamError) -> Mapped {
    let (code, reason, retry) = match e {
        UpstreamError::Connect => (
            Code::Unavailable,
            "UPSTREAM_UNREACHABLE",
            Some(Duration::from_secs(1)),
        ),
        UpstreamError::Transport => (
            Code::Unavailable,
            "UPSTREAM_CONNECTION_FAILED",
            Some(Duration::from_secs(1)),
        ),
        UpstreamError::Timeout => (Code::DeadlineExceeded, "UPSTREAM_TIMEOUT", None),
        UpstreamError::DeadlineExceeded => (Code::DeadlineExceeded, "DEADLINE_EXCEEDED", None),
        UpstreamError::Decode(_) => (Code::Internal, "UPSTREAM_BAD_RESPONSE", None),
        UpstreamError::Rejected { .. } => (Code::Internal, "UNREACHABLE", None),
    };
    Mapped {
        code,
        reason: reason.to_string(),
        retry,
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
