//! The outbound pipeline, in order: circuit breaker → shared rate limit (by class) → one HTTP attempt →
//! retry decision (pure `retry::decide`) → backoff sleep, all bounded by the call's deadline and
//! sending the same request (same Idempotency-Key) on every attempt. One span per attempt.
use std::{sync::Arc, time::Duration};

use tracing::Instrument;

use super::breaker::{BreakerState, CircuitBreaker};
use super::rate_limit::classes::{Class, Classes};
use super::rate_limit::{RateLimited, RateLimiter};
use super::retry::{AttemptOutcome, Decision, GiveUpReason, RetryBudget, RetryPolicy, decide};
use super::{AtelioClient, UpstreamError, UpstreamRequest, UpstreamResponse};
use crate::deadline::Deadline;
use crate::uncertain::Uncertain;

/// One HTTP attempt. `AtelioClient` is the real one; unit tests script their own.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Sends `req` once within `deadline`.
    async fn send(
        &self,
        req: &UpstreamRequest,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError>;
}

#[async_trait::async_trait]
impl Transport for AtelioClient {
    async fn send(
        &self,
        req: &UpstreamRequest,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        AtelioClient::send(self, req, deadline).await
    }
}

/// The resilient way to Atelio, shared by every RPC.
pub struct Upstream {
    transport: Arc<dyn Transport>,
    limiter: Classes,
    breaker: Arc<CircuitBreaker>,
    policy: RetryPolicy,
    budget: RetryBudget,
}

impl Upstream {
    /// Assembles the pipeline.
    pub fn new(
        transport: Arc<dyn Transport>,
        limiter: RateLimiter,
        breaker: Arc<CircuitBreaker>,
        policy: RetryPolicy,
        budget: RetryBudget,
    ) -> Self {
        Upstream {
            transport,
            limiter: Classes {
                global: limiter,
                reads: None,
            },
            breaker,
            policy,
            budget,
        }
    }

    /// Limits reads (GETs) to their share of the budget, `reads` (call before sharing it).
    pub fn with_read_share(mut self, reads: RateLimiter) -> Self {
        self.limiter.reads = Some(reads);
        self
    }

    /// The breaker, to watch its state (health).
    pub fn breaker(&self) -> Arc<CircuitBreaker> {
        self.breaker.clone()
    }

    /// Runs the call with retries until success, a definitive failure or a give-up.
    pub async fn execute(
        &self,
        req: &UpstreamRequest,
        caller: &str,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        self.execute_marking(req, caller, deadline, &Uncertain::new())
            .await
    }

