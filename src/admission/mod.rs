//! Admission control on the gRPC listener: overload is a designed state with a clear answer.
//! Each call takes a counted place (`counts`) or is shed at once with `RESOURCE_EXHAUSTED` and
//! RetryInfo (`layer`); a stream holds its place for its whole life, and an event stream whose
//! subscriber stopped reading is cut by closing its connection (`watched`, `closer`). The
//! listener gives every connection its close switch (`app/listen`).
mod closer;
mod counts;
mod layer;
mod watched;

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;

pub use closer::{ConnInfo, ConnectionCloser};
pub use counts::{Counts, Place, Refused};
pub use layer::AdmissionLayer;

/// The bounds (from `[server]` and `[events]`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `server.max_in_flight`: unary calls in flight, all callers.
    pub in_flight: usize,
    /// `server.max_in_flight_per_caller`.
    pub in_flight_per_caller: usize,
    /// `events.max_subscriptions`: open event streams, all callers.
    pub subscriptions: usize,
    /// `events.max_subscriptions_per_caller`.
    pub subscriptions_per_caller: usize,
    /// `server.max_health_watches`: open health `Watch` streams (unauthenticated).
    pub health_watches: usize,
    /// `events.stall_timeout_ms`: an event stream making no progress this long is cut.
    pub stall_after: Duration,
}

/// One gRPC listener's admission state.
#[derive(Debug)]
pub struct Admission {
    unary: Arc<Counts>,
    subscriptions: Arc<Counts>,
    health_watches: Arc<Counts>,
    stall_after: Duration,
    stop: watch::Receiver<bool>,
}

impl Admission {
    /// Admission under `limits`; `stop` is the gateway's stop flag.
    pub fn new(limits: Limits, stop: watch::Receiver<bool>) -> Arc<Admission> {
        Arc::new(Admission {
            unary: Counts::new(limits.in_flight, limits.in_flight_per_caller),
            subscriptions: Counts::new(limits.subscriptions, limits.subscriptions_per_caller),
            health_watches: Counts::new(limits.health_watches, limits.health_watches),
            stall_after: limits.stall_after,
            stop,
        })
    }
}
