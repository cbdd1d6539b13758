//! Part of "retry" in idempotency → rate limit → retry → REST call: the retry budget. Every
//! first attempt is counted, every retry asks; a child module of `retry` (declared there).
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const BUCKETS: usize = 10;

/// Caps retries to `min_per_sec * window + ratio * requests` over a sliding window (as in
/// Finagle and linkerd): a steady trickle of retries is always allowed, beyond that retries may
/// add at most `ratio` to the load. Thread-safe; share one per upstream.
pub struct RetryBudget {
    ratio: f64,
    floor: f64,
    bucket_len: Duration,
    origin: Instant,
    window: Mutex<[Bucket; BUCKETS]>,
}

#[derive(Clone, Copy, Default)]
struct Bucket {
    epoch: u64,
    requests: u64,
    retries: u64,
}

impl RetryBudget {
    /// `ratio` of requests may be retried on top of `min_per_sec` retries per second, counted
    /// over the last `window` (in ten buckets).
    pub fn new(ratio: f64, min_per_sec: u32, window: Duration) -> Self {
        let window = window.max(Duration::from_millis(BUCKETS as u64));
        RetryBudget {
            ratio: if ratio.is_nan() { 0.0 } else { ratio.max(0.0) },
            floor: f64::from(min_per_sec) * window.as_secs_f64(),
            bucket_len: window / BUCKETS as u32,
            origin: Instant::now(),
            window: Mutex::new([Bucket::default(); BUCKETS]),
        }
    }

    /// Counts a first attempt.
    pub fn record_request(&self) {
        self.with_current(|b| b.requests += 1);
    }

    /// Whether a retry may be sent now; an allowed retry is counted.
    pub fn try_retry(&self) -> bool {
        let epoch = self.epoch();
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let live = window.iter().filter(|b| b.epoch + BUCKETS as u64 > epoch);
        let (requests, retries) = live.fold((0, 0), |(q, r), b| (q + b.requests, r + b.retries));
        let allowed = (retries as f64) < self.floor + self.ratio * requests as f64;
        if allowed {
            current(&mut window, epoch).retries += 1;
        }
        allowed
    }

    fn with_current(&self, f: impl FnOnce(&mut Bucket)) {
        let epoch = self.epoch();
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        f(current(&mut window, epoch));
    }

    fn epoch(&self) -> u64 {
        let elapsed = self.origin.elapsed().as_nanos();
        u64::try_from(elapsed / self.bucket_len.as_nanos()).unwrap_or(u64::MAX) + BUCKETS as u64
    }
}

/// The bucket for `epoch`, emptied if it last held an older epoch.
fn current(window: &mut [Bucket; BUCKETS], epoch: u64) -> &mut Bucket {
    let bucket = &mut window[(epoch % BUCKETS as u64) as usize];
    if bucket.epoch != epoch {
        *bucket = Bucket {
            epoch,
            ..Bucket::default()
        };
    }
    bucket
}

impl Default for RetryBudget {
    /// 20 % of requests plus 10 retries per second, over 10 s.
    fn default() -> Self {
        RetryBudget::new(0.2, 10, Duration::from_secs(10))
    }
}

impl std::fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryBudget")
            .field("ratio", &self.ratio)
            .field("floor", &self.floor)
            .field("window", &(self.bucket_len * BUCKETS as u32))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECS: fn(u64) -> Duration = Duration::from_secs;

    fn allowed(budget: &RetryBudget, tries: usize) -> usize {
        (0..tries).filter(|_| budget.try_retry()).count()
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_allows_the_floor_without_any_traffic() {
        let budget = RetryBudget::new(0.2, 1, SECS(10));
        assert_eq!(allowed(&budget, 50), 10, "1/s over 10 s");
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_allows_a_ratio_of_requests_on_top_of_the_floor() {
        let budget = RetryBudget::new(0.2, 0, SECS(10));
        assert!(
            !budget.try_retry(),
            "no traffic, no floor: nothing to retry"
        );
        (0..100).for_each(|_| budget.record_request());
        assert_eq!(allowed(&budget, 100), 20);
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_refills_as_retries_slide_out_of_the_window() {
        let budget = RetryBudget::new(0.0, 1, SECS(10));
        assert_eq!(allowed(&budget, 20), 10);
        tokio::time::advance(SECS(5)).await;
        assert_eq!(allowed(&budget, 20), 0, "all ten still in the window");
        tokio::time::advance(SECS(6)).await;
        assert_eq!(allowed(&budget, 20), 10, "the first ten slid out");
    }

    #[tokio::test(start_paused = true)]
    async fn requests_older_than_the_window_no_longer_earn_retries() {
        let budget = RetryBudget::new(0.5, 0, SECS(10));
        (0..10).for_each(|_| budget.record_request());
        tokio::time::advance(SECS(11)).await;
        assert!(!budget.try_retry());
    }

    #[test]
    fn the_budget_is_shared_across_threads() {
        let budget = std::sync::Arc::new(RetryBudget::new(0.0, 5, SECS(10)));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = budget.clone();
                std::thread::spawn(move || allowed(&b, 50))
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 50);
    }
}
