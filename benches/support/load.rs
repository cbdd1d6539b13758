//! Webhook bodies and their signatures for the load generators (the relay job itself is
//! `relay.rs` and `gateway_relay.rs`; the abuse benchmark's senders are `well_behaved.rs`).
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::gateway::SECRET;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A valid `Bond-Signature` for `body`, now.
pub fn signature(body: &[u8]) -> String {
    let t = chrono::Utc::now().timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v2={}", hex::encode(mac.finalize().into_bytes()))
}

/// A unique KYC success event carrying `tag` as its inquiry id.
pub fn body(tag: &str) -> Vec<u8> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!(
        r#"{{"event":"kyc.verification.success","customer_id":"2df10ec1-130f-41bb-b0cf-f3af48350eb7","inquiry_id":"{tag}","occurred_at":"2024-01-01T00:00:00.{id:09}Z"}}"#
    )
    .into_bytes()
}
