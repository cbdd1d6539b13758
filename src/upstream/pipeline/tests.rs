//! The retry loop on paused time with a scripted transport: waits, give-ups and the breaker,
//! measured on tokio's clock (no real sleeping).
use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::time::Instant;

use super::*;
use crate::upstream::atelio_error::AtelioError;
use crate::upstream::breaker::BreakerConfig;
use crate::upstream::rate_limit::RateLimitConfig;

/// Answers from a script (the last answer repeats) and records when each attempt happened.
struct Scripted {
    answers: Mutex<VecDeque<Result<u16, UpstreamError>>>,
    last: Mutex<Option<Result<u16, UpstreamError>>>,
    times: Mutex<Vec<Instant>>,
    keys: Mutex<Vec<Option<String>>>,
}

impl Scripted {
    fn new(answers: Vec<Result<u16, UpstreamError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            last: Mutex::new(None),
            times: Mutex::default(),
            keys: Mutex::default(),
        })
    }
    fn hits(&self) -> usize {
        self.times.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(
        &self,
        req: &UpstreamRequest,
        _deadline: Deadline,
    ) -> Result<UpstreamResponse, UpstreamError> {
        self.times.lock().unwrap().push(Instant::now());
        self.keys.lock().unwrap().push(req.idempotency_key.clone());
        let next = self.answers.lock().unwrap().pop_front();
        let answer = match next {
            Some(a) => {
                *self.last.lock().unwrap() = Some(a.clone());
                a
            }
            None => self.last.lock().unwrap().clone().expect("scripted"),
        };
        answer.map(|status| UpstreamResponse {
            status,
            body: bytes::Bytes::from_static(b"{}"),
        })
    }
}

fn http(status: u16, retry_after: Option<u64>) -> Result<u16, UpstreamError> {
    Err(UpstreamError::Rejected {
        status,
        error: Box::new(AtelioError::default()),
        retry_after: retry_after.map(Duration::from_secs),
    })
}

fn pipeline(t: Arc<Scripted>, breaker: BreakerConfig) -> Upstream {
    let limits = RateLimitConfig {
        per_minute: 60_000,
        burst: 1_000,
        ..RateLimitConfig::default()
    };
    let budget = RetryBudget::new(0.2, 100, Duration::from_secs(10));
    Upstream::new(
        t,
        RateLimiter::new(limits),
        Arc::new(CircuitBreaker::new(breaker)),
        RetryPolicy::default(),
        budget,
    )
}

fn req() -> UpstreamRequest {
    UpstreamRequest::new("test.route", reqwest::Method::POST, "/x".into())
        .idempotency_key("key-1".into())
}

fn lenient_breaker() -> BreakerConfig {
    BreakerConfig {
        failure_threshold: 100,
        open_for: Duration::from_secs(10),
    }
}

#[tokio::test(start_paused = true)]
async fn two_503s_then_200_succeeds_with_the_same_key_on_every_attempt() {
    let t = Scripted::new(vec![http(503, None), http(503, None), Ok(200)]);
    let up = pipeline(t.clone(), lenient_breaker());
    up.execute(&req(), "c", Deadline::after(Duration::from_secs(30)))
        .await
        .expect("third attempt succeeds");
    assert_eq!(t.hits(), 3);
    assert!(
        t.keys
            .lock()
            .unwrap()
            .iter()
            .all(|k| k.as_deref() == Some("key-1"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_400_is_not_retried() {
    let t = Scripted::new(vec![http(400, None)]);
    let err = pipeline(t.clone(), lenient_breaker())
        .execute(&req(), "c", Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap_err();
    assert_eq!((t.hits(), err.status()), (1, Some(400)));
    assert!(matches!(err, UpstreamError::Rejected { .. }));
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_2_waits_two_seconds_before_the_retry() {
    let t = Scripted::new(vec![http(429, Some(2)), Ok(200)]);
    pipeline(t.clone(), lenient_breaker())
        .execute(&req(), "c", Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap();
    let times = t.times.lock().unwrap().clone();
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_millis(2_200),
        "waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_five_second_deadline_stops_retries_in_time() {
    let t = Scripted::new(vec![http(503, Some(3))]);
    let started = Instant::now();
    let err = pipeline(t.clone(), lenient_breaker())
        .execute(&req(), "c", Deadline::after(Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() <= Duration::from_secs(5),
        "outlived the deadline: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            UpstreamError::RetriesExhausted {
                reason: GiveUpReason::DeadlineTooClose,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        t.hits(),
        2,
        "503 at 0 s and 3 s; a third would start after the deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_report_attempts_and_the_last_failure() {
    let t = Scripted::new(vec![Err(UpstreamError::Connect)]);
    let err = pipeline(t.clone(), lenient_breaker())
        .execute(&req(), "c", Deadline::after(Duration::from_secs(60)))
        .await
        .unwrap_err();
    assert_eq!(t.hits(), 4);
    let UpstreamError::RetriesExhausted {
        attempts,
        reason,
        last,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!((attempts, reason), (4, GiveUpReason::AttemptsExhausted));
    assert!(matches!(*last, UpstreamError::Connect));
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_fails_fast_and_recovers_after_a_probe() {
    let t = Scripted::new(vec![
        http(500, None),
        http(500, None),
        http(500, None),
        Ok(200),
    ]);
    let up = pipeline(
        t.clone(),
        BreakerConfig {
            failure_threshold: 3,
            open_for: Duration::from_secs(10),
        },
    );
    let deadline = || Deadline::after(Duration::from_secs(60));
    let err = up.execute(&req(), "c", deadline()).await.unwrap_err();
    assert_eq!(t.hits(), 3, "the breaker opened during the retries");
    assert!(matches!(err, UpstreamError::CircuitOpen { .. }), "{err:?}");
    let fast = up.execute(&req(), "c", deadline()).await.unwrap_err();
    assert!(
        matches!(fast, UpstreamError::CircuitOpen { retry_after } if retry_after <= Duration::from_secs(10))
    );
    assert_eq!(t.hits(), 3, "no upstream call while open");
    tokio::time::sleep(Duration::from_secs(10)).await;
    up.execute(&req(), "c", deadline())
        .await
        .expect("the probe succeeds");
    assert_eq!(up.breaker().state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn client_errors_do_not_open_the_breaker() {
    let t = Scripted::new(vec![http(404, None)]);
    let up = pipeline(
        t.clone(),
        BreakerConfig {
            failure_threshold: 2,
            open_for: Duration::from_secs(10),
        },
    );
    for _ in 0..5 {
        let _ = up
            .execute(&req(), "c", Deadline::after(Duration::from_secs(5)))
            .await;
    }
    assert_eq!((t.hits(), up.breaker().state()), (5, BreakerState::Closed));
}
