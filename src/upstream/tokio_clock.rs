//! Step "rate limit" of idempotency → rate limit → retry → REST call: the clock governor's GCRA
//! reads. It is tokio's clock, so the shared budget follows `tokio::time::pause()` in tests and
//! agrees with the `tokio::time::sleep`s that wait for permits.
use std::ops::Add;
use std::time::Duration;

use governor::clock::{Clock, Reference};
use governor::nanos::Nanos;
use tokio::time::Instant;

/// A `tokio::time::Instant` as a governor clock reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokioInstant(pub Instant);

impl Add<Nanos> for TokioInstant {
    type Output = TokioInstant;

    fn add(self, other: Nanos) -> TokioInstant {
        TokioInstant(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        self.0
            .checked_sub(Duration::from(duration))
            .map_or(*self, TokioInstant)
    }
}

/// Governor clock that reads `tokio::time::Instant::now()` (paused and advanced by tokio's test
/// utilities like every other timer in the gateway).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_clock_follows_paused_tokio_time() {
        let clock = TokioClock;
        let before = clock.now();
        tokio::time::advance(Duration::from_secs(3)).await;
        let after = clock.now();
        assert_eq!(
            Duration::from(after.duration_since(before)),
            Duration::from_secs(3)
        );
        assert_eq!(
            Duration::from(before.duration_since(after)),
            Duration::ZERO,
            "duration_since saturates"
        );
        assert_eq!(before + Nanos::from(Duration::from_secs(3)), after);
        assert_eq!(after.saturating_sub(Duration::from_secs(3).into()), before);
    }
}
