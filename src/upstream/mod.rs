//! The way out to Atelio: requests described as data (`request`), the translation of commands
//! into documented REST calls (`routes`), the resilient pipeline (`pipeline`: `breaker` →
//! `rate_limit` → attempt → `retry`), the HTTP client (`client`), lenient decoding of what
//! Atelio sends (`lenient`, `timestamps`, `atelio_error`) and the boundary's error type.
pub mod atelio_error;
pub mod breaker;
pub mod client;
pub mod error;
pub mod pipeline;
pub mod rate_limit;
pub mod request;
pub mod retry;
pub mod routes;
pub mod tokio_clock;

pub use client::{AtelioClient, UpstreamResponse};
pub use error::UpstreamError;
pub use request::UpstreamRequest;
