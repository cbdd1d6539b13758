//! Config → running components: the idempotency store and coordinator, the outbound pipeline
//! (rate limiter, circuit breaker, retry policy and budget around the HTTP client), the event
//! log behind the hub, and their background maintenance loops.
use std::{sync::Arc, time::Duration};

use crate::storage::redis_connect::Connected;

use super::{StartError, lifecycle::Closer};
use crate::config::{Config, Credentials, StoreBackend};
use crate::events::hub::Hub;
use crate::events::log::{EventLog, Retention, SystemClock as LogClock};
use crate::events::{memory_log::MemoryLog, redis_log::RedisLog, sqlite_log::SqliteLog};
use crate::grpc::Idempotency;
use crate::idempotency::redis_store::RedisStore;
use crate::idempotency::{IdempotencyStore, WallClock, memory::MemoryStore, sqlite::SqliteStore};
use crate::upstream::AtelioClient;
use crate::upstream::breaker::{BreakerConfig, CircuitBreaker};
use crate::upstream::pipeline::Upstream;
use crate::upstream::rate_limit::{RateLimitConfig, RateLimiter, shared::SharedBudget};
use crate::upstream::retry::{RetryBudget, RetryPolicy};

/// The idempotency coordinator over the configured store (the SQLite file is opened on a
/// blocking thread, never on the executor).
pub async fn idempotency(
    cfg: &Config,
    clock: Arc<dyn WallClock>,
    redis: Option<&Connected>,
    closers: &mut Vec<Closer>,
) -> Result<Idempotency, StartError> {
    let c = &cfg.idempotency;
    let store: Arc<dyn IdempotencyStore> = match c.store {
        StoreBackend::Memory => Arc::new(MemoryStore::new(c.memory_max_records, clock)),
        StoreBackend::Redis => Arc::new(RedisStore::new(
            shared(redis)?.shared.clone(),
            &cfg.redis.key_prefix,
            clock,
        )),
        StoreBackend::Sqlite => {
            let (path, sync) = (c.sqlite_path.clone(), cfg.sqlite.synchronous);
            let opened =
                tokio::task::spawn_blocking(move || SqliteStore::open_with(&path, clock, sync))
                    .await
                    .map_err(|e| StartError::store("idempotency.sqlite_path", e))?;
            let store = opened.map_err(|e| StartError::store("idempotency.sqlite_path", e))?;
            closers.push(Box::pin(store.stopped()));
            Arc::new(store)
        }
    };
    Ok(Idempotency::new(store, c.ttl()).with_recovery_max_pages(c.recovery_max_pages))
}

/// The outbound pipeline for the configured Atelio credentials.
pub fn upstream(
    cfg: &Config,
    creds: &Credentials,
    redis: Option<&Connected>,
) -> Result<Arc<Upstream>, StartError> {
    let client = AtelioClient::new(&cfg.upstream, creds)
        .map_err(|e| StartError::server("upstream client", e))?;
    let r = &cfg.rate_limit;
    // With a shared budget, the local limiter is only the fallback: this replica's share.
    let share = if r.shared {
        r.expected_replicas.max(1)
    } else {
        1
    };
    let limiter = RateLimiter::new(RateLimitConfig {
        per_minute: (r.per_minute / share).max(1),
        burst: (r.burst / share).max(1),
        max_wait: r.max_wait(),
        per_caller_per_minute: r.per_caller_per_minute,
        per_caller_burst: r.per_caller_burst,
        ..RateLimitConfig::default()
    });
    let limiter = if r.shared {
        let prefix = &cfg.redis.key_prefix;
        limiter.with_shared(SharedBudget::new(
            shared(redis)?.shared.clone(),
            prefix,
            r.per_minute,
            r.burst,
        ))
    } else {
        limiter
    };
    let breaker = CircuitBreaker::new(BreakerConfig::from(&cfg.breaker));
    let policy = RetryPolicy::from(&cfg.retry);
    let t = &cfg.retry;
    let budget = RetryBudget::new(
        t.budget_ratio,
        t.budget_min_per_sec,
        Duration::from_secs(10),
    );
    let upstream = Upstream::new(Arc::new(client), limiter, Arc::new(breaker), policy, budget);
    Ok(Arc::new(match read_share(r) {
        Some(reads) => upstream.with_read_share(reads),
        None => upstream,
    }))
}

