//! Step "rate limit" of idempotency → rate limit → retry → REST call: one GCRA budget (governor,
//! on tokio's clock) for the Atelio credentials, shared by every RPC and every attempt, plus
//! optional per-caller quotas. Callers wait for a permit within their deadline and `max_wait`,
//! or are refused at once with the wait they would have needed; an upstream 429 pauses everyone.
//!
//! Waiting callers do not herd: a caller that finds the budget empty reserves the next free
//! slot (one replenish interval after the previous reservation, and not before a 429 pause
//! ends), sleeps until it, then takes its permit from governor, which stays the only authority
//! on the rate (a caller that finds its slot taken waits again, within its limit). The
//! reservation queue makes the refusal exact: the needed wait counts the callers queued ahead.
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota};
use tokio::time::Instant;

use self::callers::CallerQuotas;
use super::tokio_clock::{TokioClock, TokioInstant};
use crate::deadline::Deadline;

type Direct =
    governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// The longest pause one upstream 429 can impose.
pub const MAX_PAUSE: Duration = Duration::from_secs(60);

/// The shared upstream budget and the optional per-caller quotas.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Calls per minute for all callers together (Atelio allows 1000; stay below).
    pub per_minute: u32,
    /// Calls that may go at once after a quiet period.
    pub burst: u32,
    /// The longest a call waits for a permit, whatever its deadline.
    pub max_wait: Duration,
    /// Calls per minute for one caller; `None`: no per-caller quota.
    pub per_caller_per_minute: Option<u32>,
    /// Burst of one caller's quota.
    pub per_caller_burst: u32,
    /// Callers whose quota state is kept (see `RateLimiter` for what happens beyond).
    pub max_tracked_callers: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_minute: 800,
            burst: 50,
            max_wait: Duration::from_secs(10),
            per_caller_per_minute: None,
            per_caller_burst: 20,
            max_tracked_callers: 10_000,
        }
    }
}

/// No permit within the caller's deadline and `max_wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateLimited {
    /// The shared upstream budget (or a 429 pause) needs a longer wait.
    #[error("upstream budget exhausted")]
    Global {
        /// The wait that would have been needed.
        retry_after: Duration,
    },
    /// The caller's own quota needs a longer wait.
    #[error("caller quota exhausted")]
    Caller {
        /// The wait that would have been needed.
        retry_after: Duration,
    },
}

/// The upstream rate limiter; `Send + Sync`, share it with `Arc`. Per-caller state is bounded
/// by `max_tracked_callers` (policy in `rate_limit/callers.rs`).
pub struct RateLimiter {
    cfg: RateLimitConfig,
    shared: Option<shared::SharedBudget>,
    /// After the shared budget failed to answer: use the local share until then.
    local_until: Mutex<Option<Instant>>,
    global: Direct,
    interval: Duration,
    queue: Mutex<Queue>,
    callers: Option<CallerQuotas>,
}

struct Queue {
    /// The first slot not yet reserved; at or before now when nobody waits.
    next_slot: Instant,
    /// No permits before this (an upstream 429).
    paused_until: Instant,
}

impl RateLimiter {
    /// A limiter with a full burst available.
    pub fn new(cfg: RateLimitConfig) -> Self {
        let quota = quota(cfg.per_minute, cfg.burst);
        let callers = cfg.per_caller_per_minute.map(|per_minute| {
            CallerQuotas::new(per_minute, cfg.per_caller_burst, cfg.max_tracked_callers)
        });
        let now = Instant::now();
        RateLimiter {
            global: Direct::direct_with_clock(quota, TokioClock),
            interval: quota.replenish_interval(),
            queue: Mutex::new(Queue {
                next_slot: now,
                paused_until: now,
            }),
            callers,
            shared: None,
            local_until: Mutex::new(None),
            cfg,
        }
    }

    /// Takes permits from `budget` (shared by every replica) first; this limiter's own budget
    /// (size it budget / expected replicas) serves only while Redis cannot answer.
    pub fn with_shared(mut self, budget: shared::SharedBudget) -> Self {
        crate::metrics::get().rate_limit_shared.set(1);
        self.shared = Some(budget);
        self
    }

