//! Step "retry" of idempotency → rate limit → retry → REST call: the policy as data, one pure
//! decision per finished attempt (`decide`, no IO, no clock, jitter passed in), and a retry
//! budget (`RetryBudget`, in `retry/budget.rs`) that caps retries to a share of recent traffic
//! so a failing Atelio is not hammered.
use std::time::Duration;

/// How the gateway retries a safe upstream call (every call it makes is safe: reads, and writes
/// that carry the same Idempotency-Key on every attempt).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included.
    pub max_attempts: u32,
    /// Backoff cap for the first retry; it doubles per attempt.
    pub base_delay: Duration,
    /// The exponential backoff never exceeds this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is clamped to it.
    pub max_retry_after: Duration,
}

impl From<&crate::config::RetrySettings> for RetryPolicy {
    /// The policy `[retry]` configures.
    fn from(t: &crate::config::RetrySettings) -> Self {
        RetryPolicy {
            max_attempts: t.max_attempts,
            base_delay: t.base_delay(),
            max_delay: t.max_delay(),
            max_retry_after: t.max_retry_after(),
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// What happened on one attempt, as the retry logic needs it (the caller classifies its own
/// error type into this).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The call succeeded.
    Success,
    /// HTTP status received.
    Status {
        /// The HTTP status code.
        code: u16,
        /// The `Retry-After` header, if sent.
        retry_after: Option<Duration>,
    },
    /// The connection could not be made.
    ConnectError,
    /// The attempt timed out.
    Timeout,
    /// E.g. connection reset mid-response.
    TransportError,
    /// A non-retryable local failure (undecodable body, deadline already passed).
    Fatal,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The outcome is final and successful: return it.
    Done,
    /// Sleep this long, then send the same request again.
    Retry(Duration),
    /// Stop and report the last outcome.
    GiveUp(GiveUpReason),
}

/// Why retrying stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The outcome says the request itself is wrong (4xx other than 429, local failures).
    NotRetryable,
    /// `max_attempts` attempts were made.
    AttemptsExhausted,
    /// The backoff would not end before the caller's deadline.
    DeadlineTooClose,
    /// The retry budget refused (too many retries lately).
    BudgetExhausted,
}

impl GiveUpReason {
    /// Stable label for logs, metrics and `UpstreamError::RetriesExhausted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            GiveUpReason::NotRetryable => "not_retryable",
            GiveUpReason::AttemptsExhausted => "attempts_exhausted",
            GiveUpReason::DeadlineTooClose => "deadline",
            GiveUpReason::BudgetExhausted => "budget",
        }
    }
}

/// Pure: `attempt` is 1-based (the attempt that just finished); `jitter` in [0,1) is supplied by
/// the caller (values outside are clamped, NaN counts as 0).
///
/// Success and any 2xx → `Done`. Retryable: connect errors, timeouts, transport errors and HTTP
/// 429/500/502/503/504; everything else → `GiveUp(NotRetryable)`. The delay is full jitter,
/// `jitter * min(max_delay, base_delay * 2^(attempt-1))`, raised to the `Retry-After` (clamped to
/// `max_retry_after`) when there is one. `attempt >= max_attempts` → `GiveUp(AttemptsExhausted)`;
/// a delay that does not end before the deadline (`delay >= remaining`) → `GiveUp(DeadlineTooClose)`.
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    outcome: AttemptOutcome,
    remaining: Duration,
    jitter: f64,
) -> Decision {
    let retry_after = match outcome {
        AttemptOutcome::Success => return Decision::Done,
        AttemptOutcome::Status { code, .. } if (200..300).contains(&code) => return Decision::Done,
        AttemptOutcome::Status {
            code: 429 | 500 | 502 | 503 | 504,
            retry_after,
        } => retry_after,
        AttemptOutcome::ConnectError | AttemptOutcome::Timeout | AttemptOutcome::TransportError => {
            None
        }
        AttemptOutcome::Status { .. } | AttemptOutcome::Fatal => {
            return Decision::GiveUp(GiveUpReason::NotRetryable);
        }
    };
    if attempt >= policy.max_attempts {
        return Decision::GiveUp(GiveUpReason::AttemptsExhausted);
    }
    let delay = backoff(policy, attempt, jitter, retry_after);
    if delay >= remaining {
        return Decision::GiveUp(GiveUpReason::DeadlineTooClose);
    }
    Decision::Retry(delay)
}

/// Full-jitter exponential backoff, raised to the clamped `Retry-After`.
fn backoff(
    policy: &RetryPolicy,
    attempt: u32,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Duration {
    let doublings = attempt.saturating_sub(1);
    let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
    let cap = policy
        .base_delay
        .saturating_mul(factor)
        .min(policy.max_delay);
    let jitter = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    let jittered = Duration::try_from_secs_f64(cap.as_secs_f64() * jitter).unwrap_or(cap);
    match retry_after {
        Some(asked) => jittered.max(asked.min(policy.max_retry_after)),
        None => jittered,
    }
}
mod budget;
pub use budget::RetryBudget;

#[cfg(test)]
mod tests;
