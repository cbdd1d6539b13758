//! The upstream budget shared by every replica through Redis: one GCRA state (the theoretical
//! arrival time, in Redis' own clock) updated by an atomic script that reserves the caller's
//! slot when its wait fits, so N replicas together stay inside one Atelio budget; an upstream
//! 429 pause is shared the same way. When Redis cannot answer, `RateLimiter` falls back to its
//! local limiter (sized budget / expected replicas) and the `rate_limit_shared` gauge drops to 0.
use std::time::Duration;

use redis::Script;

use crate::storage::RedisConn;
use std::sync::LazyLock;
use tokio::time::Instant;

use super::{RateLimited, RateLimiter};

/// How long the local share serves after the shared budget failed to answer.
const SHARED_RETRY: Duration = Duration::from_secs(1);

/// KEYS: tat, pause. ARGV: interval µs, burst, longest wait µs. Returns {granted, wait µs}.
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local go = math.max(tat - (burst - 1) * interval, now, pause)
local wait = go - now
if wait > tonumber(ARGV[3]) then return {0, wait} end
local new_tat = math.max(tat, go) + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1000)
return {1, wait}"#,
    )
});

/// KEYS: pause. ARGV: pause µs. A longer pause wins.
static PAUSE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"local t = redis.call('TIME')
local until_us = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
if until_us > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_us, 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0"#,
    )
});

/// What the shared budget answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// The slot is reserved: go after this wait.
    Granted(Duration),
    /// The wait would exceed the caller's limit (nothing reserved).
    Refused(Duration),
}

/// One budget in Redis.
#[derive(Clone)]
pub struct SharedBudget {
    conn: RedisConn,
    tat_key: String,
    pause_key: String,
    interval_us: u64,
    burst: u32,
}

impl std::fmt::Debug for SharedBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBudget")
            .field("interval_us", &self.interval_us)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl SharedBudget {
    /// `per_minute` calls with `burst` for all replicas using `prefix` on this Redis.
    pub fn new(conn: RedisConn, prefix: &str, per_minute: u32, burst: u32) -> Self {
        SharedBudget {
            conn,
            tat_key: format!("{{{prefix}}}:rate:tat"),
            pause_key: format!("{{{prefix}}}:rate:pause"),
            interval_us: 60_000_000 / u64::from(per_minute.max(1)),
            burst: burst.max(1),
        }
    }

    /// Reserves a slot within `max_wait`, or says how long it would take.
    pub async fn reserve(&self, max_wait: Duration) -> Result<Shared, redis::RedisError> {
        let (granted, wait): (i64, i64) = RESERVE
            .key(&self.tat_key)
            .key(&self.pause_key)
            .arg(self.interval_us)
            .arg(self.burst)
            .arg(micros(max_wait))
            .invoke_async(&mut self.conn.clone())
            .await?;
        let wait = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
        Ok(if granted == 1 {
            Shared::Granted(wait)
        } else {
            Shared::Refused(wait)
        })
    }

    /// Pauses every replica for `d` (an upstream 429).
    pub async fn pause(&self, d: Duration) -> Result<(), redis::RedisError> {
        let _: i64 = PAUSE
            .key(&self.pause_key)
            .arg(micros(d))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }
}

impl RateLimiter {
    /// Asks the shared budget, unless there is none or Redis failed within `SHARED_RETRY`:
    /// `Some` is the answer (after the granted wait), `None` means "use the local share".
    pub(super) async fn try_shared(&self, limit: Instant) -> Option<Result<(), RateLimited>> {
        let budget = self.shared.as_ref().filter(|_| !self.on_fallback())?;
        let gauge = &crate::metrics::get().rate_limit_shared;
        let max_wait = limit.saturating_duration_since(Instant::now());
        match budget.reserve(max_wait).await {
            Ok(Shared::Granted(wait)) => {
                gauge.set(1);
                tokio::time::sleep(wait).await;
                Some(Ok(()))
            }
            Ok(Shared::Refused(wait)) => {
                gauge.set(1);
                Some(Err(RateLimited::Global { retry_after: wait }))
            }
            Err(e) => {
                if gauge.get() == 1 {
                    tracing::warn!(error = ?e.kind(), "shared rate limit unreachable; using the local share");
                }
                gauge.set(0);
                *self.local_until.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(Instant::now() + SHARED_RETRY);
                None
            }
        }
    }

    /// Whether Redis failed recently (the local share serves until `SHARED_RETRY` has passed).
    pub(super) fn on_fallback(&self) -> bool {
        let until = *self.local_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|u| Instant::now() < u)
    }
}
