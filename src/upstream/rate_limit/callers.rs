//! Part of "rate limit" in idempotency → rate limit → retry → REST call: the optional
//! per-caller quotas, checked before the shared budget so one noisy service cannot starve the
//! rest. A child module of `rate_limit` (declared there), with bounded memory.
use std::sync::{Arc, Mutex};

use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use tokio::time::Instant;

use super::{RateLimited, quota, wait_time};
use crate::upstream::tokio_clock::{TokioClock, TokioInstant};

type Keyed = governor::RateLimiter<
    String,
    HashMapStateStore<String>,
    TokioClock,
    NoOpMiddleware<TokioInstant>,
>;

/// One GCRA state per caller.
///
/// Memory policy: when more than `max_tracked` callers are tracked, the ones whose state
/// equals a fresh one (idle long enough to have a full burst again) are dropped, which loses
/// nothing; if more than half the cap is still active after that, all per-caller state is
/// reset (every caller gets a full burst again; the shared budget still protects Atelio).
/// Resetting at half keeps the clean-up amortised O(1) per call.
pub(super) struct CallerQuotas {
    quota: governor::Quota,
    max_tracked: usize,
    limiter: Mutex<Arc<Keyed>>,
}

impl CallerQuotas {
    /// `per_minute` calls per caller with bursts of `burst`, for at most `max_tracked` callers.
    pub(super) fn new(per_minute: u32, burst: u32, max_tracked: usize) -> Self {
        let quota = quota(per_minute, burst);
        let limiter = Mutex::new(Arc::new(Keyed::hashmap_with_clock(quota, TokioClock)));
        CallerQuotas {
            quota,
            max_tracked: max_tracked.max(1),
            limiter,
        }
    }

    /// Waits for the caller's own permit within `limit`, re-checking after each sleep (a
    /// caller's concurrent calls may wake together; governor lets only one through per slot).
    pub(super) async fn acquire(&self, caller: &str, limit: Instant) -> Result<(), RateLimited> {
        let key = caller.to_owned();
        loop {
            let limiter = self.current();
            let checked = limiter.check_key(&key);
            self.bound(&limiter);
            let wait = match checked {
                Ok(()) => return Ok(()),
                Err(not_until) => wait_time(&not_until),
            };
            if Instant::now() + wait > limit {
                let retry_after_ms = wait.as_millis() as u64;
                tracing::debug!(caller, retry_after_ms, "caller quota exhausted");
                return Err(RateLimited::Caller { retry_after: wait });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Callers whose state is kept.
    pub(super) fn tracked(&self) -> usize {
        self.current().len()
    }

    fn current(&self) -> Arc<Keyed> {
        self.limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Applies the memory policy.
    fn bound(&self, limiter: &Keyed) {
        if limiter.len() <= self.max_tracked {
            return;
        }
        limiter.retain_recent();
        limiter.shrink_to_fit();
        let tracked = limiter.len();
        if tracked > self.max_tracked / 2 {
            tracing::warn!(
                tracked,
                max = self.max_tracked,
                "resetting per-caller rate limits"
            );
            let fresh = Arc::new(Keyed::hashmap_with_clock(self.quota, TokioClock));
            *self
                .limiter
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::deadline::Deadline;
    use crate::upstream::rate_limit::{RateLimitConfig, RateLimited, RateLimiter};

    const MS: fn(u64) -> Duration = Duration::from_millis;
    const SECS: fn(u64) -> Duration = Duration::from_secs;

    fn far() -> Deadline {
        Deadline::after(SECS(120))
    }

    fn per_caller(per_minute: u32, burst: u32, max_tracked_callers: usize) -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            per_minute: 60_000,
            burst: 10_000,
            per_caller_per_minute: Some(per_minute),
            per_caller_burst: burst,
            max_tracked_callers,
            ..Default::default()
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_quota_limits_one_caller_without_slowing_another() {
        let l = per_caller(60, 2, 100);
        for _ in 0..2 {
            assert_eq!(l.acquire("noisy", far()).await, Ok(Duration::ZERO));
        }
        let refused = l.acquire("noisy", Deadline::after(MS(100))).await;
        assert_eq!(
            refused,
            Err(RateLimited::Caller {
                retry_after: SECS(1)
            })
        );
        assert_eq!(
            l.acquire("quiet", Deadline::after(MS(100))).await,
            Ok(Duration::ZERO)
        );
        assert_eq!(l.acquire("noisy", far()).await, Ok(SECS(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn tracked_callers_stay_bounded() {
        let l = per_caller(60, 1, 100);
        for i in 0..1_000 {
            l.acquire(&format!("caller-{i}"), far())
                .await
                .expect("a caller's first call");
            assert!(
                l.tracked_callers() <= 100,
                "{} tracked after {i}",
                l.tracked_callers()
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idle_callers_are_forgotten_first() {
        let l = per_caller(60, 1, 100);
        for i in 0..100 {
            l.acquire(&format!("idle-{i}"), far())
                .await
                .expect("a caller's first call");
        }
        tokio::time::advance(SECS(2)).await;
        l.acquire("active", far()).await.expect("first call");
        assert_eq!(
            l.tracked_callers(),
            1,
            "only the caller whose state matters is kept"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_caller_quotas_nobody_is_tracked() {
        let l = RateLimiter::new(RateLimitConfig::default());
        l.acquire("c", far()).await.expect("permit");
        assert_eq!(l.tracked_callers(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_caller_quota_means_one_a_minute_not_a_panic() {
        let l = per_caller(0, 0, 100);
        assert_eq!(l.acquire("c", far()).await, Ok(Duration::ZERO));
        let refused = l.acquire("c", far()).await;
        assert_eq!(
            refused,
            Err(RateLimited::Caller {
                retry_after: SECS(60)
            })
        );
    }
}
