//! The wall clock, on the ground floor: milliseconds since the Unix epoch, injected as
//! [`WallClock`] wherever a record's age matters (idempotency records, event retention) so
//! tests can move time with [`ManualClock`] (behind the `test-util` feature). The governor's
//! tokio-time clock (`upstream/tokio_clock.rs`) is a different thing and stays apart.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; injected so tests can move time.
pub trait WallClock: Send + Sync + 'static {
    /// Now, in Unix milliseconds (negative before 1970).
    fn now_ms(&self) -> i64;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }
}

/// The real wall clock in Unix milliseconds, for code that is not handed a clock.
pub fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => millis(since),
        Err(before) => -millis(before.duration()),
    }
}

/// A duration in whole milliseconds, saturating.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(any(test, feature = "test-util"))]
pub use manual::ManualClock;

#[cfg(any(test, feature = "test-util"))]
mod manual {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use super::{WallClock, millis};

    /// A clock that moves only when told to.
    #[derive(Debug, Default)]
    pub struct ManualClock(AtomicI64);

    impl ManualClock {
        /// A clock showing `start_ms`.
        pub fn new(start_ms: i64) -> Self {
            Self(AtomicI64::new(start_ms))
        }

        /// Moves the clock forward by `by`.
        pub fn advance(&self, by: Duration) {
            let by = millis(by);
            let _ = self
                .0
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                    Some(now.saturating_add(by))
                });
        }

        /// Sets the clock to `ms` (also backwards: a stepped clock).
        pub fn set(&self, ms: i64) {
            self.0.store(ms, Ordering::SeqCst);
        }
    }

    impl WallClock for ManualClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }
}
