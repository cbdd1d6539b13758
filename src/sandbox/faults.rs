//! Fault switches (all off by default): added latency before every answer, an error rate per
//! HTTP status (answered with Atelio's error body), dropped connections (the answer's body
//! breaks off after its head, so the client sees a connection failure mid-response) and 429
//! bursts (after every `burst_every` calls, the next `burst_len` get 429 with `Retry-After: 1`).
//! Lost answers: a mutating call (POST/PATCH/DELETE) that succeeded is committed, then its
//! answer is lost (`lose_answer_rate`: the connection breaks off; `slow_answer_rate`: the answer
//! comes only after `slow_answer`, longer than the client waits), the fault that makes a client
//! see an error for work that was done.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::Rng;

use super::{Sandbox, error::ApiError};

/// What goes wrong, and how often.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added before every answer.
    pub latency: Duration,
    /// (status, probability 0..1) pairs, e.g. (503, 0.1).
    pub error_rates: Vec<(u16, f64)>,
    /// Probability that a connection breaks off mid-answer.
    pub drop_rate: f64,
    /// After this many calls, a burst of 429s (0: never).
    pub burst_every: u64,
    /// How many calls each burst refuses.
    pub burst_len: u64,
    /// Probability that an accepted webhook is delivered a second time.
    pub duplicate_rate: f64,
    /// Probability that a webhook delivery is silently never sent (no attempt, no retry), as an
    /// outage longer than Atelio's retries or a misconfigured subscription would lose it.
    pub webhook_loss_rate: f64,
    /// Probability that a webhook is held back (`reorder_delay`) so later ones overtake it.
    pub reorder_rate: f64,
    /// How long a reordered webhook is held back.
    pub reorder_delay: Duration,
    /// Probability that a successful mutating call is committed and its answer then dropped.
    pub lose_answer_rate: f64,
    /// Probability that a successful mutating call is committed and answered only after
    /// `slow_answer`.
    pub slow_answer_rate: f64,
    /// The delay of a slow answer.
    pub slow_answer: Duration,
}

impl Faults {
    /// True when any switch is on.
    pub fn any(&self) -> bool {
        !self.latency.is_zero()
            || !self.error_rates.is_empty()
            || self.drop_rate > 0.0
            || self.burst_every > 0
            || self.duplicate_rate > 0.0
            || self.webhook_loss_rate > 0.0
            || self.reorder_rate > 0.0
            || self.lose_answer_rate > 0.0
            || self.slow_answer_rate > 0.0
    }
}

/// Calls seen (for bursts).
#[derive(Default)]
pub struct Counter(AtomicU64);

fn in_burst(f: &Faults, n: u64) -> bool {
    f.burst_every > 0 && n % (f.burst_every + f.burst_len) >= f.burst_every
}

fn dropped() -> Response {
    let broken = tokio_stream::once(Err::<bytes::Bytes, _>(std::io::Error::other(
        "sandbox dropped the connection",
    )));
    (
        StatusCode::OK,
        [("content-length", "64")],
        Body::from_stream(broken),
    )
        .into_response()
}

pub async fn inject(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let f = &sb.faults();
    if !f.latency.is_zero() {
        tokio::time::sleep(f.latency).await;
    }
    let n = sb.calls.0.fetch_add(1, Ordering::Relaxed);
    if in_burst(f, n) {
        return ApiError::rate_limited(sb.cfg.rate_limit_per_min, 1).into_response();
    }
    let (roll_error, roll_drop): (f64, f64) = {
        let mut rng = rand::rng();
        (rng.random(), rng.random())
    };
    let mut acc = 0.0;
    for (status, rate) in &f.error_rates {
        acc += rate;
        if roll_error < acc {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return ApiError::injected(status).into_response();
        }
    }
    if roll_drop < f.drop_rate {
        return dropped();
    }
    let mutating = req.method() != axum::http::Method::GET;
    let resp = next.run(req).await;
    if mutating && resp.status().is_success() {
        return lose_answer(f, resp).await;
    }
    resp
}

/// After the work is done: drop the answer, delay it past the client's patience, or send it.
async fn lose_answer(f: &Faults, resp: Response) -> Response {
    let roll: f64 = rand::random();
    if roll < f.lose_answer_rate {
        tracing::debug!("sandbox committed a call and dropped its answer");
        return dropped();
    }
    if roll < f.lose_answer_rate + f.slow_answer_rate {
        tracing::debug!("sandbox committed a call and delays its answer");
        tokio::time::sleep(f.slow_answer).await;
    }
    resp
}