    /// Waits for a permit (per-caller quota first if configured, then the global budget, and
    /// any 429 pause) as long as the wait fits in both `max_wait` and `deadline.remaining()`;
    /// else returns `Err` with the wait that would have been needed, immediately. `Ok` carries
    /// the time waited.
    pub async fn acquire(&self, caller: &str, deadline: Deadline) -> Result<Duration, RateLimited> {
        let started = Instant::now();
        let limit = started
            .checked_add(self.cfg.max_wait)
            .map_or(deadline.instant(), |cap| cap.min(deadline.instant()));
        if let Some(callers) = &self.callers {
            callers.acquire(caller, limit).await?;
        }
        self.acquire_global(limit)
            .await
            .inspect_err(|e| tracing::debug!(error = %e, "no upstream permit in time"))?;
        Ok(started.elapsed())
    }

    /// A permit for background work (reconciliation), only when no caller could want it: none
    /// is queued, no 429 pause runs, and the budget has a permit free now (the shared budget's,
    /// when it answers). Never waits and never reserves a slot.
    pub async fn try_spare(&self) -> bool {
        if !self.idle() {
            return false;
        }
        if let Some(answer) = self.try_shared(Instant::now()).await {
            return answer.is_ok();
        }
        self.global.check().is_ok()
    }

    /// Whether nobody is queued for a permit and no 429 pause runs.
    pub fn idle(&self) -> bool {
        let now = Instant::now();
        let queue = self.lock_queue();
        queue.next_slot <= now && queue.paused_until <= now
    }

    /// An upstream 429: pauses every caller until now + `retry_after` (a later, longer pause
    /// wins; a shorter one does not shorten it). Clamped to `MAX_PAUSE`: Atelio's limit is per
    /// minute, so a longer `Retry-After` is a bogus header, not a reason to stop for hours.
    pub fn pause_for(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after.min(MAX_PAUSE);
        let mut queue = self.lock_queue();
        queue.paused_until = queue.paused_until.max(until);
        if let Some(budget) = self.shared.clone() {
            let d = retry_after.min(MAX_PAUSE);
            tokio::spawn(async move {
                if let Err(e) = budget.pause(d).await {
                    tracing::warn!(error = ?e.kind(), "could not share an upstream 429 pause");
                }
            });
        }
    }

    /// Callers whose quota state is currently kept (0 without per-caller quotas).
    pub fn tracked_callers(&self) -> usize {
        self.callers.as_ref().map_or(0, CallerQuotas::tracked)
    }

    async fn acquire_global(&self, limit: Instant) -> Result<(), RateLimited> {
        if let Some(answer) = self.try_shared(limit).await {
            return answer;
        }
        let Some(slot) = self.reserve(limit)? else {
            return Ok(());
        };
        let reservation = Reservation {
            limiter: self,
            slot,
        };
        tokio::time::sleep_until(slot).await;
        drop(reservation);
        loop {
            let now = Instant::now();
            let paused = self
                .lock_queue()
                .paused_until
                .saturating_duration_since(now);
            let wait = if !paused.is_zero() {
                paused
            } else {
                match self.global.check() {
                    Ok(()) => return Ok(()),
                    Err(not_until) => wait_time(&not_until),
                }
            };
            if now + wait > limit {
                return Err(RateLimited::Global { retry_after: wait });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a permit now (`None`), or reserves the next free slot within `limit`.
    fn reserve(&self, limit: Instant) -> Result<Option<Instant>, RateLimited> {
        let now = Instant::now();
        let mut queue = self.lock_queue();
        let mut at = queue.next_slot.max(queue.paused_until);
        if at <= now {
            match self.global.check() {
                Ok(()) => return Ok(None),
                Err(not_until) => at = now + wait_time(&not_until),
            }
        }
        if at > limit {
            return Err(RateLimited::Global {
                retry_after: at - now,
            });
        }
        queue.next_slot = at + self.interval;
        Ok(Some(at))
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A reserved slot; a caller that goes away before its slot gives its place back (the queue
/// moves up one interval).
struct Reservation<'a> {
    limiter: &'a RateLimiter,
    slot: Instant,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if Instant::now() < self.slot {
            let mut queue = self.limiter.lock_queue();
            queue.next_slot = queue
                .next_slot
                .checked_sub(self.limiter.interval)
                .unwrap_or(queue.next_slot);
        }
    }
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

/// How long until governor would grant a permit (never zero, so a retry loop cannot spin).
fn wait_time(not_until: &NotUntil<TokioInstant>) -> Duration {
    not_until
        .wait_time_from(TokioClock.now())
        .max(Duration::from_millis(1))
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}
mod callers;
pub mod classes;
pub mod shared;

#[cfg(test)]
mod shared_tests;

#[cfg(test)]
mod tests;