    /// `execute`, marking `uncertain` when an attempt that was sent may have taken effect
    /// without its answer arriving (timeout, broken connection, 5xx).
    pub async fn execute_marking(
        &self,
        req: &UpstreamRequest,
        caller: &str,
        deadline: Deadline,
        uncertain: &Uncertain,
    ) -> Result<UpstreamResponse, UpstreamError> {
        self.budget.record_request();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let span = tracing::info_span!("upstream_attempt", route = req.route, attempt);
            let started_ms = crate::clock::now_ms();
            let out = self.attempt(req, caller, deadline).instrument(span).await;
            let outcome = classify(&out);
            if may_have_taken_effect(&outcome) {
                uncertain.mark(started_ms);
            }
            match decide(
                &self.policy,
                attempt,
                outcome,
                deadline.remaining(),
                rand::random::<f64>(),
            ) {
                Decision::Done => return out,
                Decision::Retry(delay) if self.budget.try_retry() => {
                    crate::metrics::get()
                        .upstream_retries
                        .with_label_values(&[retry_reason(&out)])
                        .inc();
                    tracing::debug!(
                        route = req.route,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "retrying upstream call"
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::Retry(_) => {
                    return give_up(req, out, attempt, GiveUpReason::BudgetExhausted);
                }
                Decision::GiveUp(reason) => return give_up(req, out, attempt, reason),
            }
        }
    }

    /// One attempt of background work (reconciliation) on spare capacity only: `Ok(None)`
    /// without sending when the breaker is not closed or no permit is free that no caller
    /// could want (`RateLimiter::try_spare`). Not retried: the work is simply due again later.
    pub async fn execute_spare(
        &self,
        req: &UpstreamRequest,
        deadline: Deadline,
    ) -> Result<Option<UpstreamResponse>, UpstreamError> {
        if self.breaker.state() != BreakerState::Closed || !self.limiter.try_spare().await {
            return Ok(None);
        }
        self.send_observed(req, deadline).await.map(Some)
    }

    async fn attempt(
        &self,
        req: &UpstreamRequest,
        caller: &str,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        self.breaker
            .allow()
            .map_err(|o| UpstreamError::CircuitOpen {
                retry_after: o.retry_after,
            })?;
        let m = crate::metrics::get();
        let class = Class::of(&req.method);
        let permit = self.limiter.acquire(class, caller, deadline).await;
        match &permit {
            Ok(waited) if *waited >= std::time::Duration::from_millis(1) => {
                m.rate_limit_waits.inc()
            }
            Ok(_) => {}
            Err(_) => m.rate_limit_rejections.inc(),
        }
        if let Err(limited) = permit {
            if self.breaker.state() == BreakerState::HalfOpen {
                // We held the half-open probe but never used it: re-open rather than wedge.
                self.breaker.record(true);
            }
            return Err(rate_limited(limited));
        }
        self.send_observed(req, deadline).await
    }

    /// Sends one attempt and records it (metrics, breaker, a 429's pause).
    async fn send_observed(
        &self,
        req: &UpstreamRequest,
        deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let m = crate::metrics::get();
        let started = std::time::Instant::now();
        let out = self.transport.send(req, deadline).await;
        let status = match &out {
            Ok(resp) => resp.status.to_string(),
            Err(e) => e
                .status()
                .map_or_else(|| "error".to_string(), |s| s.to_string()),
        };
        m.upstream_requests
            .with_label_values(&[req.route, status.as_str()])
            .inc();
        m.upstream_seconds
            .with_label_values(&[req.route])
            .observe(started.elapsed().as_secs_f64());
        self.observe(&out);
        out
    }

    /// Feeds the breaker and turns an upstream 429 into a pause for everyone.
    fn observe(&self, out: &Result<UpstreamResponse, UpstreamError>) {
        let failure = match out {
            Ok(_) => false,
            Err(UpstreamError::Rejected {
                status: 429,
                retry_after,
                ..
            }) => {
                self.limiter
                    .global
                    .pause_for(retry_after.unwrap_or(Duration::from_secs(1)));
                false
            }
            Err(UpstreamError::Rejected { status, .. }) => *status >= 500,
            Err(UpstreamError::Connect | UpstreamError::Timeout | UpstreamError::Transport) => true,
            Err(_) => false,
        };
        self.breaker.record(failure);
    }
}

fn rate_limited(r: RateLimited) -> UpstreamError {
    match r {
        RateLimited::Global { retry_after } => UpstreamError::RateLimited {
            retry_after,
            caller_quota: false,
        },
        RateLimited::Caller { retry_after } => UpstreamError::RateLimited {
            retry_after,
            caller_quota: true,
        },
    }
}

/// Whether a sent attempt that ended this way may have done its work upstream.
fn may_have_taken_effect(o: &AttemptOutcome) -> bool {
    match o {
        AttemptOutcome::Timeout | AttemptOutcome::TransportError => true,
        AttemptOutcome::Status { code, .. } => *code >= 500,
        _ => false,
    }
}

/// The metric label of a failed attempt that is retried.
fn retry_reason(out: &Result<UpstreamResponse, UpstreamError>) -> &'static str {
    match classify(out) {
        AttemptOutcome::Status { code: 429, .. } => "rate_limited",
        AttemptOutcome::Status { .. } => "server_error",
        AttemptOutcome::ConnectError => "connect",
        AttemptOutcome::Timeout => "timeout",
        AttemptOutcome::TransportError => "transport",
        _ => "other",
    }
}

pub fn classify(out: &Result<UpstreamResponse, UpstreamError>) -> AttemptOutcome {
    match out {
        Ok(_) => AttemptOutcome::Success,
        Err(UpstreamError::Rejected {
            status,
            retry_after,
            ..
        }) => AttemptOutcome::Status {
            code: *status,
            retry_after: *retry_after,
        },
        Err(UpstreamError::Connect) => AttemptOutcome::ConnectError,
        Err(UpstreamError::Timeout) => AttemptOutcome::Timeout,
        Err(UpstreamError::Transport) => AttemptOutcome::TransportError,
        Err(_) => AttemptOutcome::Fatal,
    }
}

fn give_up(
    req: &UpstreamRequest,
    out: Result<UpstreamResponse, UpstreamError>,
    attempts: u32,
    reason: GiveUpReason,
) -> Result<UpstreamResponse, UpstreamError> {
    let last = match out {
        Ok(resp) => return Ok(resp),
        Err(e) => e,
    };
    crate::metrics::get()
        .upstream_give_ups
        .with_label_values(&[reason.as_str()])
        .inc();
    tracing::warn!(route = req.route, attempts, reason = reason.as_str(), status = last.status(), error = %last, "giving up on upstream call");
    match reason {
        // Nothing was retried (retries disabled, or no time for a second attempt): the failure
        // speaks for itself.
        _ if attempts == 1 || reason == GiveUpReason::NotRetryable => Err(last),
        _ => Err(UpstreamError::RetriesExhausted {
            attempts,
            reason,
            last: Box::new(last),
        }),
    }
}

#[cfg(test)]
mod tests;
