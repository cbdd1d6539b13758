//! Tests for step "rate limit" of idempotency → rate limit → retry → REST call. The shared
//! budget on paused time: smoothing, refusals that come at once with the needed
//! wait, the reservation queue and 429 pauses. (Per-caller quotas: `rate_limit/callers.rs`.)
use std::sync::Arc;

use tokio::task::JoinSet;

use super::*;

const MS: fn(u64) -> Duration = Duration::from_millis;
const SECS: fn(u64) -> Duration = Duration::from_secs;

fn far() -> Deadline {
    Deadline::after(SECS(120))
}

fn limiter(per_minute: u32, burst: u32) -> Arc<RateLimiter> {
    let cfg = RateLimitConfig {
        per_minute,
        burst,
        max_wait: SECS(60),
        ..Default::default()
    };
    Arc::new(RateLimiter::new(cfg))
}

fn global(retry_after: Duration) -> Result<Duration, RateLimited> {
    Err(RateLimited::Global { retry_after })
}

async fn drain(l: &RateLimiter, n: usize) {
    for _ in 0..n {
        assert_eq!(l.acquire("c", far()).await, Ok(Duration::ZERO));
    }
}

/// Starts `n` concurrent acquisitions; each yields when its permit came, counted from `t0`.
fn spawn_waiters(l: &Arc<RateLimiter>, n: usize, t0: Instant) -> JoinSet<Duration> {
    let mut set = JoinSet::new();
    for _ in 0..n {
        let l = l.clone();
        set.spawn(async move {
            l.acquire("c", far())
                .await
                .expect("permit within the deadline");
            t0.elapsed()
        });
    }
    set
}

