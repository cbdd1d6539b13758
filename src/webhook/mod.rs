//! The way in: Atelio's webhook POSTs on their own HTTP listener (axum), separate from gRPC.
//! `verify` turns raw bytes into `Verified` (the only way to reach the parser), `parse` makes a
//! typed event, `router` dedupes and appends it to the durable log through the events hub and
//! answers 200 only once it is stored; `answer` maps every outcome to its HTTP answer, counter
//! and log line. Atelio's JSON dialect comes from `crate::atelio_json`, never from the outbound
//! client.
mod answer;
pub mod parse;
mod router;
pub mod secrets;
pub mod verify;

#[cfg(test)]
pub(crate) mod test_support;

pub use answer::WebhookError;
pub use router::{WEBHOOK_PATH, WebhookCounters, WebhookState, router};
