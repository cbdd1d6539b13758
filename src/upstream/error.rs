//! Everything that can go wrong on the way to Atelio and back: the one error type of the
//! upstream boundary. `grpc/status.rs` is the only place that turns it into a gRPC status.
use std::time::Duration;

use super::atelio_error::AtelioError;

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
    /// A 2xx answer whose body could not be understood.
    #[error("cannot decode Atelio's response: {0}")]
    Decode(String),
}

impl UpstreamError {
    /// The HTTP status, for `Rejected`.
    pub fn status(&self) -> Option<u16> {
        match self {
            UpstreamError::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Atelio's error `Code`, for `Rejected`.
    pub fn code(&self) -> Option<&str> {
        match self {
            UpstreamError::Rejected { error, .. } => error.code.as_deref(),
            _ => None,
        }
    }
}
