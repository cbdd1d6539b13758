//! Each section checks its own values (`check`), naming the offending key; `load::validate`
//! runs them all. Cross-section rules (Redis required by a store) stay in `validate`.
use super::{
    BreakerSettings, ConfigError, EventsConfig, IdempotencyConfig, LogConfig, RateLimitSettings,
    RetrySettings, ShutdownConfig, TelemetryConfig, UpstreamConfig,
};

/// `key` must not be 0.
pub(super) fn positive(key: &str, v: u64) -> Result<(), ConfigError> {
    if v == 0 {
        return Err(ConfigError::new(key, "must be greater than 0"));
    }
    Ok(())
}

fn ratio(key: &str, v: f64, message: &str) -> Result<(), ConfigError> {
    if !(0.0..=1.0).contains(&v) {
        return Err(ConfigError::new(key, message));
    }
    Ok(())
}

/// An http(s) URL without query or fragment, reported under `key`.
pub(super) fn http_url(key: &str, raw: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| ConfigError::new(key, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(key, "must be an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(key, "must not have a query or fragment"));
    }
    Ok(())
}

/// Credentials and PII never travel in clear text: `http://` only to a loopback host.
pub(super) fn https_unless_loopback(key: &str, raw: &str) -> Result<(), ConfigError> {
    let Ok(url) = url::Url::parse(raw) else {
        return Ok(());
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(ConfigError::new(
            key,
            "must be an https URL (plain http only to a loopback host, e.g. the emulator)",
        ));
    }
    Ok(())
}

impl UpstreamConfig {
    /// `[upstream]` (credentials are resolved by `validate`).
    pub fn check(&self) -> Result<(), ConfigError> {
        http_url("upstream.base_url", &self.base_url)?;
        https_unless_loopback("upstream.base_url", &self.base_url)?;
        if self.max_response_bytes < 4096 {
            return Err(ConfigError::new(
                "upstream.max_response_bytes",
                "must be at least 4096",
            ));
        }
        positive("upstream.connect_timeout_ms", self.connect_timeout_ms)?;
        positive("upstream.attempt_timeout_ms", self.attempt_timeout_ms)?;
        if let Some(p) = &self.default_program_id {
            uuid::Uuid::parse_str(p)
                .map_err(|_| ConfigError::new("upstream.default_program_id", "must be a UUID"))?;
        }
        Ok(())
    }
}

impl IdempotencyConfig {
    /// `[idempotency]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.ttl_hours < 24 {
            return Err(ConfigError::new(
                "idempotency.ttl_hours",
                "must be at least 24 (Atelio keeps keys 24 h)",
            ));
        }
        let max_records = self.memory_max_records as u64;
        positive("idempotency.memory_max_records", max_records)?;
        positive("idempotency.purge_interval_s", self.purge_interval_s)?;
        let pages = u64::from(self.recovery_max_pages);
        positive("idempotency.recovery_max_pages", pages)
    }
}

impl RateLimitSettings {
    /// `[rate_limit]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("rate_limit.per_minute", u64::from(self.per_minute))?;
        positive("rate_limit.burst", u64::from(self.burst))?;
        if let Some(n) = self.per_caller_per_minute {
            positive("rate_limit.per_caller_per_minute", u64::from(n))?;
        }
        if !(self.read_share > 0.0 && self.read_share <= 1.0) {
            return Err(ConfigError::new(
                "rate_limit.read_share",
                "must be greater than 0 and at most 1",
            ));
        }
        Ok(())
    }
}

impl RetrySettings {
    /// `[retry]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("retry.max_attempts", u64::from(self.max_attempts))?;
        positive("retry.base_delay_ms", self.base_delay_ms)?;
        if self.max_delay_ms < self.base_delay_ms {
            return Err(ConfigError::new(
                "retry.max_delay_ms",
                "must be at least retry.base_delay_ms",
            ));
        }
        ratio(
            "retry.budget_ratio",
            self.budget_ratio,
            "must be between 0 and 1",
        )
    }
}

impl BreakerSettings {
    /// `[breaker]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        let threshold = u64::from(self.failure_threshold);
        positive("breaker.failure_threshold", threshold)?;
        positive("breaker.open_ms", self.open_ms)
    }
}

impl EventsConfig {
    /// `[events]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.dedupe_window_hours < 168 {
            return Err(ConfigError::new(
                "events.dedupe_window_hours",
                "must be at least 168 (Atelio retries for about 3 days)",
            ));
        }
        positive("events.retention_hours", self.retention_hours)?;
        positive("events.max_events", self.max_events)?;
        positive("events.heartbeat_ms", self.heartbeat_ms)?;
        positive("events.tail_capacity", self.tail_capacity as u64)?;
        positive("events.retention_interval_s", self.retention_interval_s)?;
        positive("events.max_subscriptions", self.max_subscriptions as u64)?;
        positive(
            "events.max_subscriptions_per_caller",
            self.max_subscriptions_per_caller as u64,
        )?;
        positive("events.stall_timeout_ms", self.stall_timeout_ms)
    }
}

impl TelemetryConfig {
    /// `[telemetry]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        let sample = self.sample_ratio;
        ratio(
            "telemetry.sample_ratio",
            sample,
            "must be between 0.0 and 1.0",
        )?;
        if let Some(ep) = &self.otlp_endpoint {
            http_url("telemetry.otlp_endpoint", ep).map_err(|_| {
                ConfigError::new("telemetry.otlp_endpoint", "must be an http(s) URL")
            })?;
        }
        if self.service_name.trim().is_empty() {
            return Err(ConfigError::new(
                "telemetry.service_name",
                "must not be empty",
            ));
        }
        Ok(())
    }
}

impl ShutdownConfig {
    /// `[shutdown]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        positive("shutdown.grace_s", self.grace_s)
    }
}

impl LogConfig {
    /// `[log]`.
    pub fn check(&self) -> Result<(), ConfigError> {
        tracing_subscriber::EnvFilter::try_new(&self.level)
            .map_err(|e| ConfigError::new("log.level", e.to_string()))?;
        Ok(())
    }
}