/// The reads' share of the budget (None: `rate_limit.read_share = 1`). Kept in each process:
/// with a shared budget, each replica's reads hold at most that share of the whole budget.
fn read_share(r: &crate::config::RateLimitSettings) -> Option<RateLimiter> {
    if r.read_share >= 1.0 {
        return None;
    }
    let part = |n: u32| ((f64::from(n) * r.read_share) as u32).max(1);
    Some(RateLimiter::new(RateLimitConfig {
        per_minute: part(r.per_minute),
        burst: part(r.burst),
        max_wait: r.max_wait(),
        ..RateLimitConfig::default()
    }))
}

/// Purges expired idempotency records every `every`, forever (abort the task to stop it).
pub async fn purge_loop(store: Arc<dyn IdempotencyStore>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match store.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(purged = n, "expired idempotency records purged"),
            Err(e) => tracing::warn!(error = %e, "purging idempotency records failed"),
        }
    }
}

/// The durable event log (same SQLite file as idempotency unless configured) behind the hub.
/// A task to run beside the servers (aborted at shutdown).
pub type Task = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// With any Redis use: Redis opened once (`Connected`), its Sentinel follower and the task that
/// PINGs it (pushed to `tasks`), and the flag health follows.
pub async fn redis(
    cfg: &Config,
    tasks: &mut Vec<Task>,
) -> Result<Option<(Connected, tokio::sync::watch::Receiver<bool>)>, StartError> {
    if !cfg.uses_redis() {
        return Ok(None);
    }
    let mut redis = crate::storage::redis_connect::connect(&cfg.redis).await?;
    tasks.extend(redis.follow.take());
    let (task, up) = crate::storage::redis_health::monitor(redis.shared.clone());
    tasks.push(Box::pin(task));
    Ok(Some((redis, up)))
}

/// The Redis connections (present whenever config names a Redis part).
fn shared(redis: Option<&Connected>) -> Result<&Connected, StartError> {
    redis.ok_or_else(|| StartError::store("redis", "no connection configured"))
}

/// The event hub over the configured log. A shared (Redis) log also yields the task that
/// follows it, publishing other replicas' events here.
pub async fn hub(
    cfg: &Config,
    redis: Option<&Connected>,
    closers: &mut Vec<Closer>,
    tasks: &mut Vec<Task>,
) -> Result<Arc<Hub>, StartError> {
    let e = &cfg.events;
    let retention = Retention {
        max_age: e.retention(),
        max_events: e.max_events,
        dedupe_window: e.dedupe_window(),
    };
    let clock = Arc::new(LogClock);
    let log: Arc<dyn EventLog> = match e.store {
        StoreBackend::Memory => Arc::new(MemoryLog::new(retention, clock)),
        StoreBackend::Redis => {
            let redis = shared(redis)?;
            let (conn, blocking) = (redis.shared.clone(), redis.blocking.clone());
            let prefix = &cfg.redis.key_prefix;
            let log =
                Arc::new(RedisLog::new(conn, prefix, retention, clock).with_blocking(blocking));
            let hub = Hub::open(log.clone(), e.tail_capacity)
                .await
                .map_err(|e| StartError::store("events.store", e))?;
            tasks.push(Box::pin(crate::events::follow::follow(hub.clone(), log)));
            return Ok(hub);
        }
        StoreBackend::Sqlite => {
            let path = e
                .sqlite_path
                .clone()
                .unwrap_or_else(|| cfg.idempotency.sqlite_path.clone());
            let sync = cfg.sqlite.synchronous;
            let opened = tokio::task::spawn_blocking(move || {
                SqliteLog::open_with(&path, retention, clock, sync)
            })
            .await
            .map_err(|e| StartError::store("events.sqlite_path", e))?;
            let log = opened.map_err(|e| StartError::store("events.sqlite_path", e))?;
            closers.push(Box::pin(log.stopped()));
            Arc::new(log)
        }
    };
    Hub::open(log, e.tail_capacity)
        .await
        .map_err(|e| StartError::store("events.store", e))
}

/// Applies event retention every `every`, forever (abort the task to stop it).
pub async fn retention_loop(hub: Arc<Hub>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match hub.log().enforce_retention().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(removed = n, "event retention applied"),
            Err(e) => tracing::warn!(error = %e, "event retention failed"),
        }
    }
}
