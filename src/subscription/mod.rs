//! The webhook subscription the gateway manages itself (`webhook.public_url`). At start it
//! ensures that an enabled Atelio subscription for `kyc.*` and `kyb.*` points at the public URL
//! (W2 list, then W1 create or W3 update) and verifies deliveries with the secret from Atelio's
//! answer: no secret to copy by hand. When signatures start failing (a secret rotated in the
//! portal), it re-reads the subscription, at most once per `RECHECK`, and takes the new secret
//! (`webhook::secrets::Secrets::set_managed`, which keeps the previous one too). Its state is a
//! gauge (`webhook_subscription_state`), the health key `atelio.gateway.WebhookSubscription`
//! (via `ensured`) and a log line; `atelio-gateway subscriptions
//! list|ensure` runs the same steps for operators.
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::deadline::Deadline;
use crate::upstream::pipeline::Upstream;
use crate::upstream::routes::webhooks;
use crate::upstream::{UpstreamError, UpstreamRequest};
use crate::webhook::secrets::Secrets;
pub use view::{Action, View};

/// The events the managed subscription must cover.
pub const EVENTS: [&str; 2] = ["kyc.*", "kyb.*"];

/// The least time between two re-reads prompted by failing signatures.
pub const RECHECK: Duration = Duration::from_secs(30);

/// The caller name of the gateway's own upstream calls (rate limits, logs).
const CALLER: &str = "atelio-gateway/subscription";

/// How long one subscription call may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The managed subscription: where it must point and whom to tell its secret.
pub struct Manager {
    upstream: Arc<Upstream>,
    url: String,
    secrets: Option<Arc<Secrets>>,
    /// Notified on every delivery refused for a bad signature.
    pub bad_signature: Arc<Notify>,
    /// Whether the subscription was last ensured (health follows it).
    pub ensured: tokio::sync::watch::Sender<bool>,
}

impl Manager {
    /// A manager of the subscription for `url`, feeding `secrets` (None: report only).
    pub fn new(upstream: Arc<Upstream>, url: String, secrets: Option<Arc<Secrets>>) -> Manager {
        Manager {
            upstream,
            url,
            secrets,
            bad_signature: Arc::new(Notify::new()),
            ensured: tokio::sync::watch::Sender::new(false),
        }
    }

    async fn call(&self, req: UpstreamRequest) -> Result<Value, UpstreamError> {
        let deadline = Deadline::after(TIMEOUT);
        self.upstream.execute(&req, CALLER, deadline).await?.json()
    }

    /// Every subscription of the Atelio account (W2).
    pub async fn list(&self) -> Result<Vec<View>, UpstreamError> {
        Ok(view::list(&self.call(webhooks::list()).await?))
    }

    /// Makes an enabled subscription for `EVENTS` point at the URL: reused as it is, updated
    /// (re-enabled, events added) or created. Its secret is put in force.
    pub async fn ensure(&self) -> Result<(View, Action), UpstreamError> {
        let found = self.list().await?.into_iter().find(|s| s.url == self.url);
        let (sub, action) = match found {
            Some(s) if s.enabled() && s.covers(&EVENTS) => (s, Action::Reused),
            Some(s) => {
                let events = s.events_with(&EVENTS);
                let body = json!({ "events": events, "status": view::ENABLED });
                let answer = self.call(webhooks::update(&s.id, body)).await?;
                (view::one(&answer).unwrap_or(s), Action::Updated)
            }
            None => {
                let body = json!({
                    "url": self.url, "description": "atelio-gateway", "events": EVENTS,
                    "status": view::ENABLED,
                });
                let key = uuid::Uuid::new_v4().to_string();
                let answer = self.call(webhooks::create(body, key)).await?;
                let created = view::one(&answer).ok_or_else(|| {
                    UpstreamError::Decode("no webhook subscription in the answer".into())
                })?;
                (created, Action::Created)
            }
        };
        self.take_secret(&sub);
        Ok((sub, action))
    }

    fn take_secret(&self, sub: &View) {
        if let (Some(secrets), Some(secret)) = (&self.secrets, sub.secret.clone())
            && secrets.set_managed(secret)
        {
            tracing::info!(subscription = %sub.id, "webhook secret from Atelio in force");
        }
    }

    /// Ensures the subscription (retrying with backoff until it works), then re-reads it
    /// whenever signatures fail, at most once per `RECHECK`. Runs until aborted.
    pub async fn run(self: Arc<Self>) {
        let gauge = &crate::metrics::get().webhook_subscription_state;
        let state = |ok: bool| {
            gauge.set(if ok { 1 } else { 2 });
            self.ensured.send_replace(ok);
        };
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.ensure().await {
                Ok((sub, action)) => {
                    state(true);
                    tracing::info!(subscription = %sub.id, action = action.name(), "webhook subscription ensured");
                    break;
                }
                Err(e) => {
                    state(false);
                    tracing::warn!(error = %e, "could not ensure the webhook subscription; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
        loop {
            self.bad_signature.notified().await;
            match self.ensure().await {
                Ok(_) => state(true),
                Err(e) => {
                    state(false);
                    tracing::warn!(error = %e, "could not re-read the webhook subscription");
                }
            }
            tokio::time::sleep(RECHECK).await;
        }
    }
}
