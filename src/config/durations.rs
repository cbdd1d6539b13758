//! Each section's durations, typed once: the keys keep their unit in their name (`_ms`, `_s`,
//! `_hours`, as `config.default.toml` documents them) and the code asks for a `Duration` here,
//! never multiplying at the use site.
use std::time::Duration;

use super::{
    AuthConfig, BreakerSettings, EventsConfig, IdempotencyConfig, RateLimitSettings, RetrySettings,
    ShutdownConfig, UpstreamConfig,
};

const HOUR: u64 = 3600;

/// The floor of `auth.reload_interval_ms` (a tighter poll would only burn CPU).
const MIN_RELOAD: Duration = Duration::from_millis(50);

impl EventsConfig {
    /// `events.retention_hours`.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_hours.saturating_mul(HOUR))
    }

    /// `events.dedupe_window_hours`.
    pub fn dedupe_window(&self) -> Duration {
        Duration::from_secs(self.dedupe_window_hours.saturating_mul(HOUR))
    }

    /// `events.heartbeat_ms`.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms)
    }

    /// `events.stall_timeout_ms`.
    pub fn stall_timeout(&self) -> Duration {
        Duration::from_millis(self.stall_timeout_ms)
    }

    /// `events.retention_interval_s`.
    pub fn retention_interval(&self) -> Duration {
        Duration::from_secs(self.retention_interval_s)
    }
}

impl IdempotencyConfig {
    /// `idempotency.ttl_hours`: how long outcomes are kept.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl_hours.saturating_mul(HOUR))
    }

    /// `idempotency.purge_interval_s`.
    pub fn purge_interval(&self) -> Duration {
        Duration::from_secs(self.purge_interval_s)
    }
}

impl RateLimitSettings {
    /// `rate_limit.max_wait_ms`: the longest a call queues for a token.
    pub fn max_wait(&self) -> Duration {
        Duration::from_millis(self.max_wait_ms)
    }
}

impl RetrySettings {
    /// `retry.base_delay_ms`.
    pub fn base_delay(&self) -> Duration {
        Duration::from_millis(self.base_delay_ms)
    }

    /// `retry.max_delay_ms`.
    pub fn max_delay(&self) -> Duration {
        Duration::from_millis(self.max_delay_ms)
    }

    /// `retry.max_retry_after_ms`.
    pub fn max_retry_after(&self) -> Duration {
        Duration::from_millis(self.max_retry_after_ms)
    }
}

impl BreakerSettings {
    /// `breaker.open_ms`: how long the breaker stays open before a probe.
    pub fn open_for(&self) -> Duration {
        Duration::from_millis(self.open_ms)
    }
}

impl UpstreamConfig {
    /// `upstream.connect_timeout_ms`.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// `upstream.attempt_timeout_ms`.
    pub fn attempt_timeout(&self) -> Duration {
        Duration::from_millis(self.attempt_timeout_ms)
    }
}

impl ShutdownConfig {
    /// `shutdown.grace_s`.
    pub fn grace(&self) -> Duration {
        Duration::from_secs(self.grace_s)
    }

    /// `shutdown.drain_delay_ms`.
    pub fn drain_delay(&self) -> Duration {
        Duration::from_millis(self.drain_delay_ms)
    }
}

impl AuthConfig {
    /// `auth.reload_interval_ms` (unset: 1000 ms; never below 50 ms).
    pub fn reload_interval(&self) -> Duration {
        Duration::from_millis(self.reload_interval_ms.unwrap_or(1000)).max(MIN_RELOAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_and_defaults_become_durations_once() {
        let cfg = crate::config::Config::default();
        assert_eq!(cfg.events.retention(), Duration::from_secs(168 * 3600));
        assert_eq!(cfg.auth.reload_interval(), Duration::from_secs(1));
        let fast = AuthConfig {
            reload_interval_ms: Some(1),
            ..AuthConfig::default()
        };
        assert_eq!(fast.reload_interval(), MIN_RELOAD);
    }
}
