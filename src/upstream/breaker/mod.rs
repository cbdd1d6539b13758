//! Beside "retry" in idempotency → rate limit → retry → REST call: one circuit breaker per
//! upstream host. Every attempt asks `allow()` first and reports with `record()`; after
//! `failure_threshold` consecutive failures calls fail fast for `open_for`, then one probe
//! decides between closing and opening again. State changes are published on a `watch`
//! channel for gRPC health.
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// When to open and for how long.
#[derive(Clone, Debug)]
pub struct BreakerConfig {
    /// Consecutive failed attempts that open the breaker.
    pub failure_threshold: u32,
    /// How long the breaker stays open before letting one probe through.
    pub open_for: Duration,
}

impl From<&crate::config::BreakerSettings> for BreakerConfig {
    /// The breaker `[breaker]` configures.
    fn from(b: &crate::config::BreakerSettings) -> Self {
        BreakerConfig {
            failure_threshold: b.failure_threshold,
            open_for: b.open_for(),
        }
    }
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_for: Duration::from_secs(10),
        }
    }
}

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow; consecutive failures are counted.
    Closed,
    /// Calls fail fast.
    Open,
    /// One probe call is allowed; its result closes or re-opens the breaker.
    HalfOpen,
}

/// The breaker refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerOpen {
    /// When it is worth trying again.
    pub retry_after: Duration,
}

/// Stand-in for an `open_for` too large to add to an instant.
const LONGEST_OPEN: Duration = Duration::from_secs(365 * 24 * 3600);

/// How long callers are told to wait while the half-open probe is out.
const PROBE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A circuit breaker; `Send + Sync`, share it with `Arc`.
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

struct Shared {
    cfg: BreakerConfig,
    inner: Mutex<Inner>,
    tx: watch::Sender<BreakerState>,
}

struct Inner {
    state: BreakerState,
    failures: u32,
    open_until: Instant,
    /// In `HalfOpen`: when the probe was let through, if one is out.
    probe_since: Option<Instant>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(cfg: BreakerConfig) -> Self {
        let inner = Inner {
            state: BreakerState::Closed,
            failures: 0,
            open_until: Instant::now(),
            probe_since: None,
        };
        let (tx, _) = watch::channel(BreakerState::Closed);
        CircuitBreaker {
            shared: Arc::new(Shared {
                cfg,
                inner: Mutex::new(inner),
                tx,
            }),
        }
    }

    /// Closed → `Ok`. Open → `Err` with the remaining open time until `open_for` has passed,
    /// then half-open with exactly one probe: `Ok` for the first caller, `Err` (retry after 1 s)
    /// for the others while the probe is out. A probe that never reports back (its caller was
    /// cancelled) is replaced after `open_for`, so the breaker cannot wedge half-open.
    pub fn allow(&self) -> Result<(), BreakerOpen> {
        let shared = &*self.shared;
        let mut inner = shared.lock();
        let now = Instant::now();
        if inner.state == BreakerState::Open {
            if now < inner.open_until {
                return Err(BreakerOpen {
                    retry_after: inner.open_until - now,
                });
            }
            shared.set(&mut inner, BreakerState::HalfOpen);
        }
        if inner.state == BreakerState::HalfOpen {
            let probe_is_out = inner
                .probe_since
                .is_some_and(|since| now < since + shared.cfg.open_for);
            if probe_is_out {
                return Err(BreakerOpen {
                    retry_after: PROBE_RETRY_AFTER,
                });
            }
            inner.probe_since = Some(now);
        }
        Ok(())
    }

    /// Records an attempt: `failure = true` for 5xx, timeouts and connection errors (the caller
    /// decides; not 4xx, not 429). Consecutive failures ≥ threshold open the breaker; half-open,
    /// a success closes it and a failure re-opens it for a new `open_for`. Reports arriving
    /// while open (attempts started before it opened) are ignored.
    pub fn record(&self, failure: bool) {
        let shared = &*self.shared;
        let mut inner = shared.lock();
        match (inner.state, failure) {
            (BreakerState::Open, _) => {}
            (BreakerState::Closed, false) => inner.failures = 0,
            (BreakerState::Closed, true) => {
                inner.failures = inner.failures.saturating_add(1);
                if inner.failures >= shared.cfg.failure_threshold {
                    self.open(&mut inner);
                }
            }
            (BreakerState::HalfOpen, false) => {
                inner.failures = 0;
                shared.set(&mut inner, BreakerState::Closed);
            }
            (BreakerState::HalfOpen, true) => self.open(&mut inner),
        }
    }

    /// The current state (an open period that has ended moves to half-open).
    pub fn state(&self) -> BreakerState {
        self.shared.expire_open();
        self.shared.lock().state
    }

    /// Subscribes to state changes, to feed gRPC health. Open → half-open is published when
    /// `open_for` ends (by a timer task when a tokio runtime is running), not only on the next call.
    pub fn subscribe(&self) -> watch::Receiver<BreakerState> {
        self.shared.tx.subscribe()
    }

    fn open(&self, inner: &mut Inner) {
        let shared = &self.shared;
        let now = Instant::now();
        inner.open_until = now
            .checked_add(shared.cfg.open_for)
            .unwrap_or(now + LONGEST_OPEN);
        inner.failures = 0;
        shared.set(inner, BreakerState::Open);
        tracing::warn!(
            open_for_ms = shared.cfg.open_for.as_millis() as u64,
            "upstream circuit breaker opened"
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(shared);
            let until = inner.open_until;
            runtime.spawn(async move {
                tokio::time::sleep_until(until).await;
                if let Some(shared) = weak.upgrade() {
                    shared.expire_open();
                }
            });
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves to `state` and tells subscribers.
    fn set(&self, inner: &mut Inner, state: BreakerState) {
        if inner.state != state {
            tracing::info!(from = ?inner.state, to = ?state, "upstream circuit breaker state change");
        }
        inner.state = state;
        inner.probe_since = None;
        let gauge = match state {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        };
        crate::metrics::get().breaker_state.set(gauge);
        self.tx
            .send_if_modified(|current| std::mem::replace(current, state) != state);
    }

    /// The timer's half of Open → HalfOpen (the other half is `allow()`).
    fn expire_open(&self) {
        let mut inner = self.lock();
        if inner.state == BreakerState::Open && Instant::now() >= inner.open_until {
            self.set(&mut inner, BreakerState::HalfOpen);
        }
    }
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("cfg", &self.shared.cfg)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
