//! The way out to Atelio: requests described as data (`request`), the translation of commands
//! into documented REST calls (`routes`), the HTTP client (`client`), lenient decoding of what
//! Atelio sends (`lenient`, `timestamps`, `atelio_error`) and the boundary's error type.
pub mod atelio_error;
pub mod client;
pub mod error;
pub mod lenient;
pub mod request;
pub mod routes;
pub mod timestamps;

pub use client::{AtelioClient, UpstreamResponse};
pub use error::UpstreamError;
pub use request::UpstreamRequest;
