//! Tests for step "retry" of idempotency → rate limit → retry → REST call: the decision as a
//! table of cases, no IO, no clock.
use super::*;

const MS: fn(u64) -> Duration = Duration::from_millis;
const SECS: fn(u64) -> Duration = Duration::from_secs;
const PLENTY: Duration = Duration::from_secs(60);

fn status(code: u16) -> AttemptOutcome {
    AttemptOutcome::Status {
        code,
        retry_after: None,
    }
}

fn status_after(code: u16, after: Duration) -> AttemptOutcome {
    AttemptOutcome::Status {
        code,
        retry_after: Some(after),
    }
}

fn decide_default(
    attempt: u32,
    outcome: AttemptOutcome,
    remaining: Duration,
    jitter: f64,
) -> Decision {
    decide(&RetryPolicy::default(), attempt, outcome, remaining, jitter)
}

#[test]
fn success_and_every_2xx_are_done() {
    for outcome in [
        AttemptOutcome::Success,
        status(200),
        status(201),
        status(204),
        status(299),
    ] {
        assert_eq!(
            decide_default(1, outcome, PLENTY, 0.5),
            Decision::Done,
            "{outcome:?}"
        );
    }
}

#[test]
fn transient_failures_are_retried() {
    let retryable = [
        AttemptOutcome::ConnectError,
        AttemptOutcome::Timeout,
        AttemptOutcome::TransportError,
        status(429),
        status(500),
        status(502),
        status(503),
        status(504),
    ];
    for outcome in retryable {
        assert!(
            matches!(decide_default(1, outcome, PLENTY, 0.5), Decision::Retry(_)),
            "{outcome:?}"
        );
    }
}

#[test]
fn client_errors_other_statuses_and_fatal_failures_are_not_retried() {
    let final_ones = [
        status(400),
        status(401),
        status(404),
        status(409),
        status(501),
        status(302),
        AttemptOutcome::Fatal,
    ];
    for outcome in final_ones {
        let want = Decision::GiveUp(GiveUpReason::NotRetryable);
        assert_eq!(decide_default(1, outcome, PLENTY, 0.5), want, "{outcome:?}");
    }
}

#[test]
fn a_non_retryable_outcome_wins_over_exhausted_attempts() {
    let want = Decision::GiveUp(GiveUpReason::NotRetryable);
    assert_eq!(decide_default(4, status(400), PLENTY, 0.5), want);
}

#[test]
fn backoff_is_full_jitter_over_a_doubling_cap() {
    assert_eq!(
        decide_default(1, status(503), PLENTY, 0.5),
        Decision::Retry(MS(50))
    );
    assert_eq!(
        decide_default(2, status(503), PLENTY, 0.5),
        Decision::Retry(MS(100))
    );
    assert_eq!(
        decide_default(3, status(503), PLENTY, 0.5),
        Decision::Retry(MS(200))
    );
    assert_eq!(
        decide_default(1, status(503), PLENTY, 0.0),
        Decision::Retry(Duration::ZERO)
    );
}

#[test]
fn backoff_never_exceeds_max_delay_even_for_huge_attempt_numbers() {
    let policy = RetryPolicy {
        max_attempts: u32::MAX,
        ..RetryPolicy::default()
    };
    for attempt in [7, 32, 33, 1_000, u32::MAX - 1] {
        let decision = decide(&policy, attempt, AttemptOutcome::Timeout, PLENTY, 0.999_999);
        let Decision::Retry(delay) = decision else {
            panic!("{decision:?}")
        };
        assert!(
            delay <= SECS(5) && delay > MS(4_999),
            "attempt {attempt}: {delay:?}"
        );
    }
}

#[test]
fn an_unbounded_policy_does_not_panic() {
    let policy = RetryPolicy {
        max_attempts: u32::MAX,
        base_delay: Duration::MAX,
        max_delay: Duration::MAX,
        max_retry_after: Duration::MAX,
    };
    let huge = AttemptOutcome::Status {
        code: 503,
        retry_after: Some(Duration::MAX),
    };
    assert_eq!(
        decide(&policy, 40, huge, Duration::MAX, 1.0),
        Decision::GiveUp(GiveUpReason::DeadlineTooClose)
    );
    assert!(matches!(
        decide(&policy, 40, AttemptOutcome::Timeout, Duration::MAX, 0.5),
        Decision::Retry(_)
    ));
}

#[test]
fn out_of_range_jitter_is_clamped_and_nan_counts_as_zero() {
    assert_eq!(
        decide_default(1, status(503), PLENTY, 7.0),
        Decision::Retry(MS(100))
    );
    assert_eq!(
        decide_default(1, status(503), PLENTY, -1.0),
        Decision::Retry(Duration::ZERO)
    );
    assert_eq!(
        decide_default(1, status(503), PLENTY, f64::NAN),
        Decision::Retry(Duration::ZERO)
    );
}

#[test]
fn retry_after_raises_the_delay() {
    assert_eq!(
        decide_default(1, status_after(429, SECS(2)), PLENTY, 0.5),
        Decision::Retry(SECS(2))
    );
    assert_eq!(
        decide_default(1, status_after(503, SECS(1)), PLENTY, 0.0),
        Decision::Retry(SECS(1))
    );
}

#[test]
fn a_short_retry_after_does_not_lower_the_backoff() {
    let policy = RetryPolicy {
        base_delay: SECS(4),
        ..RetryPolicy::default()
    };
    let decision = decide(&policy, 1, status_after(429, MS(10)), PLENTY, 0.5);
    assert_eq!(decision, Decision::Retry(SECS(2)));
}

#[test]
fn retry_after_is_clamped_to_max_retry_after() {
    let decision = decide_default(
        1,
        status_after(503, SECS(3_600)),
        Duration::from_secs(120),
        0.5,
    );
    assert_eq!(decision, Decision::Retry(SECS(30)));
}

#[test]
fn retry_stops_after_max_attempts() {
    assert!(matches!(
        decide_default(3, AttemptOutcome::Timeout, PLENTY, 0.5),
        Decision::Retry(_)
    ));
    let want = Decision::GiveUp(GiveUpReason::AttemptsExhausted);
    assert_eq!(
        decide_default(4, AttemptOutcome::Timeout, PLENTY, 0.5),
        want
    );
    assert_eq!(decide_default(9, status(503), PLENTY, 0.5), want);
}

#[test]
fn a_delay_that_reaches_the_deadline_gives_up() {
    let want = Decision::GiveUp(GiveUpReason::DeadlineTooClose);
    assert_eq!(
        decide_default(1, status_after(503, SECS(3)), SECS(2), 0.5),
        want
    );
    assert_eq!(
        decide_default(1, status_after(503, SECS(3)), SECS(3), 0.5),
        want,
        "equal is too close"
    );
    assert_eq!(
        decide_default(1, AttemptOutcome::Timeout, Duration::ZERO, 0.0),
        want
    );
    let ok = decide_default(1, status_after(503, SECS(3)), MS(3_001), 0.5);
    assert_eq!(ok, Decision::Retry(SECS(3)));
}

#[test]
fn give_up_reasons_have_stable_labels() {
    assert_eq!(GiveUpReason::NotRetryable.as_str(), "not_retryable");
    assert_eq!(
        GiveUpReason::AttemptsExhausted.as_str(),
        "attempts_exhausted"
    );
    assert_eq!(GiveUpReason::DeadlineTooClose.as_str(), "deadline");
    assert_eq!(GiveUpReason::BudgetExhausted.as_str(), "budget");
}
