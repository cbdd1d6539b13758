//! Everything that can go wrong on the way to Atelio and back: the one error type of the
//! upstream boundary. `grpc/status/` is the only place that turns it into a gRPC status.
use std::time::Duration;

use super::atelio_error::AtelioError;
use super::retry::GiveUpReason;

/// Atelio's code for "a request was made with this idempotency key in the past 24 hours".
pub const KEY_EXISTS: &str = "idempotency_key_exists";

/// An upstream failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Atelio answered with a non-2xx status.
    #[error("Atelio answered HTTP {status}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The decoded error body (`Message`/`Code`/`Type`, field problems).
        error: Box<AtelioError>,
        /// A `Retry-After` header, if sent.
        retry_after: Option<Duration>,
    },
    /// The TCP/TLS connection could not be made.
    #[error("cannot connect to Atelio")]
    Connect,
    /// The attempt took longer than its timeout.
    #[error("Atelio did not answer in time")]
    Timeout,
    /// The caller's deadline left no time for another attempt.
    #[error("the call's deadline expired")]
    DeadlineExceeded,
    /// The connection broke or the response was not valid HTTP.
    #[error("transport error talking to Atelio")]
    Transport,
    /// Atelio answered with a redirect. Redirects are never followed: the request (credentials,
    /// personal data) would be sent again to another place.
    #[error("Atelio answered HTTP {status} redirecting to host {host}; redirects are not followed")]
    Redirected {
        /// The 3xx status.
        status: u16,
        /// The host the `Location` names ("" when absent or unparseable).
        host: String,
    },
    /// A 2xx answer whose body could not be understood.
    #[error("cannot decode Atelio's response: {0}")]
    Decode(String),
    /// No permit from the shared rate limit within the deadline and the configured maximum wait.
    #[error("the upstream rate limit is exhausted")]
    RateLimited {
        /// How long until a permit would be free.
        retry_after: Duration,
        /// Whether the caller's own quota (not the shared budget) was exhausted.
        caller_quota: bool,
    },
    /// The circuit breaker is open: Atelio failed repeatedly, calls fail fast.
    #[error("Atelio is failing; the circuit breaker is open")]
    CircuitOpen {
        /// How long until the breaker lets a probe through.
        retry_after: Duration,
    },
    /// Retrying stopped (attempts, retry budget or deadline) after a retryable failure.
    #[error("gave up after {attempts} attempts ({})", reason.as_str())]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// Why retrying stopped (attempts, budget or deadline).
        reason: GiveUpReason,
        /// The last attempt's failure.
        last: Box<UpstreamError>,
    },
}

impl UpstreamError {
    /// The HTTP status, for `Rejected` (and the last attempt of `RetriesExhausted`).
    pub fn status(&self) -> Option<u16> {
        match self {
            UpstreamError::Rejected { status, .. } => Some(*status),
            UpstreamError::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Atelio's error `Code`, for `Rejected` (and the last attempt of `RetriesExhausted`).
    pub fn code(&self) -> Option<&str> {
        match self {
            UpstreamError::Rejected { error, .. } => error.code.as_deref(),
            UpstreamError::RetriesExhausted { last, .. } => last.code(),
            _ => None,
        }
    }

    /// Whether the answer says an earlier attempt probably did the work while its own answer was
    /// lost: Atelio refused the Idempotency-Key as used (`idempotency_key_exists`), or a 2xx
    /// body could not be understood. Never stored as the call's outcome.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, UpstreamError::Decode(_)) || self.code() == Some(KEY_EXISTS)
    }

    /// Whether the failure says nothing definitive about the request: it may succeed when
    /// retried (connection problems, timeouts, 408, 429, 5xx, local limits). Idempotency
    /// releases such calls instead of storing them.
    pub fn is_transient(&self) -> bool {
        match self {
            UpstreamError::Rejected { status, .. } => matches!(status, 408 | 429) || *status >= 500,
            UpstreamError::Decode(_) => false,
            _ => true,
        }
    }
}
