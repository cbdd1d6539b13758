//! Webhook delivery, Atelio's way (docs/reference/atelio-api.md §4): a JSON POST to every enabled subscription
//! whose patterns match, signed `Bond-Signature: t={unix s},v1={hex},v2={hex}` where v2 is
//! HMAC-SHA256 over `"{t}."` + the raw body keyed by the subscription's `whsec_…` secret (v1,
//! the legacy digest over Python-re-serialised JSON, is computed over the same bytes here).
//! Anything but 200/201 is retried with exponential back-off, the timestamp re-signed each time.
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::Sandbox;
use super::state::Subscription;

/// The HTTP client the emulator delivers with.
pub struct Dispatcher {
    http: reqwest::Client,
}

impl Dispatcher {
    pub fn new() -> Dispatcher {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Dispatcher { http }
    }
}

/// The `Bond-Signature` value for `body` sent at unix second `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let digest = hex::encode(mac.finalize().into_bytes());
    format!("t={t},v1={digest},v2={digest}")
}

impl Sandbox {
    /// Sends `payload` (its `event` names it) to every subscription that wants it.
    pub(super) fn emit(self: &Arc<Self>, mut payload: Value) {
        super::quirks::event(&self.cfg.quirks, &mut payload);
        self.remember(&payload);
        let event = payload["event"].as_str().unwrap_or_default().to_string();
        let subs: Vec<Subscription> = self
            .lock()
            .subscriptions
            .iter()
            .filter(|s| s.wants(&event))
            .cloned()
            .collect();
        let body = Bytes::from(serde_json::to_vec(&payload).unwrap_or_default());
        tracing::debug!(%event, subscriptions = subs.len(), "sandbox webhook");
        for sub in subs {
            let sb = Arc::clone(self);
            let body = body.clone();
            tokio::spawn(async move { sb.deliver(&sub, body).await });
        }
    }

    async fn deliver(&self, sub: &Subscription, body: Bytes) {
        let f = self.faults();
        if f.webhook_loss_rate > 0.0 && rand::random::<f64>() < f.webhook_loss_rate {
            // Lost for good: the receiver never hears of it; only a read tells the outcome.
            tracing::debug!(subscription = %sub.id, "sandbox webhook lost (fault switch)");
            return;
        }
        if f.reorder_rate > 0.0 && rand::random::<f64>() < f.reorder_rate {
            // Later events overtake this one (Atelio promises no order).
            tokio::time::sleep(f.reorder_delay).await;
        }
        let mut delay = self.cfg.webhook_retry_base;
        for attempt in 1..=self.cfg.webhook_attempts.max(1) {
            let t = chrono::Utc::now().timestamp();
            let sent = self
                .dispatcher
                .http
                .post(&sub.url)
                .header("content-type", "application/json")
                .header("Bond-Signature", sign(&sub.secret, t, &body))
                .body(body.clone())
                .send()
                .await;
            let status = sent.as_ref().map(|r| r.status().as_u16()).ok();
            if matches!(status, Some(200 | 201)) {
                if rand::random::<f64>() < f.duplicate_rate {
                    // Atelio: "duplicates can happen in rare cases"; one extra copy, re-signed.
                    let t = chrono::Utc::now().timestamp();
                    let again = self
                        .dispatcher
                        .http
                        .post(&sub.url)
                        .header("content-type", "application/json")
                        .header("Bond-Signature", sign(&sub.secret, t, &body))
                        .body(body.clone());
                    let _ = again.send().await;
                }
                return;
            }
            tracing::debug!(attempt, ?status, "sandbox webhook not accepted; will retry");
            if attempt < self.cfg.webhook_attempts {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
        tracing::warn!(subscription = %sub.id, "sandbox webhook given up after every attempt");
    }
}