async fn granted(set: JoinSet<Duration>) -> Vec<Duration> {
    let mut times = set.join_all().await;
    times.sort();
    times
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_twice_the_allowance_is_smoothed_to_the_gcra_rate() {
    let l = limiter(60, 10);
    let times = granted(spawn_waiters(&l, 20, Instant::now())).await;
    let mut per_second = [0usize; 12];
    times
        .iter()
        .for_each(|t| per_second[t.as_secs() as usize] += 1);
    assert_eq!(per_second[0], 10, "the burst goes at once: {times:?}");
    assert!(
        per_second[1..].iter().all(|&n| n <= 1),
        "then one a second: {per_second:?}"
    );
    for s in 0..12u64 {
        let by_s = times.iter().filter(|t| **t <= SECS(s) + MS(5)).count() as u64;
        assert!(by_s <= 10 + s, "{by_s} permits by {s} s");
    }
    let last = times[19];
    assert!(
        last >= SECS(10) && last <= SECS(10) + MS(5),
        "all done at 10 s, not {last:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_beyond_the_deadline_fails_at_once_with_the_needed_wait() {
    let l = limiter(60, 10);
    drain(&l, 10).await;
    let t0 = Instant::now();
    assert_eq!(
        l.acquire("c", Deadline::after(MS(500))).await,
        global(SECS(1))
    );
    assert_eq!(t0.elapsed(), Duration::ZERO, "no sleeping before refusing");
}

#[tokio::test(start_paused = true)]
async fn a_wait_beyond_max_wait_fails_at_once_whatever_the_deadline() {
    let cfg = RateLimitConfig {
        per_minute: 60,
        burst: 1,
        max_wait: MS(500),
        ..Default::default()
    };
    let l = RateLimiter::new(cfg);
    drain(&l, 1).await;
    let t0 = Instant::now();
    assert_eq!(l.acquire("c", far()).await, global(SECS(1)));
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_fits_is_waited_and_reported() {
    let l = limiter(60, 2);
    drain(&l, 2).await;
    assert_eq!(l.acquire("c", Deadline::after(SECS(5))).await, Ok(SECS(1)));
}

#[tokio::test(start_paused = true)]
async fn the_needed_wait_counts_the_callers_queued_ahead() {
    let l = limiter(60, 10);
    drain(&l, 10).await;
    let t0 = Instant::now();
    let waiters = spawn_waiters(&l, 5, t0);
    tokio::task::yield_now().await;
    let refused = l.acquire("c", Deadline::after(SECS(3))).await;
    assert_eq!(refused, global(SECS(6)), "slots 1 s to 5 s are taken");
    assert_eq!(
        granted(waiters).await,
        (1..=5).map(SECS).collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_goes_away_gives_its_slot_back() {
    let l = limiter(60, 1);
    drain(&l, 1).await;
    let mut gone = spawn_waiters(&l, 1, Instant::now());
    tokio::task::yield_now().await;
    gone.abort_all();
    while gone.join_next().await.is_some() {}
    assert_eq!(
        l.acquire("c", Deadline::after(MS(1_500))).await,
        Ok(SECS(1))
    );
}

#[tokio::test(start_paused = true)]
async fn pause_for_delays_everyone_and_a_shorter_later_pause_does_not_shorten_it() {
    let l = limiter(6_000, 100);
    l.pause_for(SECS(5));
    l.pause_for(SECS(1));
    let t0 = Instant::now();
    assert_eq!(
        l.acquire("c", Deadline::after(SECS(2))).await,
        global(SECS(5))
    );
    let times = granted(spawn_waiters(&l, 3, t0)).await;
    let want = vec![SECS(5), MS(5_010), MS(5_020)];
    assert_eq!(
        times, want,
        "then they resume at the budget's rate, not as a burst"
    );
}

#[tokio::test(start_paused = true)]
async fn a_longer_later_pause_extends_the_pause_for_callers_already_waiting() {
    let l = limiter(6_000, 100);
    let t0 = Instant::now();
    l.pause_for(SECS(2));
    let waiter = spawn_waiters(&l, 1, t0);
    tokio::time::sleep(SECS(1)).await;
    l.pause_for(SECS(5));
    assert_eq!(granted(waiter).await, vec![SECS(6)]);
}

#[tokio::test(start_paused = true)]
async fn a_pause_ending_after_the_deadline_refuses_a_waiting_caller_in_time() {
    let l = limiter(6_000, 100);
    l.pause_for(SECS(1));
    let t0 = Instant::now();
    let waiter = tokio::spawn({
        let l = l.clone();
        async move { l.acquire("c", Deadline::after(SECS(3))).await }
    });
    tokio::time::sleep(MS(500)).await;
    l.pause_for(SECS(10));
    assert_eq!(waiter.await.ok(), Some(global(MS(9_500))));
    assert_eq!(
        t0.elapsed(),
        SECS(1),
        "refused when its slot came, not at the deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn a_bogus_retry_after_pauses_for_at_most_a_minute() {
    let l = limiter(6_000, 100);
    l.pause_for(Duration::from_secs(u64::MAX));
    assert_eq!(
        l.acquire("c", Deadline::after(SECS(1))).await,
        global(MAX_PAUSE)
    );
}

#[tokio::test(start_paused = true)]
async fn a_huge_max_wait_is_bounded_by_the_deadline_alone() {
    let cfg = RateLimitConfig {
        per_minute: 60,
        burst: 1,
        max_wait: Duration::MAX,
        ..Default::default()
    };
    let l = RateLimiter::new(cfg);
    drain(&l, 1).await;
    assert_eq!(l.acquire("c", Deadline::after(SECS(2))).await, Ok(SECS(1)));
}

#[tokio::test(start_paused = true)]
async fn zero_rates_in_the_config_mean_one_not_a_panic() {
    let cfg = RateLimitConfig {
        per_minute: 0,
        burst: 0,
        ..Default::default()
    };
    let l = RateLimiter::new(cfg);
    assert_eq!(l.acquire("c", far()).await, Ok(Duration::ZERO));
    assert_eq!(
        l.acquire("c", Deadline::after(SECS(1))).await,
        global(SECS(60))
    );
}

#[test]
fn the_defaults_stay_below_atelios_limit() {
    let cfg = RateLimitConfig::default();
    assert_eq!(
        (cfg.per_minute, cfg.burst, cfg.max_wait),
        (800, 50, SECS(10))
    );
    assert_eq!(cfg.per_caller_per_minute, None);
    assert_eq!(
        (cfg.per_caller_burst, cfg.max_tracked_callers),
        (20, 10_000)
    );
}

#[test]
fn the_limiter_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RateLimiter>();
}
