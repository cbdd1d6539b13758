//! Upstream failures → gRPC status: the HTTP table of docs/reference/architecture.md §3 for Atelio's answers,
//! and the gateway's own outcomes (connection, timeout, rate limit, breaker, give-up).
use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::{ATELIO_DOMAIN, GATEWAY_DOMAIN};
use crate::upstream::{UpstreamError, retry::GiveUpReason};

/// What the gateway says for one upstream outcome: code, ErrorInfo reason, retry hint.
struct Mapped {
    code: Code,
    reason: String,
    retry: Option<Duration>,
}

/// The status for an upstream failure, with ErrorInfo (and BadRequest, RetryInfo where due).
pub fn to_status(e: UpstreamError) -> Status {
    if e.code() == Some(crate::upstream::error::KEY_EXISTS) {
        // The caller's own earlier attempt, never "already exists" (recovery found nothing).
        return super::outcome_unknown();
    }
    let mut d = ErrorDetails::new();
    let (mapped, meta, message, domain) = match &e {
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
                d.add_bad_request_violation(field.clone(), violation_text(msg));
            }
            if error.code.as_deref() == Some(REINIT_FAIL)
                && let Some(at) = error.message.as_deref().and_then(passed_at)
            {
                meta.insert("passed_at".into(), at);
            }
            let m = map_http(*status, error.code.as_deref(), *retry_after);
            (
                m,
                meta,
                atelio_message(*status, error.code.as_deref()),
                ATELIO_DOMAIN,
            )
        }
        UpstreamError::RetriesExhausted {
            attempts,
            reason,
            last,
        } => {
            let mut meta = HashMap::from([
                ("attempts".to_string(), attempts.to_string()),
                ("give_up_reason".to_string(), reason.as_str().to_string()),
            ]);
            if let Some(s) = last.status() {
                meta.insert("http_status".into(), s.to_string());
            }
            if let Some(c) = last.code() {
                meta.insert("atelio_code".into(), c.to_string());
            }
            (map_local(&e), meta, e.to_string(), GATEWAY_DOMAIN)
        }
        other => (
            map_local(other),
            HashMap::new(),
            other.to_string(),
            GATEWAY_DOMAIN,
        ),
    };
    d.set_error_info(mapped.reason, domain, meta);
    if mapped.retry.is_some() {
        d.set_retry_info(mapped.retry);
    }
    Status::with_error_details(mapped.code, message, d)
}

/// Atelio's code for "KYC already passed" (a start after a pass).
const REINIT_FAIL: &str = "kyc_reinit_fail";

/// Field-problem texts of Atelio's that never echo a request value; any other becomes
/// [`REJECTED`] (Atelio's messages may quote what was sent, and that may be PII).
const SAFE_VIOLATIONS: &[&str] = &[
    "Missing data for required field.",
    "Field may not be null.",
    "Unknown field.",
    "Not a valid string.",
    "Not a valid email address.",
    "Not a valid date.",
    "Not a valid integer.",
    "Not a valid boolean.",
    "Shorter than minimum length 1.",
    "String does not match expected pattern.",
];
const REJECTED: &str = "rejected by Atelio";

fn violation_text(msg: &str) -> String {
    let known = SAFE_VIOLATIONS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(msg.trim()));
    known.copied().unwrap_or(REJECTED).to_string()
}

/// Our own text: the HTTP status and Atelio's `Code`; never Atelio's `Message`, which may echo
/// request values.
fn atelio_message(status: u16, code: Option<&str>) -> String {
    match code {
        Some(c) if !c.is_empty() => {
            let c: String = c
                .chars()
                .filter(|ch| ch.is_ascii_graphic())
                .take(64)
                .collect();
            format!("Atelio answered HTTP {status} ({c})")
        }
        _ => format!("Atelio answered HTTP {status}"),
    }
}

/// The time a "KYC already passed at …" message names, as RFC 3339 (only a parsed timestamp
/// leaves the message, never its text).
fn passed_at(message: &str) -> Option<String> {
    let words: Vec<&str> = message.split_whitespace().collect();
    (0..words.len()).rev().find_map(|i| {
        let one = words[i].trim_matches(|c: char| c == '.' || c == ',' || c == '"');
        let two = words.get(i + 1).map(|w| format!("{one} {w}"));
        [Some(one.to_string()), two]
            .into_iter()
            .flatten()
            .find_map(|w| crate::atelio_json::timestamps::parse_timestamp(&w))
            .map(|t| t.to_rfc3339())
    })
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
        400 if code == Some(REINIT_FAIL) => (Code::FailedPrecondition, reason, None),
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

fn map_local(e: &UpstreamError) -> Mapped {
    let second = Some(Duration::from_secs(1));
    let (code, reason, retry) = match e {
        UpstreamError::Connect => (Code::Unavailable, "UPSTREAM_UNREACHABLE", second),
        UpstreamError::Transport => (Code::Unavailable, "UPSTREAM_CONNECTION_FAILED", second),
        UpstreamError::Timeout => (Code::DeadlineExceeded, "UPSTREAM_TIMEOUT", None),
        UpstreamError::DeadlineExceeded => (Code::DeadlineExceeded, "DEADLINE_EXCEEDED", None),
        UpstreamError::Decode(_) => (Code::Internal, "UPSTREAM_BAD_RESPONSE", None),
        UpstreamError::Redirected { .. } => (Code::Internal, "UPSTREAM_REDIRECT", None),
        UpstreamError::RateLimited {
            retry_after,
            caller_quota: true,
        } => (
            Code::ResourceExhausted,
            "CALLER_QUOTA_EXHAUSTED",
            Some(*retry_after),
        ),
        UpstreamError::RateLimited { retry_after, .. } => (
            Code::ResourceExhausted,
            "UPSTREAM_RATE_LIMITED",
            Some(*retry_after),
        ),
        UpstreamError::CircuitOpen { retry_after } => (
            Code::Unavailable,
            "UPSTREAM_CIRCUIT_OPEN",
            Some(*retry_after),
        ),
        UpstreamError::RetriesExhausted {
            reason: GiveUpReason::DeadlineTooClose,
            ..
        } => (Code::DeadlineExceeded, "UPSTREAM_RETRIES_EXHAUSTED", None),
        UpstreamError::RetriesExhausted { .. } => {
            (Code::Unavailable, "UPSTREAM_RETRIES_EXHAUSTED", second)
        }
        UpstreamError::Rejected { .. } => (Code::Internal, "UNREACHABLE", None),
    };
    Mapped {
        code,
        reason: reason.to_string(),
        retry,
    }
}
