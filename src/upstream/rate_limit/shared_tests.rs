//! The shared budget on a real `redis-server`: two limiters (two replicas) on one Redis grant
//! exactly one burst between them; a 429 pause taken by one holds the other; with Redis gone a
//! limiter falls back to its local share (and reports it in the `rate_limit_shared` gauge).
use std::sync::Arc;
use std::time::Duration;

use super::shared::SharedBudget;
use super::*;
use crate::deadline::Deadline;
use crate::storage::redis_server::RedisServer;

async fn replica(url: &str, prefix: &str, per_minute: u32, burst: u32) -> RateLimiter {
    let conn = crate::storage::redis_connect::connect(&crate::config::RedisConfig {
        url: Some(crate::config::Secret::new(url)),
        timeout_ms: 500,
        ..Default::default()
    })
    .await
    .expect("redis config");
    RateLimiter::new(RateLimitConfig {
        per_minute: per_minute / 2,
        burst: (burst / 2).max(1),
        max_wait: Duration::ZERO,
        ..RateLimitConfig::default()
    })
    .with_shared(SharedBudget::new(conn.shared, prefix, per_minute, burst))
}

fn soon() -> Deadline {
    Deadline::after(Duration::from_secs(5))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_burst_and_one_pause() {
    let server = RedisServer::shared();
    let prefix = uuid::Uuid::new_v4().to_string();
    let a = Arc::new(replica(&server.url(), &prefix, 6, 4).await);
    let b = Arc::new(replica(&server.url(), &prefix, 6, 4).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move { limiter.acquire("c", soon()).await.is_ok() });
    }
    let mut granted = 0;
    while let Some(ok) = tasks.join_next().await {
        granted += usize::from(ok.expect("task"));
    }
    assert_eq!(granted, 4, "one burst for both replicas");

    let prefix = uuid::Uuid::new_v4().to_string();
    let a = replica(&server.url(), &prefix, 600, 10).await;
    let b = replica(&server.url(), &prefix, 600, 10).await;
    a.pause_for(Duration::from_secs(5));
    // pause_for shares the pause in the background: wait until Redis holds it.
    let mut redis = server.connection().await;
    let key = format!("{{{prefix}}}:rate:pause");
    for _ in 0..100 {
        let held: Option<u64> = ::redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .expect("get");
        if held.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let held = b.acquire("c", soon()).await;
    assert!(
        matches!(held, Err(RateLimited::Global { retry_after }) if retry_after > Duration::from_secs(3)),
        "{held:?}"
    );
}

#[tokio::test]
async fn without_redis_a_replica_uses_its_local_share() {
    let mut server = RedisServer::start(false);
    let limiter = replica(&server.url(), "fallback", 600, 10).await;
    server.kill();
    // The local share is burst 10 / 2 replicas = 5.
    let mut granted = 0;
    for _ in 0..8 {
        granted += usize::from(limiter.acquire("c", soon()).await.is_ok());
    }
    assert_eq!(granted, 5);
    assert!(
        limiter.on_fallback(),
        "the replica knows it is on its local share"
    );
}
