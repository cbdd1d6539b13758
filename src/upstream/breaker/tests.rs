//! Tests for the circuit breaker beside "retry" in idempotency → rate limit → retry → REST
//! call: its state machine on paused time.
use super::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;

fn breaker(threshold: u32) -> CircuitBreaker {
    CircuitBreaker::new(BreakerConfig {
        failure_threshold: threshold,
        open_for: SECS(10),
    })
}

fn fail(b: &CircuitBreaker, times: u32) {
    (0..times).for_each(|_| b.record(true));
}

#[tokio::test(start_paused = true)]
async fn the_defaults_are_five_failures_and_ten_seconds() {
    let cfg = BreakerConfig::default();
    assert_eq!((cfg.failure_threshold, cfg.open_for), (5, SECS(10)));
}

#[tokio::test(start_paused = true)]
async fn it_opens_after_threshold_consecutive_failures_and_not_before() {
    let b = breaker(5);
    fail(&b, 4);
    assert_eq!((b.state(), b.allow()), (BreakerState::Closed, Ok(())));
    fail(&b, 1);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn a_success_resets_the_failure_count() {
    let b = breaker(3);
    fail(&b, 2);
    b.record(false);
    fail(&b, 2);
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, 1);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn while_open_calls_fail_fast_with_the_remaining_open_time() {
    let b = breaker(1);
    fail(&b, 1);
    assert_eq!(
        b.allow(),
        Err(BreakerOpen {
            retry_after: SECS(10)
        })
    );
    tokio::time::advance(SECS(4)).await;
    assert_eq!(
        b.allow(),
        Err(BreakerOpen {
            retry_after: SECS(6)
        })
    );
}

#[tokio::test(start_paused = true)]
async fn reports_arriving_while_open_change_nothing() {
    let b = breaker(1);
    fail(&b, 1);
    b.record(false);
    fail(&b, 3);
    assert_eq!(
        b.allow(),
        Err(BreakerOpen {
            retry_after: SECS(10)
        })
    );
}

#[tokio::test(start_paused = true)]
async fn after_open_for_exactly_one_probe_passes() {
    let b = breaker(1);
    fail(&b, 1);
    tokio::time::advance(SECS(10)).await;
    assert_eq!(b.allow(), Ok(()), "the probe");
    assert_eq!(b.state(), BreakerState::HalfOpen);
    for _ in 0..3 {
        assert_eq!(
            b.allow(),
            Err(BreakerOpen {
                retry_after: SECS(1)
            })
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_successful_probe_closes_the_breaker() {
    let b = breaker(2);
    fail(&b, 2);
    tokio::time::advance(SECS(10)).await;
    b.allow().expect("probe");
    b.record(false);
    assert_eq!(b.state(), BreakerState::Closed);
    assert_eq!((b.allow(), b.allow()), (Ok(()), Ok(())));
    fail(&b, 1);
    assert_eq!(
        b.state(),
        BreakerState::Closed,
        "the failure count starts again from zero"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_reopens_for_a_new_open_period() {
    let b = breaker(5);
    fail(&b, 5);
    tokio::time::advance(SECS(10)).await;
    b.allow().expect("probe");
    b.record(true);
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(
        b.allow(),
        Err(BreakerOpen {
            retry_after: SECS(10)
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_never_reports_is_replaced_after_open_for() {
    let b = breaker(1);
    fail(&b, 1);
    tokio::time::advance(SECS(10)).await;
    b.allow().expect("first probe, then its caller goes away");
    tokio::time::advance(SECS(9)).await;
    assert!(b.allow().is_err());
    tokio::time::advance(SECS(1)).await;
    assert_eq!(b.allow(), Ok(()), "a second probe");
}

#[tokio::test(start_paused = true)]
async fn subscribers_see_closed_open_half_open_closed_without_any_call() {
    let b = breaker(2);
    let mut rx = b.subscribe();
    assert_eq!(*rx.borrow_and_update(), BreakerState::Closed);
    fail(&b, 2);
    rx.changed().await.expect("open");
    assert_eq!(*rx.borrow_and_update(), BreakerState::Open);
    let opened = tokio::time::Instant::now();
    rx.changed()
        .await
        .expect("half-open, published by the timer");
    assert_eq!(*rx.borrow_and_update(), BreakerState::HalfOpen);
    assert_eq!(opened.elapsed(), SECS(10));
    b.allow().expect("probe");
    b.record(false);
    rx.changed().await.expect("closed");
    assert_eq!(*rx.borrow_and_update(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_reopened_breaker_is_not_half_opened_by_the_earlier_timer() {
    let b = breaker(1);
    let mut rx = b.subscribe();
    fail(&b, 1);
    tokio::time::advance(SECS(10)).await;
    b.allow().expect("probe");
    b.record(true);
    rx.borrow_and_update();
    tokio::time::advance(SECS(5)).await;
    assert_eq!(b.state(), BreakerState::Open);
    assert!(!rx.has_changed().expect("sender alive"));
}

#[test]
fn the_breaker_works_without_a_tokio_runtime() {
    let b = CircuitBreaker::new(BreakerConfig {
        failure_threshold: 1,
        open_for: Duration::ZERO,
    });
    fail(&b, 1);
    assert_eq!(b.allow(), Ok(()), "open_for is over at once: the probe");
    b.record(false);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_huge_open_for_does_not_panic() {
    let b = CircuitBreaker::new(BreakerConfig {
        failure_threshold: 1,
        open_for: Duration::MAX,
    });
    fail(&b, 1);
    assert!(b.allow().is_err_and(|open| open.retry_after >= SECS(3_600)));
}

#[test]
fn breakers_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CircuitBreaker>();
}
