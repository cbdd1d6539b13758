//! The Atelio sandbox emulator: a stateful, in-process fake of the Atelio REST API built from
//! the catalogue (`atelio-api.md`), for running, demoing and testing the gateway with no Atelio
//! account and no network. It shares no code with `upstream/` or `webhook/` (its own types,
//! validation and signer), so the gateway and the emulator each read the catalogue on their own.
//! Flow: `guard` (auth, rate limit, Idempotency-Key) → `customers` / `kyc` / `subscriptions`
//! handlers over `state` → `dispatch` posts signed webhooks to the subscriptions.
mod address;
mod address_routes;
mod businesses;
mod customers;
mod dispatch;
mod error;
mod faults;
mod guard;
mod kyb;
mod kyc;
mod owner_model;
mod owners;
mod paging;
mod quirks;
mod router;
mod state;
mod subscriptions;
mod validate;

use std::{net::SocketAddr, sync::Arc, sync::Mutex, time::Duration};

use tokio::net::TcpListener;

pub use dispatch::sign;
pub use faults::Faults;
pub use quirks::{Quirks, TimestampStyle};
pub use state::Subscription;

/// How the emulator behaves.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The `Identity` header every call must carry.
    pub identity: String,
    /// The `Authorization` header every call must carry (raw, or after `Bearer `).
    pub authorization: String,
    /// Calls per minute before 429 (Atelio's documented 1000); 0 turns the limit off.
    pub rate_limit_per_min: u32,
    /// Delay between a KYC start (or document upload) and its outcome event.
    pub outcome_delay: Duration,
    /// First webhook retry delay; doubles per attempt (Atelio: exponential, about three days
    /// over about eight attempts; here on a compressed time scale).
    pub webhook_retry_base: Duration,
    /// Webhook delivery attempts in all.
    pub webhook_attempts: u32,
    /// Requested documents not uploaded within this long time the attempt out
    /// (`kyc.verification.timeout`; Atelio: 28 days, compressed here).
    pub document_expiry: Duration,
    /// Fault switches (all off by default).
    pub faults: Faults,
    /// Quirk modes (all off by default).
    pub quirks: Quirks,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            identity: "sandbox-identity".into(),
            authorization: "sandbox-secret".into(),
            rate_limit_per_min: 1000,
            outcome_delay: Duration::from_millis(500),
            webhook_retry_base: Duration::from_millis(250),
            webhook_attempts: 8,
            document_expiry: Duration::from_secs(28 * 24 * 3600),
            faults: Faults::default(),
            quirks: Quirks::default(),
        }
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("identity", &self.identity)
            .field("authorization", &"<redacted>")
            .field("rate_limit_per_min", &self.rate_limit_per_min)
            .field("outcome_delay", &self.outcome_delay)
            .field("webhook_retry_base", &self.webhook_retry_base)
            .field("webhook_attempts", &self.webhook_attempts)
            .field("document_expiry", &self.document_expiry)
            .field("faults", &self.faults)
            .field("quirks", &self.quirks)
            .finish()
    }
}

/// The emulator's shared state.
pub struct Sandbox {
    cfg: SandboxConfig,
    store: Mutex<state::Store>,
    window: Mutex<guard::Window>,
    calls: faults::Counter,
    dispatcher: dispatch::Dispatcher,
    /// The fault switches in force (start from `cfg.faults`; a test may change them).
    faults: std::sync::RwLock<Faults>,
    /// Every webhook payload emitted (the most recent `EMITTED_KEPT`), for tests to count.
    emitted: Mutex<std::collections::VecDeque<serde_json::Value>>,
}

/// How many emitted webhook payloads the emulator remembers.
const EMITTED_KEPT: usize = 100_000;

/// A running emulator.
pub struct SandboxHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    sandbox: Arc<Sandbox>,
}

impl SandboxHandle {
    /// `http://ADDR/api/v0.1`, the base URL a gateway is configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v0.1", self.addr)
    }

    /// Registers a webhook subscription for `events` (patterns such as `kyc.*`) posting to
    /// `url`, as `POST /webhooks` would; returns it (with its `whsec_…` secret).
    pub fn subscribe(&self, url: &str, events: &[&str]) -> Subscription {
        let events = events.iter().map(|e| e.to_string()).collect();
        self.sandbox
            .add_subscription(url.into(), "sandbox wiring".into(), events)
    }

    /// The webhook payloads emitted so far (each once, however often it was delivered).
    pub fn emitted(&self) -> Vec<serde_json::Value> {
        let kept = self
            .sandbox
            .emitted
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        kept.iter().cloned().collect()
    }

    /// Replaces the fault switches from the next request on.
    pub fn set_faults(&self, faults: Faults) {
        *self
            .sandbox
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Points subscription `id` at `url`, as `PATCH /webhooks/{id}` would.
    pub fn set_url(&self, id: &str, url: &str) {
        let _ = self.sandbox.modify(id, |s| s.url = url.to_string());
    }

    /// Gives subscription `id` a new signing secret, as rotating it in the portal would (there
    /// is no API call for it); the next deliveries are signed with it. Returns it.
    pub fn rotate_secret(&self, id: &str) -> String {
        let fresh = subscriptions::new_secret();
        let _ = self.sandbox.modify(id, |s| s.secret = fresh.clone());
        fresh
    }

    /// Every subscription, as `GET /webhooks` lists them.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.sandbox.lock().subscriptions.clone()
    }
}

impl Sandbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, state::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, payload: &serde_json::Value) {
        let mut kept = self.emitted.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == EMITTED_KEPT {
            kept.pop_front();
        }
        kept.push_back(payload.clone());
    }

    /// The fault switches in force now.
    fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Serves the emulator on `listener` until the process ends.
pub fn start(cfg: SandboxConfig, listener: TcpListener) -> std::io::Result<SandboxHandle> {
    let addr = listener.local_addr()?;
    let sandbox = Arc::new(Sandbox {
        faults: std::sync::RwLock::new(cfg.faults.clone()),
        emitted: Mutex::default(),
        cfg,
        store: Mutex::new(state::Store::default()),
        window: Mutex::new(guard::Window::default()),
        calls: faults::Counter::default(),
        dispatcher: dispatch::Dispatcher::new(),
    });
    let app = router::router(Arc::clone(&sandbox));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "sandbox listener failed");
        }
    });
    tracing::info!(sandbox_addr = %addr, "Atelio sandbox emulator serving");
    Ok(SandboxHandle { addr, sandbox })
}
